// SPDX-License-Identifier: MIT
/*
 * xtoectl fw: the interface's firewall (xdp/fw_ctl.h). Arguments and
 * output only.
 *
 *   fw add [--handle N] RULE | del HANDLE | list | flush | apply FILE | save
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cli.h"
#include "common/paths.h"
#include "xdp/fw_ctl.h"
#include "common/log.h"

/* The rule file of the daemon serving the interface; NULL: none kept. */
static const char *rule_file(const struct cli *c, char *buf, size_t len)
{
	char sb[128];
	const char *sock = daemon_sock(c, sb, sizeof(sb));

	if (sock && !xctl_daemon_fw_file(sock, buf, len))
		return buf[0] ? buf : NULL;
	xtoe_rules_path(buf, len, c->ifname);
	log_err("keeping the rules in %s (the daemon's "
		"default)", buf);
	return buf;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	putchar('"');
}

static int fail(const struct cli *c, int err, const char *msg)
{
	if (c->json) {
		printf("{\"error\":");
		json_str(msg ? msg : strerror(-err));
		printf("}\n");
	}
	else if (msg)
		log_err("%s", msg);
	return 1;
}

static void json_rule(const struct fw_rule *r, const struct fw_count *n)
{
	char text[FW_RULE_TEXT_MAX], s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct fw_rule bare = *r;

	bare.handle = 0;
	fw_rule_format(&bare, text, sizeof(text));
	inet_ntop(AF_INET, &r->src, s, sizeof(s));
	inet_ntop(AF_INET, &r->dst, d, sizeof(d));
	printf("{\"handle\":%u,\"action\":\"%s\",\"proto\":%u,\"src\":\"%s/%u\","
	       "\"dst\":\"%s/%u\",\"sport\":[%u,%u],\"dport\":[%u,%u],"
	       "\"packets\":%llu,\"bytes\":%llu,\"rule\":\"%s\"}",
	       r->handle, fw_action_name(r->action), r->proto, s,
	       r->src_len, d, r->dst_len, r->sport_lo, r->sport_hi, r->dport_lo,
	       r->dport_hi, (unsigned long long)n->packets,
	       (unsigned long long)n->bytes, text);
}

static int cmd_list(const struct cli *c, struct fwc *f, bool save)
{
	struct fw_rule *rules = calloc(FW_MAX_RULES, sizeof(*rules));
	char text[FW_RULE_TEXT_MAX];
	struct fw_count n;
	int cnt = rules ? fwc_list(f, rules, FW_MAX_RULES) : -ENOMEM;

	if (cnt < 0) {
		free(rules);
		return fail(c, cnt, NULL);
	}
	if (c->json && !save)
		printf("{\"iface\":\"%s\",\"rules\":[", c->ifname);
	else if (!save)
		printf("%6s %12s %14s  %s\n", "HANDLE", "PACKETS", "BYTES", "RULE");
	for (int i = 0; i < cnt; i++) {
		struct fw_rule bare = rules[i];

		bare.handle = 0;
		fw_rule_hits(&f->maps, i, &n);
		fw_rule_format(save ? &rules[i] : &bare, text, sizeof(text));
		if (save)
			printf("%s\n", text);
		else if (c->json)
			printf("%s", i ? "," : ""), json_rule(&rules[i], &n);
		else
			printf("%6u %12llu %14llu  %s\n", rules[i].handle,
			       (unsigned long long)n.packets,
			       (unsigned long long)n.bytes, text);
	}
	if (c->json && !save)
		printf("]}\n");
	free(rules);
	return 0;
}

static int cmd_add(const struct cli *c, struct fwc *f, int argc, char **argv)
{
	char *words[40], err[128];
	struct fw_rule r;
	uint32_t handle;
	int n = 0, rc;

	if (c->handle) {
		words[n++] = "handle";
		words[n++] = (char *)c->handle;
	}
	for (int i = 0; i < argc && n < 40; i++)
		words[n++] = argv[i];
	if (fw_rule_parse(n, words, &r, err, sizeof(err)))
		return fail(c, -EINVAL, err);
	rc = fwc_add(f, &r, &handle);
	if (rc)
		return fail(c, rc, NULL);
	if (c->json)
		printf("{\"handle\":%u}\n", handle);
	else
		printf("fw: rule %u added\n", handle);
	return 0;
}

static int cmd_del(const struct cli *c, struct fwc *f, const char *arg)
{
	char *end;
	unsigned long h = strtoul(arg, &end, 10);
	int err;

	if (*end || !*arg || !h || h > UINT32_MAX)
		return fail(c, -EINVAL, "fw del: HANDLE is a rule's number from `fw list`");
	err = fwc_del(f, (uint32_t)h);
	if (err)
		return fail(c, err, NULL);
	if (c->json)
		printf("{\"deleted\":%lu}\n", h);
	else
		printf("fw: rule %lu deleted\n", h);
	return 0;
}

static int cmd_apply(const struct cli *c, struct fwc *f, const char *path)
{
	struct fw_rule *rules;
	char msg[PATH_MAX + 160] = "";
	int n, err;

	if (access(path, R_OK))
		return fail(c, -errno, "fw apply: cannot read the rule file");
	rules = calloc(FW_MAX_RULES, sizeof(*rules));
	n = rules ? fw_file_load(path, rules, FW_MAX_RULES, msg, sizeof(msg)) : -ENOMEM;
	err = n < 0 ? n : fwc_apply(f, rules, n);
	free(rules);
	if (n < 0)
		return fail(c, n, msg);
	if (err < 0)
		return fail(c, err, NULL);
	if (c->json)
		printf("{\"rules\":%d}\n", n);
	else
		printf("fw: %d rules in force\n", n);
	return 0;
}

static int dispatch(struct cli *c, struct fwc *f, int argc, char **argv)
{
	const char *verb = argv[1];

	if (!strcmp(verb, "add") && argc >= 3)
		return cmd_add(c, f, argc - 2, argv + 2);
	if (!strcmp(verb, "del") && argc == 3)
		return cmd_del(c, f, argv[2]);
	if (!strcmp(verb, "list") && argc == 2)
		return cmd_list(c, f, false);
	if (!strcmp(verb, "save") && argc == 2)
		return cmd_list(c, f, true);
	if (!strcmp(verb, "apply") && argc == 3)
		return cmd_apply(c, f, argv[2]);
	if (!strcmp(verb, "flush") && argc == 2) {
		int err = fwc_flush(f);

		if (err)
			return fail(c, err, NULL);
		printf(c->json ? "{\"rules\":0}\n" : "fw: flushed\n");
		return 0;
	}
	return CLI_USAGE;
}

int cli_fw(struct cli *c, int argc, char **argv)
{
	char path[PATH_MAX];
	struct xchain *ch;
	struct fwc f;
	int err = find_iface(c) ?: xchain_open(&ch, c->pin_dir);

	if (err)
		return fail(c, err, NULL);
	err = fwc_open(&f, ch, rule_file(c, path, sizeof(path)));
	err = err ? fail(c, err, NULL) : dispatch(c, &f, argc, argv);
	fwc_close(&f);
	xchain_close(ch);
	return err;
}
