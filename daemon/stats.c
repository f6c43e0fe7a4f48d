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

/*
 * Counts in n + 1 bins split at edges[0..n-1] (ms, ascending): bin k holds
 * the buckets whose middle is in [edges[k-1], edges[k]).  A bucket is not
 * split, so an edge is as exact as the buckets (about 19 %).
 */
void
lhist_bins(const struct lhist *h, const uint64_t *edges, size_t n,
    uint64_t *out)
{
	size_t	b, k;

	memset(out, 0, (n + 1) * sizeof(*out));
	for (b = 0; b < LHIST_BUCKETS; b++) {
		if (h->c[b] == 0)
			continue;
		for (k = 0; k < n && lhist_value(b) >= edges[k]; k++)
			;
		out[k] += h->c[b];
	}
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

/*
 * Exponential decay of a histogram by factor f (ports.md section 7:
 * baselines follow slow drift).  Counts are integers, so each bucket is
 * rounded up or down at random, seeded for a replay to stay
 * deterministic; the expected count is exactly c x f.
 */
void
lhist_decay(struct lhist *h, double f, uint64_t seed)
{
	double		 x;
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < LHIST_BUCKETS; i++) {
		if (h->c[i] == 0)
			continue;
		x = h->c[i] * f + (double)(hash_mix64(seed + i) >> 11) *
		    0x1.0p-53;
		h->c[i] = (uint32_t)x;
		n += h->c[i];
	}
	h->n = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/*
 * Per-minute counts: exact below 8, then 4 buckets per power of two, up
 * to 2^13 a minute.  A sample weighs 256, so that decay keeps fractions.
 */
static size_t
rhist_bucket(uint32_t v)
{
	int	o;
	size_t	b;

	if (v < 8)
		return v;
	o = log2_floor(v);
	b = 8 + (size_t)(o - 3) * 4 + ((v >> (o - 2)) & 3);
	return b < RATE_BUCKETS ? b : RATE_BUCKETS - 1;
}

/* The lowest count of bucket b. */
static double
rhist_lower(size_t b)
{
	int	o;

	if (b < 8)
		return (double)b;
	o = (int)(b - 8) / 4 + 3;
	return (double)(1u << o) + (double)((b - 8) % 4) *
	    (double)(1u << (o - 2));
}

/* A bucket's middle. */
static double
rhist_value(size_t b)
{
	return b < 8 ? (double)b : (rhist_lower(b) + rhist_lower(b + 1)) / 2;
}

void
rhist_add(struct rhist *h, uint32_t v)
{
	uint32_t	*w = &h->w[rhist_bucket(v)];

	*w = *w > UINT32_MAX - 256 ? UINT32_MAX : *w + 256;
}

void
rhist_decay(struct rhist *h, double f)
{
	size_t	i;

	for (i = 0; i < RATE_BUCKETS; i++)
		h->w[i] = (uint32_t)(h->w[i] * f);
}

/*
 * The q-quantile of the minutes, as the upper edge of its bucket (so an
 * equal minute is below it).  0 when h is empty.
 */
uint32_t
rhist_quantile(const struct rhist *h, double q)
{
	double	total = 0, acc = 0;
	size_t	i;

	for (i = 0; i < RATE_BUCKETS; i++)
		total += h->w[i];
	if (total == 0)
		return 0;
	for (i = 0; i < RATE_BUCKETS; i++) {
		acc += h->w[i];
		if (acc >= q * total)
			break;
	}
	if (i >= RATE_BUCKETS - 1)
		return UINT32_MAX;
	return (uint32_t)rhist_lower(i + 1) - 1;
}

/* The weighted median of values v[] with weights w[] (n entries). */
static double
wmedian(const double *v, const double *w, size_t n)
{
	double	total = 0, acc = 0;
	size_t	i, j, order[RATE_BUCKETS];

	for (i = 0; i < n; i++) {
		order[i] = i;
		total += w[i];
	}
	for (i = 1; i < n; i++)		/* insertion sort, n <= 48 */
		for (j = i; j > 0 && v[order[j]] < v[order[j - 1]]; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		acc += w[order[i]];
		if (acc * 2 >= total)
			return v[order[i]];
	}
	return 0;
}

/*
 * The count above which a minute is an outlier: modified z-score
 * 0.6745 (x - median) / MAD > z (Iglewicz and Hoaglin, ports.md 7), with
 * MAD at least 1 and at least 5 % of the median (counts are discrete and
 * MAD is often 0), and never below floor.  0 when h is empty.
 */
uint32_t
rhist_limit(const struct rhist *h, double z, uint32_t floor_,
    uint32_t *ret_median, uint32_t *ret_mad)
{
	double	v[RATE_BUCKETS], w[RATE_BUCKETS], med, mad, lim;
	size_t	i, n = 0;

	for (i = 0; i < RATE_BUCKETS; i++)
		if (h->w[i] > 0) {
			v[n] = rhist_value(i);
			w[n++] = h->w[i];
		}
	if (n == 0)
		return 0;
	med = wmedian(v, w, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(v[i] - med);
	mad = wmedian(v, w, n);
	if (mad < 1)
		mad = 1;
	if (mad < 0.05 * med)
		mad = 0.05 * med;
	lim = med + z * mad / 0.6745;
	if (lim < floor_)
		lim = floor_;
	if (ret_median != NULL)
		*ret_median = (uint32_t)lround(med);
	if (ret_mad != NULL)
		*ret_mad = (uint32_t)lround(mad);
	return lim > UINT32_MAX ? UINT32_MAX : (uint32_t)lim;
}
