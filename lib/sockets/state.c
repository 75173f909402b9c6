/* SPDX-License-Identifier: MIT */
/*
 * libxtoe-sockets: per-process state, the fd table, the context, waiting on
 * the context and what happens at fork and exit.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "common/spinwait.h"
#include "common/clock.h"
#include "common/wake.h"
#include "xs.h"

struct xs_proc xs = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define SYM(n) xs.libc.n = dlsym(RTLD_NEXT, #n)

static void resolve(void)
{
	SYM(socket); SYM(bind); SYM(listen); SYM(accept4); SYM(connect);
	SYM(close); SYM(shutdown); SYM(dup); SYM(dup3); SYM(dup2); SYM(fcntl);
	SYM(ioctl); SYM(getsockopt); SYM(setsockopt); SYM(getsockname);
	SYM(getpeername); SYM(read); SYM(write); SYM(readv); SYM(writev);
	SYM(recvfrom); SYM(sendto); SYM(recvmsg); SYM(sendmsg); SYM(sendfile);
	SYM(splice);
	SYM(poll); SYM(ppoll); SYM(select); SYM(pselect); SYM(epoll_create1);
	SYM(epoll_ctl); SYM(epoll_pwait); SYM(fork);
}

static int table_size(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max > (1u << 20))
		return 1 << 20;
	return rl.rlim_max < 1024 ? 1024 : (int)rl.rlim_max;
}

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

void xs_init(void)
{
	static bool done;

	if (done)
		return;
	resolve();
	if (!xs.socks) {
		xs.nfds = table_size();
		xs.socks = calloc(xs.nfds, sizeof(*xs.socks));
		xs.epolls = calloc(xs.nfds, sizeof(*xs.epolls));
		if (!xs.socks || !xs.epolls) {
			fprintf(stderr, "libxtoe-sockets: no memory for %d fds\n", xs.nfds);
			abort();
		}
	}
	xs.pid = getpid();
	if (getenv(XTOE_SOCK_ENV))
		snprintf(xs.sock_path, sizeof(xs.sock_path), "%s", getenv(XTOE_SOCK_ENV));
	xs.spin_us = getenv(XTOE_SPIN_ENV) ? (unsigned int)atoi(getenv(XTOE_SPIN_ENV)) : 20;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	done = true;
}

__attribute__((constructor)) static void xs_ctor(void)
{
	xs_init();
}

static void sh_lock(struct xs_shared *sh)
{
	if (pthread_mutex_lock(&sh->m) == EOWNERDEAD)
		pthread_mutex_consistent(&sh->m); /* a family member died holding it */
}

/* The process lock, then the fork-shared locks of contexts whose
 * connections crossed a fork, oldest ancestor first (one order for the
 * whole family: no deadlock). */
void xs_lock(void)
{
	pthread_mutex_lock(&xs.lock);
	for (struct xs_fctx *f = xs.foreign; f; f = f->next)
		sh_lock(f->sh);
	xs.sh_locked = xs.sh && atomic_load(&xs.sh->forked);
	if (xs.sh_locked)
		sh_lock(xs.sh);
}

static void forget_idle_foreign(void);

void xs_unlock(void)
{
	if (xs.sh_locked)
		pthread_mutex_unlock(&xs.sh->m);
	xs.sh_locked = false;
	for (struct xs_fctx *f = xs.foreign; f; f = f->next)
		pthread_mutex_unlock(&f->sh->m);
	forget_idle_foreign();
	pthread_mutex_unlock(&xs.lock);
}

struct xsock *xs_sock(int fd)
{
	if (!xs.socks)
		xs_init();
	if (fd < 0 || fd >= xs.nfds)
		return NULL;
	return atomic_load_explicit(&xs.socks[fd], memory_order_acquire);
}

struct xs_epoll *xs_ep(int fd)
{
	if (!xs.epolls)
		xs_init();
	if (fd < 0 || fd >= xs.nfds)
		return NULL;
	return atomic_load_explicit(&xs.epolls[fd], memory_order_acquire);
}

void xs_set_sock(int fd, struct xsock *s)
{
	if (fd >= 0 && fd < xs.nfds)
		atomic_store_explicit(&xs.socks[fd], s, memory_order_release);
}

void xs_set_ep(int fd, struct xs_epoll *ep)
{
	if (fd >= 0 && fd < xs.nfds)
		atomic_store_explicit(&xs.epolls[fd], ep, memory_order_release);
}

int xs_set_errno(int neg)
{
	errno = -neg;
	return -1;
}

int64_t xs_now_ms(void)
{
	return (int64_t)now_ms();
}

/* Milliseconds left until deadline (-1: none) as a poll timeout. */
int xs_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - xs_now_ms();
	return left <= 0 ? 0 : left > 1000000 ? 1000000 : (int)left;
}

/* --- the context ---------------------------------------------------------- */

/* The process's context, opened on first use; NULL when no daemon serves
 * (callers then fall back to the kernel). Called locked. */
struct xtoe_ctx *xs_ctx(void)
{
	int err;

	if (xs.ctx || xs.ctx_failed)
		return xs.ctx;
	err = xs.sock_path[0] ? xtoe_ctx_open(&xs.ctx, xs.sock_path) : -EINVAL;
	if (err) {
		xs.ctx_failed = true;
		xs.ctx_err = err;
		xs.ctx_half = xs.sock_path[0] && xs_holds_xtoe();
		if (xs.ctx_half)
			fprintf(stderr, "libxtoe-sockets: pid %d: %s; its xtoe sockets "
				"and new ones fail (%s)\n", (int)getpid(), xtoe_strerror(NULL),
				strerror(-err));
		else if (xs.sock_path[0])
			fprintf(stderr, "libxtoe-sockets: %s; using the kernel's TCP\n",
				xtoe_strerror(NULL));
		return NULL;
	}
	xtoe_ctx_set_spin_us(xs.ctx, 0);
	xs.sh = xs_shared_new(xs.ctx->geo.max_flows);
	return xs.ctx;
}

static void on_event(const struct xtoe_event *e)
{
	struct xsock *s = e->user;

	if (!s)
		return;
	if (e->events & (XTOE_EV_READABLE | XTOE_EV_HUP | XTOE_EV_ACCEPTABLE))
		s->rx_gen++;
	if (e->events & (XTOE_EV_WRITABLE | XTOE_EV_CONNECTED | XTOE_EV_HUP))
		s->tx_gen++;
	if ((e->events & (XTOE_EV_CONNECTED | XTOE_EV_HUP)) && e->err && !s->so_error)
		s->so_error = -e->err;
	if (s->owner_ep)
		xs_epoll_kick(s->owner_ep); /* its waiter may sleep on another fd */
}

/* Take the daemon's events: accept queues, connection states, event counts.
 * Costs no system call. Called locked. */
void xs_pump(void)
{
	struct xtoe_event evs[64];
	int n;

	for (struct xs_fctx *f = xs.foreign; f; f = f->next)
		xlib_flush_bumps(f->ctx);
	xs_deferred_scan();
	if (!xs.ctx)
		return;
	do {
		n = xtoe_wait(xs.ctx, evs, 64, 0);
		for (int i = 0; i < n; i++)
			on_event(&evs[i]);
	} while (n == 64);
}

/* Raise the sleep flag for every sleeper: the daemon clears it when it
 * signals, and a thread going to sleep after that needs it up again. */
/* Each thread's measured gaps between the moment it ran out of things to
 * report and the moment it had one again (common/spinwait.h). */
static __thread struct spinwait xs_sw;
static __thread bool xs_sw_ready;

static struct spinwait *thread_sw(void)
{
	if (!xs_sw_ready) {
		spinwait_init(&xs_sw, xs.spin_us);
		xs_sw_ready = true;
	}
	return &xs_sw;
}

/* Before sleeping, look again, yielding the core in between, while the
 * thread's measured gap between events is shorter than a wake-up, for at
 * most $XTOE_SPIN_US (default 20 us), and while the spin keeps its core: a
 * reply that is on its way costs no wake-up, and a thread at low load (or
 * on a core others need) sleeps at once. Locked; true when ready(arg)
 * became true. */
bool xs_spin(bool (*ready)(void *), void *arg)
{
	struct spinwait *sw = thread_sw();

	if (!xs.ctx)
		return false;
	spinwait_idle(sw, now_us());
	while (spinwait_spin(sw, now_us())) {
		xs_unlock();
		sched_yield();
		xs_lock();
		xs_pump();
		if (ready(arg)) {
			spinwait_work(sw, now_us(), false);
			return true;
		}
	}
	return false;
}

void xs_sleep_begin(void)
{
	if (!xs.ctx)
		return;
	xs.sleepers++;
	wake_announce_sleep(&xs.ctx->hdr->app_sleeping);
}

/* The first sleep after a spin ends the thread's idle period: its
 * length (less a wake-up's latency) is the gap measured. */
void xs_sleep_end(void)
{
	spinwait_work(thread_sw(), now_us(), true);
	if (xs.ctx && --xs.sleepers == 0)
		wake_cancel_sleep(&xs.ctx->hdr->app_sleeping);
}

/* Whoever wakes on the eventfd resets it and then takes the events (the
 * caller pumps next), waking the epoll waiters they concern (on_event). */
static void drain_efd(struct xtoe_ctx *ctx)
{
	wake_drain(ctx->app_efd);
}

static void daemon_gone(struct xtoe_ctx *ctx)
{
	if (ctx->dead)
		return;
	ctx->dead = true;
	for (uint32_t i = 0; i < ctx->geo.max_flows; i++)
		if (ctx->slots[i])
			xlib_conn_fail(ctx->slots[i], -ECONNRESET);
	/* its fds would keep every epoll instance awake */
	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xs_epoll *ep = xs.epolls[fd];

		if (!ep || !ep->ctx_added)
			continue;
		REAL(epoll_ctl)(fd, EPOLL_CTL_DEL, ctx->app_efd, NULL);
		REAL(epoll_ctl)(fd, EPOLL_CTL_DEL, ctx->sock, NULL);
		ep->ctx_added = false;
	}
	fprintf(stderr, "libxtoe-sockets: xtoed went away; xtoe connections "
		"are reset\n");
}

static bool sock_hup(int fd, short rev)
{
	char b;

	if (rev & (POLLHUP | POLLERR))
		return true;
	if (!(rev & POLLIN))
		return false;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != -1 || errno != EAGAIN;
}

/* The context's eventfd (or control socket) fired in a caller's own wait:
 * reset the eventfd; see whether the daemon went away. Locked. */
void xs_ctx_news(bool sock_fired)
{
	struct xtoe_ctx *ctx = xs.ctx;

	if (!ctx || ctx->dead)
		return;
	drain_efd(ctx);
	if (sock_fired && sock_hup(ctx->sock, POLLIN))
		daemon_gone(ctx);
}

/*
 * Block, unlocked, on the context's eventfd and control socket plus the
 * caller's kernel fds (extra[0..nextra), revents filled), for at most
 * timeout_ms (-1: no limit). The caller has announced its sleep and checked
 * its condition once more. Several sleeping threads share one eventfd, so
 * with more than one the wait is cut into 20 ms slices. Called locked;
 * returns the poll result for the extra fds (or -errno).
 */
int xs_block(struct pollfd *extra, int nextra, int timeout_ms,
	     const sigset_t *mask)
{
	struct pollfd stack[16], *p = stack;
	int n = nextra, rc, err = 0;
	struct xtoe_ctx *ctx = xs.ctx;

	if (nextra + 2 > 16 && !(p = malloc((nextra + 2) * sizeof(*p))))
		return -ENOMEM;
	if (nextra)
		memcpy(p, extra, nextra * sizeof(*p));
	if (ctx && !ctx->dead) {
		p[n++] = (struct pollfd){ .fd = ctx->app_efd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = ctx->sock, .events = POLLIN };
		if (xs.sleepers > 1 && (timeout_ms < 0 || timeout_ms > 20))
			timeout_ms = 20;
	}
	if (xs.foreign && (timeout_ms < 0 || timeout_ms > 2))
		timeout_ms = 2; /* inherited connections: no wake-ups, poll them */
	if (xs.ndeferred && (timeout_ms < 0 || timeout_ms > 100))
		timeout_ms = 100; /* look after connections other processes held */
	xs_unlock();
	if (mask) {
		struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

		rc = REAL(ppoll)(p, n, timeout_ms < 0 ? NULL : &ts, mask);
	} else {
		rc = REAL(poll)(p, n, timeout_ms);
	}
	if (rc < 0)
		err = -errno;
	xs_lock();
	if (n > nextra && rc > 0) {
		if (p[nextra].revents)
			drain_efd(ctx);
		if (sock_hup(ctx->sock, p[nextra + 1].revents))
			daemon_gone(ctx);
	}
	if (nextra)
		memcpy(extra, p, nextra * sizeof(*p));
	if (p != stack)
		free(p);
	if (err)
		return err;
	rc = 0;
	for (int i = 0; i < nextra; i++)
		rc += extra[i].revents != 0;
	return rc;
}

/* --- sockets -------------------------------------------------------------- */

/* A connection made in this process: the only holder of its slot. */
void xs_conn_owned(struct xsock *s)
{
	xs_holders_own(xs.sh, s->c->slot);
}

/* Our private ring counters are what we last wrote; after a fork another
 * process may have moved them. */
void xs_conn_sync(struct xtoe_conn *c)
{
	c->rx_head = atomic_load_explicit(&c->fs->rx_head, memory_order_relaxed);
	c->tx_tail = atomic_load_explicit(&c->fs->tx_tail, memory_order_relaxed);
}

/* Close the connection, unless another process of the family holds it. */
static void conn_drop(struct xsock *s)
{
	struct xs_shared *sh = s->fc ? s->fc->sh : xs.sh;

	if (!s->c)
		return;
	if (sh && xs_holders_release(sh, s->c->slot)) {
		xs_defer_close(s->c, sh, s->linger0);
		xlib_conn_free(s->c);
	} else if (s->linger0)
		xtoe_abort(s->c);
	else
		xtoe_close(s->c);
	s->c = NULL;
	if (s->fc)
		s->fc->nsocks--;
}

/* Drop one reference; the last one closes the connection or listener. */
void xs_release(struct xsock *s)
{
	if (--s->refs > 0)
		return;
	if (s->kind == XS_CONN)
		conn_drop(s);
	if (s->kind == XS_LISTEN && s->l)
		xtoe_listener_close(s->l);
	free(s);
}

static int listen_flags(const struct xsock *s)
{
	return (s->reuseport ? XTOE_LISTEN_REUSEPORT : 0) |
	       (s->inherited ? XTOE_LISTEN_SHARE : 0);
}

/* A listener is being used (accept, poll, epoll): in a fork child register
 * it in this process; in a parent that went standby at fork, come back.
 * Called locked. */
void xs_listener_use(struct xsock *s)
{
	struct xtoe_ctx *ctx;

	if (s->kind != XS_LISTEN)
		return;
	if (s->l && s->standby) {
		s->standby = false;
		xlib_listen_mode(s->l, false);
		return;
	}
	if (s->l || !(ctx = xs_ctx()))
		return;
	if (xlib_listen(ctx, &s->addr, s->backlog, listen_flags(s), s->user_mss,
			&s->l) == 0)
		xtoe_listener_set_user(s->l, s);
	else
		fprintf(stderr, "libxtoe-sockets: pid %d cannot take over listener "
			"on port %u: %s\n", (int)getpid(), ntohs(s->addr.sin_port),
			xtoe_strerror(ctx));
}

/* --- fork and exit ---------------------------------------------------------- */

/* Connections crossing the fork: their contexts lock bumps from now on,
 * and the child-to-be holds them already. Locked. */
static void mark_inherited(void)
{
	uint32_t epoch = ++xs.fork_epoch;

	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];
		struct xs_shared *sh;

		if (!s || s->kind != XS_CONN || !s->c || s->fork_mark == epoch)
			continue;
		s->fork_mark = epoch;
		sh = s->fc ? s->fc->sh : xs.sh;
		if (!sh)
			continue;
		atomic_store(&sh->forked, 1);
		xs_holders_fork(sh, s->c->slot);
	}
}

static void atfork_prepare(void)
{
	xs_lock();
	mark_inherited();
}

/* The parent keeps its listeners but lets its children's take the
 * connections (standby) until it uses them again: a master that forked
 * workers and only waits must not swallow a share of the connections. */
static void atfork_parent(void)
{
	for (int fd = 0; xs.ctx && fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (s && s->kind == XS_LISTEN && s->l && !s->standby &&
		    xlib_listen_mode(s->l, true) == 0)
			s->standby = true;
	}
	xs_unlock();
}

/* Let the data-path take our last bumps, then unmap a context and close
 * its fds without closing its connections (another process owns them). */
static void ctx_let_go(struct xtoe_ctx *ctx)
{
	for (int i = 0; i < 1000 && !ctx->dead &&
	     (ctx->ov_len || spsc_used(&ctx->app2dp)); i++) {
		xlib_flush_bumps(ctx);
		usleep(100);
	}
	munmap(ctx->base, ctx->size);
	REAL(close)(ctx->app_efd);
	REAL(close)(ctx->dp_efd);
	REAL(close)(ctx->sock);
}

/* Child: sockets on the parent's own context now use it as a foreign one. */
static int adopt_parent_ctx(struct xs_fctx *f)
{
	int n = 0;

	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (!s || s->kind != XS_CONN || !s->c || s->fc ||
		    s->fork_mark == 0x80000000u)
			continue;
		s->fork_mark = 0x80000000u; /* counted */
		s->fc = f;
		n++;
	}
	for (int fd = 0; fd < xs.nfds; fd++)
		if (xs.socks[fd] && xs.socks[fd]->fork_mark == 0x80000000u)
			xs.socks[fd]->fork_mark = 0;
	return n;
}

static void child_contexts(void)
{
	struct xs_fctx *f = calloc(1, sizeof(*f)), **pp = &xs.foreign;

	if (xs.ctx && f && xs.sh) {
		f->ctx = xs.ctx;
		f->sh = xs.sh;
		f->nsocks = adopt_parent_ctx(f);
	}
	if (f && f->nsocks) {
		while (*pp)
			pp = &(*pp)->next;
		*pp = f; /* youngest ancestor last */
	} else {
		free(f);
		if (xs.ctx)
			ctx_let_go(xs.ctx); /* its handles leak here: they are the parent's */
	}
	xs.ctx = NULL;
	xs.sh = NULL;
}

/* Child: it holds every inherited connection too. */
static void hold_inherited(void)
{
	uint32_t epoch = ++xs.fork_epoch;

	xs.ndeferred = 0; /* the parent's: it looks after them */
	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (!s || s->kind != XS_CONN || !s->c || !s->fc ||
		    s->fork_mark == epoch)
			continue;
		s->fork_mark = epoch;
		sh_lock(s->fc->sh);
		xs_holders_add(s->fc->sh, s->c->slot);
		pthread_mutex_unlock(&s->fc->sh->m);
	}
}

static void atfork_child(void)
{
	pthread_mutex_init(&xs.lock, NULL);
	xs.pid = getpid();
	xs.sleepers = 0;
	xs.sh_locked = false;
	xs.ctx_failed = false;
	xs.ctx_err = 0;
	xs.ctx_half = false;
	child_contexts();
	hold_inherited();
	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (s && s->kind == XS_LISTEN) {
			s->l = NULL; /* the parent's; register our own on first use */
			s->standby = false;
			s->inherited = true;
		}
	}
}

/* Parents' contexts with no inherited socket left. Process-locked only. */
static void forget_idle_foreign(void)
{
	struct xs_fctx **pp = &xs.foreign, *f;

	while ((f = *pp)) {
		if (f->nsocks > 0) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		xs_deferred_forget_ctx(f->ctx);
		sh_lock(f->sh);
		xlib_flush_bumps(f->ctx);
		pthread_mutex_unlock(&f->sh->m);
		ctx_let_go(f->ctx);
		free(f);
	}
}

/* Close every connection orderly (FIN after queued data) before the
 * process goes: the daemon would reset connections of a vanished app. */
__attribute__((destructor)) static void xs_dtor(void)
{
	if (xs.pid != getpid() || pthread_mutex_trylock(&xs.lock))
		return;
	pthread_mutex_unlock(&xs.lock);
	xs_lock();
	for (int fd = 0; fd < xs.nfds; fd++) {
		struct xsock *s = xs.socks[fd];

		if (s && s->kind == XS_CONN)
			conn_drop(s);
		else if (s && s->kind == XS_LISTEN && s->l) {
			xtoe_listener_close(s->l);
			s->l = NULL;
		}
	}
	if (xs.sh_locked)
		pthread_mutex_unlock(&xs.sh->m);
	xs.sh_locked = false;
	if (xs.ctx)
		xtoe_ctx_close(xs.ctx);
	xs.ctx = NULL;
	xs.ctx_failed = true;
	for (struct xs_fctx *f = xs.foreign; f; f = f->next)
		pthread_mutex_unlock(&f->sh->m);
	forget_idle_foreign();
	pthread_mutex_unlock(&xs.lock);
}
