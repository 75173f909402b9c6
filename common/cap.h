/* SPDX-License-Identifier: MIT */
/*
 * A capture session of xtoe-dump (XTOE_OP_CAPTURE, common/proto.h). The
 * daemon owns everything a session adds, and removes it when the tool's
 * connection closes, however the tool ends:
 *
 *   - frames the data-path transmits: a memfd the daemon hands over,
 *       [struct xtoe_cap_shm][spsc ring of XTOE_CAP_ENTRIES xtoe_cap_rec]
 *     The data-path is the only producer: it reads the daemon's switch once
 *     per round and copies the first `snaplen` bytes of every frame it
 *     queues for transmission; it never waits (a full ring counts a drop).
 *   - frames received: a capture module (bpf/capture.bpf.c) linked into the
 *     chain under the name the response carries, its ring buffer pinned
 *     at PIN_DIR/NAME/capture_ring;
 *   - frames the kernel sends on the interface (ARP and ICMP replies, its
 *     own TCP): the capture object's tc egress program, attached by the
 *     daemon through a tcx link, writing into the same ring buffer;
 *   - the chain's verdicts (xtoe_vtrace), to one session at a time.
 *
 * Up to XTOE_CAP_MAX sessions run at once, each with its own rings.
 */
#ifndef XTOE_CAP_H
#define XTOE_CAP_H

#include <stdatomic.h>
#include <stdint.h>

#include "spsc.h"

#define XTOE_CAP_SNAP_MAX 2048 /* the daemon's largest frame (XTOE_FRAME_MAX) */
#define XTOE_CAP_ENTRIES  4096 /* power of two */
#define XTOE_CAP_MAX      4    /* sessions at once */

/* XTOE_OP_CAPTURE's b: what to capture (0: RX | TX | KTX) */
#define XTOE_CAP_F_RX       0x1u /* received frames (capture module) */
#define XTOE_CAP_F_TX       0x2u /* frames the data-path sends */
#define XTOE_CAP_F_KTX      0x4u /* frames the kernel sends (tc egress) */
#define XTOE_CAP_F_AFTER    0x8u /* RX after the chain's modules, not first */
#define XTOE_CAP_F_VERDICTS 0x10u /* the chain's verdicts, if free */

struct xtoe_cap_rec {
	uint64_t ts_ns;   /* CLOCK_MONOTONIC, like bpf_ktime_get_ns() */
	uint32_t len;     /* frame length on the wire */
	uint32_t caplen;  /* bytes in data[] */
	uint8_t data[XTOE_CAP_SNAP_MAX];
};

struct xtoe_cap_shm {
	_Atomic uint64_t drops;   /* records lost: ring full */
	_Atomic uint64_t records; /* records written */
	uint32_t snaplen;         /* set by the daemon at the start */
	uint32_t entries, esize;
	uint8_t _pad[36];
	struct spsc_shared ring;  /* last: entries follow */
};

static inline uint64_t xtoe_cap_bytes(void)
{
	return sizeof(struct xtoe_cap_shm) +
	       (uint64_t)XTOE_CAP_ENTRIES * sizeof(struct xtoe_cap_rec);
}

#endif /* XTOE_CAP_H */
