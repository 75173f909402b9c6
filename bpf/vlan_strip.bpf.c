// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * vlan_strip: pops the outer 802.1Q tag off the frame into the metadata
 * (vlan_tci, XTOE_META_F_VLAN), so later modules and the data-path see an
 * untagged frame; the data-path tags its replies with it. Frames that end
 * up with the kernel (XTOE_PASS) get the tag back (xtoe_chain_verdict).
 * 802.1ad (QinQ) outer tags are left alone.
 */
#include <xtoe/module.h>

XTOE_MODULE(vlan_strip)
{
	if (xtoe_vlan_pop(ctx) < 0)
		return XTOE_PASS; /* could not move the headers: leave it to the kernel */
	return XTOE_NEXT;
}
