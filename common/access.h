/* SPDX-License-Identifier: MIT */
/*
 * What a client that may not use the daemon's socket is told: whose the
 * socket is and how an administrator gives access (docs/access.md). Used
 * by libxtoe and the tools alike.
 */
#ifndef XTOE_COMMON_ACCESS_H
#define XTOE_COMMON_ACCESS_H

#include <stddef.h>

/* Into buf: why connect() to path was refused with err (EACCES/EPERM) and
 * what grants access. */
void xtoe_access_denied_msg(const char *path, int err, char *buf, size_t len);

#endif /* XTOE_COMMON_ACCESS_H */
