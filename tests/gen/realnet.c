/*
 * Look-alikes from real networks (ports.md sections 1.5, 1.10, 8; issue
 * 12; gencap.md, "Real networks"): hosts whose ordinary behaviour looks
 * like an anomaly to a detector that judges every address alone.  Each
 * runs on top of the host's normal traffic, from its START (-B
 * KIND:COUNT:START, default the capture's start), with its own stream.
 * They must raise nothing but `identity` and `info` events.  The network's
 * own failures (outages, dead servers) are in net.c.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define XBOX_PORT		3074	/* KB908874: UDP/TCP 3074, UDP 88 */
#define KERBEROS_PORT		88
#define WG_PORT			51820
#define OPENVPN_PORT		1194
#define IKE_PORT		500
#define NATT_PORT		4500
#define TEMP_REGEN_S		5	/* RFC 8981 REGEN_ADVANCE */
#define TEMP_PREFERRED_S	86400	/* RFC 8981 TEMP_PREFERRED_LIFETIME */

/* a scenario flow from an IPv4 address of its own (a pod, a peer...) */
static struct flow *
plan_v4(struct gen *g, struct inj *x, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t dport, uint8_t end,
    uint8_t flags, double active_s)
{
	return scenario_plan(g, x, t_us, proto, sport, dst4, 0, dport, end,
	    flags, active_s);
}

/* a TCP close: FIN, or RST with probability rst */
static void
plan_tcp(struct gen *g, struct inj *x, uint64_t t_us, uint16_t sport,
    uint16_t server, uint16_t dport, double active_s, double rst)
{
	if (rng_unif(&x->rng) < rst)
		scenario_plan(g, x, t_us, PROTO_TCP, sport, 0, server, dport,
		    SH_RST, active_s);
	else
		scenario_plan(g, x, t_us, PROTO_TCP, sport, 0, server, dport,
		    SH_FIN, active_s);
}

/*
 * A game console (ports.md 1.10 and 8, Microsoft KB908874): an Xbox
 * keeps UDP 3074 as its source port for everything it says over UDP.
 * Gaming sessions of 30 min .. 3 h (log-uniform) come 30 min .. 4 h apart
 * [est].  A session signs in (UDP 3074 -> Xbox Live 88, Kerberos), then
 * plays matches of 5-20 min with 1-3 min of lobby between them [est].
 * Matchmaking first probes 10-40 candidate hosts (a short exchange each,
 * 70 % answered); the match is a mesh of 4-30 peers (peer-to-peer
 * sessions hold up to 30 players), from 3074 to their 3074 (70 %; the
 * rest are PCs on a random port), and half the matches also use a
 * dedicated server; 90 % of peers answer and talk for the whole match (a
 * stream), 10 % never answer (NAT traversal that failed) [est].
 */
void
realnet_console_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->sport = XBOX_PORT;
	x->nsrv = 2;
	x->srv[0] = world_server_add(g, "198.51.100.88", "2001:db8:88::1");
	x->srv[1] = world_server_add(g, "198.51.100.89", "2001:db8:88::2");
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 600.0)),
	    XW_CHAIN, 0);
}

static void
console_match(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t k, nprobe = 10 + rng_below(r, 31);
	uint32_t npeers = 4 + rng_below(r, 27), dst;
	uint16_t dport;
	double len = rng_range(r, 300.0, 1200.0), at;

	for (k = 0; k < nprobe; k++) {
		dport = rng_unif(r) < 0.7 ? XBOX_PORT :
		    (uint16_t)(1024 + rng_below(r, 64512));
		dst = scenario_rand_ext4(r);
		if (rng_unif(r) < 0.7)
			plan_v4(g, x, now_us, PROTO_UDP, x->sport, dst, dport,
			    0, F_REPLIED, rng_range(r, 0.05, 0.5));
		else
			plan_v4(g, x, now_us, PROTO_UDP, x->sport, dst, dport,
			    0, 0, 0);
		now_us += sec_to_us(rng_range(r, 0.01, 0.2));
	}
	for (k = 0; k < npeers; k++) {
		dport = rng_unif(r) < 0.7 ? XBOX_PORT :
		    (uint16_t)(1024 + rng_below(r, 64512));
		at = rng_range(r, 0.0, 30.0);
		if (rng_unif(r) < 0.9)
			plan_v4(g, x, now_us + sec_to_us(at), PROTO_UDP,
			    x->sport, scenario_rand_ext4(r), dport, 0,
			    F_REPLIED, len - at);
		else
			plan_v4(g, x, now_us + sec_to_us(at), PROTO_UDP,
			    x->sport, scenario_rand_ext4(r), dport, 0, 0, 0);
	}
	if (rng_unif(r) < 0.5) {	/* a dedicated server */
		dport = (uint16_t)(1024 + rng_below(r, 64512));
		plan_v4(g, x, now_us, PROTO_UDP, x->sport,
		    scenario_rand_ext4(r), dport, 0, F_REPLIED, len);
	}
	if (now_us + sec_to_us(len) < x->t1_us)
		scenario_at(g, x, now_us + sec_to_us(len +
		    rng_range(r, 60.0, 180.0)), XW_TICK, 0);
}

void
realnet_console_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint16_t auth;
	double len;

	if (what == XW_TICK) {
		console_match(g, x, now_us);
		return;
	}
	len = rng_logu(r, 1800.0, 3 * 3600.0);
	x->t1_us = now_us + sec_to_us(len);
	auth = x->srv[rng_below(r, 2)];
	scenario_plan(g, x, now_us, PROTO_UDP, x->sport, 0, auth,
	    KERBEROS_PORT, 0, F_REPLIED, rng_range(r, 0.05, 0.3));
	scenario_at(g, x, now_us + sec_to_us(rng_range(r, 30.0, 180.0)),
	    XW_TICK, 0);
	scenario_at(g, x, x->t1_us + sec_to_us(rng_logu(r, 1800.0,
	    4 * 3600.0)), XW_CHAIN, 0);
}

/*
 * A qBittorrent-like heavy BitTorrent client (ports.md 1.10 and 8: "a
 * qBittorrent host has been reported as a port scanner"): one port, drawn
 * in 1024-65535 at first start as qBittorrent does, for the DHT, uTP and
 * the TCP listener.  The DHT queries 1000-3000 nodes an hour from it, of
 * which 65 % answer within 0.5 s [est: nodes churn]; uTP talks to 50-300
 * peers an hour, 75 % of which answer for 30 s .. 10 min (as p2p); TCP
 * peer connections, 20-100 an hour from the stack's allocator, 30 %
 * unanswered (peers gone or firewalled), the rest open 10 s .. 30 min
 * [est].
 */
void
realnet_p2p_heavy_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->sport = (uint16_t)(1024 + rng_below(r, 64512));
	x->gap_s = 3600.0 / rng_range(r, 1000.0, 3000.0);
	x->period_s = 3600.0 / rng_range(r, 50.0, 300.0);
	x->gap2_s = 3600.0 / rng_range(r, 20.0, 100.0);
	x->span = (uint32_t)(4 * 3600.0 / x->period_s);
	x->dst4 = (uint32_t)rng_next(r);	/* the uTP pool's key */
	x->n = UINT32_MAX;
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 30.0)),
	    XW_TICK, 0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 120.0)),
	    XW_SIDE, 0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 300.0)),
	    XW_CHAIN, 0);
}

void
realnet_p2p_heavy_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint16_t dport = (uint16_t)(1024 + rng_below(r, 64512));
	uint32_t dst;
	uint64_t m;

	switch (what) {
	case XW_TICK:		/* a DHT query */
		dst = scenario_rand_ext4(r);
		if (rng_unif(r) < 0.65)
			plan_v4(g, x, now_us, PROTO_UDP, x->sport, dst, dport,
			    0, F_REPLIED, rng_range(r, 0.02, 0.5));
		else
			plan_v4(g, x, now_us, PROTO_UDP, x->sport, dst, dport,
			    0, 0, 0);
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r, x->gap_s)),
		    XW_TICK, 0);
		break;
	case XW_SIDE:		/* a uTP peer from the swarm */
		m = rng_mix64(x->dst4 ^ ((uint64_t)rng_below(r, x->span) <<
		    32));
		dport = (uint16_t)(1024 + (m >> 40) % 64512);
		if (rng_unif(r) < 0.75)
			plan_v4(g, x, now_us, PROTO_UDP, x->sport,
			    scenario_ext4(m), dport, 0, F_REPLIED,
			    rng_range(r, 30.0, 600.0));
		else
			plan_v4(g, x, now_us, PROTO_UDP, x->sport,
			    scenario_ext4(m), dport, 0, 0, 0);
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r,
		    x->period_s)), XW_SIDE, 0);
		break;
	default:		/* a TCP peer, from the stack */
		dst = scenario_rand_ext4(r);
		if (rng_unif(r) < 0.3)
			plan_v4(g, x, now_us, PROTO_TCP, 0, dst, dport,
			    SH_UNREPLIED, 0);
		else
			plan_v4(g, x, now_us, PROTO_TCP, 0, dst, dport, SH_FIN,
			    rng_logu(r, 10.0, 1800.0));
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r, x->gap2_s)),
		    XW_CHAIN, 0);
		break;
	}
}

/*
 * VPN clients (ports.md 1.10 and 8), one conntrack entry per session,
 * kept alive by keepalives shorter than the UDP stream timeout:
 * WireGuard from a port its stack picks when the interface comes up, to
 * the server's 51820, keepalive 25 s; OpenVPN 1194 -> 1194 (no `nobind`),
 * ping 10 s; IPsec IKE 500 -> 500 for IKE_SA_INIT, then NAT-T 4500 -> 4500
 * for IKE_AUTH and ESP, keepalive 20 s.  Sessions last 1-10 h
 * (log-uniform) and come 10 min .. 2 h apart [est]; each WireGuard
 * session has a new port.  All answered.
 */
void
realnet_vpn_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;

	switch (x->kind) {
	case XK_WIREGUARD:
		x->srv[0] = world_server_add(g, "198.51.100.41",
		    "2001:db8:4::41");
		break;
	case XK_OPENVPN:
		x->srv[0] = world_server_add(g, "198.51.100.42",
		    "2001:db8:4::42");
		break;
	default:
		x->srv[0] = world_server_add(g, "198.51.100.43",
		    "2001:db8:4::43");
		break;
	}
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0, 600.0)),
	    XW_CHAIN, 0);
}

void
realnet_vpn_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	const struct model_info *mi = &stack_models[g->hosts[x->host].model];
	struct rng *r = &x->rng;
	double len = rng_logu(r, 3600.0, 36000.0), init;
	uint16_t port;

	switch (x->kind) {
	case XK_WIREGUARD:
		port = (uint16_t)(mi->udp_lo + rng_below(r,
		    (uint32_t)mi->udp_hi - mi->udp_lo + 1));
		scenario_plan(g, x, now_us, PROTO_UDP, port, 0, x->srv[0],
		    WG_PORT, 0, F_REPLIED, len);
		break;
	case XK_OPENVPN:
		scenario_plan(g, x, now_us, PROTO_UDP, OPENVPN_PORT, 0,
		    x->srv[0], OPENVPN_PORT, 0, F_REPLIED, len);
		break;
	default:
		init = rng_range(r, 0.05, 0.3);
		scenario_plan(g, x, now_us, PROTO_UDP, IKE_PORT, 0, x->srv[0],
		    IKE_PORT, 0, F_REPLIED, init);
		scenario_plan(g, x, now_us + sec_to_us(init +
		    rng_range(r, 0.05, 0.2)), PROTO_UDP, NATT_PORT, 0,
		    x->srv[0], NATT_PORT, 0, F_REPLIED, len);
		break;
	}
	scenario_at(g, x, now_us + sec_to_us(len + rng_logu(r, 600.0,
	    7200.0)), XW_CHAIN, 0);
}

/*
 * FreeBSD under load (ports.md 8; FreeBSD in_pcb.c): the host's stack
 * runs ipport_tick (stacks.c), so above randomcps (10) allocations a
 * second its TCP ports turn sequential for randomtime (45 s).  On top of
 * its browsing, which alone can cross 10 a second, it runs jobs every
 * 20-60 min (a mirror, a ports build fetching distfiles): 300-3000 TCP
 * connections at 15-60 a second to 1-50 popular servers on 443 (80 %) or
 * 80, each active 0.3 s typically (lognormal, at most 5 s), 95 % closed
 * with FIN [est].
 */
void
realnet_freebsd_load_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct host *h = &g->hosts[x->host];
	const struct model_info *mi = &stack_models[h->model];
	struct rng *r = &x->rng;

	h->hs |= HS_BSD_LOAD;
	h->bsd_last = (uint16_t)(mi->tcp_lo + rng_below(r,
	    (uint32_t)mi->tcp_hi - mi->tcp_lo));
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 60.0,
	    1800.0)), XW_TICK, 0);
}

void
realnet_freebsd_load_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t k, n = 300 + rng_below(r, 2701), nsrv = 1 + rng_below(r, 50);
	uint16_t srv[50], dport[50];
	double rate = rng_range(r, 15.0, 60.0), t = 0.0;

	for (k = 0; k < nsrv; k++) {
		srv[k] = world_zipf(g, r);
		dport[k] = rng_unif(r) < 0.8 ? 443 : 80;
	}
	for (k = 0; k < n; k++) {
		uint32_t j = rng_below(r, nsrv);

		plan_tcp(g, x, now_us + sec_to_us(t), 0, srv[j], dport[j],
		    fmin(rng_lognormal(r, 0.3, 0.8), 5.0), 0.05);
		t += rng_exp(r, 1.0 / rate);
	}
	scenario_at(g, x, now_us + sec_to_us(t + rng_range(r, 1200.0,
	    3600.0)), XW_TICK, 0);
}

/*
 * Parallel connects (ports.md 8, inet_hashtables.c): a Linux host whose
 * scripts fetch batches of 50-300 URLs five at a time (`xargs -P 5 curl`,
 * a browser's parallel requests), every 10-30 min [est].  Each fetch is a
 * new connection from DHPS; 40 % go to a server the batch already used,
 * the others to a new popular server, so host-wide the ports jump while
 * each destination steps +2..+16 within its 10 s epoch.  A transfer lasts
 * 0.4 s typically (lognormal, at most 30 s); the next one in the same
 * slot starts 5-50 ms after it.
 */
void
realnet_parallel_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	scenario_at(g, x, x->start_us + sec_to_us(rng_range(&x->rng, 0.0,
	    600.0)), XW_TICK, 0);
}

void
realnet_parallel_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t k, n = 50 + rng_below(r, 251), nused = 0, s, best;
	uint16_t used[300], server;
	double slot[5] = { 0, 0, 0, 0, 0 }, len, end = 0;

	for (k = 0; k < n; k++) {
		if (nused > 0 && rng_unif(r) < 0.4)
			server = used[rng_below(r, nused)];
		else
			server = used[nused++] = world_zipf(g, r);
		for (best = 0, s = 1; s < 5; s++)
			if (slot[s] < slot[best])
				best = s;
		len = fmin(rng_lognormal(r, 0.4, 1.0), 30.0);
		scenario_plan(g, x, now_us + sec_to_us(slot[best]), PROTO_TCP,
		    0, 0, server, 443, SH_FIN, len);
		slot[best] += len + rng_range(r, 0.005, 0.05);
		if (slot[best] > end)
			end = slot[best];
	}
	scenario_at(g, x, now_us + sec_to_us(end + rng_range(r, 600.0,
	    1800.0)), XW_TICK, 0);
}

/*
 * IPv6 temporary addresses (RFC 8981; ports.md 8): from START on, every
 * new flow of the host leaves from its current temporary address in its
 * /64, a random interface identifier.  A new one is made REGEN_ADVANCE
 * (5 s) before the current one's preferred lifetime ends, which is
 * TEMP_PREFERRED_LIFETIME (PERIOD, default 1 day) less a DESYNC_FACTOR
 * drawn each time in 0 .. 0.4 x PERIOD.  Old addresses stay valid (2 days
 * and more), so flows that started on them end on them: they fade out.
 * At START the current address is of a random age.
 */
static void
temp_new(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct host *h = &g->hosts[x->host];
	uint64_t *v, *t, iid;

	do {
		iid = rng_next(&x->rng);
	} while (iid <= 1);
	v = reallocarray(x->vals, x->nvals + 1, sizeof(*v));
	if (v != NULL)
		x->vals = v;
	t = reallocarray(x->val_us, x->nvals + 1, sizeof(*t));
	if (v == NULL || t == NULL)
		fatalx("out of memory");
	x->val_us = t;
	x->vals[x->nvals] = iid;
	x->val_us[x->nvals++] = now_us;
	h->alt_iid = iid;
	h->hs |= HS_TEMP6;
}

void
realnet_ipv6_temp_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	x->period_s = sp->has_period ? (double)sp->period_s :
	    TEMP_PREFERRED_S;
	if (x->period_s <= 2 * TEMP_REGEN_S)
		fatalx("ipv6_temp: the period must be longer than %d s",
		    2 * TEMP_REGEN_S);
	scenario_at(g, x, x->start_us, XW_TICK, 1);
}

void
realnet_ipv6_temp_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int first)
{
	struct rng *r = &x->rng;
	double pref, left;

	temp_new(g, x, now_us);
	pref = x->period_s - rng_range(r, 0.0, 0.4 * x->period_s);
	left = pref - TEMP_REGEN_S;
	if (first)
		left *= rng_unif(r);
	scenario_at(g, x, now_us + sec_to_us(left), XW_TICK, 0);
}

/* every temporary address, and the stable one it used before START */
void
realnet_ipv6_temp_truth(const struct gen *g, const struct inj *x, FILE *fp)
{
	const struct host *h = &g->hosts[x->host];
	char buf[ADDR_BUF];
	uint32_t i;

	truth_row(g, fp, h->addr, "ipv6_temp", 0, g->end_us, "-");
	for (i = 0; i < x->nvals; i++) {
		world_addr6(h->pfx64, x->vals[i], buf);
		truth_row(g, fp, buf, "ipv6_temp", x->val_us[i], g->end_us,
		    "-");
	}
}

/*
 * Happy Eyeballs (RFC 8305; ports.md 8) on a dual-stack host whose IPv6
 * path is broken: for each new destination the IPv6 connect (from its
 * address in the LAN's /64) goes unanswered and is abandoned when the
 * IPv4 one starts, 300 ms later (browsers, 80 %) or 200 ms (curl); the
 * IPv4 connection and 0-5 more to the same server succeed.  Page loads
 * of 1-4 destinations come every 1-5 min (per host; exponential) [est].
 * The abandoned SYN stays in SYN_SENT for 120 s.
 */
void
realnet_happy_eyeballs_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;

	x->vals = calloc(1, sizeof(*x->vals));
	if (x->vals == NULL)
		fatalx("out of memory");
	do {
		x->vals[0] = rng_next(r);
	} while (x->vals[0] <= 1);
	x->nvals = 1;
	x->gap_s = rng_range(r, 60.0, 300.0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_exp(r, x->gap_s)),
	    XW_TICK, 0);
}

void
realnet_happy_eyeballs_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t k, j, d = 1 + rng_below(r, 4), more;
	uint64_t t;
	struct flow *f;
	uint16_t server;
	double delay, at;

	for (k = 0; k < d; k++) {
		server = world_zipf(g, r);
		t = now_us + sec_to_us(rng_range(r, 0.0, 0.5));
		f = scenario_plan(g, x, t, PROTO_TCP, 0, 0, server, 443,
		    SH_UNREPLIED, 0);
		f->flags |= F_FAM | F_ALTSRC;
		f->src_id = x->vals[0];
		delay = rng_unif(r) < 0.8 ? 0.3 : 0.2;
		plan_tcp(g, x, t + sec_to_us(delay), 0, server, 443,
		    fmin(rng_lognormal(r, 0.5, 1.0), 120.0), 0.1);
		more = rng_below(r, 6);
		for (j = 0; j < more; j++) {
			at = delay + rng_range(r, 0.1, 2.0);
			plan_tcp(g, x, t + sec_to_us(at), 0, server, 443,
			    fmin(rng_lognormal(r, 0.5, 1.0), 120.0), 0.1);
		}
	}
	scenario_at(g, x, now_us + sec_to_us(rng_exp(r, x->gap_s)), XW_TICK,
	    0);
}

void
realnet_happy_eyeballs_truth(const struct gen *g, const struct inj *x,
    FILE *fp)
{
	const struct host *h = &g->hosts[x->host];
	char buf[ADDR_BUF];

	truth_row(g, fp, h->addr, "happy_eyeballs", x->start_us, g->end_us,
	    "-");
	world_addr6(h->pfx64, x->vals[0], buf);
	truth_row(g, fp, buf, "happy_eyeballs", x->start_us, g->end_us, "-");
}

/*
 * A Kubernetes node (ports.md 8): kube-proxy, flannel and kube-router
 * masquerade pod traffic with --random-fully, so the node's address
 * sends from ports uniform in 1024-65535 (the NAT range without
 * --to-ports) besides its own stack's.  Pods make 0.2-3 connections a
 * second to 8 external services (443 mostly) and now and then to another
 * popular server, each 0.2 s typically (at most 60 s); CoreDNS forwards
 * 0.5-3 queries a second to external resolvers; 2-4 watch connections to
 * the first service last 30 min .. 6 h and reconnect within 10 s [est].
 */
void
realnet_k8s_node_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const uint16_t dports[] = { 443, 443, 443, 443, 80, 8080 };
	struct rng *r = &x->rng;
	uint32_t k, nwatch = 2 + rng_below(r, 3);

	x->nsrv = MAX_XSRV;
	for (k = 0; k < x->nsrv; k++) {
		x->srv[k] = world_zipf(g, r);
		x->srv_dport[k] = dports[rng_below(r, 6)];
	}
	x->gap_s = 1.0 / rng_range(r, 0.2, 3.0);
	x->period_s = 1.0 / rng_range(r, 0.5, 3.0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_exp(r, x->gap_s)),
	    XW_TICK, 0);
	scenario_at(g, x, x->start_us + sec_to_us(rng_exp(r, x->period_s)),
	    XW_SIDE, 0);
	for (k = 0; k < nwatch; k++)
		scenario_at(g, x, x->start_us + sec_to_us(rng_range(r, 0.0,
		    60.0)), XW_CHAIN, k);
}

void
realnet_k8s_node_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint16_t port = (uint16_t)(1024 + rng_below(r, 64512)), server;
	uint32_t k;
	double life;

	switch (what) {
	case XW_TICK:
		if (rng_unif(r) < 0.9) {
			k = rng_below(r, x->nsrv);
			plan_tcp(g, x, now_us, port, x->srv[k],
			    x->srv_dport[k],
			    fmin(rng_lognormal(r, 0.2, 1.0), 60.0), 0.05);
		} else {
			server = world_zipf(g, r);
			plan_tcp(g, x, now_us, port, server, 443,
			    fmin(rng_lognormal(r, 0.2, 1.0), 60.0), 0.05);
		}
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r, x->gap_s)),
		    XW_TICK, 0);
		break;
	case XW_SIDE:
		server = (uint16_t)(NPOP_SERVERS + rng_below(r, 2));
		if (rng_unif(r) < 0.99)
			scenario_plan(g, x, now_us, PROTO_UDP, port, 0, server,
			    53, 0, F_REPLIED, rng_range(r, 0.005, 0.1));
		else
			scenario_plan(g, x, now_us, PROTO_UDP, port, 0, server,
			    53, 0, 0, 0);
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r,
		    x->period_s)), XW_SIDE, 0);
		break;
	default:
		life = rng_logu(r, 1800.0, 6 * 3600.0);
		scenario_plan(g, x, now_us, PROTO_TCP, port, 0, x->srv[0], 443,
		    SH_FIN, life);
		scenario_at(g, x, now_us + sec_to_us(life + rng_range(r, 1.0,
		    10.0)), XW_CHAIN, sub);
		break;
	}
}

/*
 * DHCP hands the address to another device (ports.md 8; DESIGN "A host
 * is a device"): at START the host leaves the network (its connections
 * are reset as it goes, nothing new comes from it); after a gap of
 * DURATION (default 30-90 min: a lease of one hour, dnsmasq's default,
 * runs out and the next device that asks gets the address [est]) a
 * device of another range family and allocator comes with the same
 * address: a Linux or Android device after a Windows or macOS one, and
 * the other way round.  It follows the normal activity model, in use for
 * an hour at least.
 */
void
realnet_dhcp_reassign_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct host *h = &g->hosts[x->host];
	struct rng *r = &x->rng;
	uint8_t model;
	double gap;

	gap = sp->has_dur ? (double)sp->dur_s : rng_range(r, 1800.0, 5400.0);
	if (h->model == M_WINDOWS || h->model == M_MACOS)
		model = rng_unif(r) < 0.5 ? M_LINUX : M_ANDROID;
	else
		model = rng_unif(r) < 0.5 ? M_WINDOWS : M_MACOS;
	h->stop_us = x->start_us;
	h->leave_us = x->start_us;
	x->t1_us = x->start_us + sec_to_us(gap);
	x->vhost = scenario_device(g, x->host, model);
	activity_init(g, x->vhost, x->t1_us, true);
}

/* the address, from the time the other device comes */
void
realnet_dhcp_reassign_truth(const struct gen *g, const struct inj *x,
    FILE *fp)
{
	truth_row(g, fp, g->hosts[x->host].addr, "dhcp_reassign", x->t1_us,
	    g->end_us, "-");
}
