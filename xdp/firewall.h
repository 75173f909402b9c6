/* SPDX-License-Identifier: MIT */
/*
 * The firewall module's rule set from user space (bpf/firewall.h for the
 * scheme): fw_replace writes a whole rule set into the idle generation of
 * the maps and flips to it, so frames see the old set or the new one,
 * never a mix. Counters of rules with a handle (fw_rule.handle != 0) carry
 * over to the new set; `xtoectl fw` (xdp/fw_ctl.h) is built on this.
 */
#ifndef XTOE_LOADER_FIREWALL_H
#define XTOE_LOADER_FIREWALL_H

#include <stdint.h>

#include "bpf/firewall.h"

struct bpf_object;


struct fw_maps {
	int src[2], dst[2], ports[2], cls[2], proto[2], rules[2], desc[2];
	int hits, state;
};

/* Map fds of a loaded firewall object (not owned). */
int fw_maps_from_obj(struct bpf_object *obj, struct fw_maps *m);
/* Map fds from the pins of a firewall module at dir (owned: fw_maps_close). */
int fw_maps_from_pins(const char *dir, struct fw_maps *m);
void fw_maps_close(struct fw_maps *m);

/* Replace the whole rule set (n <= FW_MAX_RULES; rule 0 has priority). */
int fw_replace(const struct fw_maps *m, const struct fw_rule *rules, int n);
/* Packets and bytes that matched rule i of the live set. */
int fw_rule_hits(const struct fw_maps *m, int i, struct fw_count *c);
/* The live set as written (max >= FW_MAX_RULES is always enough);
 * returns the number of rules or -errno. */
int fw_active(const struct fw_maps *m, struct fw_rule *rules, int max);

#endif /* XTOE_LOADER_FIREWALL_H */
