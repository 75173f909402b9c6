// SPDX-License-Identifier: MIT
/* The firewall of an interface: rules with handles, persisted (fw_ctl.h). */
#include "fw_ctl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "module.h"

#include <bpf/bpf.h>
#include "common/log.h"

#define FW_MODULE "firewall"

static void module_dir(const struct fwc *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" FW_MODULE, xchain_dir(f->chain));
}

int fwc_open(struct fwc *f, struct xchain *c, const char *file)
{
	char dir[PATH_MAX], state[PATH_MAX + 16];

	memset(f, 0, sizeof(*f));
	memset(&f->maps, 0xff, sizeof(f->maps));
	f->chain = c;
	f->file = file;
	module_dir(f, dir, sizeof(dir));
	snprintf(state, sizeof(state), "%s/fw_state", dir);
	if (access(state, F_OK))
		return 0; /* no firewall yet: fwc_add & co. insert it */
	f->loaded = true;
	return fw_maps_from_pins(dir, &f->maps);
}

void fwc_close(struct fwc *f)
{
	if (f->loaded)
		fw_maps_close(&f->maps);
	f->loaded = false;
}

/* Insert the firewall right after vlan_strip (first if there is none). */
static int ensure_loaded(struct fwc *f)
{
	struct xchain_pos pos = { XCHAIN_AFTER, "vlan_strip" };
	struct xmod_opts o = { .name = FW_MODULE, .flags = XTOE_MOD_F_PROTECTED };
	char dir[PATH_MAX];
	int err;

	if (f->loaded)
		return 0;
	if (xchain_find(f->chain, "vlan_strip") < 0)
		pos = (struct xchain_pos){ XCHAIN_FIRST, NULL };
	err = xmod_add(f->chain, FW_MODULE, &pos, &o, NULL);
	if (err && err != -EEXIST)
		return err;
	module_dir(f, dir, sizeof(dir));
	err = fw_maps_from_pins(dir, &f->maps);
	f->loaded = !err;
	return err;
}

int fwc_list(struct fwc *f, struct fw_rule *rules, int max)
{
	return f->loaded ? fw_active(&f->maps, rules, max) : 0;
}

/* The module leaves the chain (with no rules, it has nothing to do). */
static int unload(struct fwc *f)
{
	int err;

	fw_maps_close(&f->maps);
	f->loaded = false;
	err = xmod_del_owned(f->chain, FW_MODULE);
	return err == -ENOENT ? 0 : err;
}

/* Install rules[0..n) and write the rule file (under the chain's lock). */
static int install(struct fwc *f, struct fw_rule *rules, int n)
{
	int err = fw_rules_number(rules, n);

	if (err) {
		log_err("firewall: two rules with the same handle; "
			"give each rule its own or none");
		return err;
	}
	if (f->loaded)
		err = fw_replace(&f->maps, rules, n);
	if (!err && f->file)
		err = fw_file_save(f->file, rules, n);
	return err;
}

typedef int (*fw_edit)(struct fw_rule *rules, int *n, void *arg);

/* The set a change starts from: the live one; with no module in the chain,
 * the rule file's (which then is what the operator last had in force). */
static int current_set(struct fwc *f, struct fw_rule *rules)
{
	int n;

	if (f->loaded || !f->file)
		return fwc_list(f, rules, FW_MAX_RULES);
	n = fw_file_load(f->file, rules, FW_MAX_RULES);
	if (n > 0)
		log_warn("firewall: the module was not in the chain of %s although "
			 "%s holds %d rules; the change starts from those rules",
			 xchain_dir(f->chain), f->file, n);
	return n;
}

/* Read the current set, edit it, install it: all under the chain's lock
 * (which nests: ensure_loaded and unload take it too). The module is put
 * into the chain when the new set has rules, and goes when it has none. */
static int change(struct fwc *f, fw_edit edit, void *arg)
{
	struct fw_rule *rules = calloc(FW_MAX_RULES + 1, sizeof(*rules));
	int n, err;

	if (!rules)
		return -ENOMEM;
	err = xchain_lock(f->chain);
	if (err)
		goto out;
	n = current_set(f, rules);
	err = n < 0 ? n : edit(rules, &n, arg);
	if (!err && n > 0)
		err = ensure_loaded(f);
	if (!err)
		err = install(f, rules, n);
	if (!err && n == 0 && f->loaded)
		err = unload(f);
	xchain_unlock(f->chain);
out:
	free(rules);
	return err;
}

struct add {
	struct fw_rule *r;
	const struct fwc_pos *pos;
};

/* Index the new rule takes, or -ENOENT when the reference is not there. */
static int add_index(const struct fw_rule *rules, int n, const struct fwc_pos *pos)
{
	if (!pos->ref)
		return pos->before ? 0 : n;
	for (int i = 0; i < n; i++)
		if (rules[i].handle == pos->ref)
			return pos->before ? i : i + 1;
	log_err("firewall: no rule with handle %u to put the new rule %s; see "
		"`xtoectl fw list`", pos->ref, pos->before ? "before" : "after");
	return -ENOENT;
}

static int edit_add(struct fw_rule *rules, int *n, void *arg)
{
	struct add *a = arg;
	struct fw_rule *r = a->r;
	int at;

	if (*n >= FW_MAX_RULES) {
		log_err("firewall: %d rules already, the most there can "
			"be; delete one first", *n);
		return -E2BIG;
	}
	for (int i = 0; i < *n; i++)
		if (r->handle && rules[i].handle == r->handle) {
			log_err("firewall: handle %u is taken; pick another "
				"or leave --handle out", r->handle);
			return -EEXIST;
		}
	at = add_index(rules, *n, a->pos);
	if (at < 0)
		return at;
	memmove(&rules[at + 1], &rules[at], (size_t)(*n - at) * sizeof(*rules));
	rules[at] = *r;
	(*n)++;
	if (fw_rules_number(rules, *n))
		return -EEXIST;
	r->handle = rules[at].handle;
	return 0;
}

int fwc_add(struct fwc *f, struct fw_rule *r, const struct fwc_pos *pos,
	    uint32_t *handle)
{
	struct add a = { r, pos };
	int err = change(f, edit_add, &a);

	if (!err)
		*handle = r->handle;
	return err;
}

static int edit_del(struct fw_rule *rules, int *n, void *arg)
{
	uint32_t h = *(uint32_t *)arg;

	for (int i = 0; i < *n; i++)
		if (rules[i].handle == h) {
			memmove(&rules[i], &rules[i + 1],
				(size_t)(*n - i - 1) * sizeof(*rules));
			(*n)--;
			return 0;
		}
	log_err("firewall: no rule with handle %u; see `xtoectl fw list`", h);
	return -ENOENT;
}

int fwc_del(struct fwc *f, uint32_t handle)
{
	return change(f, edit_del, &handle);
}

static int edit_flush(struct fw_rule *rules, int *n, void *arg)
{
	(void)rules;
	(void)arg;
	*n = 0;
	return 0;
}

int fwc_flush(struct fwc *f)
{
	return change(f, edit_flush, NULL);
}

struct set { struct fw_rule *rules; int n; };

static int edit_set(struct fw_rule *rules, int *n, void *arg)
{
	const struct set *s = arg;

	memcpy(rules, s->rules, (size_t)s->n * sizeof(*rules));
	*n = s->n;
	return 0;
}

int fwc_apply(struct fwc *f, struct fw_rule *rules, int n)
{
	struct set s = { rules, n };

	if (n < 0 || n > FW_MAX_RULES)
		return -E2BIG;
	return change(f, edit_set, &s);
}

int fwc_live_rules(const char *pin_dir)
{
	char path[PATH_MAX];
	struct fw_state st = { 0, 0 };
	uint32_t zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/" FW_MODULE "/fw_state", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_lookup_elem(fd, &zero, &st))
		st.nrules = 0;
	close(fd);
	return (int)st.nrules;
}

static char *read_all(FILE *fp)
{
	size_t cap = 4096, len = 0, k;
	char *buf = malloc(cap + 1), *nb;

	while (buf && (k = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += k;
		if (len == cap) {
			nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = 0;
	return buf;
}

int fw_file_load(const char *path, struct fw_rule *rules, int max)
{
	FILE *fp = fopen(path, "r");
	struct fw_errs *errs;
	char *text;
	int n;

	if (!fp) {
		n = -errno;
		if (n != -ENOENT)
			log_err("cannot read %s: %s", path, strerror(-n));
		return n == -ENOENT ? 0 : n;
	}
	text = read_all(fp);
	fclose(fp);
	errs = calloc(1, sizeof(*errs));
	n = text && errs ? fw_rules_parse(text, rules, max, errs) : -ENOMEM;
	for (int i = 0; errs && i < errs->n && i < FW_ERRS_MAX; i++)
		log_err("%s:%d: %s", path, errs->e[i].line, errs->e[i].msg);
	if (errs && errs->n > FW_ERRS_MAX)
		log_err("%s: %d more errors", path, errs->n - FW_ERRS_MAX);
	free(errs);
	free(text);
	return n;
}

static void make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755); /* one level: /var/lib/xtoe */
	}
}

int fw_file_save(const char *path, const struct fw_rule *rules, int n)
{
	char tmp[PATH_MAX], line[FW_RULE_TEXT_MAX];
	FILE *fp;
	int err = 0;

	make_parent(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fp = fopen(tmp, "w");
	if (!fp)
		goto fail;
	fprintf(fp, "# xtoe firewall rules (xtoectl fw save); one rule per line\n");
	for (int i = 0; i < n; i++) {
		fw_rule_format(&rules[i], line, sizeof(line));
		fprintf(fp, "%s\n", line);
	}
	if (fflush(fp) || fsync(fileno(fp)))
		err = -errno;
	if (fclose(fp) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		return 0;
	unlink(tmp);
	errno = -err;
fail:
	err = -errno;
	log_err("firewall: the rules are in force but could not be saved "
		"to %s: %s; they will not survive a restart of the daemon",
		path, strerror(-err));
	return err;
}
