/*
 * long_lived: a flow still open far longer than its service's established
 * lifetime, such as a port held for forty minutes on a service every host
 * uses for seconds (a reverse shell on a short-lived port, ports.md 3.4
 * and (a) D6, D9).  Checked on each tick while the flow is open, not at
 * DESTROY; it escalates to critical as the flow keeps going.
 *
 * A service is known once min_samples of its flows ended; its p99 sets
 * the threshold: factor x p99, but at least min_age.  Services whose p99
 * exceeds max_p99 (push channels, VPNs, SSH) are not judged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ephemd.h"

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

static void
ll_tick(struct detect *d, uint64_t now_ms)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	struct core		*c = d->core;
	struct flowtab		*t = &c->flows;
	const struct svc	*s;
	const struct flow	*f;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];
	uint64_t		 age, limit, p99 = 0;
	size_t			 i;

	if (!lc->enabled)
		return;
	for (i = 0; i < t->cap; i++) {
		f = &t->slot[i];
		if (f->key == 0 || (f->fflags & (FF_START_UNKNOWN | FF_NO_SVC)))
			continue;
		s = &c->svcs.v[f->svc];
		if ((limit = ll_threshold_ms(lc, s, &p99)) == 0 ||
		    now_ms < f->start_ms || (age = now_ms - f->start_ms) < limit)
			continue;
		if (!core_flow_complete(c, f, now_ms))
			continue;	/* its DESTROY may have been lost */
		detect_alert_init(&a, d, f->host, now_ms,
		    age >= (uint64_t)lc->critical_s * 1000 ?
		    SEV_CRITICAL : SEV_WARNING, lc->action);
		addr_fmt(&a.host, addr, sizeof(addr));
		snprintf(a.summary, sizeof(a.summary), "host %s holds %s/%u "
		    "from port %u for %" PRIu64 " min; the service's flows "
		    "last %.1f s (p99 of %u flows)", addr, proto_name(s->proto),
		    s->port, f->sport, age / 60000, p99 / 1000.0, s->life.n);
		snprintf(a.evidence, sizeof(a.evidence), "{\"proto\": \"%s\", "
		    "\"dport\": %u, \"sport\": %u, \"age\": %.3f, "
		    "\"service_p99\": %.3f, \"service_samples\": %u, "
		    "\"threshold\": %.3f, \"factor\": %.1f, \"min_age\": %u, "
		    "\"started\": %.3f}", proto_name(s->proto), s->port, f->sport,
		    age / 1000.0, p99 / 1000.0, s->life.n, limit / 1000.0,
		    lc->factor, lc->min_age_s, f->start_ms / 1000.0);
		detect_raise(d, &detect_long_lived, &a);
	}
}

const struct detector_ops detect_long_lived = {
	.name = "long_lived",
	.tick = ll_tick,
};
