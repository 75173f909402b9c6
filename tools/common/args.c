// SPDX-License-Identifier: MIT
/* Command-line helpers of the operator tools (args.h). */
#include "args.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/log.h"
#include "common/version.h"
#include "jout.h"

int arg_ulong(const char *s, unsigned long min, unsigned long max,
	      unsigned long *v)
{
	unsigned long n;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = n;
	return 0;
}

int arg_port(const char *s, const char *proto, uint16_t *port)
{
	struct servent se, *res = NULL;
	unsigned long n;
	char buf[1024];

	if (!arg_ulong(s, 1, 65535, &n)) {
		*port = (uint16_t)n;
		return 0;
	}
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return -EINVAL;
	if (getservbyname_r(s, proto ? proto : "tcp", &se, buf, sizeof(buf), &res) || !res)
		if (proto || getservbyname_r(s, "udp", &se, buf, sizeof(buf), &res) || !res)
			return -EINVAL;
	*port = ntohs((uint16_t)res->s_port);
	return 0;
}

void print_version(void)
{
	printf("%s (xtoe) %s\n", program_invocation_short_name, XTOE_VERSION);
}

int usage_error(const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	if (jout_on())
		jout_error(NULL);
	else
		fprintf(stderr, "Try '%s' for more information.\n", hint);
	return EXIT_USAGE;
}
