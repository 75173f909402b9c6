/* SPDX-License-Identifier: MIT */
/* Merged transmit of the AF_XDP port through a packet socket (xsk_gso.c). */
#ifndef XTOE_XSK_GSO_H
#define XTOE_XSK_GSO_H

#include <stdbool.h>

struct xsk_port;

/* Open the packet socket on the port's interface: 0, or -errno (with a
 * warning; the port then sends every frame through AF_XDP). auto_mode:
 * only when the interface has TSO on (-EOPNOTSUPP otherwise, with a note):
 * without it the kernel segments the frame again in software. */
int xsk_gso_open(struct xsk_port *p, bool auto_mode);
void xsk_gso_close(struct xsk_port *p);
/* Send the local batch's runs of consecutive segments as merged frames,
 * in order with the frames before them; what is left stays in the batch. */
void xsk_gso_send_runs(struct xsk_port *p);

#endif /* XTOE_XSK_GSO_H */
