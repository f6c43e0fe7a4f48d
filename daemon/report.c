/*
 * The measurement report: an aligned text table per host, then services,
 * then an input summary; or the same as JSON (DESIGN section 3).  Times
 * are seconds, ratios 0..1.  Hosts sort by address, services by flows.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"

#define TEXT_SERVICES	25	/* services shown in the text report */

/* The lifetime histogram's bins: ephemctl host, the HTML report. */
const uint64_t report_life_edges[REPORT_LIFE_BINS - 1] = {
	1000, 10000, 60000, 180000, 600000, 3600000, 21600000
};
const char *const report_life_names[REPORT_LIFE_BINS] = {
	"<1s", "1-10s", "10s-1m", "1-3m", "3-10m", "10m-1h", "1-6h", ">6h"
};

static const char *const format_names[] = { "text", "json", "html" };

/* "text", "json" or "html" as enum report_format; -1 for another. */
int
report_format_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
report_format_name(int f)
{
	return f >= REPORT_TEXT && f <= REPORT_HTML ? format_names[f] : "text";
}

static int
host_sort(const void *a, const void *b, void *arg)
{
	const struct host *v = arg;

	return addr_cmp(&v[*(const uint32_t *)a].addr,
	    &v[*(const uint32_t *)b].addr);
}

static int
svc_sort(const void *a, const void *b, void *arg)
{
	const struct svc *v = arg, *x = &v[*(const uint32_t *)a],
	    *y = &v[*(const uint32_t *)b];

	if (x->flows != y->flows)
		return x->flows > y->flows ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Indices 0..n-1 sorted by cmp; NULL when out of memory or n is 0. */
static uint32_t *
sorted(size_t n, int (*cmp)(const void *, const void *, void *), void *arg)
{
	uint32_t	*o;
	size_t		 i;

	if (n == 0 || (o = calloc(n, sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		o[i] = i;
	qsort_r(o, n, sizeof(*o), cmp, arg);
	return o;
}

/* The services, busiest first; NULL when out of memory or there are none. */
uint32_t *
report_svc_order(const struct core *c)
{
	return sorted(c->svcs.n, svc_sort, c->svcs.v);
}

/*
 * The hosts to report, sorted: not those known only from the state file
 * (last_ms 0), which have not been seen in this run.
 */
uint32_t *
report_hosts(struct core *c, size_t *ret_n)
{
	uint32_t	*o = sorted(c->hosts.n, host_sort, c->hosts.v);
	size_t		 i, n = 0;

	for (i = 0; o != NULL && i < c->hosts.n; i++)
		if (c->hosts.v[o[i]].last_ms != 0)
			o[n++] = o[i];
	*ret_n = n;
	return o;
}

/*
 * One ended flow as a JSON line: its tuple, start and stop (seconds), and
 * the estimated active lifetime, null when the start was not seen.
 */
void
report_flow(FILE *fp, const struct flow_event *ev, uint64_t start_ms,
    uint64_t life_ms, bool known)
{
	char	src[ADDR_STRLEN], dst[ADDR_STRLEN];

	addr_fmt(&ev->src, src, sizeof(src));
	addr_fmt(&ev->dst, dst, sizeof(dst));
	fprintf(fp, "{\"host\": \"%s\", \"proto\": \"%s\", \"sport\": %u, "
	    "\"dst\": \"%s\", \"dport\": %u, \"state\": \"%s\", "
	    "\"unreplied\": %s, \"start\": %.3f, \"stop\": %.3f, ", src,
	    timeouts_proto_name(ev->proto), ev->sport, dst, ev->dport,
	    timeouts_state_name(ev->state),
	    (ev->flags & EVF_UNREPLIED) ? "true" : "false",
	    (ev->kstart_ms ? ev->kstart_ms : start_ms) / 1000.0,
	    (ev->kstop_ms ? ev->kstop_ms : ev->ts_ms) / 1000.0);
	if (known)
		fprintf(fp, "\"lifetime\": %.3f}\n", life_ms / 1000.0);
	else
		fprintf(fp, "\"lifetime\": null}\n");
}

/* report_flow() as the core's on_end hook; arg is the FILE. */
void
report_flow_hook(void *arg, const struct flow_event *ev, uint64_t start_ms,
    uint64_t life_ms, bool known)
{
	report_flow(arg, ev, start_ms, life_ms, known);
}

/* An ISO 8601 time (UTC), or seconds when it cannot be had. */
void
report_time(uint64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = ms / 1000;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "%" PRIu64, ms / 1000);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
report_ports(const struct host *h, long *ret_min, long *ret_max)
{
	if (h->tcp_flows > 0) {
		*ret_min = h->port_min;
		*ret_max = h->port_max;
	} else if (h->any_min <= h->any_max) {
		*ret_min = h->any_min;
		*ret_max = h->any_max;
	} else
		*ret_min = *ret_max = -1;
}

/*
 * A host as it stands now: a copy whose open intervals are closed at the
 * core's time, so that a live daemon can report and carry on.
 */
void
report_snapshot(const struct core *c, const struct host *h,
    struct host *ret)
{
	*ret = *h;
	if (!c->finished)
		host_finish(ret, c->now_ms);
}

static void
live_text(FILE *fp, const struct core *c, const struct ct_stats *ls)
{
	fprintf(fp, "  live             events %" PRIu64 ", lost %" PRIu64
	    " (socket drops %" PRIu64 ", overruns %" PRIu64 "), incomplete "
	    "windows %" PRIu64 "\n", ls->events, c->cnt.lost, ls->drops,
	    ls->overruns, c->cnt.incomplete);
	fprintf(fp, "  dumps            %" PRIu64 " (entries %" PRIu64
	    ", errors %" PRIu64 "), adopted %" PRIu64 ", expired %" PRIu64
	    ", parse errors %" PRIu64 ", receive buffer %d bytes%s\n",
	    c->cnt.dumps, ls->dump_entries, ls->dump_errors, c->cnt.adopted,
	    c->cnt.expired, ls->parse_errors, ls->rcvbuf,
	    ls->filtered ? ", kernel filter on" : "");
}

static void
live_json(FILE *fp, const struct core *c, const struct ct_stats *ls)
{
	fprintf(fp, ",\n  \"live\": {\"events\": %" PRIu64 ", \"lost\": %"
	    PRIu64 ", \"socket_drops\": %" PRIu64 ", \"overruns\": %" PRIu64
	    ", \"incomplete_windows\": %" PRIu64 ", \"dumps\": %" PRIu64
	    ", \"dump_entries\": %" PRIu64 ", \"dump_errors\": %" PRIu64
	    ", \"adopted\": %" PRIu64 ", \"expired\": %" PRIu64
	    ", \"parse_errors\": %" PRIu64 ", \"rcvbuf\": %d"
	    ", \"kernel_filter\": %s, \"dumping\": %s, \"flows\": %zu}",
	    ls->events,
	    c->cnt.lost, ls->drops, ls->overruns, c->cnt.incomplete,
	    c->cnt.dumps, ls->dump_entries, ls->dump_errors, c->cnt.adopted,
	    c->cnt.expired, ls->parse_errors, ls->rcvbuf,
	    ls->filtered ? "true" : "false", ls->dumping ? "true" : "false",
	    c->flows.n);
}

#define V6SEEN_MIN	10	/* flows before a /64 is named */

/* The unmeasured IPv6 /64s worth naming, busiest first; their count. */
static size_t
report_v6seen(const struct core *c, const struct core_v6seen **v)
{
	size_t	i, j, n = 0;

	for (i = 0; i < c->nv6seen; i++)
		if (c->v6seen[i].flows >= V6SEEN_MIN)
			v[n++] = &c->v6seen[i];
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j]->flows > v[j - 1]->flows; j--) {
			const struct core_v6seen *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n;
}

/*
 * The text report's note on IPv6 flows nobody measured: the /64s, and
 * the option that adds them (a /48 when several /64s share one).
 */
static void
report_v6seen_text(FILE *fp, const struct core *c, bool live)
{
	const struct core_v6seen	*v[CORE_V6SEEN];
	struct net			 n48;
	char				 a[ADDR_STRLEN];
	size_t				 i, n = report_v6seen(c, v), same = 0;

	if (n == 0)
		return;
	fprintf(fp, "  unmeasured IPv6  ");
	for (i = 0; i < n; i++) {
		addr_fmt(&v[i]->prefix, a, sizeof(a));
		fprintf(fp, "%s%s/64 (%llu flows)", i ? ", " : "", a,
		    (unsigned long long)v[i]->flows);
		same += memcmp(v[i]->prefix.b, v[0]->prefix.b, 6) == 0;
	}
	n48.addr = v[0]->prefix;
	n48.plen = 48;
	net_mask(&n48);
	addr_fmt(&n48.addr, a, sizeof(a));
	fprintf(fp, "\n                   global sources, neither internal nor "
	    "NATed: their hosts are not measured; if they are clients, %s "
	    "%s/%d\n", live ? "add the LAN interface to internal_interfaces, "
	    "or to internal_networks" : "add --internal", a, same > 1 ? 48 :
	    64);
}

/*
 * A service's row of the text tables (report and ephemctl services):
 * name, flows, ended, lifetime quantiles, the longest, shares under 1
 * and 3 minutes; no newline.
 */
void
report_svc_row(FILE *fp, const struct svc *s)
{
	char	name[16], life[40];

	snprintf(name, sizeof(name), "%s/%u", timeouts_proto_name(s->proto),
	    s->port);
	snprintf(life, sizeof(life), "%.1f/%.1f/%.1f",
	    lhist_quantile(&s->life, 0.5) / 1000.0,
	    lhist_quantile(&s->life, 0.9) / 1000.0,
	    lhist_quantile(&s->life, 0.99) / 1000.0);
	fprintf(fp, "%-13s %8u %8u  %-24s %10.1f %5.2f %5.2f", name, s->flows,
	    s->life.n, life, s->max_ms / 1000.0,
	    s->life.n ? (double)s->under_1m / s->life.n : 0.0,
	    s->life.n ? (double)s->under_3m / s->life.n : 0.0);
}

void
report_text(FILE *fp, struct core *c, const struct replay_stats *st,
    const struct ct_stats *ls, const struct quar *q)
{
	struct host		 snap;
	struct host_report	 r;
	const struct host	*h;
	uint32_t		*ho, *so;
	char			 a[HOST_STRLEN], t0[32], t1[32], ports[16];
	char			 held[24], life[40];
	long			 pmin, pmax;
	size_t			 i, nh;

	ho = report_hosts(c, &nh);
	fprintf(fp, "%-39s %6s %6s %6s  %-7s %-11s  %-15s %5s %5s %5s %5s"
	    "  %-15s %-21s %5s %5s %7s %7s %6s\n",
	    "HOST", "FLOWS", "TCP", "UDP", "RANGE", "PORTS", "ALLOCATOR",
	    "+1", "SMALL", "PAIR", "EVEN", "HELD p50/95/max",
	    "LIFE s p50/p90/p99", "<1m", "<3m", "NEW/min", "DST/min",
	    "UNREPL");
	for (i = 0; ho != NULL && i < nh; i++) {
		report_snapshot(c, &c->hosts.v[ho[i]], &snap);
		h = &snap;
		host_report(h, &c->conf->classify, &r);
		host_fmt(h, a, sizeof(a));
		report_ports(h, &pmin, &pmax);
		if (pmin >= 0)
			snprintf(ports, sizeof(ports), "%ld-%ld", pmin, pmax);
		else
			snprintf(ports, sizeof(ports), "-");
		snprintf(held, sizeof(held), "%u/%u/%u", r.conc_p50,
		    r.conc_p95, r.conc_max);
		snprintf(life, sizeof(life), "%.1f/%.1f/%.1f", r.life_p50,
		    r.life_p90, r.life_p99);
		fprintf(fp, "%-39s %6u %6u %6u  %-7s %-11s  %-15s %5.2f %5.2f"
		    " %5.2f %5.2f  %-15s %-21s %5.2f %5.2f %7.1f %7.1f %6.2f\n",
		    a, h->flows, h->tcp_flows, h->udp_flows,
		    host_family_name(r.family), ports,
		    host_allocator_name(r.allocator), r.f_unit, r.f_small,
		    r.f_pair_small, r.even_ratio, held, life, r.under_1m,
		    r.under_3m, r.flows_per_min, r.dsts_per_min, r.unreplied);
	}
	free(ho);

	so = report_svc_order(c);
	fprintf(fp, "\n%-13s %8s %8s  %-24s %10s %5s %5s\n", "SERVICE",
	    "FLOWS", "ENDED", "LIFE s p50/p90/p99", "MAX s", "<1m", "<3m");
	for (i = 0; so != NULL && i < c->svcs.n && i < TEXT_SERVICES; i++) {
		report_svc_row(fp, &c->svcs.v[so[i]]);
		fputc('\n', fp);
	}
	if (c->svcs.n > TEXT_SERVICES)
		fprintf(fp, "(%zu more services in --report json)\n",
		    c->svcs.n - TEXT_SERVICES);
	free(so);

	report_time(st->first_ms, t0, sizeof(t0));
	report_time(st->last_ms, t1, sizeof(t1));
	fprintf(fp, "\ninput\n");
	if (ls == NULL)
		fprintf(fp, "  lines            %" PRIu64 "\n", st->lines);
	fprintf(fp, "  events           %" PRIu64 " (NEW %" PRIu64
	    ", DESTROY %" PRIu64 ")\n", st->events, c->cnt.new,
	    c->cnt.destroy);
	if (ls == NULL) {
		fprintf(fp, "  bad lines        %" PRIu64, st->bad);
		for (i = 0; i < st->bad && i < REPLAY_BAD_KEEP; i++)
			fprintf(fp, "%s%" PRIu64, i ? ", " :
			    " (first at lines ", st->bad_line[i]);
		fprintf(fp, "%s\n", st->bad ? ")" : "");
		fprintf(fp, "  ignored lines    %" PRIu64 "\n", st->ignored);
	}
	fprintf(fp, "  time span        %s .. %s (%.3f s)\n", t0, t1,
	    (st->last_ms - st->first_ms) / 1000.0);
	fprintf(fp, "  hosts            %zu, services %zu\n", c->hosts.n,
	    c->svcs.n);
	fprintf(fp, "  client flows     %" PRIu64 " (without ports %" PRIu64
	    "), non-client flows %" PRIu64 "\n", c->cnt.client_flows,
	    c->cnt.portless, c->cnt.non_client);
	report_v6seen_text(fp, c, ls != NULL);
	fprintf(fp, "  open at end      %zu\n", c->flows.n);
	fprintf(fp, "  DESTROY unseen   %" PRIu64 ", NEW repeated %" PRIu64
	    ", clock steps back %" PRIu64 "\n", c->cnt.orphan_destroy,
	    c->cnt.duplicate_new, c->cnt.time_backwards);
	fprintf(fp, "  refused          flow table full %" PRIu64
	    ", host table full %" PRIu64 ", service table full %" PRIu64
	    "\n", c->cnt.flows_full, c->cnt.hosts_full, c->cnt.svcs_full);
	if (c->cnt.hosts_evicted + c->cnt.svcs_evicted + c->cnt.aggregated)
		fprintf(fp, "  evicted          hosts %" PRIu64 ", services %"
		    PRIu64 "; NEW of IPv6 addresses counted in their /64 %"
		    PRIu64 "\n", c->cnt.hosts_evicted, c->cnt.svcs_evicted,
		    c->cnt.aggregated);
	if (ls != NULL)
		live_text(fp, c, ls);
	if (q != NULL)
		quar_report_text(fp, q, loop_wall_ms());
}

static void
json_life(FILE *fp, const struct lhist *l, double u1, double u3)
{
	fprintf(fp, "{\"samples\": %u, \"p50\": %.3f, \"p90\": %.3f, "
	    "\"p99\": %.3f, \"under_1m\": %.4f, \"under_3m\": %.4f}", l->n,
	    lhist_quantile(l, 0.5) / 1000.0, lhist_quantile(l, 0.9) / 1000.0,
	    lhist_quantile(l, 0.99) / 1000.0, u1, u3);
}

void
report_host_json(FILE *fp, const struct core *c, const struct host *live)
{
	const struct classify_conf *cc = &c->conf->classify;
	struct host_report	r;
	struct host		snap, *h = &snap;
	char			a[HOST_STRLEN];
	long			pmin, pmax;
	size_t			b;
	bool			first = true;

	report_snapshot(c, live, &snap);
	host_report(h, cc, &r);
	host_fmt(h, a, sizeof(a));
	report_ports(h, &pmin, &pmax);
	fprintf(fp, "    {\"host\": \"%s\", \"first_seen\": %.3f, "
	    "\"last_seen\": %.3f,\n", a, h->first_ms / 1000.0,
	    h->last_ms / 1000.0);
	fprintf(fp, "     \"flows\": %u, \"tcp_flows\": %u, \"udp_flows\": %u,"
	    " \"other_flows\": %u,\n", h->flows, h->tcp_flows, h->udp_flows,
	    h->other_flows);
	fprintf(fp, "     \"range_family\": \"%s\", ",
	    host_family_name(r.family));
	if (pmin >= 0)
		fprintf(fp, "\"port_min\": %ld, \"port_max\": %ld, "
		    "\"all_port_min\": %u, \"all_port_max\": %u,\n", pmin, pmax,
		    h->any_min, h->any_max);
	else
		fprintf(fp, "\"port_min\": null, \"port_max\": null, "
		    "\"all_port_min\": null, \"all_port_max\": null,\n");
	fprintf(fp, "     \"port_histogram\": [");
	for (b = 0; b < 256; b++) {
		if (h->hist[b] == 0)
			continue;
		fprintf(fp, "%s[%zu, %u]", first ? "" : ", ", b << 8,
		    h->hist[b]);
		first = false;
	}
	fprintf(fp, "],\n");
	fprintf(fp, "     \"allocator\": \"%s\", \"allocator_features\": "
	    "{\"tcp_ports\": %u, \"steps\": %u, \"unit_step\": %.4f, "
	    "\"small_step\": %.4f, \"zero_step\": %.4f, "
	    "\"same_dst_pairs\": %u, \"same_dst_small_step\": %.4f},\n",
	    host_allocator_name(r.allocator), h->n_tcp_ports, h->n_delta, r.f_unit,
	    r.f_small, h->n_delta ? (double)h->n_zero / h->n_delta : 0.0,
	    h->n_pair, r.f_pair_small);
	fprintf(fp, "     \"even_ratio\": %.4f,\n", r.even_ratio);
	fprintf(fp, "     \"concurrency\": {\"p50\": %u, \"p95\": %u, "
	    "\"max\": %u},\n", r.conc_p50, r.conc_p95, r.conc_max);
	fprintf(fp, "     \"lifetime\": ");
	json_life(fp, &h->life, r.under_1m, r.under_3m);
	fprintf(fp, ",\n     \"rates\": {\"active_minutes\": %u, "
	    "\"flows_per_min\": %.2f, \"flows_per_min_max\": %u, "
	    "\"dsts_per_min\": %.2f, \"dsts_per_min_max\": %u, "
	    "\"dports_per_min\": %.2f, \"dports_per_min_max\": %u, "
	    "\"unreplied\": %.4f}}", h->minutes, r.flows_per_min,
	    r.flows_per_min_max, r.dsts_per_min, r.dsts_per_min_max,
	    r.dports_per_min, r.dports_per_min_max, r.unreplied);
}

void
report_json(FILE *fp, struct core *c, const struct replay_stats *st,
    const struct ct_stats *ls, const struct quar *q)
{
	const struct svc	*s;
	uint32_t		*ho, *so;
	size_t			 i, nh;

	fprintf(fp, "{\n  \"hosts\": [\n");
	ho = report_hosts(c, &nh);
	for (i = 0; ho != NULL && i < nh; i++) {
		report_host_json(fp, c, &c->hosts.v[ho[i]]);
		fprintf(fp, "%s\n", i + 1 < nh ? "," : "");
	}
	free(ho);
	fprintf(fp, "  ],\n  \"services\": [\n");
	so = report_svc_order(c);
	for (i = 0; so != NULL && i < c->svcs.n; i++) {
		s = &c->svcs.v[so[i]];
		fprintf(fp, "    {\"proto\": \"%s\", \"port\": %u, \"flows\": %u,"
		    " \"max_lifetime\": %.3f, \"lifetime\": ",
		    timeouts_proto_name(s->proto), s->port, s->flows, s->max_ms / 1000.0);
		json_life(fp, &s->life,
		    s->life.n ? (double)s->under_1m / s->life.n : 0.0,
		    s->life.n ? (double)s->under_3m / s->life.n : 0.0);
		fprintf(fp, "}%s\n", i + 1 < c->svcs.n ? "," : "");
	}
	free(so);
	fprintf(fp, "  ],\n  \"input\": {\"lines\": %" PRIu64 ", \"events\": %"
	    PRIu64 ", \"new\": %" PRIu64 ", \"destroy\": %" PRIu64
	    ", \"bad_lines\": %" PRIu64 ", \"bad_line_numbers\": [", st->lines,
	    st->events, c->cnt.new, c->cnt.destroy, st->bad);
	for (i = 0; i < st->bad && i < REPLAY_BAD_KEEP; i++)
		fprintf(fp, "%s%" PRIu64, i ? ", " : "", st->bad_line[i]);
	fprintf(fp, "], \"ignored_lines\": %" PRIu64 ",\n", st->ignored);
	fprintf(fp, "    \"time_start\": %.3f, \"time_end\": %.3f, "
	    "\"span\": %.3f,\n", st->first_ms / 1000.0, st->last_ms / 1000.0,
	    (st->last_ms - st->first_ms) / 1000.0);
	fprintf(fp, "    \"hosts\": %zu, \"services\": %zu, \"client_flows\": %"
	    PRIu64 ", \"portless_flows\": %" PRIu64 ", \"non_client_flows\": %"
	    PRIu64 ", \"open_at_end\": %zu,\n", c->hosts.n, c->svcs.n,
	    c->cnt.client_flows, c->cnt.portless, c->cnt.non_client,
	    c->flows.n);
	fprintf(fp, "    \"orphan_destroys\": %" PRIu64 ", \"duplicate_new\": %"
	    PRIu64 ", \"time_backwards\": %" PRIu64 ", \"flow_table_full\": %"
	    PRIu64 ", \"host_table_full\": %" PRIu64 ", \"service_table_full\": %"
	    PRIu64 ",\n    \"hosts_evicted\": %" PRIu64 ", \"services_evicted\": %"
	    PRIu64 ", \"aggregated_ipv6\": %" PRIu64 ",\n    \"unmeasured_ipv6\": [",
	    c->cnt.orphan_destroy, c->cnt.duplicate_new, c->cnt.time_backwards,
	    c->cnt.flows_full, c->cnt.hosts_full, c->cnt.svcs_full,
	    c->cnt.hosts_evicted, c->cnt.svcs_evicted, c->cnt.aggregated);
	{
		const struct core_v6seen	*v[CORE_V6SEEN];
		char				 a[ADDR_STRLEN];
		size_t				 k, n = report_v6seen(c, v);

		for (k = 0; k < n; k++) {
			addr_fmt(&v[k]->prefix, a, sizeof(a));
			fprintf(fp, "%s{\"prefix\": \"%s/64\", \"flows\": %llu}",
			    k ? ", " : "", a, (unsigned long long)v[k]->flows);
		}
	}
	fprintf(fp, "]}");
	if (ls != NULL)
		live_json(fp, c, ls);
	if (q != NULL)
		quar_report_json(fp, q, loop_wall_ms());
	fprintf(fp, "\n}\n");
}
