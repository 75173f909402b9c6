/* SPDX-License-Identifier: MIT */
/* Tool side helpers: which interface a daemon serves, its pin directory. */
#ifndef XTOE_LOADER_CTL_H
#define XTOE_LOADER_CTL_H

#include <stddef.h>

#define XTOE_PIN_ROOT "/sys/fs/bpf/xtoe"

/* Ask the daemon at sock_path (XTOE_OP_INFO) for its interface name. */
int xctl_daemon_iface(const char *sock_path, char *ifname, size_t len);

/* Load the C module FILE.so[:ARGS] into the daemon at sock_path
 * (XTOE_OP_CMODULE_ADD); *name gets the module's name. */
int xctl_cmodule_add(const char *sock_path, const char *spec, char *name,
		     size_t len);

/* The daemon's firewall rule file (XTOE_OP_FW_FILE); "" when it keeps
 * none. */
int xctl_daemon_fw_file(const char *sock_path, char *path, size_t len);

#endif /* XTOE_LOADER_CTL_H */
