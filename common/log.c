// SPDX-License-Identifier: MIT
/* The log helper (log.h). */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The process's one logging setting, as a program's stderr is one. */
static int max_level = -1;
static unsigned nerrors;
static log_sink_fn sink;
static void *sink_arg;

void log_set_sink(log_sink_fn fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

unsigned log_error_count(void)
{
	return nerrors;
}

int log_level_parse(const char *s)
{
	static const char *const names[] = { "err", "warn", "notice", "info", "debug" };
	char *end;
	long v;

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return LOG_LVL_ERR + i;
	if (!strcmp(s, "error") || !strcmp(s, "warning"))
		return !strcmp(s, "error") ? LOG_LVL_ERR : LOG_LVL_WARN;
	v = strtol(s, &end, 10);
	return *s && !*end && v >= LOG_LVL_ERR && v <= LOG_LVL_DEBUG ? (int)v : -1;
}

static int level_from_env(void)
{
	const char *v = getenv("XTOE_VERBOSE");

	if (!v || !*v)
		return LOG_LVL_NOTICE;
	return atoi(v) >= 2 ? LOG_LVL_DEBUG : LOG_LVL_INFO;
}

void log_set_level(enum log_level max)
{
	max_level = (int)max;
}

enum log_level log_level(void)
{
	if (max_level < 0)
		max_level = level_from_env();
	return (enum log_level)max_level;
}

void log_vmsg(enum log_level l, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (!log_enabled(l))
		return;
	if (l <= LOG_LVL_ERR)
		nerrors++;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	while (n > 0 && line[n - 1] == '\n' && (size_t)n <= sizeof(line) - 1)
		line[--n] = '\0';
	if (sink && sink(l, line, sink_arg))
		return;
	/* one write per line, so lines of several threads do not mix */
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", (int)l, line);
	else
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, line);
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(l, fmt, ap);
	va_end(ap);
}

int log_library(int lib_level, const char *fmt, va_list ap)
{
	enum log_level l = lib_level <= 1 ? LOG_LVL_INFO : LOG_LVL_DEBUG;

	if (!log_enabled(l))
		return 0;
	/* libbpf's lines carry their own "libbpf: " prefix and newline */
	return vfprintf(stderr, fmt, ap);
}
