/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the data-path's flow table (daemon/dp/flowtab.c) under
 * arbitrary sequences of insert, remove and find, against a reference. A
 * small table and few keys, so chains collide and indices and keys are
 * reused, inserted twice and removed when absent. Any disagreement aborts;
 * a chain that never ends is a libFuzzer timeout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "daemon/dp/flowtab.h"

#define CAP 61u   /* not a power of two: buckets outnumber indices */
#define KEYS 97u

static struct flow_key key_of(uint32_t k)
{
	return (struct flow_key){ .raddr = k % 7, .rport = (uint16_t)(k / 7),
				  .lport = (uint16_t)(k & 1) };
}

struct ref {
	int32_t key[CAP];        /* key number per index, -1: not in */
	int32_t holder[KEYS];    /* index per key number, -1: none */
};

static void ref_check(const struct flowtab *t, const struct ref *r)
{
	uint32_t count = 0;

	for (uint32_t k = 0; k < KEYS; k++) {
		struct flow_key fk = key_of(k);
		uint32_t want = r->holder[k] < 0 ? FLOWTAB_NONE : (uint32_t)r->holder[k];

		if (flowtab_find(t, &fk) != want)
			abort();
	}
	for (uint32_t i = 0; i < CAP; i++) {
		if (flowtab_has(t, i) != (r->key[i] >= 0))
			abort();
		count += r->key[i] >= 0;
	}
	if (count != t->count)
		abort();
}

static void op_insert(struct flowtab *t, struct ref *r, uint32_t i, uint32_t k)
{
	struct flow_key fk = key_of(k);
	int want = i >= CAP ? -EINVAL :
		   (r->key[i] >= 0 || r->holder[k] >= 0) ? -EEXIST : 0;

	if (flowtab_insert(t, i, &fk) != want)
		abort();
	if (!want) {
		r->key[i] = (int32_t)k;
		r->holder[k] = (int32_t)i;
	}
}

static void op_remove(struct flowtab *t, struct ref *r, uint32_t i)
{
	bool want = i < CAP && r->key[i] >= 0;

	if (flowtab_remove(t, i) != want)
		abort();
	if (want) {
		r->holder[r->key[i]] = -1;
		r->key[i] = -1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flowtab t;
	struct ref r;

	if (flowtab_init(&t, CAP))
		abort();
	for (uint32_t i = 0; i < CAP; i++)
		r.key[i] = -1;
	for (uint32_t k = 0; k < KEYS; k++)
		r.holder[k] = -1;
	for (size_t p = 0; p + 2 < size; p += 3) {
		uint32_t i = data[p + 1] % (CAP + 3); /* a few out of range */
		uint32_t k = data[p + 2] % KEYS;

		if (data[p] & 1)
			op_insert(&t, &r, i, k);
		else
			op_remove(&t, &r, i);
		if (data[p] & 2)
			ref_check(&t, &r);
	}
	ref_check(&t, &r);
	flowtab_free(&t);
	return 0;
}
