/* SPDX-License-Identifier: MIT */
/*
 * The TCP core: sans-IO. Frames are parsed into values, a connection's state
 * is changed only by the functions here given a segment and the current time,
 * and what must happen next comes back as actions. No system calls, no
 * clocks, no allocation: the data-path and the control plane do the I/O, and
 * unit tests drive the same code with built segments and a virtual clock.
 *
 * Who calls what:
 *   control plane: tcp_passive_open, tcp_active_open, tcp_handshake_input,
 *                  tcp_rst_reply, tcp_isn (connection setup; no buffers yet)
 *   data-path:     tcp_conn_attach, tcp_input, tcp_output_next, tcp_ack_hdr,
 *                  tcp_app_shutdown, tcp_go_back_n, tcp_window_update_due
 *                  (the data-path is the only writer of an attached conn)
 *
 * Byte counters and sequence numbers: the payload rings count bytes with
 * free-running 32-bit counters. The byte the application queued at tx
 * counter n has sequence number iss + 1 + n; the byte placed at rx counter
 * n has sequence number irs + 1 + n. The rings' application side is reached
 * through struct tcp_app_ops, which the caller provides (the daemon over its
 * shared memory, tests over plain counters).
 *
 * Timers: the core keeps its own deadlines (RTO, loss probe, persist,
 * delayed ACK) and says when it next needs to be called, tcp_timer_next();
 * the caller runs tcp_timer_fire() then (docs/tcp-core.md).
 */
#ifndef XTOE_TCP_H
#define XTOE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xtoe/drop.h>
#include "tcp_state.h"

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20
#define TCP_F_ECE 0x40
#define TCP_F_CWR 0x80

/* ECN field of the IPv4 TOS byte (RFC 3168 5). */
#define TCP_ECN_ECT0 0x02
#define TCP_ECN_CE 0x03

#define TCP_ETH_HLEN 14
#define TCP_IP_HLEN 20
#define TCP_MIN_HLEN 20
/* Headers of a data segment with the timestamp option. */
#define TCP_HDRS_TS (TCP_ETH_HLEN + TCP_IP_HLEN + TCP_MIN_HLEN + 12)
#define TCP_VLAN_HLEN 4 /* an 802.1Q tag after the MAC addresses */
#define TCP_MAX_HDRS (TCP_ETH_HLEN + TCP_VLAN_HLEN + 60 + 60)
/* SACK blocks kept from a segment (RFC 2018 allows 4 in 40 option bytes). */
#define TCP_MAX_SACK 4
/* SACK blocks we send: 3 fit next to the timestamp option. */
#define TCP_SEND_SACK 3

/* A small sorted set of disjoint, non-touching sequence intervals
 * [start, end) (tcp_ivset.c). */
#define TCP_IVSET_MAX 16
struct tcp_ivset {
	uint8_t n;
	struct {
		uint32_t start, end;
	} iv[TCP_IVSET_MAX];
};

/* Add [start, end), merging what it touches. A new interval when all slots
 * are taken is refused (returns false): nothing held is ever given up, so
 * SACK blocks sent for it stay true (no reneging). */
bool tcp_ivset_add(struct tcp_ivset *v, uint32_t start, uint32_t end);
/* Forget everything below `below`. */
void tcp_ivset_trim(struct tcp_ivset *v, uint32_t below);
/* Take [start, end) out of the set (an interval it would split when the set
 * is full goes whole). */
void tcp_ivset_take(struct tcp_ivset *v, uint32_t start, uint32_t end);
/* Index of the interval holding seq, or -1. */
int tcp_ivset_find(const struct tcp_ivset *v, uint32_t seq);
/* For seq outside every interval: the first interval start in (seq, end),
 * or end. */
uint32_t tcp_ivset_gap(const struct tcp_ivset *v, uint32_t seq, uint32_t end);

/* Sequence-space comparisons (RFC 9293 modular arithmetic). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* A parsed Ethernet/IPv4/TCP frame. Addresses and ports in network order,
 * everything else in host order. payload points into the frame. */
struct tcp_seg {
	uint8_t smac[6], dmac[6];
	bool vlan;         /* arrived with an 802.1Q tag (control-plane copies) */
	uint16_t vlan_tci; /* host order */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t tos;
	uint8_t flags; /* TCP_F_* */
	uint32_t seq, ack;
	uint16_t wnd; /* raw window field, unscaled */
	/* options */
	bool has_mss, has_ws, has_ts, sack_ok;
	uint16_t mss;
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t nsack;  /* SACK blocks: [left, right) sequence numbers */
	uint32_t sack[TCP_MAX_SACK][2];
	const uint8_t *payload;
	uint16_t len;
	uint8_t hlen;   /* TCP header bytes (before the payload) */
	bool placed;    /* payload already in the rx ring (tcp_rx_copy) */
	uint8_t segs;   /* frames it stands for (the data-path's receive
			 * coalescing, dp_rx.c); 0 counts as 1 */
};

/* The TCP checksum of a parsed segment whose payload's sum is known
 * (csum_add of it, or the sum tcp_rx_copy took while placing it). */
bool tcp_seg_csum_ok(const struct tcp_seg *s, uint64_t payload_sum);

/*
 * Parse and validate a frame. The chain strips VLAN tags before the
 * data-path; copies for the control plane carry the tag again, so one
 * 802.1Q tag is accepted and reported in vlan / vlan_tci. Checks
 * lengths, IPv4 header and checksum, fragments, TCP data offset, option
 * lengths, the TCP checksum when verify_csum, and invalid flag combinations
 * (SYN+FIN, SYN+RST, no flag at all). Returns XTOE_DROP_NONE when usable.
 */
enum xtoe_drop_reason tcp_parse(const uint8_t *frame, size_t len,
				struct tcp_seg *s, bool verify_csum);

/* Both ends of a connection as they appear in frames we send. */
struct tcp_endpoints {
	uint8_t smac[6], dmac[6];
	bool vlan;         /* send with an 802.1Q tag (vlan_tci, host order) */
	uint16_t vlan_tci;
	uint32_t saddr, daddr; /* network order; saddr is ours */
	uint16_t sport, dport; /* network order; sport is ours */
};

/* Header values of a segment to send. */
struct tcp_hdrvals {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint8_t tos;
	bool ts;          /* include the timestamp option */
	uint32_t tsval, tsecr;
	uint16_t mss;     /* 0: no MSS option (SYN only) */
	int8_t wscale;    /* -1: no window scale option (SYN only) */
	bool sack_ok;     /* SYN only */
	uint8_t nsack;    /* SACK blocks [left, right) (not on SYNs) */
	uint32_t sack[TCP_SEND_SACK][2];
};

/*
 * Write Ethernet + IPv4 + TCP headers for a segment that will carry
 * payload_len bytes right after them. Returns the header length, or -ENOSPC.
 * The caller places the payload, then calls tcp_frame_finish(). The IPv4
 * TOS byte (with the ECN field) comes from h->tos.
 */
int tcp_build_hdr(uint8_t *buf, size_t cap, const struct tcp_endpoints *ep,
		  const struct tcp_hdrvals *h, uint16_t payload_len);
/* Fill the IPv4 and TCP checksums of a frame built by tcp_build_hdr. */
void tcp_frame_finish(uint8_t *frame, size_t len);
/* The same for a frame whose plen payload bytes after its hlen bytes of
 * headers were summed as they were placed (psum: tcp_tx_copy's), so they
 * are not read again. */
void tcp_frame_finish_sum(uint8_t *frame, size_t hlen, size_t plen, uint64_t psum);
/* Convenience: headers + payload + checksums in one call; returns length. */
int tcp_build_frame(uint8_t *buf, size_t cap, const struct tcp_endpoints *ep,
		    const struct tcp_hdrvals *h, const void *payload,
		    uint16_t payload_len);

/* enum tcp_state and tcp_state_name: core/tcp_state.h (the tools' too). */

/* Congestion control (cc.h): the algorithm's ops and the state it keeps. */
struct tcp_cc_ops;
struct tcp_cc_state {
	uint32_t cwnd, ssthresh; /* bytes; enforced by tcp_output_next */
	uint32_t acc;            /* bytes towards the next increase */
	uint32_t ecn_recover;    /* react to ECN-Echo once per window */
	uint32_t w_max, w_est;   /* CUBIC */
	uint64_t epoch_us, k_us;
	uint32_t alpha, win_end, bytes_acked, bytes_marked; /* DCTCP */
};

/*
 * What a peer sees of our timing, with Linux's defaults (tcp_params_linux;
 * docs/tcp-core.md names the Linux source of each value). One table per
 * daemon, pointed to by every connection (NULL: the Linux defaults).
 */
struct tcp_params {
	uint32_t rto_min_us;    /* TCP_RTO_MIN: 200 ms */
	uint32_t rto_max_us;    /* TCP_RTO_MAX: 120 s */
	uint32_t rto_init_us;   /* TCP_TIMEOUT_INIT: 1 s */
	uint32_t ato_us;        /* TCP_ATO_MIN: delayed ACK, 40 ms */
	uint32_t probe_min_us;  /* TCP_TIMEOUT_MIN: 2 jiffies (8 ms at HZ 250) */
	uint8_t quickacks;      /* TCP_MAX_QUICKACKS: 16 */
	uint8_t init_cwnd;      /* TCP_INIT_CWND: 10 segments (RFC 6928) */
	uint8_t retries;        /* tcp_retries2: 15 RTOs, then ETIMEDOUT */
	uint8_t orphan_retries; /* tcp_orphan_retries 0, that is 8 RTOs once
				   the application closed (tcp_app_orphan) */
	uint32_t fin_timeout_us; /* tcp_fin_timeout: 60 s in FIN-WAIT-2 once
				    the application closed */
	bool tlp;               /* tcp_early_retrans 3: tail loss probes */
};

extern const struct tcp_params tcp_params_linux;

/*
 * The application side of a connection's rings, provided by the caller:
 * how far the application has read (rx_head) and written (tx_tail), and
 * where the core publishes what it received (rx_tail) and what the peer
 * acknowledged (tx_head). Values the application gives are never trusted:
 * the core clamps them so that a bad one only stalls the flow.
 * tx_push (optional): the tx counter where the application's last write
 * ended (PSH, Nagle); tx_flags (optional): TCP_APP_* bits; tx_limit_set
 * (optional): the send buffer's limit within the ring (autotuning).
 */
struct tcp_app_ops {
	uint32_t (*rx_head)(void *app);
	uint32_t (*tx_tail)(void *app);
	void (*rx_tail_set)(void *app, uint32_t tail);
	void (*tx_head_set)(void *app, uint32_t head);
	uint32_t (*tx_push)(void *app);  /* optional: tx_tail */
	uint32_t (*tx_flags)(void *app); /* optional: 0 */
	/* optional: what the application may queue from now on (the send
	 * buffer's autotuned limit, tcp_sndbuf.c); it only grows */
	void (*tx_limit_set)(void *app, uint32_t limit);
};

/* tcp_app_ops.tx_flags */
#define TCP_APP_NAGLE 1u /* RFC 896: small segments wait while one is out */

struct tcp_bufs {
	uint8_t *rx, *tx;
	uint32_t rx_size, tx_size; /* powers of two */
	const struct tcp_app_ops *ops;
	void *app;
};

/* Timer deadlines (microseconds, 0: not armed). */
struct tcp_timers {
	uint64_t rto, pto, persist, delack, reo; /* reo: RACK reordering */
	uint64_t linger;      /* an orphan's FIN-WAIT-2 ends (fin_timeout) */
	uint64_t rtx_since;   /* first RTO of the current run (0: none) */
	uint8_t rto_backoff, persist_backoff;
};

/* When a stretch of sequence space was last sent (RACK, tcp_rack.c). */
#define TCP_TXREC_MAX 32
enum { TCP_REC_SACKED = 1, TCP_REC_RETRANS = 2, TCP_REC_LOST = 4 };
struct tcp_txrec {
	uint32_t end;  /* the stretch ends here; it starts where the one
			  before ends (the first: snd_una) */
	uint32_t xmit; /* last sent, microseconds (low 32 bits) */
	uint8_t flags; /* TCP_REC_* */
};

/* RACK's state (RFC 8985 6.1). */
struct tcp_rack {
	uint32_t xmit, end, rtt; /* the most recently sent delivered stretch */
	uint32_t fack;           /* highest sequence delivered */
	bool valid, fack_valid, reord;
	uint8_t reo_steps;       /* reo_wnd in min_rtt/4 steps (D-SACKs) */
	uint8_t reo_persist;     /* recoveries before the steps fall back */
	uint64_t dsack_us;       /* last step up */
	uint64_t dsack_dups;     /* segments D-SACKed so far (Linux
				    tp->dsack_dups) */
};

struct tcp_conn {
	struct tcp_endpoints ep;
	uint8_t state;      /* enum tcp_state */
	/* negotiated at setup */
	uint16_t mss;       /* largest payload we send (both MSS options, less
			       the timestamp option: Linux's mss_cache) */
	uint16_t adv_mss;   /* the MSS we advertised */
	uint8_t snd_wscale; /* shift for the peer's window field */
	uint8_t rcv_wscale; /* shift for the window we advertise */
	bool ts_ok;         /* both sides use timestamps */
	bool ws_ok;         /* both sides use window scaling */
	bool sack_ok;       /* both sides permit SACK (RFC 2018) */
	bool ecn_ok;        /* both sides use ECN (RFC 3168) */
	/* send side */
	uint32_t iss;
	uint32_t snd_una, snd_nxt;
	uint32_t snd_max;   /* highest snd_nxt so far (go-back-N lowers snd_nxt) */
	uint32_t snd_recover; /* snd_max at the last go-back-N (RFC 6582) */
	uint32_t snd_wnd;   /* peer's window in bytes */
	uint32_t snd_wl1, snd_wl2;
	uint32_t max_snd_wnd; /* largest peer window seen (sender SWS) */
	bool sws_override;  /* persist timer fired: send a small segment */
	struct tcp_ivset sacked; /* peer's SACK blocks above snd_una:
				    retransmissions skip them */
	bool rto_sweep;     /* going back after an RTO: resend everything */
	uint32_t rtx_high;  /* SACK recovery: holes below this were resent */
	/* congestion control: NULL ops means none (only the peer's window) */
	const struct tcp_cc_ops *cc;
	struct tcp_cc_state cc_st;
	/* RACK (RFC 8985): send times of what is in flight */
	struct tcp_txrec rec[TCP_TXREC_MAX];
	uint8_t nrec;
	struct tcp_rack rack;
	/* PRR (RFC 6937) during a fast recovery: bytes delivered and sent
	 * since it began, the flight then, what may be sent now */
	uint32_t prr_delivered, prr_out, recover_fs, prr_budget;
	bool cwr_pending;   /* ECN: put CWR on the next new data segment */
	bool ce_state;      /* ECN: the last data segment was CE-marked */
	uint8_t dupacks;
	bool fin_queued;    /* application asked for FIN */
	bool fin_sent;      /* our FIN has a sequence number (snd_nxt past it) */
	uint32_t fin_pos;   /* tx counter the FIN follows (set with fin_queued) */
	/* receive side */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv;   /* right edge of the window we advertised */
	uint32_t ts_recent;
	uint32_t last_ack_sent; /* RFC 7323 Last.ACK.sent */
	bool fin_rcvd;
	/* out-of-order intervals, their bytes already in the rx ring beyond
	 * rx_tail; ooo_fin: the peer's FIN is at ooo_fin_seq (the end of the
	 * highest interval); ooo_last: a sequence number of the latest
	 * out-of-order segment (its block is reported first, RFC 2018 4) */
	struct tcp_ivset ooo;
	bool ooo_fin;
	uint32_t ooo_fin_seq, ooo_last;
	bool dsack_out;       /* RFC 2883: the next pure ACK reports [dsack[0],
				 dsack[1]) as received twice (tcp_rcv_sack.c) */
	uint32_t dsack[2];
	/* RTT timing of one segment at a time (Karn: not retransmitted ones) */
	uint32_t rtt_seq;
	uint64_t rtt_start_us;
	bool rtt_timing;
	uint32_t srtt_us, rttvar_us; /* 0 until the first sample */
	uint32_t rtt_last_us, rtt_samples; /* the latest sample; how many */
	uint64_t last_progress_us;   /* last time snd_una advanced / data sent */
	/* RFC 5961 7: challenge ACKs sent in the current second */
	uint64_t chack_since_us;
	uint32_t chack_count;
	/* buffers, set by tcp_conn_attach; rx_tail and tx_head are ours */
	struct tcp_bufs b;
	bool attached;
	bool orphan;        /* the application closed its handle */
	uint32_t rx_tail, tx_head;
	uint32_t rx_size;   /* the receive ring (from the open config until attached) */
	uint32_t sndbuf;    /* what the application may queue in the send ring
			       (Linux sk_sndbuf, autotuned: tcp_sndbuf.c) */
	uint16_t reordering; /* the peer's reordering degree, segments (Linux
				tp->reordering; 0: the initial 3) */
	/* timers (tcp_timer.c) */
	const struct tcp_params *par;
	struct tcp_timers t;
	uint32_t last_seg_seq; /* start of the latest new-data segment (TLP) */
	uint32_t snd_sml;      /* end of the latest small segment (Nagle,
				  Minshall's variant as Linux) */
	uint32_t tlp_high_seq; /* a loss probe is out up to here (0: none) */
	bool tlp_out;
	bool rtx_one;          /* resend [rtx_seq, one segment) next */
	bool probe_new;        /* the loss probe sends new data */
	uint32_t rtx_seq;
	/* delayed ACKs (Linux's quick-ACK and ping-pong modes) */
	uint8_t quick;         /* ACK at once for this many more data segments */
	bool pingpong;         /* interactive: hold ACKs for our replies */
	bool ack_seen_data;    /* the first data segment came */
	uint64_t last_rcv_us;  /* the latest data segment */
	/* undo of a recovery its D-SACKs show needless (RFC 2883 / Linux
	 * tcp_try_undo_dsack): the window as it was before the cut */
	struct tcp_cc_state undo_cc;
	struct tcp_ivset undo_rtx; /* what it retransmitted, not D-SACKed yet */
	bool undo_ok;           /* a recovery that may still be undone */
	bool undo_sent;         /* it retransmitted something */
	uint32_t undos;         /* recoveries undone (TCP_INFO-like counter) */
	/* counters (TCP_INFO) */
	uint64_t segs_in, segs_out, bytes_in, bytes_out, retransmits;
	uint64_t bytes_acked, bytes_retrans;
	uint32_t data_segs_in, data_segs_out, total_rto, min_rtt_us;
	uint64_t last_data_sent_us, last_ack_rcv_us;
};

/* RFC 5961 7: at most this many challenge ACKs per connection and second. */
#define TCP_CHALLENGE_ACK_LIMIT 100u

/* Settings for opening a connection. */
struct tcp_open_cfg {
	uint16_t mss;        /* the MSS we advertise: route MTU - 40, as Linux */
	uint32_t rx_size;    /* receive ring size: sets initial window */
	uint32_t wscale_space; /* bytes the window scale must cover (Linux:
				  max(tcp_rmem[2], rmem_max)); 0: the ring */
	bool timestamps;     /* offer / accept timestamps */
	bool wscale;         /* offer / accept window scaling */
	bool sack;           /* offer / accept SACK */
	bool ecn;            /* offer ECN on active opens (and accept it) */
	bool ecn_accept;     /* answer an ECN-setup SYN (Linux tcp_ecn=2) */
	const struct tcp_cc_ops *cc; /* congestion control, NULL: none */
	const struct tcp_params *par; /* NULL: tcp_params_linux */
};

/*
 * Passive open (RFC 9293 3.10.7.2): from a SYN received on a listener,
 * initialise c in SYN-RECEIVED with our ISN and fill the SYN-ACK in *synack.
 */
void tcp_passive_open(struct tcp_conn *c, const struct tcp_seg *syn,
		      const struct tcp_endpoints *ep, uint32_t iss,
		      const struct tcp_open_cfg *cfg, uint64_t now_us,
		      struct tcp_hdrvals *synack);
/* Active open: initialise c in SYN-SENT and fill the SYN in *syn. */
void tcp_active_open(struct tcp_conn *c, const struct tcp_endpoints *ep,
		     uint32_t iss, const struct tcp_open_cfg *cfg,
		     uint64_t now_us, struct tcp_hdrvals *syn);
/* The SYN or SYN-ACK was sent again: no RTT sample from it (Karn). */
void tcp_handshake_resent(struct tcp_conn *c);
/* Re-fill the SYN or SYN-ACK for a retransmission from the state in c. */
void tcp_handshake_hdr(const struct tcp_conn *c, const struct tcp_open_cfg *cfg,
		       uint64_t now_us, struct tcp_hdrvals *h);

enum tcp_hs_result {
	TCP_HS_DROP,        /* ignore the segment */
	TCP_HS_ESTABLISHED, /* now ESTABLISHED; send_ack says if an ACK is due */
	TCP_HS_REFUSED,     /* SYN-SENT got an acceptable RST: ECONNREFUSED */
	TCP_HS_ABORTED,     /* SYN-RECEIVED got an acceptable RST */
	TCP_HS_SEND_RST,    /* answer with tcp_rst_reply() */
	TCP_HS_RESEND,      /* duplicate SYN: send the SYN-ACK again */
};

struct tcp_hs_out {
	enum tcp_hs_result res;
	bool send_ack;
	enum xtoe_drop_reason drop; /* with TCP_HS_DROP */
};

/* A segment for a connection in SYN-SENT or SYN-RECEIVED. */
struct tcp_hs_out tcp_handshake_input(struct tcp_conn *c,
				      const struct tcp_seg *s, uint64_t now_us);

/* The RST that answers segment s when no connection matches
 * (RFC 9293 3.10.7.1). Returns false when s itself is a RST. */
bool tcp_rst_reply(const struct tcp_seg *s, struct tcp_endpoints *ep,
		   struct tcp_hdrvals *h);

/* RFC 6528 initial sequence number: keyed hash of the 4-tuple + 4 us clock. */
uint32_t tcp_isn(const struct tcp_endpoints *ep, const uint8_t key[16],
		 uint64_t now_us);

/*
 * SYN cookies (RFC 4987 3.6, tcp_cookie.c) for a full listen backlog.
 * tcp_cookie_isn: the ISN of a stateless SYN-ACK (tcp_cookie_synack fills
 * it: MSS option only). tcp_cookie_check: for the ACK that completes the
 * handshake (peer_isn = SEG.SEQ - 1, cookie = SEG.ACK - 1), the MSS the
 * cookie carries, or 0 when it is not ours or too old. tcp_cookie_open:
 * the connection, ESTABLISHED, built from that ACK (no timestamps, window
 * scaling or SACK); 0 or -EINVAL.
 */
uint32_t tcp_cookie_isn(const struct tcp_endpoints *ep, uint32_t peer_isn,
			uint16_t peer_mss, const uint8_t key[16], uint64_t now_us);
uint16_t tcp_cookie_check(const struct tcp_endpoints *ep, uint32_t peer_isn,
			  uint32_t cookie, const uint8_t key[16], uint64_t now_us);
void tcp_cookie_synack(const struct tcp_seg *syn, uint32_t iss,
		       const struct tcp_open_cfg *cfg, struct tcp_hdrvals *h);
int tcp_cookie_open(struct tcp_conn *c, const struct tcp_seg *ack,
		    const struct tcp_endpoints *ep, uint16_t mss,
		    const struct tcp_open_cfg *cfg, uint64_t now_us);

/* Give an established connection its rings. Counters start at 0. */
void tcp_conn_attach(struct tcp_conn *c, const struct tcp_bufs *b);

/* Actions returned by tcp_input (bit set). */
enum tcp_action {
	TCP_ACT_ACK = 1u << 0,      /* send an ACK now (tcp_ack_hdr) */
	TCP_ACT_RX = 1u << 1,       /* new in-order bytes in the rx ring */
	TCP_ACT_TX_FREED = 1u << 2, /* snd_una advanced: send ring space freed */
	TCP_ACT_FIN = 1u << 3,      /* peer's FIN consumed: end of stream */
	TCP_ACT_RESET = 1u << 4,    /* acceptable RST: connection aborted */
	TCP_ACT_DONE = 1u << 5,     /* both directions closed (see state:
				       TIME_WAIT or CLOSED) */
	TCP_ACT_OUTPUT = 1u << 6,   /* more may be sent: call tcp_output_next */
	TCP_ACT_TO_CP = 1u << 7,    /* not the common case: control plane */
	TCP_ACT_ACK_NOW = 1u << 8,  /* the ACK must not be delayed (RFC 5681
				       4.2: out-of-order data, gap filled) */
	TCP_ACT_WPROBE = 1u << 9,   /* send a window probe (tcp_probe_hdr) */
	TCP_ACT_TIMEOUT = 1u << 10, /* retransmissions gave up: ETIMEDOUT */
	TCP_ACT_TIMER = 1u << 11,   /* a deadline changed: see tcp_timer_next */
};

struct tcp_result {
	uint32_t act;               /* TCP_ACT_* */
	enum xtoe_drop_reason drop; /* why (part of) the segment was dropped */
};

/*
 * A segment for an attached connection in ESTABLISHED or a later state:
 * RST and SYN checks, ACK processing (snd_una, window, duplicate ACKs with
 * fast retransmit after three), in-order payload placed in the rx ring,
 * FIN, state transitions. Data after a gap is held in the rx ring beyond
 * rx_tail (one interval) and answered with an immediate duplicate ACK.
 */
struct tcp_result tcp_input(struct tcp_conn *c, const struct tcp_seg *s,
			    uint64_t now_us);

/* A segment to transmit: header values + where its payload is in the tx ring. */
struct tcp_txseg {
	struct tcp_hdrvals h;
	uint32_t tx_pos; /* tx counter of the first payload byte */
	uint16_t len;    /* payload bytes */
};

/*
 * The next segment allowed by the peer's window and the queued data (reads
 * tx_tail), and the FIN when it is due. Advances snd_nxt. Returns false when
 * nothing may be sent now.
 */
bool tcp_output_next(struct tcp_conn *c, uint64_t now_us, struct tcp_txseg *seg);
/* Copy len payload bytes starting at tx counter pos into dst (ring wrap);
 * returns their checksum sum (tcp_frame_finish_sum), taken in the same pass. */
uint64_t tcp_tx_copy(const struct tcp_conn *c, uint32_t pos, uint16_t len,
		     uint8_t *dst);
/* Whether segment s continues the in-order data straight into free room
 * of the rx ring (no held out-of-order data): tcp_rx_copy may place it
 * there before tcp_input, its checksum summed in the same pass. ahead:
 * bytes already placed at rcv_nxt for a segment not yet input (the
 * segments coalesced before s), so s must start right after them. */
bool tcp_rx_direct_ok(const struct tcp_conn *c, const struct tcp_seg *s,
		      uint32_t ahead);
/* Copy s's payload to the rx ring at rcv_nxt + ahead, not published
 * (tcp_input publishes it, or leaves it as free room when it refuses the
 * segment); marks s placed. Returns the payload's sum for tcp_seg_csum_ok. */
uint64_t tcp_rx_copy(struct tcp_conn *c, struct tcp_seg *s, uint32_t ahead);
/* Whether the application's send buffer (the autotuned limit within the
 * ring, tcp_sndbuf.c) has room worth waking a writer for: a third of it
 * free, Linux's sk_stream_is_writeable (free space at least half of what
 * is queued), so a blocked writer wakes for a batch rather than for every
 * ACK. */
bool tcp_tx_writable(const struct tcp_conn *c);
/* Header of a pure ACK carrying the current window; records rcv_adv. */
void tcp_ack_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h);
/* Window we may advertise now, in bytes (free rx ring space). */
uint32_t tcp_rcv_window(const struct tcp_conn *c);
/* After the application consumed rx bytes: is a window update worth sending
 * (the advertised window grows by at least 2 MSS or half the ring)? */
bool tcp_window_update_due(const struct tcp_conn *c);
/* The application asked for FIN after queued data (shutdown or close). */
void tcp_app_shutdown(struct tcp_conn *c);
/* The application closed its handle (Linux: an orphaned socket): from now
 * on FIN-WAIT-2 lasts at most fin_timeout (then the connection ends,
 * TCP_ACT_TIMEOUT, state CLOSED, as Linux drops its FIN-WAIT-2 socket
 * without a RST) and retransmissions give up after orphan_retries. */
void tcp_app_orphan(struct tcp_conn *c, uint64_t now_us);
/* Output is held back by the peer's window (zero, or too small to be worth
 * a segment) with nothing in flight: the caller's persist timer should run
 * (RFC 9293 3.8.6.1), with backoff, for as long as this stays true. */
bool tcp_persist_wanted(const struct tcp_conn *c);
/* The persist timer expired: the window probe to send (like Linux, an ACK
 * with sequence snd_una - 1, which the peer must answer with its window),
 * and the next tcp_output_next may send a segment that sender SWS avoidance
 * would hold back (RFC 9293 3.8.6.2.1, override timeout). */
void tcp_probe_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h);
/* Tail loss probe (RFC 8985 7.3): the next tcp_output_next sends new data
 * if the peer's window allows, else resends the latest segment. */
void tcp_loss_probe(struct tcp_conn *c);
/* Retransmission timeout: resend from snd_una. */
void tcp_go_back_n(struct tcp_conn *c, uint64_t now_us);

/*
 * Timers (tcp_timer.c). The core arms and clears its deadlines itself as
 * segments come and go; tcp_timer_next is the earliest (UINT64_MAX: none).
 * When it has passed the caller calls tcp_timer_fire, which returns
 * TCP_ACT_* bits: OUTPUT (retransmission or probe: call tcp_output_next),
 * ACK (a delayed ACK is due), WPROBE (zero-window probe), TIMEOUT (abort
 * with ETIMEDOUT). Any call of the core may move the deadline: callers
 * read tcp_timer_next again after each.
 */
uint64_t tcp_timer_next(const struct tcp_conn *c);
uint32_t tcp_timer_fire(struct tcp_conn *c, uint64_t now_us);
/* For TCP_INFO: bytes the peer SACKed above snd_una; bytes queued and not
 * yet sent; the delayed-ACK timeout. */
uint32_t tcp_sacked_bytes(const struct tcp_conn *c);
uint32_t tcp_unsent_bytes(const struct tcp_conn *c);
uint32_t tcp_ato_us(const struct tcp_conn *c);
/* The peer's reordering degree in segments (Linux tp->reordering: 3 until
 * a segment is delivered further below the highest SACKed one). */
uint32_t tcp_reordering(const struct tcp_conn *c);
/* The current retransmission timeout (RFC 6298 with Linux's floor:
 * SRTT + max(4 RTTVAR, rto_min)), before backoff. */
uint32_t tcp_rto_us(const struct tcp_conn *c);
/* The RST for an abortive close of c. */
void tcp_abort_hdr(const struct tcp_conn *c, struct tcp_hdrvals *h);

#endif /* XTOE_TCP_H */
