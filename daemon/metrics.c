/*
 * Metrics in Prometheus's text exposition format (version 0.0.4), for
 * node_exporter's textfile collector (metrics.file) and for "ephemctl
 * metrics"; the same families as JSON for "ephemctl --json metrics".
 *
 * Names follow Prometheus's conventions: the prefix ephemd_, base units
 * (seconds, bytes) in the name, _total on counters, one family per
 * quantity with labels for its kinds.  Every label value a family can
 * have is written, zeros included, so that rate() sees a series from its
 * start.  Per-host series (ephemd_host_*) only with metrics.per_host:
 * each host is a few series more for the Prometheus server to keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"
#include "log.h"

struct mw {
	FILE		*fp;
	bool		 json;
	const char	*name;		/* the family being written */
	unsigned	 families;
	unsigned	 samples;	/* in this family */
};

static void
family(struct mw *w, const char *name, const char *type, const char *help)
{
	if (w->json)
		fprintf(w->fp, "%s\n  {\"name\": \"%s\", \"type\": \"%s\", "
		    "\"help\": \"%s\", \"samples\": [", w->families ? "," : "",
		    name, type, help);
	else
		fprintf(w->fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		    type);
	w->name = name;
	w->families++;
	w->samples = 0;
}

static void
family_end(struct mw *w)
{
	if (w->json)
		fputs("]}", w->fp);
}

/* A label value, escaped as the text format and JSON both accept. */
static void
label_value(FILE *fp, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', fp);
		if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
}

/* One sample of the current family, with one label or none. */
static void
sample(struct mw *w, const char *label, const char *value, double v)
{
	if (w->json) {
		fprintf(w->fp, "%s{\"labels\": {", w->samples ? ", " : "");
		if (label != NULL) {
			fprintf(w->fp, "\"%s\": \"", label);
			label_value(w->fp, value);
			fputc('"', w->fp);
		}
		fprintf(w->fp, "}, \"value\": %.15g}", v);
	} else {
		fputs(w->name, w->fp);
		if (label != NULL) {
			fprintf(w->fp, "{%s=\"", label);
			label_value(w->fp, value);
			fputs("\"}", w->fp);
		}
		fprintf(w->fp, " %.15g\n", v);
	}
	w->samples++;
}

/* A family of one unlabelled sample. */
static void
one(struct mw *w, const char *name, const char *type, const char *help,
    double v)
{
	family(w, name, type, help);
	sample(w, NULL, NULL, v);
	family_end(w);
}

/* The resident set, from /proc/self/statm; 0 when unreadable. */
static double
resident_bytes(void)
{
	unsigned long	size, resident;
	FILE		*fp;
	int		 n;

	if ((fp = fopen("/proc/self/statm", "re")) == NULL)
		return 0;
	n = fscanf(fp, "%lu %lu", &size, &resident);
	fclose(fp);
	return n == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : 0;
}

static void
metrics_input(struct mw *w, const struct metrics_src *m)
{
	const struct core	*c = m->core;

	family(w, "ephemd_build_info", "gauge", "Always 1; the version of "
	    "ephemd as a label.");
	sample(w, "version", PACKAGE_VERSION, 1);
	family_end(w);
	one(w, "ephemd_start_time_seconds", "gauge", "When ephemd started, "
	    "seconds since the epoch.", m->started_ms / 1000.0);
	family(w, "ephemd_events_total", "counter", "Conntrack events "
	    "handed to the pipeline, by type.");
	sample(w, "type", "new", (double)c->cnt.new);
	sample(w, "type", "destroy", (double)c->cnt.destroy);
	family_end(w);
	one(w, "ephemd_events_lost_total", "counter", "Conntrack events "
	    "lost (netlink overruns, sequence gaps) and not recovered by a "
	    "dump.", (double)c->cnt.lost);
	one(w, "ephemd_loss_windows_total", "counter", "Windows of time "
	    "that lost events: the detectors judge nothing in them.",
	    (double)c->cnt.incomplete);
	if (m->ct != NULL) {
		one(w, "ephemd_netlink_overruns_total", "counter", "ENOBUFS on "
		    "the conntrack event socket.", (double)m->ct->overruns);
		one(w, "ephemd_netlink_parse_errors_total", "counter",
		    "Conntrack messages without a usable tuple.",
		    (double)m->ct->parse_errors);
	}
	one(w, "ephemd_flows", "gauge", "Client flows with ports open now.",
	    (double)c->flows.n);
	one(w, "ephemd_hosts", "gauge", "Client hosts in the host table.",
	    (double)c->hosts.n);
	one(w, "ephemd_services", "gauge", "Services (protocol and port) in "
	    "the service table.", (double)c->svcs.n);
	family(w, "ephemd_table_full_total", "counter", "Flows, hosts or "
	    "services not tracked because their table was full.");
	sample(w, "table", "flows", (double)c->cnt.flows_full);
	sample(w, "table", "hosts", (double)c->cnt.hosts_full);
	sample(w, "table", "services", (double)c->cnt.svcs_full);
	family_end(w);
	family(w, "ephemd_table_evicted_total", "counter", "Hosts or services "
	    "evicted (idle, without flows) to make room for new ones.");
	sample(w, "table", "hosts", (double)c->cnt.hosts_evicted);
	sample(w, "table", "services", (double)c->cnt.svcs_evicted);
	family_end(w);
	one(w, "ephemd_ipv6_aggregated_total", "counter", "NEW events of IPv6 "
	    "addresses counted in their /64's host (limits.hosts_per_prefix).",
	    (double)c->cnt.aggregated);
}

static void
metrics_alerts(struct mw *w, const struct metrics_src *m)
{
	const struct detect	*d = m->detect;
	size_t			 i;

	one(w, "ephemd_learning", "gauge", "1 while the gateway learns its "
	    "baseline (no detector judges), else 0.",
	    detect_learning(d, m->now_ms) ? 1 : 0);
	family(w, "ephemd_alerts_total", "counter", "Alerts raised, by "
	    "detector.");
	for (i = 0; i < NDETECTORS; i++)
		sample(w, "detector", detect_name(i),
		    (double)d->by_detector[i]);
	sample(w, "detector", "limits", (double)d->limit_alerts);
	sample(w, "detector", "intake", (double)d->intake_alerts);
	family_end(w);
	one(w, "ephemd_alerts_held_back_total", "counter", "Alerts not "
	    "raised again within a host's cool-down.", (double)d->suppressed);
	family(w, "ephemd_gateway_down", "gauge", "1 while most hosts' "
	    "contacts of the family go unanswered (the network is failing), "
	    "else 0.");
	sample(w, "family", "ipv4", gw_down(d, true) ? 1 : 0);
	sample(w, "family", "ipv6", gw_down(d, false) ? 1 : 0);
	family_end(w);
	one(w, "ephemd_failures_excused_total", "counter", "Failed first "
	    "contacts not counted against their host: other hosts failed too.",
	    (double)d->gw_excused);
}

static void
metrics_quarantine(struct mw *w, const struct metrics_src *m)
{
	const struct quar	*q = m->quar;
	int			 r;

	one(w, "ephemd_quarantine_enabled", "gauge", "1 when quarantine."
	    "enabled is true and the kernel side is in use.",
	    q->kernel ? 1 : 0);
	one(w, "ephemd_quarantined_hosts", "gauge", "Hosts quarantined now.",
	    (double)quar_active(q, m->now_ms));
	family(w, "ephemd_quarantines_total", "counter", "Quarantines made "
	    "(blocked) or made longer by a repeat offence (refreshed).");
	sample(w, "result", quar_result_name(QR_BLOCKED),
	    (double)q->results[QR_BLOCKED]);
	sample(w, "result", quar_result_name(QR_REFRESHED),
	    (double)q->results[QR_REFRESHED]);
	family_end(w);
	one(w, "ephemd_quarantine_dry_runs_total", "counter", "Quarantines "
	    "only logged (quarantine.dry_run, action dry-run).",
	    (double)q->results[QR_DRYRUN]);
	family(w, "ephemd_quarantine_refused_total", "counter", "Quarantines "
	    "the safety policy or the kernel refused, by reason.");
	for (r = QR_ALLOW_CONF; r < QR_NRESULTS; r++)
		sample(w, "reason", quar_result_name(r), (double)q->results[r]);
	family_end(w);
	one(w, "ephemd_quarantine_released_total", "counter", "Quarantines "
	    "released by hand (ephemctl, nft delete element).",
	    (double)q->released);
	one(w, "ephemd_quarantine_expired_total", "counter", "Quarantines "
	    "that ran their time.", (double)q->expired);
	one(w, "ephemd_nflog_dropped_packets_total", "counter", "Packets of "
	    "quarantined hosts that the ruleset logged to NFLOG and dropped.",
	    (double)q->nflog.packets);
	one(w, "ephemd_nflog_lost_total", "counter", "NFLOG messages lost "
	    "(sequence gaps and socket overruns).",
	    (double)(q->nflog.lost + q->nflog.overruns));
}

static void
metrics_memory(struct mw *w, const struct metrics_src *m)
{
	const struct core	*c = m->core;

	one(w, "ephemd_resident_memory_bytes", "gauge", "Resident memory of "
	    "the ephemd process.", resident_bytes());
	family(w, "ephemd_table_memory_bytes", "gauge", "Memory allocated to "
	    "each table.");
	sample(w, "table", "flows", (double)flowtab_bytes(&c->flows));
	sample(w, "table", "hosts", (double)(c->hosts.cap *
	    (sizeof(struct host) + sizeof(struct host_link))));
	sample(w, "table", "services", (double)(c->svcs.cap *
	    sizeof(struct svc)));
	sample(w, "table", "baselines", (double)(m->detect->hd_cap *
	    sizeof(struct hdet)));
	family_end(w);
}

/* metrics.per_host: a few series per host seen in this run. */
static void
metrics_hosts(struct mw *w, const struct metrics_src *m)
{
	const struct core	*c = m->core;
	const struct detect	*d = m->detect;
	char			 a[HOST_STRLEN];
	size_t			 i, k;
	static const char *const names[4][3] = {
		{ "ephemd_host_flows_total", "counter",
		    "Client flows the host opened." },
		{ "ephemd_host_ports_held", "gauge",
		    "Source ports the host holds open now." },
		{ "ephemd_host_baseline_learned", "gauge",
		    "1 when the host's baseline is learned, else 0." },
		{ "ephemd_host_quarantined", "gauge",
		    "1 while the host is quarantined, else 0." },
	};

	for (k = 0; k < 4; k++) {
		family(w, names[k][0], names[k][1], names[k][2]);
		for (i = 0; i < c->hosts.n; i++) {
			const struct host	*h = &c->hosts.v[i];
			const struct qhost	*qh;
			double			 v;

			if (h->last_ms == 0)
				continue;	/* known only from state */
			host_fmt(h, a, sizeof(a));
			switch (k) {
			case 0:
				v = h->flows;
				break;
			case 1:
				v = h->held;
				break;
			case 2:
				v = i < d->hd_cap && d->hd[i].learned_ms != 0;
				break;
			default:
				qh = quar_of_host(m->quar, h);
				v = qh != NULL && qh->until_ms > m->now_ms;
				break;
			}
			sample(w, "host", a, v);
		}
		family_end(w);
	}
}

void
metrics_write(FILE *fp, const struct metrics_src *m, bool json)
{
	struct mw	w = { .fp = fp, .json = json };

	if (json)
		fputs("{\"metrics\": [", fp);
	metrics_input(&w, m);
	metrics_alerts(&w, m);
	metrics_quarantine(&w, m);
	metrics_memory(&w, m);
	if (m->per_host)
		metrics_hosts(&w, m);
	if (json)
		fputs("\n]}\n", fp);
}

/*
 * metrics.file: written beside itself under a name that does not end in
 * .prom (the collector reads only *.prom), then renamed over it, so that
 * node_exporter never reads half a file.  Not fsync'd: the file is made
 * again every interval, and a gateway's flash is better spared.
 */
static void
metrics_text(FILE *fp, void *arg)
{
	metrics_write(fp, arg, false);
}

int
metrics_file(const char *path, const struct metrics_src *m, char *err,
    size_t len)
{
	return file_replace(path, 0644, false, metrics_text, (void *)m, err,
	    len);
}

/*
 * metrics.file: written one second after start (or after a reload that
 * sets it), every metrics.interval, and at exit.  A failure is logged
 * once until a write works.
 */
struct metrics {
	struct loop	*loop;
	struct timer	 timer;
	metrics_src_fn	 src;
	void		*arg;
	const struct conf *conf;
	bool		 failing;
};

static void
metrics_tick(void *arg)
{
	struct metrics	*m = arg;

	metrics_flush(m);
	timer_set(m->loop, &m->timer, m->conf->metrics_interval_s * 1000ULL);
}

struct metrics *
metrics_new(const struct conf *conf, struct loop *loop, metrics_src_fn src,
    void *arg)
{
	struct metrics	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->loop = loop;
	m->src = src;
	m->arg = arg;
	m->timer.cb = metrics_tick;
	m->timer.arg = m;
	metrics_reconfigure(m, conf);
	return m;
}

/* Everything applies at once: a new file or interval starts in 1 s. */
void
metrics_reconfigure(struct metrics *m, const struct conf *conf)
{
	m->conf = conf;
	m->failing = false;
	if (conf->metrics_file != NULL)
		timer_set(m->loop, &m->timer, 1000);
	else
		timer_stop(m->loop, &m->timer);
}

/* Write metrics.file now, when there is one. */
void
metrics_flush(struct metrics *m)
{
	struct metrics_src	 ms;
	struct ct_stats		 ls;
	char			 err[512];

	if (m == NULL || m->conf->metrics_file == NULL)
		return;
	m->src(m->arg, &ms, &ls);
	if (metrics_file(m->conf->metrics_file, &ms, err, sizeof(err)) == -1) {
		if (!m->failing)
			log_warnx("metrics.file not written: %s", err);
		m->failing = true;
	} else if (m->failing) {
		log_info("metrics.file %s written", m->conf->metrics_file);
		m->failing = false;
	}
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	timer_stop(m->loop, &m->timer);
	free(m);
}
