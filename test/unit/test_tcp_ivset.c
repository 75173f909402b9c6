/* SPDX-License-Identifier: MIT */
/* Sequence interval sets (tcp_ivset.c): sorted, disjoint, merged when they
 * touch, correct across sequence-number wrap (RFC 9293 3.4 arithmetic). */
#include "check.h"
#include "core/tcp.h"

static void test_ivset_merge_and_order(void)
{
	struct tcp_ivset v = { 0 };

	CHECK(tcp_ivset_add(&v, 50, 60));
	CHECK(tcp_ivset_add(&v, 10, 20));
	CHECK(tcp_ivset_add(&v, 30, 40));
	CHECK_EQ(v.n, 3);
	CHECK_EQ(v.iv[0].start, 10);
	CHECK(tcp_ivset_add(&v, 20, 30)); /* touches both sides */
	CHECK_EQ(v.n, 2);
	CHECK_EQ(v.iv[0].end, 40);
	CHECK(tcp_ivset_add(&v, 35, 55)); /* overlaps two */
	CHECK_EQ(v.n, 1);
	CHECK_EQ(v.iv[0].start, 10);
	CHECK_EQ(v.iv[0].end, 60);
	CHECK(!tcp_ivset_add(&v, 70, 70)); /* empty */
}

static void test_ivset_full_refuses_new(void)
{
	struct tcp_ivset v = { 0 };

	for (uint32_t i = 0; i < TCP_IVSET_MAX; i++)
		CHECK(tcp_ivset_add(&v, 100 * i + 10, 100 * i + 20));
	CHECK(!tcp_ivset_add(&v, 0, 5));
	CHECK(tcp_ivset_add(&v, 5, 10)); /* touching still merges */
	CHECK_EQ(v.iv[0].start, 5);
}

static void test_ivset_find_gap_trim_wrap(void)
{
	struct tcp_ivset v = { 0 };
	uint32_t base = 0xfffffff0u;

	CHECK(tcp_ivset_add(&v, base + 4, base + 20)); /* wraps past 0 */
	CHECK(tcp_ivset_add(&v, base + 30, base + 40));
	CHECK_EQ(tcp_ivset_find(&v, base + 19), 0);
	CHECK_EQ(tcp_ivset_find(&v, base + 20), -1);
	CHECK_EQ(tcp_ivset_gap(&v, base, base + 100), base + 4);
	CHECK_EQ(tcp_ivset_gap(&v, base + 20, base + 25), base + 25);
	tcp_ivset_trim(&v, base + 10);
	CHECK_EQ(v.iv[0].start, base + 10);
	tcp_ivset_trim(&v, base + 35);
	CHECK_EQ(v.n, 1);
	CHECK_EQ(v.iv[0].start, base + 35);
}

/* tcp_ivset_take: ends, middles (a split), several intervals, across wrap */
static void test_ivset_take(void)
{
	struct tcp_ivset v = { 0 };

	tcp_ivset_add(&v, 10, 20);
	tcp_ivset_add(&v, 30, 40);
	tcp_ivset_take(&v, 12, 15); /* split */
	CHECK_EQ(v.n, 3);
	CHECK_EQ(v.iv[0].end, 12);
	CHECK_EQ(v.iv[1].start, 15);
	tcp_ivset_take(&v, 18, 35); /* tail of one, head of the next */
	CHECK_EQ(v.n, 3);
	CHECK_EQ(v.iv[1].end, 18);
	CHECK_EQ(v.iv[2].start, 35);
	tcp_ivset_take(&v, 0, 100); /* all */
	CHECK_EQ(v.n, 0);
	tcp_ivset_add(&v, 0xfffffff0u, 0x10);
	tcp_ivset_take(&v, 0xfffffff8u, 0x8);
	CHECK_EQ(v.n, 2);
	CHECK_EQ(v.iv[0].end, 0xfffffff8u);
	CHECK_EQ(v.iv[1].start, 0x8);
}

int main(void)
{
	RUN(test_ivset_merge_and_order);
	RUN(test_ivset_full_refuses_new);
	RUN(test_ivset_find_gap_trim_wrap);
	RUN(test_ivset_take);
	return check_summary();
}
