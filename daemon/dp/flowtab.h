/* SPDX-License-Identifier: MIT */
/*
 * The data-path's flow table: connection 4-tuple -> flow index. Private to
 * the data-path thread (no locks). Chained hashing over a preallocated
 * array; the flows themselves live in the caller's array.
 *
 * Invariants (test/unit/test_flowtab.c, test/fuzz/fuzz_flowtab.c): an
 * index is in at most one chain, once; a key is held by at most one index;
 * every chain ends. An insert that would break them (the index already in
 * the table, the key already held, an index out of range) is refused with
 * -EEXIST/-EINVAL and changes nothing; a remove of an index not in the
 * table is a no-op. So a caller's mistake can never make a chain point at
 * itself (which made flowtab_find loop forever).
 */
#ifndef XTOE_FLOWTAB_H
#define XTOE_FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/flow_key.h"

#define FLOWTAB_NONE UINT32_MAX       /* no flow; the end of a chain */
#define FLOWTAB_OUT (UINT32_MAX - 1)  /* next[idx]: idx is not in the table */

struct flowtab {
	uint32_t *bucket;      /* head index per bucket */
	uint32_t *next;        /* chain per flow index; FLOWTAB_OUT: not in */
	struct flow_key *key;  /* key per flow index */
	uint32_t mask;
	uint32_t cap;
	uint32_t count;        /* indices in the table */
};

/* cap: flow indices 0..cap-1 (at most FLOWTAB_OUT - 1). */
int flowtab_init(struct flowtab *t, uint32_t cap);
void flowtab_free(struct flowtab *t);
uint32_t flowtab_find(const struct flowtab *t, const struct flow_key *k);
bool flowtab_has(const struct flowtab *t, uint32_t idx);
/* 0, -EINVAL (idx out of range), -EEXIST (idx in the table or k held). */
int flowtab_insert(struct flowtab *t, uint32_t idx, const struct flow_key *k);
/* true when idx was in the table (and is no longer). */
bool flowtab_remove(struct flowtab *t, uint32_t idx);

#endif /* XTOE_FLOWTAB_H */
