// SPDX-License-Identifier: MIT
/* xtoe-dump's files and lines (tools/xtoe-dump/pcapw.c, tools/xtoe-dump/pktsum.c): pcap and
 * pcapng block layout, the one-line summary, frame keys across VLAN tags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tools/xtoe-dump/pcapw.h"

/* Ethernet + IPv4 + TCP SYN 10.0.0.2:40000 -> 10.0.0.1:7000, 60 bytes. */
static void syn_frame(uint8_t *f)
{
	static const uint8_t hdr[] = {
		2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
		10, 0, 0, 2, 10, 0, 0, 1,
		0x9c, 0x40, 0x1b, 0x58, 0, 0, 0, 100, 0, 0, 0, 0,
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};

	memset(f, 0, 60);
	memcpy(f, hdr, sizeof(hdr));
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static struct dump_pkt pkt(const uint8_t *f, enum dump_dir dir, const char *note)
{
	struct dump_pkt p = { .ts_ns = 1700000000123456789ull, .len = 60,
			      .caplen = 60, .data = f, .dir = dir };

	snprintf(p.note, sizeof(p.note), "%s", note);
	return p;
}

static void test_pcap_layout(void)
{
	uint8_t f[60], *b = NULL;
	size_t n = 0;
	FILE *m = open_memstream((char **)&b, &n);
	struct pcapw w;
	struct dump_pkt p;

	syn_frame(f);
	p = pkt(f, DUMP_IN, "rx");
	REQUIRE(m && !pcapw_open(&w, m, false, 256, false));
	CHECK(!pcapw_write(&w, &p));
	fclose(m);
	REQUIRE(n == 24 + 16 + 60);
	CHECK_EQ(rd32(b), 0xa1b23c4du);
	CHECK_EQ(rd32(b + 16), 256);
	CHECK_EQ(rd32(b + 24), 1700000000u);
	CHECK_EQ(rd32(b + 28), 123456789u);
	CHECK_EQ(rd32(b + 32), 60);
	CHECK(!memcmp(b + 40, f, 60));
	free(b);
}

static void test_pcapng_blocks(void)
{
	uint8_t f[60], *b = NULL;
	size_t n = 0, off;
	FILE *m = open_memstream((char **)&b, &n);
	struct pcapw w;
	struct dump_pkt p;

	syn_frame(f);
	p = pkt(f, DUMP_OUT, "dp-tx");
	p.caplen = 58; /* data padded to 4 */
	REQUIRE(m && !pcapw_open(&w, m, true, 256, true));
	CHECK(!pcapw_write(&w, &p));
	fclose(m);
	/* every block: type, length, ..., the same length again */
	for (off = 0; off + 12 <= n; off += rd32(b + off + 4)) {
		uint32_t len = rd32(b + off + 4);

		REQUIRE(len % 4 == 0 && len >= 12 && off + len <= n);
		CHECK_EQ(rd32(b + off + len - 4), len);
	}
	CHECK_EQ(off, n);
	CHECK_EQ(rd32(b), 0x0a0d0d0au);
	CHECK_EQ(rd32(b + 28), 1);  /* IDB */
	off = 28 + 32;             /* EPB */
	CHECK_EQ(rd32(b + off), 6);
	CHECK_EQ(rd32(b + off + 20), 58);
	CHECK_EQ(rd32(b + off + 24), 60);
	off += 28 + 60;            /* options: epb_flags, outbound */
	CHECK_EQ(rd32(b + off), 2u | 4u << 16);
	CHECK_EQ(rd32(b + off + 4), 2);
	CHECK(!memcmp(b + off + 12, "dp-tx", 5)); /* opt_comment */
	free(b);
}

static void test_summary_line(void)
{
	uint8_t f[60];
	struct dump_pkt p;
	char line[256];

	syn_frame(f);
	p = pkt(f, DUMP_IN, "rx steer:redirect");
	pkt_summary(&p, line, sizeof(line));
	CHECK(strstr(line, " In  rx steer:redirect IP 10.0.0.2.40000 > 10.0.0.1.7000: "
		      "Flags [S], seq 100, ack 0, win 65535, length 0"));
	p.caplen = 20;
	pkt_summary(&p, line, sizeof(line));
	CHECK(strstr(line, "IP (truncated)") || strstr(line, "ethertype"));
	pkt_summary(&p, line, 30); /* never past the buffer */
	CHECK(strlen(line) < 30);
}

static void test_key_ignores_vlan_tag(void)
{
	uint8_t f[60], t[64];
	struct pkt_key a, b;

	syn_frame(f);
	memcpy(t, f, 12);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0, t[15] = 5;
	memcpy(t + 16, f + 12, 48);
	REQUIRE(pkt_key(f, 60, &a));
	REQUIRE(pkt_key(t, 64, &b));
	CHECK(!memcmp(&a, &b, sizeof(a)));
	f[19] ^= 1; /* another IP id */
	REQUIRE(pkt_key(f, 60, &b));
	CHECK(memcmp(&a, &b, sizeof(a)));
	CHECK(!pkt_key(f, 13, &b));
}

int main(void)
{
	RUN(test_pcap_layout);
	RUN(test_pcapng_blocks);
	RUN(test_summary_line);
	RUN(test_key_ignores_vlan_tag);
	return check_summary();
}
