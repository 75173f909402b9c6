/* SPDX-License-Identifier: MIT */
/*
 * The pipeline placement (xtoed --placement pipeline): the receive's PRE
 * stage (parse, checksum) replicated on K threads of their own, the
 * PROTO stage (flow lookup, tcp_input, the flow's state) and POST (what
 * the protocol decided: the payload into the application's ring, frames
 * out) on the worker's thread, the one owner of every flow. The worker
 * reads the rx ring in batches and tags each with a sequence number;
 * batch s goes to PRE thread s % K; a reorder step (dp_reorder.h) hands
 * the finished batches to PROTO in sequence order, so each flow's
 * segments reach tcp_input in the order they arrived.
 */
#ifndef XTOE_DP_PIPE_H
#define XTOE_DP_PIPE_H

#include <pthread.h>

#include "dp.h"
#include "dp_reorder.h"

#define DP_PIPE_DEPTH 8 /* batches in flight (x DP_RX_BATCH frames) */
#define DP_PIPE_INLINE 4 /* a batch this small, none out: on the worker */

/* What PRE found in one frame. */
struct dp_pre_res {
	struct tcp_seg seg;
	uint8_t why; /* enum xtoe_drop_reason */
};

struct dp_pipe_batch {
	_Atomic uint64_t issued; /* seq + 1 once the worker filled it */
	uint32_t n;
	struct port_frame fr[DP_RX_BATCH];
	struct dp_pre_res res[DP_RX_BATCH];
};

struct dp_pre_thread {
	struct dp_pipe *pipe;
	uint32_t idx;
	_Atomic uint32_t sleeping;
	int efd;
	bool started;
	pthread_t th;
	_Atomic uint64_t batches; /* finished (statistics) */
};

struct dp_pipe {
	struct dp *dp;
	struct dp_reorder ro;
	struct dp_pipe_batch b[DP_PIPE_DEPTH];
	uint32_t k;
	_Atomic bool stop;
	struct dp_pre_thread pre[XTOE_PRE_MAX];
};

/* The pipeline of worker dp with k PRE threads (not started). */
struct dp_pipe *dp_pipe_new(struct dp *dp, uint32_t k);
/* After dp_pipe_stop: gives back the frames still in it. */
void dp_pipe_free(struct dp_pipe *p);

#endif /* XTOE_DP_PIPE_H */
