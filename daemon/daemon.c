/*
 * The live daemon's life: start-up (kernel timeouts, netlink, privilege
 * drop), one epoll loop, signals through a signalfd, reload that never
 * leaves a half-applied configuration, the report file, shutdown.
 *
 *	SIGTERM, SIGINT		clean shutdown (the report is written)
 *	SIGHUP			reload the configuration file
 *	SIGUSR1			counters to the log
 *	SIGUSR2			write the report file now
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "live.h"
#include "daemon.h"
#include "log.h"


/* One alert to the log and to alerts.file. */
static void
daemon_alert_out(struct daemon *d, const struct alert *in)
{
	struct alert	 w = *in, *a = &w;
	char		 line[640], host[sizeof(a->label) > ADDR_STRLEN ?
			    sizeof(a->label) : ADDR_STRLEN];

	/* the pipeline's time as the wall clock has it now */
	w.ts_ms = loop_clock_to_wall(in->ts_ms);
	alert_line(a, line, sizeof(line));
	alert_host(a, host, sizeof(host));
	/* under systemd, one journal entry with the alert's fields */
	if (!d->journal || journal_alert(a, line, host) == -1)
		log_warnx("%s", line);
	if (d->ring == NULL)
		d->ring = calloc(ALERT_RING, sizeof(*d->ring));
	if (d->ring != NULL)
		d->ring[d->nring++ % ALERT_RING] = *a;
	if (d->alerts != NULL) {
		int	fd = fileno(d->alerts), saved;
		off_t	end = lseek(fd, 0, SEEK_END);

		alert_json(d->alerts, a);
		if (fflush(d->alerts) == EOF || ferror(d->alerts)) {
			/* a line cut by a full disk would spoil the next one */
			saved = errno;
			if (end != -1)
				(void)ftruncate(fd, end);
			clearerr(d->alerts);
			errno = saved;
			if (!d->alerts_failing)
				log_warn("alerts.file %s",
				    d->conf->alerts_file);
			d->alerts_failing = true;
		} else if (d->alerts_failing) {
			log_info("alerts.file %s written",
			    d->conf->alerts_file);
			d->alerts_failing = false;
		}
	}
}

/*
 * A detector's circuit breaker opened (it blocked too many hosts too
 * fast) or closed again: one alert each, from detector "quarantine".
 */
static void
daemon_breaker_alert(struct daemon *d, const struct qbreaker *b,
    uint64_t now, bool opened)
{
	const struct quar_conf	*qc = &d->conf->quar;
	struct alert		 a;

	memset(&a, 0, sizeof(a));
	a.ts_ms = now;
	a.detector = "quarantine";
	a.severity = opened ? SEV_CRITICAL : SEV_INFO;
	a.action = ACT_LOG;
	snprintf(a.label, sizeof(a.label), "*");
	if (opened)
		snprintf(a.summary, sizeof(a.summary), "circuit breaker: %s "
		    "blocked %u hosts within %u s (quarantine.max_burst %u); "
		    "it blocks no more until %u s pass without its verdicts, "
		    "the blocks made stay: check the detector and the network",
		    b->detector, b->blocked, qc->burst_window_s, qc->max_burst,
		    qc->burst_window_s);
	else
		snprintf(a.summary, sizeof(a.summary), "circuit breaker: %s "
		    "blocks again; it was open %llu s and refused %llu "
		    "verdicts", b->detector,
		    (unsigned long long)((now - b->opened_ms) / 1000),
		    (unsigned long long)b->refused);
	snprintf(a.evidence, sizeof(a.evidence), "{\"breaker\": \"%s\", "
	    "\"open\": %s, \"blocked_in_window\": %u, \"max_burst\": %u, "
	    "\"burst_window\": %u, \"refused\": %llu, \"opened\": %.3f}",
	    b->detector, opened ? "true" : "false", b->blocked, qc->max_burst,
	    qc->burst_window_s, (unsigned long long)b->refused,
	    b->opened_ms / 1000.0);
	daemon_alert_out(d, &a);
}

/*
 * A device's block covers its other addresses (identity.mode "mac": the
 * IPv6 addresses its MAC stands behind), until the block ends.
 */
static void
daemon_block_device(struct daemon *d, const struct alert *a)
{
	struct addr	v[32];
	char		note[160], s[ADDR_STRLEN];
	size_t		i, n;
	int		r;

	if (a->hidx == UINT32_MAX || a->prefix)
		return;		/* a /64's block covers its addresses */
	n = core_aliases(d->core, a->hidx, v, 32);
	for (i = 0; i < n && i < 32; i++) {
		r = quar_also(d->quar, &v[i], &a->host, loop_wall_ms(), note,
		    sizeof(note));
		addr_fmt(&v[i], s, sizeof(s));
		log_info("quarantine of %s, the same device: %s%s", s, note,
		    r == QR_BLOCKED || r == QR_REFRESHED ? "" : " (refused)");
	}
	if (n > 0)
		daemon_quar_save(d);
}

/*
 * An alert from the detectors.  One that asks for a quarantine (or a dry
 * run of one) goes through the safety policy first; the alert then says
 * what was done: "quarantine" only for a block that was made.
 */
static void
daemon_alert(void *arg, const struct alert *a)
{
	struct daemon	*d = arg;
	struct alert	 b;
	char		 host[ADDR_STRLEN];
	int		 r;

	if (a->action == ACT_LOG) {
		daemon_alert_out(d, a);
		return;
	}
	b = *a;
	r = quar_verdict(d->quar, &a->host, a->detector,
	    (a->action == ACT_DRYRUN ? QV_DRYRUN : 0) |
	    (detect_learning(d->detect, a->ts_ms) ? QV_LEARNING : 0) |
	    (a->network_failing ? QV_NETWORK : 0) |
	    (a->prefix ? QV_PREFIX : 0), loop_wall_ms(),
	    b.quarantine, sizeof(b.quarantine));
	if (d->quar->opened != NULL)
		daemon_breaker_alert(d, d->quar->opened, a->ts_ms, true);
	addr_fmt(&a->host, host, sizeof(host));
	switch (r) {
	case QR_BLOCKED:
	case QR_REFRESHED:
		daemon_block_device(d, a);
		/* FALLTHROUGH */
	case QR_ALREADY:
		b.action = ACT_QUARANTINE;
		break;
	case QR_DRYRUN:
		b.action = ACT_DRYRUN;
		log_warnx("would quarantine %s (%s): %s; evidence %s", host,
		    a->detector, a->summary, a->evidence[0] ? a->evidence :
		    "{}");
		break;
	default:
		b.action = ACT_LOG;
		log_warnx("quarantine of %s (%s) %s", host, a->detector,
		    b.quarantine);
		break;
	}
	daemon_alert_out(d, &b);
}

/* Log each line of a memstream's text. */
static void
log_lines(char *text, bool warn)
{
	char	*line, *save;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (warn)
			log_warnx("%s", line);
		else
			log_info("%s", line);
	}
}

/*
 * A loader's messages (state.file, quarantine.file) to the log: warnings
 * when it found damage (a nonzero result), information otherwise.
 */
static void
daemon_load_logged(const char *what, int (*load)(struct daemon *, FILE *),
    struct daemon *d)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*mem;
	int	 n;

	if ((mem = open_memstream(&text, &len)) == NULL) {
		log_warn("%s", what);
		return;
	}
	n = load(d, mem);
	fclose(mem);
	log_lines(text, n != 0);
	free(text);
}

static void	 daemon_table_check(struct daemon *, uint64_t);

/*
 * A request found the table or a set gone (nft delete table, a ruleset
 * flush) before the check of the second: check now, so that the table is
 * restored, and every block still due pushed again, before this block
 * rather than after it.  One at a time: the restore pushes too.  Whether
 * the table is whole now.
 */
static bool
daemon_table_gone(struct daemon *d)
{
	if (d->table_checking)
		return false;
	d->table_checking = true;
	daemon_table_check(d, loop_wall_ms());
	d->table_checking = false;
	return d->table_ok;
}

/* The kernel as the quarantine policy sees it. */
static int
daemon_q_push(void *arg, struct nftq_elem *v, size_t n)
{
	struct daemon	*d = arg;
	char		 a[ADDR_STRLEN];
	size_t		 i, told = 0;
	int		 r;

	if (!d->table_ok) {
		errno = ENOENT;
		return -1;
	}
	r = nftq_push(d->nftq, v, n);
	if (r == -1 && errno == ENOENT) {
		if (!daemon_table_gone(d)) {
			errno = ENOENT;
			return -1;
		}
		r = nftq_push(d->nftq, v, n);	/* into the table back */
	}
	if (r == -1) {
		if (errno != ENOENT)
			log_warn("quarantine: nftables");
		return -1;
	}
	for (i = 0; i < n && told < 10; i++)
		if (v[i].err != 0) {
			addr_fmt(&v[i].addr, a, sizeof(a));
			log_warnx("quarantine: the kernel refused %s: %s", a,
			    strerror(v[i].err));
			told++;
		}
	if (r > (int)told)
		log_warnx("quarantine: ... and %d more refused", r - (int)told);
	return r;
}

static int
daemon_q_allowed(void *arg, const struct addr *a)
{
	struct daemon		*d = arg;
	struct nftq_elem	*v;
	ssize_t			 n;
	bool			 in;

	if (!d->table_ok)
		return -1;
	n = nftq_dump(d->nftq, addr_is_v4(a) ? NFTQ_ALLOW4 : NFTQ_ALLOW6, &v);
	if (n == -1 && errno == ENOENT && daemon_table_gone(d))
		n = nftq_dump(d->nftq, addr_is_v4(a) ? NFTQ_ALLOW4 :
		    NFTQ_ALLOW6, &v);
	if (n == -1) {
		if (errno != ENOENT)	/* gone: the table check tells */
			log_warn("quarantine: reading the allow sets");
		return -1;
	}
	in = nftq_in_ranges(v, (size_t)n, a);
	free(v);
	return in;
}

void
daemon_quar_save(struct daemon *d)
{
	char	err[512];

	if (d->conf->quar.file == NULL)
		return;
	if (quar_save(d->quar, d->conf->quar.file, err, sizeof(err)) == -1) {
		if (!d->quar_failing)
			log_warnx("quarantine.file not saved: %s", err);
		d->quar_failing = true;
		return;
	}
	if (d->quar_failing)
		log_info("quarantine.file %s saved", d->conf->quar.file);
	d->quar_failing = false;
}

/*
 * Is the table still whole?  When it is gone (nft flush ruleset during a
 * firewall reload), load quarantine.ruleset and push every block still
 * due; without one, say what to run.  Logged once an outage.
 */
static void
daemon_table_check(struct daemon *d, uint64_t now)
{
	const char	*rs = d->conf->quar.ruleset;
	char		 why[512], err[1024] = "";
	uint64_t	 t0 = loop_now_ms();
	bool		 was = d->table_ok;
	ssize_t		 n;

	if (nftq_check(d->nftq, why, sizeof(why)) == 0) {
		/* deleted and loaded again between two checks: empty sets */
		bool anew = was && nftq_ident(d->nftq) != d->table_ident;

		d->table_ident = nftq_ident(d->nftq);
		if (!was || anew) {
			d->table_ok = true;
			/* gone again meanwhile: the next check tells */
			if ((n = quar_repush(d->quar, now)) == -1) {
				d->table_ok = false;
				return;
			}
			if (anew)
				log_warnx("quarantine: table inet %s was made "
				    "anew (a ruleset reload?); %zd quarantines "
				    "pushed again", NFTQ_TABLE, n);
			else
				log_info("quarantine: table inet %s is back; "
				    "%zd quarantines pushed again", NFTQ_TABLE,
				    n);
		}
		return;
	}
	d->table_ok = false;
	if (was)
		log_warnx("quarantine: %s (was the ruleset flushed?)", why);
	if (rs == NULL) {
		if (was)
			log_warnx("quarantine: quarantine.ruleset is not set: "
			    "%zu quarantines are not enforced until "
			    "\"nft -f %s/ephemd.nft\" runs",
			    quar_active(d->quar, now), PKGDATADIR);
		return;
	}
	if (nftq_load(rs, err, sizeof(err)) == -1 ||
	    nftq_check(d->nftq, why, sizeof(why)) == -1) {
		if (was)
			log_warnx("quarantine: cannot restore the table from "
			    "%s: %s", rs, err[0] ? err : why);
		return;
	}
	d->table_ok = true;
	d->table_ident = nftq_ident(d->nftq);
	if ((n = quar_repush(d->quar, now)) == -1) {
		d->table_ok = false;
		return;
	}
	log_warnx("quarantine: restored table inet %s from %s and pushed %zd "
	    "quarantines again in %llu ms", NFTQ_TABLE, rs, n,
	    (unsigned long long)(loop_now_ms() - t0));
}

/* "Still trying": a quarantined host whose packets NFLOG saw dropped. */
static void
daemon_still_trying(struct daemon *d, uint64_t now)
{
	struct drops_stats	 ns = { 0 };
	struct alert		 a;
	FILE			*ev;
	size_t			 i;
	char			 host[HOST_STRLEN], dst[ADDR_STRLEN];

	if (d->drops != NULL)
		drops_get_stats(d->drops, &ns);
	for (i = 0; i < d->quar->n; i++) {
		struct qhost		*h = &d->quar->v[i];
		const struct qsample	*last;
		uint64_t		 fresh = h->drops - h->drops_noted;

		if (h->until_ms <= now || fresh == 0 || h->nsample == 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.ts_ms = now;
		a.host = h->addr;
		a.detector = "quarantine";
		a.severity = SEV_INFO;
		a.action = ACT_LOG;
		last = &h->sample[(h->nsample - 1) % QSAMPLES];
		addr_fmt64(&h->addr, h->net64, host, sizeof(host));
		if (h->net64) {		/* shown as its /64 */
			a.prefix = true;
			addr_fmt64(&h->addr, true, a.label,
			    sizeof(a.label));
		}
		addr_fmt(&last->dst, dst, sizeof(dst));
		snprintf(a.summary, sizeof(a.summary), "%s is quarantined and "
		    "still trying: %llu packets dropped in the last minute, "
		    "%llu since the block began (last: %s to %s port %u); the "
		    "block ends in %llu min", host, (unsigned long long)fresh,
		    (unsigned long long)h->drops, timeouts_proto_name(last->proto), dst,
		    last->dport,
		    (unsigned long long)((h->until_ms - now + 59999) / 60000));
		/* evidence is bounded: four samples fit with room to spare */
		if ((ev = fmemopen(a.evidence, sizeof(a.evidence), "w")) !=
		    NULL) {
			fprintf(ev, "{\"dropped_last_minute\": %llu, "
			    "\"dropped\": %llu, \"offences\": %u, \"until\": "
			    "%.3f, \"by\": \"%s\", \"nflog_lost\": %llu, "
			    "\"samples\": [", (unsigned long long)fresh,
			    (unsigned long long)h->drops, h->offences,
			    h->until_ms / 1000.0, h->detector,
			    (unsigned long long)ns.lost);
			quar_samples_json(ev, h);
			fprintf(ev, "]}");
			fclose(ev);
		}
		h->drops_noted = h->drops;
		daemon_alert_out(d, &a);
	}
}

static void
daemon_reconcile_note(void *arg, const struct qhost *h, bool adopted)
{
	char	a[HOST_STRLEN];

	addr_fmt64(&h->addr, h->net64, a, sizeof(a));
	if (adopted)
		log_info("quarantine: %s was added to the set by hand; adopted "
		    "until its element expires", a);
	else
		log_warnx("quarantine: %s was deleted from the set by hand: "
		    "released, its offences forgotten", a);
}

/* The sets against the blocks: releases and additions made with nft. */
static void
daemon_sets_reconcile(struct daemon *d, uint64_t now)
{
	const char		*sets[] = { NFTQ_SET4, NFTQ_SET6,
				    NFTQ_SET64 };	/* with prefix64 */
	struct nftq_elem	*v, *all = NULL;
	char			 why[512];
	ssize_t			 n;
	size_t			 i, total = 0;

	for (i = 0; i < (d->conf->quar.prefix64 ? 3u : 2u); i++) {
		if ((n = nftq_dump(d->nftq, sets[i], &v)) == -1) {
			free(all);
			return;		/* the table check will tell */
		}
		if (n > 0) {
			struct nftq_elem *nv = realloc(all, (total +
			    (size_t)n) * sizeof(*nv));

			if (nv == NULL) {
				free(v);
				free(all);
				return;
			}
			all = nv;
			memcpy(all + total, v, (size_t)n * sizeof(*v));
			total += (size_t)n;
		}
		free(v);
	}
	/*
	 * Sets dumped from a table made anew since the check are empty, not
	 * emptied by hand: the next check pushes the blocks again.
	 */
	if (nftq_check(d->nftq, why, sizeof(why)) == 0 &&
	    nftq_ident(d->nftq) == d->table_ident)
		quar_reconcile(d->quar, all, total, now, daemon_reconcile_note,
		    d);
	free(all);
}

/* Each second: the table, blocks that ended, quarantine.file. */
static void
daemon_qcheck(void *arg)
{
	struct daemon	*d = arg;
	uint64_t	 now = loop_wall_ms();
	char		 host[ADDR_STRLEN];
	size_t		 i;

	daemon_table_check(d, now);
	if (d->table_ok && ++d->qticks % 2 == 0)
		daemon_sets_reconcile(d, now);
	for (i = 0; i < d->quar->n; i++) {
		const struct qhost *h = &d->quar->v[i];

		if (h->until_ms == 0 || h->until_ms > now)
			continue;
		addr_fmt(&h->addr, host, sizeof(host));
		log_info("quarantine of %s ended after %llu s: %llu packets "
		    "dropped", host,
		    (unsigned long long)((h->until_ms - h->since_ms) / 1000),
		    (unsigned long long)h->drops);
	}
	quar_tick(d->quar, now);
	if (d->quar->closed != NULL)
		daemon_breaker_alert(d, d->quar->closed, now, false);
	if (now >= d->qminute + 60000) {
		d->qminute = now;
		daemon_still_trying(d, now);
	}
	if (d->quar->dirty)
		daemon_quar_save(d);
	timer_set(d->loop, &d->qcheck, 1000);
}

static int
quar_loader(struct daemon *d, FILE *msgs)
{
	return quar_load(d->quar, d->conf->quar.file, loop_wall_ms(), msgs);
}

/* quarantine.file, when there is one. */
static void
daemon_quar_load(struct daemon *d)
{
	const char	*path = d->conf->quar.file;

	if (path == NULL || (access(path, F_OK) == -1 && errno == ENOENT))
		return;
	daemon_load_logged(path, quar_loader, d);
}

/*
 * The kernel side of the quarantine, when quarantine.enabled: the table
 * (loaded from quarantine.ruleset when missing), the blocks still due
 * from quarantine.file and from the sets, NFLOG.  -1: do not start.
 */
static int
daemon_quar_start(struct daemon *d)
{
	const struct quar_conf	*qc = &d->conf->quar;
	const char		*sets[] = { NFTQ_SET4, NFTQ_SET6,
				    NFTQ_SET64 };	/* with prefix64 */
	struct nftq_elem	*v;
	char			 why[512], err[1024];
	uint64_t		 t0 = loop_now_ms(), now;
	ssize_t			 n;
	size_t			 i;

	if (!qc->enabled)
		return 0;
	if ((d->nftq = nftq_open(qc->prefix64)) == NULL) {
		log_warn("quarantine: netlink socket");
		return -1;
	}
	if (nftq_check(d->nftq, why, sizeof(why)) == -1) {
		if (qc->ruleset == NULL) {
			log_warnx("quarantine: %s: load it with \"nft -f "
			    "%s/ephemd.nft\", or name that file in "
			    "quarantine.ruleset", why, PKGDATADIR);
			return -1;
		}
		if (nftq_load(qc->ruleset, err, sizeof(err)) == -1) {
			log_warnx("quarantine: %s, and loading %s failed: %s",
			    why, qc->ruleset, err);
			return -1;
		}
		if (nftq_check(d->nftq, err, sizeof(err)) == -1) {
			log_warnx("quarantine: %s after loading %s", err,
			    qc->ruleset);
			return -1;
		}
		log_info("quarantine: %s: loaded %s", why, qc->ruleset);
	}
	d->table_ok = true;
	d->table_ident = nftq_ident(d->nftq);
	d->quar->be.push = daemon_q_push;
	d->quar->be.allowed = daemon_q_allowed;
	d->quar->be.arg = d;
	now = loop_wall_ms();
	daemon_quar_load(d);
	for (i = 0; i < (qc->prefix64 ? 3u : 2u); i++) {
		if ((n = nftq_dump(d->nftq, sets[i], &v)) == -1) {
			log_warn("quarantine: reading set %s", sets[i]);
			continue;
		}
		quar_adopt(d->quar, v, (size_t)n, now);
		free(v);
	}
	quar_tick(d->quar, now);
	if ((n = quar_repush(d->quar, now)) == -1)
		log_warn("quarantine: pushing the blocks still due");
	else
		log_info("quarantine: %zd hosts quarantined (restored in %llu "
		    "ms); table inet %s", n,
		    (unsigned long long)(loop_now_ms() - t0), NFTQ_TABLE);
	if (qc->nflog)
		d->drops = drops_open((uint16_t)qc->nflog_group, d->quar,
		    d->loop);
	if (d->drops != NULL)
		log_info("nflog: counting drops from group %u",
		    qc->nflog_group);
	d->qminute = now;
	d->qcheck.cb = daemon_qcheck;
	d->qcheck.arg = d;
	timer_set(d->loop, &d->qcheck, 1000);
	return 0;
}

/* The internal prefixes changed: the kernel filter follows; say which. */
static void
daemon_rtnl_change(void *arg)
{
	struct daemon			*d = arg;
	const struct rtnl_prefix	*p;
	struct netlist			 l = { NULL, 0 };
	struct rtnl_stats		 st;
	char				 line[1024], a[ADDR_STRLEN];
	size_t				 i, n, used = 0;

	if (d->rtnl == NULL)
		return;		/* still opening: ct_open takes the core's */
	if (d->ct != NULL && rtnl_filter(d->rtnl, &l) == 0)
		ct_filter(d->ct, &l);
	netlist_clear(&l);
	rtnl_get_stats(d->rtnl, &st);
	if (st.changes == d->rtnl_logged)
		return;		/* a retired prefix left the filter */
	d->rtnl_logged = st.changes;
	n = rtnl_prefixes(d->rtnl, &p);
	for (i = 0; i < n && used < sizeof(line) - 80; i++) {
		int plen = p[i].net.plen - (addr_is_v4(&p[i].net.addr) ? 96 : 0);

		addr_fmt(&p[i].net.addr, a, sizeof(a));
		used += (size_t)snprintf(line + used, sizeof(line) - used,
		    "%s%s/%d (%s)", i ? ", " : "", a, plen, p[i].source);
	}
	if (i < n)
		snprintf(line + used, sizeof(line) - used, ", and %zu more",
		    n - i);
	log_info("internal prefixes: %s", n ? line : "none");
}

/*
 * long_lived asks about a flow: the kernel's entry gives its state and
 * the remaining timeout, and the state's full timeout (the running
 * system's, read at start) less that is the time since its last packet.
 */
static int
daemon_flow_probe(void *arg, const struct flow *f, int *ret_state,
    uint32_t *ret_idle)
{
	struct daemon			*d = arg;
	const struct ct_timeouts	*t = &d->core->conf->timeouts;
	struct flow_event		 ev;
	uint32_t			 full;
	int				 r;

	if ((r = ct_query(d->ct, f, &ev)) != 1)
		return r;
	*ret_state = ev.state;
	if (f->proto == IPPROTO_TCP)
		full = ev.state < CTS_MAX ? t->tcp[ev.state] : 0;
	else if (f->proto == IPPROTO_UDP)
		full = (ev.flags & EVF_ASSURED) ? t->udp_stream : t->udp;
	else
		return -1;
	/* a timeout policy of its own (nft ct timeout): no idle time to tell */
	if (!(ev.flags & EVF_TIMEOUT) || full == 0 || ev.timeout_s > full)
		return -1;
	*ret_idle = full - ev.timeout_s;
	return 1;
}

/*
 * Address a has just joined the device of host hi: when the device is
 * blocked, a is too, for as long (a scanner that moves to another address
 * of its /64 behind the same MAC stays cut off).
 */
static void
daemon_block_moved(struct daemon *d, const struct addr *a, uint32_t hi)
{
	struct qhost	*b = quar_find(d->quar, &d->core->hosts.v[hi].addr);
	char		 note[160], s[ADDR_STRLEN], dev[ADDR_STRLEN];
	int		 r;

	if (b == NULL || b->until_ms <= loop_wall_ms())
		return;
	r = quar_also(d->quar, a, &d->core->hosts.v[hi].addr, loop_wall_ms(),
	    note, sizeof(note));
	addr_fmt(a, s, sizeof(s));
	addr_fmt(&d->core->hosts.v[hi].addr, dev, sizeof(dev));
	log_info("quarantine of %s, a new address of the blocked device %s: "
	    "%s%s", s, dev, note,
	    r == QR_BLOCKED || r == QR_REFRESHED ? "" : " (refused)");
	if (r == QR_BLOCKED || r == QR_REFRESHED)
		daemon_quar_save(d);
}

/*
 * The neighbour table knows a client's MAC: another MAC than before is
 * another device behind the address (detect_identity.c).
 */
static void
daemon_neigh(void *arg, const struct rtnl_neigh *n)
{
	struct daemon	*d = arg;
	uint32_t	 hi;

	if (d->devices != NULL &&
	    d->conf->detect.identity.mode == ID_MAC &&
	    (hi = devices_neigh(d->devices, &n->addr, n->mac,
	    loop_clock_ms())) != UINT32_MAX)
		daemon_block_moved(d, &n->addr, hi);
	if (d->detect != NULL &&
	    hosttab_find(&d->core->hosts, &n->addr, &hi) != NULL)
		detect_identity_mac(d->detect, hi, n->mac, loop_clock_ms());
}

static void
daemon_tick(void *arg)
{
	struct daemon	*d = arg;

	detect_tick(d->detect, loop_clock_ms());
	timer_set(d->loop, &d->tick, 1000);
}

/*
 * What a crash left beside the files written whole: a kill during a save
 * leaves its temporary file, and no later save would remove it.
 */
static void
daemon_clean(struct daemon *d)
{
	const char	*files[] = { d->conf->state_file, d->conf->quar.file,
			    d->conf->report_file, d->conf->metrics_file };
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i] == NULL || files[i][0] == '\0')
			continue;
		if ((n = file_clean(files[i])) > 0)
			log_info("removed %d temporary files left beside %s by "
			    "an interrupted write", n, files[i]);
	}
}

static int
state_loader(struct daemon *d, FILE *msgs)
{
	return state_load(d->detect, d->conf->state_file, msgs);
}

/* The baselines from state.file, when there is one. */
static void
daemon_state_load(struct daemon *d)
{
	const char	*path = d->conf->state_file;

	if (path == NULL)
		return;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		log_info("state file %s does not exist yet: learning from "
		    "scratch", path);
		return;
	}
	daemon_load_logged(path, state_loader, d);
}

/*
 * Save the baselines; a failure is logged once until a save works.  err,
 * when not NULL, gets the reason for a caller that reports it.
 */
int
daemon_state_save(struct daemon *d, bool at_exit, char *err, size_t len)
{
	char	buf[512];

	if (err == NULL) {
		err = buf;
		len = sizeof(buf);
	}
	if (d->conf->state_file == NULL) {
		snprintf(err, len, "state.file is not set");
		return -1;
	}
	if (state_save(d->detect, d->conf->state_file, loop_wall_ms(), err,
	    len) == -1) {
		if (!d->state_failing || at_exit)
			log_warnx("state file not saved: %s", err);
		d->state_failing = true;
		return -1;
	}
	if (d->state_failing || at_exit)
		log_info("state file %s saved", d->conf->state_file);
	d->state_failing = false;
	return 0;
}

static void
daemon_state_tick(void *arg)
{
	struct daemon	*d = arg;

	if (d->conf->state_file != NULL)
		(void)daemon_state_save(d, false, NULL, 0);
	timer_set(d->loop, &d->state, d->conf->state_interval_s * 1000ULL);
}

/*
 * A log file for appending, made 0640 whatever the umask (it names every
 * client), never through a symbolic link.  NULL with errno.
 */
static FILE *
daemon_append(const char *path)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640)) == -1)
		return NULL;
	if ((fp = fdopen(fd, "a")) == NULL)
		close(fd);
	return fp;
}

/* (Re)open alerts.file for appending; none when unset. */
static void
daemon_alerts_file(struct daemon *d)
{
	if (d->alerts != NULL) {
		fclose(d->alerts);
		d->alerts = NULL;
	}
	if (d->conf->alerts_file != NULL &&
	    (d->alerts = daemon_append(d->conf->alerts_file)) == NULL)
		log_warn("alerts.file %s", d->conf->alerts_file);
}

/* (Re)open report.flow_log for appending; none when unset. */
static void
daemon_flow_log(struct daemon *d)
{
	if (d->flow_log != NULL) {
		fclose(d->flow_log);
		d->flow_log = NULL;
	}
	d->core->on_end = NULL;
	if (d->conf->flow_log == NULL)
		return;
	if ((d->flow_log = daemon_append(d->conf->flow_log)) == NULL) {
		log_warn("report.flow_log %s", d->conf->flow_log);
		return;
	}
	d->core->on_end = report_flow_hook;
	d->core->on_end_arg = d->flow_log;
}

static void
daemon_counters(struct daemon *d)
{
	struct ct_stats	s;
	struct core	*c = d->core;

	ct_get_stats(d->ct, &s);
	log_info("counters: events %llu (NEW %llu, DESTROY %llu), lost %llu "
	    "(socket drops %llu, overruns %llu), flows %zu, hosts %zu, "
	    "services %zu, dumps %llu, adopted %llu, expired %llu, parse "
	    "errors %llu, table full %llu, receive buffer %d, alerts %llu "
	    "(held back by the cool-down %llu)",
	    (unsigned long long)c->cnt.events, (unsigned long long)c->cnt.new,
	    (unsigned long long)c->cnt.destroy, (unsigned long long)c->cnt.lost,
	    (unsigned long long)s.drops, (unsigned long long)s.overruns,
	    c->flows.n, c->hosts.n, c->svcs.n, (unsigned long long)c->cnt.dumps,
	    (unsigned long long)c->cnt.adopted,
	    (unsigned long long)c->cnt.expired,
	    (unsigned long long)s.parse_errors,
	    (unsigned long long)c->cnt.flows_full, s.rcvbuf,
	    (unsigned long long)d->detect->raised,
	    (unsigned long long)d->detect->suppressed);
}

/* The report as it stands, in a format (enum report_format). */
void
daemon_report_out(struct daemon *d, int format, FILE *fp)
{
	struct replay_stats	 st;
	struct ct_stats		 ls;
	struct report_src	 src;

	memset(&st, 0, sizeof(st));
	st.events = d->core->cnt.events;
	st.first_ms = d->core->first_ms;
	st.last_ms = d->core->now_ms;
	ct_get_stats(d->ct, &ls);
	daemon_stats_refresh(d);
	if (format == REPORT_HTML) {
		memset(&src, 0, sizeof(src));
		src.core = d->core;
		src.detect = d->detect;
		src.st = &st;
		src.ls = &ls;
		src.quar = d->quar;
		src.alerts = d->ring;
		src.alerts_cap = d->ring != NULL ? ALERT_RING : 0;
		src.alerts_n = d->nring;
		src.block_s = d->conf->quar.timeout_s;
		src.source = "live";
		src.made_ms = loop_wall_ms();
		src.wall_skew_ms = (int64_t)(loop_wall_ms() - loop_clock_ms());
		report_html(fp, &src);
	} else if (format == REPORT_JSON)
		report_json(fp, d->core, &st, &ls, d->quar);
	else
		report_text(fp, d->core, &st, &ls, d->quar);
}

static void
daemon_report_write(FILE *fp, void *arg)
{
	struct daemon	*d = arg;

	daemon_report_out(d, d->conf->report_format, fp);
}

/*
 * Write the report atomically and durably, mode 0640 (it names clients).
 * A failure is logged once until a write works: report.interval may try
 * every second on a full disk.
 */
static void
daemon_report(struct daemon *d)
{
	char	err[512];

	if (d->flow_log != NULL) {
		if (fflush(d->flow_log) == EOF) {
			if (!d->flow_log_failing)
				log_warn("report.flow_log %s",
				    d->conf->flow_log);
			d->flow_log_failing = true;
		} else if (d->flow_log_failing) {
			log_info("report.flow_log %s written",
			    d->conf->flow_log);
			d->flow_log_failing = false;
		}
	}
	if (d->conf->report_file == NULL)
		return;
	if (file_replace(d->conf->report_file, 0640, true,
	    daemon_report_write, d, err, sizeof(err)) == -1) {
		if (!d->report_failing)
			log_warnx("report.file not written: %s", err);
		d->report_failing = true;
		return;
	}
	if (d->report_failing)
		log_info("report.file %s written", d->conf->report_file);
	d->report_failing = false;
}

/* The copies of the kernel sides' counters the report and metrics read. */
void
daemon_stats_refresh(struct daemon *d)
{
	if (d->nftq != NULL)
		nftq_get_stats(d->nftq, &d->quar->nft);
	if (d->drops != NULL)
		drops_get_stats(d->drops, &d->quar->nflog);
	d->quar->kernel = d->nftq != NULL;
	d->quar->table_ok = d->table_ok;
}

/* What metrics.c reads; ls holds the event socket's counters. */
void
daemon_metrics_src(struct daemon *d, struct metrics_src *m,
    struct ct_stats *ls)
{
	daemon_stats_refresh(d);
	ct_get_stats(d->ct, ls);
	memset(m, 0, sizeof(*m));
	m->core = d->core;
	m->detect = d->detect;
	m->quar = d->quar;
	m->ct = ls;
	m->started_ms = d->started_ms;
	m->now_ms = loop_wall_ms();
	m->per_host = d->conf->metrics_per_host;
}

static void
daemon_metrics_fill(void *arg, struct metrics_src *m, struct ct_stats *ls)
{
	daemon_metrics_src(arg, m, ls);
}

static void
daemon_report_tick(void *arg)
{
	struct daemon	*d = arg;

	daemon_report(d);
	if (d->conf->report_interval_s > 0)
		timer_set(d->loop, &d->report,
		    d->conf->report_interval_s * 1000ULL);
}

static void
daemon_reconcile(void *arg)
{
	struct daemon	*d = arg;

	ct_dump(d->ct);
	timer_set(d->loop, &d->reconcile, d->conf->reconcile_s * 1000ULL);
}

/*
 * Reload: parse into a new struct; on any error keep the old one whole.
 * Then each module takes its part (and says what waits for a restart);
 * the daemon reopens its files and re-arms its own timers.  Learned
 * state carries over.
 */
int
daemon_reload(struct daemon *d, FILE *out)
{
	struct conf	*nc = NULL, *oc = d->conf;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*mem;
	int		 rv;

	if ((mem = open_memstream(&text, &len)) == NULL) {
		log_warn("reload");
		return -1;
	}
	rv = conf_load(oc->path, &nc, mem);
	if (rv == -1) {
		fclose(mem);
		log_warnx("config file %s has errors, not reloading", oc->path);
		if (out != NULL)
			fprintf(out, "config file %s has errors, not "
			    "reloading:\n%s", oc->path, text);
		log_lines(text, true);
		free(text);
		return -1;
	}
	if ((nc->user == NULL) != (oc->user == NULL) ||
	    (nc->user != NULL && strcmp(nc->user, oc->user) != 0))
		fprintf(mem, "user takes effect at the next start\n");
	core_reconfigure(d->core, &nc->core);
	detect_reconfigure(d->detect, &nc->detect);
	quar_reconfigure(d->quar, &nc->quar, mem);
	drops_reconfigure(&oc->quar, &nc->quar, mem);
	ct_reconfigure(d->ct, nc);
	if (d->rtnl != NULL)
		rtnl_reconfigure(d->rtnl, nc);
	if (d->ctl != NULL && nc->ctl_socket != NULL)
		ctl_reconfigure(d->ctl, nc->ctl_socket, nc->ctl_group,
		    nc->ctl_admin_group, nc->ctl_clients, mem);
	else if ((d->ctl == NULL) != (nc->ctl_socket == NULL))
		fprintf(mem, "control.socket takes effect at the next start\n");
	metrics_reconfigure(d->metrics, nc);
	fclose(mem);
	d->conf = nc;
	conf_free(oc);
	daemon_flow_log(d);
	daemon_alerts_file(d);
	timer_set(d->loop, &d->reconcile, nc->reconcile_s * 1000ULL);
	timer_set(d->loop, &d->state, nc->state_interval_s * 1000ULL);
	if (nc->report_interval_s > 0)
		timer_set(d->loop, &d->report, nc->report_interval_s * 1000ULL);
	else
		timer_stop(d->loop, &d->report);
	if (len > 0) {
		log_lines(text, true);
		if (out != NULL)
			fputs(text, out);
	}
	free(text);
	log_info("config file %s reloaded", nc->path);
	if (out != NULL)
		fprintf(out, "config file %s reloaded\n", nc->path);
	return 0;
}

static void
daemon_signal(int fd, uint32_t events, void *arg)
{
	struct daemon			*d = arg;
	struct signalfd_siginfo		 si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: shutting down", (int)si.ssi_signo);
			loop_stop(d->loop);
			break;
		case SIGHUP:
			(void)daemon_reload(d, NULL);
			break;
		case SIGUSR1:
			daemon_counters(d);
			break;
		case SIGUSR2:
			daemon_report(d);
			break;
		}
	}
}

static int
daemon_signals(struct daemon *d)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd == -1)
		return -1;
	return loop_add_fd(d->loop, d->sigfd, EPOLLIN, daemon_signal, d);
}

/*
 * Run until SIGTERM.  conf is owned from here on.  Returns the exit
 * status.
 */
int
daemon_run(struct conf *conf, bool verbose)
{
	struct daemon	d;
	int		n, rv = 1;

	memset(&d, 0, sizeof(d));
	d.sigfd = -1;
	d.conf = conf;
	hash_randomize();	/* before any table: sketches no one can aim at */
	n = sys_read_timeouts(&conf->core.timeouts);
	if (n == 0)
		log_warnx("conntrack timeouts unreadable in /proc/sys/net/"
		    "netfilter: using the kernel defaults");
	if ((d.core = core_new(&conf->core)) == NULL ||
	    (d.loop = loop_new()) == NULL) {
		log_warn("start-up");
		goto out;
	}
	if (daemon_signals(&d) == -1) {
		log_warn("signals");
		goto out;
	}
	if ((d.detect = detect_new(d.core, &conf->detect, daemon_alert,
	    &d)) == NULL) {
		log_warn("detectors");
		goto out;
	}
	daemon_clean(&d);
	daemon_state_load(&d);
	if ((d.quar = quar_new(&conf->quar)) == NULL) {
		log_warn("quarantine");
		goto out;
	}
	if (daemon_quar_start(&d) == -1)
		goto out;
	daemon_flow_log(&d);
	daemon_alerts_file(&d);
	/* the LAN side's prefixes first: the event socket's filter has them */
	if ((d.rtnl = rtnl_open(conf, d.core, d.loop, daemon_rtnl_change,
	    &d)) == NULL)
		log_warnx("no rtnetlink: clients are those of internal_networks "
		    "only");
	if ((d.ct = ct_open(conf, d.core, d.loop)) == NULL)
		goto out;
	detect_set_probe(d.detect, daemon_flow_probe, &d);
	if (d.rtnl != NULL) {
		daemon_rtnl_change(&d);
		if ((d.devices = devices_new(d.core)) == NULL)
			log_warn("devices: every address is its own host");
		rtnl_on_neigh(d.rtnl, daemon_neigh, &d);
	}
	if (conf->user != NULL && priv_drop(conf->user) == -1)
		fatalx("cannot drop privileges to user %s: not starting",
		    conf->user);
	d.reconcile.cb = daemon_reconcile;
	d.reconcile.arg = &d;
	timer_set(d.loop, &d.reconcile, conf->reconcile_s * 1000ULL);
	d.tick.cb = daemon_tick;
	d.tick.arg = &d;
	timer_set(d.loop, &d.tick, 1000);
	d.state.cb = daemon_state_tick;
	d.state.arg = &d;
	timer_set(d.loop, &d.state, conf->state_interval_s * 1000ULL);
	d.report.cb = daemon_report_tick;
	d.report.arg = &d;
	if (conf->report_interval_s > 0)
		timer_set(d.loop, &d.report, conf->report_interval_s * 1000ULL);
	if ((d.metrics = metrics_new(conf, d.loop, daemon_metrics_fill,
	    &d)) == NULL) {
		log_warn("metrics");
		goto out;
	}
	d.started_ms = loop_wall_ms();
	d.journal = journal_wanted();
	/* measuring matters more than being asked: run on without it */
	if (conf->ctl_socket != NULL && (d.ctl = ctl_open(conf->ctl_socket,
	    conf->ctl_group, conf->ctl_admin_group, conf->ctl_clients, d.loop,
	    control_command, &d)) == NULL)
		log_warnx("no control socket: ephemctl cannot reach this "
		    "daemon (control.socket in %s)", conf->path);
	log_info("started: listening to conntrack NEW and DESTROY events%s",
	    verbose ? " (verbose)" : "");
	if (loop_run(d.loop) == 0)
		rv = 0;
	daemon_report(&d);
	daemon_counters(&d);
	if (d.conf->state_file != NULL)
		(void)daemon_state_save(&d, true, NULL, 0);
	metrics_flush(d.metrics);
	if (d.nftq != NULL)
		daemon_quar_save(&d);
out:
	if (d.flow_log != NULL)
		fclose(d.flow_log);
	if (d.alerts != NULL)
		fclose(d.alerts);
	ctl_close(d.ctl);
	metrics_free(d.metrics);
	detect_free(d.detect);
	drops_close(d.drops);
	nftq_close(d.nftq);
	quar_free(d.quar);
	ct_close(d.ct);
	rtnl_close(d.rtnl);
	devices_free(d.devices);
	if (d.sigfd != -1)
		close(d.sigfd);
	loop_free(d.loop);
	core_free(d.core);
	conf_free(d.conf);
	free(d.ring);
	return rv;
}
