/* SPDX-License-Identifier: MIT */
/*
 * JSON output of the operator tools (-j): every object goes through
 * jansson, one compact object per line. With jout_begin() the error
 * messages a command logs (common/log.h) are collected instead of printed,
 * and jout_error() prints them as {"error": FIRST, "messages": [ALL]}: the
 * first message is the cause (clang's diagnostic, the verifier's reason,
 * the bad rule), the rest its context.
 */
#ifndef XTOE_TOOLS_JOUT_H
#define XTOE_TOOLS_JOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* JSON mode: collect error messages from now on. */
void jout_begin(void);
bool jout_on(void);

/* Print o on stdout as one line and release it. 0, or -errno when stdout
 * failed (-EPIPE: the reader went away). */
int jout_print(json_t *o);

/* {"error": ...}: the collected messages, else fallback. Returns 0 or
 * -errno as jout_print. */
int jout_error(const char *fallback);

/* A JSON string of s; bytes that are not UTF-8 become '?'. */
json_t *jstr(const char *s);

/* Helpers that never fail on NULL: a string member only when s != NULL. */
void jset_str(json_t *o, const char *k, const char *s);
void jset_u64(json_t *o, const char *k, uint64_t v);
void jset_int(json_t *o, const char *k, long long v);
void jset_bool(json_t *o, const char *k, bool v);
/* k = o2, taking the reference. */
void jset(json_t *o, const char *k, json_t *v);

#endif /* XTOE_TOOLS_JOUT_H */
