// SPDX-License-Identifier: MIT
/*
 * The daemon's side of the operator tools (xtoectl fw/stats/conns):
 * requests answered from what the control plane already has, and the
 * firewall rules of --fw-file installed at start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "../lib/cap.h"
#include "../lib/proto.h"
#include "../loader/fw_ctl.h"
#include "cp.h"

static void req_fw_file(struct cp *cp, struct xtoe_resp *r)
{
	snprintf(r->msg, sizeof(r->msg), "%s", cp->d->cfg.fw_file);
}

/* true when q was a tools request (r filled in). */
bool cp_tools_request(struct cp *cp, const struct xtoe_req *q, struct xtoe_resp *r)
{
	switch (q->op) {
	case XTOE_OP_FW_FILE:
		req_fw_file(cp, r);
		return true;
	default:
		return false;
	}
}

/* The capture ring: created at the first capture, then kept (the
 * data-path may still be finishing a round with it when a capture ends). */
static int cap_ring(struct xtoed *d)
{
	void *p;
	int fd;

	if (d->cap)
		return 0;
	fd = memfd_create("xtoe-capture", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)xtoe_cap_bytes()) < 0) {
		close(fd);
		return -errno;
	}
	p = mmap(NULL, xtoe_cap_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	d->cap = p;
	d->cap_fd = fd;
	return 0;
}

int cp_tools_capture(struct cp *cp, const struct app_ctx *c,
		     const struct xtoe_req *q, struct xtoe_resp *r)
{
	struct xtoed *d = cp->d;
	struct xtoe_cap_shm *sh;
	int err;

	if (d->cap_owner) {
		r->err = EBUSY;
		snprintf(r->msg, sizeof(r->msg), "another capture is running; "
			 "stop it first");
		return -1;
	}
	if ((err = cap_ring(d))) {
		r->err = -err;
		snprintf(r->msg, sizeof(r->msg), "capture ring: %s", strerror(-err));
		return -1;
	}
	sh = d->cap;
	atomic_store_explicit(&sh->drops, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->records, 0, memory_order_relaxed);
	sh->snaplen = q->a && q->a < XTOE_CAP_SNAP_MAX ? q->a : XTOE_CAP_SNAP_MAX;
	sh->entries = XTOE_CAP_ENTRIES;
	sh->esize = sizeof(struct xtoe_cap_rec);
	spsc_format(&sh->ring);
	d->cap_owner = c;
	atomic_store_explicit(&d->cap_on, true, memory_order_release);
	cp_log(cp, "capture started (snaplen %u)", sh->snaplen);
	return d->cap_fd;
}

void cp_tools_gone(struct cp *cp, const struct app_ctx *c)
{
	struct xtoed *d = cp->d;

	if (!d->cap_owner || d->cap_owner != c)
		return;
	atomic_store_explicit(&d->cap_on, false, memory_order_release);
	d->cap_owner = NULL;
	cp_log(cp, "capture stopped: %lu records, %lu dropped",
	       (unsigned long)atomic_load(&d->cap->records),
	       (unsigned long)atomic_load(&d->cap->drops));
}

int cp_tools_fw_restore(struct xtoed *d)
{
	const char *path = d->cfg.fw_file;
	struct fw_rule *rules;
	char msg[256] = "";
	struct xchain *ch;
	struct fwc f;
	int n, err;

	if (!path[0])
		return 0;
	rules = calloc(FW_MAX_RULES, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	n = fw_file_load(path, rules, FW_MAX_RULES, msg, sizeof(msg));
	err = n < 0 ? n : 0;
	if (err)
		fprintf(stderr, "xtoed: %s\n", msg);
	if (n > 0 && !(err = xchain_open(&ch, steer_pin_dir(d->steer)))) {
		err = fwc_open(&f, ch, NULL) ?: fwc_apply(&f, rules, n);
		fwc_close(&f);
		xchain_close(ch);
	}
	if (err)
		fprintf(stderr, "xtoed: the firewall rules of %s were not installed; "
			"fix the file or start with --fw-file none\n", path);
	else if (n > 0 && d->cfg.verbose)
		fprintf(stderr, "xtoed: %d firewall rules from %s\n", n, path);
	free(rules);
	return err;
}
