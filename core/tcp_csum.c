/* SPDX-License-Identifier: MIT */
#include "tcp_csum.h"

/* One's complement addition of 64-bit words: the carry out of the top
 * goes back in at the bottom (end-around carry), which keeps the sum
 * congruent to the 16-bit one's complement sum of the same bytes. */
static inline uint64_t add_carry(uint64_t sum, uint64_t w)
{
	uint64_t r;

	return __builtin_add_overflow(sum, w, &r) ? r + 1 : r;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* 32 bytes a step in four independent sums, so the additions overlap. */
static const uint8_t *sum_blocks(uint64_t s[4], const uint8_t *p, size_t n)
{
	uint64_t a = s[0], b = s[1], c = s[2], d = s[3];

	for (; n; n--, p += 32) {
		a = add_carry(a, load64(p));
		b = add_carry(b, load64(p + 8));
		c = add_carry(c, load64(p + 16));
		d = add_carry(d, load64(p + 24));
	}
	s[0] = a;
	s[1] = b;
	s[2] = c;
	s[3] = d;
	return p;
}

uint64_t csum_add(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s[4] = { sum, 0, 0, 0 };
	uint32_t w32;
	uint16_t w16;

	p = sum_blocks(s, p, len / 32);
	len %= 32;
	sum = add_carry(add_carry(s[0], s[1]), add_carry(s[2], s[3]));
	for (; len >= 8; p += 8, len -= 8)
		sum = add_carry(sum, load64(p));
	if (len >= 4) {
		memcpy(&w32, p, 4);
		sum = add_carry(sum, w32);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum = add_carry(sum, w16);
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&w16, last, 2);
		sum = add_carry(sum, w16);
	}
	return sum;
}

/* Two 64-bit lanes (GCC vector extensions: SSE2, NEON). */
typedef uint64_t csum_v2 __attribute__((vector_size(16)));

/* 32 bytes a step, stored as they are read, their 32-bit words added into
 * 64-bit lanes (a lane would need 2^31 steps to overflow, so no carry is
 * kept per step); the lanes end in one sum with end-around carry, which
 * is congruent to the 16-bit one's complement sum (2^16 = 1 mod 0xffff). */
static uint64_t copy_blocks(uint8_t *dst, const uint8_t *src, size_t n)
{
	const csum_v2 lo32 = { 0xffffffffu, 0xffffffffu };
	csum_v2 a = { 0, 0 }, b = { 0, 0 };

	for (; n; n--, src += 32, dst += 32) {
		csum_v2 x, y;

		memcpy(&x, src, 16);
		memcpy(&y, src + 16, 16);
		memcpy(dst, &x, 16);
		memcpy(dst + 16, &y, 16);
		a += (x & lo32) + (y & lo32);
		b += (x >> 32) + (y >> 32);
	}
	return add_carry(add_carry(a[0], a[1]), add_carry(b[0], b[1]));
}

uint64_t csum_copy(uint64_t sum, void *dst, const void *src, size_t len)
{
	size_t done = len / 32 * 32;

	sum = add_carry(sum, copy_blocks(dst, src, len / 32));
	memcpy((uint8_t *)dst + done, (const uint8_t *)src + done, len - done);
	return csum_add(sum, (uint8_t *)dst + done, len - done);
}

uint64_t csum_copy2(uint8_t *d1, const uint8_t *s1, size_t first,
		    uint8_t *d2, const uint8_t *s2, size_t rest)
{
	uint64_t sum = csum_copy(0, d1, s1, first), tail;

	if (!rest)
		return sum;
	tail = csum_copy(0, d2, s2, rest);
	return add_carry(sum, first & 1 ? csum_odd(tail) : tail);
}

/* The 16-bit one's complement sum, not complemented. */
static uint16_t fold16(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t csum_combine(uint64_t a, uint64_t b)
{
	return add_carry(a, b);
}

uint64_t csum_odd(uint64_t sum)
{
	uint16_t v = fold16(sum);

	return (uint16_t)(v << 8 | v >> 8);
}

uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto,
		     uint16_t len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
	uint32_t w;

	/* three 32-bit words: no carry out of 64 bits to take back in */
	memcpy(&w, tail, sizeof(w));
	return (uint64_t)saddr + daddr + w;
}

uint16_t csum_fold(uint64_t sum)
{
	return (uint16_t)~fold16(sum);
}
