/* SPDX-License-Identifier: MIT */
/*
 * The port: everything the daemon needs from the wire, behind one
 * operations table, so the data-path and the control plane never call
 * AF_XDP, the XDP steering program or rtnetlink themselves.
 *
 *   frames     (data-path thread only) receive a batch, give frames back,
 *              allocate, submit and flush transmit frames
 *   steering   (control plane) which listening ports and 4-tuples are
 *              delivered to the daemon; everything else stays with the kernel
 *   next hop   (control plane) the MAC address a destination is reached by
 *
 * Implementations:
 *   port_xdp.c   the real one: XDP module chain + steering (steer.c), one
 *                AF_XDP socket (xsk.c), routes and neighbours (nl.c)
 *   port_loop.c  an in-process wire between two ports, with optional
 *                impairment: the data-path and control plane run in unit
 *                tests and in the in-process load generator, no kernel in
 *                the way (in the style of smoltcp's Device / lwIP's netif)
 *
 * Frame ownership: a frame from port_rx or port_tx_alloc is the caller's
 * until it gives it back with port_free or hands it to port_tx_submit.
 */
#ifndef XTOE_PORT_H
#define XTOE_PORT_H

#include <stdbool.h>
#include <stdint.h>

/* A frame in the port's memory: data points at the packet start. */
struct port_frame {
	uint64_t addr;  /* the port's handle for the frame */
	uint8_t *data;
	uint32_t len;
};

struct port_stats {
	uint64_t rx_frames, tx_frames, tx_drops, tx_kicks;
	/* merged transmit: frames sent, segments they carried, sends the
	 * kernel refused for now (left to AF_XDP) */
	uint64_t tx_gso_frames, tx_gso_segs, tx_gso_busy;
	uint64_t rx_dropped, rx_invalid, rx_ring_full, fill_empty; /* kernel */
	uint32_t frames_free, frames_total;
};

/* A connection's addresses as steering sees them (network order). */
struct port_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

struct port;

struct port_ops {
	/* frames: one data-path thread */
	uint32_t (*rx)(struct port *p, struct port_frame *f, uint32_t max);
	void (*free)(struct port *p, uint64_t addr);
	bool (*tx_alloc)(struct port *p, struct port_frame *f);
	/* a frame of frame_max bytes (NULL: the port has only frame_size) */
	bool (*tx_alloc_big)(struct port *p, struct port_frame *f);
	bool (*tx_submit)(struct port *p, uint64_t addr, uint32_t len);
	void (*tx_flush)(struct port *p);
	uint32_t (*tx_pending)(const struct port *p);
	void (*stats)(struct port *p, struct port_stats *st);
	/* steering: control plane */
	int (*steer_listen)(struct port *p, uint16_t port, bool on);
	int (*steer_flow)(struct port *p, const struct port_tuple *t, bool on);
	/* next hop for daddr: 0 with mac filled; -EAGAIN while unresolved
	 * (ask: start resolving it); -ENETUNREACH when it is not reached
	 * through this port; other -errno on failure */
	int (*next_hop)(struct port *p, uint32_t daddr, uint8_t mac[6], bool ask);
	/* the module chain (NULL where the port has none): put it on the
	 * wire, and whether it stays there after the daemon (a firewall with
	 * rules stays in force) */
	int (*attach)(struct port *p);
	int (*keep_chain)(struct port *p, bool keep);
	void (*close)(struct port *p);
	/* workers (NULL where the port has one queue): how many queues it
	 * serves, and a port of its own for worker w of n with the frame
	 * operations over queues w, w + n, w + 2n ... (round-robin); its
	 * close releases the view, never the queues */
	uint32_t (*lanes)(const struct port *p);
	struct port *(*view)(struct port *p, uint32_t w, uint32_t n);
};

/* What every port shares; implementations embed it first. */
struct port {
	const struct port_ops *ops;
	const char *name;       /* interface name, for messages */
	int ifindex;            /* the interface's; 0 for a port without one */
	uint8_t mac[6];         /* our MAC address */
	uint32_t frame_size;    /* usable bytes per frame */
	uint32_t frame_max;     /* the largest frame it carries (>= frame_size) */
	bool kernel_shared;     /* the kernel's own sockets use this address too:
				   its ports are checked and held (cp_access.c) */
	int rx_fd;              /* poll(POLLIN) while waiting for frames; -1 none */
	const char *pin_dir;    /* the module chain's pins; NULL: no chain */
};

static inline uint32_t port_rx(struct port *p, struct port_frame *f, uint32_t max)
{
	return p->ops->rx(p, f, max);
}

static inline void port_free(struct port *p, uint64_t addr)
{
	p->ops->free(p, addr);
}

static inline bool port_tx_alloc(struct port *p, struct port_frame *f)
{
	return p->ops->tx_alloc(p, f);
}

/* A frame for a packet larger than frame_size (up to frame_max); false
 * when none is free or the port has no big frames. */
static inline bool port_tx_alloc_big(struct port *p, struct port_frame *f)
{
	return p->ops->tx_alloc_big && p->ops->tx_alloc_big(p, f);
}

/* Queue a frame of len bytes; false when the port dropped it (counted). */
static inline bool port_tx_submit(struct port *p, uint64_t addr, uint32_t len)
{
	return p->ops->tx_submit(p, addr, len);
}

/* Hand queued frames to the wire (one kick per batch). */
static inline void port_tx_flush(struct port *p)
{
	p->ops->tx_flush(p);
}

/* Frames queued or in flight that the wire has not completed yet. */
static inline uint32_t port_tx_pending(const struct port *p)
{
	return p->ops->tx_pending(p);
}

static inline void port_stats(struct port *p, struct port_stats *st)
{
	p->ops->stats(p, st);
}

static inline int port_steer_listen(struct port *p, uint16_t port, bool on)
{
	return p->ops->steer_listen(p, port, on);
}

static inline int port_steer_flow(struct port *p, const struct port_tuple *t, bool on)
{
	return p->ops->steer_flow(p, t, on);
}

static inline int port_next_hop(struct port *p, uint32_t daddr, uint8_t mac[6], bool ask)
{
	return p->ops->next_hop(p, daddr, mac, ask);
}

/* Start receiving: attach the module chain (once it holds what must be in
 * it from the first frame, e.g. the firewall's rules). */
static inline int port_attach(struct port *p)
{
	return p->ops->attach ? p->ops->attach(p) : 0;
}

static inline int port_keep_chain(struct port *p, bool keep)
{
	return p->ops->keep_chain ? p->ops->keep_chain(p, keep) : 0;
}

static inline void port_close(struct port *p)
{
	if (p)
		p->ops->close(p);
}

/* Queues the port serves (each with its own frames): at most this many
 * data-path workers. */
static inline uint32_t port_lanes(const struct port *p)
{
	return p->ops->lanes ? p->ops->lanes(p) : 1;
}

/* Worker w's port of n (n <= port_lanes): frames of its queues only, so
 * each queue has one thread. With one worker, the port itself. NULL when
 * out of memory. Steering and next hop stay on the port (control plane). */
static inline struct port *port_view(struct port *p, uint32_t w, uint32_t n)
{
	return n <= 1 ? p : p->ops->view(p, w, n);
}

/* --- the AF_XDP port (port_xdp.c) ---------------------------------------- */

enum port_xdp_mode {
	PORT_XDP_NATIVE, /* driver mode (veth supports it) */
	PORT_XDP_SKB,    /* generic mode */
	PORT_XDP_HW,     /* hardware offload (nfp); refused elsewhere */
};

#define PORT_XDP_MAX_QUEUES 64

/* Merged transmit (GSO frames through a packet socket): never, always, or
 * when the interface has TCP segmentation offload on at start. */
enum port_tx_gso { PORT_TX_GSO_OFF, PORT_TX_GSO_ON, PORT_TX_GSO_AUTO };

struct port_xdp_cfg {
	const char *ifname;
	uint32_t addr;          /* our address, network order */
	const uint32_t *queues; /* interface queues to serve, one AF_XDP socket */
	uint32_t nqueues;       /* each; 0: every queue of the interface */
	enum port_xdp_mode mode;
	bool no_sg;             /* no multi-buffer frames (XDP_USE_SG) */
	uint32_t mtu;           /* the largest IP packet it carries; 0: 1500 */
	enum port_tx_gso tx_gso; /* merged transmit (xsk_gso.c) */
};

/* Parse "native" / "skb" / "hw"; -EINVAL otherwise. */
int port_xdp_parse_mode(const char *s, enum port_xdp_mode *mode);
/* Load the module chain and steering for ifname (attached by port_attach),
 * bind an AF_XDP socket to its queue, open rtnetlink. -errno with a message that names what
 * failed and what to try. */
int port_xdp_open(struct port **out, const struct port_xdp_cfg *cfg);

/* --- the loopback port (port_loop.c) ------------------------------------- */

/* What the wire does to a frame going from one port to the other. */
enum port_loop_fate { PORT_LOOP_DELIVER, PORT_LOOP_DROP, PORT_LOOP_DUP };
typedef enum port_loop_fate (*port_loop_impair_fn)(void *arg, uint8_t *frame,
						   uint32_t len);

struct port_loop_cfg {
	const char *name;
	uint32_t addr;          /* the address this port's host owns */
	uint8_t mac[6];
	uint32_t frames;        /* frames in its pool (power of two) */
	uint32_t wire_frames;   /* frames the wire holds in each direction
				   (from each of the peer's lanes) */
	uint32_t lanes;         /* queues, one a data-path worker (0: 1) */
};

/* Two ports joined by a wire: what a transmits b receives and back. A
 * destination is resolved when it is the other port's address. */
int port_loop_pair(struct port **a, const struct port_loop_cfg *ca,
		   struct port **b, const struct port_loop_cfg *cb);
/* Impair frames sent by p's end, from any thread (fn is called on each
 * lane's data-path thread). NULL: none. */
void port_loop_impair(struct port *p, port_loop_impair_fn fn, void *arg);
/* Send every Nth frame of p's end to the peer's next lane instead of its
 * connection's (0: never), as a peer that re-hashes a connection to
 * another queue after a timeout (Linux's sk_rethink_txhash): tests. */
void port_loop_misroute(struct port *p, uint32_t every);
/* Whether p's host steers port / the 4-tuple to the daemon (tests). */
bool port_loop_steered_listen(const struct port *p, uint16_t port);
bool port_loop_steered_flow(const struct port *p, const struct port_tuple *t);

#endif /* XTOE_PORT_H */
