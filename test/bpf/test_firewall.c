// SPDX-License-Identifier: MIT
/*
 * The firewall module (bpf/firewall.bpf.c) in a chain (entry -> firewall ->
 * probe_sink) through BPF_PROG_TEST_RUN, with rule sets installed by
 * xdp/firewall.c. Table rows: {input frame, expected verdict, expected
 * output frame (unchanged), expected metadata}. NEXT shows as the sink
 * having seen the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "xdp/chain.h"
#include "xdp/firewall.h"
#include "xdp/fw_rule.h"
#include "firewall.skel.h"

static struct xchain *chain;
static struct firewall_bpf *fw;
static struct bpf_object *probe;
static struct fw_maps maps;
static int entry_fd, seen_fd;

struct pkt {
	const char *src, *dst;
	uint8_t proto;   /* 0: TCP */
	uint16_t sport, dport;
	int vlan;
	int arp;
};

/* Ethernet (+ optional 802.1Q) / IPv4 / TCP or UDP, 64 bytes or so. */
static size_t build(uint8_t *f, const struct pkt *p)
{
	size_t off = 12;
	uint8_t proto = p->proto ? p->proto : IPPROTO_TCP;
	uint32_t s = ip4(p->src ? p->src : "198.18.9.9");
	uint32_t d = ip4(p->dst ? p->dst : "198.18.0.1");
	uint16_t sp = htons(p->sport ? p->sport : 40000), dp = htons(p->dport);

	memset(f, 0, 128);
	f[0] = 2; f[6] = 2; f[11] = 2;
	if (p->vlan) {
		f[off] = 0x81; f[off + 1] = 0; f[off + 3] = 100;
		off += 4;
	}
	if (p->arp) {
		f[off] = 0x08; f[off + 1] = 0x06;
		return off + 2 + 28;
	}
	f[off] = 0x08;
	off += 2;
	f[off] = 0x45; f[off + 3] = 40; f[off + 8] = 64; f[off + 9] = proto;
	memcpy(f + off + 12, &s, 4);
	memcpy(f + off + 16, &d, 4);
	off += 20;
	memcpy(f + off, &sp, 2);
	memcpy(f + off + 2, &dp, 2);
	if (proto == IPPROTO_TCP)
		f[off + 12] = 0x50;
	return off + 20;
}

enum want { NEXT, DROP, PASS };

/* Runs one frame; checks verdict, unchanged frame and metadata. */
static void expect(const char *what, const struct pkt *p, enum want w)
{
	uint8_t in[128], out[256];
	struct xtoe_meta seen = { 0 }, m;
	uint32_t k = 0;
	size_t len = build(in, p);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	bpf_map_update_elem(seen_fd, &k, &seen, BPF_ANY);
	REQUIRE(bpf_prog_test_run_opts(entry_fd, &o) == 0);
	bpf_map_lookup_elem(seen_fd, &k, &seen);
	memcpy(&m, out, sizeof(m));
	if ((int)o.retval != (w == DROP ? XDP_DROP : XDP_PASS) ||
	    (seen.magic == XTOE_META_MAGIC) != (w == NEXT) ||
	    m.drop != (w == DROP ? XTOE_DROP_FIREWALL : XTOE_DROP_NONE) ||
	    o.data_size_out != len + sizeof(m) ||
	    memcmp(out + sizeof(m), in, len)) {
		fprintf(stderr, "  %s: action %u, sink %s, drop %u; want %s\n", what,
			o.retval, seen.magic ? "reached" : "not reached", m.drop,
			w == NEXT ? "next" : w == DROP ? "drop" : "pass");
		check_failed_now = 1;
	}
}

/* Rules from rule-file text (xdp/fw_rule.c). */
static int parse(const char *text, struct fw_rule *r, int max)
{
	struct fw_errs e;
	int n = fw_rules_parse(text, r, max, &e);

	if (n < 0)
		fprintf(stderr, "  line %d: %s\n", e.e[0].line, e.e[0].msg);
	return n;
}

static void install_base(void)
{
	struct fw_rule r[4];

	REQUIRE(parse("kernel src 198.18.5.0/24 proto tcp dport 22\n"
		      "pass src 198.18.5.7\n"
		      "drop src 198.18.0.0/16 proto tcp dport 1000-2000\n"
		      "drop dst 198.18.0.1 proto udp sport 53\n", r, 4) == 4);
	REQUIRE(fw_replace(&maps, r, 4) == 0);
}

static void test_table(void)
{
	install_base();
	expect("rule 0: /24 tcp 22 -> kernel", &(struct pkt){ .src = "198.18.5.7", .dport = 22 }, PASS);
	expect("rule 1 before rule 2", &(struct pkt){ .src = "198.18.5.7", .dport = 1500 }, NEXT);
	expect("rule 2: /16 tcp 1000-2000", &(struct pkt){ .dport = 1500 }, DROP);
	expect("rule 2 low edge", &(struct pkt){ .dport = 1000 }, DROP);
	expect("rule 2 high edge", &(struct pkt){ .dport = 2000 }, DROP);
	expect("past rule 2's range", &(struct pkt){ .dport = 2001 }, NEXT);
	expect("udp is not rule 2's proto", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 1500 }, NEXT);
	expect("outside 198.18/16", &(struct pkt){ .src = "10.0.0.1", .dport = 1500 }, NEXT);
	expect("rule 3: udp from port 53", &(struct pkt){ .proto = IPPROTO_UDP, .sport = 53, .dport = 999 }, DROP);
	expect("rule 3 other dst", &(struct pkt){ .proto = IPPROTO_UDP, .sport = 53, .dst = "198.18.0.2" }, NEXT);
	expect("ARP is not filtered", &(struct pkt){ .arp = 1 }, NEXT);
	expect("802.1Q-tagged, rule 2", &(struct pkt){ .vlan = 1, .dport = 1500 }, DROP);
}

/* Sets (any value matches) and negation (no value matches), folded into
 * the same bitmaps. */
static void test_sets_and_negation(void)
{
	struct fw_rule r[3];

	REQUIRE(parse("drop proto tcp dport { 22, 80, 8000-8010 } src != { 198.18.0.0/16, "
		      "10.1.0.0/16 }\n"
		      "kernel proto { udp, icmp } dst != 198.18.0.1\n"
		      "drop proto udp dport != { 53, 123 }\n", r, 3) == 3);
	REQUIRE(fw_replace(&maps, r, 3) == 0);
	expect("tcp 22 from outside the set", &(struct pkt){ .src = "10.2.0.1", .dport = 22 }, DROP);
	expect("tcp 8005 from outside the set", &(struct pkt){ .src = "10.2.0.1", .dport = 8005 }, DROP);
	expect("tcp 8011: not in the port set", &(struct pkt){ .src = "10.2.0.1", .dport = 8011 }, NEXT);
	expect("tcp 22 from inside 198.18/16", &(struct pkt){ .src = "198.18.9.9", .dport = 22 }, NEXT);
	expect("tcp 80 from inside 10.1/16", &(struct pkt){ .src = "10.1.2.3", .dport = 80 }, NEXT);
	expect("udp to another address", &(struct pkt){ .proto = IPPROTO_UDP, .dst = "198.18.0.9",
						       .dport = 53 }, PASS);
	expect("udp 53 to us", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 53 }, NEXT);
	expect("udp 54 to us", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 54 }, DROP);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
}

static void test_counters(void)
{
	struct fw_count h0, h2, h3;

	install_base(); /* counters start at zero with a new set */
	expect("r0", &(struct pkt){ .src = "198.18.5.7", .dport = 22 }, PASS);
	expect("r2", &(struct pkt){ .dport = 1500 }, DROP);
	expect("r2", &(struct pkt){ .dport = 1600 }, DROP);
	REQUIRE(fw_rule_hits(&maps, 0, &h0) == 0);
	REQUIRE(fw_rule_hits(&maps, 2, &h2) == 0);
	REQUIRE(fw_rule_hits(&maps, 3, &h3) == 0);
	CHECK_EQ(h0.packets, 1);
	CHECK_EQ(h2.packets, 2);
	CHECK_EQ(h3.packets, 0);
	CHECK(h2.bytes > 2 * 40);
}

/* The chain counts the firewall's drops under their reason, for stats. */
static void test_drops_by_reason(void)
{
	uint64_t before[XTOE_DROP__COUNT], after[XTOE_DROP__COUNT];

	install_base();
	REQUIRE(xchain_drops(chain, before, XTOE_DROP__COUNT) == 0);
	expect("r2", &(struct pkt){ .dport = 1500 }, DROP);
	expect("r2", &(struct pkt){ .dport = 1501 }, DROP);
	REQUIRE(xchain_drops(chain, after, XTOE_DROP__COUNT) == 0);
	CHECK_EQ(after[XTOE_DROP_FIREWALL] - before[XTOE_DROP_FIREWALL], 2);
	CHECK_EQ(after[XTOE_DROP_MODULE] - before[XTOE_DROP_MODULE], 0);
}

/* A new set replaces the old one whole; an empty set filters nothing. */
static void test_replace(void)
{
	struct fw_rule all;

	REQUIRE(parse("drop", &all, 1) == 1);
	install_base();
	expect("base", &(struct pkt){ .src = "10.0.0.1", .dport = 80 }, NEXT);
	REQUIRE(fw_replace(&maps, &all, 1) == 0);
	expect("drop-all set", &(struct pkt){ .src = "10.0.0.1", .dport = 80 }, DROP);
	expect("drop-all set, udp", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 80 }, DROP);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
	expect("empty set", &(struct pkt){ .dport = 1500 }, NEXT);
	CHECK_EQ(fw_replace(&maps, &all, FW_MAX_RULES + 1), -E2BIG);
}

/* Rules with a handle keep their counters across a replace. */
static void test_counters_follow_handles(void)
{
	struct fw_rule r[2];
	struct fw_count c;

	REQUIRE(parse("handle 7 drop proto udp\nhandle 9 drop proto tcp dport 80\n", r, 2) == 2);
	REQUIRE(fw_replace(&maps, r, 2) == 0);
	expect("udp", &(struct pkt){ .proto = IPPROTO_UDP, .dport = 5 }, DROP);
	expect("tcp 80", &(struct pkt){ .dport = 80 }, DROP);
	expect("tcp 80", &(struct pkt){ .dport = 80 }, DROP);
	REQUIRE(fw_replace(&maps, &r[1], 1) == 0); /* handle 9 is now rule 0 */
	REQUIRE(fw_rule_hits(&maps, 0, &c) == 0);
	CHECK_EQ(c.packets, 2);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
}

/* 1000 rules: each /32 source with its own port; the last decides. */
static void test_many_rules(void)
{
	static struct fw_rule r[1000];
	char text[128], err[128];

	for (int i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "drop src 198.19.%d.%d proto tcp dport %d",
			 i / 250, i % 250 + 1, 1000 + i);
		REQUIRE(fw_rule_parse_line(text, &r[i], err, sizeof(err)) == 1);
	}
	REQUIRE(fw_replace(&maps, r, 1000) == 0);
	expect("rule 999", &(struct pkt){ .src = "198.19.3.250", .dport = 1999 }, DROP);
	expect("rule 999's source, rule 0's port", &(struct pkt){ .src = "198.19.3.250", .dport = 1000 }, NEXT);
	expect("rule 0", &(struct pkt){ .src = "198.19.0.1", .dport = 1000 }, DROP);
	REQUIRE(fw_replace(&maps, NULL, 0) == 0);
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };
	struct bpf_program *sink;

	bpf_test_need_bpf();
	fw = firewall_bpf__open();
	probe = bpf_object__open_file(TEST_BPF_DIR "/chain_probe.bpf.o", NULL);
	if (!fw || !probe || xchain_create(&chain, NULL, 0, &entry_fd) ||
	    xchain_reuse_maps(chain, fw->obj) || xchain_reuse_maps(chain, probe) ||
	    firewall_bpf__load(fw) || bpf_object__load(probe) ||
	    fw_maps_from_obj(fw->obj, &maps)) {
		fprintf(stderr, "loading the chain, firewall and probes failed (needs root)\n");
		return 1;
	}
	sink = bpf_object__find_program_by_name(probe, "probe_sink");
	seen_fd = bpf_object__find_map_fd_by_name(probe, "seen");
	if (xchain_insert(chain, bpf_program__fd(sink), "sink", XTOE_MOD_F_FINAL, &pos) < 0 ||
	    xchain_insert(chain, bpf_program__fd(fw->progs.firewall), "firewall",
			  XTOE_MOD_F_BUILTIN, &pos) < 0)
		return 1;
	RUN(test_table);
	RUN(test_sets_and_negation);
	RUN(test_counters);
	RUN(test_drops_by_reason);
	RUN(test_replace);
	RUN(test_counters_follow_handles);
	RUN(test_many_rules);
	firewall_bpf__destroy(fw);
	bpf_object__close(probe);
	xchain_close(chain);
	return check_summary();
}
