/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers shared by the operator tools: strict numbers and
 * ports (a typo is an error, never a zero), --version, and usage errors
 * as one line and a hint (GNU style), in JSON mode as {"error": ...}.
 */
#ifndef XTOE_TOOLS_ARGS_H
#define XTOE_TOOLS_ARGS_H

#include <stdint.h>
#include <stdio.h>

enum { EXIT_USAGE = 2 };

/* A decimal number in [min, max]; 0 or -EINVAL (nothing written). */
int arg_ulong(const char *s, unsigned long min, unsigned long max,
	      unsigned long *v);
/* A port: 1..65535 or a service name from /etc/services (proto "tcp" or
 * "udp", NULL: either). 0 or -EINVAL. */
int arg_port(const char *s, const char *proto, uint16_t *port);

/* "PROG (xtoe) VERSION" on stdout. */
void print_version(void);

/* Log "msg" as an error, then "Try 'HINT' for more information." on
 * stderr (JSON mode: the error object on stdout). Returns EXIT_USAGE. */
int usage_error(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* XTOE_TOOLS_ARGS_H */
