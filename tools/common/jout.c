// SPDX-License-Identifier: MIT
/* JSON output of the operator tools (jout.h). */
#include "jout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static json_t *errors; /* array of the error messages logged in JSON mode */

json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j || !s)
		return j;
	copy = strdup(s); /* not UTF-8: keep ASCII, mark the rest */
	for (char *p = copy; p && *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = copy ? json_string(copy) : NULL;
	free(copy);
	return j;
}

static int collect(enum log_level l, const char *line, void *arg)
{
	(void)arg;
	if (l > LOG_LVL_ERR)
		return 0; /* warnings and notices still go to stderr */
	json_array_append_new(errors, jstr(line));
	return 1;
}

void jout_begin(void)
{
	if (!errors)
		errors = json_array();
	log_set_sink(collect, NULL);
}

bool jout_on(void)
{
	return errors != NULL;
}

int jout_print(json_t *o)
{
	int err = 0;

	if (!o)
		return -ENOMEM;
	if (json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) ||
	    fputc('\n', stdout) == EOF || fflush(stdout))
		err = -(errno ?: EIO);
	json_decref(o);
	return err;
}

int jout_error(const char *fallback)
{
	json_t *o = json_object();
	size_t n = errors ? json_array_size(errors) : 0;

	if (n)
		json_object_set(o, "error", json_array_get(errors, 0));
	else
		jset_str(o, "error", fallback ? fallback : "failed");
	if (n > 1) {
		json_object_set_new(o, "messages", errors);
		errors = json_array();
	} else if (errors) {
		json_array_clear(errors);
	}
	return jout_print(o);
}

void jset(json_t *o, const char *k, json_t *v)
{
	if (o && v)
		json_object_set_new(o, k, v);
	else
		json_decref(v);
}

void jset_str(json_t *o, const char *k, const char *s)
{
	if (s)
		jset(o, k, jstr(s));
}

void jset_u64(json_t *o, const char *k, uint64_t v)
{
	jset(o, k, json_integer((json_int_t)v));
}

void jset_int(json_t *o, const char *k, long long v)
{
	jset(o, k, json_integer(v));
}

void jset_bool(json_t *o, const char *k, bool v)
{
	jset(o, k, json_boolean(v));
}
