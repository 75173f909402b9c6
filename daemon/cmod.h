/* SPDX-License-Identifier: MIT */
/*
 * C modules (include/xtoe/cmodule.h) in the daemon: load at start or, from
 * the control plane, while the threads run; call their hooks from the
 * stages; unload at exit. The set only grows while the threads run: a new
 * module is written into v[n] and then published by a release store of n,
 * so the hooks read it without locks.
 */
#ifndef XTOE_CMOD_H
#define XTOE_CMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xtoe/cmodule.h>

#define CMOD_MAX 8

struct tcp_seg;
struct tcp_endpoints;

struct cmod {
	const struct xtoe_cmodule *m;
	void *state;
	void *dl;
};

struct cmods {
	_Atomic int n;
	_Atomic bool any_rx, any_tx, any_conn;
	_Atomic uint32_t seg_busy; /* spin lock (common/spinlock.h): segment
				      hooks run one at a time, as on one
				      data-path thread */
	struct cmod v[CMOD_MAX];
};

/* spec: FILE.so or FILE.so:ARGS. -errno with a message naming the file
 * (on stderr, and in err_msg when not NULL). One loader thread at a time. */
int cmods_load(struct cmods *cs, const char *spec, char *err_msg, size_t len);
void cmods_unload(struct cmods *cs);

/* Hooks (no-ops without modules). */
void cmods_rx(const struct cmods *cs, const struct tcp_seg *s,
	      const uint8_t *frame, uint32_t len);
void cmods_tx(const struct cmods *cs, const uint8_t *frame, uint32_t len);
void cmods_conn(const struct cmods *cs, enum xtoe_cm_event ev,
		const struct tcp_endpoints *ep);

#endif /* XTOE_CMOD_H */
