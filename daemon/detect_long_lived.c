/*
 * long_lived: a flow still open far longer than its service's established
 * lifetime, such as a port held for forty minutes on a service every host
 * uses for seconds (a reverse shell on a short-lived port, ports.md 3.4
 * and (a) D6, D9).  Checked while the flow is open, not at DESTROY
 * (every 30 s: live, a flow is judged from probe_age, 2 minutes); it
 * escalates to critical as the flow keeps going.
 *
 * A service is known once min_samples of its flows ended; its p99 sets
 * the threshold: factor x p99, but at least min_age.  Services whose p99
 * exceeds max_p99 (push channels, VPNs, SSH) are not judged.  Live, the
 * floor is probe_age: a younger flow than min_age is asked about (a
 * conntrack GET by its tuple, one per candidate a pass) and raises only
 * when the kernel has it ESTABLISHED with a packet within probe_idle; a
 * flow in TIME_WAIT or idle looks open here but is not a session.
 *
 * Ended flows alone understate a service's lifetimes: early on, only the
 * short ones have ended (the long ones are censored, still open).  So the
 * open flows count too: a flow is an outlier only if, besides it, at most
 * 1 % of the service's flows, ended or open, are as old as the threshold,
 * the share p99 leaves above it.  A service whose flows are all held for hours
 * (every phone's push channel) is then never judged on its own flows.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define LL_EVERY_MS	30000	/* a pass over the open flows every 30 s */

/* The youngest a long-lived flow can be: the kernel can tell it earlier. */
static uint64_t
ll_floor_ms(const struct detect *d)
{
	const struct ll_conf	*lc = &d->conf->long_lived;

	if (d->probe != NULL && lc->probe_age_s != 0 &&
	    lc->probe_age_s < lc->min_age_s)
		return (uint64_t)lc->probe_age_s * 1000;
	return (uint64_t)lc->min_age_s * 1000;
}

/* The age from which a flow of this service is long-lived; 0: not judged. */
static uint64_t
ll_threshold_ms(const struct detect *d, const struct svc *s,
    uint64_t *ret_p99)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	uint64_t		 p99, t, floor = ll_floor_ms(d);

	if (s->life.n < lc->min_samples)
		return 0;
	p99 = lhist_quantile(&s->life, 0.99);
	if (p99 > (uint64_t)lc->max_p99_s * 1000)
		return 0;
	t = (uint64_t)(lc->factor * (double)p99);
	if (t < floor)
		t = floor;
	*ret_p99 = p99;
	return t;
}

#define LL_NOT_LIVE	UINT32_MAX	/* ll_idle: not a session in use */
#define LL_PROBES	256		/* kernel questions a pass, at most */

/*
 * A candidate younger than min_age (live only): the kernel says whether
 * it is a session in use, ESTABLISHED (or for UDP any state) with a
 * packet within probe_idle, and its idle seconds; a flow in TIME_WAIT,
 * closing, idle or gone is LL_NOT_LIVE.
 */
static uint32_t
ll_probe(struct detect *d, const struct flow *f)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	uint32_t		 idle;
	int			 state;

	d->probes++;
	if (d->probe(d->probe_arg, f, &state, &idle) != 1 ||
	    (f->proto == IPPROTO_TCP && state != CTS_ESTABLISHED) ||
	    idle > lc->probe_idle_s)
		return LL_NOT_LIVE;
	return idle;
}

/*
 * Live: ask about the candidates younger than min_age (LL_PROBES a pass
 * at most); a service's old flows are then those the kernel has as
 * sessions, those min_age old and those of unknown start.  Flows in
 * TIME_WAIT look open for two minutes after their close: without the
 * kernel they would make every busy service look like one whose flows
 * are all held.
 */
static void
ll_ask(struct detect *d, uint64_t now_ms)
{
	const struct ll_conf	*lc = &d->conf->long_lived;
	const struct flow	*f;
	struct ll_svc		*v;
	size_t			 i, asked = 0;

	for (i = 0; i < d->ll_ncand; i++) {
		f = &d->core->flows.v[d->ll_cand[i]];
		v = &d->ll[f->svc];
		if (now_ms - f->start_ms >= (uint64_t)lc->min_age_s * 1000) {
			d->ll_idle[i] = 0;	/* old enough without */
			v->old_live++;
		} else if (asked++ < LL_PROBES &&
		    (d->ll_idle[i] = ll_probe(d, f)) != LL_NOT_LIVE)
			v->old_live++;
		else
			d->ll_idle[i] = LL_NOT_LIVE;
	}
}

/*
 * Thresholds of every service; the open flows at least that old (the
 * candidates, by slot) and their count per service.
 */
static int
ll_prepare(struct detect *d, uint64_t now_ms)
{
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
		d->ll[i].old = d->ll[i].old_live = 0;
		d->ll[i].limit_ms = ll_threshold_ms(d, &c->svcs.v[i],
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
		if (f->fflags & FF_START_UNKNOWN) {
			v->old_live++;
			continue;
		}
		if (d->ll_ncand == d->ll_candcap) {
			size_t cap = d->ll_candcap * 2 + 64;

			if ((cand = realloc(d->ll_cand, cap *
			    sizeof(*cand))) == NULL)
				return -1;
			d->ll_cand = cand;
			if ((cand = realloc(d->ll_idle, cap *
			    sizeof(*cand))) == NULL)
				return -1;
			d->ll_idle = cand;
			d->ll_candcap = cap;
		}
		d->ll_cand[d->ll_ncand++] = (uint32_t)i;
	}
	return 0;
}

static void
ll_alert(struct detect *d, const struct flow *f, const struct svc *s,
    const struct ll_svc *v, uint64_t now_ms, uint64_t age, const char *kern)
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
	    "%u flows)%s%s", addr, timeouts_proto_name(s->proto), s->port,
	    f->sport, age / 60000, v->p99_ms / 1000.0, s->life.n,
	    kern[0] ? "; the kernel: " : "", kern);
	snprintf(a.evidence, sizeof(a.evidence), "{\"proto\": \"%s\", "
	    "\"dport\": %u, \"sport\": %u, \"age\": %.3f, \"service_p99\": %.3f, "
	    "\"service_samples\": %u, \"service_open_as_old\": %u, "
	    "\"threshold\": %.3f, \"factor\": %.1f, \"min_age\": %u, "
	    "\"started\": %.3f, \"kernel\": \"%s\"}",
	    timeouts_proto_name(s->proto), s->port, f->sport, age / 1000.0,
	    v->p99_ms / 1000.0, s->life.n, v->old, v->limit_ms / 1000.0,
	    lc->factor, lc->min_age_s, f->start_ms / 1000.0, kern);
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
	uint32_t		 old;
	size_t			 i;
	char			 kern[64];

	if (!lc->enabled || now_ms < d->ll_next_ms)
		return;
	/* tick_s 0 (the unit tests): a pass on every call */
	d->ll_next_ms = time_add(now_ms, d->conf->tick_s ? LL_EVERY_MS : 0);
	if (ll_prepare(d, now_ms) == -1)
		return;
	if (d->probe != NULL)
		ll_ask(d, now_ms);
	for (i = 0; i < d->ll_ncand; i++) {
		f = &c->flows.v[d->ll_cand[i]];
		v = &d->ll[f->svc];
		age = now_ms - f->start_ms;
		s = &c->svcs.v[f->svc];
		old = d->probe != NULL ? v->old_live : v->old;
		/*
		 * p99 leaves 1 % of the flows above it: no more may be old,
		 * besides this one (one flow is an outlier of any sample)
		 */
		if ((uint64_t)(old - 1) * 100 > (uint64_t)s->life.n + old)
			continue;
		if (!core_flow_complete(c, f, now_ms))
			continue;	/* its DESTROY may have been lost */
		kern[0] = '\0';
		if (age < (uint64_t)lc->min_age_s * 1000) {
			/* too young to tell without the kernel */
			if (d->probe == NULL || d->ll_idle[i] == LL_NOT_LIVE)
				continue;
			snprintf(kern, sizeof(kern), "%s, last packet %u s "
			    "ago", f->proto == IPPROTO_TCP ? "established" :
			    "open", d->ll_idle[i]);
		}
		ll_alert(d, f, s, v, now_ms, age, kern);
	}
}

const struct detector_ops detect_long_lived = {
	.name = "long_lived",
	.tick = ll_tick,
};
