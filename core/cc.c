/* SPDX-License-Identifier: MIT */
/* The congestion control algorithms a daemon can be started with. */
#include <string.h>

#include "cc.h"

static const struct tcp_cc_ops *const all[] = {
	&tcp_cc_newreno, &tcp_cc_cubic, &tcp_cc_dctcp,
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

const char *tcp_cc_names(void)
{
	return "newreno, cubic, dctcp";
}
