/*
 * exhaustion: ports held at once against the range they come from
 * (ports.md 6).  Three levels, each warned at `warning` and critical at
 * `critical` of its range:
 *
 *  - a host towards one (dst, dport, proto): its 4-tuples must be unique,
 *    so its stack runs out at the size of its range (Linux 28,232);
 *  - a host over all destinations: a global allocator (Windows, macOS,
 *    lwIP) runs out there;
 *  - the gateway's NAT towards one (dst, dport, proto) from one public
 *    address: nat_range ports (1024-65535 for masquerade: 64,512).
 *
 * A host's range is its learned family's (ports.md 1.11), the smallest
 * common one (IANA, 16,384) until it learned.  Counts per destination are
 * kept in count-min sketches (2 rows of 16,384 counters each, for hosts
 * and for the NAT), increased at NEW and decreased at DESTROY: fixed
 * memory, and an estimate that is never below the truth.  A flow that
 * ends without a DESTROY (loss, expired by a dump) is not decreased, so
 * after loss the estimates can stay high; they only err towards warning.
 */
#include <stdio.h>
#include <string.h>

#include "detect.h"


/* A host's (dst, proto, dport), or a NAT address's. */
static uint64_t
ex_key(const struct detect *d, uint64_t who)
{
	return hash_mum(who + 1, d->dkey);
}

/* Add delta to key's counters; return the estimate (minimum of rows). */
static uint32_t
ex_count(uint16_t *sk, uint64_t key, int delta)
{
	uint32_t	est = UINT32_MAX, v;
	size_t		r, i;

	for (r = 0; r < EX_ROWS; r++) {
		i = r * EX_WIDTH + ((key >> (r * 32)) & (EX_WIDTH - 1));
		v = sk[i];
		if (delta > 0 && v < UINT16_MAX)
			v++;
		else if (delta < 0 && v > 0)
			v--;
		sk[i] = (uint16_t)v;
		if (v < est)
			est = v;
	}
	return est;
}

static void
ex_alert(struct detect *d, const struct flow_event *ev, const struct flow *f,
    const char *level, uint32_t held, uint32_t range)
{
	const struct ex_conf	*xc = &d->conf->exhaustion;
	struct alert		 a;
	char			 addr[ADDR_STRLEN], dst[ADDR_STRLEN],
				 nat[ADDR_STRLEN];
	double			 share = (double)held / range;

	if (!core_complete(d->core, ev->ts_ms, ev->ts_ms))
		return;
	detect_alert_init(&a, d, f->host, ev->ts_ms, share >= xc->critical ?
	    SEV_CRITICAL : SEV_WARNING, xc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	addr_fmt(&ev->dst, dst, sizeof(dst));
	addr_fmt(&ev->nat_addr, nat, sizeof(nat));
	if (strcmp(level, "nat") == 0)
		snprintf(a.summary, sizeof(a.summary), "NAT address %s holds "
		    "%u of %u ports towards %s %s/%u (%.0f %%); host %s opened "
		    "the last", nat, held, range, dst, timeouts_proto_name(ev->proto),
		    ev->dport, share * 100, addr);
	else if (strcmp(level, "host") == 0)
		snprintf(a.summary, sizeof(a.summary), "host %s holds %u "
		    "ports at once, %.0f %% of its %u-port range", addr, held,
		    share * 100, range);
	else
		snprintf(a.summary, sizeof(a.summary), "host %s holds %u "
		    "ports towards %s %s/%u, %.0f %% of its %u-port range",
		    addr, held, dst, timeouts_proto_name(ev->proto), ev->dport,
		    share * 100, range);
	snprintf(a.evidence, sizeof(a.evidence), "{\"level\": \"%s\", "
	    "\"held\": %u, \"range\": %u, \"share\": %.4f, \"warning\": %.2f, "
	    "\"critical\": %.2f, \"dst\": \"%s\", \"dport\": %u, "
	    "\"proto\": \"%s\", \"nat_addr\": \"%s\", \"last_sport\": %u}",
	    level, held, range, share, xc->warning, xc->critical, dst,
	    ev->dport, timeouts_proto_name(ev->proto), nat, ev->sport);
	detect_raise(d, &detect_exhaustion, &a);
}

/*
 * A NAT address towards a destination is one incident whichever of its
 * hosts opened the last flow: the alert names the host, but the cool-down
 * is the incident's (a small ring; the oldest entry makes room).
 */
static bool
ex_nat_due(struct detect *d, uint64_t key, uint64_t now_ms, int severity)
{
	struct ex_cool	*e, *old = &d->ex_cool[0];
	size_t		 i;

	for (i = 0; i < sizeof(d->ex_cool) / sizeof(d->ex_cool[0]); i++) {
		e = &d->ex_cool[i];
		if (e->key == key)
			break;
		if (e->until_ms < old->until_ms)
			old = e;
	}
	if (i == sizeof(d->ex_cool) / sizeof(d->ex_cool[0]))
		e = old;
	else if (now_ms < e->until_ms && severity <= e->severity)
		return false;
	e->key = key;
	e->severity = severity;
	e->until_ms = time_add(now_ms, (uint64_t)d->conf->cooldown_s * 1000);
	return true;
}

static void
ex_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct ex_conf	*xc = &d->conf->exhaustion;
	const struct host	*h = &d->core->hosts.v[f->host];
	uint32_t		 range, per_dst, nat;
	uint64_t		 nkey;

	if (!xc->enabled)
		return;
	f->fflags |= FF_COUNTED;
	per_dst = ex_count(d->ex_host, ex_key(d, f->host), 1);
	nkey = ex_key(d, hash_fast(&ev->nat_addr, 0));
	nat = ex_count(d->ex_nat, nkey, 1);
	if (!d->judge)
		return;
	if ((range = host_family_size(hd->family)) == 0)
		range = host_family_size(RF_IANA);
	if (per_dst >= xc->warning * range)
		ex_alert(d, ev, f, "destination", per_dst, range);
	else if (h->held >= xc->warning * range)
		ex_alert(d, ev, f, "host", h->held, range);
	if (nat >= xc->warning * xc->nat_range && ex_nat_due(d, nkey,
	    ev->ts_ms, nat >= xc->critical * xc->nat_range ? SEV_CRITICAL :
	    SEV_WARNING))
		ex_alert(d, ev, f, "nat", nat, xc->nat_range);
}

static void
ex_end(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f)
{
	(void)hd;
	if (!(f->fflags & FF_COUNTED))
		return;
	ex_count(d->ex_host, ex_key(d, f->host), -1);
	ex_count(d->ex_nat, ex_key(d, hash_fast(&ev->nat_addr, 0)), -1);
}

const struct detector_ops detect_exhaustion = {
	.name = "exhaustion",
	.flow_new = ex_new,
	.flow_end = ex_end,
};
