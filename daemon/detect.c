/*
 * The detectors: one registry, one tick, one cool-down.  A detector is a
 * file with a struct detector_ops and a line in the registry below.  They
 * read the core's tables; they never act before a baseline is learned,
 * and never on a time window that lost events (core_flow_complete).
 * Everything here is pure: time comes from the caller, alerts go to the
 * sink the caller gave.
 */
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

static const struct detector_ops *const detectors[] = {
	&detect_long_lived,
};

#define NDETECTORS	(sizeof(detectors) / sizeof(detectors[0]))

void
detect_conf_default(struct detect_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->learning_s = 24 * 3600;	/* ports.md (a): 24 h or more */
	c->cooldown_s = 3600;
	c->tick_s = 10;
	c->max_alerts = 4096;
	/*
	 * long_lived, ports.md (a) D6 and D9: ten times the service's p99,
	 * at least 15 minutes (a reverse shell's profile), only on services
	 * whose p99 is under 10 minutes; critical from 4 hours (RITA).
	 */
	c->long_lived.enabled = true;
	c->long_lived.action = ACT_LOG;
	c->long_lived.min_samples = 50;
	c->long_lived.factor = 10.0;
	c->long_lived.min_age_s = 15 * 60;
	c->long_lived.max_p99_s = 10 * 60;
	c->long_lived.critical_s = 4 * 3600;
}

struct detect *
detect_new(struct core *core, const struct detect_conf *conf, alert_fn sink,
    void *arg)
{
	struct detect	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->cool = calloc(conf->max_alerts ? conf->max_alerts : 1,
	    sizeof(*d->cool))) == NULL) {
		free(d);
		return NULL;
	}
	d->core = core;
	d->conf = conf;
	d->sink = sink;
	d->sink_arg = arg;
	return d;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	free(d->cool);
	free(d);
}

/* Still learning: no detector judges before the learning period ends. */
bool
detect_learning(const struct detect *d, uint64_t now_ms)
{
	return !d->core->started ||
	    now_ms - d->core->first_ms < (uint64_t)d->conf->learning_s * 1000;
}

/* Run the detectors when a tick is due (call it as often as you like). */
void
detect_tick(struct detect *d, uint64_t now_ms)
{
	size_t	i;

	if (now_ms < d->next_tick_ms)
		return;
	d->next_tick_ms = now_ms + (uint64_t)d->conf->tick_s * 1000;
	if (detect_learning(d, now_ms))
		return;
	for (i = 0; i < NDETECTORS; i++)
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

/*
 * One incident, one alert: within the cool-down a host and detector raise
 * again only to a higher severity (an escalation).
 */
void
detect_raise(struct detect *d, const struct detector_ops *ops,
    struct alert *a)
{
	struct cooldown	*c = NULL;
	size_t		 i, n, di = detector_index(ops);

	n = d->ncool < d->conf->max_alerts ? d->ncool : d->conf->max_alerts;
	for (i = 0; i < n; i++) {
		struct cooldown *e = &d->cool[i];

		if (e->detector == di &&
		    memcmp(e->host.b, a->host.b, 16) == 0) {
			c = e;
			break;
		}
	}
	if (c != NULL && a->ts_ms < c->until_ms && a->severity <= c->severity) {
		d->suppressed++;
		return;
	}
	if (c == NULL) {
		/* a bounded ring: the oldest entry makes room */
		c = &d->cool[d->ncool++ % (d->conf->max_alerts ?
		    d->conf->max_alerts : 1)];
		c->host = a->host;
		c->detector = di;
	}
	c->severity = a->severity;
	c->until_ms = a->ts_ms + (uint64_t)d->conf->cooldown_s * 1000;
	a->detector = ops->name;
	d->raised++;
	if (di < sizeof(d->by_detector) / sizeof(d->by_detector[0]))
		d->by_detector[di]++;
	if (d->sink != NULL)
		d->sink(d->sink_arg, a);
}

const char *
severity_name(int s)
{
	static const char *const names[] = { "info", "warning", "critical" };

	return s >= 0 && s <= SEV_CRITICAL ? names[s] : "info";
}

const char *
action_name(int a)
{
	static const char *const names[] = { "log", "quarantine", "dry-run" };

	return a >= 0 && a <= ACT_DRYRUN ? names[a] : "log";
}
