/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: servers that drop privileges (nginx's `user`, memcached
 * -u, postfix). A worker forked by a root master calls setgid/setuid before
 * it uses the listeners it inherited; after that it may no longer open the
 * daemon's socket (its group and mode: docs/access.md). So the first
 * change of credentials opens the process's context while it still may:
 * the daemon knows the connection by the credentials it had then (the
 * same owner as its parent's listeners, which it may join), and checks
 * what needs privileges (ports below 1024, operator requests) against the
 * process's credentials as they are when it asks.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "xs.h"

/* Does this process hold xtoe sockets (its own or inherited)? Locked. */
bool xs_holds_xtoe(void)
{
	if (xs.foreign)
		return true;
	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (s && (s->kind == XS_LISTEN || s->kind == XS_CONN))
			return true;
	}
	return false;
}

static void before_creds(void)
{
	xs_init();
	if (!xs.sock_path[0])
		return;
	xs_lock();
	(void)xs_ctx();
	xs_unlock();
}

#define NEXT(fn) ((__typeof__(&fn))dlsym(RTLD_NEXT, #fn))

/* Each: open the context first, then the libc call. */
#define WRAP1(fn, T)                                                   \
	XS_API int fn(T a)                                             \
	{                                                              \
		static __typeof__(&fn) real;                           \
		before_creds();                                        \
		if (!real && !(real = NEXT(fn)))                       \
			return errno = ENOSYS, -1;                     \
		return real(a);                                        \
	}
#define WRAP2(fn, T, U)                                                \
	XS_API int fn(T a, U b)                                        \
	{                                                              \
		static __typeof__(&fn) real;                           \
		before_creds();                                        \
		if (!real && !(real = NEXT(fn)))                       \
			return errno = ENOSYS, -1;                     \
		return real(a, b);                                     \
	}
#define WRAP3(fn, T)                                                   \
	XS_API int fn(T a, T b, T c)                                   \
	{                                                              \
		static __typeof__(&fn) real;                           \
		before_creds();                                        \
		if (!real && !(real = NEXT(fn)))                       \
			return errno = ENOSYS, -1;                     \
		return real(a, b, c);                                  \
	}

WRAP1(setuid, uid_t)
WRAP1(setgid, gid_t)
WRAP1(seteuid, uid_t)
WRAP1(setegid, gid_t)
WRAP2(setreuid, uid_t, uid_t)
WRAP2(setregid, gid_t, gid_t)
WRAP3(setresuid, uid_t)
WRAP3(setresgid, gid_t)
WRAP2(setgroups, size_t, const gid_t *)
WRAP2(initgroups, const char *, gid_t)
