/* SPDX-License-Identifier: MIT */
#include "tcp_csum.h"

uint64_t csum_add(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w32, p, 4);
		sum += w32;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&w16, last, 2);
		sum += w16;
	}
	return sum;
}

uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto,
		     uint16_t len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
	uint64_t sum = (uint64_t)saddr + daddr;

	return csum_add(sum, tail, sizeof(tail));
}

uint16_t csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}
