/*
 * Anomaly injectors (ports.md (b) "Anomaly injectors", sections 3.4, 4
 * and 6; gencap.md, "Anomaly injectors").  Each runs on its own otherwise
 * normal host from its start on, with its own random stream.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/*
 * nmap's top 1000 ports, as gencap draws them: its top 50, then random
 * ports below 10000 (ports.md 4), from the injector's stream.
 */
void
inject_top_ports(struct inj *x)
{
	static const uint16_t top[] = {
		80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135,
		3306, 8080, 1723, 111, 995, 993, 5900, 1025, 587, 8888, 199,
		1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026,
		2000, 8443, 8000, 32768, 554, 26, 1433, 49152, 2001, 515,
		8008, 49154, 1027, 5666, 646,
	};
	struct rng *r = &x->rng;
	uint8_t *seen;
	uint32_t k, p;

	x->nports = NMAP_PORTS;
	x->ports = calloc(NMAP_PORTS, sizeof(*x->ports));
	seen = calloc(65536, 1);
	if (x->ports == NULL || seen == NULL)
		fatalx("out of memory");
	for (k = 0; k < NMAP_PORTS; k++) {
		if (k < sizeof(top) / sizeof(top[0]))
			p = top[k];
		else
			do {
				p = 1 + rng_below(r, 10000);
			} while (seen[p]);
		seen[p] = 1;
		x->ports[k] = (uint16_t)p;
	}
	free(seen);
}

/*
 * nmap -sS (ports.md 4): one base port 33000 + rand % 32261 per scan
 * phase, base + try number on retransmissions, +256 (mod 32261) for the
 * next phase.  Phase 0 is host discovery (ICMP echo and SYN to 443 per
 * target), phase 1 the top-1000 ports on 1..16 consecutive targets in a
 * random order.  A port is filtered (90 %: unanswered, retransmitted from
 * base+1, then 30 % base+2, then a third of those base+3), closed (8 %:
 * RST) or open (2 %: SYN-ACK, which the scanner's own kernel resets);
 * conntrack sees CLOSE for both.
 */
void
inject_nmap_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	double pps;

	x->sport = (uint16_t)(33000 + rng_below(r, 32261));
	x->span = 1 + rng_below(r, 16);
	x->dst4 = (scenario_rand_ext4(r) & ~0xffU) |
	    (1 + rng_below(r, 255 - x->span));
	inject_top_ports(x);
	scenario_perm_init(x, (uint64_t)x->span * NMAP_PORTS);
	x->n = 2 * x->span + (uint32_t)x->perm_n;
	pps = sp->has_dur ? x->n / (double)sp->dur_s :
	    rng_logu(r, 100.0, 1000.0);
	x->gap_s = 1.0 / pps;
	x->stop_us = UINT64_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_nmap_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t j, tgt, tries;
	uint64_t t;
	uint16_t port;
	double u;

	if (x->i < 2 * x->span) {
		tgt = x->dst4 + x->i / 2;
		if (x->i % 2 == 0)
			scenario_plan(g, x, now_us, PROTO_ICMP,
			    (uint16_t)(1 + rng_below(r, 65535)), tgt, 0, 0, 0,
			    F_REPLIED, rng_range(r, 0.005, 0.1));
		else
			scenario_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0,
			    443, SH_REFUSED, 0);
	} else {
		if (x->i == 2 * x->span)	/* the port scan: a new phase */
			x->sport = (uint16_t)(33000 +
			    (x->sport - 33000 + 256) % 32261);
		j = scenario_perm_at(x, x->i - 2 * x->span);
		tgt = x->dst4 + j % x->span;
		port = x->ports[j / x->span];
		u = rng_unif(r);
		if (u < 0.90) {
			scenario_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0,
			    port, SH_UNREPLIED, 0);
			t = now_us;
			for (tries = 1; tries <= 3; tries++) {
				if (tries > 1 &&
				    rng_unif(r) >= (tries == 2 ? 0.3 : 0.33))
					break;
				t += sec_to_us(tries * rng_range(r, 0.5, 2.0));
				scenario_plan(g, x, t, PROTO_TCP,
				    (uint16_t)(x->sport + tries), tgt, 0, port,
				    SH_UNREPLIED, 0);
			}
		} else
			scenario_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0,
			    port, SH_REFUSED, 0);
	}
	x->i++;
	scenario_again(g, x, now_us, x->gap_s * rng_range(r, 0.5, 1.5));
}

/*
 * masscan (ports.md 4): source port P = 40000 + (start time mod 20000),
 * every probe from P or P+16; a random order without repeats over a block
 * of 1024..16384 addresses times 1..8 ports; --rate 100..500 pps; no
 * retransmissions; 97 % unanswered, the rest RST or reset by the sender.
 */
void
inject_masscan_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	static const uint16_t list[] = {
		80, 443, 22, 8080, 3389, 23, 21, 25, 445, 8443, 3306, 5900,
		110, 143, 53, 139,
	};
	struct rng *r = &x->rng;
	uint32_t k, j, nl = sizeof(list) / sizeof(list[0]);
	uint16_t pick[sizeof(list) / sizeof(list[0])], tmp;
	double pps, dur;

	x->sport = (uint16_t)(40000 + (g->o.start_epoch + sp->start_s) %
	    20000);
	x->span = 1024U << rng_below(r, 5);
	x->dst4 = IP4(198, 18, 0, 0) +
	    rng_below(r, (1U << 17) / x->span) * x->span;
	x->nports = (uint16_t)(1 + rng_below(r, 8));
	x->ports = calloc(x->nports, sizeof(*x->ports));
	if (x->ports == NULL)
		fatalx("out of memory");
	memcpy(pick, list, sizeof(pick));
	for (k = 0; k < x->nports; k++) {
		j = k + rng_below(r, nl - k);
		tmp = pick[k];
		pick[k] = pick[j];
		pick[j] = tmp;
		x->ports[k] = pick[k];
	}
	scenario_perm_init(x, (uint64_t)x->span * x->nports);
	pps = rng_logu(r, 100.0, 500.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 180.0);
	x->n = (uint32_t)fmin((double)x->perm_n, ceil(pps * dur));
	x->gap_s = 1.0 / pps;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_masscan_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t j = scenario_perm_at(x, x->i);
	uint16_t sport = (uint16_t)(x->sport + 16 * rng_below(r, 2));

	if (rng_unif(r) < 0.97)
		scenario_plan(g, x, now_us, PROTO_TCP, sport,
		    x->dst4 + j % x->span, 0, x->ports[j / x->span],
		    SH_UNREPLIED, 0);
	else
		scenario_plan(g, x, now_us, PROTO_TCP, sport,
		    x->dst4 + j % x->span, 0, x->ports[j / x->span], SH_REFUSED,
		    0);
	x->i++;
	scenario_again(g, x, now_us, x->gap_s * rng_range(r, 0.9, 1.1));
}

/*
 * hping3 -S (ports.md 4): first source port 1024 + rand % 2000, +1 per
 * packet, to one dst:dport at a fixed interval (1..100 pps, log-uniform)
 * for 2..5 min; the target either never answers or resets every SYN.
 */
void
inject_hping3_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	static const uint16_t dports[] = { 80, 443, 22, 8080 };
	struct rng *r = &x->rng;
	double pps, dur;

	x->sport = (uint16_t)(1024 + rng_below(r, 2000));
	x->dst4 = scenario_rand_ext4(r);
	x->dport = dports[rng_below(r, 4)];
	x->mode = (uint8_t)rng_below(r, 2);
	pps = rng_logu(r, 1.0, 100.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 120.0, 300.0);
	x->n = (uint32_t)fmax(1.0, floor(pps * dur));
	x->gap_s = 1.0 / pps;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_hping3_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	uint16_t sport = (uint16_t)(1024 + (x->sport - 1024 + x->i) % 64512);

	if (x->mode == 0)
		scenario_plan(g, x, now_us, PROTO_TCP, sport, x->dst4, 0,
		    x->dport, SH_UNREPLIED, 0);
	else
		scenario_plan(g, x, now_us, PROTO_TCP, sport, x->dst4, 0,
		    x->dport, SH_REFUSED, 0);
	x->i++;
	scenario_again(g, x, now_us, x->gap_s);
}

/*
 * A reverse shell (ports.md 3.4, (b)): one TCP connection from the
 * stack's allocator to an address no other host uses (in 192.0.2.0/24),
 * on TELE_PORT, which every host uses for second-long telemetry check-ins
 * (tele_event), open for 30 min .. 8 h (log-uniform), closed with FIN.
 */
void
inject_reverse_shell_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t o;
	double life;

	do {
		o = 2 + rng_below(r, 249);
	} while (o == 53 || o == 123 || o == 153 || o == 223);
	x->dst4 = IP4(192, 0, 2, o);
	life = sp->has_dur ? (double)sp->dur_s :
	    rng_logu(r, 1800.0, 8 * 3600.0);
	scenario_plan(g, x, x->start_us, PROTO_TCP, 0, x->dst4, 0, TELE_PORT,
	    SH_FIN, life);
	x->last_us = x->start_us + sec_to_us(life);
}

/*
 * A port-exhaustion storm (ports.md 6, (b)): one client to one dst:443 at
 * 500..3000 connection attempts/s (log-uniform, Poisson) for 1..5 min,
 * each from the host's own allocator, closed with FIN (120 s TIME_WAIT).
 * Once every port of the range is held, connect() fails and the NEW rate
 * falls to the rate at which TIME_WAIT entries expire.
 */
void
inject_exhaustion_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	double dur;

	x->dst4 = scenario_rand_ext4(r);
	x->dport = 443;
	x->gap_s = 1.0 / rng_logu(r, 500.0, 3000.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 300.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->n = UINT32_MAX;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_exhaustion_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;

	scenario_plan(g, x, now_us, PROTO_TCP, 0, x->dst4, 0, x->dport, SH_FIN,
	    fmin(rng_lognormal(r, 0.05, 0.7), 2.0));
	scenario_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Raw-socket or bind() tool out of the stack's range (ports.md 4, (b)):
 * TCP SYNs at 10..100 pps for 1..5 min to 1..8 popular servers, from
 * random ports in 1024-32767 or 61000-65535 on a Linux host, in 1024-49151
 * on a Windows host; 85 % are answered and reset at once.
 */
void
inject_raw_range_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t k;
	double dur;

	x->mode = g->hosts[x->host].model == M_LINUX ? 0 : 1;
	x->gap_s = 1.0 / rng_logu(r, 10.0, 100.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 300.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->n = UINT32_MAX;
	x->nsrv = (uint8_t)(1 + rng_below(r, MAX_XSRV));
	for (k = 0; k < x->nsrv; k++) {
		x->srv[k] = world_zipf(g, r);
		x->srv_dport[k] = rng_unif(r) < 0.8 ? 443 : 80;
	}
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_raw_range_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	struct rng *r = &x->rng;
	uint32_t p, k = rng_below(r, x->nsrv);

	if (x->mode == 0) {
		p = rng_below(r, (32768 - 1024) + (65536 - 61000));
		p = p < 32768 - 1024 ? 1024 + p : 61000 + p - (32768 - 1024);
	} else
		p = 1024 + rng_below(r, 49152 - 1024);
	if (rng_unif(r) < 0.85)
		scenario_plan(g, x, now_us, PROTO_TCP, (uint16_t)p, 0,
		    x->srv[k], x->srv_dport[k], SH_REFUSED,
		    rng_range(r, 0.0, 0.2));
	else
		scenario_plan(g, x, now_us, PROTO_TCP, (uint16_t)p, 0,
		    x->srv[k], x->srv_dport[k], SH_UNREPLIED, 0);
	scenario_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Fixed-source-port malware (ports.md 4, (b)): TCP from port 1337, 53 or
 * 443 (SO_REUSEADDR or raw) to 20..500 distinct addresses over about
 * 10 min, mostly on one dport; 60 % complete and close with FIN, 10 % are
 * reset, 30 % never answered.
 */
void
inject_fixed_sport_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	static const uint16_t sports[] = { 1337, 53, 443 };
	struct rng *r = &x->rng;
	double dur;

	x->sport = sports[rng_below(r, 3)];
	x->mode = (uint8_t)rng_below(r, 3);
	x->n = 20 + rng_below(r, 481);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 480.0, 720.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->gap_s = dur / x->n;
	scenario_at(g, x, x->start_us, XW_TICK, 0);
}

void
inject_fixed_sport_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	static const uint16_t dports[] = { 443, 80, 8080 };
	struct rng *r = &x->rng;
	uint32_t dst = scenario_rand_ext4(r);
	uint16_t dport;
	double u;

	dport = dports[rng_unif(r) < 0.8 ? x->mode : rng_below(r, 3)];
	u = rng_unif(r);
	if (u < 0.6)
		scenario_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_FIN, rng_range(r, 0.2, 5.0));
	else if (u < 0.7)
		scenario_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_RST, rng_range(r, 0.1, 2.0));
	else
		scenario_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_UNREPLIED, 0);
	x->i++;
	scenario_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * NAT behind the host (tethering, a VM host, an inner router; ports.md
 * (b)): from the start on, two more complete devices send through the
 * host's address, so that a Windows sequential, a Linux DHPS and an lwIP
 * stack interleave (the host is one of the first two).  They start in an
 * ON period, so the address carries about three times its traffic.  The
 * inner NAT keeps ports unless taken: the devices share the host's held
 * ports.
 */
void
inject_nat_behind_setup(struct gen *g, struct inj *x,
    const struct spec *sp)
{
	static const uint8_t trio[] = { M_WINDOWS, M_LINUX, M_IOT };
	struct host *c = &g->hosts[x->host], *v;
	uint32_t k, vi;

	x->stop_us = sp->has_dur ? x->start_us + sp->dur_s * US_PER_S :
	    UINT64_MAX;
	for (k = 0; k < 3; k++) {
		if (trio[k] == c->model)
			continue;
		vi = g->o.nhosts + g->vnext++;
		v = &g->hosts[vi];
		memcpy(v->addr, c->addr, sizeof(v->addr));
		memcpy(v->gw, c->gw, sizeof(v->gw));
		v->addr_len = c->addr_len;
		v->gw_len = c->gw_len;
		v->model = trio[k];
		v->space = x->host;
		v->stop_us = x->stop_us;
		activity_init(g, vi, x->start_us, true);
	}
	x->last_us = x->stop_us;
}
