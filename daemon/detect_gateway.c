/*
 * gateway: the network itself failing (ports.md section 8; DESIGN 2, 6).
 * When the uplink or the IPv6 upstream is down, or a server that many
 * clients use is dead, every client's contacts go unanswered at once and
 * each client alone looks like a failing scanner.  So the detectors judge
 * a host in the context of the gateway, as the threshold random walk of
 * Jung et al. (2004) already discounts failures to servers that fail for
 * everybody:
 *
 *  - a population view per address family: the contacts (TCP and UDP
 *    NEWs of clients) bucketed by their start, every GW_BUCKET_MS, and
 *    for each bucket the hosts that had one, and those of them with one
 *    failing (half its contacts there unanswered), and those with one
 *    answered.  A host counts once a bucket (it keeps its own counts per
 *    bucket), so one busy host, or one scanner, weighs as one.
 *  - a view per destination (an IPv4 /24, an IPv6 /48): the hosts that
 *    failed to reach it in the last 10 minutes.
 *
 * A failed first contact is excused, and the scan detector's walk does
 * not count it, when other hosts failed too: at least min_hosts others
 * with a contact unanswered in the buckets around its start, and at least
 * failed_share of the hosts that had contacts there (not yet half their
 * contacts: in an outage the others' failures end at the same time as
 * this one, and a host's answered contacts end minutes later); or at
 * least dead_hosts others failed to its destination lately, which mostly
 * fails.
 *
 * Once a bucket's outcomes are in (an unanswered SYN ends when SYN_SENT
 * times out, 120 s after it was sent by default), the family is judged:
 * a bucket where most hosts' contacts failed puts it down, and one gateway event says so ("IPv4: 94 % of 812
 * contacts from 71 hosts unanswered since ..."); a bucket where most
 * were answered brings it back, with one more.  While it is down, a
 * verdict that rests on failed contacts never blocks anyone.
 *
 * O(1) per event: two bucket updates and one destination slot.
 */
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"

#define GW_SETTLE_EXTRA_MS 15000	/* after SYN_SENT's timeout */
#define GW_DST_MS	600000		/* a destination's failures count */
#define GW_AROUND	1		/* buckets on each side of a start */

static int
gw_fam(const struct flow *f)
{
	return addr_is_v4(&f->src) ? 0 : 1;
}

/* The bucket of id in family fam, emptied when it held an older one. */
static struct gw_bucket *
gw_bucket(struct detect *d, int fam, uint32_t id)
{
	struct gw_bucket	*b = &d->gw[fam].b[id % GW_BUCKETS];

	if (b->id != id) {
		memset(b, 0, sizeof(*b));
		b->id = id;
	}
	return b;
}

/* The bucket of id, or NULL when it no longer (or not yet) holds it. */
static const struct gw_bucket *
gw_bucket_at(const struct detect *d, int fam, uint32_t id)
{
	const struct gw_bucket	*b = &d->gw[fam].b[id % GW_BUCKETS];

	return b->id == id ? b : NULL;
}

/*
 * Move the host's window of 32 buckets so that id is in it (the newest
 * when it is ahead).  Returns the slot of id, or -1 when it is older than
 * the window.
 */
static int
gw_slot(struct hdet *hd, uint32_t id)
{
	uint32_t	shift, base;

	if (hd->gw_base == 0 || id >= hd->gw_base + 32) {
		base = id >= 31 ? id - 31 : 1;
		shift = hd->gw_base == 0 ? 32 : base - hd->gw_base;
		if (shift >= 32) {
			hd->gw_failed = hd->gw_ok = hd->gw_anyfail = 0;
			memset(hd->gw_n, 0, sizeof(hd->gw_n));
			memset(hd->gw_nf, 0, sizeof(hd->gw_nf));
		} else {
			hd->gw_failed >>= shift;
			hd->gw_anyfail >>= shift;
			hd->gw_ok >>= shift;
			memmove(hd->gw_n, hd->gw_n + shift, 32 - shift);
			memmove(hd->gw_nf, hd->gw_nf + shift, 32 - shift);
			memset(hd->gw_n + 32 - shift, 0, shift);
			memset(hd->gw_nf + 32 - shift, 0, shift);
		}
		hd->gw_base = base;
	}
	return id < hd->gw_base ? -1 : (int)(id - hd->gw_base);
}

/* Set bit k of a mask; whether it was newly set. */
static bool
gw_set(uint32_t *mask, int k)
{
	if (*mask & 1U << k)
		return false;
	*mask |= 1U << k;
	return true;
}

/* Whether the host had a contact in bucket id, failing ones for most. */
static bool
gw_active(const struct hdet *hd, uint32_t id)
{
	return id >= hd->gw_base && id < hd->gw_base + 32 &&
	    hd->gw_n[id - hd->gw_base] > 0;
}

static bool
gw_anyfailed(const struct hdet *hd, uint32_t id)
{
	return id >= hd->gw_base && id < hd->gw_base + 32 &&
	    (hd->gw_anyfail & 1U << (id - hd->gw_base)) != 0;
}

/* A destination's /24 or /48. */
static struct addr
gw_prefix(const struct addr *dst)
{
	struct addr	p = *dst;

	if (addr_is_v4(&p))
		p.b[15] = 0;
	else
		memset(p.b + 6, 0, 10);
	return p;
}

/* The destination's slot: its /24 or /48, keyed. */
static struct gw_dst *
gw_dst(struct detect *d, const struct addr *dst, uint64_t now, bool make)
{
	struct addr	 p = gw_prefix(dst);
	struct gw_dst	*e;
	uint64_t	 key;

	key = hash_fast(&p, 0x6777) | 1;
	e = &d->gw_dst[key % GW_DSTS];
	if (e->key != key || e->since_ms + GW_DST_MS <= now) {
		if (!make)
			return NULL;
		memset(e, 0, sizeof(*e));
		e->key = key;
		e->since_ms = now;
	}
	return e;
}

/*
 * Whether one host made most of a destination's failures: a flood or a
 * scan of it, not a dead server (its failures are its own).
 */
static bool
gw_dominated(const struct gw_dst *e)
{
	return e->top_n * 2 > e->failed;
}

/* The host's bit in a destination's 64-bit host sketch. */
static uint64_t
gw_hostbit(uint32_t hidx)
{
	return 1ULL << (hash_mix64(hidx + 1) >> 58);
}

/* The dead destination of dst's prefix, or NULL. */
static struct gw_dead *
gw_dead_find(struct detect *d, const struct addr *dst)
{
	struct addr	p;
	size_t		i;

	if (d->gw_ndead == 0)
		return NULL;	/* the usual case: none dead */
	p = gw_prefix(dst);
	for (i = 0; i < GW_DEAD; i++)
		if (d->gw_dead[i].used &&
		    addr_cmp(&d->gw_dead[i].prefix, &p) == 0)
			return &d->gw_dead[i];
	return NULL;
}

static void
gw_dead_event(struct detect *d, const struct gw_dead *x, int what,
    uint64_t now)
{
	struct alert	a;
	char		p[ADDR_STRLEN];
	int		len = addr_is_v4(&x->prefix) ? 24 : 48;
	static const char *const state[] = { "dead", "alive", "untried" };

	addr_fmt(&x->prefix, p, sizeof(p));
	memset(&a, 0, sizeof(a));
	a.ts_ms = now;
	a.severity = what == GWD_DEAD ? SEV_WARNING : SEV_INFO;
	snprintf(a.label, sizeof(a.label), "%s", addr_is_v4(&x->prefix) ?
	    "ipv4" : "ipv6");
	if (what == GWD_DEAD)
		snprintf(a.summary, sizeof(a.summary), "%s/%d does not "
		    "answer: %u hosts failed to reach it (%u of %u contacts "
		    "unanswered in %llu s), while the rest of the network "
		    "answers: a server or its network is failing, not the "
		    "hosts; failed contacts to it no longer count against "
		    "them", p, len, x->hosts, x->failed, x->failed + x->ok,
		    (unsigned long long)((x->last_ms - x->since_ms) / 1000));
	else
		snprintf(a.summary, sizeof(a.summary), "%s/%d %s; it had "
		    "failed for %u hosts for %llu min (%u contacts "
		    "unanswered)", p, len, what == GWD_ALIVE ? "answers "
		    "again" : "was not tried for 30 min", x->hosts,
		    (unsigned long long)((x->last_ms - x->since_ms) / 60000),
		    x->failed);
	snprintf(a.evidence, sizeof(a.evidence), "{\"destination\": "
	    "\"%s/%d\", \"state\": \"%s\", \"since\": %.3f, \"hosts\": "
	    "%u, \"unanswered\": %u, \"answered\": %u, \"dead_hosts\": %u}",
	    p, len, state[what], x->since_ms / 1000.0, x->hosts, x->failed,
	    x->ok, d->conf->gateway.dead_hosts);
	detect_raise_gateway(d, &a);
}

/* Remember dst as one that failed (the first few). */
static void
gw_dead_addr(struct gw_dead *x, const struct addr *dst)
{
	uint32_t	i;

	for (i = 0; i < x->naddrs; i++)
		if (addr_cmp(dst, &x->addrs[i]) == 0)
			return;
	if (x->naddrs < sizeof(x->addrs) / sizeof(x->addrs[0]))
		x->addrs[x->naddrs++] = *dst;
}

/*
 * A failed contact (started at start) to a destination whose entry is e:
 * when more than dead_hosts hosts failed to reach it in its window and at
 * least 4 in 5 of its contacts failed, the destination is dead.  It is
 * followed (GW_DEAD at most) until it answers again; the event waits for
 * the population view of its time (gw_tick), since in an outage every
 * destination is dead and the outage is the one event.
 */
static void
gw_dead_check(struct detect *d, const struct gw_dst *e,
    const struct addr *dst, uint64_t start, uint64_t now)
{
	const struct gw_conf	*gc = &d->conf->gateway;
	struct gw_dead		*x, *free_slot = NULL;
	uint32_t		 hosts = (uint32_t)__builtin_popcountll(e->hosts);
	size_t			 i;

	if ((x = gw_dead_find(d, dst)) != NULL) {
		x->last_ms = now;
		gw_dead_addr(x, dst);
		x->failed++;
		x->m_fail++;
		if (hosts > x->hosts)
			x->hosts = hosts;
		return;
	}
	if (hosts <= gc->dead_hosts || e->failed < 4 * (uint64_t)e->ok_after ||
	    e->failed < 2 * (gc->dead_hosts + 1) || gw_dominated(e))
		return;
	for (i = 0; i < GW_DEAD && free_slot == NULL; i++)
		if (!d->gw_dead[i].used)
			free_slot = &d->gw_dead[i];
	if ((x = free_slot) == NULL)
		return;
	memset(x, 0, sizeof(*x));
	x->used = true;
	d->gw_ndead++;
	x->prefix = gw_prefix(dst);
	gw_dead_addr(x, dst);
	x->since_ms = e->fail_from_ms;
	x->found_id = (uint32_t)(start / GW_BUCKET_MS);
	x->last_ms = now;
	x->hosts = hosts;
	x->failed = e->failed;
	x->ok = e->ok_after;
}

/*
 * An answered contact to dst.  A dead destination is alive again after a
 * minute with 3 answers or more from the addresses that failed (not their
 * neighbours in the prefix) and 4 answers for each failure.
 */
static void
gw_dead_answered(struct detect *d, const struct addr *dst, uint64_t now)
{
	struct gw_dead	*x;
	uint64_t	 minute = now / 60000;
	uint32_t	 i;

	if ((x = gw_dead_find(d, dst)) == NULL)
		return;
	x->ok++;
	for (i = 0; i < x->naddrs; i++)
		if (addr_cmp(dst, &x->addrs[i]) == 0)
			break;
	if (i == x->naddrs)
		return;		/* a neighbour of the dead ones */
	if (x->minute != minute) {
		x->minute = minute;
		x->m_ok = x->m_fail = 0;
	}
	if (++x->m_ok >= 3 && x->m_ok >= 4 * x->m_fail) {
		if (x->reported)
			gw_dead_event(d, x, GWD_ALIVE, now);
		x->used = false;
		d->gw_ndead--;
	}
}

/* Whether a flow's end is an answer: TCP assured, others replied. */
static bool
gw_answered(const struct flow_event *ev)
{
	if (ev->proto == IPPROTO_TCP)
		return (ev->flags & EVF_ASSURED) != 0;
	return !(ev->flags & EVF_UNREPLIED);
}

static void
gw_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	struct gw_bucket	*b;
	uint32_t		 id = (uint32_t)(f->start_ms / GW_BUCKET_MS);
	int			 k;

	if (!d->conf->gateway.enabled || (ev->proto != IPPROTO_TCP &&
	    ev->proto != IPPROTO_UDP))
		return;
	if (!hd->gw_witness &&
	    (d->core->hosts.v[f->host].hflags & HF_LEARNED))
		hd->gw_witness = true;	/* answered in an earlier run */
	if (!hd->gw_witness)
		return;
	b = gw_bucket(d, gw_fam(f), id);
	b->contacts++;
	f->fflags |= FF_WITNESSED;	/* its outcome counts at its end */
	if ((k = gw_slot(hd, id)) < 0)
		return;
	if (hd->gw_n[k]++ == 0)
		b->hosts++;
	if (hd->gw_n[k] == 0)
		hd->gw_n[k] = UINT8_MAX;	/* saturated */
}

static void
gw_end(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f)
{
	struct gw_bucket	*b;
	struct gw_dst		*e;
	uint32_t		 id = (uint32_t)(f->start_ms / GW_BUCKET_MS);
	uint32_t		 now_id = (uint32_t)(ev->ts_ms / GW_BUCKET_MS);
	bool			 ok = gw_answered(ev);
	int			 k;

	if (!d->conf->gateway.enabled ||
	    (ev->proto != IPPROTO_TCP && ev->proto != IPPROTO_UDP))
		return;
	if (ok && !(f->fflags & FF_START_UNKNOWN))
		gw_dead_answered(d, &ev->dst, ev->ts_ms);
	if ((f->fflags & FF_START_UNKNOWN) || !(f->fflags & FF_WITNESSED) ||
	    id + GW_BUCKETS <= now_id || !gw_active(hd, id)) {
		if (ok)
			hd->gw_witness = true;
		return;
	}
	b = gw_bucket(d, gw_fam(f), id);
	k = (int)(id - hd->gw_base);
	if (ok) {
		if (gw_set(&hd->gw_ok, k))
			b->ok_hosts++;
	} else {
		b->failed++;
		if (gw_set(&hd->gw_anyfail, k))
			b->any_failed++;
		if (hd->gw_nf[k] < UINT8_MAX)
			hd->gw_nf[k]++;
		/* failing: half its contacts there went unanswered */
		if (hd->gw_nf[k] * 2 >= hd->gw_n[k] &&
		    gw_set(&hd->gw_failed, k))
			b->failed_hosts++;
	}
	if ((e = gw_dst(d, &ev->dst, ev->ts_ms, true)) != NULL) {
		if (ok) {
			e->ok++;
			if (e->fail_from_ms != 0 && f->start_ms >= e->fail_from_ms)
				e->ok_after++;
		} else {
			if (e->fail_from_ms == 0 || f->start_ms < e->fail_from_ms)
				e->fail_from_ms = f->start_ms;
			e->failed++;
			e->hosts |= gw_hostbit(f->host);
			if (e->top == f->host + 1)
				e->top_n++;
			else if (e->top_n == 0) {
				e->top = f->host + 1;
				e->top_n = 1;
			} else
				e->top_n--;
			gw_dead_check(d, e, &ev->dst, f->start_ms, ev->ts_ms);
		}
	}
}

/*
 * Whether the failed contact f of host hd is the network's: most hosts
 * failed around its start, or other hosts fail to its destination.
 */
bool
gw_excused(struct detect *d, struct hdet *hd, const struct flow *f,
    const struct flow_event *ev)
{
	const struct gw_conf	*gc = &d->conf->gateway;
	const struct gw_family	*g = &d->gw[gw_fam(f)];
	const struct gw_bucket	*b;
	const struct gw_dst	*e;
	uint32_t		 id = (uint32_t)(f->start_ms / GW_BUCKET_MS), k;
	uint32_t		 hosts = 0, failed = 0;
	uint64_t		 others;

	if (!gc->enabled)
		return false;
	if (g->down && f->start_ms + GW_BUCKET_MS >= g->down_since_ms)
		goto excused;
	for (k = id - GW_AROUND; k <= id + GW_AROUND; k++) {
		if ((b = gw_bucket_at(d, gw_fam(f), k)) == NULL)
			continue;
		hosts += b->hosts - gw_active(hd, k);
		failed += b->any_failed - gw_anyfailed(hd, k);
	}
	if (failed >= gc->min_hosts && failed >= gc->failed_share * hosts)
		goto excused;
	/* a host that made most of a destination's failures is its scanner */
	if ((e = gw_dst(d, &ev->dst, ev->ts_ms, false)) != NULL &&
	    gw_dominated(e) && e->top == f->host + 1)
		return false;
	if (gw_dead_find(d, &ev->dst) != NULL)
		goto excused;
	if (e != NULL && e->failed >= e->ok) {
		others = e->hosts & ~gw_hostbit(f->host);
		if ((uint32_t)__builtin_popcountll(others) >= gc->dead_hosts)
			goto excused;
	}
	return false;
excused:
	d->gw_excused++;
	return true;
}

/* Whether the family's contacts fail for most hosts now. */
bool
gw_down(const struct detect *d, bool v4)
{
	return d->gw[v4 ? 0 : 1].down;
}

static void
gw_event(struct detect *d, int fam, const struct gw_bucket *b, bool down,
    uint64_t now)
{
	const struct gw_conf	*gc = &d->conf->gateway;
	struct gw_family	*g = &d->gw[fam];
	const char		*name = fam == 0 ? "IPv4" : "IPv6";
	struct alert		 a;
	char			 since[32];
	time_t			 t = (time_t)(g->down_since_ms / 1000);
	struct tm		 tm;
	double			 share = g->contacts ? (double)g->failed /
				    g->contacts : 0;

	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	memset(&a, 0, sizeof(a));
	a.ts_ms = now;
	a.severity = down ? SEV_WARNING : SEV_INFO;
	snprintf(a.label, sizeof(a.label), "%s", fam == 0 ? "ipv4" : "ipv6");
	if (down)
		snprintf(a.summary, sizeof(a.summary), "%s: %.0f %% of %llu "
		    "contacts from %u hosts unanswered since %s: the uplink "
		    "or the upstream is failing, not the hosts; failed "
		    "contacts no longer count against them", name,
		    share * 100, (unsigned long long)g->contacts,
		    g->hosts, since);
	else
		snprintf(a.summary, sizeof(a.summary), "%s: contacts answered "
		    "again; they had failed for most hosts for %llu min since "
		    "%s (%.0f %% of %llu contacts from %u hosts)", name,
		    (unsigned long long)((b->id * (uint64_t)GW_BUCKET_MS -
		    g->down_since_ms) / 60000), since, share * 100,
		    (unsigned long long)g->contacts,
		    g->hosts);
	snprintf(a.evidence, sizeof(a.evidence), "{\"family\": \"%s\", "
	    "\"down\": %s, \"since\": %.3f, \"contacts\": %llu, "
	    "\"unanswered\": %llu, \"share\": %.3f, \"hosts_failing\": %u, "
	    "\"bucket\": {\"start\": %.3f, \"hosts\": %u, \"failed_hosts\": "
	    "%u, \"answered_hosts\": %u}, \"min_hosts\": %u, "
	    "\"failed_share\": %.2f, \"excused\": %llu}",
	    fam == 0 ? "ipv4" : "ipv6", down ? "true" : "false",
	    g->down_since_ms / 1000.0, (unsigned long long)g->contacts,
	    (unsigned long long)g->failed, share, g->hosts,
	    b->id * (GW_BUCKET_MS / 1000.0), b->hosts, b->failed_hosts,
	    b->ok_hosts, gc->min_hosts, gc->failed_share,
	    (unsigned long long)d->gw_excused);
	detect_raise_gateway(d, &a);
}

/* A bucket where most hosts failed, with enough of them to tell. */
static bool
gw_bad(const struct gw_conf *gc, const struct gw_bucket *b)
{
	return b->failed_hosts >= gc->min_hosts &&
	    b->failed_hosts >= gc->failed_share * b->hosts;
}

static void
gw_judge(struct detect *d, int fam, uint32_t id, uint64_t now)
{
	const struct gw_conf	*gc = &d->conf->gateway;
	struct gw_family	*g = &d->gw[fam];
	const struct gw_bucket	*b = gw_bucket_at(d, fam, id);
	bool			 first;

	if (b == NULL || b->hosts == 0)
		return;		/* nobody tried: nothing learned */
	if (gw_bad(gc, b)) {
		if (!g->down) {
			g->down = true;
			g->down_since_ms = (uint64_t)id * GW_BUCKET_MS;
			g->contacts = g->failed = 0;
			g->hosts = 0;
			g->outages++;
		}
		first = g->contacts == 0;
		g->contacts += b->contacts;
		g->failed += b->failed;
		if (b->failed_hosts > g->hosts)
			g->hosts = b->failed_hosts;
		if (first)
			gw_event(d, fam, b, true, now);
		return;
	}
	/* back: more hosts answered than failed */
	if (g->down && b->ok_hosts > b->failed_hosts) {
		g->down = false;
		g->up_id = id;
		gw_event(d, fam, b, false, now);
	}
}

/*
 * The dead destinations: one found while its family was failing is part
 * of the outage (forgotten without a word); one found while the rest of
 * the family answered is reported once the population view of its time is
 * judged.  One nobody tried for 30 min is forgotten, with a word if it was
 * reported.
 */
static void
gw_dead_tick(struct detect *d, uint64_t now_ms)
{
	const struct gw_conf	*gc = &d->conf->gateway;
	struct gw_dead		*x;
	const struct gw_family	*g;
	const struct gw_bucket	*b;
	size_t			 i;
	uint32_t		 k;
	bool			 outage;

	for (i = 0; i < GW_DEAD; i++) {
		x = &d->gw_dead[i];
		if (!x->used)
			continue;
		if (now_ms > x->last_ms + 3 * GW_DST_MS) {
			if (x->reported)
				gw_dead_event(d, x, GWD_UNTRIED, now_ms);
			x->used = false;
			d->gw_ndead--;
			continue;
		}
		g = &d->gw[addr_is_v4(&x->prefix) ? 0 : 1];
		if (x->reported || g->settled < x->found_id + GW_AROUND)
			continue;
		/* failing since before the family came back: the outage's */
		outage = g->down || (g->up_id != 0 &&
		    (uint64_t)g->up_id * GW_BUCKET_MS + GW_BUCKET_MS >= x->since_ms);
		for (k = x->found_id - GW_AROUND; k <= x->found_id +
		    GW_AROUND && !outage; k++)
			if ((b = gw_bucket_at(d, g == &d->gw[0] ? 0 : 1,
			    k)) != NULL && gw_bad(gc, b))
				outage = true;
		if (outage) {
			x->used = false;	/* the outage's event says it */
			d->gw_ndead--;
		} else {
			x->reported = true;
			gw_dead_event(d, x, GWD_DEAD, now_ms);
		}
	}
}

/*
 * When a bucket's outcomes are in: an unanswered SYN ends when SYN_SENT
 * times out (the running system's timeout, 120 s by default), and 15 s
 * more for the events to come; within the buckets the view keeps.
 */
static uint64_t
gw_settle_ms(const struct detect *d)
{
	uint64_t	ms = (uint64_t)d->core->conf->timeouts.tcp[CTS_SYN_SENT] *
			    1000 + GW_SETTLE_EXTRA_MS;
	uint64_t	most = (uint64_t)(GW_BUCKETS - 2) * GW_BUCKET_MS;

	return ms < most ? ms : most;
}

/* Judge every bucket whose outcomes are in. */
static void
gw_tick(struct detect *d, uint64_t now_ms)
{
	uint64_t	settle = gw_settle_ms(d);
	uint32_t	last, id;
	int		fam;

	if (!d->conf->gateway.enabled || now_ms < settle)
		return;
	last = (uint32_t)((now_ms - settle) / GW_BUCKET_MS);
	for (fam = 0; fam < 2; fam++) {
		struct gw_family *g = &d->gw[fam];

		id = g->settled == 0 || last - g->settled > GW_BUCKETS ?
		    last : g->settled + 1;
		for (; id <= last; id++)
			gw_judge(d, fam, id, now_ms);
		g->settled = last;
	}
	gw_dead_tick(d, now_ms);
}

const struct detector_ops detect_gateway = {
	.name = "gateway",
	.flow_new = gw_new,
	.flow_end = gw_end,
	.tick = gw_tick,
};
