/* SPDX-License-Identifier: MIT */
/*
 * A sequence lock: one writer that never waits, readers that retry.
 *
 * Writer:  seqlock_write_begin(&seq); write the data; seqlock_write_end(&seq);
 * Reader:  do { s = seqlock_read_begin(&seq); copy the data; }
 *          while (seqlock_read_retry(&seq, s));   (bound the retries)
 *
 * The sequence is odd while a write is under way. The release fence after
 * the odd store keeps the data stores behind it, the acquire fence before
 * the reader's second load keeps the data loads before it: a reader that
 * saw any byte of a newer write sees the sequence moved and retries. On
 * arm64 both are a dmb; on x86 they only restrain the compiler.
 *
 * The data itself is read while it may be written: seqlock_put and
 * seqlock_get move it as relaxed atomic words, so that is no data race
 * (C11; ThreadSanitizer checks it in test_workers_tsan).
 */
#ifndef XTOE_SEQLOCK_H
#define XTOE_SEQLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n bytes (a multiple of 8) from src into the guarded dst, by the writer. */
static inline void seqlock_put(void *dst, const void *src, size_t n)
{
	_Atomic uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < n / 8; i++)
		atomic_store_explicit(&d[i], s[i], memory_order_relaxed);
}

/* n bytes (a multiple of 8) of the guarded src into dst, by a reader. */
static inline void seqlock_get(void *dst, const void *src, size_t n)
{
	const _Atomic uint64_t *s = src;
	uint64_t *d = dst;

	for (size_t i = 0; i < n / 8; i++)
		d[i] = atomic_load_explicit(&s[i], memory_order_relaxed);
}

static inline void seqlock_write_begin(_Atomic uint32_t *seq)
{
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);

	atomic_store_explicit(seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static inline void seqlock_write_end(_Atomic uint32_t *seq)
{
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);

	atomic_store_explicit(seq, s + 1, memory_order_release);
}

static inline uint32_t seqlock_read_begin(_Atomic uint32_t *seq)
{
	return atomic_load_explicit(seq, memory_order_acquire);
}

/* true: the copy made since seqlock_read_begin may be torn; copy again. */
static inline bool seqlock_read_retry(_Atomic uint32_t *seq, uint32_t start)
{
	atomic_thread_fence(memory_order_acquire);
	return (start & 1) || atomic_load_explicit(seq, memory_order_relaxed) != start;
}

#endif /* XTOE_SEQLOCK_H */
