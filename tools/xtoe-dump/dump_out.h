/* SPDX-License-Identifier: MIT */
/*
 * Where xtoe-dump's frames go: a savefile (pcap written by libpcap with
 * nanosecond times, or pcapng), rotated as tcpdump's -C/-G/-W do, and/or
 * lines on stdout, printed by tcpdump itself (fed a pcap stream: its lines
 * exactly) or by the built-in printer (pcapw.h). A reader that goes away
 * (xtoe-dump | head) ends the capture: -EPIPE, never a hang.
 */
#ifndef XTOE_DUMP_OUT_H
#define XTOE_DUMP_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapw.h"

struct out_opts {
	const char *wfile;        /* -w FILE or "-"; NULL: no savefile */
	bool ng;                  /* --pcapng */
	bool flush;               /* -U: after every frame */
	uint64_t rotate_bytes;    /* -C, in bytes; 0: none */
	unsigned rotate_secs;     /* -G; 0: none */
	unsigned files;           /* -W; 0: no limit */
	bool print;               /* lines on stdout */
	bool builtin;             /* the built-in printer even if tcpdump is there */
	struct print_opts po;
	char *const *tcpdump_args; /* NULL-terminated: options for tcpdump -r - */
	const char *ifname;
	uint32_t snaplen;
};

struct out;

/* The capture is live: -G's first period starts now, not when the file was
 * opened before the capture module was linked (tcpdump opens its file once
 * the capture is active). */
void out_capture_started(struct out *o);

int out_open(struct out **o, const struct out_opts *oo);
/* 0; 1 when -G/-W made its last file (done); -EPIPE when the reader went;
 * -errno. */
int out_frame(struct out *o, const struct dump_pkt *p);
/* Push what is buffered to the savefile and the printer (each poll). */
int out_flush(struct out *o);
/* The reader of stdout (or tcpdump, or its reader) went away: true, even
 * before a write finds out. */
bool out_reader_gone(struct out *o);
/* Close the savefile, let tcpdump print the rest and exit. */
int out_close(struct out *o);

/* The tcpdump to print through: $XTOE_TCPDUMP ("none": no tcpdump), else
 * tcpdump on PATH; NULL when there is none. */
const char *out_tcpdump(void);

#endif /* XTOE_DUMP_OUT_H */
