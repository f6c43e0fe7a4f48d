/*
 * The simulation: set-up of the world, the hosts and the scenario, the
 * event loop that pops events in time order until the end of the capture,
 * and teardown.
 */

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "gen.h"

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("gencap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
gen_init(struct gen *g)
{
	uint32_t i, j, n6, n4, nv6, pool_n[3] = { 0, 0, 0 };
	uint32_t *order;

	rng_seed(&g->rng, g->o.seed);
	g->ct_key = (uint32_t)rng_next(&g->rng);
	g->obuf = malloc(OBUF_SIZE);
	g->perturb = calloc(PERTURB_SIZE, sizeof(*g->perturb));
	g->nvirt = 0;
	for (i = 0; i < g->o.nspecs; i++)
		g->nvirt += scenario_kinds[g->o.specs[i].kind].nvirt +
		    g->o.specs[i].fresh;
	g->hosts = calloc(g->o.nhosts + g->nvirt, sizeof(*g->hosts));
	order = calloc(g->o.nhosts, sizeof(*order));
	if (g->obuf == NULL || g->perturb == NULL || g->hosts == NULL ||
	    order == NULL)
		fatalx("out of memory");
	for (i = 0; i < PERTURB_SIZE; i++)
		g->perturb[i] = (uint32_t)rng_next(&g->rng);
	world_addr_fixed(PUBLIC4, PUBLIC6, g->public4, &g->public4_len,
	    g->public6, &g->public6_len);
	kset_init(&g->held, 1 << 12);
	kset_init(&g->nat, 1 << 12);
	world_servers_init(g);

	for (i = 0; i < g->o.nhosts; i++)
		g->hosts[i].model = (uint8_t)world_model_pick(g, i);

	/* exactly round(share * n) IPv6 hosts, chosen at random */
	nv6 = (uint32_t)floor(g->o.v6_share * g->o.nhosts + 0.5);
	for (i = 0; i < g->o.nhosts; i++)
		order[i] = i;
	for (i = 0; i < nv6; i++) {
		j = i + rng_below(&g->rng, g->o.nhosts - i);
		n6 = order[i];
		order[i] = order[j];
		order[j] = n6;
		g->hosts[order[i]].v6 = true;
	}
	free(order);

	n4 = n6 = 0;
	for (i = 0; i < g->o.nhosts; i++) {
		g->hosts[i].space = i;
		g->hosts[i].stop_us = UINT64_MAX;
		world_host_addr(&g->hosts[i], &n4, pool_n, &n6);
		activity_init(g, i, 0, false);
	}
	if (g->o.nspecs > 0)
		scenario_init(g);
}

void
gen_free(struct gen *g)
{
	flow_pool_free(g);
	kset_free(&g->held);
	kset_free(&g->nat);
	scenario_free(g);
	queue_free(&g->queue);
	free(g->hosts);
	free(g->servers);
	free(g->zipf_cdf);
	free(g->zipf_map);
	free(g->perturb);
	free(g->obuf);
}

/*
 * After the simulated end no flow starts; DESTROYs of flows that finished
 * before the end are still written, flows still active stay open.
 */
static void
gen_drain(struct gen *g, const struct ev *e)
{
	if (e->flow == NULL)
		return;
	if (e->type == EV_FLOW_DESTROY && e->flow->active_end_us <= g->end_us)
		flow_destroy(g, e->flow, e->t_us);
	else
		flow_put(g, e->flow);
}

void
gen_run(struct gen *g)
{
	struct host *h;
	struct ev e;
	uint64_t dur_us = g->o.duration_s * US_PER_S;

	g->end_us = dur_us;
	while (queue_pop(&g->queue, &e)) {
		while (!g->draining && e.t_us >= g->end_us) {
			if (g->lines < g->o.min_events)
				g->end_us += dur_us;
			else
				g->draining = true;
		}
		if (g->draining) {
			gen_drain(g, &e);
			continue;
		}
		h = &g->hosts[e.host];
		if (e.t_us >= h->stop_us && e.type != EV_FLOW_DESTROY &&
		    e.type != EV_INJ) {
			/* a nat_behind device has left, or its host */
			if (e.flow != NULL)
				flow_put(g, e.flow);
			continue;
		}
		switch (e.type) {
		case EV_FLOW_NEW:
			flow_start(g, e.flow, e.t_us);
			break;
		case EV_FLOW_DESTROY:
			flow_destroy(g, e.flow, e.t_us);
			break;
		case EV_SESSION:
			activity_session(g, h, e.host, e.t_us);
			break;
		case EV_BURST:
			activity_burst(g, h, e.host, e.t_us, e.aux);
			break;
		case EV_NTP:
			activity_ntp(g, h, e.host, e.t_us);
			break;
		case EV_PING:
			activity_ping(g, h, e.host, e.t_us);
			break;
		case EV_BG:
			activity_bg(g, h, e.host, e.t_us, e.aux);
			break;
		case EV_REBOOT:
			activity_reboot(g, h, e.host, e.t_us);
			break;
		case EV_INJ:
			scenario_event(g, &g->inj[e.aux & 0xffff], e.t_us,
			    (e.aux >> 16) & 0xff, e.aux >> 24);
			break;
		case EV_TELE:
			tele_event(g, e.host, e.t_us);
			break;
		}
	}
	out_flush(g);
}
