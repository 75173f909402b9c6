/* SPDX-License-Identifier: MIT */
/*
 * xtoed internals shared by the data-path thread (dp_*.c) and the control
 * plane (cp_*.c). The two communicate only through two SPSC queues:
 *
 *   cp -> dp  struct dp_cmd   install a flow, send a frame, re-inject a frame,
 *                             retransmit, add/remove an application context,
 *                             an application's bump placed after its install
 *   dp -> cp  struct cp_note  segments the data-path does not handle (SYN,
 *                             RST and anything without a flow), flows that
 *                             finished, application bumps it cannot place
 *
 * Each command, note and bump is handled once, by the loop that took it
 * off its queue; no handler polls another queue (docs/architecture.md).
 *
 * Ownership: the data-path is the only writer of a flow's TCP state once it
 * is installed; the control plane owns handshakes, TIME-WAIT, slots, flow
 * indices, timers and everything an application asks over its unix socket.
 */
#ifndef XTOE_DAEMON_H
#define XTOE_DAEMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "common/cap.h"
#include "common/clock.h"
#include "common/shm.h"
#include "common/tools.h"
#include "common/spsc.h"
#include "cmod.h"
#include "core/tcp.h"
#include "daemon/port/port.h"

#define XTOE_FRAME_MAX 2048
#define XTOE_WORKERS_MAX 16 /* data-path workers (--workers) */
#define XTOE_PRE_MAX 8      /* PRE threads of the pipeline (--pre-threads) */
_Static_assert(XTOE_WORKERS_MAX <= XTOE_STAT_WORKERS_MAX, "xtoectl stats shows every worker");

/* Proportional cores (daemon/dp/dp_prop.c; --busy-marks, --busy-window-ms):
 * with several workers, a data-path thread whose busy fraction stays below
 * low_pct for shrink_windows samples parks and hands its worker to thread 0;
 * thread 0, busy above high_pct for grow_windows samples while running
 * another's worker that keeps it busy at least low_pct, hands it back. */
struct dp_prop_cfg {
	uint32_t low_pct, high_pct;  /* 0: never park; 100: never hand back */
	uint32_t window_us;          /* one sample of the busy fraction */
	uint32_t grow_windows, shrink_windows;
};

/* Which threads run the data-path's stages (--placement; daemon/dp/dp.h). */
enum xtoed_placement {
	XTOED_PLACE_DEFAULT,  /* thread, or queue with --workers N > 1 */
	XTOED_PLACE_THREAD,   /* one thread runs every stage of every queue */
	XTOED_PLACE_QUEUE,    /* a worker per queue (--workers) */
	XTOED_PLACE_PIPELINE, /* PRE on --pre-threads K threads, PROTO+POST
				 on the one worker (dp_pipe.h) */
};

struct xtoed_cfg {
	const char *ifname;
	uint32_t addr;       /* network order */
	uint8_t prefix;
	const char *sock_path;
	enum port_xdp_mode xdp_mode;
	bool busy_poll;      /* never sleep */
	uint32_t spin_us;    /* poll this long with no work before sleeping */
	struct tcp_params tcp; /* timers and ACK policy (Linux's defaults) */
	uint32_t rx_size, tx_size; /* per-flow rings */
	uint32_t max_flows;  /* in the daemon */
	uint32_t ctx_flows;  /* per application context (more: EMFILE) */
	uint32_t app_listeners; /* per application context (more: EMFILE) */
	uint16_t mss;        /* advertised; 0: the interface MTU - 40 */
	int ecn;             /* Linux's tcp_ecn values; -1: default */
	int rcv_wscale;      /* -1: from Linux's receive buffer limits */
	uint32_t wscale_space; /* bytes the window scale covers (set at start) */
	uint32_t queues[PORT_XDP_MAX_QUEUES]; /* --queues; nqueues 0: all */
	uint32_t nqueues;
	uint32_t workers;    /* --workers: data-path threads (at most the
				port's queues; the most that run at once) */
	struct dp_prop_cfg prop; /* when threads park and come back */
	enum xtoed_placement placement;
	uint32_t pre_threads; /* pipeline: PRE threads (0: 2, set at open) */
	bool no_sg;          /* --no-sg: no multi-buffer AF_XDP */
	enum port_tx_gso tx_gso; /* --tx-gso auto|on|off: merged transmit */
	uint32_t time_wait_ms;
	const struct tcp_cc_ops *cc; /* congestion control (--cc) */
	bool verbose;
	bool signals;        /* stop on SIGINT/SIGTERM (blocked in every thread) */
	const char *cmodules[CMOD_MAX]; /* --cmodule FILE.so[:ARGS] */
	int ncmodules;
	char fw_file[100];   /* --fw-file; "" when rules are not kept */
	const char *sock_group; /* --group; NULL: xtoe when it exists */
	uint32_t sock_mode;  /* --socket-mode (default 0660) */
	bool fw_file_set;
};

/*
 * A context's life, owned by the control plane (cp_app.c, ctx_move); never
 * inferred from anything the client sends or is:
 *   CONNECTED  accepted on the unix socket; tools' requests and HELLO only.
 *              Disconnect: freed at once (the data-path never saw it).
 *   HELLO      HELLO accepted: DP_CMD_CTX_ADD queued (the one time the
 *              context reaches the data-path), the fds being handed over.
 *   LIVE       the application's requests are served.
 *   CLOSING    the client went away: DP_CMD_CTX_DEAD queued; the data-path
 *              aborts what is left and answers CP_NOTE_CTX_RELEASED.
 *   GONE       released by the data-path (or never given to it): freed.
 */
enum app_ctx_state {
	CTX_CONNECTED,
	CTX_HELLO,
	CTX_LIVE,
	CTX_CLOSING,
	CTX_GONE,
};

/* One data-path worker's part of a context: only that worker reads or
 * writes it (the flows it owns, its lists). */
struct ctx_worker {
	uint32_t *slot_flow;          /* slot -> its flow index + 1 (0: none) */
	uint32_t live_flows;
	bool dead;                    /* the application went away */
	bool wake;                    /* events pushed this round */
	struct app_ctx *next;         /* the worker's context list */
	struct app_ctx *wake_next;    /* its contexts to wake this round */
};

/* An application context as both threads see it. Created and freed by the
 * control plane; the data-path uses it between DP_CMD_CTX_ADD and its
 * CP_NOTE_CTX_RELEASED (sent by the last worker to let go of it). */
struct app_ctx {
	uint32_t id;
	int memfd, app_efd;
	uint8_t *base;
	struct xtoe_shm_hdr geom;     /* trusted copy of the header */
	struct xtoe_shm_hdr *hdr;     /* shared, app-writable */
	struct xtoe_flow_shm *slots;  /* shared */
	/* data-path side: app2dp, the sleep flag and the wake-up eventfd
	 * are worker 0's (the hub); dp2app has one producer at a time, the
	 * worker holding ev_lock */
	struct spsc dp2app, app2dp;
	_Atomic uint32_t ev_lock;
	uint8_t *slot_worker;         /* hub: slot -> worker its install went to */
	_Atomic uint32_t dp_holders;  /* workers still using it once dead */
	struct ctx_worker w[XTOE_WORKERS_MAX];
	/* control-plane side */
	struct spsc cp2app;
	int sock;                     /* unix connection */
	uint8_t *rbuf;                /* [XTOE_REQ_MAX]: bytes of requests
					 not complete yet (cp_app_input) */
	uint32_t rlen;
	struct ucred cred;            /* the client, from the kernel
					 (SO_PEERCRED when it connected) */
	int pidfd;                    /* its process (SO_PEERPIDFD), -1 */
	pid_t pid;                    /* cred.pid, for the tools (0: not
					 visible in the daemon's namespace) */
	uint8_t state;                /* enum app_ctx_state */
	uint32_t *slot_state;         /* enum cp_slot_state per slot */
	uint32_t *slot_gen;           /* trusted generation per slot */
	uint32_t slots_used;
	uint32_t listeners;           /* its listeners (cfg.app_listeners) */
	struct app_ctx *cp_next;
};

enum dp_cmd_type {
	DP_CMD_CTX_ADD = 1,  /* ctx */
	DP_CMD_CTX_DEAD,     /* ctx: abort flows not closing; release when empty */
	DP_CMD_INSTALL,      /* flow idx, ctx, slot, gen, conn */
	DP_CMD_TX_FRAME,     /* frame to transmit as is */
	DP_CMD_REINJECT,     /* frame to process as if just received */
	DP_CMD_STOP,         /* leave the loop */
	DP_CMD_SPLICE,       /* splice: freeze two flows (dp_splice.c) */
	DP_CMD_BUMP,         /* ctx, slot, gen, bump: an application's bump
				the data-path met before the flow's install
				(CP_NOTE_APP_BUMP), placed after it */
	DP_CMD_APP_BUMP,     /* ctx, slot, gen, bump: an application's bump
				the hub passed to the slot's worker */
};

/* DP_CMD_SPLICE asks the data-path to hand two quiescent flows over to the
 * splice module; CP_NOTE_SPLICED answers with their final state, or why
 * not (enum dp_splice_why, the flow it is about and its byte count). */
struct dp_splice_req {
	uint32_t id;
	uint32_t flow[2], gen[2];
};

enum dp_splice_why {
	DPS_OK,
	DPS_GONE,        /* not installed (closed, or a stale handle) */
	DPS_STATE,       /* not ESTABLISHED: a FIN went one way already */
	DPS_RX_UNREAD,   /* received bytes the application did not read */
	DPS_RX_OOO,      /* out-of-order bytes held */
	DPS_TX_UNACKED,  /* bytes queued or in flight */
};

struct dp_splice_rep {
	uint32_t id;
	uint8_t why, which;  /* enum dp_splice_why, 0/1 */
	uint32_t bytes;
	struct tcp_conn conn[2];
};

#define DP_INSTALL_ACK 1u /* send an ACK right away */

struct dp_cmd {
	uint32_t type;
	uint32_t flow;       /* dp flow index */
	uint32_t slot, gen;
	int32_t err;
	uint32_t len;        /* frame bytes */
	uint32_t flags;      /* DP_INSTALL_* */
	uint32_t bump;       /* with BUMP: enum xtoe_bump_type */
	uint32_t worker;     /* INSTALL, REINJECT, SPLICE: the flow's worker */
	struct app_ctx *ctx;
	union {
		struct tcp_conn conn;
		uint8_t frame[XTOE_FRAME_MAX];
		struct dp_splice_req splice;
	};
};

enum cp_note_type {
	CP_NOTE_FRAME = 1,   /* segment for the control plane */
	CP_NOTE_FLOW_DONE,   /* flow left the data-path's table (conn: final
				state; TIME-WAIT when the state says so) */
	CP_NOTE_FLOW_FREE,   /* application closed a finished flow: free it */
	CP_NOTE_APP_BUMP,    /* close/abort/shutdown bump for a slot with no
				flow in the data-path (yet) */
	CP_NOTE_CTX_RELEASED,/* data-path no longer uses ctx */
	CP_NOTE_SPLICED,     /* answer to DP_CMD_SPLICE (splice) */
};

struct cp_note {
	uint32_t type;
	uint32_t flow;
	uint32_t slot, gen;
	uint32_t len;
	uint32_t bump;       /* with APP_BUMP: the bump type */
	uint32_t worker;     /* the data-path worker that sent it */
	struct app_ctx *ctx;
	union {
		struct tcp_conn conn;
		uint8_t frame[XTOE_FRAME_MAX];
		struct dp_splice_rep splice;
	};
};

/* Values the data-path publishes per flow for xtoectl conns. At install it
 * writes them, then gen (release); a reader that loads gen (acquire) equal
 * to its flow's sees that flow's values, never those of a flow that held
 * the index before. Later updates are single relaxed values under an
 * unchanged gen. */
struct flow_pub {
	_Atomic uint32_t gen;        /* 0: not installed */
	_Atomic uint32_t snd_una, snd_nxt;
	_Atomic uint32_t srtt_us, rttvar_us;
	_Atomic uint32_t state;
	_Atomic uint32_t retransmits; /* for xtoectl conns (and ss -i's
					 fields below) */
	_Atomic uint32_t cwnd, ssthresh, snd_wnd;
	_Atomic uint64_t bytes_out, bytes_in, segs_out, segs_in;
};

/* The data-path's counters for the tools: written by the data-path under
 * a sequence lock (common/seqlock.h; dp_pub.c), read by the control plane
 * (cp_tools.c), which retries while it changes. A reader bumps asked and
 * signals the worker's eventfd; the worker's next round publishes and then
 * stores the asked it answered in served (release). Without a reader the
 * worker publishes at most every DP_PUB_EVERY_US, never per sleep. */
struct dp_stats_pub {
	_Atomic uint32_t seq;
	uint64_t at_us;              /* when published */
	struct xtoe_stat_dp s;
	_Atomic uint32_t asked;      /* readers' requests (control plane) */
	_Atomic uint32_t served;     /* the asked the last publication answered */
};

#define DP_PUB_EVERY_US 1000000u

struct dp;
struct cp;
struct bpf_object;

/* A capture session (common/cap.h): its rings, and what it added to the
 * chain, removed when its owner's connection closes. */
struct cap_session {
	const struct app_ctx *owner;  /* control plane: NULL when free */
	struct xtoe_cap_shm *shm;     /* tx ring: NULL until first used, then
					 kept mapped until the daemon exits */
	/* The ring's one producer at a time, whichever worker holds lock:
	 * the workers copy their frames (dp_cap.c) only while live; the
	 * control plane formats the ring and sets live, or clears it, under
	 * the lock, so a ring is free again the moment its session ends. */
	_Atomic uint32_t lock;
	bool live;
	struct spsc q;
	int fd;
	char module[32];              /* its capture module, "" when none */
	int egress_link;              /* tcx link of the egress program, -1 */
	struct bpf_object *egress;
	bool verdicts;                /* holds the chain's verdict trace */
};

/* A data-path worker's links: commands (the hub's from the control plane,
 * the others' from the hub), notes to the control plane, its wake-up
 * eventfd and sleep flag, its published counters. */
struct xtoed_worker {
	struct spsc cmds, notes;
	int efd;
	_Atomic uint32_t sleeping;
	struct dp_stats_pub spub;
};

/* The daemon: configuration, the interface, and the threads' links. */
struct xtoed {
	struct xtoed_cfg cfg;
	struct port *port;           /* the wire (daemon/port/port.h) */
	int cp_efd;                  /* wakes the control plane */
	_Atomic uint32_t cp_sleeping;
	struct flow_pub *pub;        /* [max_flows] */
	struct dp *dp;               /* worker 0, the hub */
	uint32_t nworkers;
	struct dp *dps[XTOE_WORKERS_MAX];
	struct xtoed_worker wk[XTOE_WORKERS_MAX]; /* [0]: the hub's */
	struct cp *cp;
	struct cmods cmods;          /* C modules; fixed while the threads run */
	/* captures for xtoe-dump (cp_tools.c creates, dp_cap.c writes) */
	struct cap_session caps[XTOE_CAP_MAX];
	_Atomic uint32_t cap_on;     /* bit per session: copy tx frames (a
					hint the workers read once a round;
					the session's live says for sure) */
	/* TCP events for xtoectl trace (cp_tools.c creates, dp_trace.c and
	 * cp_trace.c write); like the capture ring, kept once created */
	struct xtoe_trace_shm *trace;
	int trace_fd;
	_Atomic bool trace_on;       /* a hint the workers read once a round */
	/* ring 0's one producer at a time, as a capture's (struct
	 * cap_session): every worker writes it, holding trace_lock, while
	 * trace_live */
	_Atomic uint32_t trace_lock;
	bool trace_live;
	struct spsc trace_q;
	const struct app_ctx *trace_owner; /* control plane: the tool's */
	_Atomic bool stop;           /* both threads leave their loops */
	bool dp_stuck;               /* the data-path did not stop (daemon.c) */
};

/* The application's requests are served and events pushed to it. */
static inline bool app_ctx_serving(const struct app_ctx *c)
{
	return c->state == CTX_HELLO || c->state == CTX_LIVE;
}

/* the daemon's life (daemon.c): xtoed and in-process tests alike */
void xtoed_cfg_defaults(struct xtoed_cfg *c);
/* What a peer sees, as Linux derives it (docs/tcp-core.md): the MSS from
 * the link's MTU, the window scale from the largest receive buffer
 * (rmem_max: max of tcp_rmem[2] and core.rmem_max), the ECN reply. Once,
 * after the options, before xtoed_open. */
void xtoed_cfg_tcp(struct xtoed_cfg *c, uint32_t mtu, uint64_t rmem_max);
/* Load cfg.cmodules (once; xtoed_open does it when nobody did): xtoed
 * does it first, so a bad module is refused before anything is attached. */
int xtoed_load_cmodules(struct xtoed *d);
/* Set up the links, the control plane and the data-path over port (which
 * the daemon then owns). After a failure, xtoed_close still cleans up. */
int xtoed_open(struct xtoed *d, struct port *port);
/* Run the data-path thread and the control plane (in the calling thread)
 * until a signal (cfg.signals) or xtoed_request_stop. */
int xtoed_run(struct xtoed *d);
/* Ask a running daemon to stop; from any thread. */
void xtoed_request_stop(struct xtoed *d);
void xtoed_close(struct xtoed *d);

/* data-path (dp.c) */
int dp_create(struct xtoed *d);
void dp_destroy(struct xtoed *d);
/* Wake every data-path thread, parked or asleep (to see d->stop). */
void dp_wake_threads(struct xtoed *d);
/* The pipeline's PRE threads (none without --placement pipeline). */
int dp_pipe_start(struct xtoed *d);
void dp_pipe_stop(struct xtoed *d);
void *dp_thread(void *arg);
void dp_print_stats(const struct xtoed *d, FILE *out);
struct dp_cmd *dp_cmd_reserve(struct xtoed *d);  /* control plane side */
void dp_cmd_commit(struct xtoed *d);

/* control plane (cp.c) */
int cp_create(struct xtoed *d);
void cp_destroy(struct xtoed *d);
/* Close the unix socket and remove its file, nothing else (the data-path
 * did not stop: xtoed_close). */
void cp_unlisten(struct xtoed *d);
int cp_run(struct xtoed *d); /* until SIGINT/SIGTERM */
/* Install the rules of --fw-file (cp_tools.c); a bad file stops the start. */
int cp_tools_fw_restore(struct xtoed *d);
/* Keep the chain attached after the daemon when the firewall has rules
 * (cp_tools.c); the rule count. */
int cp_tools_fw_sync(struct xtoed *d);

#endif /* XTOE_DAEMON_H */
