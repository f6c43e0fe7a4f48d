/*
 * scan: a host probing many destinations or ports (ports.md 3.4, 4 and
 * (a) D4).  Two signs, either raises:
 *
 *  - vertical fan-out: at least min_ports distinct destination ports in a
 *    window (a linear-counting sketch); clients use a handful of service
 *    ports, nmap probes a thousand.
 *  - failed first contacts: the threshold random walk of Jung, Paxson,
 *    Berger and Balakrishnan over the host's TCP connects to a (dst,
 *    dport) it has not contacted in the last idle_s.  A first contact
 *    fails when its flow ends without being assured (no reply, or a RST
 *    to the SYN); it succeeds otherwise.  The walk stops at the upper
 *    threshold ln(P_D / P_F) with at least min_failures failures that
 *    are at least min_failed_share of the walk (a scan: most probes
 *    fail, while a peer-to-peer client whose peers are gone a third of
 *    the time walks up there now and then over a day), or at the lower ln((1 - P_D) / (1 - P_F)) (benign: it
 *    restarts), and restarts after idle_s without a first contact.
 *
 * UDP first contacts do not walk: peer-to-peer clients and NTP meet
 * silent peers all day.  A UDP port scan shows as fan-out.
 *
 * Happy Eyeballs (RFC 8305, ports.md section 8): a dual-stack client
 * with broken IPv6 starts each connect over IPv6, gives up after 100 ms
 * to 2 s and makes it over IPv4; every IPv6 connect fails.  An IPv4 host
 * that follows an IPv6 host's connects to the same port within that
 * delay nearly every time is the same device (he_new), and the IPv6
 * failures it followed are fallbacks, not probes: the walk does not
 * count them.
 */
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"

/* A (dst, dport) in one of two Bloom filters (2 bits of 1024 each). */
static bool
seen_test_set(struct hdet *hd, uint64_t key)
{
	unsigned	b1 = key & 1023, b2 = (key >> 10) & 1023;
	uint64_t	m1 = 1ULL << (b1 & 63), m2 = 1ULL << (b2 & 63);
	bool		seen;

	seen = ((hd->seen[0][b1 >> 6] & m1) && (hd->seen[0][b2 >> 6] & m2)) ||
	    ((hd->seen[1][b1 >> 6] & m1) && (hd->seen[1][b2 >> 6] & m2));
	hd->seen[0][b1 >> 6] |= m1;
	hd->seen[0][b2 >> 6] |= m2;
	return seen;
}

static void
trw_restart(struct hdet *hd, uint64_t now_ms)
{
	hd->trw = 0;
	hd->trw_fail = 0;
	hd->trw_ok = 0;
	hd->trw_since_ms = now_ms;
}

static void
scan_alert(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f, bool vertical)
{
	const struct scan_conf	*sc = &d->conf->scan;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];
	uint32_t		 ports = lcount_estimate(&hd->scan_dports);
	uint64_t		 since = vertical ? hd->scan_since_ms :
				    hd->trw_since_ms;
	int			 sev = SEV_WARNING;

	if (!core_complete(d->core, since, ev->ts_ms))
		return;		/* events were lost: not judged */
	/* critical at 10 x, within the sketch's reach (about 3194) */
	if (vertical ? ports >= (10 * sc->min_ports < 3000 ?
	    10 * sc->min_ports : 3000) :
	    hd->trw_fail >= 10 * sc->min_failures)
		sev = SEV_CRITICAL;
	detect_alert_init(&a, d, f->host, ev->ts_ms, sev, sc->action);
	/* failed contacts are evidence only while the network answers */
	a.network_failing = !vertical && gw_down(d, addr_is_v4(&f->src));
	addr_fmt(&a.host, addr, sizeof(addr));
	if (vertical)
		snprintf(a.summary, sizeof(a.summary), "host %s probed %u "
		    "destination ports in %.0f s (threshold %u): a port "
		    "scan", addr, ports, (ev->ts_ms - since) / 1000.0,
		    sc->min_ports);
	else
		snprintf(a.summary, sizeof(a.summary), "host %s: %u of %u "
		    "first contacts failed (no reply or reset) in %.0f s: a "
		    "scan", addr, hd->trw_fail, hd->trw_fail + hd->trw_ok,
		    (ev->ts_ms - since) / 1000.0);
	snprintf(a.evidence, sizeof(a.evidence), "{\"kind\": \"%s\", "
	    "\"window\": %.3f, \"dports\": %u, \"min_ports\": %u, "
	    "\"first_contacts\": %u, \"failed\": %u, \"succeeded\": %u, "
	    "\"failed_excused\": %u, "
	    "\"llr\": %.2f, \"llr_threshold\": %.2f, \"min_failures\": %u, "
	    "\"last_dst_port\": %u, \"last_sport\": %u, \"proto\": \"%s\"}",
	    vertical ? "vertical" : "failed-first-contacts",
	    (ev->ts_ms - since) / 1000.0, ports, sc->min_ports,
	    hd->first_contacts, hd->trw_fail, hd->trw_ok, hd->trw_excused, hd->trw,
	    log(sc->p_detect / sc->p_false), sc->min_failures, ev->dport,
	    ev->sport, timeouts_proto_name(ev->proto));
	detect_raise(d, &detect_scan, &a);
}

/*
 * TCP connect f: an IPv6 one is remembered; an IPv4 one may be the
 * fallback of a recent IPv6 connect to its port.  On a busy network
 * other hosts connect to port 443 within any 300 ms, so every IPv4 host
 * that follows an IPv6 host's connect is scored for it (HE_ONE a follow,
 * 7/8 of the score kept at each of its IPv6 connects): the device's other
 * address follows every one and reaches HE_DEVICE, a busy neighbour that
 * follows one in five stays near 26.  A connect followed by a host at
 * HE_DEVICE is a fallback.
 */
static void
he_new(struct detect *d, const struct flow_event *ev, struct flow *f)
{
	struct he_recent	*w = d->he[ev->dport % HE_SLOTS], *e;
	struct flow		*f6;
	struct hdet		*hd6;
	uint64_t		 now = ev->ts_ms;
	size_t			 i, k, low;
	uint32_t		 me = f->host + 1;

	if (!addr_is_v4(&f->src)) {
		d->he_last_ms = now;
		if ((hd6 = detect_hdet(d, f->host)) != NULL)
			for (k = 0; k < HE_PEERS; k++)
				hd6->he_score[k] -= hd6->he_score[k] / 8;
		for (e = &w[0], i = 1; i < HE_WAYS; i++)
			if (w[i].start_ms < e->start_ms)
				e = &w[i];
		e->key = f->key;
		e->start_ms = f->start_ms;
		e->rec = (uint32_t)(f - d->core->flows.v);
		e->host = f->host;
		e->dport = ev->dport;
		e->followers = 0;
		return;
	}
	if (now > d->he_last_ms + HE_MAX_MS)
		return;		/* no IPv6 connect lately: the usual case */
	for (i = 0; i < HE_WAYS; i++) {
		e = &w[i];
		if (e->key == 0 || e->dport != ev->dport ||
		    now < e->start_ms + HE_MIN_MS ||
		    now > e->start_ms + HE_MAX_MS ||
		    (e->followers & (1u << (me % 32))) ||
		    (hd6 = detect_hdet(d, e->host)) == NULL)
			continue;	/* not a candidate, or followed already */
		e->followers |= 1u << (me % 32);
		for (k = 0, low = 0; k < HE_PEERS; k++) {
			if (hd6->he_peer[k] == me)
				break;
			if (hd6->he_score[k] < hd6->he_score[low])
				low = k;
		}
		if (k == HE_PEERS) {	/* a new follower takes the weakest */
			k = low;
			hd6->he_peer[k] = me;
			hd6->he_score[k] = 0;
		}
		hd6->he_score[k] += HE_ONE;
		/* the flow's record only now: it is still the same flow? */
		if (hd6->he_score[k] >= HE_DEVICE &&
		    (f6 = flowtab_at(&d->core->flows, e->rec)) != NULL &&
		    f6->key == e->key && f6->start_ms == e->start_ms)
			f6->fflags |= FF_FALLBACK;
	}
}

static void
scan_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct scan_conf	*sc = &d->conf->scan;
	uint64_t		 now = ev->ts_ms;

	if (!sc->enabled)
		return;
	if (ev->proto == IPPROTO_TCP)
		he_new(d, ev, f);
	if (now - hd->scan_since_ms >= (uint64_t)sc->window_s * 1000) {
		lcount_clear(&hd->scan_dports);
		hd->scan_since_ms = now;
		hd->first_contacts = 0;
		hd->scan_news = 0;
	}
	hd->scan_news++;
	lcount_add(&hd->scan_dports, hash_mix64(((uint64_t)ev->proto << 16) |
	    ev->dport));

	if (now - hd->seen_since_ms >= (uint64_t)sc->idle_s * 1000) {
		memcpy(hd->seen[1], hd->seen[0], sizeof(hd->seen[1]));
		memset(hd->seen[0], 0, sizeof(hd->seen[0]));
		hd->seen_since_ms = now;
	}
	if (!seen_test_set(hd, d->dkey)) {
		hd->first_contacts++;
		if (ev->proto == IPPROTO_TCP)
			f->fflags |= FF_FIRST;
	}
	if (d->judge && hd->scan_news >= sc->min_ports &&
	    lcount_estimate(&hd->scan_dports) >= sc->min_ports)
		scan_alert(d, hd, ev, f, true);
}

static void
scan_end(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f)
{
	const struct scan_conf	*sc = &d->conf->scan;
	uint64_t		 now = ev->ts_ms;
	bool			 failed;

	if (!sc->enabled || !(f->fflags & FF_FIRST))
		return;
	if (now - hd->trw_last_ms >= (uint64_t)sc->idle_s * 1000)
		trw_restart(hd, now);
	hd->trw_last_ms = now;
	failed = !(ev->flags & EVF_ASSURED);
	/* a failure other hosts share is the network's (detect_gateway.c) */
	if (failed && gw_excused(d, hd, f, ev)) {
		hd->trw_excused++;
		return;
	}
	/* an IPv6 connect its device made again over IPv4 */
	if (failed && (f->fflags & FF_FALLBACK)) {
		hd->trw_excused++;
		d->he_excused++;
		return;
	}
	if (memcmp(&d->trw_for, &sc->theta0, sizeof(d->trw_for)) != 0) {
		/* the walk's steps, once for each setting */
		memcpy(&d->trw_for, &sc->theta0, sizeof(d->trw_for));
		d->trw_fail_step = log((1 - sc->theta1) / (1 - sc->theta0));
		d->trw_ok_step = log(sc->theta1 / sc->theta0);
		d->trw_low = log((1 - sc->p_detect) / (1 - sc->p_false));
		d->trw_high = log(sc->p_detect / sc->p_false);
	}
	if (failed) {
		hd->trw += (float)d->trw_fail_step;
		if (hd->trw_fail < UINT16_MAX)
			hd->trw_fail++;
	} else {
		hd->trw += (float)d->trw_ok_step;
		if (hd->trw_ok < UINT16_MAX)
			hd->trw_ok++;
	}
	if (hd->trw <= d->trw_low) {
		trw_restart(hd, now);
		return;
	}
	if (hd->trw >= d->trw_high && hd->trw_fail >= sc->min_failures &&
	    hd->trw_fail >= sc->min_failed_share * (hd->trw_fail +
	    hd->trw_ok) && d->judge) {
		scan_alert(d, hd, ev, f, false);
		/*
		 * The walk goes on, and more failures escalate; at critical
		 * the case is made, and a new one starts: one scan is not
		 * raised again an hour later for the failures it had.
		 */
		if (hd->trw_fail >= 10 * sc->min_failures)
			trw_restart(hd, now);
	}
}

const struct detector_ops detect_scan = {
	.name = "scan",
	.flow_new = scan_new,
	.flow_end = scan_end,
};
