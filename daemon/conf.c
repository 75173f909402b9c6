// SPDX-License-Identifier: MIT
/* xtoed's configuration file (conf.h). */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define CONF_MAX_ARGS 256

static const struct option *find(const struct option *known, const char *name)
{
	for (; known->name; known++)
		if (!strcmp(known->name, name))
			return known;
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* One line: NAME [=] [VALUE] into av[]. */
static int conf_line(const char *path, int line, char *s, const struct option *known,
		     char **av, int *ac)
{
	const struct option *o;
	char *name, *val, opt[80];

	s[strcspn(s, "#")] = 0;
	s = trim(s);
	if (!*s)
		return 0;
	name = s;
	val = s + strcspn(s, " \t=");
	if (*val) {
		*val++ = 0;
		val = trim(val);
		if (*val == '=')
			val = trim(val + 1);
	}
	o = find(known, name);
	if (!o || !strcmp(name, "config") || !strcmp(name, "help") || !strcmp(name, "version")) {
		log_err("%s:%d: '%s' is not an option of xtoed here (see xtoed --help)",
			path, line, name);
		return -EINVAL;
	}
	if ((o->has_arg == required_argument) != (*val != 0)) {
		log_err("%s:%d: '%s' %s", path, line, name,
			*val ? "takes no value" : "needs a value");
		return -EINVAL;
	}
	if (*ac + 2 >= CONF_MAX_ARGS) {
		log_err("%s:%d: too many options", path, line);
		return -E2BIG;
	}
	snprintf(opt, sizeof(opt), "--%s", name);
	av[(*ac)++] = strdup(opt);
	if (*val)
		av[(*ac)++] = strdup(val);
	return av[*ac - 1] ? 0 : -ENOMEM;
}

int conf_argv(const char *path, const char *prog, const struct option *known,
	      int *argc, char ***argv)
{
	FILE *f = fopen(path, "r");
	char buf[1024], **av;
	int ac = 0, line = 0, err = 0;

	if (!f) {
		err = -errno;
		log_err("--config %s: %s", path, strerror(-err));
		return err;
	}
	av = calloc(CONF_MAX_ARGS, sizeof(*av));
	if (!av) {
		fclose(f);
		return -ENOMEM;
	}
	av[ac++] = (char *)prog;
	while (!err && fgets(buf, sizeof(buf), f))
		err = conf_line(path, ++line, buf, known, av, &ac);
	fclose(f);
	if (err)
		return err;
	*argc = ac;
	*argv = av;
	return 0;
}
