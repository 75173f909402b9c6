/* SPDX-License-Identifier: MIT */
/* xtoectl's shared command-line state and helpers (tools/xtoectl/xtoectl.c) for
 * the command files tools/xtoectl/cli_*.c. */
#ifndef XTOE_LOADER_CLI_H
#define XTOE_LOADER_CLI_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdp/chain.h"
#include "common/ctl.h"
#include "xdp/module.h"
#include "tools/common/args.h"
#include "tools/common/jout.h"

#define CLI_HINT "xtoectl --help"

struct cli {
	const char *iface, *sock;
	bool json, pretty, verbose;
	struct xchain_pos pos;
	struct xmod_opts mo;
	long count, timeout_s;     /* -c, -t: 0 when not given */
	const char *handle;        /* fw add --handle */
	const char *state;         /* conns --state */
	unsigned long port;        /* conns --port, trace --port */
	const char *events;        /* trace --events */
	bool info;                 /* conns --info: ss -i's line */
	bool delta, reset, zeros;  /* stats --delta, --reset, -z */
	double watch_s;            /* stats --watch S */
	char ifname[IF_NAMESIZE + 1];
	char pin_dir[sizeof(XTOE_PIN_ROOT) + IF_NAMESIZE + 2];
};

/* The interface (-i, else the daemon's); fills ifname and pin_dir. */
int find_iface(struct cli *c);
/* The daemon's socket: --sock, $XTOE_SOCK, or the default for -i IFACE. */
const char *daemon_sock(const struct cli *c, char *buf, size_t len);
/* The same, or a logged error and NULL when there is none. */
const char *need_sock(const struct cli *c, char *buf, size_t len);

/* The daemon's answer to op (XTOE_OP_STATS, XTOE_OP_CONNS): up to len
 * bytes into buf, *bytes how many (may be NULL). 0 or -errno (logged). */
int cli_fetch(const struct cli *c, uint32_t op, void *buf, size_t len, uint32_t *bytes);
/* A command failed with err: in JSON mode the error object (the logged
 * messages, else strerror), in text mode strerror when nothing was
 * logged. Returns the exit status 1. */
int cli_fail(const struct cli *c, int err);
/* Print a JSON result (-j; -p indents). 0 or 1 (stdout failed). */
int cli_json(const struct cli *c, json_t *o);
/* Wall-clock text of a CLOCK_MONOTONIC time: HH:MM:SS.uuuuuu (tcpdump's);
 * and seconds since the epoch for JSON. */
void cli_time_text(uint64_t mono_ns, char *buf, size_t len);
double cli_time_epoch(uint64_t mono_ns);

/* Commands: exit status (0 done, 1 failed, 2 usage). argv[0] is the noun. */
int cli_module(struct cli *c, int argc, char **argv);
int cli_cmodule(struct cli *c, int argc, char **argv);
int cli_fw(struct cli *c, int argc, char **argv);
int cli_stats(struct cli *c, int argc, char **argv);
int cli_conns(struct cli *c, int argc, char **argv);
int cli_trace(struct cli *c, int argc, char **argv);
int cli_detach(struct cli *c, int argc, char **argv);

#endif /* XTOE_LOADER_CLI_H */
