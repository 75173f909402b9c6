// SPDX-License-Identifier: MIT
/*
 * segstat: an xtoe C module (include/xtoe/cmodule.h) that counts the
 * segments the data-path receives and sends, their payload bytes and
 * control flags, and connection openings and closings. Writes one summary
 * line when the daemon stops, to the file given as its argument (stderr
 * without one):
 *
 *   xtoed --iface veth0 --addr 198.18.0.1/24 --cmodule segstat.so:/tmp/segstat.txt
 *
 *   segstat rx_segs 812 rx_bytes 1048576 tx_segs 790 tx_bytes 1048576 syn 1 fin 2 rst 0 opens 1 closes 1
 *
 * The data-path hooks touch only this module's counters (data-path thread);
 * conn_event runs on the control plane: its counters are separate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xtoe/cmodule.h>

struct segstat {
	char path[4096];
	/* data-path thread */
	unsigned long rx_segs, rx_bytes, tx_segs, tx_bytes, syn, fin, rst;
	/* control-plane thread */
	unsigned long opens, closes;
};

static int segstat_init(void **state, const char *args)
{
	struct segstat *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", args);
	*state = s;
	return 0;
}

static void count_flags(struct segstat *s, uint8_t flags)
{
	s->syn += !!(flags & 0x02);
	s->fin += !!(flags & 0x01);
	s->rst += !!(flags & 0x04);
}

static void segstat_rx(void *state, const struct xtoe_cm_seg *seg)
{
	struct segstat *s = state;

	s->rx_segs++;
	s->rx_bytes += seg->payload_len;
	count_flags(s, seg->flags);
}

static void segstat_tx(void *state, const struct xtoe_cm_seg *seg)
{
	struct segstat *s = state;

	s->tx_segs++;
	s->tx_bytes += seg->payload_len;
	count_flags(s, seg->flags);
}

static void segstat_conn(void *state, enum xtoe_cm_event ev,
			 const struct xtoe_cm_conn *c)
{
	struct segstat *s = state;

	(void)c;
	if (ev == XTOE_CM_CONN_OPEN)
		s->opens++;
	else if (ev == XTOE_CM_CONN_CLOSE)
		s->closes++;
}

static void segstat_fini(void *state)
{
	struct segstat *s = state;
	FILE *f = s->path[0] ? fopen(s->path, "w") : stderr;

	if (f) {
		fprintf(f, "segstat rx_segs %lu rx_bytes %lu tx_segs %lu tx_bytes %lu "
			"syn %lu fin %lu rst %lu opens %lu closes %lu\n",
			s->rx_segs, s->rx_bytes, s->tx_segs, s->tx_bytes, s->syn,
			s->fin, s->rst, s->opens, s->closes);
		if (f != stderr)
			fclose(f);
	}
	free(s);
}

XTOE_CMODULE(.name = "segstat", .init = segstat_init, .fini = segstat_fini,
	     .rx_segment = segstat_rx, .tx_segment = segstat_tx,
	     .conn_event = segstat_conn);
