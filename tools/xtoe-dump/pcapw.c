// SPDX-License-Identifier: MIT
/* The pcapng writer of xtoe-dump (see pcapw.h); libpcap writes only pcap. */
#include "pcapw.h"

#include <errno.h>
#include <string.h>

#define LINKTYPE_ETHERNET 1
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 1u
#define NG_EPB 6u
#define NG_BOM 0x1a2b3c4du
#define NG_OPT_END 0
#define NG_OPT_COMMENT 1
#define NG_OPT_EPB_FLAGS 2
#define NG_OPT_IF_NAME 2
#define NG_OPT_IF_DESC 3
#define NG_OPT_IF_TSRESOL 9

static int put(struct pcapng *w, const void *p, size_t n)
{
	return fwrite(p, 1, n, w->f) == n ? 0 : -(errno ?: EIO);
}

static int put32(struct pcapng *w, uint32_t v)
{
	return put(w, &v, 4);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static uint32_t opt_len(size_t n)
{
	return 4 + (uint32_t)pad4(n);
}

/* One option: code, length, value padded to 4 bytes. */
static int put_opt(struct pcapng *w, uint16_t code, const void *v, uint16_t n)
{
	static const uint8_t zero[4];
	uint16_t h[2] = { code, n };

	return put(w, h, 4) ?: put(w, v, n) ?: put(w, zero, pad4(n) - n);
}

/* The interface: its name (as tcpdump -D and Wireshark show it), what
 * captured it, nanosecond times. */
static int idb(struct pcapng *w, uint32_t snaplen, const char *ifname)
{
	char desc[64];
	uint16_t nlen = (uint16_t)strnlen(ifname, 32), dlen;
	uint8_t tsresol = 9;
	uint32_t len;

	snprintf(desc, sizeof(desc), "xtoe-dump on %.*s (xtoed)", (int)nlen, ifname);
	dlen = (uint16_t)strlen(desc);
	len = 16 + opt_len(nlen) + opt_len(dlen) + opt_len(1) + 4 + 4;
	return put32(w, NG_IDB) ?: put32(w, len) ?: put32(w, LINKTYPE_ETHERNET) ?:
	       put32(w, snaplen) ?: put_opt(w, NG_OPT_IF_NAME, ifname, nlen) ?:
	       put_opt(w, NG_OPT_IF_DESC, desc, dlen) ?:
	       put_opt(w, NG_OPT_IF_TSRESOL, &tsresol, 1) ?: put32(w, NG_OPT_END) ?:
	       put32(w, len);
}

int pcapng_open(struct pcapng *w, FILE *f, uint32_t snaplen, const char *ifname)
{
	uint32_t shb[7] = { NG_SHB, 28, NG_BOM, 1, 0xffffffffu, 0xffffffffu, 28 };

	w->f = f;
	return put(w, shb, sizeof(shb)) ?: idb(w, snaplen, ifname);
}

int pcapng_write(struct pcapng *w, const struct dump_pkt *p)
{
	static const uint8_t zero[4];
	uint16_t clen = (uint16_t)strnlen(p->note, sizeof(p->note));
	uint32_t flags = p->dir == DUMP_IN ? 1 : p->dir == DUMP_OUT ? 2 : 0;
	uint32_t opts = (flags ? opt_len(4) : 0) + (clen ? opt_len(clen) : 0) + 4;
	uint32_t blen = 28 + (uint32_t)pad4(p->caplen) + opts + 4;
	uint32_t h[7] = { NG_EPB, blen, 0, (uint32_t)(p->ts_ns >> 32),
			  (uint32_t)p->ts_ns, p->caplen, p->len };

	return put(w, h, sizeof(h)) ?: put(w, p->data, p->caplen) ?:
	       put(w, zero, pad4(p->caplen) - p->caplen) ?:
	       (flags ? put_opt(w, NG_OPT_EPB_FLAGS, &flags, 4) : 0) ?:
	       (clen ? put_opt(w, NG_OPT_COMMENT, p->note, clen) : 0) ?:
	       put32(w, NG_OPT_END) ?: put32(w, blen);
}
