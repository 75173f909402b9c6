/* SPDX-License-Identifier: MIT */
/*
 * Where xtoe keeps things, defined once for the daemon, the libraries and
 * the tools. Everything is per interface:
 *
 *   XTOE_RUN_DIR/IF.sock     the daemon's unix socket (xtoed --sock)
 *   XTOE_RUN_DIR/IF.lock     one daemon per interface (flock)
 *   XTOE_PIN_ROOT/IF/        the module chain's pinned programs and maps,
 *       XTOE_PIN_LINK        and its XDP link while a stopped daemon's
 *                            firewall stays in force
 *   XTOE_STATE_DIR/IF.rules  firewall rules kept across restarts (--fw-file)
 */
#ifndef XTOE_PATHS_H
#define XTOE_PATHS_H

#include <stddef.h>
#include <stdio.h>

#define XTOE_RUN_DIR "/run/xtoe"
#define XTOE_PIN_ROOT "/sys/fs/bpf/xtoe"
#define XTOE_STATE_DIR "/var/lib/xtoe"
#define XTOE_PIN_LINK "xdp_link"

/* Each returns buf, or NULL when the path does not fit in len. */
static inline char *xtoe_path(char *buf, size_t len, const char *dir,
			      const char *ifname, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, ifname, suffix);

	return n < 0 || (size_t)n >= len ? NULL : buf;
}

static inline char *xtoe_sock_path(char *buf, size_t len, const char *ifname)
{
	return xtoe_path(buf, len, XTOE_RUN_DIR, ifname, ".sock");
}

static inline char *xtoe_lock_path(char *buf, size_t len, const char *ifname)
{
	return xtoe_path(buf, len, XTOE_RUN_DIR, ifname, ".lock");
}

static inline char *xtoe_pin_path(char *buf, size_t len, const char *ifname)
{
	return xtoe_path(buf, len, XTOE_PIN_ROOT, ifname, "");
}

static inline char *xtoe_rules_path(char *buf, size_t len, const char *ifname)
{
	return xtoe_path(buf, len, XTOE_STATE_DIR, ifname, ".rules");
}

#endif /* XTOE_PATHS_H */
