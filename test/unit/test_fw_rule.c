// SPDX-License-Identifier: MIT
/* Firewall rule text (xdp/fw_rule.c): parse, format, files, handles, sets,
 * negation, service names, comments, and the matching the loader folds
 * into the module's bitmaps. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "xdp/fw_rule.h"

static int line(const char *s, struct fw_rule *r)
{
	char err[128];

	return fw_rule_parse_line(s, r, err, sizeof(err));
}

static void test_parse_all_fields(void)
{
	struct fw_rule r;

	REQUIRE(line("handle 4 drop proto tcp src 198.18.0.9/24 dst 198.19.1.1 "
		     "sport 1000-2000 dport 80", &r) == 1);
	CHECK_EQ(r.handle, 4);
	CHECK_EQ(r.action, FW_DROP);
	CHECK_EQ(r.n[FW_F_PROTO], 1);
	CHECK_EQ(r.proto[0], IPPROTO_TCP);
	CHECK_EQ(r.src[0].addr, inet_addr("198.18.0.0")); /* host bits cleared */
	CHECK_EQ(r.src[0].len, 24);
	CHECK_EQ(r.dst[0].addr, inet_addr("198.19.1.1"));
	CHECK_EQ(r.dst[0].len, 32);
	CHECK_EQ(r.sport[0].lo, 1000);
	CHECK_EQ(r.sport[0].hi, 2000);
	CHECK_EQ(r.dport[0].lo, 80);
	CHECK_EQ(r.dport[0].hi, 80);
	CHECK_EQ(r.neg, 0);
}

static void test_defaults_and_actions(void)
{
	struct fw_rule r;

	REQUIRE(line("pass", &r) == 1);
	CHECK_EQ(r.action, FW_ACCEPT);
	for (int f = 0; f < FW_F__COUNT; f++)
		CHECK_EQ(r.n[f], 0);
	REQUIRE(line("accept proto udp", &r) == 1);
	CHECK_EQ(r.action, FW_ACCEPT);
	REQUIRE(line("kernel proto icmp", &r) == 1);
	CHECK_EQ(r.action, FW_PASS);
	CHECK_EQ(r.proto[0], IPPROTO_ICMP);
	CHECK_EQ(line("   # only a comment", &r), 0);
	CHECK_EQ(line("", &r), 0);
}

static void test_sets_negation_services(void)
{
	struct fw_rule r;

	REQUIRE(line("drop proto tcp dport { 22, 80, 8000-8080 }", &r) == 1);
	CHECK_EQ(r.n[FW_F_DPORT], 3);
	CHECK_EQ(r.dport[1].lo, 80);
	CHECK_EQ(r.dport[2].hi, 8080);
	REQUIRE(line("drop proto tcp dport {22,80}", &r) == 1); /* no spaces */
	CHECK_EQ(r.n[FW_F_DPORT], 2);
	REQUIRE(line("drop proto tcp dport ssh", &r) == 1); /* /etc/services */
	CHECK_EQ(r.dport[0].lo, 22);
	REQUIRE(line("drop src != 198.18.0.0/15 proto { tcp, udp }", &r) == 1);
	CHECK_EQ(r.neg, 1u << FW_F_SRC);
	CHECK_EQ(r.n[FW_F_PROTO], 2);
	REQUIRE(line("drop dport != { 22, 80 } proto tcp", &r) == 1);
	CHECK_EQ(r.neg, 1u << FW_F_DPORT);
	/* nft's spellings: verdict last, ip saddr, tcp dport, counter */
	REQUIRE(line("ip saddr 10.0.0.0/8 tcp dport 23 counter drop", &r) == 1);
	CHECK_EQ(r.action, FW_DROP);
	CHECK_EQ(r.proto[0], IPPROTO_TCP);
	CHECK_EQ(r.src[0].len, 8);
	CHECK_EQ(r.dport[0].lo, 23);
}

static void test_comments(void)
{
	char buf[FW_RULE_TEXT_MAX], *argv[] = { "drop", "proto", "icmp", "comment",
						"no pings here" };
	struct fw_rule r;

	REQUIRE(line("drop proto icmp comment \"no pings # at all\"", &r) == 1);
	CHECK(!strcmp(r.comment, "no pings # at all"));
	fw_rule_format(&r, buf, sizeof(buf));
	CHECK(!strcmp(buf, "drop proto icmp comment \"no pings # at all\""));
	REQUIRE(fw_rule_parse(5, argv, &r, buf, sizeof(buf)) == 0);
	CHECK(!strcmp(r.comment, "no pings here"));
}

static void test_bad_rules(void)
{
	static const char *const bad[] = {
		"frob", "drop proto", "drop proto sctpx", "drop dport 80",
		"drop proto tcp dport 70000", "drop proto tcp dport 9-3",
		"drop src 198.18.0.0/33", "drop src 1.2.3", "handle 0 drop",
		"handle x drop", "drop color red", "drop proto tcp sport -1",
		"drop proto tcp dport 22 dport 23", /* twice: a set is meant */
		"drop proto tcp dport { 22, 23", "drop proto tcp dport { }",
		"drop proto icmp dport 22", "drop proto != tcp dport 22",
		"drop pass", "proto tcp", "drop proto tcp dport nosuchservice",
		"drop comment \"unclosed", "tcp drop",
		"drop proto tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
		"15, 16, 17 }",
	};
	struct fw_rule r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (line(bad[i], &r) != -EINVAL) {
			fprintf(stderr, "  accepted: %s\n", bad[i]);
			check_failed_now = 1;
		}
}

static void test_format_round_trip(void)
{
	static const char *const rules[] = {
		"handle 3 drop proto tcp src 198.18.0.0/15 dport 7000",
		"pass proto udp sport 53 dport 1024-65535",
		"kernel dst 198.18.0.1",
		"drop proto 47",
		"drop proto { tcp, udp } src != { 10.0.0.0/8, 192.168.0.0/16 } dport { 22, 80 }",
		"drop proto tcp dport != 22 comment \"all but ssh\"",
	};
	char buf[FW_RULE_TEXT_MAX];
	struct fw_rule r;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		REQUIRE(line(rules[i], &r) == 1);
		fw_rule_format(&r, buf, sizeof(buf));
		if (strcmp(buf, rules[i])) {
			fprintf(stderr, "  %s -> %s\n", rules[i], buf);
			check_failed_now = 1;
		}
	}
}

static void test_file_lists_every_error(void)
{
	struct fw_rule r[4];
	struct fw_errs e;

	CHECK_EQ(fw_rules_parse("# x\ndrop proto icmp\n\npass\n", r, 4, &e), 2);
	CHECK_EQ(e.n, 0);
	CHECK_EQ(fw_rules_parse("drop\nnope\ndrop\nfrob x\n", r, 4, &e), -EINVAL);
	REQUIRE(e.n == 2);
	CHECK_EQ(e.e[0].line, 2);
	CHECK_EQ(e.e[1].line, 4);
	CHECK(strstr(e.e[1].msg, "frob") != NULL);
	CHECK_EQ(fw_rules_parse("drop\ndrop\ndrop\n", r, 2, &e), -EINVAL);
	REQUIRE(e.n == 1);
	CHECK_EQ(e.e[0].line, 3);
	CHECK_EQ(fw_rules_parse("handle 2 drop\npass\nhandle 2 pass\n", r, 4, &e), -EINVAL);
	REQUIRE(e.n == 1);
	CHECK_EQ(e.e[0].line, 3);
	CHECK(strstr(e.e[0].msg, "line 1") != NULL);
}

static void test_numbering(void)
{
	struct fw_rule r[3] = { { .handle = 0 }, { .handle = 5 }, { .handle = 0 } };

	REQUIRE(fw_rules_number(r, 3) == 0);
	CHECK_EQ(r[0].handle, 6);
	CHECK_EQ(r[1].handle, 5);
	CHECK_EQ(r[2].handle, 7);
	r[2].handle = 5;
	CHECK_EQ(fw_rules_number(r, 3), -EEXIST);
}

static void test_matching(void)
{
	struct fw_rule r;

	REQUIRE(line("drop proto tcp src != { 10.0.0.0/8, 192.168.1.0/24 } "
		     "dport { 22, 100-200 }", &r) == 1);
	CHECK(fw_rule_match_range(&r, FW_F_PROTO, IPPROTO_TCP));
	CHECK(!fw_rule_match_range(&r, FW_F_PROTO, IPPROTO_UDP));
	CHECK(fw_rule_match_range(&r, FW_F_DPORT, 22));
	CHECK(fw_rule_match_range(&r, FW_F_DPORT, 150));
	CHECK(!fw_rule_match_range(&r, FW_F_DPORT, 23));
	CHECK(fw_rule_match_range(&r, FW_F_SPORT, 1)); /* any */
	/* negated: a prefix inside the set does not match, one outside does */
	CHECK(!fw_rule_match_prefix(&r, FW_F_SRC, inet_addr("10.1.0.0"), 16));
	CHECK(!fw_rule_match_prefix(&r, FW_F_SRC, inet_addr("192.168.1.0"), 24));
	CHECK(fw_rule_match_prefix(&r, FW_F_SRC, inet_addr("192.168.0.0"), 16));
	CHECK(fw_rule_match_prefix(&r, FW_F_SRC, 0, 0));
	CHECK(fw_rule_match_prefix(&r, FW_F_DST, inet_addr("10.1.0.0"), 16)); /* any */
}

int main(void)
{
	RUN(test_parse_all_fields);
	RUN(test_defaults_and_actions);
	RUN(test_sets_negation_services);
	RUN(test_comments);
	RUN(test_bad_rules);
	RUN(test_format_round_trip);
	RUN(test_file_lists_every_error);
	RUN(test_numbering);
	RUN(test_matching);
	return check_summary();
}
