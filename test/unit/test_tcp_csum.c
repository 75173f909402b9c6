/* SPDX-License-Identifier: MIT */
/* The Internet checksum against RFC 1071's 16-bit reference: every length
 * and alignment, chained sums, and the carries of all-ones data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp.h"
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

/* csum_copy is memcpy + csum_add in one pass: every length and both
 * alignments, chained onto a start sum. */
static void test_copy_sums_what_it_copies(void)
{
	uint8_t src[700], dst[720];
	int bad = 0;

	srand(11);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(src); len += 1 + len / 64) {
			uint64_t s;

			memset(dst, 0xa5, sizeof(dst));
			s = csum_copy(0x1234, dst + 3, src + off, len);
			bad += memcmp(dst + 3, src + off, len) != 0;
			bad += dst[2] != 0xa5 || dst[3 + len] != 0xa5;
			bad += csum_fold(s) != csum_fold(csum_add(0x1234, src + off, len));
		}
	CHECK_EQ(bad, 0);
}

/* Data summed in two pieces, the second starting at an odd offset (a ring
 * wrapping after an odd number of bytes), chains to the whole's sum. */
static void test_split_at_any_point(void)
{
	uint8_t buf[301];
	int bad = 0;

	srand(13);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t cut = 0; cut <= sizeof(buf); cut++) {
		uint64_t a = csum_add(0, buf, cut);
		uint64_t b = csum_add(0, buf + cut, sizeof(buf) - cut);
		uint64_t s = csum_combine(a, cut & 1 ? csum_odd(b) : b);

		bad += csum_fold(s) != csum_fold(csum_add(0, buf, sizeof(buf)));
	}
	CHECK_EQ(bad, 0);
}

/* tcp_tx_copy's sum is that of the bytes it copied, wherever the ring
 * wraps (after an odd number of bytes too). */
static void test_tx_copy_sum_across_the_wrap(void)
{
	uint8_t ring[64], out[100];
	struct tcp_conn c = { 0 };
	int bad = 0;

	for (size_t i = 0; i < sizeof(ring); i++)
		ring[i] = (uint8_t)(i * 37 + 11);
	c.b.tx = ring;
	c.b.tx_size = sizeof(ring);
	for (uint32_t pos = 0; pos < 2 * sizeof(ring); pos++)
		for (uint16_t len = 1; len <= sizeof(ring); len++) {
			uint64_t s = tcp_tx_copy(&c, pos, len, out);

			for (uint16_t i = 0; i < len; i++)
				bad += out[i] != ring[(pos + i) % sizeof(ring)];
			bad += csum_fold(s) != csum_fold(csum_add(0, out, len));
		}
	CHECK_EQ(bad, 0);
}

/* A segment finished from its payload's sum carries the checksum the
 * whole-frame pass computes. */
static void test_finish_with_payload_sum(void)
{
	struct tcp_endpoints ep = { .saddr = 0x010012c6, .daddr = 0x020012c6,
				    .sport = 0x3930, .dport = 0x5000 };
	struct tcp_hdrvals h = { .seq = 1000, .ack = 77, .flags = TCP_F_ACK | TCP_F_PSH,
				 .wnd = 512, .ts = true, .tsval = 5, .tsecr = 9,
				 .wscale = -1 };
	uint8_t a[1600], b[1600], pay[1449];

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	for (uint16_t len = 0; len <= sizeof(pay); len += 1 + len / 8) {
		int hl = tcp_build_hdr(a, sizeof(a), &ep, &h, len);

		CHECK(hl > 0);
		memcpy(b, a, (size_t)hl);
		memcpy(a + hl, pay, len);
		tcp_frame_finish(a, (size_t)hl + len);
		tcp_frame_finish_sum(b, (size_t)hl, len, csum_copy(0, b + hl, pay, len));
		CHECK_EQ(memcmp(a, b, (size_t)hl + len), 0);
	}
}

int main(void)
{
	RUN(test_every_length_and_alignment);
	RUN(test_all_ones_carries);
	RUN(test_chained_and_verified);
	RUN(test_copy_sums_what_it_copies);
	RUN(test_split_at_any_point);
	RUN(test_tx_copy_sum_across_the_wrap);
	RUN(test_finish_with_payload_sum);
	return check_summary();
}
