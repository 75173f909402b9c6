/* SPDX-License-Identifier: MIT */
/*
 * Firewall rules as text, the one syntax of `xtoectl fw add/insert`, rule
 * files (`fw apply/check`, the daemon's --fw-file) and `fw save`:
 *
 *   [handle N] ACTION [MATCH...] [comment TEXT]
 *   ACTION  drop | pass (accept) | kernel   (first or last, as nft writes it)
 *   MATCH   KEY [!=] VALUE | KEY [!=] { VALUE, VALUE, ... }
 *   KEY     proto (protocol)  tcp, udp, icmp, a name from /etc/protocols, N
 *           src (saddr), dst (daddr)  A.B.C.D or A.B.C.D/N
 *           sport, dport  P, P-Q or a service name (ssh, http ...)
 *
 * nft's spellings are read too: "ip saddr X", "tcp dport X" (which also
 * sets proto tcp), "counter" (every rule counts). Each key at most once;
 * a set holds up to FW_SET_MAX values; a frame matches a set when it
 * matches any value, a negated set when it matches none.
 *
 * drop: dropped (reason "firewall"); pass: goes on as if no rule matched
 * (later rules are not tried); kernel: handed to the kernel stack even
 * when xtoe owns the flow. In files: one rule per line; '#' starts a
 * comment outside quotes; TEXT is a word or a "quoted string".
 * Pure functions (no maps): xdp/fw_ctl.h installs the rules.
 */
#ifndef XTOE_LOADER_FW_RULE_H
#define XTOE_LOADER_FW_RULE_H

#include <stddef.h>

#include "bpf/firewall.h"

/* Longest line fw_rule_format writes. */
#define FW_RULE_TEXT_MAX 1024

/* Parse one rule from words (argv-like; a word may hold several tokens,
 * "{22,80}", and the word after "comment" is its text). "--handle N" is
 * accepted for "handle N". 0, or -EINVAL with the reason in err. */
int fw_rule_parse(int argc, char *const *argv, struct fw_rule *r,
		  char *err, size_t errlen);
/* Parse one line of a rule file: 1 a rule, 0 nothing (blank/comment),
 * -EINVAL with the reason in err. */
int fw_rule_parse_line(const char *line, struct fw_rule *r, char *err,
		       size_t errlen);

/* Every error of a rule file, for the operator to fix them all at once. */
#define FW_ERRS_MAX 32
struct fw_errs {
	int n;                     /* errors found (may exceed FW_ERRS_MAX) */
	struct { int line; char msg[128]; } e[FW_ERRS_MAX];
};
/* Parse a whole rule file's text. Returns the number of rules (<= max),
 * or -EINVAL when any line is wrong (all of them in errs). */
int fw_rules_parse(const char *text, struct fw_rule *rules, int max,
		   struct fw_errs *errs);
/* The rule in the syntax above, handle first when it has one. */
void fw_rule_format(const struct fw_rule *r, char *buf, size_t len);

const char *fw_action_name(unsigned action);
/* Value i of field f's set, as the rule text writes it. */
void fw_value_format(const struct fw_rule *r, enum fw_field f, int i, char *buf,
		     size_t len);
/* The field's keyword (proto, src, dst, sport, dport). */
const char *fw_field_name(enum fw_field f);

/* Give every rule without a handle a fresh one (above all handles in
 * use); -EEXIST when two rules have the same handle. */
int fw_rules_number(struct fw_rule *rules, int n);

/* Does field f of rule r match the value at [lo, hi] (ports, protocol:
 * a class whose values all match alike) or the prefix (addr, len)
 * (addresses: one the rule's prefixes hold or do not hold whole)? The
 * negation and "any" are applied. */
int fw_rule_match_range(const struct fw_rule *r, enum fw_field f, unsigned lo);
int fw_rule_match_prefix(const struct fw_rule *r, enum fw_field f, __u32 addr,
			 unsigned len);

#endif /* XTOE_LOADER_FW_RULE_H */
