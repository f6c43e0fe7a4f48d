/*
 * Scenarios (gencap.md, "Scenarios"): anomaly injectors, each on its own
 * otherwise normal IPv4 host from a given time on, and benign look-alike
 * hosts from the start of the capture.  Each has its own random stream
 * and so has the telemetry of every host, so the rest of the population
 * draws what it would draw without them.  This file holds the table of
 * kinds, places them on hosts, dispatches their events and gives them the
 * helpers they share; the kinds themselves are in inject.c and
 * lookalike.c.
 */

#include <stdlib.h>
#include <string.h>

#include "gen.h"

/*
 * What each scenario kind is, the detectors that should report it (a
 * trailing '?' marks a secondary one: credited when it fires, not
 * required; "-" marks a look-alike that must raise nothing), the host
 * models it is placed on, and its set-up and event functions.
 */
const struct xkind_info scenario_kinds[XK_COUNT] = {
	[XK_NMAP_SYN] = { "nmap_syn", "scan,fixed_port,rate?",
	    MODELS_DESKTOP, inject_nmap_setup, inject_nmap_event },
	[XK_MASSCAN] = { "masscan", "scan,fixed_port,rate?", MODELS_DESKTOP,
	    inject_masscan_setup, inject_masscan_event },
	[XK_HPING3] = { "hping3", "port_range,rate?", MODELS_DESKTOP,
	    inject_hping3_setup, inject_hping3_event },
	[XK_REVERSE_SHELL] = { "reverse_shell", "long_lived",
	    MODELS_DESKTOP, inject_reverse_shell_setup, NULL },
	[XK_EXHAUSTION] = { "exhaustion", "exhaustion,rate",
	    MODELS_DESKTOP | MB(M_ANDROID), inject_exhaustion_setup,
	    inject_exhaustion_event },
	[XK_RAW_RANGE] = { "raw_range", "port_range,rate?",
	    MB(M_WINDOWS) | MB(M_LINUX), inject_raw_range_setup,
	    inject_raw_range_event },
	[XK_FIXED_SPORT] = { "fixed_sport", "fixed_port", MODELS_DESKTOP,
	    inject_fixed_sport_setup, inject_fixed_sport_event },
	[XK_NAT_BEHIND] = { "nat_behind", "allocator_change",
	    MB(M_WINDOWS) | MB(M_LINUX), inject_nat_behind_setup, NULL },
	[XK_P2P] = { "p2p", "-", MODELS_DESKTOP, lookalike_p2p_setup,
	    lookalike_p2p_event },
	[XK_SIP] = { "sip", "-", MODELS_DESKTOP | MB(M_IOT),
	    lookalike_sip_setup, lookalike_sip_event },
	[XK_RESOLVER] = { "resolver", "-",
	    MB(M_LINUX) | MB(M_FREEBSD) | MB(M_OPENBSD),
	    lookalike_resolver_setup, lookalike_resolver_event },
	[XK_LONG_SSH] = { "long_ssh", "-", MODELS_DESKTOP,
	    lookalike_long_ssh_setup, lookalike_long_ssh_event },
	[XK_PUSH] = { "push", "-",
	    MB(M_WINDOWS) | MB(M_MACOS) | MB(M_ANDROID) | MB(M_IOT),
	    lookalike_push_setup, lookalike_push_event },
	[XK_UPDATE_BURST] = { "update_burst", "-",
	    MODELS_DESKTOP | MB(M_ANDROID), lookalike_update_burst_setup,
	    lookalike_update_burst_event },
};

/* --scenario default: the anomalies in the order they are started */
static const uint8_t default_anomalies[] = {
	XK_NMAP_SYN, XK_MASSCAN, XK_HPING3, XK_FIXED_SPORT, XK_RAW_RANGE,
	XK_EXHAUSTION, XK_REVERSE_SHELL, XK_NAT_BEHIND,
};

/* flow_script for an injector, which remembers its last activity */
void
scenario_plan(struct gen *g, struct inj *x, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t server, uint16_t dport,
    uint8_t end, uint8_t flags, double active_s)
{
	flow_script(g, x->host, t_us, proto, sport, dst4, server, dport, end,
	    flags, active_s);
	if (t_us > x->last_us)
		x->last_us = t_us;
}

/* the injector's next event; aux: index, what << 16, sub << 24 */
void
scenario_at(struct gen *g, struct inj *x, uint64_t t_us, enum xwhat what,
    unsigned int sub)
{
	queue_at(g, t_us, EV_INJ, x->host, (uint32_t)(x - g->inj) |
	    (uint32_t)what << 16 | (uint32_t)sub << 24, NULL);
}

/* the next tick gap_s later (times jitter), unless past stop or done */
void
scenario_again(struct gen *g, struct inj *x, uint64_t now_us, double gap_s)
{
	uint64_t t = now_us + sec_to_us(gap_s);

	if (x->i < x->n && t < x->stop_us)
		scenario_at(g, x, t, XW_TICK, 0);
}

/* an address in 198.18.0.0/15, last octet 1..254 */
uint32_t
scenario_ext4(uint64_t m)
{
	return IP4(198, 18, 0, 0) | (uint32_t)(m & 0x1ff00) |
	    (uint32_t)(1 + (m >> 17) % 254);
}

uint32_t
scenario_rand_ext4(struct rng *r)
{
	return scenario_ext4(rng_next(r));
}

/* probe order: i -> (a * i + b) mod n, a bijection of [0, n) */
void
scenario_perm_init(struct inj *x, uint64_t n)
{
	uint64_t a, b, t;

	x->perm_n = n;
	do {
		a = 1 + rng_below(&x->rng, n);
		for (b = n, t = a; t != 0; ) {	/* gcd(a, n) */
			uint64_t m = b % t;

			b = t;
			t = m;
		}
	} while (b != 1 && n > 1);
	x->perm_a = a;
	x->perm_b = rng_below(&x->rng, n);
}

/* an injector's event: aux carries what and sub (scenario_at) */
void
scenario_event(struct gen *g, struct inj *x, uint64_t now_us,
    unsigned int what, unsigned int sub)
{
	const struct xkind_info *k = &scenario_kinds[x->kind];

	if (k->event != NULL)	/* reverse_shell, nat_behind: set up once */
		k->event(g, x, now_us, what, sub);
}

/* a random free IPv4 host of one of the kind's stack_models */
static uint32_t
pick_host(struct gen *g, enum xkind kind, uint8_t *taken)
{
	uint32_t i, n = 0, k;

	for (i = 0; i < g->o.nhosts; i++)
		if (!taken[i] && !g->hosts[i].v6 &&
		    (scenario_kinds[kind].models & MB(g->hosts[i].model)))
			n++;
	if (n == 0)
		fatalx("%s: no free IPv4 host of a fitting model; use more "
		    "hosts (-n) or fewer scenarios", scenario_kinds[kind].name);
	k = rng_below(&g->xrng, n);
	for (i = 0;; i++)
		if (!taken[i] && !g->hosts[i].v6 &&
		    (scenario_kinds[kind].models & MB(g->hosts[i].model)) &&
		    k-- == 0)
			break;
	taken[i] = 1;
	return i;
}

void
scenario_init(struct gen *g)
{
	const struct spec *sp;
	struct inj *x;
	uint8_t *taken;
	uint32_t i;

	rng_seed(&g->xrng, rng_mix64(g->o.seed) ^ 0x7363656e6172696fULL);
	kset_init(&g->tuples, 1 << 12);
	g->inj = calloc(g->o.nspecs, sizeof(*g->inj));
	taken = calloc(g->o.nhosts, 1);
	if (g->inj == NULL || taken == NULL)
		fatalx("out of memory");
	tele_init(g);
	for (i = 0; i < g->o.nspecs; i++) {
		sp = &g->o.specs[i];
		x = &g->inj[g->ninj++];
		x->kind = sp->kind;
		x->host = pick_host(g, (enum xkind)sp->kind, taken);
		rng_seed(&x->rng,
		    rng_mix64(g->o.seed) ^ rng_mix64(0x696e6a00ULL + i));
		x->start_us = sp->start_s * US_PER_S;
		x->stop_us = sp->has_dur ? x->start_us + sp->dur_s * US_PER_S :
		    UINT64_MAX;
		x->last_us = x->start_us;
		x->has_dur = sp->has_dur;
		scenario_kinds[sp->kind].setup(g, x, sp);
	}
	free(taken);
}

void
scenario_free(struct gen *g)
{
	uint32_t i;

	if (g->inj == NULL)
		return;
	for (i = 0; i < g->ninj; i++)
		free(g->inj[i].ports);
	kset_free(&g->tuples);
	free(g->inj);
	free(g->tele);
	g->inj = NULL;
	g->tele = NULL;
}

struct spec *
scenario_spec_add(struct opts *o)
{
	if (o->nspecs >= MAX_SPECS)
		fatalx("at most %d anomalies and look-alike hosts", MAX_SPECS);
	memset(&o->specs[o->nspecs], 0, sizeof(o->specs[0]));
	return &o->specs[o->nspecs++];
}

/*
 * --scenario default: after a quiet learning phase of LEARN_QUIET_S, the
 * anomalies start one after another, evenly over the time left but the
 * last hour, on the minute; then one host of every look-alike.
 */
void
scenario_default(struct opts *o, uint32_t first)
{
	struct spec tail[MAX_SPECS];
	uint64_t step;
	uint32_t k, ntail = o->nspecs - first, n = sizeof(default_anomalies);

	if (o->duration_s < 6 * 3600)
		fatalx("--scenario default needs at least 6 h (-d 21600)");
	memcpy(tail, &o->specs[first], ntail * sizeof(tail[0]));
	o->nspecs = first;
	step = (o->duration_s - LEARN_QUIET_S - 3600) / n / 60 * 60;
	for (k = 0; k < n; k++) {
		struct spec *sp = scenario_spec_add(o);

		sp->kind = default_anomalies[k];
		sp->start_s = LEARN_QUIET_S + k * step;
		sp->has_start = true;
	}
	for (k = XK_FIRST_BENIGN; k < XK_COUNT; k++)
		scenario_spec_add(o)->kind = (uint8_t)k;
	if (o->nspecs + ntail > MAX_SPECS)
		fatalx("at most %d anomalies and look-alike hosts", MAX_SPECS);
	memcpy(&o->specs[o->nspecs], tail, ntail * sizeof(tail[0]));
	o->nspecs += ntail;
}
