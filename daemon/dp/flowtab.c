/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"

static uint32_t flow_hash(const struct flow_key *k)
{
	uint64_t h = ((uint64_t)k->raddr << 32) ^ ((uint32_t)k->rport << 16) ^ k->lport;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->raddr == b->raddr && a->rport == b->rport && a->lport == b->lport;
}

int flowtab_init(struct flowtab *t, uint32_t cap)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	if (!cap || cap >= FLOWTAB_OUT)
		return -EINVAL;
	while (nb < cap)
		nb <<= 1;
	t->bucket = malloc(sizeof(*t->bucket) * nb);
	t->next = malloc(sizeof(*t->next) * cap);
	t->key = calloc(cap, sizeof(*t->key));
	if (!t->bucket || !t->next || !t->key) {
		flowtab_free(t);
		return -ENOMEM;
	}
	memset(t->bucket, 0xff, sizeof(*t->bucket) * nb);
	for (uint32_t i = 0; i < cap; i++)
		t->next[i] = FLOWTAB_OUT;
	t->mask = nb - 1;
	t->cap = cap;
	return 0;
}

void flowtab_free(struct flowtab *t)
{
	free(t->bucket);
	free(t->next);
	free(t->key);
	memset(t, 0, sizeof(*t));
}

uint32_t flowtab_find(const struct flowtab *t, const struct flow_key *k)
{
	uint32_t i = t->bucket[flow_hash(k) & t->mask];

	while (i != FLOWTAB_NONE && !key_eq(&t->key[i], k))
		i = t->next[i];
	return i;
}

bool flowtab_has(const struct flowtab *t, uint32_t idx)
{
	return idx < t->cap && t->next[idx] != FLOWTAB_OUT;
}

int flowtab_insert(struct flowtab *t, uint32_t idx, const struct flow_key *k)
{
	uint32_t *head;

	if (idx >= t->cap)
		return -EINVAL;
	if (flowtab_has(t, idx) || flowtab_find(t, k) != FLOWTAB_NONE)
		return -EEXIST;
	head = &t->bucket[flow_hash(k) & t->mask];
	t->key[idx] = *k;
	t->next[idx] = *head;
	*head = idx;
	t->count++;
	return 0;
}

bool flowtab_remove(struct flowtab *t, uint32_t idx)
{
	uint32_t *p;

	if (!flowtab_has(t, idx))
		return false;
	p = &t->bucket[flow_hash(&t->key[idx]) & t->mask];
	while (*p != idx && *p != FLOWTAB_NONE) /* idx is in its key's chain */
		p = &t->next[*p];
	if (*p == FLOWTAB_NONE)
		return false; /* unreachable while the invariants hold */
	*p = t->next[idx];
	t->next[idx] = FLOWTAB_OUT;
	t->count--;
	return true;
}
