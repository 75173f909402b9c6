/* SPDX-License-Identifier: MIT */
/*
 * The firewall of an interface as an operator sees it (`xtoectl fw`, the
 * daemon's --fw-file): rules with handles and counters, changed one at a
 * time or replaced whole, and kept in a rule file so they survive a
 * restart of the daemon.
 *
 * The firewall module is put into the chain right after vlan_strip (ahead
 * of everything else, so it sees all traffic of the interface) the first
 * time a rule is installed, protected from `module del` (it holds the
 * rules); it leaves the chain with its last rule, and with no rules costs
 * nothing. Every change reads the live set from the maps, builds the new
 * one, installs it whole (fw_replace: all or nothing) under the chain's
 * lock, then rewrites the rule file (temporary file + rename). Should the
 * module be missing while the rule file holds rules (removed behind
 * xtoe's back), a change starts from the file's rules, never from an
 * empty set: the file is never rewritten with rules lost.
 *
 * Errors: 0 / -errno with a message on stderr naming the object.
 */
#ifndef XTOE_LOADER_FW_CTL_H
#define XTOE_LOADER_FW_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "firewall.h"
#include "fw_rule.h"


struct fwc {
	struct xchain *chain;
	const char *file; /* rule file; NULL: do not persist */
	struct fw_maps maps;
	bool loaded;      /* the firewall module is in the chain */
};

/* Open the firewall of chain c (maps when the module is loaded). */
int fwc_open(struct fwc *f, struct xchain *c, const char *file);
void fwc_close(struct fwc *f);

/* The live set; returns the number of rules or -errno. */
int fwc_list(struct fwc *f, struct fw_rule *rules, int max);
/* Where a new rule goes: after (add) or before (insert) the rule with
 * handle ref; ref 0: at the end (add) or first (insert). */
struct fwc_pos {
	bool before;
	uint32_t ref;
};
/* Add r at pos (a fresh handle unless r->handle is set); *handle gets it. */
int fwc_add(struct fwc *f, struct fw_rule *r, const struct fwc_pos *pos,
	    uint32_t *handle);
int fwc_del(struct fwc *f, uint32_t handle);
/* No rules: the module leaves the chain. */
int fwc_flush(struct fwc *f);
/* Replace the set with rules[0..n) (rules get handles). */
int fwc_apply(struct fwc *f, struct fw_rule *rules, int n);

/* Rules in force in the chain pinned at pin_dir (0 with no firewall
 * module), without opening the chain: a cheap look for the daemon. */
int fwc_live_rules(const char *pin_dir);

/* Read a rule file: number of rules, or -errno after logging every
 * error as "FILE:LINE: reason". A missing file is an empty set. */
int fw_file_load(const char *path, struct fw_rule *rules, int max);
/* Write rules to path atomically (parent directory created). */
int fw_file_save(const char *path, const struct fw_rule *rules, int n);

#endif /* XTOE_LOADER_FW_CTL_H */
