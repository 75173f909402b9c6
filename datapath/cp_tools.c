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
