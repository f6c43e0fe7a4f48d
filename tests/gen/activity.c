/*
 * Host activity (ports.md (b), "Activity model per host"; gencap.md,
 * "Activity model"): on/off sessions, page loads with their DNS queries,
 * long-lived background connections, NTP, pings and IoT reboots.  Each
 * host draws from its own stream, so one host's activity never changes
 * another's.
 */

#include <math.h>

#include "gen.h"

static const uint16_t bg_ports[] = { 5223, 5228, 8883, 443 };
static const uint16_t other_ports[] = { 8080, 22, 993, 5223 };
static const uint32_t ntp_polls_s[] = { 64, 128, 256, 512, 1024 };

static uint16_t
web_dport(struct rng *r)
{
	double u = rng_unif(r);

	if (u < 0.85)
		return 443;
	if (u < 0.95)
		return 80;
	return other_ports[rng_below(r, 4)];
}

static double
session_len_s(struct rng *r, bool on)
{
	return rng_lognormal(r, on ? 1200.0 : 2400.0, 1.0);
}

static void
burst_dns(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	uint32_t i, n;

	n = h->model == M_IOT ? 1 : 1 + rng_below(&h->rng, 4);
	for (i = 0; i < n; i++)
		flow_plan(g, hidx, K_DNS, PROTO_UDP, h->resolver, 53,
		    h->local_dns ? F_LOCAL : 0, 0,
		    now_us + sec_to_us(rng_range(&h->rng, 0.0, 0.030)));
}

/*
 * One page load: DNS, then N TCP connections to D destinations (at most 6
 * per destination) spread over 0.2-2 s; 10 % of loads use one QUIC flow.
 * IoT devices make small check-ins instead of page loads.
 */
static void
burst_make(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	struct rng *r = &h->rng;
	uint16_t dst[MAX_BURST_DESTS], dport[MAX_BURST_DESTS];
	uint8_t used[MAX_BURST_DESTS];
	uint32_t d, n, i, j, k;
	uint64_t t0;
	double spread;

	burst_dns(g, h, hidx, now_us);
	t0 = now_us + sec_to_us(rng_range(r, 0.020, 0.150));
	dst[0] = world_zipf(g, r);
	if (h->model != M_IOT && rng_unif(r) < 0.10) {
		flow_plan(g, hidx, K_QUIC, PROTO_UDP, dst[0], 443, 0, 0, t0);
		return;
	}
	if (h->model == M_IOT) {
		d = 1 + rng_poisson(r, 0.5);
		n = 1 + rng_geometric(r, 2.0);
	} else {
		d = 1 + rng_poisson(r, 5.0);
		/* negative binomial, r = 2, mean 12 */
		n = 1 + rng_geometric(r, 6.0) + rng_geometric(r, 6.0);
	}
	if (d > MAX_BURST_DESTS)
		d = MAX_BURST_DESTS;
	if (n > d * PER_DEST_CAP)
		n = d * PER_DEST_CAP;
	for (i = 0; i < d; i++) {
		if (i > 0) {
			for (k = 0; k < 4; k++) {
				dst[i] = world_zipf(g, r);
				for (j = 0; j < i && dst[j] != dst[i]; j++)
					;
				if (j == i)
					break;
			}
		}
		dport[i] = h->model == M_IOT ? 443 : web_dport(r);
		used[i] = 0;
	}
	spread = rng_range(r, 0.2, 2.0);
	for (i = 0; i < n; i++) {
		if (i == 0)
			j = 0;
		else {
			j = rng_below(r, d);
			while (used[j] >= PER_DEST_CAP)
				j = (j + 1) % d;
		}
		used[j]++;
		flow_plan(g, hidx, K_WEB, PROTO_TCP, dst[j], dport[j], 0, 0,
		    i == 0 ? t0 : t0 + sec_to_us(rng_range(r, 0.0, spread)));
	}
}

void
activity_session(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	h->on = !h->on;
	h->session_gen++;
	queue_at(g, now_us + sec_to_us(session_len_s(&h->rng, h->on)),
	    EV_SESSION, hidx, 0, NULL);
	if (h->on)
		queue_at(g, now_us + sec_to_us(rng_exp(&h->rng,
		    h->burst_mean_s)), EV_BURST, hidx, h->session_gen, NULL);
}

void
activity_burst(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us,
    uint32_t gen)
{
	if (!h->on || gen != h->session_gen)
		return;
	burst_make(g, h, hidx, now_us);
	queue_at(g, now_us + sec_to_us(rng_exp(&h->rng, h->burst_mean_s)),
	    EV_BURST, hidx, gen, NULL);
}

void
activity_ntp(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	flow_plan(g, hidx, K_NTP, PROTO_UDP, h->ntp_server, 123, 0, 0,
	    now_us);
	queue_at(g, now_us + sec_to_us(h->ntp_interval_s +
	    rng_range(&h->rng, -2.0, 2.0)), EV_NTP, hidx, 0, NULL);
}

void
activity_ping(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	flow_plan(g, hidx, K_PING, h->v6 ? PROTO_ICMPV6 : PROTO_ICMP,
	    world_zipf(g, &h->rng), 0, 0, 0, now_us);
	queue_at(g, now_us + sec_to_us(rng_exp(&h->rng, h->ping_mean_s)),
	    EV_PING, hidx, 0, NULL);
}

void
activity_bg(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us,
    uint32_t slot)
{
	flow_plan(g, hidx, K_BG, PROTO_TCP, h->bg_server[slot],
	    h->bg_dport[slot], 0, (uint8_t)slot, now_us);
}

void
activity_reboot(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	stack_boot(h);
	queue_at(g, now_us + sec_to_us(rng_range(&h->rng, 2 * 3600.0,
	    6 * 3600.0)), EV_REBOOT, hidx, 0, NULL);
}

/*
 * A host's streams and first events, t0_us into the capture (0 except for
 * a nat_behind device, which appears then, in use for an hour at least
 * when force_on).
 */
void
activity_init(struct gen *g, uint32_t i, uint64_t t0_us, bool force_on)
{
	struct host *h = &g->hosts[i];
	const struct model_info *mi = &stack_models[h->model];
	struct rng *r = &h->rng;
	uint32_t k;

	rng_seed(r, rng_mix64(g->o.seed) ^ rng_mix64(0x686f7374ULL + i));
	h->dhps_key = rng_next(r);
	h->epoch_phase_us = rng_below(r, DHPS_PERIOD_US);
	h->burst_mean_s = rng_range(r, 20.0, 60.0) / g->o.activity;
	h->ping_mean_s = rng_range(r, 20.0, 120.0) * 60.0;
	h->ntp_interval_s = ntp_polls_s[rng_below(r, 5)];
	h->ntp_fixed = rng_unif(r) < 0.20;
	h->ntp_server = NPOP_SERVERS + NRESOLVERS + rng_below(r, NNTP);
	h->local_dns = rng_unif(r) < 0.70;
	h->resolver = NPOP_SERVERS + rng_below(r, NRESOLVERS);
	h->iot_fixed_start = rng_unif(r) < 0.5;
	h->tcp_next = (uint16_t)(mi->tcp_lo + rng_below(r,
	    (uint32_t)mi->tcp_hi - mi->tcp_lo + 1));
	h->udp_next = (uint16_t)(mi->udp_lo + rng_below(r,
	    (uint32_t)mi->udp_hi - mi->udp_lo + 1));
	if (h->model == M_IOT)
		stack_boot(h);

	/* background connections: platform push port first */
	h->nbg = (uint8_t)(3 + rng_below(r, 6));
	for (k = 0; k < h->nbg; k++) {
		h->bg_server[k] = world_zipf(g, r);
		h->bg_dport[k] = k == 0 ? mi->push_port :
		    bg_ports[rng_below(r, 4)];
		queue_at(g, t0_us + sec_to_us(rng_range(r, 0.0, 300.0)), EV_BG,
		    i, k, NULL);
	}

	/* ~60 % start in an ON period, at a random point of it */
	h->on = rng_unif(r) < 0.60;
	if (force_on) {
		/* in use for an hour and a session at least */
		h->on = true;
		queue_at(g, t0_us + sec_to_us(3600.0 + session_len_s(r, true)),
		    EV_SESSION, i, 0, NULL);
	} else
		queue_at(g, t0_us + sec_to_us(rng_unif(r) *
		    session_len_s(r, h->on)), EV_SESSION, i, 0, NULL);
	if (h->on)
		queue_at(g, t0_us + sec_to_us(rng_exp(r, h->burst_mean_s)),
		    EV_BURST, i, h->session_gen, NULL);
	queue_at(g, t0_us + sec_to_us(rng_unif(r) * h->ntp_interval_s), EV_NTP,
	    i, 0, NULL);
	queue_at(g, t0_us + sec_to_us(rng_exp(r, h->ping_mean_s)), EV_PING, i,
	    0, NULL);
	if (h->model == M_IOT)
		queue_at(g, t0_us + sec_to_us(rng_range(r, 2 * 3600.0,
		    6 * 3600.0)), EV_REBOOT, i, 0, NULL);
}
