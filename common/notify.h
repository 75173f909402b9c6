/* SPDX-License-Identifier: MIT */
/*
 * Tell the service manager (systemd, Type=notify) how a daemon is doing:
 * "READY=1" once it serves, "STOPPING=1" when it shuts down. A datagram
 * to $NOTIFY_SOCKET (a path, or '@' for the abstract namespace); nothing
 * when the variable is not set. No libsystemd needed.
 */
#ifndef XTOE_NOTIFY_H
#define XTOE_NOTIFY_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static inline void service_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

#endif /* XTOE_NOTIFY_H */
