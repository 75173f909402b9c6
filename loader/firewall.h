/* SPDX-License-Identifier: MIT */
/*
 * The firewall module's rule set from user space (bpf/firewall.h for the
 * scheme): fw_replace writes a whole rule set into the idle generation of
 * the maps and flips to it, so frames see the old set or the new one,
 * never a mix. Meant for a later `xtoectl fw` and for tests.
 */
#ifndef XTOE_LOADER_FIREWALL_H
#define XTOE_LOADER_FIREWALL_H

#include <stdint.h>

#include "../bpf/firewall.h"

struct bpf_object;

struct fw_rule {
	uint32_t src, dst;          /* network order */
	uint8_t src_len, dst_len;   /* prefix lengths; 0 = any */
	uint8_t proto;              /* IP protocol; 0 = any */
	uint16_t sport_lo, sport_hi; /* inclusive; 0..65535 = any */
	uint16_t dport_lo, dport_hi;
	enum fw_action action;
};

struct fw_maps {
	int src[2], dst[2], ports[2], cls[2], proto[2], rules[2];
	int hits, state;
};

/* Map fds of a loaded firewall object (not owned). */
int fw_maps_from_obj(struct bpf_object *obj, struct fw_maps *m);
/* Map fds from the pins of a firewall module at dir (owned: fw_maps_close). */
int fw_maps_from_pins(const char *dir, struct fw_maps *m);
void fw_maps_close(struct fw_maps *m);

/* Replace the whole rule set (n <= FW_MAX_RULES; rule 0 has priority). */
int fw_replace(const struct fw_maps *m, const struct fw_rule *rules, int n);
/* Packets that matched rule i of the live set. */
int fw_rule_hits(const struct fw_maps *m, int i, uint64_t *packets);

#endif /* XTOE_LOADER_FIREWALL_H */
