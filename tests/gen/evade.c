/*
 * Attacks that hide in real networks (ports.md 8, "Attacks that hide in
 * these"; issue 12; gencap.md, "Real networks"): they aim at what a
 * per-address detector with bounded tables cannot see.  A scanner that
 * rotates its IPv6 source address inside its /64, a flood of addresses
 * from one /64 that fills the host table, an `nmap -p-` that fills the
 * service table before a C2 session on a new service, and a churn of a
 * million client addresses (the memory test's input).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define FLOOD6_ADDRS		131072	/* twice ephemd's limits.hosts */
#define CHURN_ADDRS		1000000
#define CHURN_NET		IP4(172, 16, 0, 0)	/* 172.16.0.0/12 */
#define CHURN_SIZE		(1U << 20)

/*
 * The attacker sits alone in a /64 of the LAN (a guest network, a VLAN,
 * a VM host's routed prefix): fd00:1:0:<base + injector>::/64.  A /64
 * shared with other hosts would make every host of it the attacker.
 */
static void
evade_own64(struct gen *g, struct inj *x, uint64_t base)
{
	world_host_move64(&g->hosts[x->host], LAN6_PFX |
	    (base + (uint64_t)(x - g->inj)));
}

static uint64_t
evade_iid(struct rng *r)
{
	uint64_t iid;

	do {
		iid = rng_next(r);
	} while (iid <= 1);
	return iid;
}

/* the attacker's /64 as a ground-truth host: PREFIX::/64 */
void
evade_prefix_truth(const struct gen *g, const struct inj *x, FILE *fp)
{
	char buf[ADDR_BUF + 4];

	world_addr6(g->hosts[x->host].pfx64, 0, buf);
	strcat(buf, "/64");
	truth_row(g, fp, buf, scenario_kinds[x->kind].name, x->start_us,
	    x->last_us, scenario_kinds[x->kind].expected);
}

/*
 * A SYN scan whose source address rotates inside its /64 (ports.md 8): a
 * raw-socket tool that writes a new random interface identifier every
 * 1-4 probes (per scanner), and a random source port with each (zmap-like,
 * ports.md 4).  It probes nmap's top 1000 ports on 1-8 popular servers'
 * IPv6 addresses in a random order, at 100-1000 probes/s (log-uniform;
 * DURATION sets the rate instead); 90 % are unanswered, 10 % reset (a
 * closed port, or an open one whose SYN-ACK the sender's kernel resets).
 */
void
evade_scan6_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t k;
	double pps;

	evade_own64(g, x, 0x100);
	x->nsrv = (uint8_t)(1 + rng_below(r, MAX_XSRV));
	for (k = 0; k < x->nsrv; k++)
		x->srv[k] = world_zipf(g, r);
	inject_top_ports(x);
	x->mode = (uint8_t)(1 + rng_below(r, 4));	/* probes an address */
	scenario_perm_init(x, (uint64_t)x->nsrv * x->nports);
	x->n = (uint32_t)x->perm_n;
	pps = sp->has_dur ? x->n / (double)sp->dur_s :
	    rng_logu(r, 100.0, 1000.0);
	x->gap_s = 1.0 / pps;
	x->stop_us = UINT64_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
evade_scan6_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t j = scenario_perm_at(x, x->i);
	uint16_t sport = (uint16_t)(1024 + rng_below(r, 64512));
	struct flow *f;

	if (x->i % x->mode == 0)
		x->iid = evade_iid(r);
	if (rng_unif(r) < 0.9)
		f = scenario_plan(g, x, now_us, PROTO_TCP, sport, 0,
		    x->srv[j % x->nsrv], x->ports[j / x->nsrv], SH_UNREPLIED,
		    0);
	else
		f = scenario_plan(g, x, now_us, PROTO_TCP, sport, 0,
		    x->srv[j % x->nsrv], x->ports[j / x->nsrv], SH_REFUSED,
		    0);
	f->flags |= F_ALTSRC;
	f->src_id = x->iid;
	x->i++;
	scenario_again(g, x, now_us, x->gap_s * rng_range(r, 0.5, 1.5));
}

/*
 * A host-table flood from one /64 (ports.md 8; issue 12): 131 072
 * addresses of the attacker's /64, twice ephemd's default host table,
 * each new (a random interface identifier) and each sending one or two
 * UDP datagrams to one of the 2000 servers (443 or 53), in DURATION
 * (default 20-60 s).  80 % get no answer [est].
 */
void
evade_flood6_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	double dur;

	evade_own64(g, x, 0x200);
	x->n = FLOOD6_ADDRS;
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 20.0, 60.0);
	x->gap_s = dur / x->n;
	x->stop_us = UINT64_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
evade_flood6_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint64_t iid = evade_iid(r);
	uint32_t k, n = 1 + rng_below(r, 2);
	struct flow *f;
	uint16_t sport, server, dport;
	uint64_t t;

	for (k = 0; k < n; k++) {
		t = now_us + sec_to_us(k * rng_range(r, 0.0, 0.2));
		sport = (uint16_t)(1024 + rng_below(r, 64512));
		server = (uint16_t)rng_below(r, NPOP_SERVERS);
		dport = rng_unif(r) < 0.7 ? 443 : 53;
		if (rng_unif(r) < 0.8)
			f = scenario_plan(g, x, t, PROTO_UDP, sport, 0, server,
			    dport, 0, 0, 0);
		else
			f = scenario_plan(g, x, t, PROTO_UDP, sport, 0, server,
			    dport, 0, F_REPLIED, rng_range(r, 0.01, 0.1));
		f->flags |= F_ALTSRC;
		f->src_id = iid;
	}
	x->i++;
	scenario_again(g, x, now_us, x->gap_s * rng_range(r, 0.5, 1.5));
}

/*
 * A service-table flood, then C2 (issue 12).  First `nmap -p-` from the
 * host against one address: the SYN scan of inject.c (host discovery,
 * then every port 1-65535 in a random order from base+256, filtered 90 %
 * with retransmissions, closed 8 %, open 2 %) at 1000-5000 probes/s
 * (log-uniform; nmap -T4 --min-rate).  Every (tcp, port) is now a
 * service.  2-10 min after the scan a new application comes into use on
 * one port P in 20000-29999 that nobody used before: every host checks
 * in with one of its two servers every 5-30 min on average (a merged
 * Poisson process over the hosts), 0.5 s typically (at most 10 s), 95 %
 * closed with FIN [est].  15-30 min later the scanning host opens one TCP
 * session on P to a server of its own, 192.0.2.24x, held for DURATION
 * (default 1 h): the C2.
 */
void
evade_svcflood_c2_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const char *c2[][2] = {
		{ "192.0.2.241", "2001:db8:c2::1" },
		{ "192.0.2.242", "2001:db8:c2::2" },
		{ "192.0.2.243", "2001:db8:c2::3" },
		{ "192.0.2.244", "2001:db8:c2::4" },
	};
	struct rng *r = &x->rng;
	uint32_t k;
	uint64_t flood_us;
	double pps;

	x->sport = (uint16_t)(33000 + rng_below(r, 32261));
	x->span = 1;
	x->dst4 = scenario_rand_ext4(r);
	x->nports = 65535;
	x->ports = calloc(x->nports, sizeof(*x->ports));
	if (x->ports == NULL)
		fatalx("out of memory");
	for (k = 0; k < x->nports; k++)
		x->ports[k] = (uint16_t)(k + 1);
	scenario_perm_init(x, x->nports);
	x->n = 2 + (uint32_t)x->perm_n;
	pps = rng_logu(r, 1000.0, 5000.0);
	x->gap_s = 1.0 / pps;
	x->stop_us = UINT64_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);

	x->dport = (uint16_t)(20000 + rng_below(r, 10000));
	x->nsrv = 3;
	x->srv[0] = world_server_add(g, "198.51.100.20", "2001:db8:20::1");
	x->srv[1] = world_server_add(g, "198.51.100.21", "2001:db8:20::2");
	k = rng_below(r, 4);
	x->srv[2] = world_server_add(g, c2[k][0], c2[k][1]);
	flood_us = sec_to_us(x->n * x->gap_s + 10.0);
	x->t1_us = x->start_us + flood_us + sec_to_us(rng_range(r, 120.0,
	    600.0));
	x->t2_us = x->t1_us + sec_to_us(rng_range(r, 900.0, 1800.0));
	x->t3_us = x->t2_us + (sp->has_dur ? sp->dur_s * US_PER_S :
	    3600 * US_PER_S);
	x->period_s = rng_range(r, 300.0, 1800.0) / g->o.nhosts;
	scenario_at(g, x, x->t1_us, XW_SIDE, 0);
	scenario_at(g, x, x->t2_us, XW_CHAIN, 0);
}

void
evade_svcflood_c2_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t h;
	double active;

	switch (what) {
	case XW_TICK:		/* the scan, as nmap_syn (last_us: its end) */
		inject_nmap_event(g, x, now_us, what, sub);
		break;
	case XW_SIDE:		/* a check-in with the new application */
		h = rng_below(r, g->o.nhosts);
		active = fmin(rng_lognormal(r, 0.5, 0.8), 10.0);
		if (rng_unif(r) < 0.95)
			flow_script(g, h, now_us, PROTO_TCP, 0, 0,
			    x->srv[rng_below(r, 2)], x->dport, SH_FIN,
			    active);
		else
			flow_script(g, h, now_us, PROTO_TCP, 0, 0,
			    x->srv[rng_below(r, 2)], x->dport, SH_RST,
			    active);
		scenario_at(g, x, now_us + sec_to_us(rng_exp(r,
		    x->period_s)), XW_SIDE, 0);
		break;
	default:		/* the C2 session */
		flow_script(g, x->host, now_us, PROTO_TCP, 0, 0, x->srv[2],
		    x->dport, SH_FIN, (double)(x->t3_us - x->t2_us) /
		    US_PER_S);
		break;
	}
}

/* the flood: a scan; the session: long_lived */
void
evade_svcflood_c2_truth(const struct gen *g, const struct inj *x, FILE *fp)
{
	const char *host = g->hosts[x->host].addr;

	truth_row(g, fp, host, "svc_flood", x->start_us, x->last_us,
	    "scan,fixed_port?,rate?");
	truth_row(g, fp, host, "c2_session", x->t2_us, x->t3_us,
	    "long_lived");
}

/*
 * Address churn (issue 12's memory test): 1 000 000 distinct client
 * addresses of 172.16.0.0/12, in a random order without repeats, each
 * with one short answered flow: a DNS query to the gateway, 172.16.0.1
 * (70 %), or a TCP/443 connection to a popular server, 0.3 s typically,
 * closed with FIN.  Source ports are uniform in 1024-65535.  They come
 * evenly over DURATION (default 500 s: 2000 new addresses a second, about
 * 110 000 flows live at once; at least 150 s: the connections to the
 * most popular server would soon take most NAT ports it has, ports.md 6)
 * [est].  They are one device of their own to gencap (nvirt), none of the
 * hosts.
 */
void
evade_churn_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct host *h;
	uint32_t gw;
	double dur;

	x->vhost = scenario_device(g, 0, M_WINDOWS);
	h = &g->hosts[x->vhost];
	h->v6 = false;
	gw = htonl(CHURN_NET + 1);
	world_addr_string(AF_INET, &gw, h->gw, &h->gw_len);
	x->host = x->vhost;
	scenario_perm_init(x, CHURN_SIZE - 2);
	x->n = CHURN_ADDRS;
	dur = sp->has_dur ? (double)sp->dur_s : 500.0;
	if (dur < 150.0)
		fatalx("churn: %.0f s is too short for a million addresses; "
		    "150 s at least", dur);
	x->gap_s = dur / x->n;
	x->stop_us = UINT64_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
evade_churn_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint16_t sport = (uint16_t)(1024 + rng_below(r, 64512)), server;
	struct flow *f;

	if (rng_unif(r) < 0.7)
		f = scenario_plan(g, x, now_us, PROTO_UDP, sport, 0, 0, 53, 0,
		    F_LOCAL | F_REPLIED, rng_range(r, 0.005, 0.1));
	else {
		server = world_zipf(g, r);
		f = scenario_plan(g, x, now_us, PROTO_TCP, sport, 0, server,
		    443, SH_FIN, fmin(rng_lognormal(r, 0.3, 1.0), 10.0));
	}
	f->flags |= F_ALTSRC;
	f->src_id = CHURN_NET + 1 + scenario_perm_at(x, x->i);
	x->i++;
	scenario_again(g, x, now_us, x->gap_s);
}

/* the churned block, as look-alikes, until the last flow is destroyed */
void
evade_churn_truth(const struct gen *g, const struct inj *x, FILE *fp)
{
	truth_row(g, fp, "172.16.0.0/12", "churn", x->start_us,
	    x->last_us + TO_TCP_TIME_WAIT * US_PER_S, "-");
}
