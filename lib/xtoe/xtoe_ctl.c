/* SPDX-License-Identifier: MIT */
/* libxtoe: the daemon's unix control socket (see proto.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/access.h"
#include "xtoe_int.h"

int xlib_connect_sock(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		xlib_open_err(-ENAMETOOLONG, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		xlib_open_err(err, "socket(AF_UNIX): %s", strerror(-err));
		return err;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char why[256];

		err = -errno;
		if (err == -EACCES || err == -EPERM)
			xtoe_access_denied_msg(path, -err, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "connect to %s: %s; is xtoed running "
				 "there?", path, strerror(-err));
		xlib_open_err(err, "%s", why);
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void take_fds(struct msghdr *mh, int fds[3], int *nfds)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < 3)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

/* Receive the HELLO response and its fds; *nfds counts the fds taken. */
static int recv_with_fds(int sock, struct xtoe_resp *resp, int fds[3], int *nfds)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = resp, .iov_len = sizeof(*resp) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	take_fds(&mh, fds, nfds);
	return read_full(sock, (uint8_t *)resp + n, sizeof(*resp) - (size_t)n);
}

static int check_resp(struct xtoe_ctx *ctx, const struct xtoe_req *req,
		      struct xtoe_resp *resp)
{
	if (resp->id != req->id || resp->op != req->op)
		return xlib_err(ctx, -EPROTO,
				"daemon answered request %u op %u with id %u op %u; "
				"restart the application", req->id, req->op,
				resp->id, resp->op);
	if (resp->err) {
		int err = resp->err > 0 ? -resp->err : -EPROTO;

		resp->msg[sizeof(resp->msg) - 1] = '\0';
		return xlib_err(ctx, err, "%s", resp->msg[0] ? resp->msg :
				strerror(-err));
	}
	return 0;
}

static int lost_daemon(struct xtoe_ctx *ctx, int err)
{
	ctx->dead = true;
	return xlib_err(ctx, -ECONNRESET,
			"lost the daemon's control socket (%s); check that xtoed "
			"is running and reopen the context", strerror(-err));
}

int xlib_hello(struct xtoe_ctx *ctx, int fds[3])
{
	struct xtoe_req req = {
		.op = XTOE_OP_HELLO, .id = ++ctx->next_id,
		.a = XTOE_PROTO_VERSION, .b = (uint32_t)getpid(),
	};
	struct xtoe_resp resp;
	int nfds = 0, err;

	err = write_full(ctx->sock, &req, sizeof(req));
	if (!err)
		err = recv_with_fds(ctx->sock, &resp, fds, &nfds);
	if (err)
		return lost_daemon(ctx, err);
	err = check_resp(ctx, &req, &resp);
	if (!err && nfds != 3)
		err = xlib_err(ctx, -EPROTO, "daemon sent %d fds with HELLO, "
			       "expected 3; check xtoed's version", nfds);
	if (err)
		while (nfds > 0)
			close(fds[--nfds]);
	return err;
}

int xlib_request(struct xtoe_ctx *ctx, struct xtoe_req *req,
		 struct xtoe_resp *resp)
{
	return xlib_request_data(ctx, req, NULL, 0, resp);
}

int xlib_request_data(struct xtoe_ctx *ctx, struct xtoe_req *req, const void *data,
		      size_t len, struct xtoe_resp *resp)
{
	int err;

	uint8_t msg[sizeof(*req) + XTOE_REQ_DATA_MAX];

	if (ctx->dead)
		return xlib_err(ctx, -ECONNRESET, "daemon went away; reopen the context");
	if (len > XTOE_REQ_DATA_MAX)
		return xlib_err(ctx, -EINVAL, "request data of %zu bytes is too long", len);
	req->id = ++ctx->next_id;
	memcpy(msg, req, sizeof(*req));
	if (len)
		memcpy(msg + sizeof(*req), data, len);
	/* one write: the daemon reads the data right after the request */
	err = write_full(ctx->sock, msg, sizeof(*req) + len);
	if (!err)
		err = read_full(ctx->sock, resp, sizeof(*resp));
	if (err)
		return lost_daemon(ctx, err);
	return check_resp(ctx, req, resp);
}
