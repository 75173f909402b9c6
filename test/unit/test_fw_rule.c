// SPDX-License-Identifier: MIT
/* Firewall rule text (xdp/fw_rule.c): parse, format, files, handles. */
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
	CHECK_EQ(r.proto, IPPROTO_TCP);
	CHECK_EQ(r.src, inet_addr("198.18.0.0")); /* host bits cleared */
	CHECK_EQ(r.src_len, 24);
	CHECK_EQ(r.dst, inet_addr("198.19.1.1"));
	CHECK_EQ(r.dst_len, 32);
	CHECK_EQ(r.sport_lo, 1000);
	CHECK_EQ(r.sport_hi, 2000);
	CHECK_EQ(r.dport_lo, 80);
	CHECK_EQ(r.dport_hi, 80);
}

static void test_defaults_and_actions(void)
{
	struct fw_rule r;

	REQUIRE(line("pass", &r) == 1);
	CHECK_EQ(r.action, FW_ACCEPT);
	CHECK_EQ(r.proto, 0);
	CHECK_EQ(r.src_len, 0);
	CHECK_EQ(r.sport_hi, 65535);
	CHECK_EQ(r.dport_lo, 0);
	REQUIRE(line("accept proto udp", &r) == 1);
	CHECK_EQ(r.action, FW_ACCEPT);
	REQUIRE(line("kernel proto icmp", &r) == 1);
	CHECK_EQ(r.action, FW_PASS);
	CHECK_EQ(r.proto, IPPROTO_ICMP);
	CHECK_EQ(line("   # only a comment", &r), 0);
	CHECK_EQ(line("", &r), 0);
}

static void test_bad_rules(void)
{
	static const char *const bad[] = {
		"frob", "drop proto", "drop proto sctpx", "drop dport 80",
		"drop proto tcp dport 70000", "drop proto tcp dport 9-3",
		"drop src 198.18.0.0/33", "drop src 1.2.3", "handle 0 drop",
		"handle x drop", "drop color red", "drop proto tcp sport -1",
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

static void test_file_names_bad_line(void)
{
	struct fw_rule r[4];
	char err[128];
	int bad = 0;

	CHECK_EQ(fw_rules_parse("# x\ndrop proto icmp\n\npass\n", r, 4, &bad,
				err, sizeof(err)), 2);
	CHECK_EQ(fw_rules_parse("drop\ndrop\nnope\n", r, 4, &bad, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(bad, 3);
	CHECK_EQ(fw_rules_parse("drop\ndrop\ndrop\n", r, 2, &bad, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(bad, 3);
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

int main(void)
{
	RUN(test_parse_all_fields);
	RUN(test_defaults_and_actions);
	RUN(test_bad_rules);
	RUN(test_format_round_trip);
	RUN(test_file_names_bad_line);
	RUN(test_numbering);
	return check_summary();
}
