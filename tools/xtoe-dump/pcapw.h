/* SPDX-License-Identifier: MIT */
/*
 * Captured frames (xtoe-dump) and what they become: pcapng blocks (SHB;
 * an IDB naming the interface, nanosecond times; an EPB per frame with its
 * direction in epb_flags and a comment naming where it was seen and the
 * chain's verdict) and lines as tcpdump prints them (the built-in printer,
 * for when tcpdump is not installed and for the annotated --verdicts
 * lines). pcap files are written by libpcap (dump_out.c).
 * Errors: 0 / -errno.
 */
#ifndef XTOE_LOADER_PCAPW_H
#define XTOE_LOADER_PCAPW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum dump_dir { DUMP_IN = 1, DUMP_OUT = 2 };

struct dump_pkt {
	uint64_t ts_ns;        /* CLOCK_REALTIME */
	uint32_t len, caplen;  /* on the wire; in data[] */
	const uint8_t *data;
	enum dump_dir dir;     /* 0: unknown (read from a file) */
	char note[48];         /* where seen / verdict, e.g. "rx firewall:drop:FIREWALL" */
};

/* pcapng: the section and interface blocks, then one block per frame. */
struct pcapng {
	FILE *f;
};
int pcapng_open(struct pcapng *w, FILE *f, uint32_t snaplen, const char *ifname);
int pcapng_write(struct pcapng *w, const struct dump_pkt *p);

/* The built-in printer's choices: tcpdump's options of the same letters. */
struct print_opts {
	int tstamp;   /* -t: 0 default, 1 none, 2 epoch (-tt), 3 delta (-ttt),
			 4 date (-tttt), 5 since the first (-ttttt) */
	bool link;    /* -e: MAC addresses and EtherType */
	int hex;      /* -x 1, -xx 2 (with the link header), -X 3, -XX 4 */
	bool ascii;   /* -A */
	bool quick;   /* -q */
	int verbose;  /* -v: IP's ttl, id, length */
	bool number;  /* -#: the frame's number first */
	bool notes;   /* --verdicts: direction, where seen, the chain's verdict */
};

struct print_state {
	uint64_t first_ns, prev_ns;
	uint64_t count;
};

/* One frame as lines on out (a line, more with -x/-X/-A). */
int pkt_print(FILE *out, const struct dump_pkt *p, const struct print_opts *o,
	      struct print_state *st);

/* What identifies one frame across views of it (with or without its VLAN
 * tag): IPv4 addresses, id and protocol, the first 8 bytes of TCP/UDP.
 * false when the frame is not IPv4. */
struct pkt_key {
	uint32_t saddr, daddr;
	uint16_t ip_id;
	uint8_t proto, _rsv;
	uint8_t l4[8];
};
bool pkt_key(const uint8_t *p, uint32_t caplen, struct pkt_key *k);

#endif /* XTOE_LOADER_PCAPW_H */
