/* SPDX-License-Identifier: MIT */
/*
 * The data-path's flow table: connection 4-tuple -> flow index. Private to
 * the data-path thread (no locks). Chained hashing over a preallocated
 * array; the flows themselves live in the caller's array.
 */
#ifndef XTOE_FLOWTAB_H
#define XTOE_FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/flow_key.h"

#define FLOWTAB_NONE UINT32_MAX

struct flowtab {
	uint32_t *bucket;      /* head index per bucket */
	uint32_t *next;        /* chain per flow index */
	struct flow_key *key;  /* key per flow index */
	uint32_t mask;
	uint32_t cap;
};

int flowtab_init(struct flowtab *t, uint32_t cap);
void flowtab_free(struct flowtab *t);
uint32_t flowtab_find(const struct flowtab *t, const struct flow_key *k);
void flowtab_insert(struct flowtab *t, uint32_t idx, const struct flow_key *k);
bool flowtab_remove(struct flowtab *t, uint32_t idx);

#endif /* XTOE_FLOWTAB_H */
