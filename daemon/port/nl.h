/* SPDX-License-Identifier: MIT */
/*
 * Routes and neighbours from the kernel over rtnetlink (libmnl). Blocking
 * request/response calls; used by the control plane only.
 */
#ifndef XTOE_NL_H
#define XTOE_NL_H

#include <stdint.h>

struct nl;

int nl_open(struct nl **out);
void nl_close(struct nl *n);

/* MAC address of an interface. */
int nl_iface_mac(const char *ifname, uint8_t mac[6]);

/* Next hop for dst (network order): *gw = dst when on-link, else the
 * gateway; *ifindex = outgoing interface. -ENETUNREACH when no route. */
int nl_route_nexthop(struct nl *n, uint32_t dst, uint32_t *gw, int *ifindex);

/* Look up ip (network order) in the neighbour table of ifindex.
 * 0 with mac filled when reachable/stale/permanent/delay/probe,
 * -EAGAIN while resolution is in progress (incomplete),
 * -EHOSTUNREACH when it failed, -ENOENT when there is no entry. */
int nl_neigh_lookup(struct nl *n, int ifindex, uint32_t ip, uint8_t mac[6]);

/* Ask the kernel to resolve ip on ifindex (ARP), without waiting. */
int nl_neigh_resolve(struct nl *n, int ifindex, uint32_t ip);

#endif /* XTOE_NL_H */
