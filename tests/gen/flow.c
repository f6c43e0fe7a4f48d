/*
 * Flow records and their conntrack life cycle.  A flow is planned (its
 * NEW scheduled), starts (takes a source port, a NAT port and a conntrack
 * id; its NEW line is written and its DESTROY scheduled) and is destroyed
 * (its DESTROY line is written, its ports released).  Records come from a
 * pool and go back to it, so memory follows the peak of live flows.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const uint32_t idle_timers_s[] = { 5, 60, 115, 300 };

struct flow *
flow_get(struct gen *g)
{
	struct flow_chunk *c;
	struct flow *f;
	size_t i;

	if (g->free_flows == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			fatalx("out of memory");
		c->next = g->chunks;
		g->chunks = c;
		for (i = 0; i < FLOW_CHUNK; i++) {
			c->flows[i].next = g->free_flows;
			g->free_flows = &c->flows[i];
		}
	}
	f = g->free_flows;
	g->free_flows = f->next;
	memset(f, 0, sizeof(*f));
	return f;
}

void
flow_put(struct gen *g, struct flow *f)
{
	f->next = g->free_flows;
	g->free_flows = f;
}

void
flow_pool_free(struct gen *g)
{
	struct flow_chunk *c;

	while ((c = g->chunks) != NULL) {
		g->chunks = c->next;
		free(c);
	}
	g->free_flows = NULL;
}

/* TCP active duration mixture, seconds (ports.md (b), section 5.1) */
static double
tcp_active_s(struct rng *r)
{
	double u = rng_unif(r), d, x;
	int i;

	if (u < 0.45) {
		for (i = 0; i < 16; i++) {
			d = rng_lognormal(r, 0.3, 1.0);
			if (d < 2.0)
				return d;
		}
		return rng_range(r, 0.0, 2.0);
	}
	if (u < 0.90) {
		d = rng_lognormal(r, 0.3, 1.0);
		if (d > 30.0)
			d = 30.0;
		return idle_timers_s[rng_below(r, 4)] + d;
	}
	if (u < 0.98)
		return rng_range(r, 120.0, 900.0);
	x = 900.0 * pow(1.0 - rng_unif(r), -1.0 / 1.2);
	return x > 86400.0 ? 86400.0 : x;
}

void
flow_plan(struct gen *g, uint32_t hidx, enum kind kind, uint8_t proto,
    uint16_t server, uint16_t dport, uint8_t flags, uint8_t slot,
    uint64_t t_us)
{
	struct flow *f = flow_get(g);

	f->host = hidx;
	f->kind = (uint8_t)kind;
	f->proto = proto;
	f->server = server;
	f->dport = dport;
	f->flags = flags;
	f->slot = slot;
	queue_at(g, t_us, EV_FLOW_NEW, hidx, 0, f);
}

/* TCP close: 85 % FIN, 12 % RST, 3 % never answered */
static uint64_t
flow_tcp_close(struct flow *f, struct rng *r, uint64_t now_us,
    double active_s)
{
	double u = rng_unif(r);

	if (u >= 0.97) {
		f->end_state = TE_SYN_SENT;
		f->active_end_us = now_us;
		return now_us + TO_TCP_SYN_SENT * US_PER_S;
	}
	f->flags |= F_REPLIED | F_ASSURED;
	f->active_end_us = now_us + sec_to_us(active_s);
	if (u < 0.85) {
		f->end_state = TE_TIME_WAIT;
		return f->active_end_us + TO_TCP_TIME_WAIT * US_PER_S;
	}
	f->end_state = TE_CLOSE;
	return f->active_end_us + TO_TCP_CLOSE * US_PER_S;
}

/* request/response UDP or ICMP: 2 % never answered */
static uint64_t
flow_rr_close(struct flow *f, struct rng *r, uint64_t now_us,
    double active_s, uint64_t timeout_us)
{
	if (rng_unif(r) < 0.02) {
		f->active_end_us = now_us;
		return now_us + timeout_us;
	}
	f->flags |= F_REPLIED;
	f->active_end_us = now_us + sec_to_us(active_s);
	return f->active_end_us + timeout_us;
}

/*
 * What every flow of host h gets as it starts, whatever planned it: its
 * temporary IPv6 address (HS_TEMP6).
 */
static inline void
flow_source(const struct host *h, struct flow *f)
{
	if (h->hs & HS_TEMP6) {
		f->flags |= F_ALTSRC;
		f->src_id = h->alt_iid;
	}
}

/*
 * The network's faults and the host's departure change how a flow ends:
 * a fault leaves it unanswered; a device that leaves the network
 * (dhcp_reassign) has its connections reset as it goes (CLOSE 10 s
 * later), its UDP flows time out.  Returns the DESTROY time.
 */
static inline uint64_t
flow_fate(struct gen *g, const struct host *h, struct flow *f,
    uint64_t now_us, uint64_t destroy_us)
{
	if (g->nfaults != 0 && net_down(g, h, f, now_us))
		return net_fail(f, now_us);
	if (h->leave_us != 0 && f->active_end_us > h->leave_us) {
		f->active_end_us = h->leave_us;
		if (f->proto == PROTO_TCP) {
			f->end_state = TE_CLOSE;
			return h->leave_us + TO_TCP_CLOSE * US_PER_S;
		}
		return h->leave_us + (f->flags & F_ASSURED ?
		    TO_UDP_STREAM : TO_UDP) * US_PER_S;
	}
	return destroy_us;
}

/*
 * A scenario flow starts.  K_RAW keeps its given port, unless its original
 * tuple is still live in conntrack: then the packet joins that entry and no
 * NEW is written.  K_SHAPED takes a port from the host's stack; when every
 * port is held, connect() fails (EADDRNOTAVAIL) and no flow appears.  The
 * final state, replied bits and active time were fixed when it was planned.
 */
static void
flow_script_start(struct gen *g, struct flow *f, uint64_t now_us)
{
	struct host *h = &g->hosts[f->host];
	struct host *sp = &g->hosts[h->space];
	uint64_t active_us = f->active_end_us, destroy_us, to_s;

	flow_source(h, f);
	if (f->flags & F_RAW) {
		if (nat_tuple_live(g, f)) {
			flow_put(g, f);
			return;
		}
		nat_tuple_add(g, f);
	} else {
		if (f->proto == PROTO_TCP) {
			if (sp->tcp_held >=
			    stack_tcp_capacity(&stack_models[h->model]))
				goto fail;
			f->sport = stack_alloc_tcp(g, h, h->space, f, now_us);
		} else
			f->sport = stack_alloc_udp(g, h, h->space, f, now_us);
		if (stack_port_held(g, h->space, f->proto, f->sport))
			goto fail;
		stack_hold(g, h, f->proto, f->sport);
	}
	if (f->flags & F_LOCAL)		/* to the gateway: not NATed */
		f->nat_port = f->sport;
	else {
		f->nat_port = nat_pick(g, h, f);
		f->flags |= F_NAT;
	}
	f->ct_id = nat_ct_id(g);

	if (f->proto == PROTO_TCP && f->end_state == TE_SYN_SENT) {
		f->flags &= (uint8_t)~(F_REPLIED | F_ASSURED);
		f->active_end_us = now_us;
		destroy_us = now_us + TO_TCP_SYN_SENT * US_PER_S;
	} else {
		f->active_end_us = now_us + active_us;
		if (f->proto == PROTO_TCP)
			to_s = f->end_state == TE_CLOSE ? TO_TCP_CLOSE :
			    TO_TCP_TIME_WAIT;
		else if (f->proto != PROTO_UDP)
			to_s = TO_ICMP;
		else
			to_s = f->flags & F_ASSURED ? TO_UDP_STREAM : TO_UDP;
		destroy_us = f->active_end_us + to_s * US_PER_S;
	}
	destroy_us = flow_fate(g, h, f, now_us, destroy_us);
	h->flows++;
	if (f->proto == PROTO_TCP)
		h->tcp_flows++;
	out_flow(g, f, now_us, false);
	queue_at(g, destroy_us, EV_FLOW_DESTROY, f->host, 0, f);
	return;
fail:
	g->connect_failed++;
	flow_put(g, f);
}

/*
 * Plan a scenario flow at t_us: from sport (K_RAW; 0: the stack's
 * allocator, K_SHAPED) to dst4 (0: to the server), with conntrack's final
 * state, replied bits and active time.  UDP still flowing after 2 s is a
 * stream (ASSURED, 120-s timeout).  The caller may still set the flow's
 * source (F_ALTSRC, F_FAM, src_id) before it starts.
 */
struct flow *
flow_script(struct gen *g, uint32_t hidx, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t server, uint16_t dport,
    uint8_t end, uint8_t flags, double active_s)
{
	struct flow *f = flow_get(g);

	f->host = hidx;
	f->kind = sport != 0 ? K_RAW : K_SHAPED;
	f->proto = proto;
	f->sport = sport;
	f->dst4 = dst4;
	f->server = server;
	f->dport = dport;
	f->end_state = end;
	if (proto == PROTO_UDP && (flags & F_REPLIED) && active_s >= 2.0)
		flags |= F_ASSURED;
	f->flags = flags | (dst4 != 0 ? F_DST4 : 0) |
	    (sport != 0 ? F_RAW : 0);
	f->active_end_us = sec_to_us(active_s);
	queue_at(g, t_us, EV_FLOW_NEW, hidx, 0, f);
	return f;
}

void
flow_start(struct gen *g, struct flow *f, uint64_t now_us)
{
	struct host *h = &g->hosts[f->host];
	struct rng *r = &h->rng;
	uint64_t destroy_us;
	double rtt;

	if (f->kind >= K_RAW) {
		flow_script_start(g, f, now_us);
		return;
	}
	flow_source(h, f);
	switch (f->proto) {
	case PROTO_TCP:
		f->sport = stack_alloc_tcp(g, h, h->space, f, now_us);
		break;
	case PROTO_UDP:
		f->sport = stack_alloc_udp(g, h, h->space, f, now_us);
		break;
	default:
		f->sport = (uint16_t)rng_below(r, 65536);
		break;
	}
	if (f->flags & F_LOCAL)
		f->nat_port = f->sport;
	else {
		f->nat_port = nat_pick(g, h, f);
		f->flags |= F_NAT;
	}
	stack_hold(g, h, f->proto, f->sport);
	f->ct_id = nat_ct_id(g);

	rtt = rng_range(r, 0.002, 0.080);
	switch (f->kind) {
	case K_WEB:
		destroy_us = flow_tcp_close(f, r, now_us, tcp_active_s(r));
		break;
	case K_BG:
		/* log-uniform 30 min .. 24 h */
		destroy_us = flow_tcp_close(f, r, now_us,
		    1800.0 * pow(48.0, rng_unif(r)));
		break;
	case K_QUIC:
		f->flags |= F_REPLIED | F_ASSURED;
		f->active_end_us = now_us + sec_to_us(rng_range(r, 5.0,
		    120.0));
		destroy_us = f->active_end_us + TO_UDP_STREAM * US_PER_S;
		break;
	case K_PING:
		/* ping -c 1..4: one entry, 1 s between requests */
		destroy_us = flow_rr_close(f, r, now_us,
		    rng_below(r, 4) + rtt, TO_ICMP * US_PER_S);
		break;
	default:
		destroy_us = flow_rr_close(f, r, now_us, rtt,
		    TO_UDP * US_PER_S);
		break;
	}
	destroy_us = flow_fate(g, h, f, now_us, destroy_us);
	if (f->kind == K_BG)	/* reconnect after it ends or fails */
		queue_at(g, f->active_end_us +
		    sec_to_us(rng_range(r, 1.0, 60.0)), EV_BG, f->host,
		    f->slot, NULL);
	h->flows++;
	if (f->proto == PROTO_TCP)
		h->tcp_flows++;
	out_flow(g, f, now_us, false);
	queue_at(g, destroy_us, EV_FLOW_DESTROY, f->host, 0, f);
}

void
flow_destroy(struct gen *g, struct flow *f, uint64_t now_us)
{
	const struct host *h = &g->hosts[f->host];

	out_flow(g, f, now_us, true);
	if (f->flags & F_RAW)
		nat_tuple_del(g, f);
	else
		stack_release(g, h, f->proto, f->sport);
	if (f->flags & F_NAT)
		nat_release(g, h, f);
	flow_put(g, f);
}
