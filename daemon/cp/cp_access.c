// SPDX-License-Identifier: MIT
/* Who may use xtoe, and for what: the rules and their hooks (cp_access.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proto.h"
#include "cp.h"
#include "cp_access.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

#define ACC_DEFAULT_GROUP "xtoe"

/* --- the rules ------------------------------------------------------------ */

/* Field number field of a "Name:\tA\tB..." line (Uid: real, effective...). */
static int status_field(const char *text, const char *name, int field, int base,
			uint64_t *out)
{
	const char *p = text;
	size_t n = strlen(name);
	char *end;

	while (p && strncmp(p, name, n))
		if ((p = strchr(p, '\n')))
			p++;
	if (!p)
		return -EINVAL;
	p += n;
	for (int i = 0;; i++) {
		while (*p == ' ' || *p == '\t')
			p++; /* never onto the next line */
		if (*p < '0' || *p > 'f')
			return -EINVAL;
		errno = 0;
		*out = strtoull(p, &end, base);
		if (end == p || errno)
			return -EINVAL;
		if (i == field)
			return 0;
		p = end;
	}
}

int acc_parse_status(const char *text, struct acc_creds *out)
{
	uint64_t uid, gid, cap;

	if (status_field(text, "Uid:", 1, 10, &uid) ||
	    status_field(text, "Gid:", 1, 10, &gid) ||
	    status_field(text, "CapEff:", 0, 16, &cap) || uid > UINT32_MAX || gid > UINT32_MAX)
		return -EINVAL;
	out->euid = (uint32_t)uid;
	out->egid = (uint32_t)gid;
	out->cap_eff = cap;
	return 0;
}

bool acc_has_cap(const struct acc_creds *c, int cap)
{
	return cap >= 0 && cap < 64 && (c->cap_eff >> cap) & 1;
}

int acc_port_allowed(uint16_t port, uint32_t unpriv_start, const struct acc_creds *now)
{
	if (port >= unpriv_start || acc_has_cap(now, ACC_CAP_NET_BIND_SERVICE))
		return 0;
	return -EACCES;
}

int acc_stat_ppid(const char *text)
{
	const char *p = strrchr(text, ')');
	char state;
	int ppid;

	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || ppid < 0)
		return -EINVAL;
	return ppid;
}

bool acc_join_allowed(uint32_t owner_uid, uint32_t new_uid)
{
	return owner_uid == new_uid;
}

const char *acc_operator_op(uint32_t op)
{
	switch (op) {
	case XTOE_OP_CAPTURE: return "capturing packets";
	case XTOE_OP_TRACE: return "tracing TCP";
	case XTOE_OP_FW_SYNC: return "changing the firewall";
	case XTOE_OP_CMODULE_ADD: return "loading a C module";
	default: return NULL;
	}
}

/* --- the socket ------------------------------------------------------------- */

/* --group, or xtoe when it exists; -1: none (the daemon's own group). */
static int socket_gid(const char *group, gid_t *gid)
{
	struct group *g = getgrnam(group ? group : ACC_DEFAULT_GROUP);

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	if (group) {
		log_err("group '%s' does not exist; create it (groupadd --system %s) "
			"or choose another with --group", group, group);
		return -ENOENT;
	}
	log_notice("no group %s: only root may use xtoe (create it with 'groupadd "
		   "--system %s' and add users with 'usermod -aG %s USER', or start "
		   "with --group; docs/access.md)", ACC_DEFAULT_GROUP, ACC_DEFAULT_GROUP,
		   ACC_DEFAULT_GROUP);
	return 1;
}

/* Bound at path, no permission for anyone but the daemon yet. */
static int bind_private(int fd, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	return err;
}

int cp_access_serve(int fd, const char *path, const char *group, uint32_t mode)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	gid_t gid;
	int has_gid = socket_gid(group, &gid), err;

	if (has_gid < 0)
		return has_gid;
	snprintf(tmp, sizeof(tmp), "%s~", path);
	if ((err = bind_private(fd, tmp)))
		return err;
	if ((!has_gid && chown(tmp, (uid_t)-1, gid)) || chmod(tmp, (mode_t)mode) ||
	    listen(fd, 64) || rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* --- the client now ----------------------------------------------------------- */

int cp_access_pidfd(int sock, pid_t pid)
{
	int fd = -1;
	socklen_t len = sizeof(fd);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) == 0 && fd >= 0)
		return fd;
	/* an older kernel: the pid may be reused before this, rarely */
	fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	return fd < 0 ? -1 : fd;
}

void cp_resp_error(struct xtoe_resp *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static bool pid_alive(int pidfd)
{
	return pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

int cp_access_now(const struct app_ctx *c, struct acc_creds *now, struct xtoe_resp *r)
{
	char path[64], buf[4096];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->cred.pid);
	fd = c->cred.pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	/* read first, then the pidfd: still alive means the same process */
	if (n > 0 && pid_alive(c->pidfd)) {
		buf[n] = 0;
		if (!acc_parse_status(buf, now))
			return 0;
	}
	cp_resp_error(r, EPERM, "the credentials of pid %d cannot be read (exited, or in "
	       "another pid namespace)", (int)c->cred.pid);
	return -EPERM;
}

bool cp_access_admin(const struct app_ctx *c)
{
	struct acc_creds now;
	struct xtoe_resp r;

	return !cp_access_now(c, &now, &r) && acc_has_cap(&now, ACC_CAP_NET_ADMIN);
}

bool cp_access_op_denied(const struct app_ctx *c, uint32_t op, struct xtoe_resp *r)
{
	const char *what = acc_operator_op(op);
	struct acc_creds now;

	if (!what)
		return false;
	if (cp_access_now(c, &now, r))
		return true;
	if (acc_has_cap(&now, ACC_CAP_NET_ADMIN))
		return false;
	cp_resp_error(r, EPERM, "%s needs root or CAP_NET_ADMIN (uid %u has neither)",
	       what, now.euid);
	return true;
}

bool cp_access_sees(const struct app_ctx *viewer, bool admin, const struct app_ctx *owner)
{
	return admin || (owner && owner->cred.uid == viewer->cred.uid);
}

/* --- listening ------------------------------------------------------------------ */

static uint32_t unpriv_port_start(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	unsigned v = ACC_UNPRIV_PORT_DEFAULT;

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = ACC_UNPRIV_PORT_DEFAULT;
		fclose(f);
	}
	return v;
}

/* A port xtoe listens on already: true when c may not join it. */
static bool join_denied(struct cp *cp, const struct app_ctx *c, uint16_t port,
			struct xtoe_resp *r)
{
	for (struct cp_listener *l = cp->listeners; l; l = l->next) {
		if (l->port != port || acc_join_allowed(l->ctx->cred.uid, c->cred.uid))
			continue;
		cp_resp_error(r, EADDRINUSE, "port %u is another user's (uid %u); listeners "
		       "share a port only within one user", ntohs(port), l->ctx->cred.uid);
		return true;
	}
	return false;
}

/* A kernel socket listens on the port, or holds it bound: true (r filled
 * in); else the port is reserved for xtoe. A port whose address the kernel
 * does not use (the loopback wire of in-process daemons) has nothing to
 * ask. */
static bool kernel_denied(struct cp *cp, uint16_t port, struct xtoe_resp *r)
{
	uint32_t uid = 0;
	int k;

	if (!cp->d->port->kernel_shared)
		return false;
	k = cp_kport_listening(cp->d->cfg.addr, port, &uid);

	if (k < 0)
		cp_resp_error(r, -k, "cannot ask the kernel whether port %u is taken: %s",
		       ntohs(port), strerror(-k));
	else if (k)
		cp_resp_error(r, EADDRINUSE, "port %u: a kernel socket (uid %u) listens on it "
		       "(ss -ltnp shows it)", ntohs(port), uid);
	else if ((k = cp_kport_reserve(&cp->kresv, cp->d->cfg.addr, port)))
		cp_resp_error(r, -k, "port %u: a kernel socket holds it (%s; ss -tanp "
			      "shows it)", ntohs(port), strerror(-k));
	return k != 0;
}

void cp_access_unlisten(struct cp *cp, uint16_t port)
{
	for (struct cp_listener *l = cp->listeners; l; l = l->next)
		if (l->port == port)
			return;
	cp_kport_release(&cp->kresv, port);
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[1024];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return acc_stat_ppid(buf);
}

/* Is c's process a descendant of a process listening on port (a listener
 * it inherited across fork)? Its ancestors up to 64 generations. */
static bool inherited(struct cp *cp, const struct app_ctx *c, uint16_t port)
{
	pid_t pid = c->cred.pid;

	for (int i = 0; i < 64 && pid > 1 && (pid = parent_of(pid)) > 1; i++)
		for (struct cp_listener *l = cp->listeners; l; l = l->next)
			if (l->port == port && l->ctx->cred.pid == pid)
				return pid_alive(l->ctx->pidfd);
	return false;
}

bool cp_access_listen_denied(struct cp *cp, const struct app_ctx *c, uint16_t port,
			     uint32_t flags, struct xtoe_resp *r)
{
	struct acc_creds now;
	bool held = false;

	for (struct cp_listener *l = cp->listeners; l && !held; l = l->next)
		held = l->port == port;

	if (held && join_denied(cp, c, port, r))
		return true;
	if (held && (flags & XTOE_LISTEN_SHARE) && inherited(cp, c, port))
		return false; /* bound already, by its ancestor: the same user */
	/* Only a privileged port asks for the process's capabilities: any
	 * process may listen above it, also one whose credentials the daemon
	 * cannot read (another pid namespace), as on Linux. */
	if (ntohs(port) < unpriv_port_start()) {
		if (cp_access_now(c, &now, r))
			return true;
		if (acc_port_allowed(ntohs(port), unpriv_port_start(), &now)) {
			cp_resp_error(r, EACCES, "port %u needs root or "
				      "CAP_NET_BIND_SERVICE (uid %u lacks it)",
				      ntohs(port), now.euid);
			return true;
		}
	}
	return !held && kernel_denied(cp, port, r);
}
