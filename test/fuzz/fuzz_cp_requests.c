/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the control plane's request handling (the framing of
 * requests, the context's life, every application request) in an
 * in-process daemon over the loopback port (test/unit/loopnet.h), no
 * network. Each input is one client of the unix socket:
 *   byte 0   bit 0: a valid HELLO first (so LIVE requests are reached)
 *   byte 1   how the stream is cut into writes: pieces of 1..255 bytes
 *            (0: one write)
 *   rest     the bytes the client sends, then it shuts its side down.
 * The daemon must answer, hang up within 5 s (else it is wedged: abort),
 * and never trip a sanitizer. Requests that load code or change the host
 * (C modules, the operator tools' ops) are turned into INFO first.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "common/proto.h"
#include "loopnet.h"

static struct loopnet net;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	if (loopnet_up(&net, NULL))
		abort();
	return 0;
}

/* Walk the requests as the daemon frames them; defuse the dangerous ones. */
static void defuse(uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off <= len && len - off >= sizeof(struct xtoe_req)) {
		struct xtoe_req q;
		long data;

		memcpy(&q, buf + off, sizeof(q));
		if (q.op == XTOE_OP_CMODULE_ADD || q.op >= XTOE_OP_FW_FILE) {
			q.op = XTOE_OP_INFO;
			memcpy(buf + off, &q, sizeof(q));
		}
		data = xtoe_req_data_len(&q);
		if (data < 0)
			return; /* the daemon hangs up here */
		off += sizeof(q) + (size_t)data;
	}
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", net.a.sock);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		abort();
	return s;
}

static void send_cut(int s, const uint8_t *p, size_t len, size_t piece)
{
	char sink[4096];

	while (len) {
		size_t n = piece && piece < len ? piece : len;

		if (send(s, p, n, MSG_NOSIGNAL) != (ssize_t)n)
			return; /* the daemon hung up: a request it refuses */
		p += n;
		len -= n;
		while (recv(s, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			; /* answers (fds with them are discarded) */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xtoe_req hello = { .op = XTOE_OP_HELLO, .id = 1, .a = XTOE_PROTO_VERSION };
	char sink[4096];
	uint8_t *buf;
	ssize_t n;
	int s;

	if (size < 2 || size > 64 * 1024)
		return -1;
	buf = malloc(size - 2 + sizeof(hello));
	if (!buf)
		abort();
	memcpy(buf, &hello, sizeof(hello));
	memcpy(buf + sizeof(hello), data + 2, size - 2);
	s = client();
	if (data[0] & 1) {
		defuse(buf, size - 2 + sizeof(hello));
		send_cut(s, buf, size - 2 + sizeof(hello), data[1]);
	} else {
		defuse(buf + sizeof(hello), size - 2);
		send_cut(s, buf + sizeof(hello), size - 2, data[1]);
	}
	shutdown(s, SHUT_WR);
	while ((n = recv(s, sink, sizeof(sink), 0)) > 0)
		;
	if (n < 0 && errno != ECONNRESET)
		abort(); /* no end within 5 s: the daemon is wedged */
	close(s);
	free(buf);
	return 0;
}
