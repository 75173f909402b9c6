/* SPDX-License-Identifier: MIT */
/*
 * xtoe-run: run an unmodified program with its IPv4 TCP sockets on xtoe.
 *
 *   xtoe-run [--sock PATH] [--lib PATH] -- CMD [ARGS...]
 *
 * Preloads libxtoe-sockets.so (next to this binary: ../lib/) and points it
 * at the daemon's socket (--sock, else $XTOE_SOCK).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/version.h"

static void usage(void)
{
	printf("Usage: xtoe-run [--sock PATH] [--lib PATH] -- CMD [ARGS...]\n"
	       "Run an unmodified program with its IPv4 TCP sockets on xtoe: the sockets\n"
	       "library (libxtoe-sockets.so) is preloaded and pointed at the daemon.\n"
	       "Other sockets and files stay with the kernel.\n\n"
	       "Options:\n"
	       "  -s, --sock PATH  xtoed's socket (default: $XTOE_SOCK)\n"
	       "  -l, --lib PATH   the sockets library (default: next to xtoe-run,\n"
	       "                   ../lib/libxtoe-sockets.so or ../lib/xtoe/)\n"
	       "  -V, --version    print the version and exit\n"
	       "  -h, --help       print this help and exit\n\n"
	       "Exit status:\n"
	       "  CMD's; 2 usage error, 126 CMD cannot run, 127 CMD not found.\n");
}

static int usage_error(const char *msg)
{
	log_err("%s", msg);
	fprintf(stderr, "Try 'xtoe-run --help' for more information.\n");
	return 2;
}

/* Next to the executable: ../lib/ in a build tree, ../lib/xtoe/ as
 * installed (a preload module, not a library to link with). */
static int default_lib(char *out, size_t len)
{
	static const char *const rel[] = { "../lib/xtoe", "../lib" };
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if ((size_t)snprintf(out, len, "%s/%s/libxtoe-sockets.so", dir, rel[i]) >= len)
			return -ENAMETOOLONG;
		if (!access(out, R_OK))
			return 0;
	}
	return 0; /* the last one: the error names it */
}

static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int rc;

	if (!old || !*old)
		return setenv("LD_PRELOAD", lib, 1);
	if (asprintf(&v, "%s:%s", lib, old) < 0)
		return -1;
	rc = setenv("LD_PRELOAD", v, 1);
	free(v);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sock", required_argument, NULL, 's' },
		{ "lib", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char lib[PATH_MAX] = "";
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:l:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			setenv("XTOE_SOCK", optarg, 1);
			break;
		case 'l':
			snprintf(lib, sizeof(lib), "%s", optarg);
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("xtoe-run (xtoe) %s\n", XTOE_VERSION);
			return 0;
		default:
			return usage_error("unknown option or missing value");
		}
	}
	if (optind >= argc)
		return usage_error("no command to run: xtoe-run [OPTIONS] -- CMD [ARGS...]");
	if (!getenv("XTOE_SOCK"))
		return usage_error("no daemon socket: give --sock or set XTOE_SOCK");
	if (!lib[0] && default_lib(lib, sizeof(lib))) {
		log_err("cannot find libxtoe-sockets.so; use --lib");
		return 1;
	}
	if (access(lib, R_OK)) {
		log_err("%s: %s; build it with make or use --lib",
			lib, strerror(errno));
		return 1;
	}
	if (set_preload(lib)) {
		perror("xtoe-run: setenv");
		return 1;
	}
	execvp(argv[optind], argv + optind);
	log_err("%s: %s", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
