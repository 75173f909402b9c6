/* SPDX-License-Identifier: MIT */
/*
 * Race-free sleep/wake protocol between a consumer that may block on an
 * eventfd and producers that must never leave it asleep with work queued.
 *
 * Consumer:  wake_announce_sleep(flag);
 *            if (queues still empty) block on the eventfd;
 *            wake_cancel_sleep(flag);
 * Producer:  push to the queue; wake_sleeper(flag, efd);
 *
 * The sequentially consistent fence on both sides (Dekker style) guarantees
 * that either the consumer's re-check sees the new entry, or the producer
 * sees the flag and signals the eventfd.
 */
#ifndef XTOE_WAKE_H
#define XTOE_WAKE_H

#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

static inline void wake_announce_sleep(_Atomic uint32_t *sleeping)
{
	atomic_store_explicit(sleeping, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
}

static inline void wake_cancel_sleep(_Atomic uint32_t *sleeping)
{
	atomic_store_explicit(sleeping, 0, memory_order_relaxed);
}

/* Returns 1 when it signalled the eventfd. */
static inline int wake_sleeper(_Atomic uint32_t *sleeping, int efd)
{
	uint64_t one = 1;

	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(sleeping, memory_order_relaxed))
		return 0;
	if (!atomic_exchange_explicit(sleeping, 0, memory_order_relaxed))
		return 0;
	return write(efd, &one, sizeof(one)) == sizeof(one);
}

/* Signal an eventfd whether or not anyone sleeps on it. */
static inline int wake_signal(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == sizeof(one);
}

/* Drain an eventfd's counter (non-blocking fd, not EFD_SEMAPHORE): one
 * read returns the whole counter and resets it, so a second read could only
 * fail with EAGAIN (or take a signal that came since, whose wake-up the
 * caller's re-check of its queues makes harmless). */
static inline void wake_drain(int efd)
{
	uint64_t v;

	(void)!read(efd, &v, sizeof(v));
}

/* After a poll that watched the eventfd in p: drain it only when it fired
 * (a wake-up by another fd or the time-out leaves nothing to read: no
 * failing read). A signal that came after the poll returned stays counted
 * and ends the next poll at once: one extra round, never a lost wake-up. */
static inline void wake_drain_fired(const struct pollfd *p)
{
	if (p->revents & POLLIN)
		wake_drain(p->fd);
}

#endif /* XTOE_WAKE_H */
