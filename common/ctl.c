// SPDX-License-Identifier: MIT
/* Ask a running xtoed which interface it serves (common/proto.h, XTOE_OP_INFO). */
#include "ctl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "access.h"
#include "proto.h"
#include "common/log.h"

/* The daemon could not be asked: why, and what to do. */
static void transport_err(const char *sock_path, int err)
{
	char why[256];

	if (err == -EACCES || err == -EPERM) {
		xtoe_access_denied_msg(sock_path, -err, why, sizeof(why));
		log_err("%s", why);
		return;
	}
	log_err("cannot ask the daemon at %s: %s; is xtoed running (or pass -i "
		"IFACE)?", sock_path, strerror(-err));
}

/* One request (with extra bytes after it, if any) and its response.
 * Returns 0, -errno of the transport, or 1 when the daemon refused
 * (r->err, r->msg). */
static int ask(const char *sock_path, struct xtoe_req *q, const void *extra,
	       size_t extra_len, struct xtoe_resp *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[sizeof(*q) + XTOE_CMODULE_SPEC_MAX];
	size_t len = sizeof(*q) + extra_len;
	int fd, err = 0;

	if (strlen(sock_path) >= sizeof(sa.sun_path) || extra_len > XTOE_CMODULE_SPEC_MAX)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock_path);
	memcpy(buf, q, sizeof(*q));
	if (extra_len)
		memcpy(buf + sizeof(*q), extra, extra_len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    recv(fd, r, sizeof(*r), MSG_WAITALL) != sizeof(*r))
		err = -errno ?: -EIO;
	close(fd);
	if (err)
		transport_err(sock_path, err);
	return err ? err : r->err ? 1 : 0;
}

/* A request whose answer is the response's message text. */
static int ask_msg(const char *sock_path, uint32_t op, char *out, size_t len)
{
	struct xtoe_req q = { .op = op, .id = 1 };
	struct xtoe_resp r;
	int err = ask(sock_path, &q, NULL, 0, &r);

	if (err == 1) {
		log_err("the daemon at %s: %.*s", sock_path,
			(int)sizeof(r.msg), r.msg);
		return -r.err;
	}
	if (!err)
		snprintf(out, len, "%.*s", (int)sizeof(r.msg), r.msg);
	return err;
}

int xctl_daemon_iface(const char *sock_path, char *ifname, size_t len)
{
	return ask_msg(sock_path, XTOE_OP_INFO, ifname, len);
}

int xctl_daemon_fw_file(const char *sock_path, char *path, size_t len)
{
	return ask_msg(sock_path, XTOE_OP_FW_FILE, path, len);
}

int xctl_fw_sync(const char *sock_path)
{
	char none[sizeof(((struct xtoe_resp *)0)->msg) + 1];

	return ask_msg(sock_path, XTOE_OP_FW_SYNC, none, sizeof(none));
}

int xctl_cmodule_add(const char *sock_path, const char *spec, char *name,
		     size_t len)
{
	struct xtoe_req q = { .op = XTOE_OP_CMODULE_ADD, .id = 1 };
	const char *colon = strchr(spec, ':');
	char file[PATH_MAX], abs[PATH_MAX], full[XTOE_CMODULE_SPEC_MAX + 1];
	struct xtoe_resp r;
	int n, err;

	snprintf(file, sizeof(file), "%.*s",
		 colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (!realpath(file, abs)) {
		err = -errno;
		log_err("C module %s: %s", file, strerror(-err));
		return err;
	}
	n = snprintf(full, sizeof(full), "%s%s", abs, colon ? colon : "");
	if (n < 0 || n >= (int)sizeof(full))
		return -ENAMETOOLONG;
	q.a = (uint32_t)n;
	err = ask(sock_path, &q, full, (size_t)n, &r);
	if (err == 1) {
		log_err("the daemon refused: %.*s",
			(int)sizeof(r.msg), r.msg);
		return -r.err;
	}
	if (!err)
		snprintf(name, len, "%.*s", (int)sizeof(r.msg), r.msg);
	return err;
}

static int recv_fd(int sock, struct xtoe_resp *r, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;

	if (recvmsg(sock, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC) != sizeof(*r))
		return -errno ?: -EIO;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

int xctl_ask_fd(const char *sock_path, uint32_t op, struct xtoe_resp *r, int *fd)
{
	int s, err = xctl_session_fd(sock_path, op, 0, 0, r, &s, fd);

	if (s >= 0)
		close(s);
	return err;
}

int xctl_session_fd(const char *sock_path, uint32_t op, uint32_t a, uint32_t b,
		    struct xtoe_resp *r, int *sock, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xtoe_req q = { .op = op, .id = 1, .a = a, .b = b };
	int s, err = 0;

	*fd = *sock = -1;
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(s, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q))
		err = -errno ?: -EIO;
	else
		err = recv_fd(s, r, fd);
	*sock = s;
	if (err) {
		transport_err(sock_path, err);
		return err;
	}
	if (r->err) {
		log_err("the daemon at %s: %.*s", sock_path, (int)sizeof(r->msg), r->msg);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -(int)r->err;
	}
	return *fd >= 0 ? 0 : -EPROTO;
}
