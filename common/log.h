/* SPDX-License-Identifier: MIT */
/*
 * One log helper for every program and library of xtoe. A message goes to
 * stderr as "PROGRAM: text", PROGRAM being the program that runs (glibc's
 * program_invocation_short_name: xtoed, xtoectl, xtoe-dump, or the
 * application a library serves), so library code never claims to be one
 * tool. Under systemd (JOURNAL_STREAM set) each line starts with the
 * journal's "<N>" priority instead.
 *
 * Levels are syslog's. Errors and warnings always print; notices too
 * unless quieted; info and debug only when a program raises the level
 * (-v) or XTOE_VERBOSE is set in the environment (1: info, 2: debug).
 */
#ifndef XTOE_LOG_H
#define XTOE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Highest level printed (default NOTICE, or as XTOE_VERBOSE says). */
void log_set_level(enum log_level max);
enum log_level log_level(void);
static inline int log_enabled(enum log_level l) { return l <= log_level(); }

/* A program's own destination for messages (e.g. JSON output collects its
 * errors): called with each formatted line (no newline, no prefix) that
 * passes the level; returns non-zero when it took the line, which then is
 * not printed. NULL restores stderr. */
typedef int (*log_sink_fn)(enum log_level l, const char *line, void *arg);
void log_set_sink(log_sink_fn fn, void *arg);

/* Error messages logged so far (a caller that failed can tell whether the
 * reason was already said). */
unsigned log_error_count(void);

/* A level by name (err, warn, notice, info, debug; or 3..7); -1 if none. */
int log_level_parse(const char *s);

void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level l, const char *fmt, va_list ap);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* The messages of libbpf and libxdp (their print callbacks pass their
 * level: 0 warn, 1 info, 2 debug): warnings and info at info, debug at
 * debug, so they show only with -v / XTOE_VERBOSE. */
int log_library(int lib_level, const char *fmt, va_list ap);

#endif /* XTOE_LOG_H */
