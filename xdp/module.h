/* SPDX-License-Identifier: MIT */
/*
 * Modules from source or object file into an interface's chain: compile
 * with clang -target bpf against xtoe's headers, load (the verifier's
 * reason and the offending source line on rejection), pin the module's
 * maps under PIN_DIR/NAME/, link into the chain. Every entry point takes
 * the chain's lock; on failure the chain is as it was.
 *
 * Errors: 0 / -errno with a message on stderr naming the module.
 */
#ifndef XTOE_LOADER_MODULE_H
#define XTOE_LOADER_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"

struct bpf_object;

enum xmod_mode { XMOD_MODE_ANY, XMOD_MODE_NATIVE, XMOD_MODE_SKB, XMOD_MODE_HW };

struct xmod_opts {
	const char *name;     /* NULL: the XTOE_MODULE function's name */
	const char *ifname;   /* for --mode checks and hw offload; may be NULL */
	enum xmod_mode mode;
	bool verbose;         /* whole verifier log, clang's command */
	const char *const *set; /* NULL-terminated "VAR=N": load-time knobs
				   (const volatile __u32 in .rodata) */
	uint32_t flags;       /* XTOE_MOD_F_* to add (PROTECTED: owned by a
				 part of xtoe, xmod_del refuses it) */
};

int xmod_parse_mode(const char *s, enum xmod_mode *mode);

/* FILE.bpf.c / FILE.c is compiled first; FILE.o is loaded as is; a bare
 * NAME is the built-in module NAME (firewall, classify, trace, splice...).
 * name_out (XTOE_MOD_NAME_MAX bytes, may be NULL): the name it got. */
int xmod_add(struct xchain *c, const char *file, const struct xchain_pos *pos,
	     const struct xmod_opts *o, char *name_out);
int xmod_replace(struct xchain *c, const char *name, const char *file,
		 const struct xmod_opts *o);
/* Remove name from the chain. Protected modules (XTOE_MOD_F_PROTECTED:
 * vlan_strip and steer, which the data-path needs, the firewall, which
 * holds the rules) are refused with the reason and what to do instead. */
int xmod_del(struct xchain *c, const char *name);
/* The same without the protection: for the part that owns the module
 * (the firewall removes itself with its last rule). */
int xmod_del_owned(struct xchain *c, const char *name);

/* The object file of built-in module name (NAME.bpf.o), found as
 * xmod_add finds it; 0 or -ENOENT. */
int xmod_builtin_path(const char *name, char *buf, size_t len);
/* Write "VAR=N" knobs (NULL-terminated) into obj's .rodata before load. */
int xmod_set_knobs(struct bpf_object *obj, const char *const *set);

/* Compile src into the object file out (clang's messages on stderr). */
int xmod_compile(const char *src, const char *out, bool verbose);

#endif /* XTOE_LOADER_MODULE_H */
