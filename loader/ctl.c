// SPDX-License-Identifier: MIT
/* Ask a running xtoed which interface it serves (lib/proto.h, XTOE_OP_INFO). */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

static int ask(int fd, struct xtoe_resp *r)
{
	struct xtoe_req q = { .op = XTOE_OP_INFO, .id = 1 };

	if (send(fd, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q))
		return -errno ?: -EIO;
	if (recv(fd, r, sizeof(*r), MSG_WAITALL) != sizeof(*r))
		return -errno ?: -EIO;
	return r->err ? -r->err : 0;
}

int xctl_daemon_iface(const char *sock_path, char *ifname, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xtoe_resp r;
	int fd, err;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = -errno;
	else
		err = ask(fd, &r);
	close(fd);
	if (err) {
		fprintf(stderr, "xtoectl: cannot ask the daemon at %s: %s; is "
			"xtoed running (or pass -i IFACE)?\n", sock_path,
			strerror(-err));
		return err;
	}
	snprintf(ifname, len, "%.*s", (int)sizeof(r.msg), r.msg);
	return 0;
}
