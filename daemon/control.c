/*
 * The commands of the control socket (ephemctl(8)): each reads the
 * daemon's tables as they stand, between two events, and writes text or
 * JSON to the response.  ctl.c frames, bounds and times the exchange;
 * every command here checks its own arguments and answers a usage error
 * (CTL_USAGE) with the command's synopsis.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "daemon.h"
#include "log.h"

#define HOST_ALERTS	10	/* recent alerts shown by "host" */

struct command {
	const char	*name;
	int		(*run)(struct daemon *, int, char **, bool, FILE *);
	bool		 args;		/* takes arguments */
	const char	*usage;
	const char	*changes;	/* subcommands that change, "*" all */
};

static const struct command *command_find(const char *);

/* A usage error: the command's synopsis. */
static int
usage(FILE *out, bool json, const char *name)
{
	const struct command *c = command_find(name);

	ctl_error(out, json, "usage: %s", c != NULL ? c->usage : name);
	return CTL_USAGE;
}

/*
 * Options after the command: --name VALUE pairs, each allowed once, from
 * the names given (a NULL-terminated list).  vals[i] gets the value of
 * names[i], NULL when absent.  -1: a usage error.
 */
static int
options(int argc, char **argv, const char *const *names, const char **vals)
{
	int	i, k;

	for (k = 0; names[k] != NULL; k++)
		vals[k] = NULL;
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			return -1;
		for (k = 0; names[k] != NULL; k++)
			if (strcmp(argv[i] + 2, names[k]) == 0)
				break;
		if (names[k] == NULL || vals[k] != NULL || i + 1 >= argc)
			return -1;
		vals[k] = argv[++i];
	}
	return 0;
}

/* A count from 1 to 1000000 for --limit. */
static int
limit_parse(const char *s, size_t *ret)
{
	char		*end;
	unsigned long	 v;

	if (s == NULL)
		return 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v == 0 || v > 1000000)
		return -1;
	*ret = v;
	return 0;
}

/* --offset N: rows to skip, 0 to 1000000. */
static int
offset_parse(const char *s, size_t *ret)
{
	char		*end;
	unsigned long	 v;

	if (s == NULL)
		return 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v > 1000000)
		return -1;
	*ret = v;
	return 0;
}

/* An address argument; a usage error is written when it is not one. */
static int
address_arg(FILE *out, bool json, const char *s, struct addr *a)
{
	if (s == NULL || addr_parse(s, strlen(s), a) == -1) {
		ctl_error(out, json, "not an address: %.64s", s != NULL ? s :
		    "(none)");
		return -1;
	}
	return 0;
}

/*
 * An address, or an IPv6 /64 written ADDR/64 (*net64 set, a its first
 * address); a usage error is written when it is neither.
 */
static int
block_arg(FILE *out, bool json, const char *s, struct addr *a, bool *net64)
{
	if (addr_parse64(s, a, net64) == -1) {
		ctl_error(out, json, "not an address or an IPv6 /64: %.64s", s);
		return -1;
	}
	return 0;
}

/* The host's index in the core, or a "not found" error written. */
static struct host *
host_arg(struct daemon *d, FILE *out, bool json, const struct addr *a,
    bool seen, uint32_t *ret)
{
	struct host	*h = NULL;
	struct addr	 p = *a;
	char		 s[ADDR_STRLEN];

	/* one device's address is its host's, as the core counts it */
	if (core_alias_of(d->core, a, ret))
		h = &d->core->hosts.v[*ret];
	else
		h = hosttab_find(&d->core->hosts, a, ret);
	if (h == NULL && !addr_is_v4(a)) {
		memset(p.b + 8, 0, 8);	/* counted in its /64's host? */
		if ((h = hosttab_find(&d->core->hosts, &p, ret)) != NULL &&
		    !(h->hflags & HF_PREFIX))
			h = NULL;
	}
	if (h == NULL || (seen && h->last_ms == 0)) {
		addr_fmt(a, s, sizeof(s));
		ctl_error(out, json, "%s: no such host (not seen since the "
		    "start)", s);
		return NULL;
	}
	return h;
}

/* The internal prefixes and where each came from, for status. */
static void
status_prefixes(struct daemon *d, bool json, FILE *out)
{
	const struct rtnl_prefix	*p = NULL;
	const struct netlist		*cn = &d->conf->core.internal;
	char				 a[ADDR_STRLEN];
	size_t				 i, n;

	n = d->rtnl != NULL ? rtnl_prefixes(d->rtnl, &p) : cn->n;
	fprintf(out, json ? "\"internal\": [" : "internal  ");
	for (i = 0; i < n; i++) {
		const struct net	*net = p != NULL ? &p[i].net : &cn->v[i];
		const char		*src = p != NULL ? p[i].source :
					    "configuration";
		int			 plen = net->plen -
					    (addr_is_v4(&net->addr) ? 96 : 0);

		addr_fmt(&net->addr, a, sizeof(a));
		if (json)
			fprintf(out, "%s{\"prefix\": \"%s/%d\", \"source\": "
			    "\"%s\"}", i ? ", " : "", a, plen, src);
		else
			fprintf(out, "%s%s/%d (%s)", i ? (i % 3 ? ", " :
			    ",\n           ") : " ", a, plen, src);
	}
	fprintf(out, json ? "]" : "%s\n", n ? "" : " none");
}

/* ephemctl status */
static int
cmd_status(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	struct core	*c = d->core;
	uint64_t	 now = loop_wall_ms();
	bool		 learning = detect_learning(d->detect, now);

	if (json) {
		fprintf(out, "{\"version\": \"%s\", \"pid\": %ld, \"uptime\": "
		    "%.3f, \"events\": %llu, \"new\": %llu, \"destroy\": %llu, "
		    "\"lost\": %llu, \"flows\": %zu, \"hosts\": %zu, "
		    "\"services\": %zu, \"learning\": %s, \"alerts\": %llu, "
		    "\"alerts_held_back\": %llu, \"quarantine_enabled\": %s, "
		    "\"quarantined\": %zu, \"table_ok\": %s, \"dry_run\": %s, ",
		    PACKAGE_VERSION, (long)getpid(),
		    (now - d->started_ms) / 1000.0,
		    (unsigned long long)c->cnt.events,
		    (unsigned long long)c->cnt.new,
		    (unsigned long long)c->cnt.destroy,
		    (unsigned long long)c->cnt.lost, c->flows.n, c->hosts.n,
		    c->svcs.n, learning ? "true" : "false",
		    (unsigned long long)d->detect->raised,
		    (unsigned long long)d->detect->suppressed,
		    d->nftq != NULL ? "true" : "false",
		    quar_active(d->quar, now), d->table_ok ? "true" : "false",
		    d->conf->quar.dry_run ? "true" : "false");
		status_prefixes(d, true, out);
		fprintf(out, ", \"gateway\": {\"ipv4_down\": %s, \"ipv6_down\": "
		    "%s, \"excused\": %llu}}\n", gw_down(d->detect, true) ?
		    "true" : "false", gw_down(d->detect, false) ? "true" :
		    "false", (unsigned long long)d->detect->gw_excused);
		return CTL_OK;
	}
	fprintf(out, "ephemd %s, pid %ld, up %llu s\n", PACKAGE_VERSION,
	    (long)getpid(), (unsigned long long)(now - d->started_ms) / 1000);
	fprintf(out, "events     %llu (NEW %llu, DESTROY %llu), lost %llu\n",
	    (unsigned long long)c->cnt.events, (unsigned long long)c->cnt.new,
	    (unsigned long long)c->cnt.destroy,
	    (unsigned long long)c->cnt.lost);
	fprintf(out, "tables     flows %zu, hosts %zu, services %zu\n",
	    c->flows.n, c->hosts.n, c->svcs.n);
	status_prefixes(d, false, out);
	fprintf(out, "gateway    IPv4 %s, IPv6 %s; %llu failed contacts "
	    "excused (other hosts failed too)\n", gw_down(d->detect, true) ?
	    "DOWN (most contacts unanswered)" : "answering",
	    gw_down(d->detect, false) ? "DOWN (most contacts unanswered)" :
	    "answering", (unsigned long long)d->detect->gw_excused);
	fprintf(out, "learning   %s\n", learning ? "yes: the detectors "
	    "hold back, no quarantine" : "done");
	fprintf(out, "alerts     %llu raised, %llu held back by the "
	    "cool-down\n", (unsigned long long)d->detect->raised,
	    (unsigned long long)d->detect->suppressed);
	if (d->nftq != NULL)
		fprintf(out, "quarantine %zu hosts blocked%s, table inet %s "
		    "%s\n", quar_active(d->quar, now),
		    d->conf->quar.dry_run ? " (dry run)" : "", NFTQ_TABLE,
		    d->table_ok ? "whole" : "MISSING");
	else
		fprintf(out, "quarantine not enabled%s\n",
		    d->conf->quar.dry_run ? " (dry run)" : "");
	return CTL_OK;
}

static void
cmd_qhost(const struct qhost *h, bool json, bool first, uint64_t now,
    FILE *out)
{
	char	a[HOST_STRLEN];

	addr_fmt64(&h->addr, h->net64, a, sizeof(a));
	if (json)
		fprintf(out, "%s\n  {\"host\": \"%s\", \"since\": %.3f, "
		    "\"until\": %.3f, \"left\": %llu, \"offences\": %u, "
		    "\"by\": \"%s\", \"manual\": %s, \"dropped\": %llu}",
		    first ? "" : ",", a, h->since_ms / 1000.0,
		    h->until_ms / 1000.0,
		    (unsigned long long)(h->until_ms - now) / 1000,
		    h->offences, h->detector, h->manual ? "true" : "false",
		    (unsigned long long)h->drops);
	else
		fprintf(out, "%-39s %8llu %8u %-16s %10llu\n", a,
		    (unsigned long long)(h->until_ms - now) / 1000,
		    h->offences, h->detector, (unsigned long long)h->drops);
}

/* ephemctl quarantine list | add ADDR [--timeout D] | del ADDR */
static int
cmd_quarantine(struct daemon *d, int argc, char **argv, bool json,
    FILE *out)
{
	struct addr	 a;
	char		 note[160], qnote[320], host[HOST_STRLEN];
	uint32_t	 timeout = 0;
	uint64_t	 now = loop_wall_ms();
	size_t		 i;
	bool		 first = true, net64;
	int		 r;

	if (argc == 1 || (strcmp(argv[1], "list") == 0 && argc == 2)) {
		if (json)
			fprintf(out, "{\"hosts\": [");
		else
			fprintf(out, "%-39s %8s %8s %-16s %10s\n", "HOST",
			    "LEFT s", "OFFENCES", "BY", "DROPPED");
		for (i = 0; i < d->quar->n; i++)
			if (d->quar->v[i].until_ms > now) {
				cmd_qhost(&d->quar->v[i], json, first, now,
				    out);
				first = false;
			}
		if (json)
			fprintf(out, "%s]}\n", first ? "" : "\n");
		return CTL_OK;
	}
	if (argc < 3 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "del") != 0) || (strcmp(argv[1], "del") == 0 &&
	    argc != 3) || (strcmp(argv[1], "add") == 0 && argc != 3 &&
	    (argc != 5 || strcmp(argv[3], "--timeout") != 0)))
		return usage(out, json, argv[0]);
	if (block_arg(out, json, argv[2], &a, &net64) == -1)
		return CTL_USAGE;
	if (net64 && !d->conf->quar.prefix64) {
		ctl_error(out, json, "a /64 is blocked only with "
		    "quarantine.prefix64");
		return CTL_REFUSED;
	}
	addr_fmt64(&a, net64, host, sizeof(host));
	if (strcmp(argv[1], "del") == 0) {
		if (quar_del(d->quar, &a, net64, now) == -1) {
			ctl_error(out, json, "%s is not quarantined", host);
			return CTL_NOTFOUND;
		}
		log_info("control: quarantine of %s released by hand", host);
		fprintf(out, json ? "{\"host\": \"%s\", \"result\": "
		    "\"released\"}\n" : "%s: released\n", host);
		daemon_quar_save(d);
		return CTL_OK;
	}
	if (argc == 5 && (conf_duration_parse(argv[4], &timeout) == -1 ||
	    timeout == 0)) {
		ctl_error(out, json, "--timeout: not a duration: %.32s",
		    argv[4]);
		return CTL_USAGE;
	}
	if (d->nftq == NULL) {
		ctl_error(out, json, "quarantine.enabled is false");
		return CTL_REFUSED;
	}
	/* a server outside would cut every client off it */
	if (!netlist_contains(&d->core->internal, &a)) {
		ctl_error(out, json, "%s is not a client: outside the internal "
		    "networks, blocking it would cut every client off it",
		    host);
		return CTL_REFUSED;
	}
	r = quar_add(d->quar, &a, net64, timeout, now, note, sizeof(note));
	log_info("control: quarantine add %s: %s", host, note);
	ctl_json_quote(qnote, sizeof(qnote), note);
	if (json)
		fprintf(out, "{\"host\": \"%s\", \"result\": \"%s\", \"note\": "
		    "\"%s\"}\n", host, quar_result_name(r), qnote);
	else
		fprintf(out, "%s: %s\n", host, note);
	if (d->quar->dirty)
		daemon_quar_save(d);
	return r == QR_BLOCKED || r == QR_REFRESHED ? CTL_OK : CTL_REFUSED;
}

/* ephemctl reload: the result, or the configuration's errors */
static int
cmd_reload(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	char	*text = NULL, *p, q[1024];
	size_t	 len = 0;
	FILE	*mem;
	int	 r;

	if ((mem = open_memstream(&text, &len)) == NULL) {
		ctl_error(out, json, "out of memory");
		return CTL_FAILED;
	}
	r = daemon_reload(d, mem);
	fclose(mem);
	if (!json)
		fputs(text != NULL ? text : "", out);
	else {
		fprintf(out, "{\"reloaded\": %s, \"messages\": [",
		    r == 0 ? "true" : "false");
		for (p = strtok(text, "\n"); p != NULL; p = strtok(NULL, "\n")) {
			ctl_json_quote(q, sizeof(q), p);
			fprintf(out, "%s\"%s\"", p == text ? "" : ", ", q);
		}
		fprintf(out, "]}\n");
	}
	free(text);
	return r == 0 ? CTL_OK : CTL_FAILED;
}


/* ephemctl hosts [--sort KEY] [--limit N] */
struct hrow {
	uint32_t		i;
	struct host_report	r;
	double			key;
};

static const char *const host_keys[] = {
	"address", "flows", "held", "rate", "fanout", "lifetime", "last",
	NULL
};

static int
hrow_cmp(const void *a, const void *b, void *arg)
{
	const struct hrow	*x = a, *y = b;
	const struct host	*v = arg;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return addr_cmp(&v[x->i].addr, &v[y->i].addr);
}

/* The sort key: larger first; "address" sorts by the tie-break alone. */
static double
hrow_key(int k, const struct host *h, const struct host_report *r)
{
	switch (k) {
	case 1:
		return h->flows;
	case 2:
		return h->held;
	case 3:
		return r->flows_per_min;
	case 4:
		return r->dsts_per_min;
	case 5:
		return r->life_p50;
	case 6:
		return (double)h->last_ms;
	default:
		return 0;
	}
}

static bool
host_learned(const struct daemon *d, uint32_t i)
{
	return i < d->detect->hd_cap && d->detect->hd[i].learned_ms != 0;
}

static bool
host_quarantined(struct daemon *d, const struct host *h, uint64_t now)
{
	const struct qhost *q = quar_of_host(d->quar, h);

	return q != NULL && q->until_ms > now;
}

static void
hrow_out(struct daemon *d, const struct hrow *w, bool json, bool first,
    uint64_t now, FILE *out)
{
	/* host_finish() changes none of the counts read here */
	const struct host *h = &d->core->hosts.v[w->i];
	char		 a[HOST_STRLEN], ports[48];
	long		 pmin, pmax;
	bool		 q;

	host_fmt(h, a, sizeof(a));
	report_ports(h, &pmin, &pmax);
	q = host_quarantined(d, h, now);
	if (json) {
		fprintf(out, "%s\n  {\"host\": \"%s\", \"flows\": %u, "
		    "\"held\": %u, \"held_max\": %u, \"range_family\": "
		    "\"%s\", ", first ? "" : ",", a, h->flows, h->held,
		    w->r.conc_max, host_family_name(w->r.family));
		if (pmin >= 0)
			fprintf(out, "\"port_min\": %ld, \"port_max\": %ld, ",
			    pmin, pmax);
		else
			fprintf(out, "\"port_min\": null, \"port_max\": null, ");
		fprintf(out, "\"allocator\": \"%s\", \"flows_per_min\": %.2f, "
		    "\"dsts_per_min\": %.2f, \"lifetime_p50\": %.3f, "
		    "\"last_seen\": %.3f, \"baseline\": \"%s\", "
		    "\"quarantined\": %s}", host_allocator_name(w->r.allocator),
		    w->r.flows_per_min, w->r.dsts_per_min, w->r.life_p50,
		    h->last_ms / 1000.0, host_learned(d, w->i) ? "learned" :
		    "learning", q ? "true" : "false");
		return;
	}
	if (pmin >= 0)
		snprintf(ports, sizeof(ports), "%ld-%ld", pmin, pmax);
	else
		snprintf(ports, sizeof(ports), "-");
	fprintf(out, "%-39s %7u %5u %5u  %-7s %-11s  %-15s %7.1f %7.1f %8.1f "
	    "%6llu  %-8s %s\n", a, h->flows, h->held, w->r.conc_max,
	    host_family_name(w->r.family), ports,
	    host_allocator_name(w->r.allocator), w->r.flows_per_min,
	    w->r.dsts_per_min, w->r.life_p50, (unsigned long long)(now >
	    h->last_ms ? (now - h->last_ms) / 1000 : 0),
	    host_learned(d, w->i) ? "learned" : "learning", q ? "yes" : "no");
}

static int
cmd_hosts(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	static const char *const names[] = { "sort", "limit", "offset", NULL };
	const char	*vals[3];
	struct core	*c = d->core;
	struct hrow	*rows;
	struct host	 snap;
	uint64_t	 now = loop_wall_ms();
	size_t		 i, n = 0, limit = SIZE_MAX, offset = 0, shown;
	int		 k = 0;

	if (options(argc, argv, names, vals) == -1 ||
	    limit_parse(vals[1], &limit) == -1 ||
	    offset_parse(vals[2], &offset) == -1)
		return usage(out, json, argv[0]);
	if (vals[0] != NULL) {
		for (k = 0; host_keys[k] != NULL; k++)
			if (strcmp(vals[0], host_keys[k]) == 0)
				break;
		if (host_keys[k] == NULL) {
			ctl_error(out, json, "--sort: no key %.32s (address, "
			    "flows, held, rate, fanout, lifetime, last)",
			    vals[0]);
			return CTL_USAGE;
		}
	}
	if ((rows = calloc(c->hosts.n + 1, sizeof(*rows))) == NULL) {
		ctl_error(out, json, "out of memory");
		return CTL_FAILED;
	}
	for (i = 0; i < c->hosts.n; i++) {
		if (c->hosts.v[i].last_ms == 0)
			continue;	/* known only from state.file */
		report_snapshot(c, &c->hosts.v[i], &snap);
		rows[n].i = (uint32_t)i;
		host_report(&snap, &c->conf->classify, &rows[n].r);
		rows[n].key = hrow_key(k, &snap, &rows[n].r);
		n++;
	}
	qsort_r(rows, n, sizeof(*rows), hrow_cmp, c->hosts.v);
	if (json)
		fprintf(out, "{\"total\": %zu, \"offset\": %zu, \"sort\": "
		    "\"%s\", \"hosts\": [", n, offset, host_keys[k]);
	else
		fprintf(out, "%-39s %7s %5s %5s  %-7s %-11s  %-15s %7s %7s %8s "
		    "%6s  %-8s %s\n", "HOST", "FLOWS", "HELD", "MAX", "RANGE",
		    "PORTS", "ALLOCATOR", "NEW/min", "DST/min", "LIFE p50",
		    "IDLE s", "BASELINE", "QUARANTINED");
	/* a page: --offset rows skipped, --limit shown */
	for (i = offset, shown = 0; i < n && shown < limit; i++, shown++)
		hrow_out(d, &rows[i], json, shown == 0, now, out);
	if (json)
		fprintf(out, "%s]}\n", shown ? "\n" : "");
	else if (i < n)
		fprintf(out, "(%zu more hosts: --offset %zu)\n", n - i, i);
	free(rows);
	return CTL_OK;
}

/* The alerts about one host in the ring, newest first, at most max. */
static size_t
host_alerts(struct daemon *d, const struct addr *a, const struct alert **v,
    size_t max)
{
	uint64_t	i, kept = d->nring < ALERT_RING ? d->nring : ALERT_RING;
	size_t		n = 0;

	for (i = 0; i < kept && n < max; i++) {
		const struct alert *x = &d->ring[(d->nring - 1 - i) %
		    ALERT_RING];

		if (addr_cmp(&x->host, a) == 0)
			v[n++] = x;
	}
	return n;
}

#define HOST_DEV_ADDRS	32	/* a device's addresses listed */

/* The device host hi is: its MAC (text, or "" when none) and addresses. */
static size_t
host_device(struct daemon *d, uint32_t hi, char *mac, size_t len,
    struct addr *v)
{
	uint8_t	m[6];

	mac[0] = '\0';
	if (devices_mac_of(d->devices, hi, m))
		snprintf(mac, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		    m[2], m[3], m[4], m[5]);
	return core_aliases(d->core, hi, v, HOST_DEV_ADDRS);
}

static void
host_json(struct daemon *d, uint32_t hi, const struct host *h,
    const struct qhost *q, uint64_t now, FILE *out)
{
	const struct hdet	*hd = hi < d->detect->hd_cap ?
				    &d->detect->hd[hi] : NULL;
	const struct alert	*al[HOST_ALERTS];
	uint64_t		 bins[REPORT_LIFE_BINS];
	struct addr		 dev[HOST_DEV_ADDRS];
	char			 mac[18], a[ADDR_STRLEN];
	size_t			 i, n;

	fprintf(out, "{\"measured\":\n");
	report_host_json(out, d->core, h);
	fprintf(out, ",\n \"held\": %u, \"lifetime_histogram\": {", h->held);
	lhist_bins(&h->life, report_life_edges, REPORT_LIFE_BINS - 1,
	    bins);
	for (i = 0; i < REPORT_LIFE_BINS; i++)
		fprintf(out, "%s\"%s\": %llu", i ? ", " : "",
		    report_life_names[i], (unsigned long long)bins[i]);
	fprintf(out, "},\n \"baseline\": ");
	if (hd == NULL || hd->learned_ms == 0)
		fprintf(out, "{\"learned\": false}");
	else
		fprintf(out, "{\"learned\": true, \"since\": %.3f, "
		    "\"range_family\": \"%s\", \"allocator\": \"%s\", "
		    "\"port_min\": %u, \"port_max\": %u, \"even_ratio\": %.4f}",
		    hd->learned_ms / 1000.0, host_family_name(hd->family),
		    host_allocator_name(hd->allocator), hd->port_min, hd->port_max,
		    hd->even_ratio);
	fprintf(out, ",\n \"quarantine\": ");
	if (q == NULL)
		fprintf(out, "null");
	else {
		fprintf(out, "{\"quarantined\": %s, \"since\": %.3f, "
		    "\"until\": %.3f, \"offences\": %u, \"by\": \"%s\", "
		    "\"manual\": %s, \"dropped\": %llu, \"samples\": [",
		    q->until_ms > now ? "true" : "false", q->since_ms / 1000.0,
		    q->until_ms / 1000.0, q->offences, q->detector,
		    q->manual ? "true" : "false", (unsigned long long)q->drops);
		quar_samples_json(out, q);
		fprintf(out, "]}");
	}
	n = host_device(d, hi, mac, sizeof(mac), dev);
	fprintf(out, ",\n \"device\": {\"mac\": %s%s%s, \"addresses\": [",
	    mac[0] ? "\"" : "", mac[0] ? mac : "null", mac[0] ? "\"" : "");
	for (i = 0; i < n && i < HOST_DEV_ADDRS; i++) {
		addr_fmt(&dev[i], a, sizeof(a));
		fprintf(out, "%s\"%s\"", i ? ", " : "", a);
	}
	fprintf(out, "]}");
	fprintf(out, ",\n \"alerts\": [");
	n = host_alerts(d, &h->addr, al, HOST_ALERTS);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		alert_json(out, al[i]);
	}
	fprintf(out, "]}\n");
}

static void
host_text(struct daemon *d, uint32_t hi, const struct host *h,
    const struct qhost *q, uint64_t now, FILE *out)
{
	const struct hdet	*hd = hi < d->detect->hd_cap ?
				    &d->detect->hd[hi] : NULL;
	const struct alert	*al[HOST_ALERTS];
	struct host_report	 r;
	uint64_t		 bins[REPORT_LIFE_BINS];
	struct addr		 dev[HOST_DEV_ADDRS];
	char			 a[HOST_STRLEN], t[32], line[640], mac[18];
	long			 pmin, pmax;
	size_t			 i, n;

	host_report(h, &d->core->conf->classify, &r);
	host_fmt(h, a, sizeof(a));
	report_ports(h, &pmin, &pmax);
	report_time(h->first_ms, t, sizeof(t));
	fprintf(out, "host         %s, seen since %s, idle %llu s\n", a, t,
	    (unsigned long long)(now > h->last_ms ? (now - h->last_ms) / 1000 :
	    0));
	n = host_device(d, hi, mac, sizeof(mac), dev);
	if (mac[0] != '\0' || n > 0) {
		fprintf(out, "device       MAC %s, %zu more address%s", mac[0] ?
		    mac : "unknown", n, n == 1 ? "" : "es");
		for (i = 0; i < n && i < HOST_DEV_ADDRS; i++) {
			addr_fmt(&dev[i], line, sizeof(line));
			fprintf(out, "%s%s", i ? ", " : ": ", line);
		}
		fputc('\n', out);
	}
	fprintf(out, "flows        %u (TCP %u, UDP %u, other %u), ended %u, "
	    "unreplied %.0f %%\n", h->flows, h->tcp_flows, h->udp_flows,
	    h->other_flows, h->ended, r.unreplied * 100);
	if (pmin >= 0)
		fprintf(out, "range        %ld-%ld, family %s\n", pmin, pmax,
		    host_family_name(r.family));
	else
		fprintf(out, "range        none yet\n");
	fprintf(out, "allocator    %s: of %u steps between TCP connects, "
	    "%.0f %% were +1 and %.0f %% within 1..16; of %u per-destination "
	    "pairs %.0f %% within 1..16; even ports %.0f %%\n",
	    host_allocator_name(r.allocator), h->n_delta, r.f_unit * 100,
	    r.f_small * 100, h->n_pair, r.f_pair_small * 100,
	    r.even_ratio * 100);
	fprintf(out, "concurrency  %u held now, p50 %u, p95 %u, max %u\n",
	    h->held, r.conc_p50, r.conc_p95, r.conc_max);
	fprintf(out, "rates        %.1f NEW/min (max %u), %.1f destinations/min "
	    "(max %u), over %u active minutes\n", r.flows_per_min,
	    r.flows_per_min_max, r.dsts_per_min, r.dsts_per_min_max,
	    h->minutes);
	fprintf(out, "lifetime     %u flows: p50 %.1f s, p90 %.1f s, p99 %.1f s\n",
	    h->life.n, r.life_p50, r.life_p90, r.life_p99);
	lhist_bins(&h->life, report_life_edges, REPORT_LIFE_BINS - 1,
	    bins);
	for (i = 0; i < REPORT_LIFE_BINS; i++)
		fprintf(out, "  %-8s %8llu\n", report_life_names[i],
		    (unsigned long long)bins[i]);
	if (hd == NULL || hd->learned_ms == 0)
		fprintf(out, "baseline     learning\n");
	else {
		report_time(hd->learned_ms, t, sizeof(t));
		fprintf(out, "baseline     learned %s: range %u-%u (%s), "
		    "allocator %s, even ports %.0f %%\n", t, hd->port_min,
		    hd->port_max, host_family_name(hd->family),
		    host_allocator_name(hd->allocator), hd->even_ratio * 100);
	}
	if (q == NULL || q->until_ms <= now)
		fprintf(out, "quarantine   no%s\n", q != NULL && q->offences ?
		    " (offences remembered)" : "");
	else
		fprintf(out, "quarantine   yes, %llu s left, by %s, %u "
		    "offences, %llu packets dropped (NFLOG)\n",
		    (unsigned long long)(q->until_ms - now) / 1000,
		    q->detector, q->offences, (unsigned long long)q->drops);
	n = host_alerts(d, &h->addr, al, HOST_ALERTS);
	fprintf(out, "alerts       %zu recent%s\n", n, n ? ", newest first:" :
	    "");
	for (i = 0; i < n; i++) {
		report_time(al[i]->ts_ms, t, sizeof(t));
		alert_line(al[i], line, sizeof(line));
		fprintf(out, "  %s %s\n", t, line);
	}
}

/* ephemctl host ADDRESS */
static int
cmd_host(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	struct host	 snap;
	struct addr	 a;
	uint32_t	 hi;
	uint64_t	 now = loop_wall_ms();

	if (argc != 2)
		return usage(out, json, argv[0]);
	if (address_arg(out, json, argv[1], &a) == -1)
		return CTL_USAGE;
	if (host_arg(d, out, json, &a, true, &hi) == NULL)
		return CTL_NOTFOUND;
	if (json)	/* the report's writer takes its own snapshot */
		host_json(d, hi, &d->core->hosts.v[hi], quar_of_host(d->quar,
		    &d->core->hosts.v[hi]), now, out);
	else {
		report_snapshot(d->core, &d->core->hosts.v[hi], &snap);
		host_text(d, hi, &snap, quar_of_host(d->quar,
		    &d->core->hosts.v[hi]), now, out);
	}
	return CTL_OK;
}

/* ephemctl services [--limit N]: busiest first */
static int
cmd_services(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	static const char *const names[] = { "limit", NULL };
	const char	*vals[1];
	struct core	*c = d->core;
	uint32_t	*o;
	size_t		 i, limit = SIZE_MAX;

	if (options(argc, argv, names, vals) == -1 ||
	    limit_parse(vals[0], &limit) == -1)
		return usage(out, json, argv[0]);
	if ((o = report_svc_order(c)) == NULL && c->svcs.n > 0) {
		ctl_error(out, json, "out of memory");
		return CTL_FAILED;
	}
	if (json)
		fprintf(out, "{\"total\": %zu, \"services\": [", c->svcs.n);
	else
		fprintf(out, "%-13s %8s %8s  %-24s %10s %5s %5s %8s\n",
		    "SERVICE", "FLOWS", "ENDED", "LIFE s p50/p90/p99", "MAX s",
		    "<1m", "<3m", "LIMIT s");
	for (i = 0; i < c->svcs.n && i < limit; i++) {
		const struct svc	*s = &c->svcs.v[o[i]];
		const struct ll_svc	*ll = o[i] < d->detect->ll_cap ?
					    &d->detect->ll[o[i]] : NULL;
		double			 u1, u3, lim;

		u1 = s->life.n ? (double)s->under_1m / s->life.n : 0.0;
		u3 = s->life.n ? (double)s->under_3m / s->life.n : 0.0;
		lim = ll != NULL && ll->limit_ms ? ll->limit_ms / 1000.0 : -1;
		if (json) {
			fprintf(out, "%s\n  {\"proto\": \"%s\", \"port\": %u, "
			    "\"flows\": %u, \"ended\": %u, \"p50\": %.3f, "
			    "\"p90\": %.3f, \"p99\": %.3f, \"max_lifetime\": "
			    "%.3f, \"under_1m\": %.4f, \"under_3m\": %.4f, "
			    "\"long_lived_limit\": ", i ? "," : "",
			    timeouts_proto_name(s->proto), s->port, s->flows, s->life.n,
			    lhist_quantile(&s->life, 0.5) / 1000.0,
			    lhist_quantile(&s->life, 0.9) / 1000.0,
			    lhist_quantile(&s->life, 0.99) / 1000.0,
			    s->max_ms / 1000.0, u1, u3);
			if (lim < 0)
				fprintf(out, "null}");
			else
				fprintf(out, "%.3f}", lim);
			continue;
		}
		report_svc_row(out, s);
		if (lim < 0)
			fprintf(out, " %8s\n", "-");
		else
			fprintf(out, " %8.0f\n", lim);
	}
	if (json)
		fprintf(out, "%s]}\n", i ? "\n" : "");
	else if (c->svcs.n > limit)
		fprintf(out, "(%zu more services)\n", c->svcs.n - limit);
	free(o);
	return CTL_OK;
}

/* ephemctl alerts [--since DURATION] [--host ADDRESS] [--limit N] */
static int
cmd_alerts(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	static const char *const names[] = { "since", "host", "limit", NULL };
	const char	*vals[3];
	struct addr	 a;
	uint64_t	 now = loop_wall_ms(), from = 0, i, first, kept;
	uint32_t	 since;
	size_t		 limit = SIZE_MAX, n = 0, skip = 0, total = 0;
	char		 t[32], line[640];

	if (options(argc, argv, names, vals) == -1 ||
	    limit_parse(vals[2], &limit) == -1)
		return usage(out, json, argv[0]);
	if (vals[0] != NULL) {
		if (conf_duration_parse(vals[0], &since) == -1) {
			ctl_error(out, json, "--since: not a duration: %.32s",
			    vals[0]);
			return CTL_USAGE;
		}
		from = now > since * 1000ULL ? now - since * 1000ULL : 0;
	}
	if (vals[1] != NULL && address_arg(out, json, vals[1], &a) == -1)
		return CTL_USAGE;
	kept = d->nring < ALERT_RING ? d->nring : ALERT_RING;
	first = d->nring - kept;
	/* the newest "limit" of those that match, oldest first */
	for (i = first; i < d->nring; i++) {
		const struct alert *x = &d->ring[i % ALERT_RING];

		if (x->ts_ms >= from && (vals[1] == NULL ||
		    addr_cmp(&x->host, &a) == 0))
			total++;
	}
	if (total > limit)
		skip = total - limit;
	if (json)
		fprintf(out, "{\"raised\": %llu, \"kept\": %llu, \"matched\": "
		    "%zu, \"alerts\": [", (unsigned long long)d->nring,
		    (unsigned long long)kept, total);
	for (i = first; i < d->nring; i++) {
		const struct alert *x = &d->ring[i % ALERT_RING];

		if (x->ts_ms < from || (vals[1] != NULL &&
		    addr_cmp(&x->host, &a) != 0))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		if (json) {
			fputs(n ? ", " : "\n", out);
			alert_json(out, x);
		} else {
			report_time(x->ts_ms, t, sizeof(t));
			alert_line(x, line, sizeof(line));
			fprintf(out, "%s %s\n", t, line);
		}
		n++;
	}
	if (json)
		fprintf(out, "]}\n");
	else if (n == 0)
		fprintf(out, "no alerts%s\n", vals[0] != NULL ? " in that time" :
		    "");
	if (!json && d->nring > ALERT_RING && (vals[0] == NULL ||
	    d->ring[first % ALERT_RING].ts_ms > from))
		fprintf(out, "(only the last %d alerts are kept here; alerts."
		    "file and the log have them all)\n", ALERT_RING);
	return CTL_OK;
}

/* ephemctl baseline save | reset [ADDRESS] */
static int
cmd_baseline(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	struct addr	 a;
	uint32_t	 hi;
	uint64_t	 now = loop_wall_ms();
	char		 err[512], host[ADDR_STRLEN] = "";
	bool		 saved;

	if (argc == 2 && strcmp(argv[1], "save") == 0) {
		if (daemon_state_save(d, false, err, sizeof(err)) == -1) {
			ctl_error(out, json, "not saved: %s", err);
			return CTL_FAILED;
		}
		log_info("control: baselines saved to %s", d->conf->state_file);
		if (json)
			fprintf(out, "{\"saved\": true, \"file\": \"%s\"}\n",
			    d->conf->state_file);
		else
			fprintf(out, "baselines saved to %s\n",
			    d->conf->state_file);
		return CTL_OK;
	}
	if ((argc != 2 && argc != 3) || strcmp(argv[1], "reset") != 0)
		return usage(out, json, argv[0]);
	if (argc == 3) {
		if (address_arg(out, json, argv[2], &a) == -1)
			return CTL_USAGE;
		if (host_arg(d, out, json, &a, false, &hi) == NULL)
			return CTL_NOTFOUND;
		detect_reset_host(d->detect, hi, now);
		addr_fmt(&a, host, sizeof(host));
	} else
		detect_reset_all(d->detect, now);
	saved = d->conf->state_file != NULL &&
	    daemon_state_save(d, false, err, sizeof(err)) == 0;
	log_info("control: baseline of %s reset: learning again for %u s and "
	    "at least %u flows", host[0] ? host : "every host and service",
	    d->conf->detect.learning_s, d->conf->detect.learn_flows);
	if (json)
		fprintf(out, "{\"reset\": \"%s\", \"learning\": %u, "
		    "\"learn_flows\": %u, \"saved\": %s}\n", host[0] ? host :
		    "all", d->conf->detect.learning_s,
		    d->conf->detect.learn_flows, saved ? "true" : "false");
	else
		fprintf(out, "baseline of %s reset: it learns again for %u s "
		    "and at least %u flows%s\n", host[0] ? host : "every host "
		    "and service", d->conf->detect.learning_s,
		    d->conf->detect.learn_flows, saved ? "; state file saved" :
		    "");
	return CTL_OK;
}

/* One "name value" pair of stats: a JSON member or an aligned line. */
static void
stat_u(FILE *out, bool json, bool *first, const char *name, uint64_t v)
{
	if (json)
		fprintf(out, "%s\"%s\": %llu", *first ? "" : ", ", name,
		    (unsigned long long)v);
	else
		fprintf(out, "  %-22s %llu\n", name, (unsigned long long)v);
	*first = false;
}

static void
stat_group(FILE *out, bool json, bool *first, bool *gfirst, const char *name)
{
	if (json)
		fprintf(out, "%s\n  \"%s\": {", *gfirst ? "" : "},", name);
	else
		fprintf(out, "%s\n", name);
	*gfirst = false;
	*first = true;
}

/* ephemctl stats: every counter the daemon keeps */
static int
cmd_stats(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	const struct core_counters *c = &d->core->cnt;
	const struct quar	*q = d->quar;
	struct ctl_stats	 cs = { 0 };
	struct rtnl_stats	 rs = { 0 };
	struct ct_stats		 ls;
	bool			 f, g = true;
	size_t			 i;
	int			 r;

	(void)argc;
	(void)argv;
	daemon_stats_refresh(d);
	ct_get_stats(d->ct, &ls);
	if (d->ctl != NULL)
		ctl_get_stats(d->ctl, &cs);
	if (d->rtnl != NULL)
		rtnl_get_stats(d->rtnl, &rs);
	if (json)
		fputs("{", out);
	stat_group(out, json, &f, &g, "events");
	stat_u(out, json, &f, "events", c->events);
	stat_u(out, json, &f, "new", c->new);
	stat_u(out, json, &f, "destroy", c->destroy);
	stat_u(out, json, &f, "lost", c->lost);
	stat_u(out, json, &f, "incomplete_windows", c->incomplete);
	stat_u(out, json, &f, "client_flows", c->client_flows);
	stat_u(out, json, &f, "portless_flows", c->portless);
	stat_u(out, json, &f, "non_client_flows", c->non_client);
	stat_u(out, json, &f, "orphan_destroys", c->orphan_destroy);
	stat_u(out, json, &f, "duplicate_new", c->duplicate_new);
	stat_u(out, json, &f, "time_backwards", c->time_backwards);
	stat_u(out, json, &f, "flow_table_full", c->flows_full);
	stat_u(out, json, &f, "host_table_full", c->hosts_full);
	stat_u(out, json, &f, "service_table_full", c->svcs_full);
	stat_u(out, json, &f, "hosts_evicted", c->hosts_evicted);
	stat_u(out, json, &f, "services_evicted", c->svcs_evicted);
	stat_u(out, json, &f, "aggregated_ipv6", c->aggregated);
	stat_group(out, json, &f, &g, "conntrack");
	stat_u(out, json, &f, "messages", ls.msgs);
	stat_u(out, json, &f, "socket_drops", ls.drops);
	stat_u(out, json, &f, "overruns", ls.overruns);
	stat_u(out, json, &f, "parse_errors", ls.parse_errors);
	stat_u(out, json, &f, "dumps", c->dumps);
	stat_u(out, json, &f, "dump_entries", ls.dump_entries);
	stat_u(out, json, &f, "dump_errors", ls.dump_errors);
	stat_u(out, json, &f, "adopted", c->adopted);
	stat_u(out, json, &f, "adopted_with_start", c->adopted_started);
	stat_u(out, json, &f, "expired", c->expired);
	stat_u(out, json, &f, "rcvbuf", (uint64_t)(ls.rcvbuf > 0 ? ls.rcvbuf :
	    0));
	stat_group(out, json, &f, &g, "rtnetlink");
	stat_u(out, json, &f, "events", rs.events);
	stat_u(out, json, &f, "overruns", rs.overruns);
	stat_u(out, json, &f, "dumps", rs.dumps);
	stat_u(out, json, &f, "bad", rs.bad);
	stat_group(out, json, &f, &g, "tables");
	stat_u(out, json, &f, "flows", d->core->flows.n);
	stat_u(out, json, &f, "hosts", d->core->hosts.n);
	stat_u(out, json, &f, "services", d->core->svcs.n);
	stat_group(out, json, &f, &g, "alerts");
	stat_u(out, json, &f, "raised", d->detect->raised);
	stat_u(out, json, &f, "held_back", d->detect->suppressed);
	for (i = 0; i < NDETECTORS; i++)
		stat_u(out, json, &f, detect_name(i), d->detect->by_detector[i]);
	stat_group(out, json, &f, &g, "quarantine");
	stat_u(out, json, &f, "active", quar_active(q, loop_wall_ms()));
	for (r = 0; r < QR_NRESULTS; r++)
		stat_u(out, json, &f, quar_result_name(r), q->results[r]);
	stat_u(out, json, &f, "released", q->released);
	stat_u(out, json, &f, "expired", q->expired);
	stat_u(out, json, &f, "unreachable", q->unreachable);
	stat_u(out, json, &f, "kernel_batches", q->nft.batches);
	stat_u(out, json, &f, "kernel_added", q->nft.added);
	stat_u(out, json, &f, "kernel_deleted", q->nft.deleted);
	stat_u(out, json, &f, "kernel_refused", q->nft.refused);
	stat_group(out, json, &f, &g, "nflog");
	stat_u(out, json, &f, "packets", q->nflog.packets);
	stat_u(out, json, &f, "lost", q->nflog.lost);
	stat_u(out, json, &f, "overruns", q->nflog.overruns);
	stat_u(out, json, &f, "bad", q->nflog.bad);
	stat_u(out, json, &f, "unknown_source", q->nflog_unknown);
	stat_group(out, json, &f, &g, "control");
	stat_u(out, json, &f, "clients", cs.clients);
	stat_u(out, json, &f, "requests", cs.requests);
	stat_u(out, json, &f, "errors", cs.errors);
	stat_u(out, json, &f, "busy", cs.busy);
	stat_u(out, json, &f, "timeouts", cs.timeouts);
	stat_u(out, json, &f, "oversized", cs.oversized);
	stat_u(out, json, &f, "denied", cs.denied);
	stat_u(out, json, &f, "accept_errors", cs.accept_errors);
	if (json)
		fputs("}}\n", out);
	return CTL_OK;
}

/* ephemctl metrics: what metrics.file holds, made now */
static int
cmd_metrics(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	struct metrics_src	m;
	struct ct_stats		ls;

	(void)argc;
	(void)argv;
	daemon_metrics_src(d, &m, &ls);
	metrics_write(out, &m, json);
	return CTL_OK;
}

/*
 * ephemctl report [--html]: the report of report.file, made now: text,
 * JSON with -j, or the HTML page.
 */
static int
cmd_report(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	int	format = json ? REPORT_JSON : REPORT_TEXT;

	if (argc == 2 && strcmp(argv[1], "--html") == 0 && !json)
		format = REPORT_HTML;
	else if (argc != 1)
		return usage(out, json, argv[0]);
	daemon_report_out(d, format, out);
	return CTL_OK;
}

static int	cmd_help(struct daemon *, int, char **, bool, FILE *);

/* Every command; ephemctl(8) documents each (tests/doccheck.test). */
static const struct command commands[] = {
	{ "status",	cmd_status,	false, "status", NULL },
	{ "hosts",	cmd_hosts,	true,
	    "hosts [--sort address|flows|held|rate|fanout|lifetime|last] "
	    "[--limit N] [--offset N]", NULL },
	{ "host",	cmd_host,	true,	"host ADDRESS", NULL },
	{ "services",	cmd_services,	true,	"services [--limit N]", NULL },
	{ "alerts",	cmd_alerts,	true,
	    "alerts [--since DURATION] [--host ADDRESS] [--limit N]", NULL },
	{ "quarantine",	cmd_quarantine,	true,
	    "quarantine list | add ADDRESS [--timeout DURATION] | del ADDRESS",
	    "add del" },
	{ "baseline",	cmd_baseline,	true,	"baseline save | reset [ADDRESS]",
	    "*" },
	{ "reload",	cmd_reload,	false,	"reload", "*" },
	{ "stats",	cmd_stats,	false,	"stats", NULL },
	{ "metrics",	cmd_metrics,	false,	"metrics", NULL },
	{ "report",	cmd_report,	true,	"report [--html]", NULL },
	{ "help",	cmd_help,	false,	"help", NULL },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct command *
command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* ephemctl help: the synopsis of every command */
static int
cmd_help(struct daemon *d, int argc, char **argv, bool json, FILE *out)
{
	char	q[256];
	size_t	i;

	(void)d;
	(void)argc;
	(void)argv;
	if (json)
		fputs("{\"commands\": [", out);
	for (i = 0; i < NCOMMANDS; i++) {
		ctl_json_quote(q, sizeof(q), commands[i].usage);
		if (json)
			fprintf(out, "%s\"%s\"", i ? ", " : "", q);
		else
			fprintf(out, "%s\n", commands[i].usage);
	}
	if (json)
		fputs("]}\n", out);
	return CTL_OK;
}

/* Whether this request changes something: only admins may. */
static bool
command_changes(const struct command *c, int argc, char **argv)
{
	const char	*w;
	size_t		 n;

	if (c->changes == NULL)
		return false;
	if (strcmp(c->changes, "*") == 0)
		return true;
	if (argc < 2)
		return false;
	n = strlen(argv[1]);
	for (w = c->changes; (w = strstr(w, argv[1])) != NULL; w += n)
		if ((w == c->changes || w[-1] == ' ') &&
		    (w[n] == ' ' || w[n] == '\0'))
			return true;
	return false;
}

/*
 * The control socket's handler: one request, argv[0] the command.  A
 * change needs an admin (ctl.c: root, ephemd's user, control.admin_group)
 * and is logged with who asked.
 */
int
control_command(void *arg, const struct ctl_peer *peer, int argc,
    char **argv, bool json, FILE *out)
{
	const struct command	*c = command_find(argv[0]);
	char			 req[256];
	size_t			 used = 0;
	int			 i, code;

	if (c == NULL) {
		ctl_error(out, json, "unknown command: %.32s (ephemctl help "
		    "lists them)", argv[0]);
		return CTL_USAGE;
	}
	if (!c->args && argc > 1)
		return usage(out, json, c->name);
	if (!command_changes(c, argc, argv))
		return c->run(arg, argc, argv, json, out);
	for (i = 0; i < argc && used < sizeof(req); i++)
		used += (size_t)snprintf(req + used, sizeof(req) - used,
		    "%s%s", i ? " " : "", argv[i]);
	if (!peer->admin) {
		log_warnx("control: uid %u (pid %d) may not: %s", peer->uid,
		    peer->pid, req);
		ctl_error(out, json, "%s changes the daemon: only root, "
		    "ephemd's user and members of control.admin_group may; "
		    "uid %u may read", argv[0], peer->uid);
		return CTL_DENIED;
	}
	code = c->run(arg, argc, argv, json, out);
	log_info("control: uid %u (pid %d): %s: code %d", peer->uid,
	    peer->pid, req, code);
	return code;
}
