/*
 * rate: new flows a minute far above the host's own baseline and above an
 * absolute floor, spread over many destinations or ports (ports.md 7 and
 * (a) D5: "> 300 NEW/min or > 100 distinct dsts/min"): min_fanout of
 * either this minute, or 10 times the limit.  A download job's hundreds
 * of connects a minute to a mirror are not a surge of this kind; a
 * worm's, a flood's, a scan's, a storm that exhausts ports are.  A minute is an outlier when its count x has a modified z-score
 * 0.6745 (x - median) / MAD above z against the host's earlier active
 * minutes, and x is at least min_rate.  The limit for a minute is
 * computed when it starts, so a surge raises while it happens, not when
 * the minute is over.
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
	uint32_t		 busy = hd->rate_busy > d->pop_busy ?
				    hd->rate_busy : d->pop_busy;
	const struct host	*h = &d->core->hosts.v[f->host];
	uint32_t		 dsts = lcount_estimate(&h->min_dst);
	uint32_t		 dports = lcount_estimate(&h->min_dport);

	if (!core_complete(d->core, hd->rate_minute * 60000, ev->ts_ms))
		return;
	detect_alert_init(&a, d, f->host, ev->ts_ms,
	    hd->rate_count >= 10 * hd->rate_limit ? SEV_CRITICAL : SEV_WARNING,
	    rc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	snprintf(a.summary, sizeof(a.summary), "host %s opened %u flows to "
	    "%u destinations and %u ports this minute; its %s minutes have "
	    "median %u, MAD %u, and the busiest ordinary minutes here %u "
	    "(limit %u)", addr, hd->rate_count, dsts, dports,
	    own ? "own" : "population's", med, mad, busy, hd->rate_limit);
	snprintf(a.evidence, sizeof(a.evidence), "{\"flows\": %u, "
	    "\"limit\": %u, \"baseline\": \"%s\", \"median\": %u, "
	    "\"mad\": %u, \"z\": %.2f, \"min_rate\": %u, \"minutes\": %u, "
	    "\"busiest_own\": %u, \"busiest_population\": %u, "
	    "\"busiest\": %.2f, \"destinations\": %u, \"dst_ports\": %u, "
	    "\"min_fanout\": %u, \"last_dst_port\": %u}", hd->rate_count,
	    hd->rate_limit, own ? "host" : "population", med, mad, rc->z,
	    rc->min_rate, own ? hd->rate_minutes : d->pop_minutes,
	    hd->rate_busy, d->pop_busy, rc->busiest, dsts, dports,
	    rc->min_fanout, ev->dport);
	detect_raise(d, &detect_rate, &a);
}

/*
 * Never below busiest x the busiest ordinary minutes (the 99.9th
 * percentile) of the host's own baseline and of the population's: a host
 * that opens a few hundred connections in a busy minute, as browsers,
 * build jobs and pod networks do (ports.md section 8), does it again, and
 * other hosts of this network do it too.
 */
static void
rate_busiest(struct detect *d, struct hdet *hd)
{
	double		busy = hd->rate_busy > d->pop_busy ? hd->rate_busy :
			    d->pop_busy;
	double		lim = busy * d->conf->rate.busiest;

	if (hd->rate_limit != 0 && lim > hd->rate_limit)
		hd->rate_limit = lim >= UINT32_MAX ? UINT32_MAX : (uint32_t)lim;
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
	const struct host	*h;
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
		hd->rate_raised = 0;
		/*
		 * A baseline of many minutes barely moves in one: the
		 * host's limit is recomputed every 8 of its minutes, the
		 * population's once a minute.
		 */
		if (d->pop_minutes >= rc->min_minutes &&
		    d->pop_limit_minute != minute + 1) {
			d->pop_limit = rhist_limit(&d->pop_rate, rc->z,
			    rc->min_rate, &d->pop_med, &d->pop_mad);
			d->pop_busy = rhist_quantile(&d->pop_rate, 0.999);
			d->pop_limit_minute = minute + 1;
		}
		if (rate_own(d, hd)) {
			if (hd->rate_limit == 0 || !hd->rate_own ||
			    hd->rate_minutes % 8 == 0) {
				hd->rate_limit = rhist_limit(&hd->rate,
				    rc->z, rc->min_rate, &hd->rate_med,
				    &hd->rate_mad);
				hd->rate_busy = rhist_quantile(&hd->rate,
				    0.999);
			}
			hd->rate_own = true;
		} else if (d->pop_minutes >= rc->min_minutes) {
			hd->rate_limit = d->pop_limit;
			hd->rate_med = d->pop_med;
			hd->rate_mad = d->pop_mad;
			hd->rate_busy = 0;
			hd->rate_own = false;
		} else
			hd->rate_limit = 0;
		rate_busiest(d, hd);
	}
	hd->rate_count++;
	if (!d->judge || hd->rate_limit == 0 ||
	    hd->rate_count <= hd->rate_limit ||
	    hd->rate_raised >= (hd->rate_count >= 10 * hd->rate_limit ? 2 : 1))
		return;
	/*
	 * A surge that spreads over many destinations or ports this
	 * minute; one that does not only at 10 x the limit, a storm that
	 * exhausts ports (ports.md 6: thousands a second to one server).
	 */
	h = &d->core->hosts.v[f->host];
	if (hd->rate_count < 10 * hd->rate_limit &&
	    lcount_estimate(&h->min_dst) < rc->min_fanout &&
	    lcount_estimate(&h->min_dport) < rc->min_fanout)
		return;
	hd->rate_raised = hd->rate_count >= 10 * hd->rate_limit ? 2 : 1;
	rate_alert(d, hd, ev, f, hd->rate_own);
}

const struct detector_ops detect_rate = {
	.name = "rate",
	.flow_new = rate_new,
};
