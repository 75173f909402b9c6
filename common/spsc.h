/* SPDX-License-Identifier: MIT */
/*
 * Single-producer single-consumer queue of fixed-size entries.
 *
 * The shared part (indices and entry storage) may live in memory another
 * process can write (an application's shared memory). Each side therefore
 * keeps its own trusted view (struct spsc) with the geometry it was created
 * with, and the consumer clamps indices it reads from shared memory, so a
 * misbehaving peer can only corrupt its own queue contents, never make the
 * reader index outside the storage.
 *
 * Ordering (weakly ordered machines, arm64): the producer fills an entry,
 * then stores prod with release (spsc_commit); the consumer loads prod
 * with acquire (spsc_peek) before it reads the entry. The consumer stores
 * cons with release once it is done with the entry (spsc_release); the
 * producer loads cons with acquire (spsc_reserve) before it reuses the
 * room. Each side's own index is read relaxed: only it writes it.
 * test/unit/test_order.c stresses this on two threads.
 */
#ifndef XTOE_SPSC_H
#define XTOE_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct spsc_shared {
	_Atomic uint32_t prod __attribute__((aligned(64)));
	_Atomic uint32_t cons __attribute__((aligned(64)));
	uint8_t data[] __attribute__((aligned(64)));
};

struct spsc {
	struct spsc_shared *sh;
	uint32_t mask;  /* entries - 1 (entries is a power of two) */
	uint32_t esize; /* bytes per entry */
	/* Each side's own cache of the other's index, apart: a view may be
	 * shared by the producer's and the consumer's threads (the daemon's
	 * cp2dp and dp2cp), and one field for both let the consumer's last
	 * seen prod pass for the producer's last seen cons (room that was not
	 * there: entries overwritten, indices more than a queue apart). */
	uint32_t pcached __attribute__((aligned(64))); /* producer: last seen cons */
	uint32_t ccached __attribute__((aligned(64))); /* consumer: last seen prod */
};

static inline size_t spsc_bytes(uint32_t entries, uint32_t esize)
{
	return sizeof(struct spsc_shared) + (size_t)entries * esize;
}

/* Zero the shared indices; called once by whoever creates the memory. */
static inline void spsc_format(struct spsc_shared *sh)
{
	atomic_store_explicit(&sh->prod, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->cons, 0, memory_order_relaxed);
}

/* Attach a trusted view. entries must be a power of two. */
static inline void spsc_attach(struct spsc *q, struct spsc_shared *sh,
			       uint32_t entries, uint32_t esize)
{
	q->sh = sh;
	q->mask = entries - 1;
	q->esize = esize;
	q->pcached = 0;
	q->ccached = 0;
}

static inline void *spsc_slot(const struct spsc *q, uint32_t idx)
{
	return q->sh->data + (size_t)(idx & q->mask) * q->esize;
}

/* Producer: reserve the next entry, or NULL when full. Fill, then spsc_commit. */
static inline void *spsc_reserve(struct spsc *q)
{
	uint32_t prod = atomic_load_explicit(&q->sh->prod, memory_order_relaxed);

	if (prod - q->pcached > q->mask) {
		q->pcached = atomic_load_explicit(&q->sh->cons, memory_order_acquire);
		if (prod - q->pcached > q->mask)
			return NULL;
	}
	return spsc_slot(q, prod);
}

static inline void spsc_commit(struct spsc *q)
{
	uint32_t prod = atomic_load_explicit(&q->sh->prod, memory_order_relaxed);

	atomic_store_explicit(&q->sh->prod, prod + 1, memory_order_release);
}

static inline bool spsc_push(struct spsc *q, const void *entry)
{
	void *slot = spsc_reserve(q);

	if (!slot)
		return false;
	memcpy(slot, entry, q->esize);
	spsc_commit(q);
	return true;
}

/* Consumer: peek at the oldest entry, or NULL when empty. Then spsc_release.
 * Entries known to be there: ccached - cons, from 1 to entries; anything
 * else (none, or an index past the producer's) makes it look again. */
static inline void *spsc_peek(struct spsc *q)
{
	uint32_t cons = atomic_load_explicit(&q->sh->cons, memory_order_relaxed);

	if (q->ccached - cons - 1 > q->mask) {
		q->ccached = atomic_load_explicit(&q->sh->prod, memory_order_acquire);
		if (q->ccached - cons > q->mask + 1) /* corrupted by the producer */
			q->ccached = cons;
		if (cons == q->ccached)
			return NULL;
	}
	return spsc_slot(q, cons);
}

/* Consumer: done with the entry spsc_peek gave. A release with no entry
 * peeked (a second release of the same one) is ignored: the consumer's
 * index never passes the producer's, so the queue never looks holding
 * more than it can, or empty forever. */
static inline void spsc_release(struct spsc *q)
{
	uint32_t cons = atomic_load_explicit(&q->sh->cons, memory_order_relaxed);

	if (q->ccached - cons - 1 > q->mask)
		return;
	atomic_store_explicit(&q->sh->cons, cons + 1, memory_order_release);
}

static inline bool spsc_pop(struct spsc *q, void *entry)
{
	void *slot = spsc_peek(q);

	if (!slot)
		return false;
	memcpy(entry, slot, q->esize);
	spsc_release(q);
	return true;
}

/* Either side: entries waiting (fresh read of both indices). */
static inline uint32_t spsc_used(const struct spsc *q)
{
	return atomic_load_explicit(&q->sh->prod, memory_order_acquire) -
	       atomic_load_explicit(&q->sh->cons, memory_order_acquire);
}

/* Either side: true when no entry is waiting (fresh read of both indices). */
static inline bool spsc_empty(const struct spsc *q)
{
	return atomic_load_explicit(&q->sh->prod, memory_order_acquire) ==
	       atomic_load_explicit(&q->sh->cons, memory_order_acquire);
}

#endif /* XTOE_SPSC_H */
