// SPDX-License-Identifier: MIT
/* ss(8) filters for xtoectl conns (tools/common/ssfilter.c). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "check.h"
#include "tools/common/ssfilter.h"

static const struct ss_conn est = { "ESTABLISHED", 0, 0, 7000, 40000 };
static const struct ss_conn lst = { "LISTEN", 0, 0, 7000, 0 };
static const struct ss_conn tw = { "TIME-WAIT", 0, 0, 80, 41000 };

/* Does the filter written as one string match c? -1: it does not parse. */
static int match(const char *text, const struct ss_conn *c)
{
	char buf[256], *argv[32], *save = NULL, err[160];
	struct ss_filter *f;
	int argc = 0, m;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (ss_filter_parse(argc, argv, &f, err, sizeof(err)))
		return -1;
	m = ss_filter_match(f, c);
	ss_filter_free(f);
	return m;
}

static void addrs(struct ss_conn *c, const char *l, const char *r)
{
	c->laddr = inet_addr(l);
	c->raddr = inet_addr(r);
}

static void test_states(void)
{
	CHECK_EQ(match("", &lst), 1);
	CHECK_EQ(match("state established", &est), 1);
	CHECK_EQ(match("state established", &lst), 0);
	CHECK_EQ(match("state connected", &tw), 1);
	CHECK_EQ(match("state connected", &lst), 0);
	CHECK_EQ(match("state listening", &lst), 1);
	CHECK_EQ(match("state listen state time-wait", &tw), 1);
	CHECK_EQ(match("exclude time-wait", &tw), 0);
	CHECK_EQ(match("exclude time-wait", &est), 1);
	CHECK_EQ(match("state bucket", &tw), 1);
	CHECK_EQ(match("state BOGUS", &est), -1);
	CHECK_EQ(match("state", &est), -1);
}

static void test_ports(void)
{
	CHECK_EQ(match("sport = :7000", &est), 1);
	CHECK_EQ(match("sport == :7001", &est), 0);
	CHECK_EQ(match("dport > :30000", &est), 1);
	CHECK_EQ(match("dport lt :30000", &est), 0);
	CHECK_EQ(match("sport != :7000", &est), 0);
	CHECK_EQ(match("sport = :http", &tw), 1); /* a service name */
	CHECK_EQ(match("sport = 7000", &est), -1); /* a port is :PORT */
	CHECK_EQ(match("sport = :99999", &est), -1);
}

static void test_addresses_and_logic(void)
{
	struct ss_conn c = est;

	addrs(&c, "198.18.0.1", "198.18.0.2");
	CHECK_EQ(match("dst 198.18.0.0/24", &c), 1);
	CHECK_EQ(match("dst 198.19.0.0/16", &c), 0);
	CHECK_EQ(match("src 198.18.0.1:7000", &c), 1);
	CHECK_EQ(match("src 198.18.0.1:7001", &c), 0);
	CHECK_EQ(match("src *:7000", &c), 1);
	CHECK_EQ(match("( sport = :22 or sport = :7000 ) and dst 198.18.0.2", &c), 1);
	CHECK_EQ(match("(sport = :22 or sport = :23)", &c), 0);
	CHECK_EQ(match("not sport = :22", &c), 1);
	CHECK_EQ(match("! ( sport = :7000 )", &c), 0);
	CHECK_EQ(match("state established sport = :7000 dport = :40000", &c), 1);
	CHECK_EQ(match("( sport = :7000", &c), -1);
	CHECK_EQ(match("dst 1.2.3", &c), -1);
	CHECK_EQ(match("frob", &c), -1);
}

int main(void)
{
	RUN(test_states);
	RUN(test_ports);
	RUN(test_addresses_and_logic);
	return check_summary();
}
