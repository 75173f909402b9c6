/* SPDX-License-Identifier: MIT */
/*
 * The one clock every part reads: CLOCK_MONOTONIC (like bpf_ktime_get_ns()),
 * in the unit the caller needs. The TCP core never calls these: its callers
 * pass the time in.
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

#endif /* XTOE_CLOCK_H */
