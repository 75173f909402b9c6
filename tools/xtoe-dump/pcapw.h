/* SPDX-License-Identifier: MIT */
/*
 * Captured frames (xtoe-dump) and the files and lines they become:
 * pcap (nanosecond timestamps, Ethernet), pcapng (SHB, IDB, one EPB per
 * frame with its direction in epb_flags and a comment naming where it was
 * seen and the verdict), and a tcpdump-like one-line summary.
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
	enum dump_dir dir;
	char note[48];         /* where seen / verdict, e.g. "chain drop:firewall" */
};

struct pcapw {
	FILE *f;
	bool ng;
	bool flush;            /* after every frame (-U) */
};

/* Write the file header(s). */
int pcapw_open(struct pcapw *w, FILE *f, bool ng, uint32_t snaplen, bool flush);
int pcapw_write(struct pcapw *w, const struct dump_pkt *p);

/* One line: time, direction, note, then Ethernet/IPv4/TCP|UDP fields. */
void pkt_summary(const struct dump_pkt *p, char *buf, size_t len);

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
