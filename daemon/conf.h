/* SPDX-License-Identifier: MIT */
/*
 * xtoed's configuration file (xtoed --config FILE, the systemd unit's
 * /etc/xtoe/IFACE.conf): the daemon's long options, one per line,
 *
 *   # comment
 *   addr 198.18.0.1/24
 *   xdp-mode = skb
 *   busy-poll
 *
 * turned into an argument vector that goes through the same option parser
 * as the command line (which is read after it, so it wins). A line that
 * names no option, lacks a value or has one too many is an error naming
 * FILE:LINE.
 */
#ifndef XTOE_DAEMON_CONF_H
#define XTOE_DAEMON_CONF_H

#include <getopt.h>

/* argv[0] = prog, then "--NAME" [VALUE] per line; *argv is malloc'd (its
 * strings too) and lives as long as the process. 0, or -errno with the
 * reason logged. */
int conf_argv(const char *path, const char *prog, const struct option *known,
	      int *argc, char ***argv);

#endif /* XTOE_DAEMON_CONF_H */
