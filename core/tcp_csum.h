/* SPDX-License-Identifier: MIT */
/*
 * Internet checksum (RFC 1071) and big-endian field access for the TCP core.
 *
 * Sums are kept in host order in a 64-bit accumulator of 64-bit loads with
 * end-around carry: the one's complement sum does not depend on byte order
 * (RFC 1071 2.(B)), so a folded sum stored with memcpy lands in the frame in
 * network order. Sums are chained by passing one as the start of the next
 * csum_add() (an even offset apart); never add two with a plain +.
 */
#ifndef XTOE_TCP_CSUM_H
#define XTOE_TCP_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Add len bytes at buf to sum (an even offset within the checksummed data). */
uint64_t csum_add(uint64_t sum, const void *buf, size_t len);
/* Copy len bytes from src to dst and add them to sum in the same pass (the
 * bytes are read once): csum_add(sum, src, len) with a memcpy. */
uint64_t csum_copy(uint64_t sum, void *dst, const void *src, size_t len);
/* csum_copy of len bytes in two pieces (a ring's wrap): first bytes from
 * s1 to d1, the rest from s2 to d2; the sum of all, in order. */
uint64_t csum_copy2(uint8_t *d1, const uint8_t *s1, size_t first,
		    uint8_t *d2, const uint8_t *s2, size_t rest);
/* Two sums of adjacent data (the second at an even offset) as one. */
uint64_t csum_combine(uint64_t a, uint64_t b);
/* A sum of bytes that start an odd offset into the checksummed data, made
 * fit to chain (RFC 1071 2.(B): the same sum with its bytes swapped). */
uint64_t csum_odd(uint64_t sum);
/* IPv4 pseudo-header: addresses in network order, len = TCP header + data. */
uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto,
		     uint16_t len);
/* Fold to 16 bits and complement: the value to store (memcpy) in a header. A
 * sum over data that includes a correct checksum folds to 0. */
uint16_t csum_fold(uint64_t sum);

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* XTOE_TCP_CSUM_H */
