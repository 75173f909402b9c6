/* SPDX-License-Identifier: MIT */
/*
 * What a capture session (common/cap.h) adds to an interface's chain, for
 * the daemon that owns the session: the capture module linked under the
 * session's name, protected from `module del` while it runs, and the
 * capture object's tc egress program on the interface (a tcx link: it goes
 * when the link's fd closes), writing into the module's ring buffer.
 * Errors: 0 / -errno with a message naming the object.
 */
#ifndef XTOE_XDP_CAPTURE_H
#define XTOE_XDP_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"

struct bpf_object;

/* The capture module as `name`: first in the chain, or right before
 * steering (after_chain), keeping snaplen bytes of each frame. */
int xcap_link(struct xchain *c, const char *name, uint32_t snaplen, bool after_chain);
/* Remove it (if it is there). */
int xcap_unlink(struct xchain *c, const char *name);

/* The egress program of module `name`'s object, writing into its pinned
 * ring, attached to ifindex's tc egress. *obj and *link_fd are the
 * caller's to release with xcap_egress_close. */
int xcap_egress(const struct xchain *c, const char *name, uint32_t snaplen,
		int ifindex, struct bpf_object **obj, int *link_fd);
void xcap_egress_close(struct bpf_object *obj, int link_fd);

#endif /* XTOE_XDP_CAPTURE_H */
