// SPDX-License-Identifier: MIT
/* Connection filters as ss(8) writes them (ssfilter.h). */
#include "ssfilter.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "args.h"

#define MAX_TOKS 128
#define MAX_NODES 128

/* The states, in ss's names and the RFC names the daemon reports. */
static const struct { const char *ss, *rfc; } states[] = {
	{ "established", "ESTABLISHED" }, { "syn-sent", "SYN-SENT" },
	{ "syn-recv", "SYN-RECEIVED" }, { "fin-wait-1", "FIN-WAIT-1" },
	{ "fin-wait-2", "FIN-WAIT-2" }, { "time-wait", "TIME-WAIT" },
	{ "closed", "CLOSED" }, { "close-wait", "CLOSE-WAIT" },
	{ "last-ack", "LAST-ACK" }, { "listening", "LISTEN" }, { "closing", "CLOSING" },
};
#define NSTATES (sizeof(states) / sizeof(states[0]))
#define ALL_STATES ((1u << NSTATES) - 1)
#define BIT(i) (1u << (i))
enum { S_EST, S_SYN_SENT, S_SYN_RECV, S_FW1, S_FW2, S_TW, S_CLOSED, S_CW, S_LA,
       S_LISTEN, S_CLOSING };

static const struct { const char *name; uint32_t mask; } groups[] = {
	{ "all", ALL_STATES },
	{ "connected", ALL_STATES & ~(BIT(S_LISTEN) | BIT(S_CLOSED)) },
	{ "synchronized", ALL_STATES & ~(BIT(S_LISTEN) | BIT(S_CLOSED) | BIT(S_SYN_SENT)) },
	{ "bucket", BIT(S_SYN_RECV) | BIT(S_TW) },
	{ "big", ALL_STATES & ~(BIT(S_SYN_RECV) | BIT(S_TW)) },
};

enum op { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };
enum kind { N_AND, N_OR, N_NOT, N_SPORT, N_DPORT, N_SRC, N_DST };

struct node {
	enum kind kind;
	int a, b;             /* children (AND, OR: both; NOT: a) */
	enum op op;
	uint32_t addr;        /* network order; with plen */
	uint8_t plen;         /* 0: any address */
	uint16_t port;        /* 0: any port */
};

struct ss_filter {
	uint32_t states;      /* bit per states[] */
	int root;             /* -1: no expression */
	int n;
	struct node nodes[MAX_NODES];
};

struct parser {
	struct ss_filter *f;
	char *t[MAX_TOKS];
	int n, i;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *ss_state_name(const char *ss)
{
	if (!strcasecmp(ss, "listen"))
		return "LISTEN";
	for (size_t i = 0; i < NSTATES; i++)
		if (!strcasecmp(ss, states[i].ss) || !strcasecmp(ss, states[i].rfc))
			return states[i].rfc;
	return NULL;
}

static int state_mask(const char *s, uint32_t *mask)
{
	const char *rfc = ss_state_name(s);

	for (size_t i = 0; rfc && i < NSTATES; i++)
		if (!strcmp(rfc, states[i].rfc)) {
			*mask = BIT(i);
			return 0;
		}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcasecmp(s, groups[i].name)) {
			*mask = groups[i].mask;
			return 0;
		}
	return -EINVAL;
}

/* argv into tokens; parentheses are tokens of their own. */
static int tokenize(struct parser *p, int argc, char *const *argv, char *buf, size_t len)
{
	size_t used = 0;

	for (int a = 0; a < argc; a++) {
		for (const char *s = argv[a]; *s;) {
			size_t n = 0;

			if (isspace((unsigned char)*s)) {
				s++;
				continue;
			}
			if (*s == '(' || *s == ')')
				n = 1;
			else
				while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '(' &&
				       s[n] != ')')
					n++;
			if (p->n == MAX_TOKS || used + n + 1 > len)
				return fail(p, "the filter is too long");
			memcpy(buf + used, s, n);
			buf[used + n] = 0;
			p->t[p->n++] = buf + used;
			used += n + 1;
			s += n;
		}
	}
	return 0;
}

static bool at(const struct parser *p, const char *s)
{
	return p->i < p->n && !strcmp(p->t[p->i], s);
}

static int new_node(struct parser *p, enum kind k, int a, int b)
{
	struct node *nd;

	if (p->f->n == MAX_NODES)
		return fail(p, "the filter is too long");
	nd = &p->f->nodes[p->f->n];
	memset(nd, 0, sizeof(*nd));
	nd->kind = k;
	nd->a = a;
	nd->b = b;
	return p->f->n++;
}

static bool parse_op(const char *s, enum op *op)
{
	static const struct { const char *s; enum op op; } ops[] = {
		{ "=", OP_EQ }, { "==", OP_EQ }, { "eq", OP_EQ }, { "!=", OP_NE },
		{ "ne", OP_NE }, { "neq", OP_NE }, { "<", OP_LT }, { "lt", OP_LT },
		{ ">", OP_GT }, { "gt", OP_GT }, { "<=", OP_LE }, { "le", OP_LE },
		{ ">=", OP_GE }, { "ge", OP_GE },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ops[i].s)) {
			*op = ops[i].op;
			return true;
		}
	return false;
}

/* [ADDR[/N]][:PORT] into nd; port_only: "sport :22" wants a port. */
static int parse_endpoint(struct parser *p, const char *s, struct node *nd, bool port_only)
{
	char buf[64], *colon, *slash;
	unsigned long n = 32;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = 0;
		if (strcmp(colon + 1, "*") && arg_port(colon + 1, NULL, &nd->port))
			return fail(p, "bad port '%s'", colon + 1);
	} else if (port_only) {
		return fail(p, "'%s': a port is written :PORT (e.g. :80 or :http)", s);
	}
	if (!buf[0] || !strcmp(buf, "*"))
		return 0;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (arg_ulong(slash + 1, 0, 32, &n))
			return fail(p, "bad prefix length in '%s'", s);
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return fail(p, "bad address '%s' (A.B.C.D[/N])", buf);
	nd->plen = (uint8_t)n;
	nd->addr = n ? a.s_addr & htonl(~0u << (32 - n)) : 0;
	return 0;
}

static int parse_or(struct parser *p);

static int parse_term(struct parser *p)
{
	const char *w;
	enum kind k;
	int id, err;

	if (p->i >= p->n)
		return fail(p, "the filter ends where a term should be");
	w = p->t[p->i++];
	if (!strcmp(w, "(")) {
		id = parse_or(p);
		if (id < 0)
			return id;
		if (!at(p, ")"))
			return fail(p, "')' is missing");
		p->i++;
		return id;
	}
	if (!strcmp(w, "not") || !strcmp(w, "!")) {
		id = parse_term(p);
		return id < 0 ? id : new_node(p, N_NOT, id, -1);
	}
	if (!strcmp(w, "sport") || !strcmp(w, "dport"))
		k = w[0] == 's' ? N_SPORT : N_DPORT;
	else if (!strcmp(w, "src") || !strcmp(w, "dst"))
		k = w[0] == 's' ? N_SRC : N_DST;
	else
		return fail(p, "unknown word '%s' (sport, dport, src, dst, and, or, not)", w);
	if ((id = new_node(p, k, -1, -1)) < 0)
		return id;
	if (p->i < p->n && parse_op(p->t[p->i], &p->f->nodes[id].op))
		p->i++;
	if (p->i >= p->n)
		return fail(p, "'%s' needs a value", w);
	err = parse_endpoint(p, p->t[p->i++], &p->f->nodes[id], k == N_SPORT || k == N_DPORT);
	return err ? err : id;
}

static int parse_and(struct parser *p)
{
	int l = parse_term(p), r;

	while (l >= 0 && p->i < p->n && !at(p, ")") && !at(p, "or") && !at(p, "||")) {
		if (at(p, "and") || at(p, "&&"))
			p->i++;
		r = parse_term(p);
		l = r < 0 ? r : new_node(p, N_AND, l, r);
	}
	return l;
}

static int parse_or(struct parser *p)
{
	int l = parse_and(p), r;

	while (l >= 0 && (at(p, "or") || at(p, "||"))) {
		p->i++;
		r = parse_and(p);
		l = r < 0 ? r : new_node(p, N_OR, l, r);
	}
	return l;
}

/* state S / exclude S, before the expression. */
static int parse_states(struct parser *p)
{
	bool any = false;
	uint32_t m;

	p->f->states = 0;
	while (at(p, "state") || at(p, "exclude") || at(p, "excl")) {
		bool excl = p->t[p->i][0] == 'e';

		if (p->i + 1 >= p->n || state_mask(p->t[p->i + 1], &m))
			return fail(p, "%s: a state (established, listening, time-wait, "
				    "syn-recv ... or all, connected, synchronized, bucket, "
				    "big), not '%s'", p->t[p->i],
				    p->i + 1 < p->n ? p->t[p->i + 1] : "");
		if (excl)
			p->f->states = (any ? p->f->states : ALL_STATES) & ~m;
		else
			p->f->states |= m;
		any = true;
		p->i += 2;
	}
	if (!any) /* every state, listeners too (ss -a) */
		p->f->states = ALL_STATES;
	return 0;
}

int ss_filter_parse(int argc, char *const *argv, struct ss_filter **out,
		    char *err, size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	char buf[2048];
	int rc;

	*out = NULL;
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f)
		return -ENOMEM;
	p.f->root = -1;
	rc = tokenize(&p, argc, argv, buf, sizeof(buf)) ?: parse_states(&p);
	if (!rc && p.i < p.n) {
		rc = parse_or(&p);
		p.f->root = rc;
		rc = rc < 0 ? rc : p.i < p.n ? fail(&p, "unexpected '%s'", p.t[p.i]) : 0;
	}
	if (rc) {
		free(p.f);
		return rc;
	}
	*out = p.f;
	return 0;
}

static bool cmp(enum op op, unsigned a, unsigned b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_GT: return a > b;
	case OP_LE: return a <= b;
	default: return a >= b;
	}
}

static bool addr_in(uint32_t a, const struct node *nd)
{
	return !nd->plen || ((a ^ nd->addr) & htonl(~0u << (32 - nd->plen))) == 0;
}

static bool eval(const struct ss_filter *f, int id, const struct ss_conn *c)
{
	const struct node *nd = &f->nodes[id];
	uint32_t addr;
	uint16_t port;
	bool hit;

	switch (nd->kind) {
	case N_AND: return eval(f, nd->a, c) && eval(f, nd->b, c);
	case N_OR: return eval(f, nd->a, c) || eval(f, nd->b, c);
	case N_NOT: return !eval(f, nd->a, c);
	default: break;
	}
	addr = nd->kind == N_SPORT || nd->kind == N_SRC ? c->laddr : c->raddr;
	port = nd->kind == N_SPORT || nd->kind == N_SRC ? c->lport : c->rport;
	hit = addr_in(addr, nd);
	if (nd->kind == N_SRC || nd->kind == N_DST)
		return hit && (!nd->port || port == nd->port);
	return (!nd->plen || hit) && (!nd->port || cmp(nd->op, port, nd->port));
}

bool ss_filter_match(const struct ss_filter *f, const struct ss_conn *c)
{
	uint32_t bit = 0;

	for (size_t i = 0; i < NSTATES; i++)
		if (!strcmp(c->state, states[i].rfc))
			bit = BIT(i);
	if (!(f->states & bit))
		return false;
	return f->root < 0 || eval(f, f->root, c);
}

void ss_filter_free(struct ss_filter *f)
{
	free(f);
}
