/* SPDX-License-Identifier: MIT */
/*
 * The data-path's flow table (daemon/dp/flowtab.c) against a reference:
 * 64K flows inserted and removed in random order, find checked after every
 * step; and the mistakes that once made a chain point at itself (an index
 * inserted twice) are refused without harm. A hang is a failure: alarm().
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "daemon/dp/flowtab.h"

#define N 65536u

static struct flow_key keys[N];   /* the key of index i */
static bool in[N];                /* reference: index i is in the table */
static uint32_t order[N];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void shuffle(void)
{
	for (uint32_t i = 0; i < N; i++)
		order[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = rnd() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/* Distinct keys, many sharing an address (as a busy peer's would). */
static void make_keys(void)
{
	for (uint32_t i = 0; i < N; i++)
		keys[i] = (struct flow_key){ .raddr = 0x0a000001u + (i >> 12),
					     .rport = (uint16_t)(1024 + (i & 4095)),
					     .lport = 80 };
	memset(in, 0, sizeof(in));
}

static bool matches(const struct flowtab *t, uint32_t i)
{
	return flowtab_find(t, &keys[i]) == (in[i] ? i : FLOWTAB_NONE) &&
	       flowtab_has(t, i) == in[i];
}

/* The touched index and a few others, after every step. */
static bool step_ok(const struct flowtab *t, uint32_t i)
{
	for (int k = 0; k < 4; k++)
		if (!matches(t, rnd() % N))
			return false;
	return matches(t, i);
}

static bool all_ok(const struct flowtab *t)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < N; i++) {
		if (!matches(t, i))
			return false;
		count += in[i];
	}
	return count == t->count;
}

static void test_flowtab_64k_random_order(void)
{
	struct flowtab t;
	uint32_t bad = 0;

	make_keys();
	REQUIRE(flowtab_init(&t, N) == 0);
	shuffle();
	for (uint32_t s = 0; s < N; s++) {
		uint32_t i = order[s];

		bad += flowtab_insert(&t, i, &keys[i]) != 0;
		in[i] = true;
		bad += !step_ok(&t, i);
	}
	CHECK_EQ(bad, 0);
	CHECK(all_ok(&t));
	shuffle();
	for (uint32_t s = 0; s < N; s++) {
		uint32_t i = order[s];

		bad += !flowtab_remove(&t, i);
		in[i] = false;
		bad += !step_ok(&t, i);
	}
	CHECK_EQ(bad, 0);
	CHECK(all_ok(&t));
	CHECK_EQ(t.count, 0);
	flowtab_free(&t);
}

/* Random inserts and removes, half the table full on average, with the
 * refusals the reference predicts. */
static void test_flowtab_random_mix(void)
{
	struct flowtab t;
	uint32_t bad = 0;

	make_keys();
	REQUIRE(flowtab_init(&t, N) == 0);
	for (uint32_t s = 0; s < 4 * N; s++) {
		uint32_t i = rnd() % N;

		if (rnd() & 1) {
			int want = in[i] ? -EEXIST : 0;

			bad += flowtab_insert(&t, i, &keys[i]) != want;
			in[i] = true;
		} else {
			bad += flowtab_remove(&t, i) != in[i];
			in[i] = false;
		}
		bad += !step_ok(&t, i);
	}
	CHECK_EQ(bad, 0);
	CHECK(all_ok(&t));
	flowtab_free(&t);
}

/* An index inserted twice (a stale install) once linked a chain to itself
 * and flowtab_find never returned; a key held by another index, an index
 * out of range and a remove of an index not in the table are refused too. */
static void test_flowtab_refuses_misuse(void)
{
	struct flow_key a = { .raddr = 1, .rport = 2, .lport = 3 };
	struct flow_key b = { .raddr = 4, .rport = 5, .lport = 6 };
	struct flow_key c = { .raddr = 7, .rport = 8, .lport = 9 };
	struct flowtab t;

	REQUIRE(flowtab_init(&t, 4) == 0);
	CHECK_EQ(flowtab_insert(&t, 0, &a), 0);
	CHECK_EQ(flowtab_insert(&t, 1, &b), 0);
	CHECK_EQ(flowtab_insert(&t, 1, &b), -EEXIST);  /* same index, same key */
	CHECK_EQ(flowtab_insert(&t, 0, &c), -EEXIST);  /* same index, other key */
	CHECK_EQ(flowtab_insert(&t, 2, &a), -EEXIST);  /* key held by 0 */
	CHECK_EQ(flowtab_insert(&t, 4, &c), -EINVAL);
	CHECK_EQ(flowtab_find(&t, &c), FLOWTAB_NONE);  /* ends: no self-loop */
	CHECK_EQ(flowtab_find(&t, &a), 0);
	CHECK_EQ(flowtab_find(&t, &b), 1);
	CHECK(!flowtab_remove(&t, 3));
	CHECK(!flowtab_remove(&t, 9));
	CHECK(flowtab_remove(&t, 1));
	CHECK(!flowtab_remove(&t, 1));
	CHECK_EQ(flowtab_find(&t, &b), FLOWTAB_NONE);
	CHECK_EQ(flowtab_find(&t, &a), 0);
	CHECK_EQ(t.count, 1);
	flowtab_free(&t);
	/* one bucket: every key shares the chain the double insert made */
	REQUIRE(flowtab_init(&t, 1) == 0);
	CHECK_EQ(flowtab_insert(&t, 0, &a), 0);
	CHECK_EQ(flowtab_insert(&t, 0, &a), -EEXIST);
	CHECK_EQ(flowtab_find(&t, &c), FLOWTAB_NONE);
	CHECK(flowtab_remove(&t, 0));
	CHECK_EQ(flowtab_find(&t, &a), FLOWTAB_NONE);
	flowtab_free(&t);
}

int main(void)
{
	alarm(60); /* a chain that never ends fails the test, not make test */
	RUN(test_flowtab_refuses_misuse);
	RUN(test_flowtab_64k_random_order);
	RUN(test_flowtab_random_mix);
	return check_summary();
}
