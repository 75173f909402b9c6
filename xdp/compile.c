// SPDX-License-Identifier: MIT
/* Compile a module's C source with clang -target bpf against xtoe's headers. */
#include "module.h"
#include "common/log.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#else
#define MULTIARCH ""
#endif

/* xtoe's public headers: $XTOE_INCLUDE, else ../../include from the
 * executable (build/bin/xtoectl in a source tree), else /usr/include. */
static int include_dir(char *buf, size_t len)
{
	const char *env = getenv("XTOE_INCLUDE");
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		struct stat st;

		exe[n] = 0;
		snprintf(buf, len, "%s/../../include", dirname(exe));
		snprintf(probe, sizeof(probe), "%s/xtoe/module.h", buf);
		if (!stat(probe, &st))
			return 0;
	}
	snprintf(buf, len, "/usr/include");
	snprintf(probe, sizeof(probe), "%s/xtoe/module.h", buf);
	if (!access(probe, R_OK))
		return 0;
	log_err("cannot find xtoe's headers (xtoe/module.h); "
		"set XTOE_INCLUDE to the directory that holds xtoe/");
	return -ENOENT;
}

int xmod_compile(const char *src, const char *out, bool verbose)
{
	char inc[PATH_MAX], iarg[PATH_MAX + 2];
	const char *argv[] = {
		"clang", "-g", "-O2", "-target", "bpf", "-D__bpf__", "-Wall",
		iarg, "-I/usr/include/" MULTIARCH, "-c", src, "-o", out, NULL,
	};
	int err = include_dir(inc, sizeof(inc)), status;
	pid_t pid;

	if (err)
		return err;
	snprintf(iarg, sizeof(iarg), "-I%s", inc);
	if (verbose) {
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
		fputc('\n', stderr);
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp("clang", (char *const *)argv);
		log_err("cannot run clang: %s; install clang "
			"(make deps)", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log_err("compiling %s failed; see clang's message above",
		src);
	return -EINVAL;
}
