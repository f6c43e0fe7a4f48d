/*
 * Benign look-alike hosts (ports.md sections 1.10 and 4, (b) "Benign
 * look-alikes"; gencap.md, "Benign look-alikes"): behaviours of ordinary
 * hosts that resemble an anomaly, running on top of the host's normal
 * traffic from its START (-B KIND:COUNT:START; default the start of the
 * capture).  They must raise no alert.
 */

#include <math.h>

#include "gen.h"

/*
 * Benign look-alikes.  BitTorrent (ports.md 1.10, (b)): one fixed UDP port
 * (6881, 51413 or random at install) to 50..500 peers an hour from a pool
 * of 4 hours' worth; 75 % of peers answer and talk for 30 s .. 10 min.
 */
void
lookalike_p2p_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	double u = rng_unif(r), peers_h;

	x->sport = u < 1 / 3.0 ? 6881 : u < 2 / 3.0 ? 51413 :
	    (uint16_t)(10000 + rng_below(r, 50000));
	peers_h = rng_range(r, 50.0, 500.0);
	x->gap_s = 3600.0 / peers_h;
	x->span = (uint32_t)(4 * peers_h);
	x->dst4 = (uint32_t)rng_next(r);	/* the pool's key */
	x->n = UINT32_MAX;
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 120.0)),
	    XW_TICK, 0);
}

void
lookalike_p2p_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint64_t m =
	    rng_mix64(x->dst4 ^ ((uint64_t)rng_below(r, x->span) << 32));
	uint16_t dport = (uint16_t)(1024 + (m >> 40) % 64512);

	if (rng_unif(r) < 0.75)
		scenario_plan(g, x, now_us, PROTO_UDP, x->sport,
		    scenario_ext4(m), 0, dport, 0, F_REPLIED,
		    rng_range(r, 30.0, 600.0));
	else
		scenario_plan(g, x, now_us, PROTO_UDP, x->sport,
		    scenario_ext4(m), 0, dport, 0, 0, 0);
	scenario_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * SIP (ports.md 1.10, (b)): UDP 5060 to the registrar's 5060.  Half the
 * phones send a keep-alive every 15..30 s, so one conntrack entry lives
 * all day; the others REGISTER every 5..60 min, one short entry each.
 * Calls, about every 90 min: an INVITE (a new entry for the second kind)
 * and RTP plus RTCP from an even port in 10000-19998 to a media server,
 * for 1..20 min.
 */
void
lookalike_sip_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->dst4 = IP4(198, 51, 100, 60 + rng_below(r, 10));
	x->mode = (uint8_t)rng_below(r, 2);
	x->period_s = rng_range(r, 300.0, 3600.0);
	x->n = UINT32_MAX;
	if (x->mode == 0)
		scenario_plan(g, x,
		    x->start_us + sec_to_us(rng_range(r, 0.0, 60.0)), PROTO_UDP,
		    5060, x->dst4, 0, 5060, 0, F_REPLIED, FOREVER_S);
	else
		scenario_at(g, x,
		    x->start_us + sec_to_us(rng_range(r, 0.0, 60.0)), XW_TICK,
		    0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_exp(r, 5400.0)), XW_SIDE,
	    0);
}

void
lookalike_sip_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t media = IP4(198, 51, 100, 100 + rng_below(r, 100));
	uint16_t rtp, peer;
	double len;

	if (what == XW_TICK) {
		scenario_plan(g, x, now_us, PROTO_UDP, 5060, x->dst4, 0, 5060,
		    0, F_REPLIED, rng_range(r, 0.05, 0.5));
		scenario_at(g, x, now_us + sec_to_us(x->period_s *
		    rng_range(r, 0.95, 1.05)), XW_TICK, 0);
		return;
	}
	if (x->mode == 1)
		scenario_plan(g, x, now_us, PROTO_UDP, 5060, x->dst4, 0, 5060,
		    0, F_REPLIED, rng_range(r, 2.0, 10.0));
	rtp = (uint16_t)(10000 + 2 * rng_below(r, 5000));
	peer = (uint16_t)(16384 + 2 * rng_below(r, 8192));
	len = rng_range(r, 60.0, 1200.0);
	scenario_plan(g, x, now_us + 2 * US_PER_S, PROTO_UDP, rtp, media, 0,
	    peer, 0, F_REPLIED, len);
	scenario_plan(g, x, now_us + 2 * US_PER_S, PROTO_UDP,
	    (uint16_t)(rtp + 1), media, 0, (uint16_t)(peer + 1), 0, F_REPLIED,
	    len);
	scenario_at(g, x, now_us + sec_to_us(len + rng_exp(r, 5400.0)), XW_SIDE,
	    0);
}

/*
 * A DNS resolver on a client (ports.md 1.10): 0.2..2 queries/s, each from
 * a random port in 1024-65535, to a pool of 3000 authoritative servers of
 * skewed popularity; 2 % unanswered; 1 % retried over TCP from the stack.
 */
void
lookalike_resolver_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->gap_s = 1.0 / rng_range(r, 0.2, 2.0);
	x->dst4 = (uint32_t)rng_next(r);
	x->n = UINT32_MAX;
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 10.0)),
	    XW_TICK, 0);
}

void
lookalike_resolver_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t k = (uint32_t)floor(pow(3000.0, rng_unif(r))) - 1;
	uint32_t dst = scenario_ext4(rng_mix64(x->dst4 ^ ((uint64_t)k << 32)));
	double u = rng_unif(r);

	if (u < 0.01)
		scenario_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 53, SH_FIN,
		    rng_range(r, 0.05, 0.5));
	else if (u < 0.03)
		scenario_plan(g, x, now_us, PROTO_UDP,
		    (uint16_t)(1024 + rng_below(r, 64512)), dst, 0, 53, 0, 0,
		    0);
	else
		scenario_plan(g, x, now_us, PROTO_UDP,
		    (uint16_t)(1024 + rng_below(r, 64512)), dst, 0, 53, 0,
		    F_REPLIED, rng_range(r, 0.005, 0.15));
	scenario_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Long ssh sessions: one or two chains of sessions of 1..10 h
 * (log-uniform) to 1..3 servers, 5..60 min apart, and a short ssh, scp or
 * git connection (1..30 s) about every 30 min.
 */
void
lookalike_long_ssh_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t k, chains = 1 + rng_below(r, 2);

	x->nsrv = (uint8_t)(1 + rng_below(r, 3));
	for (k = 0; k < x->nsrv; k++)
		x->dsts[k] = scenario_rand_ext4(r);
	for (k = 0; k < chains; k++)
		scenario_at(g, x,
		    x->start_us + sec_to_us(rng_range(r, 0.0, 1800.0)),
		    XW_CHAIN, k);
	scenario_at(g, x, x->start_us + sec_to_us(rng_exp(r, 1800.0)), XW_SIDE,
	    0);
}

void
lookalike_long_ssh_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int chain)
{
	struct rng *r = &x->rng;
	uint32_t dst = x->dsts[rng_below(r, x->nsrv)];
	double life;

	if (what == XW_SIDE) {
		scenario_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 22, SH_FIN,
		    rng_range(r, 1.0, 30.0));
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r, 1800.0)),
		    XW_SIDE, 0);
		return;
	}
	life = rng_logu(r, 3600.0, 36000.0);
	scenario_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 22, SH_FIN, life);
	scenario_at(g, x,
	    now_us + sec_to_us(life + rng_range(r, 300.0, 3600.0)), XW_CHAIN,
	    chain);
}

/*
 * Push and messaging channels (ports.md (b) background, heavier): 4..8
 * chains to popular servers on 5223, 5228 or 8883, each connection open
 * 30 min .. 24 h (log-uniform), reconnecting 1..60 s after it ends.
 */
void
lookalike_push_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	static const uint16_t dports[] = { 5223, 5228, 8883 };
	struct rng *r = &x->rng;
	uint32_t k;

	x->nsrv = (uint8_t)(4 + rng_below(r, 5));
	for (k = 0; k < x->nsrv; k++) {
		x->srv[k] = world_zipf(g, r);
		x->srv_dport[k] = dports[rng_below(r, 3)];
		scenario_at(g, x,
		    x->start_us + sec_to_us(rng_range(r, 0.0, 300.0)), XW_CHAIN,
		    k);
	}
}

void
lookalike_push_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int k)
{
	struct rng *r = &x->rng;
	double life = rng_logu(r, 1800.0, 86400.0);

	if (rng_unif(r) < 0.8)
		scenario_plan(g, x, now_us, PROTO_TCP, 0, 0, x->srv[k],
		    x->srv_dport[k], SH_FIN, life);
	else
		scenario_plan(g, x, now_us, PROTO_TCP, 0, 0, x->srv[k],
		    x->srv_dport[k], SH_RST, life);
	scenario_at(g, x, now_us + sec_to_us(life + rng_range(r, 1.0, 60.0)),
	    XW_CHAIN, k);
}

/*
 * Software-update bursts: every 40..120 min (first within 30 min), 2..5
 * waves 10..60 s apart, each of 10..40 parallel TCP/443 connections spread
 * over 1..5 s to 1..4 of the 8 most popular servers (CDNs), each
 * downloading for 1..60 s and closed with FIN.
 */
void
lookalike_update_burst_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->period_s = rng_range(r, 2400.0, 7200.0);
	x->n = UINT32_MAX;
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 60.0, 1800.0)),
	    XW_TICK, 0);
}

void
lookalike_update_burst_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t waves = 2 + rng_below(r, 4), ncdn = 1 + rng_below(r, 4);
	uint32_t w, k, nconn;
	uint16_t cdn[4];
	uint64_t t = now_us;
	double spread;

	for (k = 0; k < ncdn; k++)
		cdn[k] = g->zipf_map[rng_below(r, 8)];
	for (w = 0; w < waves; w++) {
		nconn = 10 + rng_below(r, 31);
		spread = rng_range(r, 1.0, 5.0);
		for (k = 0; k < nconn; k++)
			scenario_plan(g, x,
			    t + sec_to_us(rng_range(r, 0.0, spread)), PROTO_TCP,
			    0, 0, cdn[rng_below(r, ncdn)], 443, SH_FIN,
			    rng_range(r, 1.0, 60.0));
		t += sec_to_us(spread + rng_range(r, 10.0, 60.0));
	}
	scenario_at(g, x,
	    now_us + sec_to_us(x->period_s * rng_range(r, 0.8, 1.2)), XW_TICK,
	    0);
}
