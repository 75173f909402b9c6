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

static void usage(FILE *f)
{
	fprintf(f, "usage: xtoe-run [--sock PATH] [--lib PATH] -- CMD [ARGS...]\n"
		"  --sock PATH  xtoed's socket (default: $XTOE_SOCK)\n"
		"  --lib PATH   the sockets library (default: ../lib/libxtoe-sockets.so\n"
		"               next to xtoe-run)\n");
}

static int default_lib(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if ((size_t)snprintf(out, len, "%s/../lib/libxtoe-sockets.so",
			     dirname(exe)) >= len)
		return -ENAMETOOLONG;
	return 0;
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char lib[PATH_MAX] = "";
	int c;

	while ((c = getopt_long(argc, argv, "+s:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			setenv("XTOE_SOCK", optarg, 1);
			break;
		case 'l':
			snprintf(lib, sizeof(lib), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!getenv("XTOE_SOCK")) {
		log_err("no daemon socket: give --sock or set XTOE_SOCK");
		return 2;
	}
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
