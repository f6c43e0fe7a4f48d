/*
 * The network's own failures (ports.md section 8, "The network itself
 * fails"; gencap.md, "Real networks").  A fault is a window of time in
 * which the flows it hits go unanswered: every flow of one address family
 * to an external destination (the uplink, or the IPv6 upstream, is down),
 * or every flow to one server (a dead popular server).  Flows to the
 * gateway itself (its resolver) still answer.  Hosts keep their normal
 * activity, so their applications keep trying.
 *
 * A hit flow keeps every random draw it made, so the rest of the capture
 * draws what it would draw without the fault; only its outcome changes:
 * an unanswered SYN is destroyed in SYN_SENT 120 s after its NEW, an
 * unanswered UDP or ICMP flow 30 s after it.
 */

#include <stdio.h>

#include "gen.h"

/*
 * The outage kinds, in the order of enum xkind from XK_UPLINK_OUTAGE: the
 * gateway's view that should raise an event, the hosts the fault hits,
 * its families.
 */
static const struct {
	const char	*view;
	const char	*hosts;
	uint8_t		 fam;
} outage[] = {
	{ "ipv4", "0.0.0.0/0", FAM4 },		/* XK_UPLINK_OUTAGE */
	{ "ipv6", "::/0", FAM6 },		/* XK_IPV6_OUTAGE */
	{ "*", "*", FAM4 | FAM6 },		/* XK_DEAD_SERVER */
};

static void
net_fault_add(struct gen *g, uint64_t start_us, uint64_t end_us,
    int32_t server, uint8_t fam)
{
	struct fault *ft;

	if (g->nfaults >= MAX_FAULTS)
		fatalx("at most %d outages and dead servers", MAX_FAULTS);
	ft = &g->faults[g->nfaults++];
	ft->start_us = start_us;
	ft->end_us = end_us;
	ft->server = server;
	ft->fam = fam;
}

/* does a fault hit flow f, starting now? */
bool
net_down(const struct gen *g, const struct host *h, const struct flow *f,
    uint64_t now_us)
{
	const struct fault *ft;
	uint8_t fam;
	uint32_t i;

	if (f->flags & F_LOCAL)
		return false;
	fam = flow_v6(h, f) ? FAM6 : FAM4;
	for (i = 0; i < g->nfaults; i++) {
		ft = &g->faults[i];
		if (now_us < ft->start_us || now_us >= ft->end_us ||
		    !(ft->fam & fam))
			continue;
		if (ft->server < 0 || (!(f->flags & F_DST4) &&
		    f->server == (uint32_t)ft->server))
			return true;
	}
	return false;
}

/* the flow goes unanswered; returns its DESTROY time */
uint64_t
net_fail(struct flow *f, uint64_t now_us)
{
	f->flags &= (uint8_t)~(F_REPLIED | F_ASSURED);
	f->active_end_us = now_us;
	if (f->proto == PROTO_TCP) {
		f->end_state = TE_SYN_SENT;
		return now_us + TO_TCP_SYN_SENT * US_PER_S;
	}
	return now_us + (f->proto == PROTO_UDP ? TO_UDP : TO_ICMP) * US_PER_S;
}

/*
 * An uplink outage (IPv4), an IPv6 upstream outage, or a dead popular
 * server (one of the three most popular, both families).  Default
 * lengths: 3-10 min for an outage (a 6-minute one is issue 12's example),
 * 5-20 min for a dead server; DURATION sets it.
 */
void
net_outage_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint8_t k = x->kind - XK_UPLINK_OUTAGE;
	int32_t server = -1;
	double dur;

	if (x->kind == XK_DEAD_SERVER) {
		server = g->zipf_map[rng_below(r, 3)];
		dur = rng_range(r, 300.0, 1200.0);
	} else
		dur = rng_range(r, 180.0, 600.0);
	if (sp->has_dur)
		dur = (double)sp->dur_s;
	x->t1_us = x->start_us + sec_to_us(dur);
	x->last_us = x->t1_us;
	net_fault_add(g, x->start_us, x->t1_us, server, outage[k].fam);
}

/*
 * Two rows: the gateway's own event (expected `gateway`, host "ipv4",
 * "ipv6" or "*"), from the start to the end of the fault; and the hosts
 * it hits as look-alikes ("-"), until the last unanswered SYN it caused
 * is destroyed, 120 s after the end.
 */
void
net_outage_truth(const struct gen *g, const struct inj *x, FILE *fp)
{
	uint8_t k = x->kind - XK_UPLINK_OUTAGE;
	const char *name = scenario_kinds[x->kind].name;

	truth_row(g, fp, outage[k].view, name, x->start_us, x->t1_us,
	    "gateway");
	truth_row(g, fp, outage[k].hosts, name, x->start_us,
	    x->t1_us + TO_TCP_SYN_SENT * US_PER_S, "-");
}
