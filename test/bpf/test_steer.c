// SPDX-License-Identifier: MIT
/*
 * The steering program (bpf/steer.bpf.c) run through BPF_PROG_TEST_RUN,
 * loaded from its skeleton and not attached. One table row per frame:
 * how it is built, the expected XDP action and the expected change of the
 * stats counters. Frames enter through the chain's entry program, with
 * steering as its only (final) module, as on an interface.
 *
 * In a test run the XSKMAP holds no socket, so bpf_redirect_map() returns
 * its fallback (XDP_PASS); the steering decision shows in the counters:
 * to_xsk (+ no_xsk) for frames steered to xtoe, to_kernel for the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/unit/check.h"
#include "bpf_test_util.h"
#include "bpf/steer.h"
#include "steer.skel.h"
#include "xdp/chain.h"

#define OUR   "198.18.0.1"
#define PEER  "198.18.0.2"
#define OTHER "198.18.0.3"
#define LISTEN_PORT 80
#define FLOW_LPORT  40000
#define FLOW_RPORT  5555

static struct steer_bpf *skel;
static struct xchain *chain;
static int prog_fd; /* the chain's entry */

/* --- frame builder ------------------------------------------------------ */

struct fspec {
	uint16_t ethertype;  /* 0: IPv4 */
	int vlan;            /* one 802.1Q tag before the EtherType */
	uint8_t proto;       /* 0: TCP */
	const char *saddr, *daddr;
	uint16_t sport, dport;
	uint16_t frag_off;   /* host order, with flag bits */
	int ihl;             /* 0: 5 */
	int doff;            /* 0: 5 */
	int payload;
};

static size_t build_at(uint8_t *buf, const struct fspec *f);

/* Builds the frame into out; returns its length. (Built 2 bytes into an
 * aligned scratch buffer so the IPv4 header is 4-byte aligned.) */
static size_t build(uint8_t *out, const struct fspec *f)
{
	static uint8_t tmp[2048 + 8] __attribute__((aligned(8)));
	size_t len = build_at(tmp + 2, f);

	memcpy(out, tmp + 2, len);
	return len;
}

static size_t build_at(uint8_t *buf, const struct fspec *f)
{
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 2 };
	size_t off = 12;
	int ihl = f->ihl ? f->ihl : 5, doff = f->doff ? f->doff : 5;
	uint16_t et = f->ethertype ? f->ethertype : ETH_P_IP;
	struct iphdr *ip;
	size_t iplen;

	memset(buf, 0, 2048);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	if (f->vlan) {
		buf[off] = ETH_P_8021Q >> 8;
		buf[off + 1] = ETH_P_8021Q & 0xff;
		buf[off + 3] = 100;
		off += 4;
	}
	buf[off] = (uint8_t)(et >> 8);
	buf[off + 1] = (uint8_t)et;
	off += 2;
	if (et == ETH_P_ARP) {
		/* request who-has OUR tell PEER */
		uint8_t *a = buf + off;
		uint32_t spa = ip4(PEER), tpa = ip4(OUR);

		a[0] = 0; a[1] = 1; a[2] = 8; a[3] = 0; a[4] = 6; a[5] = 4;
		a[6] = 0; a[7] = 1;
		memcpy(a + 8, smac, 6);
		memcpy(a + 14, &spa, 4);
		memcpy(a + 24, &tpa, 4);
		return off + 28;
	}
	ip = (struct iphdr *)(buf + off);
	ip->version = 4;
	ip->ihl = (unsigned)ihl & 0xf;
	ip->ttl = 64;
	ip->protocol = f->proto ? f->proto : IPPROTO_TCP;
	ip->saddr = ip4(f->saddr ? f->saddr : PEER);
	ip->daddr = ip4(f->daddr ? f->daddr : OUR);
	ip->frag_off = htons(f->frag_off);
	off += (size_t)(ihl < 5 ? 5 : ihl) * 4;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *t = (struct tcphdr *)(buf + off);

		t->source = htons(f->sport ? f->sport : 12345);
		t->dest = htons(f->dport);
		t->doff = (unsigned)doff & 0xf;
		t->syn = 1;
		t->window = htons(65535);
		off += (size_t)(doff < 5 ? 5 : doff) * 4;
	} else if (ip->protocol == IPPROTO_ICMP) {
		buf[off] = 8; /* echo request */
		off += 8;
	}
	off += (size_t)f->payload;
	iplen = off - ((uint8_t *)ip - buf);
	ip->tot_len = htons((uint16_t)iplen);
	return off;
}

/* --- running ------------------------------------------------------------ */

struct counts {
	uint64_t v[STEER_STAT__COUNT];
};

static void read_counts(struct counts *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu];
	uint32_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < STEER_STAT__COUNT; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &i, vals))
			continue;
		for (int k = 0; k < ncpu; k++)
			c->v[i] += vals[k];
	}
}

/* Run one frame of len bytes; returns the action or -errno. */
static int run(const uint8_t *frame, size_t len, struct counts *delta)
{
	uint8_t out[2048];
	struct counts a, b;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	int err;

	read_counts(&a);
	err = bpf_prog_test_run_opts(prog_fd, &o);
	read_counts(&b);
	for (int i = 0; i < STEER_STAT__COUNT; i++)
		delta->v[i] = b.v[i] - a.v[i];
	return err ? (err < 0 ? err : -errno) : (int)o.retval;
}

enum verdict { KERNEL, XSK };

struct row {
	const char *name;
	struct fspec f;
	enum verdict want;
};

static const struct row rows[] = {
	{ "ARP request", { .ethertype = ETH_P_ARP }, KERNEL },
	{ "ICMP echo", { .proto = IPPROTO_ICMP }, KERNEL },
	{ "UDP to the listen port", { .proto = IPPROTO_UDP, .dport = LISTEN_PORT }, KERNEL },
	{ "IPv6 EtherType", { .ethertype = ETH_P_IPV6 }, KERNEL },
	{ "TCP SYN to a listen port", { .dport = LISTEN_PORT }, XSK },
	{ "TCP with payload to a listen port", { .dport = LISTEN_PORT, .payload = 100 }, XSK },
	{ "TCP to another port", { .dport = LISTEN_PORT + 1 }, KERNEL },
	{ "TCP of an active flow", { .sport = FLOW_RPORT, .dport = FLOW_LPORT }, XSK },
	{ "TCP flow port, other remote port", { .sport = FLOW_RPORT + 1, .dport = FLOW_LPORT }, KERNEL },
	{ "TCP flow, other remote address", { .saddr = OTHER, .sport = FLOW_RPORT, .dport = FLOW_LPORT }, KERNEL },
	{ "TCP to another address, listen port", { .daddr = OTHER, .dport = LISTEN_PORT }, KERNEL },
	{ "IPv4 first fragment (MF)", { .dport = LISTEN_PORT, .frag_off = 0x2000 }, KERNEL },
	{ "IPv4 later fragment (offset)", { .dport = LISTEN_PORT, .frag_off = 185 }, KERNEL },
	{ "IPv4 DF set, not a fragment", { .dport = LISTEN_PORT, .frag_off = 0x4000 }, XSK },
	{ "IPv4 with options (ihl 7)", { .dport = LISTEN_PORT, .ihl = 7 }, XSK },
	{ "IPv4 bad ihl 4", { .dport = LISTEN_PORT, .ihl = 4 }, KERNEL },
	{ "TCP with options (doff 8)", { .dport = LISTEN_PORT, .doff = 8 }, XSK },
	{ "TCP bad doff 4", { .dport = LISTEN_PORT, .doff = 4 }, KERNEL },
	{ "802.1Q tagged TCP to a listen port", { .vlan = 1, .dport = LISTEN_PORT }, XSK },
};

static int setup_maps(void)
{
	struct steer_listen_key lk = { .addr = ip4(OUR), .port = htons(LISTEN_PORT) };
	struct steer_flow_key fk = {
		.laddr = ip4(OUR), .raddr = ip4(PEER),
		.lport = htons(FLOW_LPORT), .rport = htons(FLOW_RPORT),
	};
	uint8_t one = 1;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.listen), &lk, &one, 0) ?:
	       bpf_map_update_elem(bpf_map__fd(skel->maps.flows), &fk, &one, 0);
}

static void check_row(const struct row *r)
{
	uint8_t buf[2048];
	size_t len = build(buf, &r->f);
	struct counts d;
	int act = run(buf, len, &d);

	if (act != XDP_PASS || d.v[STEER_STAT_FRAMES] != 1 ||
	    d.v[STEER_STAT_TO_XSK] != (r->want == XSK) ||
	    d.v[STEER_STAT_NO_XSK] != (r->want == XSK) ||
	    d.v[STEER_STAT_TO_KERNEL] != (r->want == KERNEL)) {
		fprintf(stderr, "  row \"%s\": action %d, frames +%llu, to_xsk +%llu, "
			"no_xsk +%llu, to_kernel +%llu; want %s\n", r->name, act,
			(unsigned long long)d.v[STEER_STAT_FRAMES],
			(unsigned long long)d.v[STEER_STAT_TO_XSK],
			(unsigned long long)d.v[STEER_STAT_NO_XSK],
			(unsigned long long)d.v[STEER_STAT_TO_KERNEL],
			r->want == XSK ? "xsk" : "kernel");
		check_failed_now = 1;
	}
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
}

/* Every truncation of a steered frame: no crash, never steered unless the
 * IPv4 and TCP headers are whole; shorter than Ethernet is refused by the
 * kernel before the program runs. */
static void test_truncated(void)
{
	static const struct fspec specs[] = {
		{ .dport = LISTEN_PORT, .payload = 8 },
		{ .dport = LISTEN_PORT, .ihl = 6, .doff = 10, .payload = 4 },
		{ .vlan = 1, .dport = LISTEN_PORT },
	};

	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		uint8_t buf[2048];
		size_t full = build(buf, &specs[s]);
		size_t hdrs = full - (size_t)specs[s].payload;

		for (size_t len = 0; len <= full; len++) {
			struct counts d;
			int act = run(buf, len, &d);

			if (len < ETH_HLEN) {
				CHECK_EQ(act, -EINVAL);
				CHECK_EQ(d.v[STEER_STAT_FRAMES], 0);
				continue;
			}
			CHECK_EQ(act, XDP_PASS);
			CHECK_EQ(d.v[STEER_STAT_FRAMES], 1);
			CHECK_EQ(d.v[STEER_STAT_TO_XSK], len >= hdrs);
			CHECK_EQ(d.v[STEER_STAT_TO_KERNEL], len < hdrs);
		}
	}
}

/* Removing the listener and the flow sends their segments to the kernel. */
static void test_map_removal(void)
{
	struct steer_listen_key lk = { .addr = ip4(OUR), .port = htons(LISTEN_PORT) };
	struct fspec f = { .dport = LISTEN_PORT };
	uint8_t buf[2048];
	size_t len = build(buf, &f);
	struct counts d;

	CHECK_EQ(run(buf, len, &d), XDP_PASS);
	CHECK_EQ(d.v[STEER_STAT_TO_XSK], 1);
	REQUIRE(bpf_map_delete_elem(bpf_map__fd(skel->maps.listen), &lk) == 0);
	CHECK_EQ(run(buf, len, &d), XDP_PASS);
	CHECK_EQ(d.v[STEER_STAT_TO_XSK], 0);
	CHECK_EQ(d.v[STEER_STAT_TO_KERNEL], 1);
	REQUIRE(setup_maps() == 0);
}

/* our_addr is load-time rodata: a program loaded for another address does
 * not take our segments. */
static void test_rodata_addr(void)
{
	struct steer_bpf *other = steer_bpf__open();
	struct steer_listen_key lk = { .addr = ip4(OUR), .port = htons(LISTEN_PORT) };
	struct fspec f = { .dport = LISTEN_PORT };
	uint8_t buf[2048], one = 1;
	size_t len = build(buf, &f);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (uint32_t)len);

	REQUIRE(other);
	other->rodata->our_addr = ip4(OTHER);
	REQUIRE(xchain_reuse_maps(chain, other->obj) == 0);
	REQUIRE(steer_bpf__load(other) == 0);
	REQUIRE(bpf_map_update_elem(bpf_map__fd(other->maps.listen), &lk, &one, 0) == 0);
	REQUIRE(xchain_swap(chain, "steer", bpf_program__fd(other->progs.xtoe_steer)) == 0);
	CHECK(bpf_prog_test_run_opts(prog_fd, &o) == 0);
	CHECK_EQ(o.retval, XDP_PASS);
	{
		uint32_t k = STEER_STAT_TO_XSK;
		int ncpu = libbpf_num_possible_cpus();
		uint64_t vals[ncpu], sum = 0;

		CHECK(bpf_map_lookup_elem(bpf_map__fd(other->maps.stats), &k, vals) == 0);
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
		CHECK_EQ(sum, 0);
		k = STEER_STAT_FRAMES;
		sum = 0;
		CHECK(bpf_map_lookup_elem(bpf_map__fd(other->maps.stats), &k, vals) == 0);
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
		CHECK_EQ(sum, 1); /* the swapped-in program ran */
	}
	REQUIRE(xchain_swap(chain, "steer", bpf_program__fd(skel->progs.xtoe_steer)) == 0);
	steer_bpf__destroy(other);
}

static int make_chain(void)
{
	if (xchain_create(&chain, NULL, 0, &prog_fd)) {
		fprintf(stderr, "loading the chain's entry failed (needs root)\n");
		return -1;
	}
	if (xchain_reuse_maps(chain, skel->obj))
		return -1;
	return 0;
}

int main(void)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };

	bpf_test_need_bpf();
	skel = steer_bpf__open();
	if (!skel) {
		fprintf(stderr, "opening the steer skeleton failed: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->our_addr = ip4(OUR);
	if (make_chain())
		return 1;
	if (steer_bpf__load(skel)) {
		fprintf(stderr, "loading the steering program failed (needs root)\n");
		return 1;
	}
	if (xchain_insert(chain, bpf_program__fd(skel->progs.xtoe_steer), "steer",
			  XTOE_MOD_F_BUILTIN | XTOE_MOD_F_FINAL, &pos) < 0)
		return 1;
	if (setup_maps()) {
		fprintf(stderr, "map setup failed\n");
		return 1;
	}
	RUN(test_table);
	RUN(test_truncated);
	RUN(test_map_removal);
	RUN(test_rodata_addr);
	steer_bpf__destroy(skel);
	xchain_close(chain);
	return check_summary();
}
