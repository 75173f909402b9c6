/* SPDX-License-Identifier: MIT */
/*
 * Small sets of disjoint sequence-number intervals: the out-of-order data a
 * receiver holds in its ring, and the SACK blocks a sender has been told
 * about. Intervals are kept sorted and never touch (touching ones merge).
 */
#include <string.h>

#include "tcp.h"

static void iv_remove(struct tcp_ivset *v, unsigned i, unsigned n)
{
	memmove(&v->iv[i], &v->iv[i + n],
		(v->n - i - n) * sizeof(v->iv[0]));
	v->n = (uint8_t)(v->n - n);
}

static void iv_insert_at(struct tcp_ivset *v, unsigned i, uint32_t start,
			 uint32_t end)
{
	memmove(&v->iv[i + 1], &v->iv[i], (v->n - i) * sizeof(v->iv[0]));
	v->iv[i].start = start;
	v->iv[i].end = end;
	v->n++;
}

bool tcp_ivset_add(struct tcp_ivset *v, uint32_t start, uint32_t end)
{
	unsigned first = 0, last;

	if (!seq_lt(start, end))
		return false;
	while (first < v->n && seq_lt(v->iv[first].end, start))
		first++;
	last = first;
	while (last < v->n && seq_le(v->iv[last].start, end))
		last++;
	if (last == first) { /* touches nothing: a new interval */
		if (v->n == TCP_IVSET_MAX)
			return false;
		iv_insert_at(v, first, start, end);
		return true;
	}
	if (seq_lt(v->iv[first].start, start))
		start = v->iv[first].start;
	if (seq_gt(v->iv[last - 1].end, end))
		end = v->iv[last - 1].end;
	iv_remove(v, first + 1, last - first - 1);
	v->iv[first].start = start;
	v->iv[first].end = end;
	return true;
}

void tcp_ivset_trim(struct tcp_ivset *v, uint32_t below)
{
	unsigned i = 0;

	while (i < v->n && seq_le(v->iv[i].end, below))
		i++;
	iv_remove(v, 0, i);
	if (v->n && seq_lt(v->iv[0].start, below))
		v->iv[0].start = below;
}

void tcp_ivset_take(struct tcp_ivset *v, uint32_t start, uint32_t end)
{
	for (unsigned i = 0; i < v->n && seq_lt(start, end);) {
		uint32_t s = v->iv[i].start, e = v->iv[i].end;

		if (!seq_lt(start, e) || !seq_lt(s, end)) {
			i++;
			continue;
		}
		if (seq_lt(s, start) && seq_gt(e, end)) { /* a hole in the middle */
			v->iv[i].end = start;
			if (v->n < TCP_IVSET_MAX)
				iv_insert_at(v, i + 1, end, e);
			return;
		}
		if (seq_lt(s, start)) {
			v->iv[i++].end = start;
		} else if (seq_gt(e, end)) {
			v->iv[i].start = end;
			return;
		} else {
			iv_remove(v, i, 1);
		}
	}
}

int tcp_ivset_find(const struct tcp_ivset *v, uint32_t seq)
{
	for (unsigned i = 0; i < v->n; i++)
		if (seq_le(v->iv[i].start, seq) && seq_lt(seq, v->iv[i].end))
			return (int)i;
	return -1;
}

uint32_t tcp_ivset_gap(const struct tcp_ivset *v, uint32_t seq, uint32_t end)
{
	for (unsigned i = 0; i < v->n; i++)
		if (seq_gt(v->iv[i].start, seq) && seq_lt(v->iv[i].start, end))
			return v->iv[i].start;
	return end;
}
