// SPDX-License-Identifier: MIT
/*
 * xtoectl fw: the interface's firewall (xdp/fw_ctl.h). Arguments and
 * output only.
 *
 *   fw list | save | add [position H] RULE | insert [position H] RULE |
 *      del HANDLE | flush | apply FILE | check FILE
 *
 * With no daemon on the interface, the firewall a stopped xtoed left
 * attached (docs/tools.md) can be listed and saved, not changed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/log.h"
#include "common/paths.h"
#include "xdp/fw_ctl.h"

#define FW_HINT CLI_HINT

/* What the daemon serving the interface says: its rule file, and that it
 * runs. false when it does not answer. */
static bool daemon_rule_file(const struct cli *c, char *buf, size_t len)
{
	char sb[128];
	const char *sock = daemon_sock(c, sb, sizeof(sb));
	int level = log_level();
	bool up;

	if (!sock)
		return false;
	log_set_level(LOG_LVL_ERR - 1); /* not being there is an answer here */
	up = !xctl_daemon_fw_file(sock, buf, len);
	log_set_level((enum log_level)level);
	return up;
}

static void sync_daemon(const struct cli *c)
{
	char sb[128];
	const char *sock = daemon_sock(c, sb, sizeof(sb));

	if (sock)
		xctl_fw_sync(sock);
}

static json_t *rule_json(const struct fw_rule *r, const struct fw_count *n)
{
	char text[FW_RULE_TEXT_MAX];
	json_t *o = json_object(), *m = json_object();
	struct fw_rule bare = *r;

	jset_u64(o, "handle", r->handle);
	jset_str(o, "action", fw_action_name(r->action));
	for (int f = 0; f < FW_F__COUNT; f++) {
		json_t *fm, *set;

		if (!r->n[f])
			continue;
		fm = json_object();
		set = json_array();
		jset_str(fm, "op", r->neg & (1u << f) ? "!=" : "==");
		for (int i = 0; i < r->n[f] && i < FW_SET_MAX; i++) {
			fw_value_format(r, (enum fw_field)f, i, text, sizeof(text));
			json_array_append_new(set, jstr(text));
		}
		jset(fm, "set", set);
		jset(m, fw_field_name((enum fw_field)f), fm);
	}
	jset(o, "match", m);
	if (r->comment[0])
		jset_str(o, "comment", r->comment);
	jset_u64(o, "packets", n->packets);
	jset_u64(o, "bytes", n->bytes);
	bare.handle = 0;
	fw_rule_format(&bare, text, sizeof(text));
	jset_str(o, "rule", text);
	return o;
}

static int cmd_list(struct cli *c, struct fwc *f, bool save, bool daemon_up)
{
	struct fw_rule *rules = calloc(FW_MAX_RULES, sizeof(*rules));
	char text[FW_RULE_TEXT_MAX];
	json_t *o = NULL, *arr = NULL;
	struct fw_count n;
	int cnt = rules ? fwc_list(f, rules, FW_MAX_RULES) : -ENOMEM;

	if (cnt < 0) {
		free(rules);
		return cli_fail(c, cnt);
	}
	if (!daemon_up && cnt)
		log_notice("no xtoed runs on %s: these rules stay in force, kept "
			   "attached when it stopped; `xtoectl -i %s detach` removes "
			   "them", c->ifname, c->ifname);
	if (c->json) {
		o = json_object();
		arr = json_array();
		jset_str(o, "iface", c->ifname);
		jset_bool(o, "daemon", daemon_up);
	} else if (!save) {
		printf("%6s %12s %14s  %s\n", "HANDLE", "PACKETS", "BYTES", "RULE");
	}
	for (int i = 0; i < cnt; i++) {
		struct fw_rule bare = rules[i];

		bare.handle = 0;
		fw_rule_hits(&f->maps, i, &n);
		fw_rule_format(save ? &rules[i] : &bare, text, sizeof(text));
		if (save && c->json)
			json_array_append_new(arr, jstr(text)); /* the file's lines */
		else if (save)
			printf("%s\n", text);
		else if (c->json)
			json_array_append_new(arr, rule_json(&rules[i], &n));
		else
			printf("%6u %12llu %14llu  %s\n", rules[i].handle,
			       (unsigned long long)n.packets,
			       (unsigned long long)n.bytes, text);
	}
	free(rules);
	if (o) {
		jset(o, "rules", arr);
		return cli_json(c, o);
	}
	return fflush(stdout) ? 1 : 0;
}

static int print_handle(const struct cli *c, const char *key, unsigned long h,
			const char *text)
{
	json_t *o;

	if (!c->json) {
		printf("fw: rule %lu %s\n", h, text);
		return 0;
	}
	o = json_object();
	jset_u64(o, key, h);
	return cli_json(c, o);
}

/* [position H] before the rule's words. */
static int parse_position(int *argc, char ***argv, struct fwc_pos *pos)
{
	unsigned long h;

	if (*argc < 1 || strcmp((*argv)[0], "position"))
		return 0;
	if (*argc < 2 || arg_ulong((*argv)[1], 1, UINT32_MAX, &h))
		return usage_error(FW_HINT, "fw: 'position' needs a rule handle from "
				   "`xtoectl fw list`");
	pos->ref = (uint32_t)h;
	*argc -= 2;
	*argv += 2;
	return 0;
}

static int cmd_add(struct cli *c, struct fwc *f, bool before, int argc, char **argv)
{
	struct fwc_pos pos = { .before = before };
	char *words[256], err[160];
	struct fw_rule r;
	uint32_t handle;
	int n = 0, rc;

	if ((rc = parse_position(&argc, &argv, &pos)))
		return rc;
	if (argc < 1)
		return usage_error(FW_HINT, "fw %s: the rule is missing", before ?
				   "insert" : "add");
	if (c->handle) {
		words[n++] = "handle";
		words[n++] = (char *)c->handle;
	}
	for (int i = 0; i < argc && n < 256; i++)
		words[n++] = argv[i];
	if (fw_rule_parse(n, words, &r, err, sizeof(err))) {
		log_err("fw: %s", err);
		return cli_fail(c, -EINVAL);
	}
	rc = fwc_add(f, &r, &pos, &handle);
	if (rc)
		return cli_fail(c, rc);
	sync_daemon(c);
	return print_handle(c, "handle", handle, "added");
}

static int cmd_del(struct cli *c, struct fwc *f, const char *arg)
{
	unsigned long h;
	int err;

	if (arg_ulong(arg, 1, UINT32_MAX, &h))
		return usage_error(FW_HINT, "fw del: HANDLE is a rule's number from "
				   "`xtoectl fw list`, not '%s'", arg);
	err = fwc_del(f, (uint32_t)h);
	if (err)
		return cli_fail(c, err);
	sync_daemon(c);
	return print_handle(c, "deleted", h, "deleted");
}

static int print_count(const struct cli *c, int n, const char *text)
{
	json_t *o;

	if (!c->json) {
		printf("fw: %d rules %s\n", n, text);
		return 0;
	}
	o = json_object();
	jset_int(o, "rules", n);
	return cli_json(c, o);
}

/* apply FILE (check: only read it). */
static int cmd_file(struct cli *c, struct fwc *f, const char *path, bool check)
{
	struct fw_rule *rules;
	int n, err;

	if (access(path, R_OK)) {
		err = -errno;
		log_err("fw %s: cannot read %s: %s", check ? "check" : "apply", path,
			strerror(errno));
		return cli_fail(c, err);
	}
	rules = calloc(FW_MAX_RULES, sizeof(*rules));
	n = rules ? fw_file_load(path, rules, FW_MAX_RULES) : -ENOMEM;
	err = n < 0 || check ? 0 : fwc_apply(f, rules, n);
	free(rules);
	if (n < 0 && !check)
		log_err("fw apply: no rule was changed");
	if (n < 0 || err < 0)
		return cli_fail(c, n < 0 ? n : err);
	if (!check)
		sync_daemon(c);
	return print_count(c, n, check ? "read, no errors" : "in force");
}

static int cmd_flush(struct cli *c, struct fwc *f)
{
	int err = fwc_flush(f);

	if (err)
		return cli_fail(c, err);
	sync_daemon(c);
	if (!c->json) {
		printf("fw: flushed\n");
		return 0;
	}
	return print_count(c, 0, "");
}

static int dispatch(struct cli *c, struct fwc *f, int argc, char **argv, bool up)
{
	const char *verb = argv[1];

	if (!strcmp(verb, "add") || !strcmp(verb, "insert"))
		return cmd_add(c, f, verb[0] == 'i', argc - 2, argv + 2);
	if (!strcmp(verb, "del") && argc == 3)
		return cmd_del(c, f, argv[2]);
	if ((!strcmp(verb, "list") || !strcmp(verb, "save")) && argc == 2)
		return cmd_list(c, f, verb[0] == 's', up);
	if ((!strcmp(verb, "apply") || !strcmp(verb, "check")) && argc == 3)
		return cmd_file(c, f, argv[2], verb[0] == 'c');
	if (!strcmp(verb, "flush") && argc == 2)
		return cmd_flush(c, f);
	return usage_error(FW_HINT, "fw: unknown verb or wrong arguments: 'fw %s' "
			   "(list, save, add, insert, del HANDLE, flush, apply FILE, "
			   "check FILE)", verb);
}

static bool changes_rules(const char *verb)
{
	return strcmp(verb, "list") && strcmp(verb, "save") && strcmp(verb, "check");
}

int cli_fw(struct cli *c, int argc, char **argv)
{
	char path[PATH_MAX] = "";
	struct xchain *ch;
	struct fwc f;
	bool up;
	int err;

	if (argc < 2)
		return usage_error(FW_HINT, "fw: a verb is missing (list, add, insert, "
				   "del, flush, apply, check, save)");
	if (!strcmp(argv[1], "check") && argc == 3) /* needs no interface */
		return cmd_file(c, NULL, argv[2], true);
	if ((err = find_iface(c)))
		return cli_fail(c, err);
	up = daemon_rule_file(c, path, sizeof(path));
	if (!up && changes_rules(argv[1])) {
		log_err("fw %s: no xtoed answers for %s; start it to change the "
			"firewall (a firewall it left attached can be listed, saved "
			"or removed with `xtoectl -i %s detach`)", argv[1], c->ifname,
			c->ifname);
		return cli_fail(c, -ENOTCONN);
	}
	if ((err = xchain_open(&ch, c->pin_dir)))
		return cli_fail(c, err);
	err = fwc_open(&f, ch, path[0] ? path : NULL);
	err = err ? cli_fail(c, err) : dispatch(c, &f, argc, argv, up);
	fwc_close(&f);
	xchain_close(ch);
	return err;
}
