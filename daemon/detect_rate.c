/*
 * rate: new flows a minute far above the host's own baseline and above an
 * absolute floor (ports.md 7 and (a) D5).  A minute is an outlier when its
 * count x has a modified z-score 0.6745 (x - median) / MAD above z against
 * the host's earlier active minutes, and x is at least min_rate.  The
 * limit for a minute is computed when it starts, so a surge raises while
 * it happens, not when the minute is over.
 *
 * Until a host has its own baseline (learning, or fewer than min_minutes
 * active minutes) it is judged against the population's minutes.  A
 * minute that raised is not learned (a host in alert does not poison its
 * baseline).  Baselines decay with the half-life.
 */
#include <stdio.h>
#include <string.h>

#include "detect.h"

static void
rate_alert(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f, bool own)
{
	const struct rate_conf	*rc = &d->conf->rate;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];
	uint32_t		 med = hd->rate_med, mad = hd->rate_mad;

	if (!core_complete(d->core, hd->rate_minute * 60000, ev->ts_ms))
		return;
	detect_alert_init(&a, d, f->host, ev->ts_ms,
	    hd->rate_count >= 10 * hd->rate_limit ? SEV_CRITICAL : SEV_WARNING,
	    rc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	snprintf(a.summary, sizeof(a.summary), "host %s opened %u flows "
	    "this minute; its %s minutes have median %u, MAD %u (limit %u)",
	    addr, hd->rate_count, own ? "own" : "population's", med, mad,
	    hd->rate_limit);
	snprintf(a.evidence, sizeof(a.evidence), "{\"flows\": %u, "
	    "\"limit\": %u, \"baseline\": \"%s\", \"median\": %u, "
	    "\"mad\": %u, \"z\": %.2f, \"min_rate\": %u, \"minutes\": %u, "
	    "\"last_dst_port\": %u}", hd->rate_count, hd->rate_limit,
	    own ? "host" : "population", med, mad, rc->z, rc->min_rate,
	    own ? hd->rate_minutes : d->pop_minutes, ev->dport);
	detect_raise(d, &detect_rate, &a);
}

/* Whether the host is judged on its own minutes. */
static bool
rate_own(const struct detect *d, const struct hdet *hd)
{
	return hd->learned_ms != 0 &&
	    hd->rate_minutes >= d->conf->rate.min_minutes;
}

static void
rate_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct rate_conf	*rc = &d->conf->rate;
	uint64_t		 minute = ev->ts_ms / 60000;

	if (!rc->enabled)
		return;
	if (minute != hd->rate_minute) {
		/*
		 * The last active minute enters the baselines, unless it
		 * was an outlier of the host's own baseline: a host still
		 * learning learns every minute, whatever the population's
		 * limit said.
		 */
		if (hd->rate_count > 0 && !(hd->rate_own &&
		    hd->rate_limit != 0 && hd->rate_count > hd->rate_limit)) {
			rhist_add(&hd->rate, hd->rate_count);
			rhist_add(&d->pop_rate, hd->rate_count);
			if (hd->rate_minutes < UINT32_MAX)
				hd->rate_minutes++;
			d->pop_minutes++;
		}
		hd->rate_minute = minute;
		hd->rate_count = 0;
		/*
		 * A baseline of many minutes barely moves in one: the
		 * host's limit is recomputed every 8 of its minutes, the
		 * population's once a minute.
		 */
		if (rate_own(d, hd)) {
			if (hd->rate_limit == 0 || !hd->rate_own ||
			    hd->rate_minutes % 8 == 0)
				hd->rate_limit = rhist_limit(&hd->rate,
				    rc->z, rc->min_rate, &hd->rate_med,
				    &hd->rate_mad);
			hd->rate_own = true;
		} else if (d->pop_minutes >= rc->min_minutes) {
			if (d->pop_limit_minute != minute + 1) {
				d->pop_limit = rhist_limit(&d->pop_rate,
				    rc->z, rc->min_rate, &d->pop_med,
				    &d->pop_mad);
				d->pop_limit_minute = minute + 1;
			}
			hd->rate_limit = d->pop_limit;
			hd->rate_med = d->pop_med;
			hd->rate_mad = d->pop_mad;
			hd->rate_own = false;
		} else
			hd->rate_limit = 0;
	}
	hd->rate_count++;
	if (d->judge && hd->rate_limit != 0 &&
	    hd->rate_count > hd->rate_limit &&
	    (hd->rate_count == hd->rate_limit + 1 ||
	    hd->rate_count == 10 * hd->rate_limit))
		rate_alert(d, hd, ev, f, hd->rate_own);
}

const struct detector_ops detect_rate = {
	.name = "rate",
	.flow_new = rate_new,
};
