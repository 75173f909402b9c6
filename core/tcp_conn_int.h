/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the two halves of the data-path TCP core: input
 * (tcp_conn.c) and output (tcp_output.c). Internal to the core.
 */
#ifndef XTOE_TCP_CONN_INT_H
#define XTOE_TCP_CONN_INT_H

#include "tcp.h"

uint32_t tcpc_tx_tail(const struct tcp_conn *c);
uint32_t tcpc_push_seq(const struct tcp_conn *c);
uint32_t tcpc_tx_flags(const struct tcp_conn *c);
uint32_t tcpc_tx_seq(const struct tcp_conn *c, uint32_t pos);
uint32_t tcpc_data_end_seq(const struct tcp_conn *c);
void tcpc_fill_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h, uint32_t seq, uint8_t flags);
uint32_t tcpc_payload_max(const struct tcp_conn *c);
void tcpc_data_hdr(struct tcp_conn *c, uint64_t now_us, struct tcp_hdrvals *h, uint32_t seq, uint8_t flags);
bool tcpc_synchronized(const struct tcp_conn *c);
void tcpc_go_back(struct tcp_conn *c);
uint32_t tcpc_sacked_bytes(const struct tcp_conn *c);
uint32_t tcpc_high_sacked(const struct tcp_conn *c);
uint32_t tcpc_pipe(const struct tcp_conn *c);
uint32_t tcpc_sacked_above(const struct tcp_conn *c, uint32_t seq);
bool tcpc_in_fast_recovery(const struct tcp_conn *c);
/* tcp_prr.c: a recovery begins; an ACK of it delivered bytes; a segment
 * of len bytes goes out; RACK found bytes lost inside it */
void tcpc_prr_start(struct tcp_conn *c);
void tcpc_prr_ack(struct tcp_conn *c, uint32_t delivered);
void tcpc_prr_sent(struct tcp_conn *c, uint32_t len);
void tcpc_prr_lost(struct tcp_conn *c, uint32_t bytes);
void tcpc_rtt_sample(struct tcp_conn *c, uint64_t now_us);
void tcpc_rtx_one(struct tcp_conn *c, uint32_t seq);
/* tcp_rack.c */
void tcpc_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t end, uint64_t now_us,
		    bool fresh);
void tcpc_rack_acked(struct tcp_conn *c, uint32_t old_una, uint64_t now_us);
void tcpc_rack_sacked(struct tcp_conn *c, uint32_t l, uint32_t r, uint64_t now_us);
uint32_t tcpc_rack_detect(struct tcp_conn *c, uint64_t now_us);
void tcpc_rack_dsack(struct tcp_conn *c, uint32_t l, uint32_t r, uint64_t now_us);
bool tcpc_rack_recover(struct tcp_conn *c, uint32_t seq, uint64_t now_us);
/* RACK says what is lost (SACK, a delivery seen, no RTO sweep): a fast
 * recovery resends only records marked lost (Linux
 * tcp_xmit_retransmit_queue); the end of the lost record at seq (seq when
 * it is not marked lost), the end of the record at seq, and the bytes
 * marked lost and not resent yet (RFC 6675 pipe, Linux lost_out). */
bool tcpc_rack_marks_losses(const struct tcp_conn *c);
uint32_t tcpc_rack_lost_end(const struct tcp_conn *c, uint32_t seq);
uint32_t tcpc_rack_rec_end(const struct tcp_conn *c, uint32_t seq);
uint32_t tcpc_rack_lost_bytes(const struct tcp_conn *c);
void tcpc_enter_recovery(struct tcp_conn *c, uint64_t now_us);
/* Undo of needless recoveries (tcp_undo.c): a recovery begins; it
 * retransmits [seq, end); a D-SACK reports [l, rgt). */
void tcpc_undo_start(struct tcp_conn *c);
void tcpc_undo_rtx(struct tcp_conn *c, uint32_t seq, uint32_t end);
void tcpc_undo_dsack(struct tcp_conn *c, uint32_t l, uint32_t rgt);
/* The receiver's SACK option (tcp_rcv_sack.c): D-SACK of data that came
 * twice (old, or already held out of order), quick-ACK mode, the blocks
 * of an ACK (the D-SACK block on pure ACKs only). */
void tcpc_quickack_enter(struct tcp_conn *c);
void tcpc_dsack_note(struct tcp_conn *c, uint32_t seq, uint32_t end);
void tcpc_dsack_old(struct tcp_conn *c, uint32_t seq, uint32_t len);
void tcpc_dsack_ooo(struct tcp_conn *c, uint32_t seq, uint32_t end);
void tcpc_sack_blocks(struct tcp_conn *c, struct tcp_hdrvals *h, bool pure_ack);
/* tcp_sndbuf.c: send-buffer autotuning (Linux tcp_sndbuf_expand) once
 * established and after ACKs that free sent data; the reordering degree
 * it counts (Linux tcp_check_sack_reordering; read with tcp_reordering) */
uint32_t tcpc_sndbuf_per_mss(uint16_t mss);
void tcpc_sndbuf_init(struct tcp_conn *c);
void tcpc_sndbuf_acked(struct tcp_conn *c);
void tcpc_reordering_seen(struct tcp_conn *c, uint32_t metric);
/* tcp_timer.c */
const struct tcp_params *tcpc_par(const struct tcp_conn *c);
void tcpc_arm_pto(struct tcp_conn *c, uint64_t now_us);
void tcpc_rto_restart(struct tcp_conn *c, uint64_t now_us);
void tcpc_timers_update(struct tcp_conn *c, uint64_t now_us);
/* An orphan in FIN-WAIT-2 gets its fin_timeout deadline (once). */
void tcpc_linger_update(struct tcp_conn *c, uint64_t now_us);
bool tcpc_ack_now(struct tcp_conn *c, uint64_t now_us);

#endif /* XTOE_TCP_CONN_INT_H */
