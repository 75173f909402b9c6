/* SPDX-License-Identifier: MIT */
/*
 * The one clock every part reads: CLOCK_MONOTONIC (like bpf_ktime_get_ns()),
 * in the unit the caller needs. The TCP core never calls these: its callers
 * pass the time in. Records keep monotonic times; what a person reads
 * (xtoe-dump, xtoectl trace) is wall-clock time, converted at the tool.
 */
#ifndef XTOE_CLOCK_H
#define XTOE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t now_us(void)
{
	return now_ns() / 1000u;
}

static inline uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

/* What to add to a CLOCK_MONOTONIC time (bpf_ktime_get_ns(), the records
 * of the data-path and control plane) to get CLOCK_REALTIME: tools show
 * wall-clock times, as tcpdump does, and convert with this. */
static inline int64_t clock_real_offset_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * 1000000000 +
	       (r.tv_nsec - m.tv_nsec);
}

#endif /* XTOE_CLOCK_H */
