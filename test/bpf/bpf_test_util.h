/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the BPF_PROG_TEST_RUN table tests. */
#ifndef XTOE_BPF_TEST_UTIL_H
#define XTOE_BPF_TEST_UTIL_H

#include <arpa/inet.h>
#include <stdint.h>

/* Dotted-quad IPv4 address in network order. */
static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

#endif /* XTOE_BPF_TEST_UTIL_H */
