/*
 * allocator_change: the host's TCP allocator or port parity leaves the one
 * it learned (ports.md 3.3 and (a) D2): a new operating system on the
 * address, a virtual machine or a phone tethered behind it, a NAT device
 * that interleaves several stacks, or a tool binding its own ports.
 *
 * Every `window` TCP connects are classified with the same features and
 * thresholds as the report (ports.md 2.1).  min_windows consecutive
 * windows of another class than the learned one (not necessarily the
 * same other class: interleaved stacks look mixed, then random) raise.  A
 * window counts as changed too when a host that learned even ports
 * (Linux connect(), ports.md 1.1) sends more than odd_share odd ones.
 * Hosts whose learned class is unknown, mixed or fixed are not judged.
 * Once raised, the new class becomes the learned one; a return to the
 * class first learned ends the incident without an alert.
 *
 * A host's baseline is every class its windows had while it learned: a
 * Kubernetes node's own connects are per destination and its pods'
 * random (ports.md 8), mixed when they interleave.  And a FreeBSD host
 * (learned range 10000-65535) turns sequential above 10 allocations a
 * second and random again below (net.inet.ip.portrange.randomcps,
 * ports.md 1.5 and 8): for it the two are one class.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"

static void
ac_alert(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f, int cls, double even, uint32_t n)
{
	const struct ac_conf	*ac = &d->conf->allocator_change;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];

	detect_alert_init(&a, d, f->host, ev->ts_ms, SEV_WARNING,
	    ac->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	snprintf(a.summary, sizeof(a.summary), "host %s changed its port "
	    "allocator: %s with %.0f %% even ports over its last %u connects, "
	    "learned %s with %.0f %%: a new stack or a NAT behind it", addr,
	    host_allocator_name(cls), even * 100, n, host_allocator_name(hd->allocator),
	    hd->even_ratio * 100.0);
	snprintf(a.evidence, sizeof(a.evidence), "{\"allocator\": \"%s\", "
	    "\"even_ratio\": %.4f, \"learned_allocator\": \"%s\", "
	    "\"learned_even_ratio\": %.4f, \"windows\": %u, \"connects\": %u, "
	    "\"min_windows\": %u, \"odd_share\": %.2f, \"last_sport\": %u}",
	    host_allocator_name(cls), even, host_allocator_name(hd->allocator),
	    hd->even_ratio, hd->ac_run, n, ac->min_windows, ac->odd_share,
	    ev->sport);
	detect_raise(d, &detect_allocator_change, &a);
}

/* Whether class cls is one of the host's. */
static bool
ac_known(const struct hdet *hd, int cls)
{
	uint8_t	set = hd->ac_classes | (uint8_t)(1u << hd->allocator);
	uint8_t	bsd = (uint8_t)(1u << AL_SEQUENTIAL | 1u << AL_RANDOM);

	if (hd->family == RF_FREEBSD && (set & bsd))
		set |= bsd;
	return (set & (1u << cls)) != 0;
}

static void
ac_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct ac_conf	*ac = &d->conf->allocator_change;
	const struct host	*h = &d->core->hosts.v[f->host];
	const struct classify_conf *cc = &d->core->conf->classify;
	struct alloc_feat	 now;
	uint32_t		 n;
	double			 even;
	int			 cls;
	bool			 changed, back;

	if (!ac->enabled || ev->proto != IPPROTO_TCP || hd->id_probe)
		return;		/* back from silence: another device? */
	if (hd->learned_ms != 0 && hd->allocator != AL_SEQUENTIAL &&
	    hd->allocator != AL_PER_DEST && hd->allocator != AL_RANDOM)
		return;
	n = h->n_tcp_ports - hd->ac_snap.n_tcp_ports;
	if (n < ac->window)
		return;
	host_alloc_feat(h, &now);
	cls = host_alloc_classify(&now, &hd->ac_snap, cc, &even);
	hd->ac_snap = now;
	if (hd->learned_ms == 0) {	/* learning: the classes it has */
		if (cls != AL_UNKNOWN)
			hd->ac_classes |= (uint8_t)(1u << cls);
		return;
	}
	changed = (cls != AL_UNKNOWN && !ac_known(hd, cls)) ||
	    (hd->even_ratio >= cc->even_share && 1 - even > ac->odd_share);
	if (!changed) {
		hd->ac_run = 0;
		return;
	}
	if (hd->ac_run == 0)
		hd->ac_since_ms = ev->ts_ms;
	if (hd->ac_run < UINT8_MAX)
		hd->ac_run++;
	if (hd->ac_run >= ac->min_windows && d->judge &&
	    core_complete(d->core, hd->ac_since_ms, ev->ts_ms)) {
		/* back to what it first learned: the incident is over */
		back = cls == hd->ac_orig && (hd->ac_orig_even <
		    cc->even_share || 1 - even <= ac->odd_share);
		if (!back)
			ac_alert(d, hd, ev, f, cls, even, n);
		/*
		 * Reported once: the new allocator is the host's now (a new
		 * stack stays), so a change back, or another, is a new
		 * incident, and a lasting one is not raised again every
		 * cool-down.  A mixed one (a NAT behind it) is not judged.
		 */
		hd->allocator = (uint8_t)cls;
		hd->ac_classes = (uint8_t)(1u << cls);
		hd->even_ratio = (float)even;
		hd->ac_run = 0;
	}
}

const struct detector_ops detect_allocator_change = {
	.name = "allocator_change",
	.flow_new = ac_new,
};
