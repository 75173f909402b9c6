// SPDX-License-Identifier: MIT
/*
 * The built-in printer of xtoe-dump (pcapw.h): tcpdump's line format for
 * what xtoe carries (Ethernet, 802.1Q, ARP, IPv4, TCP with options, UDP,
 * ICMP), tcpdump's timestamp, link-header and hex options. tcpdump itself
 * prints when it is installed; this one serves when it is not, and for
 * the lines annotated with the direction and the chain's verdict.
 * Sequence numbers are printed as sent (tcpdump -S).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcapw.h"

struct sum {
	FILE *out;
	const struct print_opts *o;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

static void ip_str(const uint8_t *p, char *buf)
{
	inet_ntop(AF_INET, p, buf, INET_ADDRSTRLEN);
}

static void mac_str(const uint8_t *p, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
}

/* --- time ---------------------------------------------------------------- */

static void hms(FILE *out, uint64_t ns, bool local)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (local)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	fprintf(out, "%02d:%02d:%02d.%06lu", local ? tm.tm_hour : (int)(ns / 3600000000000ull),
		tm.tm_min, tm.tm_sec, (unsigned long)(ns % 1000000000u / 1000u));
}

static void stamp(FILE *out, const struct print_opts *o, struct print_state *st,
		  uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!st->count++)
		st->first_ns = st->prev_ns = ns;
	switch (o->tstamp) {
	case 1:
		return;
	case 2:
		fprintf(out, "%llu.%06lu ", (unsigned long long)t,
			(unsigned long)(ns % 1000000000u / 1000u));
		break;
	case 3:
		hms(out, ns >= st->prev_ns ? ns - st->prev_ns : 0, false);
		fputc(' ', out);
		break;
	case 4:
		localtime_r(&t, &tm);
		fprintf(out, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		/* fall through */
	case 0:
		hms(out, ns, true);
		fputc(' ', out);
		break;
	default:
		hms(out, ns - st->first_ns, false);
		fputc(' ', out);
	}
	st->prev_ns = ns;
}

/* --- layers -------------------------------------------------------------- */

static void tcp_flags(FILE *out, uint8_t f)
{
	static const char names[] = "FSRP.UEW"; /* bit 0 .. 7, tcpdump's letters */
	char s[9];
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (f & (1u << i) && i != 4)
			s[n++] = names[i];
	if (f & 0x10)
		s[n++] = '.';
	s[n] = 0;
	fprintf(out, "Flags [%s]", s);
}

static void tcp_options(FILE *out, const uint8_t *p, uint32_t len)
{
	bool first = true;

	if (!len)
		return;
	fputs(", options [", out);
	for (uint32_t i = 0; i < len;) {
		uint8_t kind = p[i], olen = kind > 1 && i + 1 < len ? p[i + 1] : 1;

		if (!first)
			fputc(',', out);
		first = false;
		if (kind == 0) {
			fputs("eol", out);
			break;
		}
		if (kind == 1) {
			fputs("nop", out);
			i++;
			continue;
		}
		if (olen < 2 || i + olen > len) {
			fputs("bad opt", out);
			break;
		}
		if (kind == 2 && olen == 4)
			fprintf(out, "mss %u", rd16(p + i + 2));
		else if (kind == 3 && olen == 3)
			fprintf(out, "wscale %u", p[i + 2]);
		else if (kind == 4)
			fputs("sackOK", out);
		else if (kind == 8 && olen == 10)
			fprintf(out, "TS val %u ecr %u", rd32(p + i + 2), rd32(p + i + 6));
		else if (kind == 5)
			fprintf(out, "sack %u", (olen - 2) / 8);
		else
			fprintf(out, "opt-%u", kind);
		i += olen;
	}
	fputc(']', out);
}

static void tcp(FILE *out, const struct print_opts *o, const uint8_t *ip,
		const uint8_t *p, uint32_t caplen, uint32_t paylen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t hl = (p[12] >> 4) * 4u, seq = rd32(p + 4), dlen;

	ip_str(ip + 12, a);
	ip_str(ip + 16, b);
	fprintf(out, "IP %s.%u > %s.%u: ", a, rd16(p), b, rd16(p + 2));
	dlen = paylen > hl ? paylen - hl : 0;
	if (o->quick) {
		fprintf(out, "tcp %u", dlen);
		return;
	}
	tcp_flags(out, p[13]);
	if (dlen)
		fprintf(out, ", seq %u:%u", seq, seq + dlen);
	else
		fprintf(out, ", seq %u", seq);
	if (p[13] & 0x10)
		fprintf(out, ", ack %u", rd32(p + 8));
	fprintf(out, ", win %u", rd16(p + 14));
	if (hl > 20 && caplen >= hl)
		tcp_options(out, p + 20, hl - 20);
	fprintf(out, ", length %u", dlen);
}

static void icmp(FILE *out, const char *a, const char *b, const uint8_t *p,
		 uint32_t caplen, uint32_t len)
{
	fprintf(out, "IP %s > %s: ICMP ", a, b);
	if (caplen >= 8 && (p[0] == 8 || p[0] == 0))
		fprintf(out, "echo %s, id %u, seq %u", p[0] ? "request" : "reply", rd16(p + 4),
			rd16(p + 6));
	else if (caplen >= 1 && p[0] == 3)
		fprintf(out, "unreachable, code %u", caplen >= 2 ? p[1] : 0);
	else
		fprintf(out, "type %u", caplen ? p[0] : 0);
	fprintf(out, ", length %u", len);
}

static void ipv4(FILE *out, const struct print_opts *o, const uint8_t *ip, uint32_t caplen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t ihl = (ip[0] & 0xf) * 4u, tot = rd16(ip + 2);
	uint32_t l4len = tot > ihl ? tot - ihl : 0, l4cap = caplen > ihl ? caplen - ihl : 0;

	if (caplen < 20 || ihl < 20 || caplen < ihl) {
		fputs("IP truncated-ip", out);
		return;
	}
	if (o->verbose)
		fprintf(out, "IP (tos 0x%x, ttl %u, id %u, offset %u, flags [%s], proto %u, "
			"length %u) ", ip[1], ip[8], rd16(ip + 4), (rd16(ip + 6) & 0x1fff) * 8,
			rd16(ip + 6) & 0x4000 ? "DF" : "none", ip[9], tot);
	ip_str(ip + 12, a);
	ip_str(ip + 16, b);
	if (ip[9] == 6 && l4cap >= 20)
		tcp(out, o, ip, ip + ihl, l4cap, l4len);
	else if (ip[9] == 17 && l4cap >= 8)
		fprintf(out, "IP %s.%u > %s.%u: UDP, length %u", a, rd16(ip + ihl), b,
			rd16(ip + ihl + 2), rd16(ip + ihl + 4) >= 8 ? rd16(ip + ihl + 4) - 8u : 0);
	else if (ip[9] == 1)
		icmp(out, a, b, ip + ihl, l4cap, l4len);
	else
		fprintf(out, "IP %s > %s: ip-proto-%u %u", a, b, ip[9], l4len);
}

static void arp(FILE *out, const uint8_t *p, uint32_t caplen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[24];

	if (caplen < 28 || rd16(p) != 1 || rd16(p + 2) != 0x0800) {
		fputs("ARP, truncated", out);
		return;
	}
	ip_str(p + 14, a);
	ip_str(p + 24, b);
	if (rd16(p + 6) == 1) {
		fprintf(out, "ARP, Request who-has %s tell %s, length 28", b, a);
	} else if (rd16(p + 6) == 2) {
		mac_str(p + 8, m, sizeof(m));
		fprintf(out, "ARP, Reply %s is-at %s, length 28", a, m);
	} else {
		fprintf(out, "ARP, op %u, length 28", rd16(p + 6));
	}
}

static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8100: return "802.1Q";
	case 0x86dd: return "IPv6";
	default: return "Unknown";
	}
}

/* The link header (-e) and the layers above it. */
static void frame(FILE *out, const struct print_opts *o, const struct dump_pkt *p,
		  uint32_t *l3)
{
	const uint8_t *d = p->data;
	uint32_t off = 12;
	uint16_t type;
	char s[24], t[24];

	*l3 = 0;
	if (p->caplen < 14) {
		fputs("[|ether]", out);
		return;
	}
	type = rd16(d + off);
	if (o->link) {
		mac_str(d + 6, s, sizeof(s));
		mac_str(d, t, sizeof(t));
		fprintf(out, "%s > %s, ethertype %s (0x%04x), length %u: ", s, t,
			ethertype_name(type), type, p->len);
	}
	if (type == 0x8100 && p->caplen >= 18) {
		if (o->link)
			fprintf(out, "vlan %u, p %u, ethertype %s (0x%04x), ", rd16(d + 14) & 0xfff,
				d[14] >> 5, ethertype_name(rd16(d + 16)), rd16(d + 16));
		off += 4;
		type = rd16(d + off);
	}
	off += 2;
	*l3 = off;
	if (type == 0x0800)
		ipv4(out, o, d + off, p->caplen - off);
	else if (type == 0x0806)
		arp(out, d + off, p->caplen - off);
	else
		fprintf(out, "ethertype %s (0x%04x), length %u", ethertype_name(type), type,
			p->len);
}

/* tcpdump's -x/-X rows: offset, 8 groups of 2 bytes, then ASCII (-X). */
static void hexdump(FILE *out, const uint8_t *p, uint32_t len, bool ascii)
{
	for (uint32_t row = 0; row < len; row += 16) {
		uint32_t n = len - row < 16 ? len - row : 16;

		fprintf(out, "\t0x%04x:  ", row);
		for (uint32_t i = 0; i < 16; i++) {
			if (i < n)
				fprintf(out, "%02x", p[row + i]);
			else if (ascii)
				fputs("  ", out);
			if (i % 2 && (i < n || ascii))
				fputc(' ', out);
		}
		if (ascii) {
			fputc(' ', out);
			for (uint32_t i = 0; i < n; i++)
				fputc(isprint(p[row + i]) ? p[row + i] : '.', out);
		}
		fputc('\n', out);
	}
}

static void ascii_dump(FILE *out, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		fputc(isprint(p[i]) || p[i] == '\n' || p[i] == '\t' ? p[i] : '.', out);
	fputc('\n', out);
}

int pkt_print(FILE *out, const struct dump_pkt *p, const struct print_opts *o,
	      struct print_state *st)
{
	uint32_t l3;

	if (o->number)
		fprintf(out, "%5llu  ", (unsigned long long)st->count + 1);
	stamp(out, o, st, p->ts_ns);
	if (o->notes)
		fprintf(out, "%s %s ", p->dir == DUMP_IN ? "In " : p->dir == DUMP_OUT ? "Out" : "-",
			p->note[0] ? p->note : "-");
	frame(out, o, p, &l3);
	fputc('\n', out);
	if (o->hex)
		hexdump(out, p->data + (o->hex % 2 ? l3 : 0),
			p->caplen - (o->hex % 2 ? l3 : 0), o->hex >= 3);
	else if (o->ascii)
		ascii_dump(out, p->data + l3, p->caplen - l3);
	return ferror(out) ? -1 : 0;
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
