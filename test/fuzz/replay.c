/* SPDX-License-Identifier: MIT */
/*
 * Replays fuzz corpora through a libFuzzer target without libFuzzer, for
 * builds where it is not at hand (make test-arm64): every file named, and
 * every file in every directory named, goes once through
 * LLVMFuzzerTestOneInput. A finding crashes (sanitizers, abort()).
 * Usage: replay_fuzz_NAME FILE|DIR...   prints how many inputs ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, long *n)
{
	struct dirent **ents;
	char path[4096];
	int cnt = scandir(dir, &ents, NULL, alphasort), err = 0;

	if (cnt < 0) {
		fprintf(stderr, "replay: cannot list %s\n", dir);
		return -1;
	}
	for (int i = 0; i < cnt; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			if (replay_file(path))
				err = -1;
			else
				(*n)++;
		}
		free(ents[i]);
	}
	free(ents);
	return err;
}

int main(int argc, char **argv)
{
	long n = 0;
	int err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
			err = 1;
		} else if (S_ISDIR(st.st_mode)) {
			err |= replay_dir(argv[i], &n) ? 1 : 0;
		} else if (replay_file(argv[i])) {
			err = 1;
		} else {
			n++;
		}
	}
	printf("%ld inputs replayed\n", n);
	return err;
}
