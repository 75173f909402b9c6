/* SPDX-License-Identifier: MIT */
/*
 * A hashed timing wheel: many deadlines, each set, moved or cancelled in
 * O(1), and the expired ones found in time proportional to the ticks that
 * passed and the entries of those slots. The data-path keeps the TCP
 * core's timers of installed connections on one (tcp_timer_next), the
 * control plane its handshake and TIME-WAIT deadlines on another.
 * Deadlines are exact (microseconds); the tick only sizes the slots.
 * A bitmap of the slots that hold nodes lets wheel_next skip empty slots
 * 64 at a time: the data-path asks it before every sleep, and one flow's
 * far timer otherwise cost a scan of the whole turn (4096 slots) there.
 */
#ifndef XTOE_WHEEL_H
#define XTOE_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

struct wheel_node {
	struct wheel_node *next, **pprev; /* pprev NULL: not on the wheel */
	uint64_t due;
	uint32_t slot;                    /* while on the wheel */
};

struct wheel {
	struct wheel_node **slots;
	uint64_t *used;      /* bit s: slots[s] holds nodes */
	uint64_t looked;     /* slots wheel_next looked into (its cost) */
	uint32_t mask;       /* slots - 1 */
	uint32_t tick_us;
	uint64_t tick;       /* the next tick to visit */
	uint32_t count;
};

/* slots: a power of two. 0 or -ENOMEM. */
int wheel_init(struct wheel *w, uint32_t slots, uint32_t tick_us, uint64_t now_us);
void wheel_free(struct wheel *w);
/* Put n on the wheel at due (moving it if it was on); due 0 or UINT64_MAX
 * takes it off. */
void wheel_set(struct wheel *w, struct wheel_node *n, uint64_t due);
void wheel_del(struct wheel *w, struct wheel_node *n);
static inline bool wheel_on(const struct wheel_node *n)
{
	return n->pprev != 0;
}
/* Take every node due at or before now off the wheel and call fn on it
 * (fn may set it again). */
void wheel_run(struct wheel *w, uint64_t now_us,
	       void (*fn)(struct wheel_node *n, void *arg), void *arg);
/* The earliest deadline on the wheel, UINT64_MAX when empty. Looks only
 * into slots that hold nodes (counted in w->looked). */
uint64_t wheel_next(struct wheel *w);

#endif /* XTOE_WHEEL_H */
