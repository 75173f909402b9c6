/* SPDX-License-Identifier: MIT */
/* Who may use xtoe (daemon/cp/cp_access.c, cp_kport.c): the rules. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "common/proto.h"
#include "daemon/cp/cp_access.h"

static const char status_user[] =
	"Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
	"Uid:\t0\t65534\t65534\t65534\nGid:\t0\t65533\t65533\t65533\n"
	"Groups:\t65533\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
	"CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n";
static const char status_bind[] =
	"Uid:\t1001\t1001\t1001\t1001\nGid:\t1001\t1001\t1001\t1001\n"
	"CapEff:\t0000000000000400\n";
static const char status_root[] =
	"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n";

/* The effective ids and capabilities, never the real ones (a server that
 * dropped privileges with seteuid keeps uid 0 as its real id). */
static void test_status_effective_ids_and_caps(void)
{
	struct acc_creds c;

	REQUIRE(acc_parse_status(status_user, &c) == 0);
	CHECK_EQ(c.euid, 65534);
	CHECK_EQ(c.egid, 65533);
	CHECK_EQ(c.cap_eff, 0);
	REQUIRE(acc_parse_status(status_bind, &c) == 0);
	CHECK_EQ(c.euid, 1001);
	CHECK(acc_has_cap(&c, ACC_CAP_NET_BIND_SERVICE));
	CHECK(!acc_has_cap(&c, ACC_CAP_NET_ADMIN));
	REQUIRE(acc_parse_status(status_root, &c) == 0);
	CHECK(acc_has_cap(&c, ACC_CAP_NET_ADMIN));
	CHECK(!acc_has_cap(&c, 64));
}

static void test_status_malformed_refused(void)
{
	struct acc_creds c;

	CHECK_EQ(acc_parse_status("", &c), -EINVAL);
	CHECK_EQ(acc_parse_status("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", &c), -EINVAL);
	CHECK_EQ(acc_parse_status("Uid:\t0\nGid:\t0\t0\nCapEff:\t0\n", &c), -EINVAL);
	CHECK_EQ(acc_parse_status("Uid:\tx\t1\nGid:\t0\t0\nCapEff:\t0\n", &c), -EINVAL);
	CHECK_EQ(acc_parse_status("Uid:\t0\n7\nGid:\t0\t0\nCapEff:\t0\n", &c), -EINVAL);
}

/* Linux's rule: below ip_unprivileged_port_start, CAP_NET_BIND_SERVICE. */
static void test_low_ports_need_bind_service(void)
{
	struct acc_creds user = { .euid = 1001 }, bind = { .euid = 1001, .cap_eff = 1u << 10 };

	CHECK_EQ(acc_port_allowed(80, 1024, &user), -EACCES);
	CHECK_EQ(acc_port_allowed(1023, 1024, &user), -EACCES);
	CHECK_EQ(acc_port_allowed(1024, 1024, &user), 0);
	CHECK_EQ(acc_port_allowed(8080, 1024, &user), 0);
	CHECK_EQ(acc_port_allowed(80, 1024, &bind), 0);
	CHECK_EQ(acc_port_allowed(80, 80, &user), 0);   /* sysctl lowered */
	CHECK_EQ(acc_port_allowed(80, 0, &user), 0);
}

/* uid 0 without the capability is refused too (capabilities decide). */
static void test_root_without_capability_refused(void)
{
	struct acc_creds root_nocap = { .euid = 0, .cap_eff = 0 };

	CHECK_EQ(acc_port_allowed(80, 1024, &root_nocap), -EACCES);
}

/* The parent pid after the name, whatever the name holds. */
static void test_stat_ppid(void)
{
	CHECK_EQ(acc_stat_ppid("4242 (nginx) S 4200 4200 4200 0 -1 4194624 ..."), 4200);
	CHECK_EQ(acc_stat_ppid("17 (a) b) (c) R 1 17 17 0"), 1);
	CHECK_EQ(acc_stat_ppid("9 (x) Z 0 0"), 0);
	CHECK_EQ(acc_stat_ppid("9 (x"), -EINVAL);
	CHECK_EQ(acc_stat_ppid("9 (x) S"), -EINVAL);
}

static void test_reuseport_within_one_user(void)
{
	CHECK(acc_join_allowed(1001, 1001));
	CHECK(acc_join_allowed(0, 0));
	CHECK(!acc_join_allowed(0, 1001));
	CHECK(!acc_join_allowed(1001, 1002));
}

static void test_operator_requests(void)
{
	CHECK(acc_operator_op(XTOE_OP_CAPTURE));
	CHECK(acc_operator_op(XTOE_OP_TRACE));
	CHECK(acc_operator_op(XTOE_OP_FW_SYNC));
	CHECK(acc_operator_op(XTOE_OP_CMODULE_ADD));
	CHECK(!acc_operator_op(XTOE_OP_STATS));
	CHECK(!acc_operator_op(XTOE_OP_CONNS));
	CHECK(!acc_operator_op(XTOE_OP_INFO));
	CHECK(!acc_operator_op(XTOE_OP_LISTEN));
	CHECK(!acc_operator_op(XTOE_OP_HELLO));
}

static int kernel_listener(int family, const void *addr, socklen_t alen, uint16_t *port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 0 }, sizeof(int));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, addr, alen) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	*port = family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				  : ((struct sockaddr_in6 *)&ss)->sin6_port;
	return fd;
}

/* qemu-user has no NETLINK_SOCK_DIAG: the kernel cases are checked on a
 * kernel (make test, the arm64 system test), not there. */
static bool no_sock_diag(uint32_t addr, uint16_t port)
{
	uint32_t uid;

	if (cp_kport_listening(addr, port, &uid) != -EPROTONOSUPPORT)
		return false;
	printf("# sock_diag not available (qemu-user?): kernel listener case not checked\n");
	return true;
}

/* sock_diag: a kernel listener on the address or a wildcard takes the
 * port; one on another address does not; closed, the port is free. */
static void test_kernel_listener_found(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	uint32_t xaddr = htonl(0xc6120001), uid = 99; /* 198.18.0.1 */
	uint16_t port;
	int fd;

	REQUIRE((fd = kernel_listener(AF_INET, &any, sizeof(any), &port)) >= 0);
	if (no_sock_diag(xaddr, port)) {
		close(fd);
		return;
	}
	CHECK_EQ(cp_kport_listening(xaddr, port, &uid), 1);
	CHECK_EQ(uid, geteuid());
	close(fd);
	CHECK_EQ(cp_kport_listening(xaddr, port, &uid), 0);
	REQUIRE((fd = kernel_listener(AF_INET, &lo, sizeof(lo), &port)) >= 0);
	CHECK_EQ(cp_kport_listening(xaddr, port, &uid), 0);
	CHECK_EQ(cp_kport_listening(lo.sin_addr.s_addr, port, &uid), 1);
	close(fd);
}

static void test_kernel_dual_stack_listener_found(void)
{
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	uint32_t xaddr = htonl(0xc6120001), uid;
	uint16_t port;
	int fd = kernel_listener(AF_INET6, &any6, sizeof(any6), &port);

	if (fd < 0) {
		printf("# no IPv6 here: dual-stack case not checked\n");
		return;
	}
	if (no_sock_diag(xaddr, port)) {
		close(fd);
		return;
	}
	CHECK_EQ(cp_kport_listening(xaddr, port, &uid), 1);
	close(fd);
	CHECK_EQ(cp_kport_listening(xaddr, port, &uid), 0);
}

/* A free port of 127.0.0.1 (bound once, then closed). */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		sa.sin_port = 0;
	if (fd >= 0)
		close(fd);
	return sa.sin_port;
}

/* Binding the port as a kernel program would (wildcard, SO_REUSEADDR, as
 * servers do): 0 or -errno. */
static int kernel_bind(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = port };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, err = 0;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
		err = -errno;
	close(fd);
	return err;
}

/* While xtoe holds a port the kernel refuses it to its programs; once
 * released, they have it again. A port a kernel socket has bound cannot
 * be reserved. */
static void test_port_reserved_for_xtoe(void)
{
	uint32_t lo = htonl(0x7f000001);
	struct cp_kresv *list = NULL;
	uint16_t port = free_port();
	int fd;

	REQUIRE(port);
	REQUIRE(cp_kport_reserve(&list, lo, port) == 0);
	CHECK_EQ(cp_kport_reserve(&list, lo, port), 0); /* once per port */
	CHECK_EQ(kernel_bind(port), -EADDRINUSE);
	cp_kport_release(&list, port);
	CHECK(list == NULL);
	CHECK_EQ(kernel_bind(port), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(!bind(fd, (struct sockaddr *)&(struct sockaddr_in){
		.sin_family = AF_INET, .sin_port = port }, sizeof(struct sockaddr_in)));
	CHECK_EQ(cp_kport_reserve(&list, lo, port), -EADDRINUSE);
	CHECK(list == NULL);
	close(fd);
}

int main(void)
{
	RUN(test_status_effective_ids_and_caps);
	RUN(test_status_malformed_refused);
	RUN(test_low_ports_need_bind_service);
	RUN(test_root_without_capability_refused);
	RUN(test_stat_ppid);
	RUN(test_reuseport_within_one_user);
	RUN(test_operator_requests);
	RUN(test_kernel_listener_found);
	RUN(test_kernel_dual_stack_listener_found);
	RUN(test_port_reserved_for_xtoe);
	return check_summary();
}
