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

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "gen.h"

/*
 * What each scenario kind is, the detectors that should report it (a
 * trailing '?' marks a secondary one: credited when it fires, not
 * required; "-" marks a look-alike that must raise nothing), the host
 * models it is placed on, and its set-up and event functions.
 */
#define MODELS_CLIENT	(MODELS_DESKTOP | MB(M_ANDROID))
#define ANOMALY		XF_TIMED
#define LOOKALIKE	XF_BENIGN
#define NETEVENT	(XF_BENIGN | XF_TIMED)

const struct xkind_info scenario_kinds[XK_COUNT] = {
	[XK_NMAP_SYN] = { "nmap_syn", "scan,fixed_port,rate?",
	    MODELS_DESKTOP, inject_nmap_setup, inject_nmap_event, ANOMALY },
	[XK_MASSCAN] = { "masscan", "scan,fixed_port,rate?", MODELS_DESKTOP,
	    inject_masscan_setup, inject_masscan_event, ANOMALY },
	[XK_HPING3] = { "hping3", "port_range,rate?", MODELS_DESKTOP,
	    inject_hping3_setup, inject_hping3_event, ANOMALY },
	[XK_REVERSE_SHELL] = { "reverse_shell", "long_lived",
	    MODELS_DESKTOP, inject_reverse_shell_setup, NULL, ANOMALY },
	[XK_EXHAUSTION] = { "exhaustion", "exhaustion,rate",
	    MODELS_CLIENT, inject_exhaustion_setup, inject_exhaustion_event,
	    ANOMALY },
	[XK_RAW_RANGE] = { "raw_range", "port_range,rate?",
	    MB(M_WINDOWS) | MB(M_LINUX), inject_raw_range_setup,
	    inject_raw_range_event, ANOMALY },
	[XK_FIXED_SPORT] = { "fixed_sport", "fixed_port", MODELS_DESKTOP,
	    inject_fixed_sport_setup, inject_fixed_sport_event, ANOMALY },
	[XK_NAT_BEHIND] = { "nat_behind", "allocator_change",
	    MB(M_WINDOWS) | MB(M_LINUX), inject_nat_behind_setup, NULL,
	    ANOMALY, 2 },
	[XK_P2P] = { "p2p", "-", MODELS_DESKTOP, lookalike_p2p_setup,
	    lookalike_p2p_event, LOOKALIKE },
	[XK_SIP] = { "sip", "-", MODELS_DESKTOP | MB(M_IOT),
	    lookalike_sip_setup, lookalike_sip_event, LOOKALIKE },
	[XK_RESOLVER] = { "resolver", "-",
	    MB(M_LINUX) | MB(M_FREEBSD) | MB(M_OPENBSD),
	    lookalike_resolver_setup, lookalike_resolver_event, LOOKALIKE },
	[XK_LONG_SSH] = { "long_ssh", "-", MODELS_DESKTOP,
	    lookalike_long_ssh_setup, lookalike_long_ssh_event, LOOKALIKE },
	[XK_PUSH] = { "push", "-",
	    MB(M_WINDOWS) | MB(M_MACOS) | MB(M_ANDROID) | MB(M_IOT),
	    lookalike_push_setup, lookalike_push_event, LOOKALIKE },
	[XK_UPDATE_BURST] = { "update_burst", "-", MODELS_CLIENT,
	    lookalike_update_burst_setup, lookalike_update_burst_event,
	    LOOKALIKE },

	/* real networks (realnet.c, net.c) */
	[XK_UPLINK_OUTAGE] = { "uplink_outage", "-", 0, net_outage_setup,
	    NULL, NETEVENT | XF_NOHOST, 0, net_outage_truth },
	[XK_IPV6_OUTAGE] = { "ipv6_outage", "-", 0, net_outage_setup,
	    NULL, NETEVENT | XF_NOHOST, 0, net_outage_truth },
	[XK_DEAD_SERVER] = { "dead_server", "-", 0, net_outage_setup,
	    NULL, NETEVENT | XF_NOHOST, 0, net_outage_truth },
	[XK_DHCP_REASSIGN] = { "dhcp_reassign", "-", MODELS_CLIENT,
	    realnet_dhcp_reassign_setup, NULL, NETEVENT, 1,
	    realnet_dhcp_reassign_truth },
	[XK_CONSOLE] = { "console", "-", MB(M_WINDOWS),
	    realnet_console_setup, realnet_console_event, LOOKALIKE },
	[XK_P2P_HEAVY] = { "p2p_heavy", "-", MODELS_DESKTOP,
	    realnet_p2p_heavy_setup, realnet_p2p_heavy_event, LOOKALIKE },
	[XK_WIREGUARD] = { "wireguard", "-", MODELS_CLIENT,
	    realnet_vpn_setup, realnet_vpn_event, LOOKALIKE },
	[XK_OPENVPN] = { "openvpn", "-", MODELS_CLIENT, realnet_vpn_setup,
	    realnet_vpn_event, LOOKALIKE },
	[XK_IPSEC] = { "ipsec", "-", MODELS_CLIENT, realnet_vpn_setup,
	    realnet_vpn_event, LOOKALIKE },
	[XK_FREEBSD_LOAD] = { "freebsd_load", "-", MB(M_FREEBSD),
	    realnet_freebsd_load_setup, realnet_freebsd_load_event,
	    LOOKALIKE },
	[XK_PARALLEL] = { "parallel", "-", MB(M_LINUX),
	    realnet_parallel_setup, realnet_parallel_event, LOOKALIKE },
	[XK_IPV6_TEMP] = { "ipv6_temp", "-", MODELS_CLIENT,
	    realnet_ipv6_temp_setup, realnet_ipv6_temp_event,
	    LOOKALIKE | XF_V6 | XF_PERIOD, 0, realnet_ipv6_temp_truth },
	[XK_HAPPY_EYEBALLS] = { "happy_eyeballs", "-", MODELS_CLIENT,
	    realnet_happy_eyeballs_setup, realnet_happy_eyeballs_event,
	    LOOKALIKE, 0, realnet_happy_eyeballs_truth },
	[XK_K8S_NODE] = { "k8s_node", "-", MB(M_LINUX),
	    realnet_k8s_node_setup, realnet_k8s_node_event, LOOKALIKE },

	/* the attacks that hide in them (evade.c) */
	[XK_SCAN6_ROTATE] = { "scan6_rotate", "scan,rate?", MODELS_DESKTOP,
	    evade_scan6_setup, evade_scan6_event, ANOMALY | XF_V6, 0,
	    evade_prefix_truth },
	[XK_FLOOD6] = { "flood6", "rate,scan?", MODELS_DESKTOP,
	    evade_flood6_setup, evade_flood6_event, ANOMALY | XF_V6, 0,
	    evade_prefix_truth },
	[XK_SVCFLOOD_C2] = { "svcflood_c2", "scan,long_lived",
	    MODELS_DESKTOP, evade_svcflood_c2_setup, evade_svcflood_c2_event,
	    ANOMALY, 0, evade_svcflood_c2_truth },
	[XK_CHURN] = { "churn", "-", 0, evade_churn_setup, evade_churn_event,
	    NETEVENT | XF_NOHOST, 1, evade_churn_truth },
};

/* --scenario default: the anomalies in the order they are started */
static const uint8_t default_anomalies[] = {
	XK_NMAP_SYN, XK_MASSCAN, XK_HPING3, XK_FIXED_SPORT, XK_RAW_RANGE,
	XK_EXHAUSTION, XK_REVERSE_SHELL, XK_NAT_BEHIND,
};

/* ... and its look-alike hosts */
static const uint8_t default_lookalikes[] = {
	XK_P2P, XK_SIP, XK_RESOLVER, XK_LONG_SSH, XK_PUSH, XK_UPDATE_BURST,
};

/*
 * --scenario realnet: the network's events and the attacks, one after
 * another, with their default lengths but the outages' (issue 12's
 * 6-minute uplink outage, 10 min of IPv6, 15 min of a dead server); a
 * SYN scan from an IPv4 host follows the host-table flood by 10 min.
 */
static const struct {
	uint8_t		 kind;
	uint16_t	 dur_s;		/* 0: the kind's own */
} realnet_events[] = {
	{ XK_UPLINK_OUTAGE, 360 },
	{ XK_DHCP_REASSIGN, 0 },
	{ XK_IPV6_OUTAGE, 600 },
	{ XK_DEAD_SERVER, 900 },
	{ XK_SCAN6_ROTATE, 0 },
	{ XK_FLOOD6, 0 },
	{ XK_SVCFLOOD_C2, 0 },
};

/*
 * ... and its look-alike hosts, with when they start, in steps after the
 * quiet learning phase (-1: at the capture's start): the fixed-port UDP
 * of a console, a WireGuard and an IPsec client is first seen after
 * learning; the temporary addresses change every hour.
 */
static const struct {
	uint8_t		 kind;
	int8_t		 half_steps;
	uint16_t	 period_s;
} realnet_hosts[] = {
	{ XK_CONSOLE, 1, 0 },
	{ XK_P2P_HEAVY, 3, 0 },
	{ XK_WIREGUARD, 1, 0 },
	{ XK_OPENVPN, -1, 0 },
	{ XK_IPSEC, 5, 0 },
	{ XK_FREEBSD_LOAD, -1, 0 },
	{ XK_PARALLEL, -1, 0 },
	{ XK_IPV6_TEMP, -1, 3600 },
	{ XK_HAPPY_EYEBALLS, -1, 0 },
	{ XK_K8S_NODE, -1, 0 },
};

/* flow_script for an injector, which remembers its last activity */
struct flow *
scenario_plan(struct gen *g, struct inj *x, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t server, uint16_t dport,
    uint8_t end, uint8_t flags, double active_s)
{
	struct flow *f;

	f = flow_script(g, x->host, t_us, proto, sport, dst4, server, dport,
	    end, flags, active_s);
	if (t_us > x->last_us)
		x->last_us = t_us;
	return f;
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
	const struct xkind_info *xi = &scenario_kinds[kind];
	bool v6 = (xi->flags & XF_V6) != 0;
	uint32_t i, n = 0, k;

	if (xi->flags & XF_NOHOST)
		return 0;
	for (i = 0; i < g->o.nhosts; i++)
		if (!taken[i] && g->hosts[i].v6 == v6 &&
		    (xi->models & MB(g->hosts[i].model)))
			n++;
	if (n == 0)
		fatalx("%s: no free IPv%d host of a fitting model; use more "
		    "hosts (-n)%s or fewer scenarios", xi->name, v6 ? 6 : 4,
		    v6 ? ", more IPv6 hosts (-6)" : "");
	k = rng_below(&g->xrng, n);
	for (i = 0;; i++)
		if (!taken[i] && g->hosts[i].v6 == v6 &&
		    (xi->models & MB(g->hosts[i].model)) && k-- == 0)
			break;
	taken[i] = 1;
	return i;
}

/*
 * KIND+new: the injector runs on a device that joins the network two
 * minutes before it starts, at an address nobody used before
 * (192.168.250.10 upwards), a host of one of the kind's models that
 * follows the normal activity model from then on.
 */
static uint32_t
fresh_device(struct gen *g, const struct inj *x, enum xkind kind)
{
	static const uint8_t order[] = { M_WINDOWS, M_MACOS, M_LINUX,
	    M_ANDROID, M_IOT, M_FREEBSD, M_OPENBSD, M_WINXP };
	uint32_t k, n = 0, vi, a4, g4;
	uint8_t fit[M_COUNT];
	struct host *v;

	for (k = 0; k < M_COUNT; k++)
		if (scenario_kinds[kind].models & MB(order[k]))
			fit[n++] = order[k];
	vi = scenario_device(g, 0, fit[rng_below(&g->xrng, n)]);
	v = &g->hosts[vi];
	v->v6 = false;
	a4 = htonl(IP4(192, 168, 250, 10 + g->nfresh++ % 240));
	g4 = htonl(IP4(192, 168, 250, 1));
	world_addr_string(AF_INET, &a4, v->addr, &v->addr_len);
	world_addr_string(AF_INET, &g4, v->gw, &v->gw_len);
	activity_init(g, vi, x->start_us > 120 * US_PER_S ?
	    x->start_us - 120 * US_PER_S : 0, true);
	return vi;
}

/*
 * A device of its own after the hosts (a kind's nvirt): the address of
 * host `like`, its own model, port space and streams.
 */
uint32_t
scenario_device(struct gen *g, uint32_t like, uint8_t model)
{
	struct host *c = &g->hosts[like], *v;
	uint32_t vi = g->o.nhosts + g->vnext++;

	v = &g->hosts[vi];
	memcpy(v->addr, c->addr, sizeof(v->addr));
	memcpy(v->gw, c->gw, sizeof(v->gw));
	v->addr_len = c->addr_len;
	v->gw_len = c->gw_len;
	v->v6 = c->v6;
	v->pfx64 = c->pfx64;
	v->model = model;
	v->space = vi;
	v->stop_us = UINT64_MAX;
	return vi;
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
		x->start_us = sp->start_s * US_PER_S;
		if (sp->fresh)
			x->host = fresh_device(g, x, (enum xkind)sp->kind);
		else
			x->host = pick_host(g, (enum xkind)sp->kind, taken);
		rng_seed(&x->rng,
		    rng_mix64(g->o.seed) ^ rng_mix64(0x696e6a00ULL + i));
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
	for (i = 0; i < g->ninj; i++) {
		free(g->inj[i].ports);
		free(g->inj[i].vals);
		free(g->inj[i].val_us);
	}
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
static void
schedule_default(struct opts *o)
{
	uint64_t step;
	uint32_t k, n = sizeof(default_anomalies);

	if (o->duration_s < 6 * 3600)
		fatalx("--scenario default needs at least 6 h (-d 21600)");
	step = (o->duration_s - LEARN_QUIET_S - 3600) / n / 60 * 60;
	for (k = 0; k < n; k++) {
		struct spec *sp = scenario_spec_add(o);

		sp->kind = default_anomalies[k];
		sp->start_s = LEARN_QUIET_S + k * step;
		sp->has_start = true;
	}
	for (k = 0; k < sizeof(default_lookalikes); k++)
		scenario_spec_add(o)->kind = default_lookalikes[k];
}

/*
 * --scenario realnet: after the same quiet phase, the network's events
 * and the attacks start one after another, evenly over the time left but
 * the last three hours (the C2 session needs two), on the minute; the
 * SYN scan after the flood; then one host of every real-network
 * look-alike.
 */
static void
schedule_realnet(struct opts *o)
{
	struct spec *sp;
	uint64_t step;
	uint32_t k, n = sizeof(realnet_events) / sizeof(realnet_events[0]);

	if (o->duration_s < 10 * 3600)
		fatalx("--scenario realnet needs at least 10 h (-d 36000)");
	step = (o->duration_s - LEARN_QUIET_S - 3 * 3600) / n / 60 * 60;
	for (k = 0; k < n; k++) {
		sp = scenario_spec_add(o);
		sp->kind = realnet_events[k].kind;
		sp->start_s = LEARN_QUIET_S + k * step;
		sp->has_start = true;
		if (realnet_events[k].dur_s != 0) {
			sp->dur_s = realnet_events[k].dur_s;
			sp->has_dur = true;
		}
		if (sp->kind == XK_FLOOD6) {
			sp = scenario_spec_add(o);
			sp->kind = XK_NMAP_SYN;
			sp->start_s = LEARN_QUIET_S + k * step + 600;
			sp->has_start = sp->fresh = true;
		}
	}
	for (k = 0; k < sizeof(realnet_hosts) / sizeof(realnet_hosts[0]);
	    k++) {
		sp = scenario_spec_add(o);
		sp->kind = realnet_hosts[k].kind;
		if (realnet_hosts[k].half_steps >= 0) {
			sp->start_s = LEARN_QUIET_S +
			    realnet_hosts[k].half_steps * step / 2 / 60 * 60;
			sp->has_start = true;
		}
		if (realnet_hosts[k].period_s != 0) {
			sp->period_s = realnet_hosts[k].period_s;
			sp->has_period = true;
		}
	}
}

/*
 * --scenario churn: after the quiet phase, a million client addresses
 * churn through the gateway in 500 s (evade.c), and 5 min after them an
 * ordinary host runs a SYN scan, which must still be found.
 */
static void
schedule_churn(struct opts *o)
{
	struct spec *sp;

	if (o->duration_s < 4 * 3600)
		fatalx("--scenario churn needs at least 4 h (-d 14400)");
	sp = scenario_spec_add(o);
	sp->kind = XK_CHURN;
	sp->start_s = LEARN_QUIET_S;
	sp->dur_s = 500;
	sp->has_start = sp->has_dur = true;
	sp = scenario_spec_add(o);
	sp->kind = XK_NMAP_SYN;
	sp->start_s = LEARN_QUIET_S + 500 + 300;
	sp->has_start = true;
}

/*
 * A named scenario (-S): its own specs take the place where -S stood on
 * the command line, before the -I and -B given after it.  Returns false
 * for an unknown name.
 */
bool
scenario_named(struct opts *o, const char *name, uint32_t first)
{
	struct spec tail[MAX_SPECS];
	uint32_t ntail = o->nspecs - first;

	memcpy(tail, &o->specs[first], ntail * sizeof(tail[0]));
	o->nspecs = first;
	if (strcmp(name, "default") == 0)
		schedule_default(o);
	else if (strcmp(name, "realnet") == 0)
		schedule_realnet(o);
	else if (strcmp(name, "churn") == 0)
		schedule_churn(o);
	else
		return false;
	if (o->nspecs + ntail > MAX_SPECS)
		fatalx("at most %d anomalies and look-alike hosts", MAX_SPECS);
	memcpy(&o->specs[o->nspecs], tail, ntail * sizeof(tail[0]));
	o->nspecs += ntail;
	return true;
}
