/* SPDX-License-Identifier: MIT */
/* Tool side helpers: which interface a daemon serves, its pin directory. */
#ifndef XTOE_LOADER_CTL_H
#define XTOE_LOADER_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "paths.h"

/* Ask the daemon at sock_path (XTOE_OP_INFO) for its interface name. */
int xctl_daemon_iface(const char *sock_path, char *ifname, size_t len);

/* Load the C module FILE.so[:ARGS] into the daemon at sock_path
 * (XTOE_OP_CMODULE_ADD); *name gets the module's name. */
int xctl_cmodule_add(const char *sock_path, const char *spec, char *name,
		     size_t len);

/* The daemon's firewall rule file (XTOE_OP_FW_FILE); "" when it keeps
 * none. */
int xctl_daemon_fw_file(const char *sock_path, char *path, size_t len);

/* Tell the daemon the firewall's rules changed (XTOE_OP_FW_SYNC). */
int xctl_fw_sync(const char *sock_path);

/* A request answered with an fd (XTOE_OP_STATS, XTOE_OP_CONNS: common/tools.h);
 * *fd is the caller's to close, r->val the answer's count. On refusal:
 * the daemon's message on stderr, -r->err. */
struct xtoe_resp;
int xctl_ask_fd(const char *sock_path, uint32_t op, struct xtoe_resp *r, int *fd);
/* The same, for a session that lasts while *sock stays open (XTOE_OP_TRACE):
 * *sock is the caller's to close, also on failure when >= 0. */
int xctl_session_fd(const char *sock_path, uint32_t op, uint32_t a, uint32_t b,
		    struct xtoe_resp *r, int *sock, int *fd);

#endif /* XTOE_LOADER_CTL_H */
