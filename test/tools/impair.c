// SPDX-License-Identifier: MIT
/*
 * impair: attach test/bpf/impair.bpf.c to a veth's tc egress and ingress
 * hooks, stay until SIGINT/SIGTERM, then print what it did and detach.
 *
 *   impair --dev IF [--egress LOSS,DUP,REORDER,CORRUPT]
 *          [--ingress LOSS,DUP,CORRUPT] [--reorder-class MAJ:MIN]
 *
 * Percentages (floats). Reordering needs a slow class MAJ:MIN of a root
 * qdisc on IF (see test/lib/impair.bash). Prints "ready" once attached.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test/bpf/impair.h"
#include "impair.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __u32 ppm(const char *s)
{
	return (__u32)(strtod(s, NULL) * 10000.0 + 0.5);
}

/* "L,D,R,C" for egress, "L,D,C" for ingress. */
static int parse_dir(char *arg, bool egress, struct impair_cfg *c)
{
	char *v[4] = { 0 };
	int n = 0;

	for (char *t = strtok(arg, ","); t && n < 4; t = strtok(NULL, ","))
		v[n++] = t;
	if (n != (egress ? 4 : 3))
		return -EINVAL;
	c->loss = ppm(v[0]);
	c->dup = ppm(v[1]);
	if (egress) {
		c->reorder = ppm(v[2]);
		c->corrupt = ppm(v[3]);
	} else {
		c->corrupt = ppm(v[2]);
	}
	return 0;
}

static int attach(struct impair_bpf *skel, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, eg, .prog_fd = bpf_program__fd(skel->progs.impair_egress));
	LIBBPF_OPTS(bpf_tc_opts, in, .prog_fd = bpf_program__fd(skel->progs.impair_ingress));
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	hook.attach_point = BPF_TC_EGRESS;
	if ((err = bpf_tc_attach(&hook, &eg)))
		return err;
	hook.attach_point = BPF_TC_INGRESS;
	return bpf_tc_attach(&hook, &in);
}

static void detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&hook);
}

static void print_stats(struct impair_bpf *skel)
{
	static const char *dir[] = { "egress", "ingress" };
	static const char *name[] = { "seen", "dropped", "duped", "reordered",
				      "corrupted" };
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.stats);
	__u64 v[ncpu > 0 ? ncpu : 1];

	for (__u32 d = 0; d < IMPAIR__DIRS; d++) {
		printf("%s", dir[d]);
		for (__u32 s = 0; s < IMPAIR_STAT__COUNT; s++) {
			__u32 k = d * IMPAIR_STAT__COUNT + s;
			__u64 sum = 0;

			if (bpf_map_lookup_elem(fd, &k, v) == 0)
				for (int i = 0; i < ncpu; i++)
					sum += v[i];
			printf(" %s %llu", name[s], (unsigned long long)sum);
		}
		printf("\n");
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: impair --dev IF [--egress L,D,R,C] "
		"[--ingress L,D,C] [--reorder-class MAJ:MIN]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "egress", required_argument, NULL, 'e' },
		{ "ingress", required_argument, NULL, 'i' },
		{ "reorder-class", required_argument, NULL, 'r' },
		{ 0 },
	};
	struct impair_cfg c[IMPAIR__DIRS] = { 0 };
	struct impair_bpf *skel = NULL;
	unsigned maj = 1, min = 2;
	int ifindex = 0, o, err = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			ifindex = (int)if_nametoindex(optarg);
			break;
		case 'e':
			err |= parse_dir(optarg, true, &c[IMPAIR_EGRESS]);
			break;
		case 'i':
			err |= parse_dir(optarg, false, &c[IMPAIR_INGRESS]);
			break;
		case 'r':
			err |= sscanf(optarg, "%x:%x", &maj, &min) != 2;
			break;
		default:
			return usage();
		}
	}
	if (!ifindex || err)
		return usage();
	c[IMPAIR_EGRESS].reorder_prio = maj << 16 | min;
	skel = impair_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "impair: cannot load the BPF program: %s\n",
			strerror(errno));
		return 1;
	}
	for (__u32 d = 0; d < IMPAIR__DIRS; d++)
		bpf_map_update_elem(bpf_map__fd(skel->maps.cfg), &d, &c[d], 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = attach(skel, ifindex);
	if (err) {
		fprintf(stderr, "impair: cannot attach to tc hooks: %s\n",
			strerror(-err));
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	print_stats(skel);
out:
	detach(ifindex);
	impair_bpf__destroy(skel);
	return err ? 1 : 0;
}
