/* SPDX-License-Identifier: MIT */
/*
 * xtoe-proxy: a TCP relay on libxtoe. Accepts connections on PORT,
 * connects each to the backend HOST:PORT, and relays bytes between the two
 * by copying them through the application (default), or, with --splice,
 * splices the pair once the backend connection is up (xtoe_splice): bytes
 * then flow in the XDP hook. A pair that is not quiescent yet (-EBUSY) is
 * relayed by copying until it is, and spliced then.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xtoe/xtoe.h>

#include "common/version.h"

#define MAX_EVENTS 64
#define RELAY_BUF 65536

struct opts {
	uint16_t port;
	struct sockaddr_in backend;
	bool splice;
	long count;   /* exit after this many sessions ended (0: run on) */
};

struct sess {
	struct xtoe_conn *c[2]; /* client, backend */
	bool up;                /* backend connected */
	bool eof[2];            /* c[i] reached end of stream (relayed as shutdown) */
	bool hup[2];
	bool want_splice, spliced;
	bool dead;              /* ended; freed after the current batch */
	struct sess *next_dead;
};

struct stats {
	long sessions, spliced, ended, splice_busy;
	unsigned long long copied;
};

static volatile sig_atomic_t stop;
static struct sess *graveyard; /* events of this batch may still name them */
static uint8_t buf[RELAY_BUF];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void sess_end(struct sess *s, struct stats *st, bool abort)
{
	for (int i = 0; i < 2; i++) {
		if (!s->c[i])
			continue;
		if (abort)
			xtoe_abort(s->c[i]);
		else
			xtoe_close(s->c[i]);
	}
	s->dead = true;
	s->next_dead = graveyard;
	graveyard = s;
	st->ended++;
}

/* Copy from c[i] to c[!i] while both sides allow; 0, or -1 on an error. */
static int relay(struct sess *s, int i, struct stats *st)
{
	struct xtoe_conn *in = s->c[i], *out = s->c[!i];

	while (!s->eof[i]) {
		size_t space = xtoe_tx_space(out);
		ssize_t n, m;

		if (!space)
			return 0;
		n = xtoe_recv(in, buf, space < sizeof(buf) ? space : sizeof(buf));
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			s->eof[i] = true;
			return xtoe_shutdown(out) ? -1 : 0;
		}
		m = xtoe_send(out, buf, (size_t)n);
		if (m != n)
			return -1; /* cannot happen: n <= free space */
		st->copied += (unsigned long long)n;
	}
	return 0;
}

struct ctx_state {
	struct xtoe_ctx *ctx;
	struct stats st;
	const struct opts *o;
};

static void try_splice(struct sess *s, struct ctx_state *cs)
{
	int err;

	if (s->eof[0] || s->eof[1]) {
		s->want_splice = false; /* a side is closing: copy to the end */
		return;
	}
	err = xtoe_splice(s->c[0], s->c[1]);
	if (err == -EBUSY) {
		cs->st.splice_busy++;
		return; /* again on the next event of this pair */
	}
	s->want_splice = false;
	if (err) {
		fprintf(stderr, "xtoe-proxy: splice failed, relaying by copy: %s\n",
			xtoe_strerror(cs->ctx));
		return;
	}
	s->spliced = true;
	cs->st.spliced++;
}

/* Something happened on the pair: relay what can be, splice when due,
 * end the session when both directions are done. */
static void pump(struct sess *s, struct ctx_state *cs, int hup_err)
{
	if (s->spliced) {
		if (s->hup[0] && s->hup[1])
			sess_end(s, &cs->st, false);
		return;
	}
	if (hup_err && hup_err != -EPIPE) {
		sess_end(s, &cs->st, true);
		return;
	}
	if (!s->up)
		return;
	if (relay(s, 0, &cs->st) || relay(s, 1, &cs->st)) {
		sess_end(s, &cs->st, true);
		return;
	}
	if (s->eof[0] && s->eof[1]) {
		sess_end(s, &cs->st, false);
		return;
	}
	if (s->want_splice)
		try_splice(s, cs);
}

static void on_accept(struct ctx_state *cs, struct xtoe_listener *l)
{
	struct xtoe_conn *c;

	while (xtoe_accept(l, &c) == 0) {
		struct sess *s = calloc(1, sizeof(*s));

		if (!s || xtoe_connect(cs->ctx, &cs->o->backend, &s->c[1])) {
			fprintf(stderr, "xtoe-proxy: cannot connect to the backend: %s\n",
				xtoe_strerror(cs->ctx));
			xtoe_abort(c);
			free(s);
			continue;
		}
		s->c[0] = c;
		s->want_splice = cs->o->splice;
		xtoe_conn_set_user(c, s);
		xtoe_conn_set_user(s->c[1], s);
		cs->st.sessions++;
	}
}

static void on_conn_event(struct ctx_state *cs, const struct xtoe_event *e)
{
	struct sess *s = e->user;
	int i;

	if (s->dead)
		return;
	i = e->conn == s->c[1];

	if (e->events & XTOE_EV_CONNECTED) {
		if (e->err) {
			fprintf(stderr, "xtoe-proxy: backend connect failed: %s\n",
				strerror(-e->err));
			sess_end(s, &cs->st, true);
			return;
		}
		s->up = true;
	}
	if (e->events & XTOE_EV_HUP)
		s->hup[i] = true;
	pump(s, cs, (e->events & XTOE_EV_HUP) ? e->err : 0);
}

static int serve(struct ctx_state *cs)
{
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(cs->o->port) };
	struct xtoe_event evs[MAX_EVENTS];
	struct xtoe_listener *l;
	int err = xtoe_listen(cs->ctx, &la, 1024, &l);

	if (err) {
		fprintf(stderr, "xtoe-proxy: listen on port %u: %s\n", cs->o->port,
			xtoe_strerror(cs->ctx));
		return 1;
	}
	printf("listening %u\n", cs->o->port);
	fflush(stdout);
	while (!stop && (!cs->o->count || cs->st.ended < cs->o->count)) {
		int n = xtoe_wait(cs->ctx, evs, MAX_EVENTS, 100);

		if (n < 0 && stop)
			break;
		if (n < 0) {
			fprintf(stderr, "xtoe-proxy: %s\n", xtoe_strerror(cs->ctx));
			return 1;
		}
		for (int k = 0; k < n; k++) {
			if (evs[k].listener)
				on_accept(cs, evs[k].listener);
			else
				on_conn_event(cs, &evs[k]);
		}
		while (graveyard) {
			struct sess *s = graveyard;

			graveyard = s->next_dead;
			free(s);
		}
	}
	xtoe_listener_close(l);
	return 0;
}

static int parse_hostport(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 && sa->sin_port ? 0 : -1;
}

static void usage(void)
{
	printf("Usage: xtoe-proxy -l PORT -c HOST:PORT [--splice] [-n SESSIONS]\n"
	       "Relay every connection accepted on xtoe to a backend, copying the bytes\n"
	       "through the application or, with --splice, handing each pair to the\n"
	       "splice module, which relays in XDP. $XTOE_SOCK names the daemon.\n\n"
	       "Options:\n"
	       "  -l, --listen PORT        accept connections on PORT (xtoe's address)\n"
	       "  -c, --connect HOST:PORT  backend to relay each connection to\n"
	       "      --splice             splice each pair (needs the splice module:\n"
	       "                           xtoectl module add splice)\n"
	       "  -n, --sessions N         exit after N sessions ended\n"
	       "  -V, --version            print the version and exit\n"
	       "  -h, --help               print this help and exit\n\n"
	       "Prints sessions, spliced and copied byte counts at exit.\n\n"
	       "Exit status:\n  0 done, 1 failed, 2 usage error.\n");
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "xtoe-proxy: %s%s%s\nTry 'xtoe-proxy --help' for more "
		"information.\n", what, arg ? " " : "", arg ? arg : "");
	return 2;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, &end, 10);
	return !*end && *v <= max && *v > 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sessions", required_argument, NULL, 'n' },
		{ "splice", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long v;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":l:c:n:Vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (!parse_ulong(optarg, 65535, &v))
				return usage_error("-l: a port from 1 to 65535, not", optarg);
			o->port = (uint16_t)v;
			break;
		case 'c':
			if (parse_hostport(optarg, &o->backend))
				return usage_error("-c: HOST:PORT, not", optarg);
			break;
		case 'n':
			if (!parse_ulong(optarg, LONG_MAX, &v))
				return usage_error("-n: a positive number, not", optarg);
			o->count = (long)v;
			break;
		case 's': o->splice = true; break;
		case 'h': usage(); exit(0);
		case 'V': printf("xtoe-proxy (xtoe) %s\n", XTOE_VERSION); exit(0);
		default: return usage_error("unknown option or missing value:",
					    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!o->port || !o->backend.sin_port)
		return usage_error("-l PORT and -c HOST:PORT are needed", NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct ctx_state cs = { .o = &o };
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (xtoe_ctx_open(&cs.ctx, NULL)) {
		fprintf(stderr, "xtoe-proxy: %s\n", xtoe_strerror(NULL));
		return 1;
	}
	rc = serve(&cs);
	printf("sessions %ld\nspliced %ld\nsplice_busy %ld\ncopied %llu B\n", cs.st.sessions,
	       cs.st.spliced, cs.st.splice_busy, cs.st.copied);
	xtoe_ctx_close(cs.ctx);
	return rc;
}
