/*
 * Telemetry check-ins of every host in a scenario, each host from its own
 * stream (tele_init), so the rest of its traffic is unchanged.
 */

#include <math.h>
#include <stdlib.h>

#include "gen.h"

/*
 * Telemetry (ports.md (b), "periodic telemetry every 5-60 min"): in a
 * scenario every host checks in with one of NTELE servers on TELE_PORT
 * every 5..60 min (per host, +-10 %), for 0.3 s typically (at most 3 s),
 * so that the port has a population of short flows (reverse_shell).
 */
void
tele_event(struct gen *g, uint32_t hidx, uint64_t now_us)
{
	struct tele *t = &g->tele[hidx];
	struct rng *r = &t->rng;
	double active = fmin(rng_lognormal(r, 0.3, 0.6), 3.0);

	if (rng_unif(r) < 0.95)
		flow_script(g, hidx, now_us, PROTO_TCP, 0, 0, t->server,
		    TELE_PORT, SH_FIN, active);
	else
		flow_script(g, hidx, now_us, PROTO_TCP, 0, 0, t->server,
		    TELE_PORT, SH_RST, active);
	queue_at(g, now_us + sec_to_us(t->interval_s * rng_range(r, 0.9, 1.1)),
	    EV_TELE, hidx, 0, NULL);
}

void
tele_init(struct gen *g)
{
	static const char *addrs[NTELE][2] = {
		{ "198.51.100.80", "2001:db8:8443::1" },
		{ "198.51.100.81", "2001:db8:8443::2" },
		{ "198.51.100.82", "2001:db8:8443::3" },
		{ "198.51.100.83", "2001:db8:8443::4" },
	};
	struct server *sv;
	struct tele *t;
	uint32_t i;

	sv = reallocarray(g->servers, g->nservers + NTELE, sizeof(*sv));
	g->tele = calloc(g->o.nhosts, sizeof(*g->tele));
	if (sv == NULL || g->tele == NULL)
		fatalx("out of memory");
	g->servers = sv;
	g->tele_server = g->nservers;
	for (i = 0; i < NTELE; i++) {
		sv = &g->servers[g->nservers++];
		world_addr_fixed(addrs[i][0], addrs[i][1], sv->v4, &sv->v4_len,
		    sv->v6, &sv->v6_len);
	}
	for (i = 0; i < g->o.nhosts; i++) {
		t = &g->tele[i];
		rng_seed(&t->rng,
		    rng_mix64(g->o.seed) ^ rng_mix64(0x74656c65ULL + i));
		t->interval_s = rng_range(&t->rng, 300.0, 3600.0);
		t->server = (uint16_t)(g->tele_server +
		    rng_below(&t->rng, NTELE));
		queue_at(g, sec_to_us(rng_unif(&t->rng) * t->interval_s),
		    EV_TELE, i, 0, NULL);
	}
}
