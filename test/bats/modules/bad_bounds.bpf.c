// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* Test module the verifier must reject: reads the frame without a bounds check. */
#include <xtoe/module.h>

XTOE_MODULE(bad_bounds)
{
	unsigned char *p = (void *)(long)ctx->data;

	if (p[40] == 1) /* no bounds check */
		return XTOE_DROP;
	return XTOE_NEXT;
}
