/*
 * long_lived: a flow still open far longer than its service's established
 * lifetime, such as a port held for forty minutes on a service every host
 * uses for seconds (a reverse shell on a short-lived port, ports.md 3.4
 * and (a) D6, D9).  Checked while the flow is open, not at DESTROY (once
 * a minute: the thresholds are minutes to hours); it escalates to
 * critical as the flow keeps going.
 *
 * A service is known once min_samples of its flows ended; its p99 sets
 * the threshold: factor x p99, but at least min_age.  Services whose p99
 * exceeds max_p99 (push channels, VPNs, SSH) are not judged.
 *
 * Ended flows alone understate a service's lifetimes: early on, only the
 * short ones have ended (the long ones are censored, still open).  So the
 * open flows count too: a flow is an outlier only if, besides it, at most
 * 1 % of the service's flows, ended or open, are as old as the threshold,
 * the share p99 leaves above it.  A service whose flows are all held for hours
 * (every phone's push channel) is then never judged on its own flows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define LL_EVERY_MS	60000	/* a pass over the open flows a minute */

/* The age from which a flow of this service is long-lived; 0: not judged. */
static uint64_t
ll_threshold_ms(const struct ll_conf *lc, const struct svc *s,
    uint64_t *ret_p99)
{
	uint64_t	p99, t;

	if (s->life.n < lc->min_samples)
		return 0;
	p99 = lhist_quantile(&s->life, 0.99);
	if (p99 > (uint64_t)lc->max_p99_s * 1000)
		return 0;
	t = (uint64_t)(lc->factor * (double)p99);
	if (t < (uint64_t)lc->min_age_s * 1000)
		t = (uint64_t)lc->min_age_s * 1000;
	*ret_p99 = p99;
	return t;
}

/*
 * Thresholds of every service; the open flows at least that old (the
 * candidates, by slot) and their count per service.
 */
static int
ll_prepare(struct detect *d, uint64_t now_ms)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	struct core		*c = d->core;
	const struct flow	*f;
	struct ll_svc		*v;
	uint32_t		*cand;
	size_t			 i, n = c->svcs.n;

	if (n > d->ll_cap) {
		if ((v = realloc(d->ll, n * sizeof(*v))) == NULL)
			return -1;
		d->ll = v;
		d->ll_cap = n;
	}
	for (i = 0; i < n; i++) {
		d->ll[i].old = 0;
		d->ll[i].limit_ms = ll_threshold_ms(lc, &c->svcs.v[i],
		    &d->ll[i].p99_ms);
	}
	d->ll_ncand = 0;
	for (i = 0; i < c->flows.nv; i++) {
		f = flowtab_at(&c->flows, i);
		if (f == NULL || (f->fflags & FF_NO_SVC) || f->svc >= n)
			continue;
		v = &d->ll[f->svc];
		if (v->limit_ms == 0 || now_ms < f->start_ms ||
		    now_ms - f->start_ms < v->limit_ms)
			continue;
		v->old++;	/* unknown starts too: they are old */
		if (f->fflags & FF_START_UNKNOWN)
			continue;
		if (d->ll_ncand == d->ll_candcap) {
			cand = realloc(d->ll_cand, (d->ll_candcap * 2 + 64) *
			    sizeof(*cand));
			if (cand == NULL)
				return -1;
			d->ll_cand = cand;
			d->ll_candcap = d->ll_candcap * 2 + 64;
		}
		d->ll_cand[d->ll_ncand++] = (uint32_t)i;
	}
	return 0;
}

static void
ll_alert(struct detect *d, const struct flow *f, const struct svc *s,
    const struct ll_svc *v, uint64_t now_ms, uint64_t age)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];

	detect_alert_init(&a, d, f->host, now_ms,
	    age >= (uint64_t)lc->critical_s * 1000 ? SEV_CRITICAL : SEV_WARNING,
	    lc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	snprintf(a.summary, sizeof(a.summary), "host %s holds %s/%u from port "
	    "%u for %" PRIu64 " min; the service's flows last %.1f s (p99 of "
	    "%u flows)", addr, timeouts_proto_name(s->proto), s->port, f->sport,
	    age / 60000, v->p99_ms / 1000.0, s->life.n);
	snprintf(a.evidence, sizeof(a.evidence), "{\"proto\": \"%s\", "
	    "\"dport\": %u, \"sport\": %u, \"age\": %.3f, \"service_p99\": %.3f, "
	    "\"service_samples\": %u, \"service_open_as_old\": %u, "
	    "\"threshold\": %.3f, \"factor\": %.1f, \"min_age\": %u, "
	    "\"started\": %.3f}", timeouts_proto_name(s->proto), s->port, f->sport,
	    age / 1000.0, v->p99_ms / 1000.0, s->life.n, v->old,
	    v->limit_ms / 1000.0, lc->factor, lc->min_age_s,
	    f->start_ms / 1000.0);
	detect_raise(d, &detect_long_lived, &a);
}

static void
ll_tick(struct detect *d, uint64_t now_ms)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	struct core		*c = d->core;
	const struct flow	*f;
	const struct ll_svc	*v;
	const struct svc	*s;
	uint64_t		 age;
	size_t			 i;

	if (!lc->enabled || now_ms < d->ll_next_ms)
		return;
	/* tick_s 0 (the unit tests): a pass on every call */
	d->ll_next_ms = now_ms + (d->conf->tick_s ? LL_EVERY_MS : 0);
	if (ll_prepare(d, now_ms) == -1)
		return;
	for (i = 0; i < d->ll_ncand; i++) {
		f = &c->flows.v[d->ll_cand[i]];
		v = &d->ll[f->svc];
		age = now_ms - f->start_ms;
		s = &c->svcs.v[f->svc];
		/*
		 * p99 leaves 1 % of the flows above it: no more may be old,
		 * besides this one (one flow is an outlier of any sample)
		 */
		if ((uint64_t)(v->old - 1) * 100 > (uint64_t)s->life.n + v->old)
			continue;
		if (!core_flow_complete(c, f, now_ms))
			continue;	/* its DESTROY may have been lost */
		ll_alert(d, f, s, v, now_ms, age);
	}
}

const struct detector_ops detect_long_lived = {
	.name = "long_lived",
	.tick = ll_tick,
};
