// SPDX-License-Identifier: MIT
/* Build and install firewall rule sets (bpf/firewall.h). */
#include "firewall.h"
#include "fw_rule.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Map names in generation order: name0, name1. */
static const char *const gen_maps[] = { "fw_src", "fw_dst", "fw_ports",
					"fw_class", "fw_proto", "fw_rules", "fw_desc" };
#define NGEN_MAPS (sizeof(gen_maps) / sizeof(gen_maps[0]))

static int *gen_fd(struct fw_maps *m, size_t i, int g)
{
	int *fds[] = { m->src, m->dst, m->ports, m->cls, m->proto, m->rules, m->desc };

	return &fds[i][g];
}

int fw_maps_from_obj(struct bpf_object *obj, struct fw_maps *m)
{
	char name[32];

	for (size_t i = 0; i < NGEN_MAPS; i++)
		for (int g = 0; g < 2; g++) {
			snprintf(name, sizeof(name), "%s%d", gen_maps[i], g);
			*gen_fd(m, i, g) = bpf_object__find_map_fd_by_name(obj, name);
			if (*gen_fd(m, i, g) < 0)
				return -ENOENT;
		}
	m->hits = bpf_object__find_map_fd_by_name(obj, "fw_hits");
	m->state = bpf_object__find_map_fd_by_name(obj, "fw_state");
	return m->hits < 0 || m->state < 0 ? -ENOENT : 0;
}

static int pin_fd(const char *dir, const char *name, int *fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd >= 0)
		return 0;
	log_err("firewall: no map %s: %s; is the firewall module "
		"loaded?", path, strerror(errno));
	return -errno;
}

int fw_maps_from_pins(const char *dir, struct fw_maps *m)
{
	char name[32];
	int err = 0;

	memset(m, 0xff, sizeof(*m)); /* all -1 */
	for (size_t i = 0; i < NGEN_MAPS && !err; i++)
		for (int g = 0; g < 2 && !err; g++) {
			snprintf(name, sizeof(name), "%s%d", gen_maps[i], g);
			err = pin_fd(dir, name, gen_fd(m, i, g));
		}
	err = err ?: pin_fd(dir, "fw_hits", &m->hits) ?: pin_fd(dir, "fw_state", &m->state);
	if (err)
		fw_maps_close(m);
	return err;
}

void fw_maps_close(struct fw_maps *m)
{
	int *fds = (int *)m;

	for (size_t i = 0; i < sizeof(*m) / sizeof(int); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	memset(m, 0xff, sizeof(*m));
}

static void set_bit(struct fw_bits *b, int i)
{
	b->w[i / 64] |= 1ull << (i % 64);
}

static uint32_t mask(int len)
{
	return len ? htonl(~0u << (32 - len)) : 0;
}

static int clear_lpm(int fd)
{
	struct fw_lpm_key k, next;

	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(fd, &k))
			return -errno;
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct fw_lpm_key *x = a, *y = b;

	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Every distinct prefix of the rules' sets for field f, and 0/0, into
 * keys[]; returns how many or -E2BIG. */
static int lpm_keys(const struct fw_rule *r, int n, enum fw_field f,
		    struct fw_lpm_key *keys)
{
	int nk = 0, u = 0;

	keys[nk++] = (struct fw_lpm_key){ 0, 0 };
	for (int i = 0; i < n; i++) {
		const struct fw_prefix *set = f == FW_F_SRC ? r[i].src : r[i].dst;

		for (int j = 0; j < r[i].n[f] && j < FW_SET_MAX; j++) {
			if (nk == FW_MAX_RULES * FW_SET_MAX + 1)
				return -E2BIG;
			keys[nk++] = (struct fw_lpm_key){ set[j].len,
							   set[j].addr & mask(set[j].len) };
		}
	}
	qsort(keys, (size_t)nk, sizeof(*keys), cmp_key);
	for (int i = 0; i < nk; i++)
		if (!u || cmp_key(&keys[i], &keys[u - 1]))
			keys[u++] = keys[i];
	return u <= FW_MAX_PREFIX ? u : -E2BIG;
}

/* One LPM trie: every distinct prefix P of the rules (and 0/0) -> the
 * rules that match all addresses whose longest prefix among the keys is
 * P: those with a prefix holding P, or, negated, with none. */
static int fill_lpm(int fd, const struct fw_rule *r, int n, enum fw_field f)
{
	struct fw_lpm_key *keys = calloc(FW_MAX_RULES * FW_SET_MAX + 1, sizeof(*keys));
	int nk = keys ? lpm_keys(r, n, f, keys) : -ENOMEM, err;

	if (nk == -E2BIG)
		log_err("firewall: more than %d distinct %s prefixes in the rules",
			FW_MAX_PREFIX - 1, f == FW_F_SRC ? "source" : "destination");
	err = nk < 0 ? nk : clear_lpm(fd);
	for (int k = 0; k < nk && !err; k++) {
		struct fw_bits bits;

		memset(&bits, 0, sizeof(bits));
		for (int i = 0; i < n; i++)
			if (fw_rule_match_prefix(&r[i], f, keys[k].addr, keys[k].prefixlen))
				set_bit(&bits, i);
		if (bpf_map_update_elem(fd, &keys[k], &bits, BPF_ANY))
			err = -errno;
	}
	free(keys);
	return err;
}

static int fill_proto(int fd, const struct fw_rule *r, int n)
{
	for (uint32_t p = 0; p < 256; p++) {
		struct fw_bits bits;

		memset(&bits, 0, sizeof(bits));
		for (int i = 0; i < n; i++)
			if (fw_rule_match_range(&r[i], FW_F_PROTO, p))
				set_bit(&bits, i);
		if (bpf_map_update_elem(fd, &p, &bits, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The boundaries of the elementary port intervals of field f (every
 * range's start and end + 1, 0 and 65536), sorted and distinct; returns
 * how many, or -E2BIG beyond FW_MAX_RANGES ranges. */
static int port_bounds(const struct fw_rule *r, int n, enum fw_field f, uint32_t *b)
{
	int nb = 0, u = 0, ranges = 0;

	b[nb++] = 0;
	b[nb++] = 65536;
	for (int i = 0; i < n; i++) {
		const struct fw_range *set = f == FW_F_SPORT ? r[i].sport : r[i].dport;

		for (int j = 0; j < r[i].n[f] && j < FW_SET_MAX; j++) {
			if (++ranges > FW_MAX_RANGES) {
				log_err("firewall: more than %d %s ranges in the rules",
					FW_MAX_RANGES, f == FW_F_SPORT ? "sport" : "dport");
				return -E2BIG;
			}
			b[nb++] = set[j].lo;
			b[nb++] = (uint32_t)set[j].hi + 1;
		}
	}
	qsort(b, (size_t)nb, sizeof(b[0]), cmp_u32);
	for (int i = 0; i < nb; i++)
		if (!u || b[i] != b[u - 1])
			b[u++] = b[i];
	return u;
}

/* Port field f: elementary intervals become classes base.. ; ports[] gets
 * each port's class. Returns classes used. */
static int port_classes(int cls_fd, const struct fw_rule *r, int n, enum fw_field f,
			uint32_t base, uint16_t *ports)
{
	uint32_t *b = calloc(2 * FW_MAX_RANGES + 2, sizeof(*b));
	int u = b ? port_bounds(r, n, f, b) : -ENOMEM, err = 0;

	for (int c = 0; c + 1 < u && !err; c++) {
		struct fw_bits bits;
		uint32_t key = base + (uint32_t)c;

		memset(&bits, 0, sizeof(bits));
		for (int i = 0; i < n; i++)
			if (fw_rule_match_range(&r[i], f, b[c]))
				set_bit(&bits, i);
		if (bpf_map_update_elem(cls_fd, &key, &bits, BPF_ANY))
			err = -errno;
		for (uint32_t p = b[c]; p < b[c + 1]; p++)
			ports[p] = (uint16_t)key;
	}
	free(b);
	return err ? err : u < 0 ? u : u - 1;
}

static int fill_ports(int ports_fd, int cls_fd, const struct fw_rule *r, int n)
{
	uint16_t *ports = calloc(FW_PORT_SLOTS, sizeof(*ports));
	uint32_t *keys = calloc(FW_PORT_SLOTS, sizeof(*keys));
	uint32_t count = FW_PORT_SLOTS;
	int ns = -ENOMEM;

	if (ports && keys)
		ns = port_classes(cls_fd, r, n, FW_F_SPORT, 0, ports);
	if (ns >= 0)
		ns = port_classes(cls_fd, r, n, FW_F_DPORT, (uint32_t)ns, ports + 65536);
	if (ns >= 0) {
		for (uint32_t i = 0; i < FW_PORT_SLOTS; i++)
			keys[i] = i;
		ns = bpf_map_update_batch(ports_fd, keys, ports, &count, NULL) ?
		     -errno : 0;
	}
	free(ports);
	free(keys);
	return ns;
}

/* Counter of the live rule with this handle, summed over CPUs (zero if none). */
static void old_count(const struct fw_maps *m, const struct fw_state *st,
		      uint32_t handle, struct fw_count *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (!handle)
		return;
	for (uint32_t i = 0; i < st->nrules && i < FW_MAX_RULES; i++) {
		struct fw_rule r;

		if (bpf_map_lookup_elem(m->desc[st->gen & 1], &i, &r) || r.handle != handle)
			continue;
		fw_rule_hits(m, (int)i, sum);
		return;
	}
}

static int fill_rules(const struct fw_maps *m, const struct fw_state *st, int g,
		      const struct fw_rule *r, int n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fw_count *per = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*per));
	int err = per ? 0 : -ENOMEM;

	for (int i = 0; i < n && !err; i++) {
		uint32_t k = (uint32_t)i, a = r[i].action, hk = (uint32_t)g * FW_MAX_RULES + k;

		old_count(m, st, r[i].handle, &per[0]); /* all on CPU 0, others 0 */
		if (bpf_map_update_elem(m->rules[g], &k, &a, BPF_ANY) ||
		    bpf_map_update_elem(m->desc[g], &k, &r[i], BPF_ANY) ||
		    bpf_map_update_elem(m->hits, &hk, per, BPF_ANY))
			err = -errno;
	}
	free(per);
	return err;
}

int fw_replace(const struct fw_maps *m, const struct fw_rule *rules, int n)
{
	struct fw_state st = { 0, 0 };
	uint32_t zero = 0;
	int g, err;

	if (n < 0 || n > FW_MAX_RULES) {
		log_err("firewall: %d rules; at most %d", n, FW_MAX_RULES);
		return -E2BIG;
	}
	if (bpf_map_lookup_elem(m->state, &zero, &st))
		return -errno;
	g = !(st.gen & 1);
	err = fill_lpm(m->src[g], rules, n, FW_F_SRC) ?:
	      fill_lpm(m->dst[g], rules, n, FW_F_DST) ?:
	      fill_proto(m->proto[g], rules, n) ?:
	      fill_ports(m->ports[g], m->cls[g], rules, n) ?:
	      fill_rules(m, &st, g, rules, n);
	if (err) {
		log_err("firewall: writing the new rule set failed: %s; "
			"the old set stays in force", strerror(-err));
		return err;
	}
	st.gen = (uint32_t)g;
	st.nrules = (uint32_t)n;
	return bpf_map_update_elem(m->state, &zero, &st, BPF_ANY) ? -errno : 0;
}

int fw_rule_hits(const struct fw_maps *m, int i, struct fw_count *c)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fw_count *v;
	struct fw_state st;
	uint32_t zero = 0, k;

	memset(c, 0, sizeof(*c));
	if (ncpu <= 0 || i < 0 || i >= FW_MAX_RULES)
		return -EINVAL;
	if (bpf_map_lookup_elem(m->state, &zero, &st))
		return -errno;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	k = (st.gen & 1) * FW_MAX_RULES + (uint32_t)i;
	if (!bpf_map_lookup_elem(m->hits, &k, v))
		for (int cpu = 0; cpu < ncpu; cpu++) {
			c->packets += v[cpu].packets;
			c->bytes += v[cpu].bytes;
		}
	free(v);
	return 0;
}

int fw_active(const struct fw_maps *m, struct fw_rule *rules, int max)
{
	struct fw_state st;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(m->state, &zero, &st))
		return -errno;
	for (uint32_t i = 0; i < st.nrules && i < FW_MAX_RULES; i++) {
		if ((int)i >= max)
			return -ENOSPC;
		if (bpf_map_lookup_elem(m->desc[st.gen & 1], &i, &rules[i]))
			return -errno;
	}
	return (int)(st.nrules < FW_MAX_RULES ? st.nrules : FW_MAX_RULES);
}
