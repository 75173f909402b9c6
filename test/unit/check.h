/* SPDX-License-Identifier: MIT */
/*
 * A very small unit-test harness. Each test is a function; CHECK records a
 * failure (with file:line and the expression) and carries on, REQUIRE stops
 * the test. Output is TAP-like, one line per test, then a summary line
 * "# N passed, N failed" that test/run-unit.sh adds up.
 *
 *   static void test_foo(void) { CHECK(1 + 1 == 2); }
 *   int main(void) { RUN(test_foo); return check_summary(); }
 */
#ifndef XTOE_CHECK_H
#define XTOE_CHECK_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failed_now, check_passed, check_failed;
static jmp_buf check_jmp;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",         \
				__FILE__, __LINE__, #cond);                    \
			check_failed_now = 1;                                  \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);           \
			check_failed_now = 1;                                  \
		}                                                              \
	} while (0)

#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n",       \
				__FILE__, __LINE__, #cond);                    \
			check_failed_now = 1;                                  \
			longjmp(check_jmp, 1);                                 \
		}                                                              \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		check_failed_now = 0;                                          \
		if (!setjmp(check_jmp))                                        \
			fn();                                                  \
		if (check_failed_now) {                                        \
			check_failed++;                                        \
			printf("not ok - %s\n", #fn);                          \
		} else {                                                       \
			check_passed++;                                        \
			printf("ok - %s\n", #fn);                              \
		}                                                              \
		fflush(stdout);                                                \
	} while (0)

static inline int check_summary(void)
{
	printf("# %d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif /* XTOE_CHECK_H */
