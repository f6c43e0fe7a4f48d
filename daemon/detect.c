/*
 * The detectors: one registry, one place that decides when they may judge,
 * one cool-down.  A detector is a file with a struct detector_ops and a
 * line in the registry below.  The core hands every client flow with ports
 * to them (core->obs_new, core->obs_end); they keep per-host windows in a
 * struct hdet beside the host, and read the core's tables on ticks.
 *
 * Baselines (ports.md (a)): the gateway learns for learning_period before
 * any detector judges.  Each host then learns its own baseline for the
 * same period and at least learn_flows flows, counted from its first
 * flow; until then the detectors that need a host baseline judge it only
 * against the population (rate) or not at all (port_range, fixed UDP
 * ports, allocator_change).  Baselines decay with half-life half_life.
 *
 * Everything here is pure: time comes from the events, alerts go to the
 * sink the caller gave.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

/* in call order: gateway first, so that the others see its view */
static const struct detector_ops *const detectors[NDETECTORS] = {
	&detect_gateway,
	&detect_identity,
	&detect_long_lived,
	&detect_scan,
	&detect_port_range,
	&detect_fixed_port,
	&detect_allocator_change,
	&detect_exhaustion,
	&detect_rate,
};

_Static_assert(sizeof(struct host) + sizeof(struct hdet) <= 4096,
    "a host and its baseline must fit in 4 KiB");

#define DECAY_STEPS	8	/* decay steps per half-life */

void
detect_conf_default(struct detect_conf *c)
{
	memset(c, 0, sizeof(*c));
	/* ports.md (a): 24 h or at least 500 NEW a host, whichever later */
	c->learning_s = 24 * 3600;
	c->learn_flows = 500;
	c->half_life_s = 7 * 86400;	/* ports.md 7: per-host profiles */
	c->cooldown_s = 3600;
	c->tick_s = 10;

	/*
	 * long_lived, ports.md (a) D6 and D9: ten times the service's p99,
	 * at least 15 minutes (a reverse shell's profile), only on services
	 * whose p99 is under 10 minutes; critical from 4 hours (RITA).
	 */
	c->long_lived.enabled = true;
	c->long_lived.min_samples = 50;
	c->long_lived.factor = 10.0;
	c->long_lived.min_age_s = 15 * 60;
	c->long_lived.max_p99_s = 10 * 60;
	c->long_lived.critical_s = 4 * 3600;
	c->long_lived.probe_age_s = 120;
	c->long_lived.probe_idle_s = 60;

	/*
	 * scan, ports.md 3.4 and (a) D4: threshold random walk of Jung et
	 * al. with theta0 0.8, theta1 0.2, P_D 0.99, P_F 0.01 (4 failures
	 * in a row), reset after 10 idle minutes; at least 10 failed first
	 * contacts, because a client meets dead servers now and then.  A
	 * vertical scan: 100 destination ports in a minute (ports.md (b):
	 * nmap probes 1,000 ports; a browser uses 443 and 80).
	 */
	c->scan.enabled = true;
	c->scan.window_s = 60;
	c->scan.min_ports = 100;
	c->scan.theta0 = 0.8;
	c->scan.theta1 = 0.2;
	c->scan.p_detect = 0.99;
	c->scan.p_false = 0.01;
	c->scan.min_failures = 10;
	c->scan.min_failed_share = 0.75;
	c->scan.idle_s = 600;

	/* port_range, ports.md (a) D1: 512 ports of slack, 5 in 60 s */
	c->port_range.enabled = true;
	c->port_range.slack = 512;
	c->port_range.min_ports = 5;
	c->port_range.window_s = 60;
	c->port_range.privileged = true;

	/*
	 * fixed_port, ports.md (a) D3 and D10: 10 connects from one TCP
	 * port to distinct destinations within 10 minutes; a UDP port not
	 * learned as fixed, towards 50 destinations.
	 */
	c->fixed_port.enabled = true;
	c->fixed_port.window_s = 600;
	c->fixed_port.min_dsts = 10;
	c->fixed_port.udp_min_dsts = 50;
	c->fixed_port.learn_dsts = 4;
	/* ports.md 8: peers answer a protocol; a spray mostly goes unanswered */
	c->fixed_port.max_answered = 0.25;

	/*
	 * allocator_change, ports.md (a) D2: a window of 64 connects (the
	 * classifier's W), two consecutive windows, or more than 20 % odd
	 * ports from a host that learned even ones.
	 */
	c->allocator_change.enabled = true;
	c->allocator_change.window = 64;
	c->allocator_change.min_windows = 2;
	c->allocator_change.odd_share = 0.2;

	/* exhaustion, ports.md 6: 50 % warning, 80 % critical; NAT 1024+ */
	c->exhaustion.enabled = true;
	c->exhaustion.warning = 0.5;
	c->exhaustion.critical = 0.8;
	c->exhaustion.nat_range = 64512;

	/*
	 * gateway, ports.md 8: a failure is the network's when at least 3
	 * other hosts failed around it and they are half of those with
	 * contacts then; or when 2 other hosts fail to its destination (a
	 * /24 or /48) in 10 minutes (Jung et al.'s discount, per server).
	 */
	c->gateway.enabled = true;
	c->gateway.min_hosts = 3;
	c->gateway.failed_share = 0.5;
	c->gateway.dead_hosts = 2;

	/* rate, ports.md (a) D5: modified z 3.5, above 300 NEW a minute */
	c->rate.enabled = true;
	c->rate.z = 3.5;
	c->rate.min_rate = 300;
	c->rate.min_minutes = 30;
	c->rate.busiest = 1.2;
	c->rate.min_fanout = 100;
	c->identity.enabled = true;
	c->identity.silence_s = 600;
	c->identity.neighbours = true;
}

static void	detect_obs_before(void *, const struct flow_event *,
		    struct flow *);
static void	detect_obs_new(void *, const struct flow_event *,
		    struct flow *);
static void	detect_obs_end(void *, const struct flow_event *,
		    const struct flow *, uint64_t, bool);
static void	detect_obs_evict(void *, enum core_table, uint32_t);

struct detect *
detect_new(struct core *core, const struct detect_conf *conf, alert_fn sink,
    void *arg)
{
	struct detect	*d;
	size_t		 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->ex_host = calloc((size_t)EX_ROWS * EX_WIDTH, sizeof(uint16_t));
	d->ex_nat = calloc((size_t)EX_ROWS * EX_WIDTH, sizeof(uint16_t));
	d->gw_dst = calloc(GW_DSTS, sizeof(*d->gw_dst));
	if (d->ex_host == NULL || d->ex_nat == NULL || d->gw_dst == NULL) {
		detect_free(d);
		return NULL;
	}
	d->core = core;
	d->conf = conf;
	d->sink = sink;
	d->sink_arg = arg;
	/* each event runs them: the registry's NULLs are skipped once here */
	for (i = 0; i < NDETECTORS; i++) {
		if (detectors[i]->flow_new != NULL)
			d->on_new[d->n_new++] = detectors[i]->flow_new;
		if (detectors[i]->flow_end != NULL)
			d->on_end[d->n_end++] = detectors[i]->flow_end;
	}
	core->obs_before = detect_obs_before;
	core->obs_new = detect_obs_new;
	core->obs_end = detect_obs_end;
	core->obs_evict = detect_obs_evict;
	core->obs_arg = d;
	return d;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	if (d->core != NULL && d->core->obs_arg == d) {
		d->core->obs_before = NULL;
		d->core->obs_new = NULL;
		d->core->obs_end = NULL;
		d->core->obs_evict = NULL;
		d->core->obs_arg = NULL;
	}
	free(d->hd);
	free(d->ll);
	free(d->ll_cand);
	free(d->ll_idle);
	free(d->ex_host);
	free(d->ex_nat);
	free(d->gw_dst);
	free(d);
}

/* Live: long_lived may ask the kernel about a flow (NULL: it may not). */
void
detect_set_probe(struct detect *d, flow_probe_fn fn, void *arg)
{
	d->probe = fn;
	d->probe_arg = arg;
}

/*
 * A reloaded configuration: every threshold, action and period applies
 * from the next event; a new tick period from the next tick.  What was
 * learned is kept.
 */
void
detect_reconfigure(struct detect *d, const struct detect_conf *conf)
{
	if (conf->tick_s < d->conf->tick_s)
		d->next_tick_ms = 0;
	d->conf = conf;
}

/* detect_hdet beyond the array: grow it to the host table's capacity. */
struct hdet *
detect_hdet_grow(struct detect *d, uint32_t i)
{
	struct hdet	*n;
	size_t		 cap;

	if (i >= d->hd_cap) {
		cap = d->core->hosts.cap > i ? d->core->hosts.cap : i + 1;
		if ((n = realloc(d->hd, cap * sizeof(*n))) == NULL)
			return NULL;
		memset(n + d->hd_cap, 0, (cap - d->hd_cap) * sizeof(*n));
		d->hd = n;
		d->hd_cap = cap;
	}
	return &d->hd[i];
}

/*
 * Still learning: no detector judges before the gateway's learning period
 * ended (or a state file brought a baseline).
 */
bool
detect_learning(const struct detect *d, uint64_t now_ms)
{
	uint64_t	from;

	if (d->baselined)
		return false;
	if (!d->core->started)
		return true;
	from = d->core->first_ms > d->learn_from_ms ? d->core->first_ms :
	    d->learn_from_ms;
	return now_ms < from || now_ms - from < (uint64_t)d->conf->learning_s *
	    1000;
}

/*
 * A host's own learning period is over: take its baseline (range, family,
 * allocator, parity) and let each detector take its part.
 */
static void
detect_take_baseline(struct detect *d, uint32_t hi, struct hdet *hd,
    uint64_t now_ms)
{
	const struct host	*h = &d->core->hosts.v[hi];
	struct host_report	 r;
	size_t			 i;

	host_report(h, &d->core->conf->classify, &r);
	hd->learned_ms = now_ms ? now_ms : 1;
	d->core->hosts.v[hi].hflags |= HF_LEARNED;
	hd->family = (uint8_t)r.family;
	hd->allocator = (uint8_t)r.allocator;
	hd->even_ratio = (float)r.even_ratio;
	if (h->tcp_flows > 0) {
		hd->port_min = h->port_min;
		hd->port_max = h->port_max;
	}
	host_alloc_feat(h, &hd->ac_snap);
	hd->ac_classes |= (uint8_t)(1u << hd->allocator);
	hd->ac_orig = hd->allocator;
	hd->ac_orig_even = hd->even_ratio;
	for (i = 0; i < NDETECTORS; i++)
		if (detectors[i]->learned != NULL)
			detectors[i]->learned(d, hd);
}

static struct hdet *
detect_host(struct detect *d, uint32_t hi, uint64_t now_ms)
{
	const struct host	*h = &d->core->hosts.v[hi];
	struct hdet		*hd;

	if ((hd = detect_hdet(d, hi)) == NULL)
		return NULL;
	d->judge = !detect_learning(d, now_ms);
	if (hd->learned_ms == 0 && d->judge &&
	    now_ms - h->first_ms >= (uint64_t)d->conf->learning_s * 1000 &&
	    h->flows >= d->conf->learn_flows)
		detect_take_baseline(d, hi, hd, now_ms);
	return hd;
}

/*
 * A NEW before its host counts it: the host's baseline, when due, is
 * taken from what came before this flow, which may be the first of an
 * anomaly.
 */
static void
detect_obs_before(void *arg, const struct flow_event *ev, struct flow *f)
{
	struct detect	*d = arg;

	if (f->fflags & FF_PORTS)
		(void)detect_host(d, f->host, ev->ts_ms);
}

/* The key of a destination (address, protocol, port) in the sketches. */
uint64_t
detect_dst_key(const struct addr *dst, uint8_t proto, uint16_t dport)
{
	return hash_fast(dst, (uint64_t)proto << 16 | dport);
}

/*
 * The detectors' state of a flow's host, with the event's destination
 * hashed once for all of them; NULL for flows without ports.
 */
static struct hdet *
detect_flow(struct detect *d, const struct flow_event *ev,
    const struct flow *f)
{
	struct hdet	*hd;

	if (!(f->fflags & FF_PORTS) ||
	    (hd = detect_host(d, f->host, ev->ts_ms)) == NULL)
		return NULL;
	d->dkey = detect_dst_key(&ev->dst, ev->proto, ev->dport);
	return hd;
}

static void
detect_obs_new(void *arg, const struct flow_event *ev, struct flow *f)
{
	struct detect	*d = arg;
	struct hdet	*hd;
	size_t		 i;

	if ((hd = detect_flow(d, ev, f)) == NULL)
		return;
	for (i = 0; i < d->n_new; i++)
		d->on_new[i](d, hd, ev, f);
}

static void
detect_obs_end(void *arg, const struct flow_event *ev, const struct flow *f,
    uint64_t life, bool known)
{
	struct detect	*d = arg;
	struct hdet	*hd;
	size_t		 i;

	(void)life;
	(void)known;
	if ((hd = detect_flow(d, ev, f)) == NULL)
		return;
	for (i = 0; i < d->n_end; i++)
		d->on_end[i](d, hd, ev, f);
}

/* A table's slot goes to a new host or service: what was known of it goes. */
static void
detect_obs_evict(void *arg, enum core_table table, uint32_t i)
{
	struct detect	*d = arg;

	if (table == CORE_T_HOSTS && i < d->hd_cap)
		memset(&d->hd[i], 0, sizeof(d->hd[i]));
	else if (table == CORE_T_SERVICES && i < d->ll_cap)
		memset(&d->ll[i], 0, sizeof(d->ll[i]));
}

/*
 * Baselines follow drift: every half-life / 8, service lifetimes and
 * rates lose 1 - 2^(-1/8) of their weight.
 */
static void
detect_decay(struct detect *d, uint64_t now_ms)
{
	uint64_t	step = (uint64_t)d->conf->half_life_s * 1000 /
			    DECAY_STEPS;
	double		f;
	uint64_t	k;
	size_t		i;

	if (step == 0)
		return;
	if (d->next_decay_ms == 0) {
		d->next_decay_ms = time_add(now_ms, step);
		return;
	}
	if (now_ms < d->next_decay_ms)
		return;
	/*
	 * The steps missed, in one: a capture or a clock that jumps a year
	 * must not cost a pass over every host for each step.
	 */
	k = (now_ms - d->next_decay_ms) / step + 1;
	d->next_decay_ms = k > (UINT64_MAX - d->next_decay_ms) / step ?
	    UINT64_MAX : d->next_decay_ms + k * step;
	d->decays += k;
	f = k >= 64 * DECAY_STEPS ? 0 : exp2(-(double)k / DECAY_STEPS);
	for (i = 0; i < d->core->svcs.n; i++)
		lhist_decay(&d->core->svcs.v[i].life, f,
		    d->decays * 131 + i * 7919);
	for (i = 0; i < d->hd_cap && i < d->core->hosts.n; i++)
		rhist_decay(&d->hd[i].rate, f);
	rhist_decay(&d->pop_rate, f);
}

/*
 * An alert about the gateway rather than a host (its network failing, a
 * table full, events lost): no host and no cool-down, logged only, its
 * label the detector's own or "*".
 */
static void
raise_global(struct detect *d, struct alert *a, const char *detector)
{
	a->detector = detector;
	a->action = ACT_LOG;
	a->hidx = UINT32_MAX;
	if (a->label[0] == '\0')
		snprintf(a->label, sizeof(a->label), "*");
	d->raised++;
	if (d->sink != NULL)
		d->sink(d->sink_arg, a);
}

#define LIMIT_CLEAR_MS	600000	/* refusing no more after this long */

/*
 * The tables' own incidents: when a table starts refusing new entries,
 * one alert (the daemon no longer sees everything); when it has refused
 * nothing for 10 minutes, one more with the count.
 */
static void
detect_limits(struct detect *d, uint64_t now_ms)
{
	static const char *const names[3] = { "flows", "hosts", "services" };
	static const char *const what[3] = {
		"NEW events refused: every flow beyond the limit goes "
		"unmeasured",
		"flows of new hosts refused: every host in the table holds "
		"flows, none can be evicted",
		"flows counted without their service: every service in the "
		"table holds flows",
	};
	const struct core	*c = d->core;
	const uint64_t		 count[3] = { c->cnt.flows_full,
				    c->cnt.hosts_full, c->cnt.svcs_full };
	const size_t		 max[3] = { c->flows.max, c->hosts.max,
				    c->svcs.max };
	struct det_limit	*l;
	struct alert		 a;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		l = &d->limit[i];
		if (count[i] > l->seen) {
			if (l->since_ms == 0) {
				l->since_ms = now_ms;
				l->at_start = l->seen;
			} else
				l->last_ms = now_ms;
			l->seen = count[i];
			if (l->last_ms != 0)
				continue;
			l->last_ms = now_ms;
			memset(&a, 0, sizeof(a));
			a.ts_ms = now_ms;
			a.severity = SEV_WARNING;
			snprintf(a.summary, sizeof(a.summary), "%s table full "
			    "(limits.%s %zu): %llu %s", names[i], names[i],
			    max[i], (unsigned long long)(l->seen -
			    l->at_start), what[i]);
		} else if (l->since_ms != 0 && now_ms >= l->last_ms &&
		    now_ms - l->last_ms >= LIMIT_CLEAR_MS) {
			memset(&a, 0, sizeof(a));
			a.ts_ms = now_ms;
			a.severity = SEV_INFO;
			snprintf(a.summary, sizeof(a.summary), "%s table has "
			    "room again: %llu refused in %llu s (limits.%s "
			    "%zu)", names[i], (unsigned long long)(l->seen -
			    l->at_start), (unsigned long long)((l->last_ms -
			    l->since_ms) / 1000), names[i], max[i]);
			l->since_ms = l->last_ms = 0;
		} else
			continue;
		snprintf(a.evidence, sizeof(a.evidence), "{\"table\": \"%s\", "
		    "\"limit\": %zu, \"refused\": %llu, \"full\": %s}",
		    names[i], max[i], (unsigned long long)(l->seen -
		    l->at_start), a.severity == SEV_INFO ? "false" : "true");
		d->limit_alerts++;
		raise_global(d, &a, "limits");
	}
}

/*
 * Loss is evidence: a window that lost events is not judged, and a host
 * that floods the gateway's event socket would judge itself out of every
 * verdict.  INTAKE_WINDOWS loss windows within INTAKE_MS make one
 * "intake" alert; another when none came for INTAKE_MS.
 */
static void
detect_intake(struct detect *d, uint64_t now_ms)
{
	struct det_intake	*in = &d->intake;
	const struct core	*c = d->core;
	struct alert		 a;
	uint64_t		 oldest;
	size_t			 k;

	while (in->seen < c->cnt.incomplete) {
		k = in->seen++ % INTAKE_WINDOWS;
		in->at[k] = now_ms;
		if (in->since_ms != 0) {
			in->last_ms = now_ms;
			in->windows++;
		}
	}
	memset(&a, 0, sizeof(a));
	if (in->since_ms == 0) {
		if (in->seen < INTAKE_WINDOWS)
			return;
		k = in->seen % INTAKE_WINDOWS;	/* the oldest of the ring */
		oldest = in->at[k];
		if (now_ms - oldest > INTAKE_MS)
			return;
		in->since_ms = oldest;
		in->last_ms = now_ms;
		in->windows = INTAKE_WINDOWS;
		in->lost = c->cnt.lost;
		a.severity = SEV_WARNING;
		snprintf(a.summary, sizeof(a.summary), "events lost %d times "
		    "in %llu s (%llu since the start): the detectors judge no "
		    "window that lost events, so a flood of the event socket "
		    "hides whoever makes it; raise netlink.rcvbuf, see "
		    "ephemd(8) Loss", INTAKE_WINDOWS,
		    (unsigned long long)((now_ms - oldest) / 1000),
		    (unsigned long long)c->cnt.lost);
	} else if (now_ms - in->last_ms >= INTAKE_MS) {
		a.severity = SEV_INFO;
		snprintf(a.summary, sizeof(a.summary), "no events lost for %d "
		    "min: the intake is whole again after %llu loss windows "
		    "(%llu more events lost since the alert)",
		    INTAKE_MS / 60000, (unsigned long long)in->windows,
		    (unsigned long long)(c->cnt.lost - in->lost));
		in->since_ms = in->last_ms = 0;
	} else
		return;
	a.ts_ms = now_ms;
	snprintf(a.evidence, sizeof(a.evidence), "{\"loss_windows\": %llu, "
	    "\"events_lost\": %llu, \"whole\": %s}",
	    (unsigned long long)c->cnt.incomplete,
	    (unsigned long long)c->cnt.lost,
	    a.severity == SEV_INFO ? "true" : "false");
	d->intake_alerts++;
	raise_global(d, &a, "intake");
}

/* Run the detectors when a tick is due (call it as often as you like). */
void
detect_tick(struct detect *d, uint64_t now_ms)
{
	size_t	i;

	if (now_ms < d->next_tick_ms)
		return;
	d->next_tick_ms = time_add(now_ms, (uint64_t)d->conf->tick_s * 1000);
	detect_decay(d, now_ms);
	detect_limits(d, now_ms);
	detect_intake(d, now_ms);
	if (detect_learning(d, now_ms))
		return;
	d->baselined = true;
	for (i = 0; i < NDETECTORS; i++)
		if (detectors[i]->tick != NULL)
			detectors[i]->tick(d, now_ms);
}

static size_t
detector_index(const struct detector_ops *ops)
{
	size_t	i;

	for (i = 0; i < NDETECTORS; i++)
		if (detectors[i] == ops)
			return i;
	return 0;
}

/* The name of detector i (0..NDETECTORS-1), as alerts and metrics say. */
const char *
detect_name(size_t i)
{
	return i < NDETECTORS ? detectors[i]->name : "unknown";
}

/*
 * Forget host hi's baseline: it learns again, for learning_period from
 * now and at least learn_flows flows, from measurements that start now.
 * Its flows in the table stay counted as held.
 */
void
detect_reset_host(struct detect *d, uint32_t hi, uint64_t now_ms)
{
	struct host	*h = &d->core->hosts.v[hi];
	struct hdet	*hd;
	struct addr	 a = h->addr;
	uint32_t	 held = h->held;
	uint16_t	 prefix = h->hflags & HF_PREFIX;
	bool		 seen = h->last_ms != 0;

	host_init(h, &a, now_ms);
	h->held = h->held_max = held;
	h->hflags = prefix;
	if (!seen)
		h->last_ms = 0;		/* still known only from state.file */
	if ((hd = detect_hdet(d, hi)) != NULL)
		memset(hd, 0, sizeof(*hd));
}

/*
 * Forget every baseline, the services' lifetimes and the population's
 * rates: the gateway learns again for learning_period from now.
 */
void
detect_reset_all(struct detect *d, uint64_t now_ms)
{
	struct core	*c = d->core;
	size_t		 i;

	for (i = 0; i < c->hosts.n; i++)
		detect_reset_host(d, (uint32_t)i, now_ms);
	for (i = 0; i < c->svcs.n; i++) {
		struct svc *s = &c->svcs.v[i];

		s->flows = s->under_1m = s->under_3m = 0;
		s->max_ms = 0;
		memset(&s->life, 0, sizeof(s->life));
	}
	memset(&d->pop_rate, 0, sizeof(d->pop_rate));
	d->pop_minutes = d->pop_limit = 0;
	d->pop_limit_minute = 0;
	d->pop_med = d->pop_mad = 0;
	for (i = 0; i < c->svcs.n && i < d->ll_cap; i++)
		memset(&d->ll[i], 0, sizeof(d->ll[i]));
	d->baselined = false;
	d->learn_from_ms = now_ms;
}

/* An alert about host hi, to be filled in and raised. */
void
detect_alert_init(struct alert *a, const struct detect *d, uint32_t hi,
    uint64_t now_ms, int severity, int action)
{
	memset(a, 0, sizeof(*a));
	a->ts_ms = now_ms;
	a->hidx = hi;
	a->host = d->core->hosts.v[hi].addr;
	if (d->core->hosts.v[hi].hflags & HF_PREFIX) {
		a->prefix = true;
		host_fmt(&d->core->hosts.v[hi], a->label, sizeof(a->label));
	}
	a->severity = severity;
	a->action = action;
}

/*
 * An alert about the gateway itself (a family's contacts failing): no
 * host, no cool-down; the gateway detector raises one at each change.
 */
void
detect_raise_gateway(struct detect *d, struct alert *a)
{
	d->by_detector[detector_index(&detect_gateway)]++;
	raise_global(d, a, detect_gateway.name);
}

/*
 * One incident, one alert: within the cool-down a host and detector raise
 * again only to a higher severity (an escalation).
 */
void
detect_raise(struct detect *d, const struct detector_ops *ops,
    struct alert *a)
{
	struct hdet	*hd;
	size_t		 di = detector_index(ops);

	if ((hd = detect_hdet(d, a->hidx)) == NULL)
		return;
	if (a->ts_ms < hd->cool_until[di] && a->severity <= hd->cool_sev[di]) {
		d->suppressed++;
		return;
	}
	hd->cool_sev[di] = (uint8_t)a->severity;
	hd->cool_until[di] = time_add(a->ts_ms,
	    (uint64_t)d->conf->cooldown_s * 1000);
	a->detector = ops->name;
	d->raised++;
	d->by_detector[di]++;
	/* the flows that led to it stay in the report's picture */
	sample_pin(&d->core->hosts.v[a->hidx].sample);
	if (d->sink != NULL)
		d->sink(d->sink_arg, a);
}
