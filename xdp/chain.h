/* SPDX-License-Identifier: MIT */
/*
 * The module chain of one interface, from user space: the daemon creates
 * it (xchain_create: entry program + maps, pinned under the interface's pin
 * directory), tools open the pins (xchain_open). All changes of the order
 * are single writes into xtoe_next made under an flock on the pin
 * directory, in an order that never lets a frame in flight reach an empty
 * slot (docs/modules.md, "Atomic changes").
 *
 * Errors: 0 / -errno, with a message on stderr that names the object.
 */
#ifndef XTOE_LOADER_CHAIN_H
#define XTOE_LOADER_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <xtoe/module.h>

struct bpf_object;
struct xchain;

/* Route libbpf's messages through the log helper (common/log.h): shown
 * with -v / XTOE_VERBOSE only. Once per process, before loading anything. */
void xchain_log_setup(void);

/* Daemon: load the entry program, create and pin the chain maps in
 * pin_dir (which must exist). *entry_fd is the program to attach.
 * offload_ifindex: non-zero to load it for hardware offload there.
 * pin_dir NULL: nothing is pinned (tests). */
int xchain_create(struct xchain **out, const char *pin_dir,
		  int offload_ifindex, int *entry_fd);
/* Tool: open the pinned chain of pin_dir. */
int xchain_open(struct xchain **out, const char *pin_dir);
void xchain_close(struct xchain *c);
const char *xchain_dir(const struct xchain *c);

/* Make obj fit the chain; call before load: its chain maps (by name) are
 * the chain's own, its XDP programs take multi-buffer frames (xchain_frags)
 * like every program of the chain. */
int xchain_reuse_maps(const struct xchain *c, struct bpf_object *obj);
/* BPF_F_XDP_HAS_FRAGS on every XDP program of obj (before load). */
void xchain_frags(struct bpf_object *obj);

/* Serialise changes between processes (flock on the pin directory); it
 * nests: a change made of several (xmod_add inside a firewall change)
 * holds it throughout. */
int xchain_lock(struct xchain *c);
void xchain_unlock(struct xchain *c);

enum xchain_where { XCHAIN_DEFAULT, XCHAIN_BEFORE, XCHAIN_AFTER, XCHAIN_FIRST };
struct xchain_pos {
	enum xchain_where where; /* DEFAULT: before the final module */
	const char *ref;         /* module name for BEFORE / AFTER */
};

/* Link prog_fd into the chain as name; returns its slot or -errno. */
int xchain_insert(struct xchain *c, int prog_fd, const char *name,
		  uint32_t flags, const struct xchain_pos *pos);
/* Unlink name; its program stays in its slot until xchain_reap. */
int xchain_unlink(struct xchain *c, const char *name);
/* Put prog_fd in name's slot (one atomic program-array write). */
int xchain_swap(struct xchain *c, const char *name, int prog_fd);
/* Free slots unlinked at least min_age_ns ago. */
void xchain_reap(struct xchain *c, uint64_t min_age_ns);
/* Slot of a linked module, -ENOENT if none. */
int xchain_find(const struct xchain *c, const char *name);

struct xchain_ent {
	uint32_t slot, pos;
	struct xtoe_mod_info info;
	struct xtoe_mstat st; /* summed over CPUs */
};
/* The linked modules in chain order; returns how many (<= max) or -errno. */
int xchain_walk(const struct xchain *c, struct xchain_ent *ents, int max);
/* The name of the module in slot among ents[0..n) ("?" if none). */
const char *xchain_slot_name(const struct xchain_ent *ents, int n, uint32_t slot);
/* A verdict's name: "aborted", "drop", "pass", "tx", "redirect", "next". */
const char *xtoe_verdict_name(uint32_t v);
/* Verdict records on or off (xtoe_ctl); the ring buffer's fd to read them. */
int xchain_trace_verdicts(const struct xchain *c, bool on);
int xchain_vtrace_fd(const struct xchain *c);
/* Counters of slot 0 (the entry). */
int xchain_entry_stats(const struct xchain *c, struct xtoe_mstat *st);
/* Frames the chain dropped, by enum xtoe_drop_reason (drops[0..n)). */
int xchain_drops(const struct xchain *c, uint64_t *drops, int n);

/* Grace period before an unlinked slot's program is released. */
#define XCHAIN_GRACE_NS (10ull * 1000 * 1000)

/* Remove a pin directory tree (two levels: maps and module dirs). */
int xtoe_rm_pins(const char *dir);

#endif /* XTOE_LOADER_CHAIN_H */
