// SPDX-License-Identifier: MIT
/* Compile a module's C source with clang -target bpf against xtoe's headers. */
#include "module.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* Does dir hold xtoe/module.h? */
static bool has_headers(const char *dir)
{
	char probe[PATH_MAX + 32];

	snprintf(probe, sizeof(probe), "%s/xtoe/module.h", dir);
	return !access(probe, R_OK);
}

/* xtoe's public headers: $XTOE_INCLUDE; else next to the executable, as
 * installed (PREFIX/bin/xtoectl -> PREFIX/include) or in a source tree
 * (build/bin/xtoectl -> include/); else /usr/include. */
static int include_dir(char *buf, size_t len)
{
	static const char *const rel[] = { "../include", "../../include" };
	const char *env = getenv("XTOE_INCLUDE");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *dir;

		exe[n] = 0;
		dir = dirname(exe);
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(buf, len, "%s/%s", dir, rel[i]);
			if (has_headers(buf))
				return 0;
		}
	}
	snprintf(buf, len, "/usr/include");
	if (has_headers(buf))
		return 0;
	log_err("cannot find xtoe's headers (xtoe/module.h); "
		"set XTOE_INCLUDE to the directory that holds xtoe/");
	return -ENOENT;
}

/* clang's stderr until it closes (what does not fit is read and dropped). */
static void read_output(int fd, char *buf, size_t size)
{
	char sink[4096];
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, len + 1 < size ? buf + len : sink,
			 len + 1 < size ? size - 1 - len : sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)n;
	}
	buf[len] = 0;
}

/* clang's messages as log lines: errors when it failed, else warnings. */
static void relay_output(char *buf, bool failed)
{
	char *line, *save = NULL;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_msg(failed ? LOG_LVL_ERR : LOG_LVL_WARN, "%s", line);
}

int xmod_compile(const char *src, const char *out, bool verbose)
{
	char out_text[16384];
	char inc[PATH_MAX], iarg[PATH_MAX + 2];
	const char *argv[] = {
		"clang", "-g", "-O2", "-target", "bpf", "-D__bpf__", "-Wall",
		iarg, "-I/usr/include/" MULTIARCH, "-c", src, "-o", out, NULL,
	};
	int err = include_dir(inc, sizeof(inc)), status, p[2];
	pid_t pid;

	if (err)
		return err;
	snprintf(iarg, sizeof(iarg), "-I%s", inc);
	if (verbose) {
		char cmd[PATH_MAX * 2] = "";

		for (size_t i = 0; argv[i]; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s",
				 i ? " " : "", argv[i]);
		log_info("%s", cmd);
	}
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		execvp("clang", (char *const *)argv);
		fprintf(stderr, "cannot run clang: %s; install clang (make deps)\n",
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	read_output(p[0], out_text, sizeof(out_text));
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		status = -1;
	err = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
	relay_output(out_text, err);
	if (err)
		log_err("compiling %s failed (clang's message above)", src);
	return err;
}
