/* SPDX-License-Identifier: MIT */
/*
 * A spin lock for a few instructions' worth of work shared by the
 * data-path workers (an event push, a C module's segment hook): never held
 * while waiting for anything else, so a waiter spins for one short critical
 * section at most.
 */
#ifndef XTOE_SPINLOCK_H
#define XTOE_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

static inline void spin_lock(_Atomic uint32_t *l)
{
	while (atomic_exchange_explicit(l, 1, memory_order_acquire))
		while (atomic_load_explicit(l, memory_order_relaxed))
			;
}

static inline void spin_unlock(_Atomic uint32_t *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
}

#endif /* XTOE_SPINLOCK_H */
