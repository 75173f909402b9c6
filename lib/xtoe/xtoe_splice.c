/* SPDX-License-Identifier: MIT */
/* libxtoe: splicing two connections (XTOE_OP_SPLICE, include/xtoe/xtoe.h). */
#include <errno.h>

#include "xtoe_int.h"

int xtoe_splice(struct xtoe_conn *a, struct xtoe_conn *b)
{
	struct xtoe_ctx *ctx = a->ctx;
	struct xtoe_splice_args args = { .slot = { a->slot, b->slot },
					 .gen = { a->gen, b->gen } };
	struct xtoe_req req = { .op = XTOE_OP_SPLICE, .a = sizeof(args) };
	struct xtoe_resp resp;
	int err;

	if (b->ctx != ctx)
		return xlib_err(ctx, -EINVAL, "cannot splice connections of two contexts");
	if (a == b)
		return xlib_err(ctx, -EINVAL, "cannot splice a connection with itself");
	if (a->state != CONN_OPEN || b->state != CONN_OPEN || a->spliced || b->spliced)
		return xlib_err(ctx, -ENOTCONN, "both connections must be established "
				"and not spliced yet");
	xlib_flush_bumps(ctx);
	err = xlib_request_data(ctx, &req, &args, sizeof(args), &resp);
	if (err)
		return err;
	a->spliced = b->spliced = true;
	return 0;
}
