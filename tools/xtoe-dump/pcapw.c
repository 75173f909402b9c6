// SPDX-License-Identifier: MIT
/* pcap and pcapng writers for xtoe-dump (see pcapw.h). */
#include "pcapw.h"

#include <errno.h>
#include <string.h>

#define PCAP_MAGIC_NS 0xa1b23c4du
#define LINKTYPE_ETHERNET 1
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 1u
#define NG_EPB 6u
#define NG_BOM 0x1a2b3c4du
#define NG_OPT_COMMENT 1
#define NG_OPT_EPB_FLAGS 2
#define NG_OPT_IF_TSRESOL 9

static int put(struct pcapw *w, const void *p, size_t n)
{
	return fwrite(p, 1, n, w->f) == n ? 0 : -EIO;
}

static int put32(struct pcapw *w, uint32_t v)
{
	return put(w, &v, 4);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One option: code, length, value padded to 4 bytes. */
static int put_opt(struct pcapw *w, uint16_t code, const void *v, uint16_t n)
{
	static const uint8_t zero[4];
	uint16_t h[2] = { code, n };

	return put(w, h, 4) ?: put(w, v, n) ?: put(w, zero, pad4(n) - n);
}

static int pcap_hdr(struct pcapw *w, uint32_t snaplen)
{
	uint32_t h[6] = { PCAP_MAGIC_NS, 2 | (4u << 16), 0, 0, snaplen,
			  LINKTYPE_ETHERNET };

	return put(w, h, sizeof(h));
}

static int ng_hdr(struct pcapw *w, uint32_t snaplen)
{
	uint32_t shb[7] = { NG_SHB, 28, NG_BOM, 1, 0xffffffffu, 0xffffffffu, 28 };
	uint8_t tsresol = 9; /* nanoseconds */
	uint32_t idb_len = 16 + 8 + 4 + 4;
	uint32_t idb[4] = { NG_IDB, idb_len, LINKTYPE_ETHERNET, snaplen };

	return put(w, shb, sizeof(shb)) ?: put(w, idb, sizeof(idb)) ?:
	       put_opt(w, NG_OPT_IF_TSRESOL, &tsresol, 1) ?:
	       put32(w, 0) ?: put32(w, idb_len);
}

int pcapw_open(struct pcapw *w, FILE *f, bool ng, uint32_t snaplen, bool flush)
{
	w->f = f;
	w->ng = ng;
	w->flush = flush;
	return (ng ? ng_hdr(w, snaplen) : pcap_hdr(w, snaplen)) ?: fflush(f) ? -errno : 0;
}

static int pcap_rec(struct pcapw *w, const struct dump_pkt *p)
{
	uint32_t h[4] = { (uint32_t)(p->ts_ns / 1000000000u),
			  (uint32_t)(p->ts_ns % 1000000000u), p->caplen, p->len };

	return put(w, h, sizeof(h)) ?: put(w, p->data, p->caplen);
}

static int ng_rec(struct pcapw *w, const struct dump_pkt *p)
{
	static const uint8_t zero[4];
	uint16_t clen = (uint16_t)strnlen(p->note, sizeof(p->note));
	uint32_t flags = p->dir == DUMP_IN ? 1 : 2;
	uint32_t opts = 8 + (clen ? 4 + (uint32_t)pad4(clen) : 0) + 4;
	uint32_t blen = 28 + (uint32_t)pad4(p->caplen) + opts + 4;
	uint32_t h[7] = { NG_EPB, blen, 0, (uint32_t)(p->ts_ns >> 32),
			  (uint32_t)p->ts_ns, p->caplen, p->len };

	return put(w, h, sizeof(h)) ?: put(w, p->data, p->caplen) ?:
	       put(w, zero, pad4(p->caplen) - p->caplen) ?:
	       put_opt(w, NG_OPT_EPB_FLAGS, &flags, 4) ?:
	       (clen ? put_opt(w, NG_OPT_COMMENT, p->note, clen) : 0) ?:
	       put32(w, 0) ?: put32(w, blen);
}

int pcapw_write(struct pcapw *w, const struct dump_pkt *p)
{
	int err = w->ng ? ng_rec(w, p) : pcap_rec(w, p);

	if (!err && w->flush && fflush(w->f))
		err = -errno;
	return err;
}
