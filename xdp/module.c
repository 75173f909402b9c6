// SPDX-License-Identifier: MIT
/* Load modules into an interface's chain: add, replace, remove. */
#include "module.h"
#include "common/log.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#define LOG_SIZE (1u << 22)

struct xmod {
	struct bpf_object *obj;
	struct bpf_program *prog;
	char name[XTOE_MOD_NAME_MAX];
	char *log;
	bool rejected; /* by the verifier (else: maps, files, ...) */
};

int xmod_parse_mode(const char *s, enum xmod_mode *mode)
{
	if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = XMOD_MODE_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = XMOD_MODE_SKB;
	else if (!strcmp(s, "hw") || !strcmp(s, "offload"))
		*mode = XMOD_MODE_HW;
	else
		return -EINVAL;
	return 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

static int check_name(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++)
		if (!(name[i] == '_' || name[i] == '-' ||
		      (name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			break;
	if (n && n < XTOE_MOD_NAME_MAX && i == n)
		return 0;
	log_err("bad module name '%s': use up to %d letters, "
		"digits, '_' or '-'", name, XTOE_MOD_NAME_MAX - 1);
	return -EINVAL;
}

static bool is_chain_map(const char *name)
{
	return !strcmp(name, XTOE_MAP_CHAIN) || !strcmp(name, XTOE_MAP_NEXT) ||
	       !strcmp(name, XTOE_MAP_MSTATS) || !strcmp(name, XTOE_MAP_MODS) ||
	       !strcmp(name, XTOE_MAP_CTL) || !strcmp(name, XTOE_MAP_VTRACE) ||
	       !strcmp(name, XTOE_MAP_DROPS);
}

static void mod_dir(const struct xchain *c, const char *name, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s", xchain_dir(c), name);
}

/* The module's own maps are pinned (or reused) at DIR/SUB/MAP. */
static int set_pins(const struct xchain *c, struct xmod *m, const char *sub)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	struct bpf_map *map;
	int err;

	mod_dir(c, sub, dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("module %s: cannot create %s: %s",
			m->name, dir, strerror(-err));
		return err;
	}
	bpf_object__for_each_map(map, m->obj) {
		const char *mn = bpf_map__name(map);

		if (is_chain_map(mn) || strchr(mn, '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, mn);
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

static void unpin_module(const struct xchain *c, const char *name)
{
	char dir[PATH_MAX];

	mod_dir(c, name, dir, sizeof(dir));
	xtoe_rm_pins(dir);
}

/* Compile (for C sources) into a temporary object; *obj_path is what to open. */
static int object_for(const char *file, char *tmp, size_t len, bool verbose,
		      const char **obj_path)
{
	int fd, err;

	*obj_path = file;
	tmp[0] = 0;
	if (!ends_with(file, ".c"))
		return 0;
	snprintf(tmp, len, "/tmp/xtoectl-XXXXXX.o");
	fd = mkstemps(tmp, 2);
	if (fd < 0)
		return -errno;
	close(fd);
	err = xmod_compile(file, tmp, verbose);
	if (err) {
		unlink(tmp);
		tmp[0] = 0;
		return err;
	}
	*obj_path = tmp;
	return 0;
}

/* The first XDP program of the object is the module; the rest stay unloaded. */
static int pick_prog(struct xmod *m, const char *file)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, m->obj) {
		if (!m->prog && bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			m->prog = p;
		else
			bpf_program__set_autoload(p, false);
	}
	if (m->prog)
		return 0;
	log_err("%s has no XDP program; a module is written "
		"with XTOE_MODULE(name) from <xtoe/module.h>", file);
	return -ENOENT;
}

/* The verifier's last words and the source line it stopped at. */
static void report_verifier(const struct xmod *m, int err, bool verbose)
{
	const char *log = m->log, *src = NULL, *p, *last = NULL, *prev = NULL;

	if (verbose && log[0])
		fprintf(stderr, "%s\n", log);
	for (p = log; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (p[0] == ';')
			src = p;
		if (*p != '\n' && strncmp(p, "processed ", 10) &&
		    strncmp(p, "verification time", 17)) {
			prev = last;
			last = p;
		}
	}
	log_err("module %s: the verifier rejected it (%s)",
		m->name, strerror(-err));
	if (prev && prev != src)
		log_err("  %.*s", (int)strcspn(prev, "\n"), prev);
	if (last)
		log_err("  %.*s", (int)strcspn(last, "\n"), last);
	if (src)
		log_err("  at source line: %.*s", (int)strcspn(src + 1, "\n"), src + 1);
	if (!verbose)
		log_notice("  (-v shows the whole verifier log)");
}

static int check_mode(const struct xmod_opts *o)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex;

	if (o->mode == XMOD_MODE_ANY || o->mode == XMOD_MODE_HW || !o->ifname)
		return 0;
	ifindex = (int)if_nametoindex(o->ifname);
	if (!ifindex || bpf_xdp_query(ifindex, 0, &q))
		return 0; /* other namespace: nothing to check against */
	if ((o->mode == XMOD_MODE_NATIVE && q.attach_mode == XDP_ATTACHED_DRV) ||
	    (o->mode == XMOD_MODE_SKB && q.attach_mode == XDP_ATTACHED_SKB))
		return 0;
	log_err("the chain on %s is attached in %s mode; "
		"modules run in the chain's mode (xtoed --xdp-mode)", o->ifname,
		q.attach_mode == XDP_ATTACHED_SKB ? "skb" : "native");
	return -EINVAL;
}

static int hw_offload(struct xmod *m, const struct xmod_opts *o)
{
	int ifindex = o->ifname ? (int)if_nametoindex(o->ifname) : 0;

	if (ifindex)
		bpf_program__set_ifindex(m->prog, ifindex);
	return ifindex ? 0 : -ENODEV;
}

static void hw_refused(const struct xmod_opts *o, int err)
{
	log_err("%s refuses XDP hardware offload (%s): only "
		"Netronome/Corigine nfp NICs offload XDP programs, and an "
		"offloaded chain cannot tail-call; use --mode native or skb",
		o->ifname ? o->ifname : "the interface", strerror(-err));
}

static void xmod_free(struct xmod *m)
{
	bpf_object__close(m->obj);
	free(m->log);
	memset(m, 0, sizeof(*m));
}

static int open_obj(struct xmod *m, const char *path, const char *file,
		    const char *name)
{
	int err;

	m->obj = bpf_object__open_file(path, NULL);
	if (!m->obj) {
		err = -errno;
		log_err("cannot open %s as a BPF object: %s",
			file, strerror(-err));
		return err;
	}
	err = pick_prog(m, file);
	if (err)
		return err;
	snprintf(m->name, sizeof(m->name), "%s",
		 name ? name : bpf_program__name(m->prog));
	return check_name(name ? name : bpf_program__name(m->prog));
}

/* Offset of the 4-byte variable var in the object's .rodata, or -errno. */
static long rodata_off(struct bpf_object *obj, const char *var)
{
	const struct btf *btf = bpf_object__btf(obj);
	int id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -ENOENT;
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;

	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, (__u32)id);
	vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), var))
			return vs->size == 4 ? (long)vs->offset : -EINVAL;
	}
	return -ENOENT;
}

/* One "VAR=N" into the .rodata image ro (size bytes). */
static int set_const(struct bpf_object *obj, const char *spec, uint8_t *ro, size_t size)
{
	char var[64];
	uint32_t val;
	long off;

	if (sscanf(spec, "%63[^=]=%u", var, &val) != 2)
		return -EINVAL;
	off = rodata_off(obj, var);
	if (off < 0 || (size_t)off + 4 > size) {
		log_err("module %s has no 4-byte load-time knob "
			"'%s'", bpf_object__name(obj), var);
		return off < 0 ? (int)off : -EINVAL;
	}
	memcpy(ro + off, &val, 4);
	return 0;
}

int xmod_set_knobs(struct bpf_object *obj, const char *const *set)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const void *cur;
	uint8_t *ro;
	size_t size = 0;
	int err = 0;

	if (!set || !set[0])
		return 0;
	cur = map ? bpf_map__initial_value(map, &size) : NULL;
	if (!cur || !(ro = malloc(size)))
		return cur ? -ENOMEM : -ENOENT;
	memcpy(ro, cur, size);
	for (const char *const *s = set; *s && !err; s++)
		err = set_const(obj, *s, ro, size);
	if (!err)
		err = bpf_map__set_initial_value(map, ro, size);
	free(ro);
	return err;
}

/* o->set: knobs written into .rodata before the load. */
static int set_consts(struct xmod *m, const struct xmod_opts *o)
{
	return xmod_set_knobs(m->obj, o->set);
}

static void report_load(const struct xmod *m, int err, bool verbose)
{
	if (m->rejected) {
		report_verifier(m, err, verbose);
		return;
	}
	log_err("module %s: loading failed: %s; its maps could "
		"not be created or reused (-v shows libbpf's messages)", m->name,
		strerror(-err));
}

/* Load the object at path (from file: messages name it) as module `name`,
 * its maps pinned (or reused) under pin_sub. */
static int xmod_load(struct xchain *c, struct xmod *m, const char *path,
		     const char *file, const char *name, const struct xmod_opts *o,
		     const char *pin_sub, bool quiet_maps)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = check_mode(o) ?: open_obj(m, path, file, name);
	if (!err)
		err = set_consts(m, o);
	if (!err && o->mode == XMOD_MODE_HW)
		err = hw_offload(m, o);
	if (!err)
		err = xchain_reuse_maps(c, m->obj) ?:
		      set_pins(c, m, pin_sub ? pin_sub : m->name);
	if (!err && o->mode == XMOD_MODE_HW) /* a NIC's chain of its own */
		bpf_program__set_flags(m->prog, bpf_program__flags(m->prog) &
				       ~BPF_F_XDP_HAS_FRAGS);
	if (!err && !(m->log = calloc(1, LOG_SIZE)))
		err = -ENOMEM;
	if (!err)
		err = bpf_program__set_log_buf(m->prog, m->log, LOG_SIZE);
	if (!err) {
		err = bpf_object__load(m->obj);
		m->rejected = err && m->log[0];
		if (err && o->mode == XMOD_MODE_HW)
			hw_refused(o, err);
		else if (err && (m->rejected || !quiet_maps))
			report_load(m, err, o->verbose);
	}
	return err;
}

/* A bare name (no '/' or '.') is a built-in module: NAME.bpf.o in
 * $XTOE_BPF_DIR, else next to the executable: ../bpf/ in a build tree
 * (build/bin/xtoectl -> build/bpf/), ../lib/xtoe/bpf/ as installed. */
static bool builtin_object(const char *name, char *buf, size_t len)
{
	static const char *const rel[] = { "../bpf", "../lib/xtoe/bpf" };
	const char *env = getenv("XTOE_BPF_DIR");
	char exe[PATH_MAX], *dir;
	ssize_t n;

	if (strchr(name, '/') || strchr(name, '.'))
		return false;
	if (env && *env) {
		snprintf(buf, len, "%s/%s.bpf.o", env, name);
		return access(buf, R_OK) == 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = 0;
	dir = dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(buf, len, "%s/%s/%s.bpf.o", dir, rel[i], name);
		if (!access(buf, R_OK))
			return true;
	}
	return false;
}

int xmod_builtin_path(const char *name, char *buf, size_t len)
{
	return builtin_object(name, buf, len) ? 0 : -ENOENT;
}

/* Why a protected module cannot go by hand, and what to do instead. */
static void refuse_protected(const char *name)
{
	if (!strcmp(name, "firewall"))
		log_err("module firewall holds the interface's firewall rules and "
			"is managed by `xtoectl fw`: `xtoectl fw flush` removes the "
			"rules and, with the last one, the module");
	else if (!strcmp(name, "steer") || !strcmp(name, "vlan_strip"))
		log_err("module %s is the daemon's own: the data-path depends on "
			"it (%s); it leaves the chain when xtoed stops", name,
			strcmp(name, "steer") ? "it hands over frames without their "
			"802.1Q tag" : "it delivers xtoe's flows to the AF_XDP socket");
	else
		log_err("module %s is protected: the part of xtoe that added it "
			"removes it", name);
}

static bool is_protected(const struct xchain *c, const char *name)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	int n = xchain_walk(c, e, XTOE_CHAIN_SLOTS);

	for (int i = 0; i < n; i++)
		if (!strcmp(e[i].info.name, name))
			return e[i].info.flags & (XTOE_MOD_F_PROTECTED | XTOE_MOD_F_FINAL);
	return false;
}

int xmod_add(struct xchain *c, const char *file, const struct xchain_pos *pos,
	     const struct xmod_opts *o, char *name_out)
{
	char builtin[PATH_MAX + 32], tmp[64];
	uint32_t flags = 0;
	const char *path;
	struct xmod m;
	int err, slot;

	memset(&m, 0, sizeof(m));
	if (builtin_object(file, builtin, sizeof(builtin))) {
		file = builtin;
		flags = XTOE_MOD_F_BUILTIN;
	}
	flags |= o->flags;
	/* compile before taking the lock: others wait only for the load */
	err = object_for(file, tmp, sizeof(tmp), o->verbose, &path);
	if (err)
		return err;
	err = xchain_lock(c);
	if (err)
		goto out_tmp;
	if (o->name && xchain_find(c, o->name) >= 0) {
		log_err("a module '%s' is already in the chain; "
			"use `module replace` or another --name", o->name);
		err = -EEXIST;
		goto out;
	}
	err = xmod_load(c, &m, path, file, o->name, o, NULL, false);
	if (!err) {
		slot = xchain_insert(c, bpf_program__fd(m.prog), m.name, flags, pos);
		err = slot < 0 ? slot : 0;
	}
	if (err && m.name[0] && xchain_find(c, m.name) < 0)
		unpin_module(c, m.name);
	if (!err && name_out)
		snprintf(name_out, XTOE_MOD_NAME_MAX, "%s", m.name);
	xmod_free(&m);
out:
	xchain_unlock(c);
out_tmp:
	if (tmp[0])
		unlink(tmp);
	return err;
}

/* The new object's maps do not fit the pinned ones (another definition):
 * load it with new maps pinned aside, swap, then put its pins in place of
 * the old ones. The old module's state is dropped. */
static int replace_fresh_maps(struct xchain *c, const char *name, const char *path,
			      const char *file, const struct xmod_opts *o)
{
	char fresh[XTOE_MOD_NAME_MAX + 8], old_dir[PATH_MAX], new_dir[PATH_MAX];
	struct xmod m;
	int err;

	snprintf(fresh, sizeof(fresh), "%s~new", name); /* bpffs refuses dots */
	mod_dir(c, fresh, new_dir, sizeof(new_dir));
	mod_dir(c, name, old_dir, sizeof(old_dir));
	xtoe_rm_pins(new_dir);
	err = xmod_load(c, &m, path, file, name, o, fresh, false);
	if (!err)
		err = xchain_swap(c, name, bpf_program__fd(m.prog));
	if (!err) {
		xtoe_rm_pins(old_dir);
		if (rename(new_dir, old_dir))
			err = -errno;
	} else {
		xtoe_rm_pins(new_dir);
	}
	xmod_free(&m);
	return err;
}

int xmod_replace(struct xchain *c, const char *name, const char *file,
		 const struct xmod_opts *o)
{
	char tmp[64];
	const char *path;
	struct xmod m;
	int err;

	err = object_for(file, tmp, sizeof(tmp), o->verbose, &path);
	if (err)
		return err;
	err = xchain_lock(c);
	if (err)
		goto out_tmp;
	if (xchain_find(c, name) < 0) {
		log_err("no module '%s' in the chain of %s; see "
			"`xtoectl module list`", name, xchain_dir(c));
		err = -ENOENT;
		goto out;
	}
	if (is_protected(c, name)) {
		refuse_protected(name);
		err = -EPERM;
		goto out;
	}
	err = xmod_load(c, &m, path, file, name, o, name, true);
	if (err && !m.rejected && o->mode != XMOD_MODE_HW) {
		xmod_free(&m);
		err = replace_fresh_maps(c, name, path, file, o);
		goto out;
	}
	if (!err)
		err = xchain_swap(c, name, bpf_program__fd(m.prog));
	xmod_free(&m);
out:
	xchain_unlock(c);
out_tmp:
	if (tmp[0])
		unlink(tmp);
	return err;
}

static int remove_module(struct xchain *c, const char *name, bool force)
{
	struct timespec grace = { 0, (long)XCHAIN_GRACE_NS };
	int err = xchain_lock(c);

	if (err)
		return err;
	if (!force && is_protected(c, name)) {
		refuse_protected(name);
		err = -EPERM;
		goto out;
	}
	err = xchain_unlink(c, name);
	if (!err) {
		nanosleep(&grace, NULL);
		xchain_reap(c, XCHAIN_GRACE_NS);
		unpin_module(c, name);
	}
out:
	xchain_unlock(c);
	return err;
}

int xmod_del(struct xchain *c, const char *name)
{
	return remove_module(c, name, false);
}

int xmod_del_owned(struct xchain *c, const char *name)
{
	return remove_module(c, name, true);
}
