/*
 * Bounded streaming statistics (ports.md section 7): a log-bucket
 * histogram for durations, a time-weighted histogram for levels, and a
 * linear-counting sketch for distinct counts.  Fixed size, no allocation.
 */
#include <math.h>
#include <string.h>

#include "ephemd.h"

static int
log2_floor(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

/* Durations: exact below 4 ms, then 4 buckets per power of two. */
static size_t
lhist_bucket(uint64_t v)
{
	int	o;
	size_t	b;

	if (v < 4)
		return v;
	o = log2_floor(v);
	b = 4 + (size_t)(o - 2) * 4 + ((v >> (o - 2)) & 3);
	return b < LHIST_BUCKETS ? b : LHIST_BUCKETS - 1;
}

/* The middle of a bucket, the value a quantile reports. */
static uint64_t
lhist_value(size_t b)
{
	int		o;
	uint64_t	sub, lo, hi;

	if (b < 4)
		return b;
	o = (int)(b - 4) / 4 + 2;
	sub = (b - 4) % 4;
	lo = (4 + sub) << (o - 2);
	hi = (5 + sub) << (o - 2);
	return (lo + hi) / 2;
}

void
lhist_add(struct lhist *h, uint64_t v)
{
	size_t	b = lhist_bucket(v);

	if (h->n == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (h->c[b] != UINT32_MAX)
		h->c[b]++;
	if (h->n != UINT32_MAX)
		h->n++;
}

static uint64_t
clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Nearest-rank quantile: the middle of the bucket that holds it, kept
 * within the smallest and largest value seen; 0 for an empty histogram.
 */
uint64_t
lhist_quantile(const struct lhist *h, double q)
{
	uint64_t	rank, cum = 0;
	size_t		b;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)ceil(q * h->n);
	if (rank < 1)
		rank = 1;
	for (b = 0; b < LHIST_BUCKETS; b++) {
		cum += h->c[b];
		if (cum >= rank)
			return clamp(lhist_value(b), h->min, h->max);
	}
	return h->max;
}

/* Levels: exact below 32, then 4 buckets per power of two. */
static size_t
chist_bucket(uint32_t v)
{
	int	o;
	size_t	b;

	if (v < 32)
		return v;
	o = log2_floor(v);
	b = 32 + (size_t)(o - 5) * 4 + ((v >> (o - 2)) & 3);
	return b < CHIST_BUCKETS ? b : CHIST_BUCKETS - 1;
}

/* The lower edge of a bucket: a level held at least this high. */
static uint32_t
chist_value(size_t b)
{
	int		o;
	uint32_t	sub;

	if (b < 32)
		return b;
	o = (int)(b - 32) / 4 + 5;
	sub = (b - 32) % 4;
	return (4 + sub) << (o - 2);
}

void
chist_add(struct chist *h, uint32_t level, uint64_t ms)
{
	h->w[chist_bucket(level)] += ms;
	h->total += ms;
}

uint32_t
chist_quantile(const struct chist *h, double q)
{
	uint64_t	cum = 0;
	double		target = q * (double)h->total;
	size_t		b;

	if (h->total == 0)
		return 0;
	for (b = 0; b < CHIST_BUCKETS; b++) {
		cum += h->w[b];
		if (cum > 0 && (double)cum >= target)
			return chist_value(b);
	}
	return chist_value(CHIST_BUCKETS - 1);
}

void
lcount_add(struct lcount *c, uint64_t hash)
{
	unsigned	bit = hash % LCOUNT_BITS;

	c->w[bit / 64] |= 1ULL << (bit % 64);
}

/* Linear counting (Whang et al.): n = m ln(m / zero bits). */
uint32_t
lcount_estimate(const struct lcount *c)
{
	unsigned	set = 0, i;
	double		m = LCOUNT_BITS;

	for (i = 0; i < LCOUNT_BITS / 64; i++)
		set += __builtin_popcountll(c->w[i]);
	if (set == LCOUNT_BITS)
		set = LCOUNT_BITS - 1;	/* saturated: report the ceiling */
	return (uint32_t)lround(m * log(m / (m - set)));
}

void
lcount_clear(struct lcount *c)
{
	memset(c, 0, sizeof(*c));
}
