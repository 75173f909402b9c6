// SPDX-License-Identifier: MIT
/* xtoe-dump's files and lines (tools/xtoe-dump/pcapw.c, tools/xtoe-dump/pktsum.c):
 * pcapng block layout with the interface's name, the built-in printer's
 * lines in tcpdump's format, frame keys across VLAN tags. */
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

static void test_pcapng_blocks(void)
{
	uint8_t f[60], *b = NULL;
	size_t n = 0, off;
	FILE *m = open_memstream((char **)&b, &n);
	struct pcapng w;
	struct dump_pkt p;

	syn_frame(f);
	p = pkt(f, DUMP_OUT, "dp-tx");
	p.caplen = 58; /* data padded to 4 */
	REQUIRE(m && !pcapng_open(&w, m, 256, "veth0"));
	CHECK(!pcapng_write(&w, &p));
	fclose(m);
	/* every block: type, length, ..., the same length again */
	for (off = 0; off + 12 <= n; off += rd32(b + off + 4)) {
		uint32_t len = rd32(b + off + 4);

		REQUIRE(len % 4 == 0 && len >= 12 && off + len <= n);
		CHECK_EQ(rd32(b + off + len - 4), len);
	}
	CHECK_EQ(off, n);
	CHECK_EQ(rd32(b), 0x0a0d0d0au);
	CHECK_EQ(rd32(b + 28), 1);  /* IDB, its first option if_name */
	CHECK_EQ(rd32(b + 28 + 16), 2u | 5u << 16);
	CHECK(!memcmp(b + 28 + 20, "veth0", 5));
	off = 28 + rd32(b + 28 + 4); /* EPB */
	CHECK_EQ(rd32(b + off), 6);
	CHECK_EQ(rd32(b + off + 20), 58);
	CHECK_EQ(rd32(b + off + 24), 60);
	off += 28 + 60;            /* options: epb_flags, outbound */
	CHECK_EQ(rd32(b + off), 2u | 4u << 16);
	CHECK_EQ(rd32(b + off + 4), 2);
	CHECK(!memcmp(b + off + 12, "dp-tx", 5)); /* opt_comment */
	free(b);
}

/* The built-in printer's line, as written with the given options. */
static const char *print(const struct dump_pkt *p, const struct print_opts *o)
{
	static char *buf;
	struct print_state st = { 0 };
	size_t n = 0;
	FILE *m;

	free(buf);
	buf = NULL;
	m = open_memstream(&buf, &n);
	pkt_print(m, p, o, &st);
	fclose(m);
	return buf;
}

static void test_printer(void)
{
	struct print_opts o = { .notes = true };
	uint8_t f[60];
	struct dump_pkt p;

	syn_frame(f);
	p = pkt(f, DUMP_IN, "rx steer:redirect");
	CHECK(strstr(print(&p, &o), " In  rx steer:redirect IP 10.0.0.2.40000 > "
		     "10.0.0.1.7000: Flags [S], seq 100, win 65535, length 0\n"));
	o = (struct print_opts){ .tstamp = 2 };
	CHECK(!strcmp(print(&p, &o), "1700000000.123456 IP 10.0.0.2.40000 > "
		      "10.0.0.1.7000: Flags [S], seq 100, win 65535, length 0\n"));
	o = (struct print_opts){ .tstamp = 1, .link = true, .quick = true };
	CHECK(!strcmp(print(&p, &o), "02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 "
		      "(0x0800), length 60: IP 10.0.0.2.40000 > 10.0.0.1.7000: tcp 0\n"));
	o = (struct print_opts){ .tstamp = 1, .hex = 3 };
	CHECK(strstr(print(&p, &o), "\n\t0x0000:  4500 0028 1234 4000 4006 0000 0a00 0002  "
		     "E..(.4@.@.......\n"));
	p.caplen = 20;
	o = (struct print_opts){ .tstamp = 1 };
	CHECK(strstr(print(&p, &o), "truncated"));
}

/* ARP and ICMP as tcpdump names them. */
static void test_printer_arp_icmp(void)
{
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 2, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 2, 10, 0, 0, 2,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
	};
	uint8_t f[60];
	struct print_opts o = { .tstamp = 1 };
	struct dump_pkt p = pkt(arp, DUMP_IN, "");

	p.len = p.caplen = sizeof(arp);
	CHECK(!strcmp(print(&p, &o), "ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28\n"));
	syn_frame(f);
	f[23] = 1;                 /* ICMP */
	f[17] = 28;                /* total length */
	f[34] = 0, f[35] = 0;      /* echo reply */
	f[38] = 0, f[39] = 7, f[40] = 0, f[41] = 3;
	p = pkt(f, DUMP_OUT, "");
	CHECK(!strcmp(print(&p, &o), "IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 7, seq 3, "
		      "length 8\n"));
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
	RUN(test_pcapng_blocks);
	RUN(test_printer);
	RUN(test_printer_arp_icmp);
	RUN(test_key_ignores_vlan_tag);
	return check_summary();
}
