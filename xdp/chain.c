// SPDX-License-Identifier: MIT
/*
 * The module chain: slots in the program array xtoe_chain, order in
 * xtoe_next, registry in xtoe_mods, counters in xtoe_mstats.
 *
 * Insert: program into a free slot, its next pointer, its registry entry,
 * then one write of the predecessor's next pointer publishes it. Unlink:
 * one write of the predecessor's next pointer; the unlinked slot keeps its
 * program and its next pointer, so a frame already in it carries on down
 * the chain, and is freed only after a grace period (xchain_reap).
 */
#include "chain.h"
#include "common/clock.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "chain.skel.h"

#define NMAPS 7

struct xchain {
	struct chain_bpf *skel; /* owner (daemon) only */
	int chain_fd, next_fd, mstats_fd, mods_fd, ctl_fd, vtrace_fd, drops_fd;
	int lock_fd;
	int lock_depth;         /* xchain_lock nests within one process */
	char dir[PATH_MAX];
};

static const char *const map_names[] = {
	XTOE_MAP_CHAIN, XTOE_MAP_NEXT, XTOE_MAP_MSTATS, XTOE_MAP_MODS,
	XTOE_MAP_CTL, XTOE_MAP_VTRACE, XTOE_MAP_DROPS,
};

static int *map_fd(struct xchain *c, size_t i)
{
	int *fds[] = { &c->chain_fd, &c->next_fd, &c->mstats_fd, &c->mods_fd,
		       &c->ctl_fd, &c->vtrace_fd, &c->drops_fd };

	return fds[i];
}

static struct xchain *xchain_new(const char *dir)
{
	struct xchain *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->chain_fd = c->next_fd = c->mstats_fd = c->mods_fd = c->lock_fd = -1;
	c->ctl_fd = c->vtrace_fd = c->drops_fd = -1;
	snprintf(c->dir, sizeof(c->dir), "%s", dir ? dir : "");
	return c;
}

void xchain_close(struct xchain *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < NMAPS; i++)
		if (*map_fd(c, i) >= 0 && !c->skel)
			close(*map_fd(c, i));
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	chain_bpf__destroy(c->skel);
	free(c);
}

const char *xchain_dir(const struct xchain *c)
{
	return c->dir;
}

static int pin_maps(struct xchain *c)
{
	char path[PATH_MAX + 32];
	size_t i;
	int err;

	for (i = 0; i < NMAPS; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(c->skel->obj, map_names[i]);

		snprintf(path, sizeof(path), "%s/%s", c->dir, map_names[i]);
		err = !m ? -ENOENT : c->dir[0] ? bpf_map__pin(m, path) : 0;
		if (err) {
			log_err("chain: cannot pin map %s at %s: %s",
				map_names[i], path, strerror(-err));
			return err;
		}
		*map_fd(c, i) = bpf_map__fd(m);
	}
	return 0;
}

static int load_entry(struct xchain *c, int offload_ifindex)
{
	int err;

	c->skel = chain_bpf__open();
	if (!c->skel)
		return -errno ?: -EINVAL;
	if (offload_ifindex)
		bpf_program__set_ifindex(c->skel->progs.xtoe_entry,
					 offload_ifindex);
	else
		xchain_frags(c->skel->obj);
	err = chain_bpf__load(c->skel);
	if (err && !offload_ifindex)
		log_err("chain: loading the entry XDP program failed: "
			"%s; it needs root (CAP_BPF); set XTOE_VERBOSE=1 for "
			"the verifier log", strerror(-err));
	return err;
}

int xchain_create(struct xchain **out, const char *pin_dir,
		  int offload_ifindex, int *entry_fd)
{
	struct xchain *c = xchain_new(pin_dir);
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	err = load_entry(c, offload_ifindex);
	if (err) {
		xchain_close(c);
		return err;
	}
	err = pin_maps(c);
	if (err) {
		xchain_close(c);
		return err;
	}
	*entry_fd = bpf_program__fd(c->skel->progs.xtoe_entry);
	*out = c;
	return 0;
}

int xchain_open(struct xchain **out, const char *pin_dir)
{
	struct xchain *c = xchain_new(pin_dir);
	char path[PATH_MAX + 32];
	size_t i;
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		*map_fd(c, i) = bpf_obj_get(path);
		if (*map_fd(c, i) < 0) {
			err = -errno;
			if (err == -EACCES || err == -EPERM)
				log_err("chain: %s: %s: the module chain is root's (CAP_BPF "
					"and CAP_NET_ADMIN); run this as root", pin_dir,
					strerror(-err));
			else
				log_err("chain: no module chain at %s (%s: %s); "
					"is xtoed running on that interface?",
					pin_dir, map_names[i], strerror(-err));
			xchain_close(c);
			return err;
		}
	}
	*out = c;
	return 0;
}

/* Every XDP program of a chain takes multi-buffer frames (a jumbo MTU):
 * the kernel lets only programs that agree on it tail-call each other, and
 * attaches a program without it only while a frame fits a page. */
void xchain_frags(struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
		if (bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			bpf_program__set_flags(p, bpf_program__flags(p) |
					       BPF_F_XDP_HAS_FRAGS);
}

int xchain_reuse_maps(const struct xchain *c, struct bpf_object *obj)
{
	const int fds[] = { c->chain_fd, c->next_fd, c->mstats_fd, c->mods_fd,
			    c->ctl_fd, c->vtrace_fd, c->drops_fd };
	size_t i;
	int err;

	xchain_frags(obj);

	for (i = 0; i < NMAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, map_names[i]);

		if (!m)
			continue;
		err = bpf_map__reuse_fd(m, fds[i]);
		if (err) {
			log_err("chain: %s: cannot use the chain's map "
				"%s: %s", bpf_object__name(obj), map_names[i],
				strerror(-err));
			return err;
		}
	}
	return 0;
}

int xchain_lock(struct xchain *c)
{
	if (c->lock_fd < 0) {
		c->lock_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->lock_fd < 0)
			return -errno;
	}
	if (c->lock_depth == 0 && flock(c->lock_fd, LOCK_EX))
		return -errno;
	c->lock_depth++;
	return 0;
}

void xchain_unlock(struct xchain *c)
{
	if (c->lock_fd >= 0 && c->lock_depth > 0 && --c->lock_depth == 0)
		flock(c->lock_fd, LOCK_UN);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return log_library((int)level, fmt, ap);
}

void xchain_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

static uint32_t next_of(const struct xchain *c, uint32_t slot)
{
	uint32_t v = XTOE_SLOT_END;

	if (bpf_map_lookup_elem(c->next_fd, &slot, &v))
		return XTOE_SLOT_END;
	return v < XTOE_CHAIN_SLOTS ? v : XTOE_SLOT_END;
}

static int set_next(const struct xchain *c, uint32_t slot, uint32_t to)
{
	return bpf_map_update_elem(c->next_fd, &slot, &to, BPF_ANY) ? -errno : 0;
}

static int mod_get(const struct xchain *c, uint32_t slot,
		   struct xtoe_mod_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	return bpf_map_lookup_elem(c->mods_fd, &slot, mi) ? -errno : 0;
}

static int mod_put(const struct xchain *c, uint32_t slot,
		   const struct xtoe_mod_info *mi)
{
	return bpf_map_update_elem(c->mods_fd, &slot, mi, BPF_ANY) ? -errno : 0;
}

/* Linked slots in order into order[]; returns how many. */
static int walk_slots(const struct xchain *c, uint32_t *order, int max)
{
	uint32_t s = next_of(c, XTOE_SLOT_HEAD);
	int n = 0;

	while (s != XTOE_SLOT_END && n < max && n < XTOE_CHAIN_SLOTS) {
		order[n++] = s;
		s = next_of(c, s);
	}
	return n;
}

int xchain_find(const struct xchain *c, const char *name)
{
	uint32_t order[XTOE_CHAIN_SLOTS];
	struct xtoe_mod_info mi;
	int i, n = walk_slots(c, order, XTOE_CHAIN_SLOTS);

	for (i = 0; i < n; i++)
		if (!mod_get(c, order[i], &mi) &&
		    !strncmp(mi.name, name, sizeof(mi.name)))
			return (int)order[i];
	return -ENOENT;
}

/* Slot whose next pointer leads to slot (HEAD for the first). */
static uint32_t pred_of(const struct xchain *c, uint32_t slot)
{
	uint32_t p = XTOE_SLOT_HEAD;
	int i;

	for (i = 0; i < XTOE_CHAIN_SLOTS; i++) {
		uint32_t n = next_of(c, p);

		if (n == slot || n == XTOE_SLOT_END)
			return p;
		p = n;
	}
	return p;
}

static void reset_stats(const struct xchain *c, uint32_t slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xtoe_mstat *z;

	if (ncpu <= 0 || !(z = calloc((size_t)ncpu, sizeof(*z))))
		return;
	bpf_map_update_elem(c->mstats_fd, &slot, z, BPF_ANY);
	free(z);
}

void xchain_reap(struct xchain *c, uint64_t min_age_ns)
{
	uint64_t now = now_ns();
	struct xtoe_mod_info mi;
	uint32_t s;

	for (s = 1; s < XTOE_CHAIN_SLOTS; s++) {
		if (mod_get(c, s, &mi) || mi.state != XTOE_MOD_RETIRED ||
		    now - mi.retired_ns < min_age_ns)
			continue;
		bpf_map_delete_elem(c->chain_fd, &s);
		set_next(c, s, XTOE_SLOT_END);
		memset(&mi, 0, sizeof(mi));
		mod_put(c, s, &mi);
	}
}

static int free_slot(struct xchain *c)
{
	struct xtoe_mod_info mi;
	uint32_t s;

	xchain_reap(c, XCHAIN_GRACE_NS);
	for (s = 1; s < XTOE_CHAIN_SLOTS; s++)
		if (!mod_get(c, s, &mi) && mi.state == XTOE_MOD_FREE)
			return (int)s;
	log_err("chain: %s: all %d slots are in use; remove a module "
		"first", c->dir, XTOE_CHAIN_SLOTS - 1);
	return -ENOSPC;
}

/* The slot the new module goes after. */
static int insert_point(const struct xchain *c, const struct xchain_pos *pos)
{
	uint32_t order[XTOE_CHAIN_SLOTS];
	struct xtoe_mod_info mi;
	int i, n, ref;

	switch (pos->where) {
	case XCHAIN_FIRST:
		return XTOE_SLOT_HEAD;
	case XCHAIN_BEFORE:
	case XCHAIN_AFTER:
		ref = xchain_find(c, pos->ref);
		if (ref < 0) {
			log_err("chain: no module '%s' in the chain of "
				"%s; see `xtoectl module list`", pos->ref,
				c->dir);
			return ref;
		}
		if (pos->where == XCHAIN_AFTER) {
			if (!mod_get(c, (uint32_t)ref, &mi) &&
			    (mi.flags & XTOE_MOD_F_FINAL)) {
				log_err("chain: '%s' is the final "
					"module; nothing runs after it", pos->ref);
				return -EINVAL;
			}
			return ref;
		}
		return (int)pred_of(c, (uint32_t)ref);
	case XCHAIN_DEFAULT:
		break;
	}
	n = walk_slots(c, order, XTOE_CHAIN_SLOTS);
	for (i = 0; i < n; i++)
		if (!mod_get(c, order[i], &mi) && (mi.flags & XTOE_MOD_F_FINAL))
			return i ? (int)order[i - 1] : XTOE_SLOT_HEAD;
	return n ? (int)order[n - 1] : XTOE_SLOT_HEAD;
}

static uint32_t prog_id(int prog_fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

int xchain_insert(struct xchain *c, int prog_fd, const char *name,
		  uint32_t flags, const struct xchain_pos *pos)
{
	struct xtoe_mod_info mi;
	int s, after, err;
	uint32_t slot;

	if (xchain_find(c, name) >= 0) {
		log_err("chain: a module '%s' is already in the chain; "
			"pick another --name or use `module replace`", name);
		return -EEXIST;
	}
	after = insert_point(c, pos);
	if (after < 0)
		return after;
	s = free_slot(c);
	if (s < 0)
		return s;
	slot = (uint32_t)s;
	memset(&mi, 0, sizeof(mi));
	snprintf(mi.name, sizeof(mi.name), "%s", name);
	mi.prog_id = prog_id(prog_fd);
	mi.state = XTOE_MOD_LIVE;
	mi.flags = flags;
	reset_stats(c, slot);
	if (bpf_map_update_elem(c->chain_fd, &slot, &prog_fd, BPF_ANY)) {
		err = -errno;
		log_err("chain: cannot put module '%s' in slot %u: %s",
			name, slot, strerror(-err));
		return err;
	}
	err = set_next(c, slot, next_of(c, (uint32_t)after)) ?:
	      mod_put(c, slot, &mi) ?:
	      set_next(c, (uint32_t)after, slot); /* publishes it */
	if (err) {
		bpf_map_delete_elem(c->chain_fd, &slot);
		log_err("chain: linking module '%s' failed: %s", name,
			strerror(-err));
		return err;
	}
	return s;
}

int xchain_unlink(struct xchain *c, const char *name)
{
	struct xtoe_mod_info mi;
	int s = xchain_find(c, name), err;

	if (s < 0) {
		log_err("chain: no module '%s' in the chain of %s; see "
			"`xtoectl module list`", name, c->dir);
		return s;
	}
	err = mod_get(c, (uint32_t)s, &mi);
	if (err)
		return err;
	if (mi.flags & XTOE_MOD_F_FINAL) {
		log_err("chain: '%s' steers xtoe's flows and cannot be "
			"removed (replace it instead)", name);
		return -EPERM;
	}
	err = set_next(c, pred_of(c, (uint32_t)s), next_of(c, (uint32_t)s));
	if (err)
		return err;
	mi.state = XTOE_MOD_RETIRED;
	mi.retired_ns = now_ns();
	return mod_put(c, (uint32_t)s, &mi);
}

int xchain_swap(struct xchain *c, const char *name, int prog_fd)
{
	struct xtoe_mod_info mi;
	int s = xchain_find(c, name);
	uint32_t slot;

	if (s < 0) {
		log_err("chain: no module '%s' in the chain of %s; see "
			"`xtoectl module list`", name, c->dir);
		return s;
	}
	slot = (uint32_t)s;
	if (bpf_map_update_elem(c->chain_fd, &slot, &prog_fd, BPF_ANY)) {
		int err = -errno;
		log_err("chain: cannot replace module '%s': %s", name,
			strerror(-err));
		return err;
	}
	if (!mod_get(c, slot, &mi)) {
		mi.prog_id = prog_id(prog_fd);
		mod_put(c, slot, &mi);
	}
	return 0;
}

static int sum_stats(const struct xchain *c, uint32_t slot,
		     struct xtoe_mstat *st)
{
	int ncpu = libbpf_num_possible_cpus(), i, k;
	struct xtoe_mstat *v;

	memset(st, 0, sizeof(*st));
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->mstats_fd, &slot, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < ncpu; i++) {
		st->seen += v[i].seen;
		for (k = 0; k < XTOE_V__COUNT; k++)
			st->v[k] += v[i].v[k];
	}
	free(v);
	return 0;
}

int xchain_walk(const struct xchain *c, struct xchain_ent *ents, int max)
{
	uint32_t order[XTOE_CHAIN_SLOTS];
	int i, n = walk_slots(c, order, max < XTOE_CHAIN_SLOTS ? max : XTOE_CHAIN_SLOTS);

	for (i = 0; i < n; i++) {
		ents[i].slot = order[i];
		ents[i].pos = (uint32_t)i;
		mod_get(c, order[i], &ents[i].info);
		sum_stats(c, order[i], &ents[i].st);
	}
	return n;
}

const char *xchain_slot_name(const struct xchain_ent *ents, int n, uint32_t slot)
{
	for (int i = 0; i < n; i++)
		if (ents[i].slot == slot)
			return ents[i].info.name;
	return "?";
}

const char *xtoe_verdict_name(uint32_t v)
{
	static const char *const names[XTOE_V__COUNT] = {
		"aborted", "drop", "pass", "tx", "redirect", "next",
	};

	return v < XTOE_V__COUNT ? names[v] : "?";
}

int xchain_trace_verdicts(const struct xchain *c, bool on)
{
	struct xtoe_chain_ctl ctl = { .trace_verdicts = on };
	uint32_t zero = 0;

	return bpf_map_update_elem(c->ctl_fd, &zero, &ctl, BPF_ANY) ? -errno : 0;
}

int xchain_vtrace_fd(const struct xchain *c)
{
	return c->vtrace_fd;
}

int xchain_entry_stats(const struct xchain *c, struct xtoe_mstat *st)
{
	return sum_stats(c, XTOE_SLOT_HEAD, st);
}

int xchain_drops(const struct xchain *c, uint64_t *drops, int n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	memset(drops, 0, (size_t)n * sizeof(*drops));
	if (ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return -ENOMEM;
	for (uint32_t k = 0; k < (uint32_t)n && k < XTOE_DROP__COUNT; k++)
		if (!bpf_map_lookup_elem(c->drops_fd, &k, v))
			for (int i = 0; i < ncpu; i++)
				drops[k] += v[i];
	free(v);
	return 0;
}

/* Remove dir's entries, one level of subdirectories deep, then dir. */
static int rm_tree(const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR && depth > 0)
			err = rm_tree(path, depth - 1) ?: err;
		else if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		err = -errno;
	return err;
}

int xtoe_rm_pins(const char *dir)
{
	return rm_tree(dir, 1);
}
