/*
 * Random streams: splitmix64 seeds xoshiro256** streams, one per host,
 * per injector, per telemetry schedule and one for the gateway.  The
 * generators themselves (rng_next, rng_unif, rng_below, rng_range) are
 * inline in gen.h; the distributions drawn from them are here.
 */

#include <math.h>

#include "gen.h"

static uint64_t
splitmix64(uint64_t *x)
{
	*x += 0x9e3779b97f4a7c15ULL;
	return rng_mix64(*x);
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

double
rng_exp(struct rng *r, double mean)
{
	return -mean * log(1.0 - rng_unif(r));
}

static double
rng_normal(struct rng *r)
{
	double u1, u2;

	u1 = 1.0 - rng_unif(r);
	u2 = rng_unif(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double
rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

/* number of failures before the first success, given the mean */
uint32_t
rng_geometric(struct rng *r, double mean)
{
	double p = 1.0 / (1.0 + mean), x;

	x = floor(log(1.0 - rng_unif(r)) / log(1.0 - p));
	return x > 1e6 ? 1000000 : (uint32_t)x;
}

uint32_t
rng_poisson(struct rng *r, double lambda)
{
	double l = exp(-lambda), p = 1.0;
	uint32_t k = 0;

	for (;;) {
		p *= rng_unif(r);
		if (p <= l)
			return k;
		k++;
	}
}

/* log-uniform in [lo, hi) */
double
rng_logu(struct rng *r, double lo, double hi)
{
	return lo * pow(hi / lo, rng_unif(r));
}
