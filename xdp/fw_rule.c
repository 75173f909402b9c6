// SPDX-License-Identifier: MIT
/* Firewall rules as text: parse and format (xdp/fw_rule.h). */
#include "fw_rule.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define MAX_TOKS 256

/* --- tokens: words, and the single characters { } , ------------------ */

struct toks {
	int n;
	char *t[MAX_TOKS];
	bool lit[MAX_TOKS];   /* a quoted string / the comment's word */
	char buf[4096];
	size_t used;
};

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int tok_add(struct toks *k, const char *s, size_t len, bool lit)
{
	if (k->n == MAX_TOKS || k->used + len + 1 > sizeof(k->buf))
		return -E2BIG;
	memcpy(k->buf + k->used, s, len);
	k->buf[k->used + len] = 0;
	k->lit[k->n] = lit;
	k->t[k->n++] = k->buf + k->used;
	k->used += len + 1;
	return 0;
}

static bool is_punct(char c)
{
	return c == '{' || c == '}' || c == ',';
}

/* Split s into tokens: runs of other characters, and { } , alone; "!="
 * in front of a value is a token of its own. */
static int tok_split(struct toks *k, const char *s)
{
	int err = 0;

	while (*s && !err) {
		size_t n;

		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (is_punct(*s)) {
			err = tok_add(k, s++, 1, false);
			continue;
		}
		if (s[0] == '!' && s[1] == '=') {
			err = tok_add(k, s, 2, false);
			s += 2;
			continue;
		}
		for (n = 0; s[n] && !isspace((unsigned char)s[n]) && !is_punct(s[n]); n++)
			;
		err = tok_add(k, s, n, false);
		s += n;
	}
	return err;
}

static bool is_comment_kw(const struct toks *k)
{
	return k->n && !k->lit[k->n - 1] && !strcmp(k->t[k->n - 1], "comment");
}

static int toks_from_argv(struct toks *k, int argc, char *const *argv)
{
	int err = 0;

	for (int i = 0; i < argc && !err; i++)
		err = is_comment_kw(k) ? tok_add(k, argv[i], strlen(argv[i]), true)
				       : tok_split(k, argv[i]);
	return err;
}

/* A line of a rule file: "quoted strings" are one token; '#' outside
 * quotes starts a comment. */
static int toks_from_line(struct toks *k, const char *line, char *err, size_t errlen)
{
	char word[1024];
	const char *p = line;
	int rc = 0;

	while (*p && *p != '#' && !rc) {
		const char *q;
		size_t n;

		if (*p == '"') {
			q = strchr(p + 1, '"');
			if (!q)
				return fail(err, errlen, "a quote is not closed");
			rc = tok_add(k, p + 1, (size_t)(q - p - 1), true);
			p = q + 1;
			continue;
		}
		n = strcspn(p, "\"#");
		if (n >= sizeof(word))
			return fail(err, errlen, "line too long");
		memcpy(word, p, n);
		word[n] = 0;
		rc = tok_split(k, word);
		p += n;
	}
	return rc ? fail(err, errlen, "too many words") : 0;
}

/* --- values ------------------------------------------------------------ */

static bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v <= max;
}

/* A.B.C.D or A.B.C.D/N */
static bool parse_cidr(const char *s, struct fw_prefix *p)
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
	memset(p, 0, sizeof(*p));
	p->addr = n ? a.s_addr & htonl(~0u << (32 - n)) : 0;
	p->len = (uint8_t)n;
	return true;
}

static bool lookup_service(const char *s, const char *proto, uint16_t *port)
{
	struct servent se, *res = NULL;
	char buf[1024];

	if (getservbyname_r(s, proto, &se, buf, sizeof(buf), &res) || !res)
		return false;
	*port = ntohs((uint16_t)res->s_port);
	return true;
}

/* P, P-Q or a service name (looked up for proto, else tcp, else udp). */
static bool parse_port(const char *s, const char *proto, struct fw_range *r)
{
	char buf[64], *dash;
	unsigned long a, b;
	uint16_t p;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash && isdigit((unsigned char)buf[0])) {
		*dash = 0;
		if (!parse_ulong(buf, 65535, &a) || !parse_ulong(dash + 1, 65535, &b) || b < a)
			return false;
		r->lo = (uint16_t)a;
		r->hi = (uint16_t)b;
		return true;
	}
	if (parse_ulong(buf, 65535, &a)) {
		r->lo = r->hi = (uint16_t)a;
		return true;
	}
	if (!isalpha((unsigned char)buf[0]) ||
	    !((proto && lookup_service(buf, proto, &p)) || lookup_service(buf, "tcp", &p) ||
	      lookup_service(buf, "udp", &p)))
		return false;
	r->lo = r->hi = p;
	return true;
}

static const struct { const char *name; uint8_t proto; } protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
};

static bool parse_proto(const char *s, uint8_t *p)
{
	struct protoent pe, *res = NULL;
	unsigned long n;
	char buf[1024];

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			*p = protos[i].proto;
			return true;
		}
	if (parse_ulong(s, 255, &n) && n) {
		*p = (uint8_t)n;
		return true;
	}
	if (getprotobyname_r(s, &pe, buf, sizeof(buf), &res) || !res || !res->p_proto ||
	    res->p_proto > 255)
		return false;
	*p = (uint8_t)res->p_proto;
	return true;
}

/* By enum fw_action: pass lets the frame go on (FW_ACCEPT: steering
 * decides, as without the rule); kernel hands it to the kernel stack even
 * when xtoe owns the flow (FW_PASS). */
static const char *const action_names[] = { "pass", "drop", "kernel" };

static int action_of(const char *s)
{
	if (!strcmp(s, "accept"))
		return FW_ACCEPT;
	for (int a = 0; a < 3; a++)
		if (!strcmp(s, action_names[a]))
			return a;
	return -1;
}

const char *fw_action_name(unsigned a)
{
	return a < 3 ? action_names[a] : "?";
}

/* --- the rule ------------------------------------------------------------ */

static const char *const field_names[FW_F__COUNT] = {
	"proto", "src", "dst", "sport", "dport",
};

static int field_of(const char *s)
{
	static const struct { const char *name; enum fw_field f; } alias[] = {
		{ "protocol", FW_F_PROTO }, { "saddr", FW_F_SRC }, { "daddr", FW_F_DST },
	};

	for (int f = 0; f < FW_F__COUNT; f++)
		if (!strcmp(s, field_names[f]))
			return f;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(s, alias[i].name))
			return (int)alias[i].f;
	return -1;
}

struct parser {
	const struct toks *k;
	int i;
	struct fw_rule *r;
	bool have_action, have_handle;
	char *err;
	size_t errlen;
};

static const char *peek(const struct parser *p)
{
	return p->i < p->k->n ? p->k->t[p->i] : NULL;
}

static bool at(const struct parser *p, const char *s)
{
	return p->i < p->k->n && !p->k->lit[p->i] && !strcmp(p->k->t[p->i], s);
}

/* The protocol name a port lookup should use: the rule's only protocol. */
static const char *port_proto(const struct fw_rule *r)
{
	if (r->n[FW_F_PROTO] != 1)
		return NULL;
	return r->proto[0] == IPPROTO_UDP ? "udp" : r->proto[0] == IPPROTO_TCP ? "tcp" : NULL;
}

static int add_value(struct parser *p, enum fw_field f, const char *v)
{
	struct fw_rule *r = p->r;
	uint8_t i = r->n[f];
	bool ok;

	if (i == FW_SET_MAX)
		return fail(p->err, p->errlen, "%s: more than %d values in the set",
			    field_names[f], FW_SET_MAX);
	switch (f) {
	case FW_F_PROTO: ok = parse_proto(v, &r->proto[i]); break;
	case FW_F_SRC: ok = parse_cidr(v, &r->src[i]); break;
	case FW_F_DST: ok = parse_cidr(v, &r->dst[i]); break;
	case FW_F_SPORT: ok = parse_port(v, port_proto(r), &r->sport[i]); break;
	default: ok = parse_port(v, port_proto(r), &r->dport[i]); break;
	}
	if (!ok)
		return fail(p->err, p->errlen, "bad %s '%s'", field_names[f], v);
	r->n[f]++;
	return 0;
}

/* { V, V, ... } after the key (and "!="). */
static int parse_set(struct parser *p, enum fw_field f)
{
	int err;

	p->i++; /* { */
	while (peek(p) && !at(p, "}")) {
		if (at(p, ",")) {
			p->i++;
			continue;
		}
		if (at(p, "{"))
			return fail(p->err, p->errlen, "%s: a set inside a set",
				    field_names[f]);
		if ((err = add_value(p, f, p->k->t[p->i++])))
			return err;
	}
	if (!at(p, "}"))
		return fail(p->err, p->errlen, "%s: '}' is missing", field_names[f]);
	p->i++;
	return p->r->n[f] ? 0 : fail(p->err, p->errlen, "%s: an empty set",
				     field_names[f]);
}

static int parse_match(struct parser *p, enum fw_field f)
{
	const char *v;

	if (p->r->n[f])
		return fail(p->err, p->errlen, "%s given twice; put the values in one "
			    "set: %s { A, B }", field_names[f], field_names[f]);
	if (at(p, "!=")) {
		p->r->neg |= (uint8_t)(1u << f);
		p->i++;
	} else if (at(p, "==") || at(p, "=")) {
		p->i++;
	}
	if (at(p, "{"))
		return parse_set(p, f);
	v = peek(p);
	if (!v || at(p, "}") || at(p, ","))
		return fail(p->err, p->errlen, "'%s' needs a value", field_names[f]);
	p->i++;
	return add_value(p, f, v);
}

/* "tcp dport 22" / "udp sport 53": the protocol comes with the port. */
static int l4_prefix(struct parser *p, uint8_t proto)
{
	struct fw_rule *r = p->r;

	if (!at(p, "sport") && !at(p, "dport"))
		return fail(p->err, p->errlen, "'%s' is a protocol: write proto %s, or "
			    "%s sport|dport P", p->k->t[p->i - 1], p->k->t[p->i - 1],
			    p->k->t[p->i - 1]);
	if (!r->n[FW_F_PROTO]) {
		r->proto[0] = proto;
		r->n[FW_F_PROTO] = 1;
	} else if (r->n[FW_F_PROTO] != 1 || r->proto[0] != proto ||
		   (r->neg & (1u << FW_F_PROTO))) {
		return fail(p->err, p->errlen, "'%s %s' and the rule's proto disagree",
			    p->k->t[p->i - 1], p->k->t[p->i]);
	}
	return 0;
}

static int parse_comment(struct parser *p)
{
	const char *v = peek(p);

	if (!v)
		return fail(p->err, p->errlen, "'comment' needs a text");
	if (strlen(v) >= FW_COMMENT_MAX)
		return fail(p->err, p->errlen, "comment: at most %d characters",
			    FW_COMMENT_MAX - 1);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == '"' || *c == 0x7f)
			return fail(p->err, p->errlen, "comment: no quotes or control "
				    "characters");
	if (p->r->comment[0])
		return fail(p->err, p->errlen, "comment given twice");
	snprintf(p->r->comment, sizeof(p->r->comment), "%s", v);
	p->i++;
	return 0;
}

static int parse_handle(struct parser *p)
{
	unsigned long h;
	const char *v = peek(p);

	if (p->have_handle)
		return fail(p->err, p->errlen, "handle given twice");
	if (!v || !parse_ulong(v, UINT32_MAX, &h) || !h)
		return fail(p->err, p->errlen, "bad handle '%s' (1 to %u)", v ? v : "",
			    UINT32_MAX);
	p->r->handle = (uint32_t)h;
	p->have_handle = true;
	p->i++;
	return 0;
}

/* One word (and what it takes) of the rule. */
static int parse_word(struct parser *p)
{
	const char *w = p->k->t[p->i++];
	int a, f;

	if (p->k->lit[p->i - 1])
		return fail(p->err, p->errlen, "unexpected text \"%s\"", w);
	if (!strcmp(w, "handle") || !strcmp(w, "--handle"))
		return parse_handle(p);
	if (!strcmp(w, "comment"))
		return parse_comment(p);
	if (!strcmp(w, "counter"))
		return 0; /* every rule counts */
	if ((a = action_of(w)) >= 0) {
		if (p->have_action)
			return fail(p->err, p->errlen, "two actions ('%s' and '%s')",
				    fw_action_name(p->r->action), w);
		p->r->action = (uint8_t)a;
		p->have_action = true;
		return 0;
	}
	if (!strcmp(w, "ip") && (at(p, "saddr") || at(p, "daddr") || at(p, "protocol")))
		return 0;
	if (!strcmp(w, "tcp") || !strcmp(w, "udp"))
		return l4_prefix(p, strcmp(w, "tcp") ? IPPROTO_UDP : IPPROTO_TCP);
	if ((f = field_of(w)) >= 0)
		return parse_match(p, (enum fw_field)f);
	return fail(p->err, p->errlen, "unknown word '%s' (expected drop, pass, "
		    "kernel, proto, src, dst, sport, dport, comment)", w);
}

static bool only_tcp_udp(const struct fw_rule *r)
{
	if (!r->n[FW_F_PROTO] || (r->neg & (1u << FW_F_PROTO)))
		return false;
	for (int i = 0; i < r->n[FW_F_PROTO]; i++)
		if (r->proto[i] != IPPROTO_TCP && r->proto[i] != IPPROTO_UDP)
			return false;
	return true;
}

static int parse_toks(const struct toks *k, struct fw_rule *r, char *err,
		      size_t errlen)
{
	struct parser p = { .k = k, .r = r, .err = err, .errlen = errlen };
	int rc = 0;

	memset(r, 0, sizeof(*r));
	while (p.i < k->n && !rc)
		rc = parse_word(&p);
	if (rc)
		return rc;
	if (!p.have_action)
		return fail(err, errlen, "the rule has no action (drop, pass or kernel)");
	if ((r->n[FW_F_SPORT] || r->n[FW_F_DPORT]) && !only_tcp_udp(r))
		return fail(err, errlen, "ports need proto tcp or udp");
	return 0;
}

int fw_rule_parse(int argc, char *const *argv, struct fw_rule *r,
		  char *err, size_t errlen)
{
	struct toks *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return -ENOMEM;
	rc = toks_from_argv(k, argc, argv) ? fail(err, errlen, "too many words") :
	     parse_toks(k, r, err, errlen);
	free(k);
	return rc;
}

int fw_rule_parse_line(const char *line, struct fw_rule *r, char *err,
		       size_t errlen)
{
	struct toks *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return -ENOMEM;
	rc = toks_from_line(k, line, err, errlen);
	if (!rc)
		rc = k->n ? parse_toks(k, r, err, errlen) ?: 1 : 0;
	free(k);
	return rc;
}

static void add_err(struct fw_errs *errs, int line, const char *msg)
{
	if (errs->n < FW_ERRS_MAX) {
		errs->e[errs->n].line = line;
		snprintf(errs->e[errs->n].msg, sizeof(errs->e[0].msg), "%s", msg);
	}
	errs->n++;
}

/* Two rules with one handle: both lines named. */
static void check_handles(const struct fw_rule *rules, const int *lines, int n,
			  struct fw_errs *errs)
{
	char msg[128];

	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (rules[i].handle && rules[i].handle == rules[j].handle) {
				snprintf(msg, sizeof(msg), "handle %u is taken by line %d",
					 rules[i].handle, lines[j]);
				add_err(errs, lines[i], msg);
				break;
			}
}

int fw_rules_parse(const char *text, struct fw_rule *rules, int max,
		   struct fw_errs *errs)
{
	int n = 0, line = 0, *lines = calloc((size_t)max + 1, sizeof(int));
	struct fw_rule spare;
	const char *p = text;

	memset(errs, 0, sizeof(*errs));
	if (!lines)
		return -ENOMEM;
	while (*p) {
		size_t len = strcspn(p, "\n");
		char buf[2048], err[128];
		int rc;

		line++;
		if (len >= sizeof(buf)) {
			rc = fail(err, sizeof(err), "line too long");
		} else {
			memcpy(buf, p, len);
			buf[len] = 0;
			rc = fw_rule_parse_line(buf, n < max ? &rules[n] : &spare, err,
						sizeof(err));
		}
		if (rc == 1 && n == max)
			rc = fail(err, sizeof(err), "more than %d rules", max);
		if (rc < 0)
			add_err(errs, line, err);
		else if (rc == 1)
			lines[n++] = line;
		p += len + (p[len] == '\n');
	}
	check_handles(rules, lines, n, errs);
	free(lines);
	return errs->n ? -EINVAL : n;
}

/* --- format ---------------------------------------------------------------- */

static void put(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
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

static void put_value(char *buf, size_t len, size_t *off, const struct fw_rule *r,
		      enum fw_field f, int i)
{
	char s[INET_ADDRSTRLEN];
	const struct fw_prefix *pf;
	const struct fw_range *rg;

	switch (f) {
	case FW_F_PROTO:
		for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
			if (protos[k].proto == r->proto[i]) {
				put(buf, len, off, "%s", protos[k].name);
				return;
			}
		put(buf, len, off, "%u", r->proto[i]);
		return;
	case FW_F_SRC:
	case FW_F_DST:
		pf = f == FW_F_SRC ? &r->src[i] : &r->dst[i];
		inet_ntop(AF_INET, &pf->addr, s, sizeof(s));
		put(buf, len, off, pf->len == 32 ? "%s" : "%s/%u", s, pf->len);
		return;
	default:
		rg = f == FW_F_SPORT ? &r->sport[i] : &r->dport[i];
		put(buf, len, off, rg->lo == rg->hi ? "%u" : "%u-%u", rg->lo, rg->hi);
	}
}

void fw_value_format(const struct fw_rule *r, enum fw_field f, int i, char *buf,
		     size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	put_value(buf, len, &off, r, f, i);
}

const char *fw_field_name(enum fw_field f)
{
	return f < FW_F__COUNT ? field_names[f] : "?";
}

void fw_rule_format(const struct fw_rule *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (r->handle)
		put(buf, len, &off, "handle %u ", r->handle);
	put(buf, len, &off, "%s", fw_action_name(r->action));
	for (int f = 0; f < FW_F__COUNT; f++) {
		int n = r->n[f] < FW_SET_MAX ? r->n[f] : FW_SET_MAX;

		if (!n)
			continue;
		put(buf, len, &off, " %s %s%s", field_names[f],
		    r->neg & (1u << f) ? "!= " : "", n > 1 ? "{ " : "");
		for (int i = 0; i < n; i++) {
			put(buf, len, &off, "%s", i ? ", " : "");
			put_value(buf, len, &off, r, (enum fw_field)f, i);
		}
		put(buf, len, &off, "%s", n > 1 ? " }" : "");
	}
	if (r->comment[0])
		put(buf, len, &off, " comment \"%.*s\"", FW_COMMENT_MAX, r->comment);
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

/* --- matching (for the loader's bitmaps) --------------------------------- */

static bool negated(const struct fw_rule *r, enum fw_field f)
{
	return r->neg & (1u << f);
}

int fw_rule_match_range(const struct fw_rule *r, enum fw_field f, unsigned v)
{
	bool in = false;

	if (!r->n[f])
		return 1;
	for (int i = 0; i < r->n[f] && i < FW_SET_MAX && !in; i++) {
		if (f == FW_F_PROTO)
			in = r->proto[i] == v;
		else if (f == FW_F_SPORT)
			in = r->sport[i].lo <= v && v <= r->sport[i].hi;
		else
			in = r->dport[i].lo <= v && v <= r->dport[i].hi;
	}
	return in != negated(r, f);
}

static uint32_t mask(unsigned len)
{
	return len ? htonl(~0u << (32 - len)) : 0;
}

int fw_rule_match_prefix(const struct fw_rule *r, enum fw_field f, __u32 addr,
			 unsigned len)
{
	const struct fw_prefix *set = f == FW_F_SRC ? r->src : r->dst;
	bool in = false;

	if (!r->n[f])
		return 1;
	for (int i = 0; i < r->n[f] && i < FW_SET_MAX && !in; i++)
		in = set[i].len <= len && ((addr ^ set[i].addr) & mask(set[i].len)) == 0;
	return in != negated(r, f);
}
