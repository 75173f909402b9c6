/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets internals: the per-process interposition state, the
 * socket objects behind file descriptors and the helpers shared by the
 * interposed calls. See docs/sockets.md.
 *
 * The one piece of process-wide state (struct xs_proc, `xs`) is unavoidable
 * for an LD_PRELOAD library: the interposed libc calls carry no parameter
 * where it could travel. Everything else takes its objects as parameters.
 */
#ifndef XS_H
#define XS_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lib/xtoe/xtoe_int.h"

#pragma GCC visibility push(hidden)

#define XS_API __attribute__((visibility("default")))

/* The libc functions we wrap, resolved with dlsym(RTLD_NEXT). */
struct xs_libc {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*dup)(int);
	int (*dup3)(int, int, int);
	int (*dup2)(int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *,
			  socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned int);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	pid_t (*fork)(void);
};

enum xs_kind {
	XS_NEW,    /* AF_INET stream socket not yet listening or connected */
	XS_LISTEN, /* listening on xtoe */
	XS_CONN,   /* connection on xtoe (connecting, open or failed) */
};

/* One socket; shared by every fd dup'ed from it (like a Linux open file
 * description). The fd itself is the kernel socket created by socket(),
 * left unbound and unconnected: the number stays ours, calls we do not
 * wrap fail clearly (ENOTCONN), and options we do not model land there. */
struct xsock {
	int refs;
	enum xs_kind kind;
	bool nonblock;
	bool bound;
	struct sockaddr_in addr;     /* bound / local address */
	struct sockaddr_in peer;     /* XS_CONN */
	int backlog;
	bool reuseport;
	/* listener */
	struct xtoe_listener *l;     /* NULL: not registered in this process */
	bool inherited;              /* crossed a fork: join the port (SHARE) */
	bool standby;                /* parent after fork, until used again */
	bool dead_told;              /* accept reported the daemon's loss: the
					listener is quiet from then on */
	/* connection */
	struct xtoe_conn *c;         /* NULL once lost */
	struct xs_fctx *fc;          /* inherited: the parent's context; else NULL */
	uint32_t fork_mark;
	int so_error;                /* pending SO_ERROR (positive errno) */
	bool rd_shut, wr_shut, reset_told;
	bool linger0;                /* SO_LINGER with 0 s: close aborts */
	bool nodelay, cork;
	uint16_t user_mss;           /* TCP_MAXSEG before listen/connect */
	uint32_t sndbuf;             /* SO_SNDBUF as the kernel reports it
					(twice the request); 0: the ring */
	uint32_t notsent_lowat;      /* TCP_NOTSENT_LOWAT; 0: none */
	bool tx_mode_due;            /* connecting: send hints once established */
	int rcvtimeo_ms, sndtimeo_ms;
	/* event counts, for edge-triggered epoll */
	uint32_t rx_gen, tx_gen;
	struct xs_epoll *owner_ep;   /* the epoll instance it was last added to */
};

/*
 * Shared between the processes of a fork family, per context (anonymous
 * MAP_SHARED memory made when the context opens, inherited by fork).
 * Connections that crossed a fork are used by several processes: their
 * bumps go through one lock, and the last live holder closes them
 * (holders.c).
 */
#define XS_HOLDERS 4

struct xs_shared {
	pthread_mutex_t m;           /* robust, process-shared */
	_Atomic uint32_t forked;     /* connections crossed a fork: lock bumps */
	uint32_t nslots;
	int32_t holders[][XS_HOLDERS]; /* per slot: pids holding it (0: none) */
};

/* A connection this process let go of while other processes held it. */
struct xs_deferred {
	struct xtoe_ctx *ctx;
	struct xs_shared *sh;
	uint32_t slot, gen;
	bool abort;
};

/* A parent's context, kept in a fork child for inherited connections. */
struct xs_fctx {
	struct xtoe_ctx *ctx;
	struct xs_shared *sh;
	int nsocks;                  /* inherited sockets still open */
	struct xs_fctx *next;        /* oldest ancestor first */
};

struct xs_epitem {
	int fd;
	struct xsock *s;
	uint32_t events;
	epoll_data_t data;
	uint32_t seen_rx, seen_tx;
	bool disabled;               /* EPOLLONESHOT fired */
};

/* The xtoe part of an epoll instance; kernel fds stay in the kernel's. */
struct xs_epoll {
	struct xs_epitem *items;
	int n, cap;
	bool ctx_added;              /* the context's fds are in the kernel set */
	int nkernel;                 /* kernel fds added (an upper bound) */
	int wfd;                     /* eventfd: an event for one of our items */
	bool sleeping, kicked;       /* a thread waits in it; wfd written */
	int64_t kernel_checked_us;   /* last look at them while xtoe items were ready */
};

/* Per-process interposition state. */
struct xs_proc {
	pthread_mutex_t lock;        /* guards everything below and the context */
	struct xs_libc libc;
	struct xtoe_ctx *ctx;        /* opened on first use */
	struct xs_shared *sh;        /* the context's fork-shared part */
	bool sh_locked;              /* this critical section holds sh->m */
	struct xs_fctx *foreign;     /* parents' contexts (fork child) */
	uint32_t fork_epoch;
	struct xs_deferred *deferred;  /* see holders.c */
	int ndeferred, deferred_cap;
	int64_t deferred_scan_ms;
	unsigned int spin_us;        /* look before sleeping ($XTOE_SPIN_US) */
	char sock_path[108];         /* $XTOE_SOCK at start: some programs
					(nginx workers) clear the environment */
	bool ctx_failed;             /* no daemon: fall back to the kernel */
	int ctx_err;                 /* why (-errno): inherited xtoe sockets
					fail with it (docs/access.md) */
	bool ctx_half;               /* it failed while the process held xtoe
					sockets: new ones fail too, none
					goes to the kernel half-way */
	pid_t pid;
	int sleepers;                /* threads blocked on the context's eventfd */
	int nfds;
	struct xsock *_Atomic *socks;         /* fd -> socket */
	struct xs_epoll *_Atomic *epolls;     /* fd -> epoll instance */
};

extern struct xs_proc xs;

/* state.c */
void xs_init(void);
void xs_lock(void);
void xs_unlock(void);
struct xsock *xs_sock(int fd);
struct xs_epoll *xs_ep(int fd);
void xs_set_sock(int fd, struct xsock *s);
void xs_set_ep(int fd, struct xs_epoll *ep);
struct xtoe_ctx *xs_ctx(void);
void xs_pump(void);
void xs_ctx_news(bool sock_fired);
bool xs_spin(bool (*ready)(void *), void *arg);
void xs_sleep_begin(void);
void xs_sleep_end(void);
int xs_block(struct pollfd *extra, int nextra, int timeout_ms,
	     const sigset_t *mask);
int64_t xs_now_ms(void);
int xs_left(int64_t deadline);
void xs_release(struct xsock *s);
void xs_conn_owned(struct xsock *s);
void xs_conn_sync(struct xtoe_conn *c);
void xs_listener_use(struct xsock *s);
int xs_set_errno(int neg);

/* creds.c: before the process's credentials change, its context is open
 * (a server that drops privileges keeps reaching the daemon) */
bool xs_holds_xtoe(void);

/* holders.c */
struct xs_shared *xs_shared_new(uint32_t slots);
void xs_holders_own(struct xs_shared *sh, uint32_t slot);
void xs_holders_fork(struct xs_shared *sh, uint32_t slot);
void xs_holders_add(struct xs_shared *sh, uint32_t slot);
bool xs_holders_release(struct xs_shared *sh, uint32_t slot);
void xs_defer_close(struct xtoe_conn *c, struct xs_shared *sh, bool abort);
void xs_deferred_scan(void);
void xs_deferred_forget_ctx(struct xtoe_ctx *ctx);

/* socket.c */
bool xs_is_xtoe_dst(const struct sockaddr_in *a);
void xs_drop_fd(int fd);

/* poll.c */
short xs_revents(struct xsock *s);
int xs_wait_sock(struct xsock *s, short events, int timeout_ms);

/* epoll.c */
void xs_epoll_forget_fd(int fd, struct xsock *s);
void xs_epoll_kick(struct xs_epoll *ep);
void xs_epoll_free(struct xs_epoll *ep);

/* sockopt.c */
int xs_getsockopt(struct xsock *s, int fd, int level, int name, void *val,
		  socklen_t *len);
int xs_setsockopt(struct xsock *s, int fd, int level, int name,
		  const void *val, socklen_t len);
void xs_tx_mode(struct xsock *s);
void xs_sndbuf_apply(struct xsock *s);
size_t xs_tx_limit(const struct xsock *s);
size_t xs_tx_room(const struct xsock *s);
bool xs_notsent_ok(const struct xsock *s);

#define REAL(fn) (xs.libc.fn ? xs.libc.fn : (xs_init(), xs.libc.fn))

#pragma GCC visibility pop

#endif /* XS_H */
