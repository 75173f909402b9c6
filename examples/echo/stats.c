/* SPDX-License-Identifier: MIT */
/*
 * Latency histogram (log-linear: 128 sub-buckets per power of two, under 1%
 * error, fixed size, no allocation per sample) and the result lines.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "echo.h"

#define HIST_MAX ((1ull << 35) - 1)

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned int hist_index(uint64_t v)
{
	unsigned int e;

	if (v > HIST_MAX)
		v = HIST_MAX;
	if (v < 256)
		return (unsigned int)v;
	e = (unsigned int)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
	return 256 + (e - 1) * 128 + (unsigned int)((v >> e) - 128);
}

/* Midpoint of a bucket's range. */
static uint64_t hist_value(unsigned int idx)
{
	unsigned int e;
	uint64_t m;

	if (idx < 256)
		return idx;
	e = (idx - 256) / 128 + 1;
	m = (idx - 256) % 128 + 128;
	return (m << e) + ((1ull << e) >> 1);
}

void hist_add(struct hist *h, uint64_t ns)
{
	h->count[hist_index(ns)]++;
	h->n++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->n += src->n;
}

uint64_t hist_quantile_ns(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return 0;
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen > want)
			return hist_value(i);
	}
	return hist_value(HIST_BUCKETS - 1);
}

int64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void print_line(const char *name, double v, const char *fmt, const char *unit)
{
	printf("%s ", name);
	printf(fmt, v);
	printf(" %s\n", unit);
}

void print_client_report(const struct hist *h, double seconds, int64_t cpu_used)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.50 }, { "p99", 0.99 }, { "p999", 0.999 }, { "p9999", 0.9999 },
	};

	print_line("rps", seconds > 0 ? (double)h->n / seconds : 0, "%.0f", "req/s");
	for (unsigned int i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		print_line(qs[i].name, (double)hist_quantile_ns(h, qs[i].q) / 1000.0,
			   "%.0f", "us");
	print_line("requests", (double)h->n, "%.0f", "count");
	print_line("cpu_us_per_req", h->n ? (double)cpu_used / (double)h->n : 0,
		   "%.2f", "us");
	fflush(stdout);
}

void print_stream_report(uint64_t bytes, double seconds)
{
	printf("bytes %llu B\n", (unsigned long long)bytes);
	print_line("gbps", seconds > 0 ? (double)bytes * 8 / seconds / 1e9 : 0,
		   "%.3f", "Gb/s");
	fflush(stdout);
}

void client_report(const struct req_run *run, const struct echo_opts *o,
		   int64_t cpu_start)
{
	print_client_report(run->hist, o->duration, cpu_us() - cpu_start);
}
