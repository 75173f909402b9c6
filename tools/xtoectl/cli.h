/* SPDX-License-Identifier: MIT */
/* xtoectl's shared command-line state and helpers (tools/xtoectl/xtoectl.c) for
 * the command files tools/xtoectl/cli_*.c. */
#ifndef XTOE_LOADER_CLI_H
#define XTOE_LOADER_CLI_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "xdp/chain.h"
#include "common/ctl.h"
#include "xdp/module.h"

enum { EXIT_USAGE = 2 };
#define CLI_USAGE (-10000) /* a command's "print usage, exit 2" */

struct cli {
	const char *iface, *sock;
	bool json, verbose;
	struct xchain_pos pos;
	struct xmod_opts mo;
	long count, timeout_s;
	const char *handle;
	const char *state;    /* conns --state */
	unsigned long port;   /* conns --port, trace --port */
	const char *events;   /* trace --events */
	char ifname[IF_NAMESIZE + 1];
	char pin_dir[sizeof(XTOE_PIN_ROOT) + IF_NAMESIZE + 2];
};

/* The interface (-i, else the daemon's); fills ifname and pin_dir. */
int find_iface(struct cli *c);
/* The daemon's socket: --sock, $XTOE_SOCK, or the default for -i IFACE. */
const char *daemon_sock(const struct cli *c, char *buf, size_t len);

/* fw VERB ...: exit status, or CLI_USAGE. */
int cli_fw(struct cli *c, int argc, char **argv);

/* stats, conns (cli_stats.c): exit status. */
int cli_stats(struct cli *c);
int cli_conns(struct cli *c);
/* trace [FILTER] (cli_trace.c): exit status, or CLI_USAGE. */
int cli_trace(struct cli *c, int argc, char **argv);

#endif /* XTOE_LOADER_CLI_H */
