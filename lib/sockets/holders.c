/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: connections held by several processes of a fork family.
 *
 * Linux closes a connection when the last process holding it closes it or
 * exits. Here every slot records the pids holding it (in the context's
 * fork-shared area). A process closing a connection removes itself and
 * drops dead holders; the last live one sends the close. If live holders
 * remain, it keeps the slot on a deferred list and looks again now and then:
 * a holder that ended without closing (_exit, exec, a signal) is noticed
 * there and the connection closed for it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xs.h"

#define DEFERRED_SCAN_MS 100

struct xs_shared *xs_shared_new(uint32_t slots)
{
	size_t len = sizeof(struct xs_shared) + (size_t)slots * XS_HOLDERS * sizeof(int32_t);
	struct xs_shared *sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;

	if (sh == MAP_FAILED)
		return NULL; /* connections then do not survive a fork */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->m, &a);
	pthread_mutexattr_destroy(&a);
	sh->nslots = slots;
	return sh;
}

/* A connection made in this process: the only holder. */
void xs_holders_own(struct xs_shared *sh, uint32_t slot)
{
	if (!sh || slot >= sh->nslots)
		return;
	memset(sh->holders[slot], 0, sizeof(sh->holders[slot]));
	sh->holders[slot][0] = getpid();
}

static void holders_put(struct xs_shared *sh, uint32_t slot, int32_t who)
{
	for (int i = 0; i < XS_HOLDERS; i++) {
		if (!sh->holders[slot][i]) {
			sh->holders[slot][i] = who;
			return;
		}
	}
	/* full: the slot stays open until one of the holders closes it */
}

/* Before fork: a child of ours (-pid: not born yet) holds the slot, so
 * that closing it in the parent right after the fork cannot close it. */
void xs_holders_fork(struct xs_shared *sh, uint32_t slot)
{
	if (sh && slot < sh->nslots)
		holders_put(sh, slot, -(int32_t)getpid());
}

/* In the child: take the place its parent reserved. */
void xs_holders_add(struct xs_shared *sh, uint32_t slot)
{
	int32_t mark = -(int32_t)getppid();

	if (!sh || slot >= sh->nslots)
		return;
	for (int i = 0; i < XS_HOLDERS; i++) {
		if (sh->holders[slot][i] == mark) {
			sh->holders[slot][i] = getpid();
			return;
		}
	}
	holders_put(sh, slot, getpid());
}

/* A holder's process lives (a negative entry: a child being forked by -pid). */
static bool alive(pid_t pid)
{
	if (pid < 0)
		pid = -pid;
	return kill(pid, 0) == 0 || errno != ESRCH;
}

/* Drop dead holders; true while a live one remains. */
static bool live_holders(struct xs_shared *sh, uint32_t slot)
{
	bool any = false;

	for (int i = 0; i < XS_HOLDERS; i++) {
		int32_t pid = sh->holders[slot][i];

		if (pid && !alive(pid))
			sh->holders[slot][i] = 0;
		any |= sh->holders[slot][i] != 0;
	}
	return any;
}

/* This process lets go of slot: true when other live processes hold it. */
bool xs_holders_release(struct xs_shared *sh, uint32_t slot)
{
	pid_t me = getpid();

	if (!sh || slot >= sh->nslots)
		return false;
	for (int i = 0; i < XS_HOLDERS; i++)
		if (sh->holders[slot][i] == me)
			sh->holders[slot][i] = 0;
	return live_holders(sh, slot);
}

void xs_defer_close(struct xtoe_conn *c, struct xs_shared *sh, bool abort)
{
	struct xs_deferred *d;

	if (xs.ndeferred == xs.deferred_cap) {
		int cap = xs.deferred_cap ? xs.deferred_cap * 2 : 16;

		d = realloc(xs.deferred, cap * sizeof(*d));
		if (!d)
			return; /* the others close it, or the daemon at our exit */
		xs.deferred = d;
		xs.deferred_cap = cap;
	}
	xs.deferred[xs.ndeferred++] = (struct xs_deferred){
		.ctx = c->ctx, .sh = sh, .slot = c->slot, .gen = c->gen, .abort = abort,
	};
}

/* Close deferred connections whose other holders are gone. Locked;
 * rate-limited, called from xs_pump. */
void xs_deferred_scan(void)
{
	int64_t now;

	if (!xs.ndeferred)
		return;
	now = xs_now_ms();
	if (now - xs.deferred_scan_ms < DEFERRED_SCAN_MS)
		return;
	xs.deferred_scan_ms = now;
	for (int i = 0; i < xs.ndeferred; i++) {
		struct xs_deferred *d = &xs.deferred[i];

		if (live_holders(d->sh, d->slot))
			continue;
		xlib_bump(d->ctx, d->abort ? XTOE_BUMP_ABORT : XTOE_BUMP_CLOSE,
			  d->slot, d->gen);
		xs.deferred[i--] = xs.deferred[--xs.ndeferred];
	}
}

/* A context this process stops using: its deferred entries go with it. */
void xs_deferred_forget_ctx(struct xtoe_ctx *ctx)
{
	for (int i = 0; i < xs.ndeferred; i++)
		if (xs.deferred[i].ctx == ctx)
			xs.deferred[i--] = xs.deferred[--xs.ndeferred];
}
