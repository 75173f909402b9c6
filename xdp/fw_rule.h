/* SPDX-License-Identifier: MIT */
/*
 * Firewall rules as text, the one syntax of `xtoectl fw add`, rule files
 * (`fw apply`, the daemon's --fw-file) and `fw save`:
 *
 *   [handle N] drop|pass|kernel [proto tcp|udp|icmp|NUM] [src CIDR]
 *                               [dst CIDR] [sport P[-Q]] [dport P[-Q]]
 *
 * drop: dropped (reason "firewall"); pass: goes on as if no rule matched
 * (later rules are not tried; "accept" is read as pass); kernel: handed to
 * the kernel stack even when xtoe owns the flow.
 * In files: one rule per line; '#' starts a comment; blank lines are
 * skipped. Pure functions (no maps): xdp/fw_ctl.h installs the rules.
 */
#ifndef XTOE_LOADER_FW_RULE_H
#define XTOE_LOADER_FW_RULE_H

#include <stddef.h>

#include "bpf/firewall.h"

/* Longest line fw_rule_format writes. */
#define FW_RULE_TEXT_MAX 160

/* Parse one rule from words (argv-like). "--handle N" is accepted for
 * "handle N". 0, or -EINVAL with the reason in err. */
int fw_rule_parse(int argc, char *const *argv, struct fw_rule *r,
		  char *err, size_t errlen);
/* Parse one line of a rule file: 1 a rule, 0 nothing (blank/comment),
 * -EINVAL with the reason in err. */
int fw_rule_parse_line(const char *line, struct fw_rule *r, char *err,
		       size_t errlen);
/* Parse a whole rule file's text. Returns the number of rules (<= max),
 * or -EINVAL with *bad_line (1-based) and the reason in err, or -E2BIG. */
int fw_rules_parse(const char *text, struct fw_rule *rules, int max,
		   int *bad_line, char *err, size_t errlen);
/* The rule in the syntax above, handle first when it has one. */
void fw_rule_format(const struct fw_rule *r, char *buf, size_t len);

const char *fw_action_name(unsigned action);

/* Give every rule without a handle a fresh one (above all handles in
 * use); -EEXIST when two rules have the same handle. */
int fw_rules_number(struct fw_rule *rules, int n);

#endif /* XTOE_LOADER_FW_RULE_H */
