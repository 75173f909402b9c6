/* SPDX-License-Identifier: MIT */
/* The release of xtoe, one definition for every program, the library's
 * pkg-config file and the man pages (mk/install.mk reads it from here). */
#ifndef XTOE_VERSION_H
#define XTOE_VERSION_H

#define XTOE_VERSION "0.1.0"

#endif /* XTOE_VERSION_H */
