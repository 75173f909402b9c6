// SPDX-License-Identifier: MIT
/* Firewall rules as text: parse and format (xdp/fw_rule.h). */
#include "fw_rule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define MAX_WORDS 32

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v <= max;
}

/* A.B.C.D or A.B.C.D/N */
static bool parse_cidr(const char *s, uint32_t *addr, uint8_t *len)
{
	char buf[32], *slash;
	unsigned long n = 32;
	struct in_addr a;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (!parse_ulong(slash + 1, 32, &n))
			return false;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*addr = n ? a.s_addr & htonl(~0u << (32 - n)) : 0;
	*len = (uint8_t)n;
	return true;
}

/* P or P-Q */
static bool parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16], *dash;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (!parse_ulong(buf, 65535, &a))
		return false;
	b = a;
	if (dash && !parse_ulong(dash + 1, 65535, &b))
		return false;
	if (b < a)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

static const struct { const char *name; uint8_t proto; } protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
};

static bool parse_proto(const char *s, uint8_t *p)
{
	unsigned long n;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			*p = protos[i].proto;
			return true;
		}
	if (!parse_ulong(s, 255, &n) || !n)
		return false;
	*p = (uint8_t)n;
	return true;
}

/* By enum fw_action: pass lets the frame go on (FW_ACCEPT: steering
 * decides, as without the rule); kernel hands it to the kernel stack even
 * when xtoe owns the flow (FW_PASS). */
static const char *const action_names[] = { "pass", "drop", "kernel" };

static bool parse_action(const char *s, struct fw_rule *r)
{
	if (!strcmp(s, "accept"))
		s = "pass";
	for (uint8_t a = 0; a < 3; a++)
		if (!strcmp(s, action_names[a])) {
			r->action = a;
			return true;
		}
	return false;
}

const char *fw_action_name(unsigned a)
{
	return a < 3 ? action_names[a] : "?";
}

/* One "KEY VALUE" pair after the action. */
static int parse_match(const char *k, const char *v, struct fw_rule *r,
		       char *err, size_t errlen)
{
	bool ok;

	if (!strcmp(k, "proto"))
		ok = parse_proto(v, &r->proto);
	else if (!strcmp(k, "src"))
		ok = parse_cidr(v, &r->src, &r->src_len);
	else if (!strcmp(k, "dst"))
		ok = parse_cidr(v, &r->dst, &r->dst_len);
	else if (!strcmp(k, "sport"))
		ok = parse_range(v, &r->sport_lo, &r->sport_hi);
	else if (!strcmp(k, "dport"))
		ok = parse_range(v, &r->dport_lo, &r->dport_hi);
	else
		return fail(err, errlen, "unknown match '%s' (proto, src, dst, "
			    "sport, dport)", k);
	return ok ? 0 : fail(err, errlen, "bad %s '%s'", k, v);
}

int fw_rule_parse(int argc, char *const *argv, struct fw_rule *r,
		  char *err, size_t errlen)
{
	unsigned long h;
	int i = 0;

	memset(r, 0, sizeof(*r));
	r->sport_hi = r->dport_hi = 65535;
	if (argc >= 2 && (!strcmp(argv[0], "handle") || !strcmp(argv[0], "--handle"))) {
		if (!parse_ulong(argv[1], UINT32_MAX, &h) || !h)
			return fail(err, errlen, "bad handle '%s' (1 to %u)", argv[1],
				    UINT32_MAX);
		r->handle = (uint32_t)h;
		i = 2;
	}
	if (i >= argc || !parse_action(argv[i], r))
		return fail(err, errlen, "expected drop, pass or kernel, not '%s'",
			    i < argc ? argv[i] : "");
	for (i++; i < argc; i += 2) {
		if (i + 1 >= argc)
			return fail(err, errlen, "'%s' needs a value", argv[i]);
		if (parse_match(argv[i], argv[i + 1], r, err, errlen))
			return -EINVAL;
	}
	if ((r->sport_lo || r->sport_hi != 65535 || r->dport_lo ||
	     r->dport_hi != 65535) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return fail(err, errlen, "ports need proto tcp or udp");
	return 0;
}

int fw_rule_parse_line(const char *line, struct fw_rule *r, char *err,
		       size_t errlen)
{
	char buf[512], *words[MAX_WORDS], *save = NULL, *w;
	int n = 0;

	if (strlen(line) >= sizeof(buf))
		return fail(err, errlen, "line too long");
	strcpy(buf, line);
	buf[strcspn(buf, "#")] = 0;
	for (w = strtok_r(buf, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return fail(err, errlen, "too many words");
		words[n++] = w;
	}
	if (!n)
		return 0;
	return fw_rule_parse(n, words, r, err, errlen) ?: 1;
}

int fw_rules_parse(const char *text, struct fw_rule *rules, int max,
		   int *bad_line, char *err, size_t errlen)
{
	int n = 0, line = 0;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char buf[512];
		int rc;

		line++;
		snprintf(buf, sizeof(buf), "%.*s", len < sizeof(buf) ? (int)len :
			 (int)sizeof(buf) - 1, p);
		rc = len >= sizeof(buf) ? fail(err, errlen, "line too long") :
		     fw_rule_parse_line(buf, n < max ? &rules[n] : &rules[max - 1],
					err, errlen);
		if (rc == 1 && n == max)
			rc = fail(err, errlen, "more than %d rules", max);
		if (rc < 0) {
			*bad_line = line;
			return rc;
		}
		n += rc;
		p += len + (p[len] == '\n');
	}
	return n;
}

static void put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off += k > 0 ? (size_t)k : 0;
}

static void put_proto(char *buf, size_t len, size_t *off, uint8_t p)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == p) {
			put(buf, len, off, " proto %s", protos[i].name);
			return;
		}
	put(buf, len, off, " proto %u", p);
}

static void put_cidr(char *buf, size_t len, size_t *off, const char *k,
		     uint32_t a, uint8_t l)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	put(buf, len, off, l == 32 ? " %s %s" : " %s %s/%u", k, s, l);
}

static void put_range(char *buf, size_t len, size_t *off, const char *k,
		      uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == 65535)
		return;
	put(buf, len, off, lo == hi ? " %s %u" : " %s %u-%u", k, lo, hi);
}

void fw_rule_format(const struct fw_rule *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (r->handle)
		put(buf, len, &off, "handle %u ", r->handle);
	put(buf, len, &off, "%s", fw_action_name(r->action));
	if (r->proto)
		put_proto(buf, len, &off, r->proto);
	if (r->src_len)
		put_cidr(buf, len, &off, "src", r->src, r->src_len);
	if (r->dst_len)
		put_cidr(buf, len, &off, "dst", r->dst, r->dst_len);
	put_range(buf, len, &off, "sport", r->sport_lo, r->sport_hi);
	put_range(buf, len, &off, "dport", r->dport_lo, r->dport_hi);
}

int fw_rules_number(struct fw_rule *rules, int n)
{
	uint32_t top = 0;

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (rules[i].handle && rules[i].handle == rules[j].handle)
				return -EEXIST;
		top = rules[i].handle > top ? rules[i].handle : top;
	}
	for (int i = 0; i < n; i++)
		if (!rules[i].handle)
			rules[i].handle = ++top;
	return 0;
}
