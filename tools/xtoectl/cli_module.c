// SPDX-License-Identifier: MIT
/*
 * xtoectl module and cmodule: the interface's XDP module chain
 * (xdp/module.h) and the daemon's C modules. Arguments and output only.
 *
 *   module list | add FILE|BUILTIN | del NAME | replace NAME FILE | trace
 *   cmodule add FILE.so[:ARGS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xtoe/drop.h>

#include "common/clock.h"
#include "common/log.h"
#include "cli.h"

static json_t *verdicts_json(const struct xtoe_mstat *st)
{
	json_t *v = json_object();

	for (int i = 0; i < XTOE_V__COUNT; i++)
		jset_u64(v, xtoe_verdict_name((uint32_t)i), st->v[i]);
	return v;
}

static int list_json(const struct cli *c, const struct xchain_ent *e, int n,
		     const struct xtoe_mstat *entry)
{
	json_t *o = json_object(), *mods = json_array(), *ent = json_object();

	jset_str(o, "iface", c->ifname);
	jset_u64(ent, "frames", entry->seen);
	jset_u64(ent, "passed", entry->v[XTOE_PASS]);
	jset_u64(ent, "failed_tail_calls", entry->v[XTOE_ABORTED]);
	jset(o, "entry", ent);
	for (int i = 0; i < n; i++) {
		json_t *m = json_object();

		jset_u64(m, "pos", e[i].pos);
		jset_str(m, "name", e[i].info.name);
		jset_u64(m, "slot", e[i].slot);
		jset_u64(m, "prog_id", e[i].info.prog_id);
		jset_bool(m, "builtin", e[i].info.flags & XTOE_MOD_F_BUILTIN);
		jset_bool(m, "final", e[i].info.flags & XTOE_MOD_F_FINAL);
		jset_u64(m, "seen", e[i].st.seen);
		jset(m, "verdicts", verdicts_json(&e[i].st));
		jset_bool(m, "protected", e[i].info.flags & XTOE_MOD_F_PROTECTED);
		json_array_append_new(mods, m);
	}
	jset(o, "modules", mods);
	return cli_json(c, o);
}

static const char *mod_tag(uint32_t flags)
{
	if (flags & XTOE_MOD_F_FINAL)
		return "  (final)";
	if (flags & XTOE_MOD_F_PROTECTED)
		return "  (built-in, protected)";
	return flags & XTOE_MOD_F_BUILTIN ? "  (built-in)" : "";
}

static void list_text(const struct xchain_ent *e, int n,
		      const struct xtoe_mstat *entry)
{
	printf("entry: %llu frames, %llu passed by the entry itself, %llu failed "
	       "tail calls\n", (unsigned long long)entry->seen,
	       (unsigned long long)entry->v[XTOE_PASS],
	       (unsigned long long)entry->v[XTOE_ABORTED]);
	printf("%-3s %-20s %4s %7s %10s %10s %10s %10s %10s %10s\n", "POS",
	       "NAME", "SLOT", "PROG", "SEEN", "NEXT", "DROP", "PASS", "TX",
	       "REDIRECT");
	for (int i = 0; i < n; i++)
		printf("%-3u %-20s %4u %7u %10llu %10llu %10llu %10llu %10llu %10llu%s\n",
		       e[i].pos, e[i].info.name, e[i].slot, e[i].info.prog_id,
		       (unsigned long long)e[i].st.seen,
		       (unsigned long long)e[i].st.v[XTOE_NEXT],
		       (unsigned long long)e[i].st.v[XTOE_DROP],
		       (unsigned long long)e[i].st.v[XTOE_PASS],
		       (unsigned long long)e[i].st.v[XTOE_TX],
		       (unsigned long long)e[i].st.v[XTOE_REDIRECT],
		       mod_tag(e[i].info.flags));
}

static int cmd_list(struct cli *c, struct xchain *ch)
{
	struct xchain_ent e[XTOE_CHAIN_SLOTS];
	struct xtoe_mstat entry;
	int n = xchain_walk(ch, e, XTOE_CHAIN_SLOTS);

	if (n < 0)
		return cli_fail(c, n);
	if (xchain_entry_stats(ch, &entry))
		memset(&entry, 0, sizeof(entry));
	if (c->json)
		return list_json(c, e, n, &entry);
	list_text(e, n, &entry);
	return 0;
}

/* --- module trace: verdict records (xtoe_vtrace) ------------------------ */

struct vtrace {
	const struct cli *cli;
	struct xchain_ent ents[XTOE_CHAIN_SLOTS];
	int nents;
	long seen;
	int err;
};

static const char *slot_name(const struct vtrace *t, uint32_t slot)
{
	return xchain_slot_name(t->ents, t->nents, slot);
}

static int on_verdict(void *ctx, void *data, size_t size)
{
	struct vtrace *t = ctx;
	const struct xtoe_verdict_rec *r = data;
	const char *v;
	int vlan;
	char ts[32];

	if (size < sizeof(*r) || t->seen >= t->cli->count || t->err)
		return 0;
	v = xtoe_verdict_name(r->verdict);
	vlan = r->meta.flags & XTOE_META_F_VLAN ? r->meta.vlan_tci & 0xfff : -1;
	t->seen++;
	if (t->cli->json) {
		json_t *o = json_object();

		jset(o, "ts", json_real(cli_time_epoch(r->ts_ns)));
		jset_str(o, "module", slot_name(t, r->slot));
		jset_str(o, "verdict", v);
		jset_str(o, "drop", xtoe_drop_name(r->meta.drop));
		jset_u64(o, "len", r->len);
		jset_int(o, "vlan", vlan);
		jset_u64(o, "class", r->meta.class);
		t->err = cli_json(t->cli, o);
		return 0;
	}
	cli_time_text(r->ts_ns, ts, sizeof(ts));
	printf("%s %-16s %-8s len %-5u drop %-10s vlan %d class %u\n", ts,
	       slot_name(t, r->slot), v, r->len, xtoe_drop_name(r->meta.drop), vlan,
	       r->meta.class);
	t->err = fflush(stdout) ? 1 : 0;
	return 0;
}

static int cmd_trace(struct cli *c, struct xchain *ch)
{
	struct vtrace t = { .cli = c };
	struct ring_buffer *rb;
	uint64_t end;
	int err;

	if (c->count <= 0)
		c->count = 10;
	end = now_ms() + (uint64_t)(c->timeout_s > 0 ? c->timeout_s : 10) * 1000;
	t.nents = xchain_walk(ch, t.ents, XTOE_CHAIN_SLOTS);
	rb = ring_buffer__new(xchain_vtrace_fd(ch), on_verdict, &t, NULL);
	if (!rb)
		return cli_fail(c, -errno);
	err = xchain_trace_verdicts(ch, true);
	while (!err && !t.err && t.seen < c->count && now_ms() < end) {
		err = ring_buffer__poll(rb, 100);
		err = err < 0 && err != -EINTR ? err : 0;
	}
	xchain_trace_verdicts(ch, false);
	ring_buffer__free(rb);
	return err ? cli_fail(c, err) : t.err;
}

static int done(const struct cli *c, const char *what, const char *name)
{
	json_t *o;

	if (!c->json) {
		printf("module %s: %s\n", name, what);
		return 0;
	}
	o = json_object();
	jset_str(o, what, name);
	return cli_json(c, o);
}

/* argv: module VERB ARGS... */
static int module_verb(struct cli *c, struct xchain *ch, char **argv)
{
	const char *verb = argv[1];
	char name[XTOE_MOD_NAME_MAX];
	int err;

	if (!strcmp(verb, "list"))
		return cmd_list(c, ch);
	if (!strcmp(verb, "trace"))
		return cmd_trace(c, ch);
	if (!strcmp(verb, "add")) {
		err = xmod_add(ch, argv[2], &c->pos, &c->mo, name);
		return err ? cli_fail(c, err) : done(c, "added", name);
	}
	if (!strcmp(verb, "del")) {
		err = xmod_del(ch, argv[2]);
		return err ? cli_fail(c, err) : done(c, "removed", argv[2]);
	}
	err = xmod_replace(ch, argv[2], argv[3], &c->mo);
	return err ? cli_fail(c, err) : done(c, "replaced", argv[2]);
}

/* How many words each verb takes after "module VERB". */
static int module_args(const char *verb)
{
	static const struct { const char *verb; int n; } v[] = {
		{ "list", 0 }, { "trace", 0 }, { "add", 1 }, { "del", 1 }, { "replace", 2 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(verb, v[i].verb))
			return v[i].n;
	return -1;
}

int cli_module(struct cli *c, int argc, char **argv)
{
	struct xchain *ch;
	int n, err;

	if (argc < 2)
		return usage_error(CLI_HINT, "module: a verb is missing (list, add, del, "
				   "replace, trace)");
	n = module_args(argv[1]);
	if (n < 0)
		return usage_error(CLI_HINT, "module: unknown verb '%s' (list, add, del, "
				   "replace, trace)", argv[1]);
	if (argc != n + 2)
		return usage_error(CLI_HINT, "module %s takes %s", argv[1],
				   n == 0 ? "no arguments" : n == 1 ?
				   (strcmp(argv[1], "add") ? "a module name" : "one FILE or "
				    "built-in name") : "NAME FILE");
	err = find_iface(c) ?: xchain_open(&ch, c->pin_dir);
	if (err)
		return cli_fail(c, err);
	err = module_verb(c, ch, argv);
	xchain_close(ch);
	return err;
}

int cli_cmodule(struct cli *c, int argc, char **argv)
{
	char buf[128], name[100];
	const char *sock;
	json_t *o;
	int err;

	if (argc != 3 || strcmp(argv[1], "add"))
		return usage_error(CLI_HINT, "cmodule: the command is `cmodule add "
				   "FILE.so[:ARGS]`");
	sock = need_sock(c, buf, sizeof(buf));
	if (!sock)
		return cli_fail(c, -EINVAL);
	err = xctl_cmodule_add(sock, argv[2], name, sizeof(name));
	if (err)
		return cli_fail(c, err);
	if (!c->json) {
		printf("cmodule %s: loaded\n", name);
		return 0;
	}
	o = json_object();
	jset_str(o, "cmodule", name);
	return cli_json(c, o);
}
