/* SPDX-License-Identifier: MIT */
/*
 * Capture of the frames the data-path transmits (xtoe-dump), shared between
 * the daemon and the tool through a memfd the daemon hands over with
 * XTOE_OP_CAPTURE (common/proto.h):
 *
 *   [struct xtoe_cap_shm][spsc ring of XTOE_CAP_ENTRIES struct xtoe_cap_rec]
 *
 * The data-path is the only producer: it reads `on` (the daemon's switch)
 * once per round and copies the first `snaplen` bytes of every frame it
 * queues for transmission. It never waits: when the ring is full the record
 * is counted in `drops` and lost. The tool is the only consumer. The
 * capture ends when the tool's connection to the daemon closes; the
 * daemon formats the ring for the next capture only once the data-path has
 * said it stopped writing (daemon/dp/dp_cap.c), so a capture never holds
 * another's records.
 */
#ifndef XTOE_CAP_H
#define XTOE_CAP_H

#include <stdatomic.h>
#include <stdint.h>

#include "spsc.h"

#define XTOE_CAP_SNAP_MAX 256
#define XTOE_CAP_ENTRIES  4096 /* power of two */

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
