// SPDX-License-Identifier: MIT
/*
 * Is a port taken by a kernel listener? The daemon asks the kernel of its
 * own network namespace with sock_diag (NETLINK_SOCK_DIAG, inet_diag), as
 * `ss -ltn` does: every TCP socket in LISTEN, IPv4 and IPv6 (a dual-stack
 * :: listener takes IPv4 too).
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp_access.h"

#define KPORT_TCP_LISTEN 10 /* TCP_LISTEN in the kernel's states */

struct kport_q {
	uint32_t addr;
	uint16_t port;
	bool found;
	uint32_t uid;
};

static int kport_ask(int fd, int family)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.r = { .sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << KPORT_TCP_LISTEN },
	};

	return send(fd, &req, sizeof(req), 0) == sizeof(req) ? 0 : -errno;
}

static bool v6only(const struct inet_diag_msg *m, int len)
{
	struct rtattr *a = (struct rtattr *)(m + 1);

	len -= (int)sizeof(*m);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKV6ONLY)
			return *(uint8_t *)RTA_DATA(a) != 0;
	return false;
}

/* Does listener m take IPv4 addr? */
static bool takes(const struct inet_diag_msg *m, int len, uint32_t addr)
{
	static const uint8_t any6[16];
	const uint32_t *s = m->id.idiag_src;

	if (m->idiag_family == AF_INET)
		return s[0] == 0 || s[0] == addr;
	if (!memcmp(s, any6, sizeof(any6)))
		return !v6only(m, len);
	return s[0] == 0 && s[1] == 0 && s[2] == htonl(0xffff) && s[3] == addr;
}

/* One reply's messages: 1 when the dump is done, 0 for more, -errno. */
static int kport_take(const char *buf, ssize_t n, struct kport_q *q)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);

		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -((const struct nlmsgerr *)m)->error ?: -EIO;
		if (!q->found && m->id.idiag_sport == q->port &&
		    takes(m, (int)(h->nlmsg_len - NLMSG_LENGTH(0)), q->addr)) {
			q->found = true;
			q->uid = m->idiag_uid;
		}
	}
	return 0;
}

static int kport_family(int fd, int family, struct kport_q *q)
{
	char buf[16384] __attribute__((aligned(4)));
	int err = kport_ask(fd, family);

	while (!err) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		err = n < 0 ? -errno : n == 0 ? -EIO : kport_take(buf, n, q);
	}
	return err < 0 ? err : 0;
}

int cp_kport_listening(uint32_t addr, uint16_t port, uint32_t *uid)
{
	struct kport_q q = { .addr = addr, .port = port };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int err = fd < 0 ? -errno : kport_family(fd, AF_INET, &q);

	if (!err && !q.found) {
		err = kport_family(fd, AF_INET6, &q);
		if (err == -EAFNOSUPPORT || err == -ENOENT)
			err = 0; /* no IPv6 in this kernel */
	}
	if (fd >= 0)
		close(fd);
	if (err)
		return err;
	*uid = q.uid;
	return q.found;
}

/* --- a port xtoe listens on is taken for the kernel's programs too ------- */

struct cp_kresv {
	struct cp_kresv *next;
	uint16_t port;
	int fd;
};

/* A kernel TCP socket bound to addr:port, never listening (the kernel
 * answers nothing with it; XDP steers the port to xtoe anyway). Without
 * SO_REUSEADDR first, so that every later bind of the port fails; with it
 * when only TIME-WAIT or reusable sockets hold the port. */
static int kresv_bind(uint32_t addr, uint16_t port, bool reuse)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = addr,
				  .sin_port = port };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, err;

	if (fd < 0)
		return -errno;
	/* the address may be the daemon's alone (an in-process test's) */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int cp_kport_reserve(struct cp_kresv **list, uint32_t addr, uint16_t port)
{
	struct cp_kresv *r;
	int fd;

	for (r = *list; r; r = r->next)
		if (r->port == port)
			return 0;
	fd = kresv_bind(addr, port, false);
	if (fd == -EADDRINUSE)
		fd = kresv_bind(addr, port, true);
	if (fd < 0)
		return fd;
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->port = port;
	r->fd = fd;
	r->next = *list;
	*list = r;
	return 0;
}

void cp_kport_release(struct cp_kresv **list, uint16_t port)
{
	for (struct cp_kresv **pp = list, *r; (r = *pp); pp = &r->next) {
		if (r->port != port)
			continue;
		*pp = r->next;
		close(r->fd);
		free(r);
		return;
	}
}
