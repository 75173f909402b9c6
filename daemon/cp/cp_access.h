/* SPDX-License-Identifier: MIT */
/*
 * Who may use xtoe, and for what (docs/access.md). The client's identity
 * comes from the kernel only: SO_PEERCRED (uid, gid, pid) and SO_PEERPIDFD
 * when it connected, and the process's capabilities as they are now
 * (/proc/PID/status, checked against the pidfd so a reused pid never
 * counts). Nothing a message says is believed.
 *
 *   the socket          --group (default xtoe, when it exists) and
 *                       --socket-mode (default 0660): the file's
 *                       permissions decide who may connect
 *   ports               below net.ipv4.ip_unprivileged_port_start (1024):
 *                       CAP_NET_BIND_SERVICE, checked now; a port a kernel
 *                       socket listens on (same address or wildcard):
 *                       EADDRINUSE (sock_diag, cp_kport.c); listeners
 *                       share a port only within one user (the uid that
 *                       connected), as SO_REUSEPORT on Linux; a listener
 *                       inherited across fork joins its port unchecked
 *                       only in a descendant of a process listening there
 *   operator requests   capture, TCP trace, firewall changes, C modules:
 *                       CAP_NET_ADMIN (root has it); connection listings
 *                       show others only their own user's connections
 *
 * The rules (acc_*) are pure and unit-tested (test/unit/test_access.c);
 * the cp_access_* hooks apply them to a request and fill in the refusal.
 */
#ifndef XTOE_CP_ACCESS_H
#define XTOE_CP_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define ACC_CAP_NET_BIND_SERVICE 10
#define ACC_CAP_NET_ADMIN 12
#define ACC_UNPRIV_PORT_DEFAULT 1024 /* Linux's ip_unprivileged_port_start */

/* A process's credentials as they are now. */
struct acc_creds {
	uint32_t euid, egid;
	uint64_t cap_eff;
};

/* The Uid:, Gid: and CapEff: lines of a /proc/PID/status text: 0, or
 * -EINVAL when one is missing or malformed. */
int acc_parse_status(const char *text, struct acc_creds *out);
bool acc_has_cap(const struct acc_creds *c, int cap);
/* May a process with creds now bind port (host order)? 0 or -EACCES. */
int acc_port_allowed(uint16_t port, uint32_t unpriv_start, const struct acc_creds *now);
/* The parent pid in a /proc/PID/stat text (after the last ')': the name
 * may hold anything), or -EINVAL. */
int acc_stat_ppid(const char *text);
/* May a listener of owner new_uid join a port held by one of owner_uid? */
bool acc_join_allowed(uint32_t owner_uid, uint32_t new_uid);
/* An operator request (needs CAP_NET_ADMIN); its name for messages, or NULL. */
const char *acc_operator_op(uint32_t op);

struct cp;
struct app_ctx;
struct xtoe_resp;

/* A refusal: err (positive errno) and its message in r. */
void cp_resp_error(struct xtoe_resp *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Serve the daemon's socket fd at path: bound under a temporary name,
 * given its group and mode, listening, then renamed to path, so that a
 * socket at path always serves and nobody connects before it has its
 * permissions. 0 or -errno (nothing left behind). */
int cp_access_serve(int fd, const char *path, const char *group, uint32_t mode);
/* The client's pidfd at accept (-1 when the kernel has none). */
int cp_access_pidfd(int sock, pid_t pid);
/* The client's credentials now: 0, or -errno with r filled in. */
int cp_access_now(const struct app_ctx *c, struct acc_creds *now, struct xtoe_resp *r);
/* true when c may not listen on port (network order) with XTOE_LISTEN_*
 * flags; r filled in. */
bool cp_access_listen_denied(struct cp *cp, const struct app_ctx *c, uint16_t port,
			     uint32_t flags, struct xtoe_resp *r);
/* true when op is an operator request c may not make; r filled in. */
bool cp_access_op_denied(const struct app_ctx *c, uint32_t op, struct xtoe_resp *r);
/* May viewer see what belongs to owner (a connection listing)? */
bool cp_access_sees(const struct app_ctx *viewer, bool admin, const struct app_ctx *owner);
/* Is c an operator now (for listings)? */
bool cp_access_admin(const struct app_ctx *c);

/* cp_kport.c: does a kernel TCP socket in this network namespace listen on
 * addr:port (both network order), on addr or a wildcard (0.0.0.0, or :: not
 * IPV6_V6ONLY)? 1 yes (*uid its owner), 0 no, -errno when the kernel cannot
 * be asked. */
int cp_kport_listening(uint32_t addr, uint16_t port, uint32_t *uid);

/* While xtoe listens on a port, a kernel socket bound to addr:port (never
 * listening) makes the kernel refuse it to its own programs (EADDRINUSE).
 * Reserve: 0, or -EADDRINUSE when a kernel socket holds the port. */
struct cp_kresv;
int cp_kport_reserve(struct cp_kresv **list, uint32_t addr, uint16_t port);
void cp_kport_release(struct cp_kresv **list, uint16_t port);
/* The last listener of port went (or its listen failed): let it go. */
void cp_access_unlisten(struct cp *cp, uint16_t port);

#endif /* XTOE_CP_ACCESS_H */
