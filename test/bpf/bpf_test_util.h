/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the BPF_PROG_TEST_RUN table tests. */
#ifndef XTOE_BPF_TEST_UTIL_H
#define XTOE_BPF_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* Dotted-quad IPv4 address in network order. */
static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The tables run through the kernel (BPF_PROG_TEST_RUN). Where bpf(2) does
 * not exist at all (qemu-user does not pass it through: make test-arm64)
 * the binary skips, exit 77, instead of failing; the arm64 system test runs
 * it on a real arm64 kernel. Any other failure stays a failure. */
static inline void bpf_test_need_bpf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd >= 0) {
		close(fd);
		return;
	}
	if (fd == -ENOSYS || errno == ENOSYS) {
		printf("# skip: bpf(2) is not implemented here (qemu-user?); "
		       "run on a kernel\n");
		exit(77);
	}
}

#endif /* XTOE_BPF_TEST_UTIL_H */
