/*
 * Unit tests for stats.c: the log-bucket duration histogram (lhist), the
 * time-weighted level histogram (chist) and the distinct-count sketch
 * (lcount).
 *
 * lhist buckets: v < 4 exact; for v >= 4 with o = floor(log2 v) the bucket
 * is [(4 + s) 2^(o-2), (5 + s) 2^(o-2)), s = 0..3, and a quantile reports
 * its middle, kept within the smallest and largest value seen.  chist: exact
 * below 32, then the same buckets, reported by their lower edge.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void
lhist_addn(struct lhist *h, uint64_t v, unsigned n)
{
	while (n-- > 0)
		lhist_add(h, v);
}

/*
 * The quantile that a histogram {0, v, UINT64_MAX} reports for its median:
 * the middle of v's bucket, with the clamp out of the way.
 */
static uint64_t
middle_of(uint64_t v)
{
	struct lhist	h;

	memset(&h, 0, sizeof(h));
	lhist_add(&h, 0);
	lhist_add(&h, v);
	lhist_add(&h, UINT64_MAX);
	return lhist_quantile(&h, 0.5);
}

START_TEST(test_lhist_exact)
{
	struct lhist	h;
	uint64_t	v;

	for (v = 0; v < 4; v++) {
		memset(&h, 0, sizeof(h));
		lhist_add(&h, v);
		ck_assert_uint_eq(lhist_quantile(&h, 0.5), v);
		ck_assert_uint_eq(middle_of(v), v);
	}

	/* 10 x 0, 20 x 1, 30 x 2, 40 x 3: cumulative 10, 30, 60, 100 */
	memset(&h, 0, sizeof(h));
	lhist_addn(&h, 3, 40);
	lhist_addn(&h, 1, 20);
	lhist_addn(&h, 0, 10);
	lhist_addn(&h, 2, 30);
	ck_assert_uint_eq(h.n, 100);
	ck_assert_uint_eq(h.c[0], 10);
	ck_assert_uint_eq(h.c[1], 20);
	ck_assert_uint_eq(h.c[2], 30);
	ck_assert_uint_eq(h.c[3], 40);
	ck_assert_uint_eq(lhist_quantile(&h, 0.05), 0);
	ck_assert_uint_eq(lhist_quantile(&h, 0.2), 1);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 2);
	ck_assert_uint_eq(lhist_quantile(&h, 0.75), 3);
	ck_assert_uint_eq(lhist_quantile(&h, 1.0), 3);
	ck_assert_uint_eq(h.min, 0);
	ck_assert_uint_eq(h.max, 3);
}
END_TEST

START_TEST(test_lhist_bucket_middle)
{
	static const struct {
		uint64_t	v, mid;
	} t[] = {
		{ 4, 4 }, { 5, 5 }, { 6, 6 }, { 7, 7 },	/* width 1 */
		{ 8, 9 }, { 9, 9 }, { 10, 11 }, { 15, 15 },	/* [8,10) .. */
		{ 16, 18 }, { 19, 18 }, { 20, 22 },	/* [16,20) [20,24) */
		{ 896, 960 }, { 1023, 960 },		/* [896,1024) */
		{ 1024, 1152 }, { 1279, 1152 },		/* [1024,1280) */
		{ 60000, 61440 },			/* [57344,65536) */
		{ 120000, 122880 },			/* [114688,131072) */
		{ 1ULL << 31, 2415919104ULL },		/* [2^31,5*2^29) */
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(middle_of(t[i].v) == t[i].mid,
		    "%llu reported as %llu, want %llu",
		    (unsigned long long)t[i].v,
		    (unsigned long long)middle_of(t[i].v),
		    (unsigned long long)t[i].mid);
}
END_TEST

/* The middle of a bucket is kept within the values seen. */
START_TEST(test_lhist_clamp)
{
	struct lhist	h;

	memset(&h, 0, sizeof(h));
	lhist_add(&h, 1000);
	ck_assert_uint_eq(h.min, 1000);
	ck_assert_uint_eq(h.max, 1000);
	ck_assert_uint_eq(lhist_quantile(&h, 0.0), 1000);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 1000);
	ck_assert_uint_eq(lhist_quantile(&h, 1.0), 1000);

	/* both in [896,1024), middle 960: clamped down to the largest */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, 901);
	lhist_add(&h, 900);
	ck_assert_uint_eq(h.min, 900);
	ck_assert_uint_eq(h.max, 901);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 901);

	/* ... and up to the smallest */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, 1010);
	lhist_add(&h, 1000);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 1000);
	ck_assert_uint_eq(lhist_quantile(&h, 1.0), 1000);

	/* a middle inside [min, max] is reported as is */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, 896);
	lhist_add(&h, 1023);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 960);
}
END_TEST

/* 1..100 in a scrambled order, nearest rank. */
START_TEST(test_lhist_known_data)
{
	struct lhist	h;
	uint64_t	i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < 100; i++)
		lhist_add(&h, (i * 37) % 100 + 1);	/* 37 is prime to 100 */
	ck_assert_uint_eq(h.n, 100);
	ck_assert_uint_eq(h.min, 1);
	ck_assert_uint_eq(h.max, 100);
	ck_assert_uint_eq(lhist_quantile(&h, 0.0), 1);	/* rank 1 */
	ck_assert_uint_eq(lhist_quantile(&h, 0.005), 1);
	ck_assert_uint_eq(lhist_quantile(&h, 0.025), 3);	/* exact */
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 52);	/* 50 in [48,56) */
	ck_assert_uint_eq(lhist_quantile(&h, 0.9), 88);	/* 90 in [80,96) */
	/* 99 in [96,112): middle 104, above the largest value 100 */
	ck_assert_uint_eq(lhist_quantile(&h, 0.99), 100);
	ck_assert_uint_eq(lhist_quantile(&h, 1.0), 100);
}
END_TEST

static void
check_error(uint64_t v, double *worst)
{
	uint64_t	q = middle_of(v);
	double		e = fabs((double)q - (double)v) / (double)v;

	ck_assert_msg(e <= 0.125, "%llu reported as %llu: error %.4f",
	    (unsigned long long)v, (unsigned long long)q, e);
	if (e > *worst)
		*worst = e;
}

/* Four buckets per octave: the middle is within 1/8 of any value. */
START_TEST(test_lhist_relative_error)
{
	double		v, worst = 0;
	uint64_t	p, s;

	for (v = 4; v <= 1e9; v *= 1.0007)
		check_error((uint64_t)v, &worst);
	check_error(1000000000, &worst);
	/* every bucket edge up to 2^30 and its neighbours */
	for (p = 4; p <= 1ULL << 29; p *= 2)
		for (s = 4; s < 8; s++) {
			check_error(s * p / 4, &worst);
			check_error(s * p / 4 - 1, &worst);
			check_error(s * p / 4 + 1, &worst);
		}
	/* the lower edge of a bucket wider than 2 is the worst case */
	ck_assert_double_eq_tol(worst, 0.125, 1e-9);
}
END_TEST

START_TEST(test_lhist_huge)
{
	static const uint64_t	huge[] = {
		UINT64_MAX, 1ULL << 40, 1000000000000ULL, 1ULL << 33,
		6ULL << 30,
	};
	struct lhist		h;
	size_t			i;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++)
		lhist_add(&h, huge[i]);
	ck_assert_uint_eq(h.c[LHIST_BUCKETS - 1], 5);
	ck_assert_uint_eq(h.n, 5);
	ck_assert_uint_eq(h.max, UINT64_MAX);
	ck_assert_uint_eq(h.min, 6ULL << 30);

	/* a lone huge value is reported as itself */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, UINT64_MAX);
	ck_assert_uint_eq(h.c[LHIST_BUCKETS - 1], 1);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), UINT64_MAX);

	/* beyond the documented 2^31 ms, within the values seen */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, 1);
	lhist_add(&h, UINT64_MAX);
	ck_assert_uint_ge(lhist_quantile(&h, 1.0), 1ULL << 31);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 1);

	/* counts saturate instead of wrapping */
	memset(&h, 0, sizeof(h));
	lhist_add(&h, 5);
	h.c[5] = UINT32_MAX - 1;
	h.n = UINT32_MAX - 1;
	lhist_addn(&h, 5, 3);
	ck_assert_uint_eq(h.c[5], UINT32_MAX);
	ck_assert_uint_eq(h.n, UINT32_MAX);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 5);
}
END_TEST

START_TEST(test_lhist_empty)
{
	struct lhist	h;

	memset(&h, 0, sizeof(h));
	ck_assert_uint_eq(lhist_quantile(&h, 0.0), 0);
	ck_assert_uint_eq(lhist_quantile(&h, 0.5), 0);
	ck_assert_uint_eq(lhist_quantile(&h, 1.0), 0);
}
END_TEST

START_TEST(test_chist_time_weighted)
{
	struct chist	h;
	int		i;

	/* level 1 for 90 ms, level 50 for 10 ms; 50 is in [48,56) */
	memset(&h, 0, sizeof(h));
	chist_add(&h, 50, 10);
	chist_add(&h, 1, 90);
	ck_assert_uint_eq(h.total, 100);
	ck_assert_uint_eq(chist_quantile(&h, 0.0), 1);
	ck_assert_uint_eq(chist_quantile(&h, 0.5), 1);
	ck_assert_uint_eq(chist_quantile(&h, 0.95), 48);
	ck_assert_uint_eq(chist_quantile(&h, 1.0), 48);

	/* the same in pieces */
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 9; i++)
		chist_add(&h, 1, 10);
	chist_add(&h, 50, 4);
	chist_add(&h, 50, 6);
	ck_assert_uint_eq(chist_quantile(&h, 0.5), 1);
	ck_assert_uint_eq(chist_quantile(&h, 0.95), 48);

	/* time at level 0 counts like any other */
	memset(&h, 0, sizeof(h));
	chist_add(&h, 0, 60);
	chist_add(&h, 3, 40);
	ck_assert_uint_eq(chist_quantile(&h, 0.5), 0);
	ck_assert_uint_eq(chist_quantile(&h, 0.75), 3);
}
END_TEST

START_TEST(test_chist_buckets)
{
	static const struct {
		uint32_t	level, edge;
	} t[] = {
		{ 32, 32 }, { 39, 32 }, { 40, 40 }, { 47, 40 }, { 48, 48 },
		{ 55, 48 }, { 56, 56 }, { 63, 56 }, { 64, 64 }, { 79, 64 },
		{ 80, 80 }, { 1000, 896 }, { 1024, 1024 },
	};
	struct chist	h;
	uint32_t	l;
	size_t		i;

	for (l = 0; l < 32; l++) {
		memset(&h, 0, sizeof(h));
		chist_add(&h, l, 10);
		ck_assert_uint_eq(chist_quantile(&h, 0.5), l);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&h, 0, sizeof(h));
		chist_add(&h, t[i].level, 10);
		ck_assert_msg(chist_quantile(&h, 0.5) == t[i].edge,
		    "level %u reported as %u, want %u", t[i].level,
		    chist_quantile(&h, 0.5), t[i].edge);
	}
}
END_TEST

START_TEST(test_chist_empty_and_huge)
{
	struct chist	h;
	uint32_t	q;

	memset(&h, 0, sizeof(h));
	ck_assert_uint_eq(chist_quantile(&h, 0.5), 0);
	ck_assert_uint_eq(chist_quantile(&h, 1.0), 0);
	/* no time spent: still empty */
	chist_add(&h, 7, 0);
	ck_assert_uint_eq(h.total, 0);
	ck_assert_uint_eq(chist_quantile(&h, 0.5), 0);

	chist_add(&h, UINT32_MAX, 5);
	ck_assert_uint_eq(h.w[CHIST_BUCKETS - 1], 5);
	q = chist_quantile(&h, 0.5);
	ck_assert_uint_gt(q, 1000000);
	ck_assert_uint_eq(chist_quantile(&h, 1.0), q);
}
END_TEST

START_TEST(test_lcount_small)
{
	struct lcount	c;
	uint64_t	i;
	uint32_t	e;

	memset(&c, 0, sizeof(c));
	ck_assert_uint_eq(lcount_estimate(&c), 0);
	lcount_add(&c, hash_mix64(1));
	ck_assert_uint_eq(lcount_estimate(&c), 1);
	lcount_add(&c, hash_mix64(1));
	ck_assert_uint_eq(lcount_estimate(&c), 1);

	memset(&c, 0, sizeof(c));
	for (i = 1; i <= 10; i++)
		lcount_add(&c, hash_mix64(i));
	e = lcount_estimate(&c);
	ck_assert_msg(e >= 9 && e <= 11, "10 distinct estimated as %u", e);

	lcount_clear(&c);
	ck_assert_uint_eq(lcount_estimate(&c), 0);
	for (i = 1; i <= 100; i++)
		lcount_add(&c, hash_mix64(i));
	e = lcount_estimate(&c);
	ck_assert_msg(e >= 90 && e <= 110, "100 distinct estimated as %u", e);
	/* repeats do not count */
	for (i = 1; i <= 100; i++)
		lcount_add(&c, hash_mix64(i));
	ck_assert_uint_eq(lcount_estimate(&c), e);
}
END_TEST

START_TEST(test_lcount_saturation)
{
	/* every bit set: the ceiling m ln m = 512 ln 512 = 3194.02 */
	const uint32_t	ceiling = 3194;
	struct lcount	c;
	uint64_t	i;
	unsigned	w;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < LCOUNT_BITS; i++)
		lcount_add(&c, i);
	for (w = 0; w < LCOUNT_BITS / 64; w++)
		ck_assert_uint_eq(c.w[w], UINT64_MAX);
	ck_assert_uint_eq(lcount_estimate(&c), ceiling);

	lcount_clear(&c);
	for (i = 0; i < 1000000; i++)
		lcount_add(&c, hash_mix64(i));
	ck_assert_uint_eq(lcount_estimate(&c), ceiling);
	lcount_add(&c, UINT64_MAX);
	ck_assert_uint_eq(lcount_estimate(&c), ceiling);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "lhist", NULL, NULL, {
		    test_lhist_exact, test_lhist_bucket_middle,
		    test_lhist_clamp, test_lhist_known_data,
		    test_lhist_relative_error, test_lhist_huge,
		    test_lhist_empty, NULL } },
		{ "chist", NULL, NULL, {
		    test_chist_time_weighted, test_chist_buckets,
		    test_chist_empty_and_huge, NULL } },
		{ "lcount", NULL, NULL, {
		    test_lcount_small, test_lcount_saturation, NULL } },
	};

	return t_main("stats", tcases, T_N(tcases));
}
