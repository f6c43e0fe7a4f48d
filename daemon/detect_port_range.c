/*
 * port_range: TCP source ports no allocator of this host would hand out
 * (ports.md 1, 4 and (a) D1).  Kernel allocators never leave their range;
 * a TCP connect from outside both the host's learned range (with slack
 * ports either side) and its stack family's default range means an
 * explicit bind or a raw socket: hping3 (1024-3023, +1 a packet), nmap
 * beyond Linux's range, a tool that crafts its own SYNs.  min_ports such
 * connects within window_s raise.  TCP from a port below 1024 raises at
 * once (privileged): no allocator hands those out.
 *
 * UDP is exempt: resolvers and browsers' DNS use 1024-65535 (ports.md
 * 1.10).  A host is judged against its range only once it has learned it;
 * ports inside its family's range widen the learned range (drift).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"

static void
pr_alert(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f, bool privileged)
{
	const struct pr_conf	*pc = &d->conf->port_range;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];

	if (!core_complete(d->core, privileged ? ev->ts_ms : hd->pr_since_ms,
	    ev->ts_ms))
		return;
	detect_alert_init(&a, d, f->host, ev->ts_ms, SEV_WARNING,
	    pc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	if (privileged)
		snprintf(a.summary, sizeof(a.summary), "host %s connects "
		    "from TCP port %u to port %u: no allocator hands out "
		    "ports below 1024", addr, ev->sport, ev->dport);
	else
		snprintf(a.summary, sizeof(a.summary), "host %s made %u TCP "
		    "connects from ports %u-%u, outside its range %u-%u and "
		    "the %s family's", addr, hd->pr_count, hd->pr_first,
		    hd->pr_last, hd->port_min, hd->port_max,
		    host_family_name(hd->family));
	snprintf(a.evidence, sizeof(a.evidence), "{\"kind\": \"%s\", "
	    "\"sport\": %u, \"dport\": %u, \"count\": %u, \"first_port\": %u, "
	    "\"window\": %.3f, \"min_ports\": %u, \"learned_min\": %u, "
	    "\"learned_max\": %u, \"slack\": %u, \"family\": \"%s\", "
	    "\"learned\": %s}", privileged ? "privileged" : "outside",
	    ev->sport, ev->dport, privileged ? 1 : hd->pr_count,
	    privileged ? ev->sport : hd->pr_first,
	    privileged ? 0.0 : (ev->ts_ms - hd->pr_since_ms) / 1000.0,
	    pc->min_ports, hd->port_min, hd->port_max, pc->slack,
	    host_family_name(hd->family), hd->learned_ms ? "true" : "false");
	detect_raise(d, &detect_port_range, &a);
}

static void
pr_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct pr_conf	*pc = &d->conf->port_range;
	uint16_t		 p = ev->sport;
	bool			 near;

	if (!pc->enabled || ev->proto != IPPROTO_TCP)
		return;
	if (p < 1024) {
		if (pc->privileged && d->judge)
			pr_alert(d, hd, ev, f, true);
		return;
	}
	if (hd->learned_ms == 0)
		return;		/* no range of its own yet */
	near = (uint32_t)p + pc->slack >= hd->port_min &&
	    p <= (uint32_t)hd->port_max + pc->slack;
	if (host_family_holds(hd->family, p)) {
		if (p < hd->port_min)
			hd->port_min = p;
		if (p > hd->port_max)
			hd->port_max = p;
		return;
	}
	if (near)
		return;
	if (ev->ts_ms - hd->pr_since_ms >= (uint64_t)pc->window_s * 1000) {
		hd->pr_since_ms = ev->ts_ms;
		hd->pr_count = 0;
		hd->pr_first = p;
	}
	hd->pr_count++;
	hd->pr_last = p;
	/* back from silence: maybe another device (detect_identity.c) */
	if (hd->pr_count >= pc->min_ports && d->judge && !hd->id_probe)
		pr_alert(d, hd, ev, f, false);
}

const struct detector_ops detect_port_range = {
	.name = "port_range",
	.flow_new = pr_new,
};
