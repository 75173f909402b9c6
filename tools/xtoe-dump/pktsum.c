// SPDX-License-Identifier: MIT
/* The one-line summary of a captured frame (xtoe-dump without -w). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcapw.h"

struct sum {
	char *buf;
	size_t len, off;
};

static void add(struct sum *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sum *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->off >= s->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->off, s->len - s->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->off += (size_t)n;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

static void tcp_flags(struct sum *s, uint8_t f)
{
	static const char names[] = "FSRP.UEW"; /* bit 0 .. 7, tcpdump's letters */
	char out[9];
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (f & (1u << i) && i != 4)
			out[n++] = names[i];
	if (f & 0x10)
		out[n++] = '.';
	out[n] = 0;
	add(s, "Flags [%s]", out);
}

static void l4(struct sum *s, const uint8_t *ip, const uint8_t *p, uint32_t caplen,
	       uint32_t iplen, uint32_t ihl)
{
	char a[16], b[16];
	uint32_t hl;

	inet_ntop(AF_INET, ip + 12, a, sizeof(a));
	inet_ntop(AF_INET, ip + 16, b, sizeof(b));
	if (ip[9] == 6 && caplen >= 20) {
		hl = (p[12] >> 4) * 4u;
		add(s, "IP %s.%u > %s.%u: ", a, rd16(p), b, rd16(p + 2));
		tcp_flags(s, p[13]);
		add(s, ", seq %u, ack %u, win %u, length %u", rd32(p + 4), rd32(p + 8),
		    rd16(p + 14), iplen > ihl + hl ? iplen - ihl - hl : 0);
	} else if (ip[9] == 17 && caplen >= 8) {
		add(s, "IP %s.%u > %s.%u: UDP, length %u", a, rd16(p), b, rd16(p + 2),
		    rd16(p + 4) >= 8 ? rd16(p + 4) - 8u : 0);
	} else if (ip[9] == 1) {
		add(s, "IP %s > %s: ICMP, length %u", a, b, iplen > ihl ? iplen - ihl : 0);
	} else {
		add(s, "IP %s > %s: proto %u, length %u", a, b, ip[9], iplen);
	}
}

static void l3(struct sum *s, const uint8_t *p, uint32_t caplen)
{
	uint16_t type;
	uint32_t off = 12, ihl;

	if (caplen < 14) {
		add(s, "short frame");
		return;
	}
	type = rd16(p + off);
	if (type == 0x8100 && caplen >= 18) {
		add(s, "vlan %u ", rd16(p + 14) & 0xfff);
		off += 4;
		type = rd16(p + off);
	}
	off += 2;
	if (type != 0x0800 || caplen < off + 20) {
		add(s, "ethertype 0x%04x", type);
		return;
	}
	ihl = (p[off] & 0xf) * 4u;
	if (caplen < off + ihl) {
		add(s, "IP (truncated)");
		return;
	}
	l4(s, p + off, p + off + ihl, caplen - off - ihl, rd16(p + off + 2), ihl);
}

void pkt_summary(const struct dump_pkt *p, char *buf, size_t len)
{
	struct sum s = { buf, len, 0 };
	time_t t = (time_t)(p->ts_ns / 1000000000u);
	struct tm tm;

	buf[0] = 0;
	localtime_r(&t, &tm);
	add(&s, "%02d:%02d:%02d.%06lu %s %s ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (unsigned long)(p->ts_ns % 1000000000u / 1000u),
	    p->dir == DUMP_IN ? "In " : "Out", p->note[0] ? p->note : "-");
	l3(&s, p->data, p->caplen);
}

bool pkt_key(const uint8_t *p, uint32_t caplen, struct pkt_key *k)
{
	uint32_t off = 12, ihl;

	memset(k, 0, sizeof(*k));
	if (caplen < 14)
		return false;
	if (rd16(p + off) == 0x8100)
		off += 4;
	if (caplen < off + 2 + 20 || rd16(p + off) != 0x0800)
		return false;
	off += 2;
	ihl = (p[off] & 0xf) * 4u;
	memcpy(&k->saddr, p + off + 12, 4);
	memcpy(&k->daddr, p + off + 16, 4);
	k->ip_id = rd16(p + off + 4);
	k->proto = p[off + 9];
	if (caplen >= off + ihl + 8)
		memcpy(k->l4, p + off + ihl, 8);
	return true;
}
