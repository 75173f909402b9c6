/* SPDX-License-Identifier: MIT */
/*
 * A capture session on a running xtoed (xtoe-dump; common/cap.h). The
 * daemon owns it: it links a capture module into the interface's chain for
 * the frames received, attaches the module's tc egress program for the
 * frames the kernel sends, and hands over a ring of the frames its
 * data-path sends; all of it goes when the session's connection closes,
 * however the tool ends. Several sessions run at once. Frames from the
 * three sources come out in time order, received ones with the chain's
 * verdict when the session holds the verdict trace.
 * Errors: 0 / -errno with a message naming the object.
 */
#ifndef XTOE_LOADER_DUMP_H
#define XTOE_LOADER_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapw.h"

struct dump_opts {
	const char *ifname;
	const char *sock;       /* daemon socket */
	uint32_t snaplen;
	bool rx, tx;            /* -Q in / out */
	bool after_chain;       /* trace after the chain's modules (before
				   steer) rather than first */
	bool verdicts;          /* ask for the chain's verdicts */
};

struct dump_counts {
	uint64_t rx, tx;              /* records read */
	uint64_t rx_lost, tx_lost;    /* records the rings had no room for */
};

struct dump;
typedef int (*dump_cb)(const struct dump_pkt *p, void *arg); /* !0 stops */

int dump_open(struct dump **out, const struct dump_opts *o);
/* Wait up to timeout_ms, hand what arrived to cb in time order. Returns
 * the number of frames, or the callback's non-zero value, or -errno. */
int dump_poll(struct dump *d, int timeout_ms, dump_cb cb, void *arg);
/* Hand over what is still held (frames waiting for their verdict). */
int dump_flush(struct dump *d, dump_cb cb, void *arg);
/* The daemon ended the session (it stopped): true. */
bool dump_daemon_gone(const struct dump *d);
/* End the session and wait (briefly) for the daemon to have removed
 * what it added. */
void dump_close(struct dump *d, struct dump_counts *c);

#endif /* XTOE_LOADER_DUMP_H */
