/* SPDX-License-Identifier: MIT */
/*
 * Data-path internals (dp_*.c). One data-path thread runs, in a loop:
 *   commands from the control plane -> received frames -> application bumps
 *   -> service of every flow touched this round (segments out, ACKs, events)
 *   -> tx flush -> wake sleeping applications -> sleep when idle.
 */
#ifndef XTOE_DP_H
#define XTOE_DP_H

#include "daemon/daemon.h"
#include "daemon/wheel.h"
#include "flowtab.h"
#include "common/cap.h"
#include "common/trace.h"

#define DP_RX_BATCH 64
#define DP_BUMP_BATCH 256
#define DP_SEGS_PER_FLOW 32 /* per round, so one flow cannot starve others */
#define DP_WHEEL_SLOTS 4096 /* x 250 us: one turn of the timer wheel is 1 s */
#define DP_WHEEL_TICK_US 250
/* Notes waiting for room in dp2cp at which applications' bumps wait (dp.c). */
#define DP_NOTE_BACKLOG 8192

/* What xtoectl trace last reported of a flow (dp_trace.c). */
struct dp_trace_snap {
	uint8_t state;
	bool rtx_one;
	uint32_t cwnd, ssthresh, rtt_samples, recover;
};

enum dp_ev_bits { DP_EV_RX = 1, DP_EV_TX = 2, DP_EV_STATUS = 4 };

struct dp_flow {
	struct tcp_conn tcp;
	struct app_ctx *ctx;
	uint32_t slot, gen;
	uint8_t ev;          /* DP_EV_* not yet delivered */
	bool in_use;
	bool in_table;       /* reachable by 4-tuple */
	bool done;           /* left the table; waits for the app's close */
	bool close_req;      /* the application closed its handle */
	bool ack_pending;
	bool queued;         /* on the work list */
	bool want_output;
	uint32_t acked;        /* ack number of the last segment sent */
	struct wheel_node tnode; /* on dp->wheel at tcp_timer_next() */
	struct dp_trace_snap tr;
};

/* A note waiting for room in the control plane's queue (dp_note_push, in
 * a FIFO list: dp->overflow, dp->overflow_tail). Segments never wait there
 * (dp_to_cp drops them), so a node holds only a note's fixed part and the
 * largest of its other payloads. */
#define DP_NOTE_SMALL (offsetof(struct cp_note, splice) + sizeof(struct dp_splice_rep))
_Static_assert(sizeof(struct dp_splice_rep) >= sizeof(struct tcp_conn),
	       "an overflow node holds a note's conn");

struct dp_note_overflow {
	struct dp_note_overflow *next;
	uint8_t note[DP_NOTE_SMALL] __attribute__((aligned(8)));
};

struct dp_stats {
	uint64_t rx_frames, rx_segs, tx_segs, tx_acks, to_cp, rounds, sleeps;
	uint64_t rx_nometa, rx_vlan; /* module chain metadata (dp_rx_meta) */
	uint64_t drops[XTOE_DROP__COUNT];
	uint64_t note_overflow, note_overflow_peak; /* notes waiting for dp2cp */
	uint64_t parks, unparks; /* its thread parked / was handed it back */
};

/* One data-path thread's busy samples (dp_prop.c): the time of its rounds
 * that did work, over windows of cfg.prop.window_us. */
struct dp_prop {
	uint64_t win_start;  /* 0: no round seen yet */
	uint64_t last;       /* when the last round started */
	uint64_t busy_us;    /* this window: rounds with work */
	uint64_t other_us;   /* thread 0: of which other workers' rounds */
	bool worked;         /* the last round did work */
	uint32_t busy_pct, other_pct; /* the last closed window */
	uint32_t high_run, low_run;   /* windows above / below the marks in a row */
};

enum dp_prop_act { DP_PROP_KEEP, DP_PROP_GROW, DP_PROP_SHRINK };

/*
 * One data-path worker. Worker 0, the hub, takes the control plane's
 * commands and the applications' bumps and passes those for a flow of
 * another worker to that worker's command queue (dp_hub.c); every worker
 * owns the queues of its port view, the flows installed on it (its table,
 * timers, work list) and sends its own notes to the control plane.
 */
struct dp {
	struct xtoed *d;
	uint32_t id;                /* worker index, 0: the hub */
	struct port *port;          /* its queues (port_view) */
	struct spsc *cmds, *notes;  /* from the hub / control plane, to it */
	int efd;                    /* wakes it */
	_Atomic uint32_t *sleeping;
	struct dp_stats_pub *spub;
	_Atomic uint64_t backlog;   /* st.note_overflow, for the hub */
	struct app_ctx *wake_list;  /* contexts with events this round */
	uint32_t flows_owned;
	uint32_t wake_workers;      /* hub: bit per worker given work */
	uint32_t fan_next;          /* hub: next worker a command for all
				       goes to (0: not started) */
	struct dp_flow *flows;      /* shared by index; a worker touches
				       only the flows it installed */
	struct flowtab tab;
	uint32_t *work;             /* flow indices to service */
	uint32_t nwork;
	struct wheel wheel;         /* the TCP core's timers of installed flows */
	struct app_ctx *ctxs;
	uint64_t now;
	bool running;
	/* proportional cores: the thread running this worker is its own or
	 * thread 0 (its own parked). It moves only at a round boundary: the
	 * giver stops touching the worker, then stores owner (release); the
	 * taker loads it (acquire) before touching anything */
	_Atomic uint32_t owner;
	_Atomic uint32_t park_seq;  /* futex word of its own thread, parked */
	uint32_t runner;            /* owner as the holder last set it (stats) */
	struct dp_prop prop;        /* its own thread's busy samples */
	bool cp_wake;   /* notes pushed this round */
	struct dp_note_overflow *overflow, *overflow_tail; /* FIFO */
	struct dp_stats st;
	/* tx capture (dp_cap.c) */
	uint32_t cap_active;        /* xtoed.cap_on as of this round */
	/* TCP events for xtoectl trace (dp_trace.c) */
	bool trace_active;          /* xtoed.trace_on as of this round */
};

/* dp_rx.c */
uint32_t dp_poll_rx(struct dp *dp);
/* vlan: TCI of the 802.1Q tag the chain popped, -1 for none. */
void dp_rx_frame(struct dp *dp, const uint8_t *data, uint32_t len, int32_t vlan);
/* dp_out.c */
void dp_queue(struct dp *dp, uint32_t idx);
void dp_service(struct dp *dp);
void dp_timers(struct dp *dp);
void dp_timer_arm(struct dp *dp, struct dp_flow *f);
void dp_send_frame(struct dp *dp, const uint8_t *frame, uint32_t len);
void dp_send_rst(struct dp *dp, struct dp_flow *f);
void dp_rst_reply(struct dp *dp, const struct tcp_seg *s);
void dp_send_probe(struct dp *dp, struct dp_flow *f);
void dp_apply(struct dp *dp, struct dp_flow *f, uint32_t act);
void dp_flow_abort(struct dp *dp, struct dp_flow *f, int err, bool rst);
void dp_flow_ack(struct dp *dp, struct dp_flow *f);
void dp_flow_finish(struct dp *dp, struct dp_flow *f);
void dp_status_set(struct dp_flow *f, uint32_t bits, int err);
/* The flow's values for the control plane's timers (struct flow_pub). */
void dp_flow_publish(struct dp *dp, const struct dp_flow *f);
/* dp_ring.c: the core's view of the application's rings in a flow slot */
void dp_ring_bufs(struct app_ctx *c, uint32_t slot, struct tcp_bufs *b);
/* dp_app.c */
uint32_t dp_poll_apps(struct dp *dp);
/* An application's bump for a flow of this worker (or of none yet). */
void dp_bump(struct dp *dp, struct app_ctx *c, const struct xtoe_bump *b);
void dp_wake_apps(struct dp *dp);
void dp_reap_ctxs(struct dp *dp);
/* dp_splice.c */
void dp_splice(struct dp *dp, const struct dp_splice_req *q);
/* dp_cap.c: tx capture for xtoe-dump */
void dp_cap_round(struct dp *dp);
void dp_cap_frame(struct dp *dp, const uint8_t *frame, uint32_t len);
static inline void dp_cap_tx(struct dp *dp, const uint8_t *frame, uint32_t len)
{
	if (dp->cap_active)
		dp_cap_frame(dp, frame, len);
}
/* dp_trace.c: TCP events for xtoectl trace. dp_trace_flow reports what
 * changed since the flow's snapshot; retx: the kind a go-back seen now is
 * (0: a command's, reported by the control plane). */
void dp_trace_round(struct dp *dp);
void dp_trace_sync(struct dp_flow *f);
void dp_trace_flow(struct dp *dp, struct dp_flow *f, uint8_t retx);
void dp_trace_timer(struct dp *dp, struct dp_flow *f, uint8_t kind);
void dp_trace_drop(struct dp *dp, const struct dp_flow *f, uint32_t seq,
		   enum xtoe_drop_reason why);
static inline void dp_trace_input(struct dp *dp, struct dp_flow *f,
				  uint32_t seq, enum xtoe_drop_reason why)
{
	if (!dp->trace_active)
		return;
	if (why != XTOE_DROP_NONE)
		dp_trace_drop(dp, f, seq, why);
	dp_trace_flow(dp, f, XTOE_RETX_FAST);
}
/* dp_pub.c: counters for the tools */
bool dp_stats_due(uint32_t asked, uint32_t served, uint64_t now_us, uint64_t last_us);
void dp_stats_round(struct dp *dp);
void dp_stats_publish(struct dp *dp);
void dp_info_publish(struct dp *dp, struct dp_flow *f);
/* dp.c */
/* Push a note (never CP_NOTE_FRAME: dp_rx.c's, which may be dropped). */
void dp_note_push(struct dp *dp, const struct cp_note *n);
void dp_flush_overflow(struct dp *dp);
bool dp_notes_backlogged(const struct dp *dp);
uint32_t dp_poll_cmds(struct dp *dp);
void dp_cmd(struct dp *dp, const struct dp_cmd *cmd);
/* dp_prop.c: when threads park and come back. dp_prop_tick accounts the
 * round that started at now (worked: it did work); true when that closed
 * a window (*windows: how many it spans). dp_prop_decide: what the thread
 * does after a closed window (hub: thread 0; others_held: it runs another
 * worker too). Pure: no clock, no thread. */
bool dp_prop_tick(const struct dp_prop_cfg *c, struct dp_prop *p, uint64_t now, bool worked,
		  uint32_t *windows);
enum dp_prop_act dp_prop_decide(const struct dp_prop_cfg *c, struct dp_prop *p, bool hub,
				uint32_t windows, bool others_held);
/* dp_hub.c: worker 0 passes work to the others */
bool dp_hub_cmd(struct dp *dp, const struct dp_cmd *cmd);
bool dp_hub_bump(struct dp *dp, struct app_ctx *c, const struct xtoe_bump *b);
void dp_ctx_let_go(struct dp *dp, struct app_ctx *c);
void dp_hub_wake(struct dp *dp);

/* This worker's part of context c. */
static inline struct ctx_worker *dp_cw(const struct dp *dp, struct app_ctx *c)
{
	return &c->w[dp->id];
}

static inline uint32_t dp_flow_idx(const struct dp *dp, const struct dp_flow *f)
{
	return (uint32_t)(f - dp->flows);
}

#endif /* XTOE_DP_H */
