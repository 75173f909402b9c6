/* SPDX-License-Identifier: MIT */
/*
 * A capture session on a running xtoed (xtoe-dump): frames received, from
 * a trace module linked into the interface's chain for the session's
 * length, and frames the data-path transmits, from the daemon's capture
 * ring (common/cap.h, XTOE_OP_CAPTURE). dump_close() unlinks the module and
 * ends the daemon's capture (closing the connection ends it too, however
 * the tool exits). Errors: 0 / -errno with a message naming the object.
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
	bool rx, tx;
	bool after_chain;       /* trace after the chain's modules (before
				   steer) rather than first */
	bool verbose;
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
void dump_close(struct dump *d, struct dump_counts *c);

#endif /* XTOE_LOADER_DUMP_H */
