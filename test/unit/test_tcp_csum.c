/* SPDX-License-Identifier: MIT */
/* The Internet checksum against RFC 1071's 16-bit reference: every length
 * and alignment, chained sums, and the carries of all-ones data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp_csum.h"
#include "check.h"

/* RFC 1071 4.1, 16-bit words in network order. */
static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t start)
{
	uint64_t sum = start;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t net_csum(const uint8_t *p, size_t len)
{
	uint16_t c = csum_fold(csum_add(0, p, len));

	return get_be16((const uint8_t *)&c);
}

static void test_every_length_and_alignment(void)
{
	uint8_t buf[600];
	int bad = 0;

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len++)
			bad += net_csum(buf + off, len) != ref_csum(buf + off, len, 0);
	CHECK_EQ(bad, 0);
}

static void test_all_ones_carries(void)
{
	uint8_t buf[9000];

	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 8990; len <= sizeof(buf); len++)
		CHECK_EQ(net_csum(buf, len), ref_csum(buf, len, 0));
	buf[17] = 0xfe;
	CHECK_EQ(net_csum(buf, sizeof(buf)), ref_csum(buf, sizeof(buf), 0));
}

/* A pseudo-header sum chained into the segment, as tcp_frame_finish does;
 * a segment carrying its own checksum folds to 0. */
static void test_chained_and_verified(void)
{
	uint8_t seg[1480];
	uint8_t ph[12] = { 198, 18, 0, 1, 198, 18, 0, 2, 0, 6,
			   sizeof(seg) >> 8, sizeof(seg) & 0xff };
	uint32_t sa, da;
	uint16_t c;

	for (size_t i = 0; i < sizeof(seg); i++)
		seg[i] = (uint8_t)(i * 13 + 5);
	seg[16] = seg[17] = 0;
	memcpy(&sa, ph, 4);
	memcpy(&da, ph + 4, 4);
	c = csum_fold(csum_add(csum_pseudo(sa, da, 6, sizeof(seg)), seg, sizeof(seg)));
	{
		uint8_t all[sizeof(ph) + sizeof(seg)];

		memcpy(all, ph, sizeof(ph));
		memcpy(all + sizeof(ph), seg, sizeof(seg));
		CHECK_EQ(get_be16((const uint8_t *)&c), ref_csum(all, sizeof(all), 0));
	}
	memcpy(seg + 16, &c, 2);
	CHECK_EQ(csum_fold(csum_add(csum_pseudo(sa, da, 6, sizeof(seg)), seg, sizeof(seg))), 0);
}

int main(void)
{
	RUN(test_every_length_and_alignment);
	RUN(test_all_ones_carries);
	RUN(test_chained_and_verified);
	return check_summary();
}
