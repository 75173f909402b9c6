// SPDX-License-Identifier: MIT
/*
 * Time per MiB of putting a segment's payload into a frame with its
 * checksum: memcpy then csum_add (two passes over the bytes) against
 * csum_copy (one), payloads taken from a 256 KiB ring (an application's
 * send ring) into a frame, for a 1500 and a 9000 MTU. 512 MiB a case,
 * three times each, alternating; prints `name value unit` (the fastest of
 * the three).
 *
 *   build/bench/csum
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/tcp_csum.h"

#define RING (256u * 1024)
#define MIB_PER_CASE 512u

static uint8_t ring[RING], frame[16384];
static volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ns per MiB of one way over MIB_PER_CASE MiB of seg-byte payloads */
static double run(size_t seg, int fused)
{
	size_t n = ((size_t)MIB_PER_CASE << 20) / seg, off = 0;
	double t0 = now_ns();
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++, off = (off + seg) % (RING - seg)) {
		if (fused) {
			s += csum_copy(0, frame + 66, ring + off, seg);
		} else {
			memcpy(frame + 66, ring + off, seg);
			s += csum_add(0, frame + 66, seg);
		}
	}
	sink += s;
	return (now_ns() - t0) / MIB_PER_CASE;
}

int main(void)
{
	static const size_t segs[] = { 1448, 8948 };

	for (size_t i = 0; i < RING; i++)
		ring[i] = (uint8_t)(i * 31 + i / 257);
	for (size_t k = 0; k < sizeof(segs) / sizeof(segs[0]); k++) {
		double two = 1e30, one = 1e30;

		for (int rep = 0; rep < 3; rep++) {
			double a = run(segs[k], 0), b = run(segs[k], 1);

			two = a < two ? a : two;
			one = b < one ? b : one;
		}
		printf("seg%zu_memcpy_then_csum_add %.0f ns/MiB\n", segs[k], two);
		printf("seg%zu_csum_copy %.0f ns/MiB\n", segs[k], one);
	}
	return 0;
}
