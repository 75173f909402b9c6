// SPDX-License-Identifier: MIT
/* Where xtoe-dump's frames go (dump_out.h). */
#include "dump_out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* A pcap stream by libpcap (nanosecond times), or our pcapng. */
struct stream {
	FILE *f;
	pcap_t *dead;
	pcap_dumper_t *pd;
	struct pcapng ng;
	bool is_ng;
};

struct out {
	struct out_opts o;
	/* the savefile */
	struct stream save;
	char name[PATH_MAX];
	unsigned index, made;
	uint64_t opened_us;  /* monotonic: -G periods are whole */
	/* the printer */
	struct stream pipe;       /* to tcpdump */
	pid_t child;
	struct print_state ps;
};

static int stream_open(struct stream *s, FILE *f, bool ng, uint32_t snaplen,
		       const char *ifname)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->is_ng = ng;
	if (ng)
		return pcapng_open(&s->ng, f, snaplen, ifname);
	s->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	s->pd = s->dead ? pcap_dump_fopen(s->dead, f) : NULL;
	if (!s->pd) {
		log_err("pcap: %s", s->dead ? pcap_geterr(s->dead) : "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int stream_write(struct stream *s, const struct dump_pkt *p)
{
	struct pcap_pkthdr h = { .caplen = p->caplen, .len = p->len };

	if (s->is_ng)
		return pcapng_write(&s->ng, p);
	h.ts.tv_sec = (time_t)(p->ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(p->ts_ns % 1000000000u); /* nanoseconds */
	pcap_dump((u_char *)s->pd, &h, p->data);
	return ferror(s->f) ? -(errno ?: EIO) : 0;
}

static int stream_flush(struct stream *s)
{
	if (!s->f)
		return 0;
	if (fflush(s->f) || ferror(s->f))
		return -(errno ?: EIO);
	return 0;
}

static uint64_t stream_size(struct stream *s)
{
	int64_t n = s->is_ng ? ftell(s->f) : pcap_dump_ftell64(s->pd);

	return n > 0 ? (uint64_t)n : 0;
}

static int stream_close(struct stream *s)
{
	int err = stream_flush(s);

	if (s->pd) {
		pcap_dump_close(s->pd); /* closes the FILE */
		s->f = NULL;
	}
	if (s->dead)
		pcap_close(s->dead);
	if (s->f && s->f != stdout && fclose(s->f))
		err = err ?: -errno;
	memset(s, 0, sizeof(*s));
	return err;
}

/* --- the savefile and its rotation (tcpdump's -C, -G, -W) ---------------- */

static unsigned digits(unsigned n)
{
	unsigned d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* tcpdump's names: -G expands strftime escapes; -C adds a number (from
 * the second file on, or on every file with -W, zero-padded to -W's). */
static void save_name(const struct out *o, time_t now, char *buf, size_t len)
{
	char base[PATH_MAX - 16];
	struct tm tm;

	snprintf(base, sizeof(base), "%s", o->o.wfile);
	if (o->o.rotate_secs) {
		localtime_r(&now, &tm);
		if (!strftime(base, sizeof(base), o->o.wfile, &tm))
			snprintf(base, sizeof(base), "%s", o->o.wfile);
	}
	if (!o->o.rotate_bytes || (!o->o.files && !o->index))
		snprintf(buf, len, "%s", base);
	else if (o->o.files)
		snprintf(buf, len, "%s%0*u", base, (int)digits(o->o.files - 1), o->index);
	else
		snprintf(buf, len, "%s%u", base, o->index);
}

static int save_open(struct out *o, time_t now)
{
	FILE *f;
	int err;

	if (!strcmp(o->o.wfile, "-"))
		return stream_open(&o->save, stdout, o->o.ng, o->o.snaplen, o->o.ifname);
	save_name(o, now, o->name, sizeof(o->name));
	f = fopen(o->name, "wb");
	if (!f) {
		err = -errno;
		log_err("%s: %s", o->name, strerror(-err));
		return err;
	}
	o->opened_us = now_us();
	o->made++;
	err = stream_open(&o->save, f, o->o.ng, o->o.snaplen, o->o.ifname);
	if (err)
		fclose(f);
	return err;
}

/* Before a frame: a new file when -G's time is up or -C's size passed.
 * 1 when -G and -W have made their last file. */
static int rotate(struct out *o)
{
	time_t now = time(NULL);

	if (o->o.rotate_secs && now_us() - o->opened_us >= o->o.rotate_secs * 1000000ull) {
		if (o->o.files && o->made >= o->o.files)
			return 1;
		o->index = 0;
	} else if (o->o.rotate_bytes && stream_size(&o->save) > o->o.rotate_bytes) {
		o->index = o->o.files ? (o->index + 1) % o->o.files : o->index + 1;
	} else {
		return 0;
	}
	return stream_close(&o->save) ?: save_open(o, now);
}

/* --- the printer ------------------------------------------------------------- */

const char *out_tcpdump(void)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin",
					    "/usr/local/bin", "/usr/local/sbin" };
	static char path[PATH_MAX];
	const char *env = getenv("XTOE_TCPDUMP");

	if (env)
		return *env && strcmp(env, "none") ? env : NULL;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/tcpdump", dirs[i]);
		if (!access(path, X_OK))
			return path;
	}
	return NULL;
}

/* tcpdump -r - reading a pcap stream on a pipe; its lines go to our
 * stdout as they are (its stderr's "reading from file -" is not ours). */
static int printer_open(struct out *o, const char *tcpdump)
{
	char *argv[64];
	int p[2], n = 0, err;
	FILE *f;

	argv[n++] = (char *)tcpdump;
	argv[n++] = "-r";
	argv[n++] = "-";
	argv[n++] = "-l"; /* each line as it is printed: live, and | head ends */
	for (char *const *a = o->o.tcpdump_args; a && *a && n < 62; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	o->child = fork();
	if (o->child < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (o->child == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[0], STDIN_FILENO);
		if (null >= 0 && !log_enabled(LOG_LVL_INFO))
			dup2(null, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execv(tcpdump, argv);
		_exit(127);
	}
	close(p[0]);
	f = fdopen(p[1], "wb");
	if (!f) {
		close(p[1]);
		return -errno;
	}
	return stream_open(&o->pipe, f, false, o->o.snaplen, o->o.ifname);
}

static int printer_close(struct out *o)
{
	int status = 0, err = stream_close(&o->pipe);

	if (o->child > 0 && waitpid(o->child, &status, 0) > 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 127)
		log_err("cannot run %s", out_tcpdump());
	o->child = 0;
	return err == -EPIPE ? 0 : err;
}

/* --- all of it --------------------------------------------------------------- */

int out_open(struct out **out, const struct out_opts *oo)
{
	struct out *o = calloc(1, sizeof(*o));
	const char *tcpdump = oo->print && !oo->builtin ? out_tcpdump() : NULL;
	int err = 0;

	if (!o)
		return -ENOMEM;
	o->o = *oo;
	if (oo->print && !tcpdump)
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (oo->wfile)
		err = save_open(o, time(NULL));
	if (!err && tcpdump)
		err = printer_open(o, tcpdump);
	if (err) {
		out_close(o);
		return err;
	}
	*out = o;
	return 0;
}

void out_capture_started(struct out *o)
{
	o->opened_us = now_us();
}

int out_frame(struct out *o, const struct dump_pkt *p)
{
	int err = 0;

	if (o->save.f) {
		if ((err = rotate(o)))
			return err;
		err = stream_write(&o->save, p);
		if (!err && o->o.flush)
			err = stream_flush(&o->save);
	}
	if (!err && o->pipe.f)
		err = stream_write(&o->pipe, p);
	else if (!err && o->o.print && pkt_print(stdout, p, &o->o.po, &o->ps))
		err = -(errno ?: EIO);
	return err;
}

int out_flush(struct out *o)
{
	int err = stream_flush(&o->save) ?: stream_flush(&o->pipe);

	if (!err && o->o.print && !o->pipe.f && (fflush(stdout) || ferror(stdout)))
		err = -(errno ?: EIO);
	return err;
}

/* A pipe whose reader closed its end reports POLLERR to the writer. */
static bool broken(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP));
}

bool out_reader_gone(struct out *o)
{
	if (o->pipe.f)
		return broken(fileno(o->pipe.f));
	return (o->o.print || (o->save.f == stdout)) && broken(STDOUT_FILENO);
}

int out_close(struct out *o)
{
	int err;

	if (!o)
		return 0;
	err = stream_close(&o->save);
	err = printer_close(o) ?: err;
	free(o);
	return err;
}
