/*
 * Host models and their source-port allocators (ports.md sections 1 and
 * 2; gencap.md, "Host models").  A port is held from its flow's NEW to its
 * DESTROY, in the port space of the host (or of the NAT the host sits
 * behind); every allocator skips held ports.
 */

#include "gen.h"

const struct model_info stack_models[M_COUNT] = {
	[M_WINDOWS] = { "windows", "iana", "sequential", 0.35,
	    ALLOC_SEQ, 49152, 65535, ALLOC_RANDOM, 49152, 65535, 0, 0, 443 },
	[M_MACOS] = { "macos", "iana", "sequential", 0.20,
	    ALLOC_SEQ, 49152, 65535, ALLOC_RANDOM, 49152, 65535, 0, 0, 5223 },
	[M_LINUX] = { "linux", "linux", "per-destination", 0.12,
	    ALLOC_DHPS, 32768, 60999, ALLOC_RANDOM, 32768, 60999, 0, 0, 443 },
	[M_ANDROID] = { "android", "linux", "per-destination", 0.13,
	    ALLOC_DHPS, 32768, 60999, ALLOC_RANDOM, 32768, 60999,
	    1024, 65535, 5228 },
	[M_IOT] = { "iot", "iana", "sequential", 0.08,
	    ALLOC_SEQ, 49152, 65534, ALLOC_SEQ, 49152, 65535,
	    1024, 65535, 8883 },
	[M_FREEBSD] = { "freebsd", "freebsd", "random", 0.04,
	    ALLOC_RANDOM, 10000, 65535, ALLOC_RANDOM, 10000, 65535, 0, 0, 443 },
	[M_OPENBSD] = { "openbsd", "openbsd", "random", 0.04,
	    ALLOC_RANDOM, 1024, 49151, ALLOC_RANDOM, 1024, 49151, 0, 0, 443 },
	[M_WINXP] = { "winxp", "legacy", "sequential", 0.04,
	    ALLOC_SEQ, 1025, 5000, ALLOC_SEQ, 1025, 5000, 0, 0, 443 },
};

/* Windows, macOS TCP, lwIP, XP: one +1 counter, wraps, skips held ports */
static uint16_t
alloc_seq(struct gen *g, uint32_t hidx, uint8_t proto, uint16_t *next,
    uint16_t lo, uint16_t hi)
{
	uint32_t i, n = (uint32_t)hi - lo + 1;
	uint16_t p = *next;

	for (i = 0; i < n; i++) {
		p = *next;
		*next = *next >= hi ? lo : *next + 1;
		if (!stack_port_held(g, hidx, proto, p))
			break;
	}
	return p;
}

/* RFC 6056 algorithm 1: random start, probe upwards until free */
static uint16_t
alloc_random(struct gen *g, struct host *h, uint32_t hidx, uint8_t proto,
    uint16_t lo, uint16_t hi)
{
	uint32_t i, n = (uint32_t)hi - lo + 1;
	uint32_t p = lo + rng_below(&h->rng, n);

	for (i = 0; i < n; i++) {
		if (!stack_port_held(g, hidx, proto, (uint16_t)p))
			break;
		p = p >= hi ? lo : p + 1;
	}
	return (uint16_t)p;
}

/*
 * Linux >= 5.19 __inet_hash_connect() (RFC 6056 alg. 4, double hash): the
 * keyed hash of (host, dst, dport, 10-s epoch) picks a perturbation-table
 * slot and an offset; even ports are scanned upwards from there; the slot
 * then advances by 2 * (1 + max(i, U{0..7})).  Inside one epoch successive
 * connects to one destination therefore step +2..+16.
 */
static uint16_t
alloc_dhps(struct gen *g, struct host *h, uint32_t hidx,
    const struct flow *f, uint64_t now_us, uint16_t lo, uint16_t hi)
{
	uint64_t epoch, hv;
	uint32_t remaining = (uint32_t)hi - lo + 1;
	uint32_t idx, offset, port, i, step;

	epoch = (now_us + h->epoch_phase_us) / DHPS_PERIOD_US;
	hv = rng_mix64(h->dhps_key ^ rng_mix64(((uint64_t)f->server << 32) |
	    ((uint64_t)f->dport << 16) | (f->flags & F_LOCAL)) ^
	    rng_mix64(epoch + 0x5bd1e995ULL));
	if (f->flags & F_DST4)
		hv ^= rng_mix64(f->dst4 ^ 0x6473743400000000ULL);
	idx = (uint32_t)(hv & (PERTURB_SIZE - 1));
	offset = (g->perturb[idx] + (uint32_t)(hv >> 32)) % remaining;
	offset &= ~1U;
	port = lo + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		if (port > hi)
			port -= remaining;
		if (!stack_port_held(g, hidx, PROTO_TCP, (uint16_t)port))
			break;
	}
	if (i >= remaining) {
		i = 0;
		port = lo + offset;
	}
	step = 2 * rng_below(&h->rng, 8);
	if (step < i)
		step = i;
	g->perturb[idx] += step + 2;
	return (uint16_t)port;
}

/*
 * FreeBSD's ipport_tick() (in_pcb.c of the releases that have it; ports.md
 * section 8), once a second: when more than randomcps ports were
 * allocated in the last second, random allocation stops for randomtime
 * seconds, and each new second at or under randomcps counts one of them
 * down.  in_pcb_lport() counts every allocation, TCP and UDP (its
 * "not UDP" test is always true), but only TCP turns sequential.  The
 * tick's phase is the host's own.
 */
static void
bsd_tick(struct host *h, uint64_t now_us)
{
	uint64_t sec = (now_us + h->epoch_phase_us) / US_PER_S;

	while (h->bsd_sec < sec) {
		if (h->bsd_allocs > BSD_RANDOMCPS)
			h->bsd_stop = BSD_RANDOMTIME;
		else if (h->bsd_stop > 0)
			h->bsd_stop--;
		h->bsd_allocs = 0;
		h->bsd_sec++;
		if (h->bsd_stop == 0) {
			h->bsd_sec = sec;
			break;
		}
	}
	h->bsd_allocs++;
}

/*
 * FreeBSD in_pcb_lport() for TCP: while random allocation is on,
 * lastport = first + random % (last - first); then, random or not,
 * ++lastport (wrapping to first) until the port is free.  Turned
 * sequential, it steps +1 from the last port it gave.
 */
static uint16_t
alloc_bsd(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us,
    uint16_t lo, uint16_t hi)
{
	uint32_t i, n = (uint32_t)hi - lo + 1, p;

	bsd_tick(h, now_us);
	if (h->bsd_stop == 0)
		h->bsd_last = (uint16_t)(lo + rng_below(&h->rng,
		    (uint32_t)hi - lo));
	p = h->bsd_last;
	for (i = 0; i < n; i++) {
		p = p >= hi ? lo : p + 1;
		if (!stack_port_held(g, hidx, PROTO_TCP, (uint16_t)p))
			break;
	}
	h->bsd_last = (uint16_t)p;
	return (uint16_t)p;
}

uint16_t
stack_alloc_tcp(struct gen *g, struct host *h, uint32_t hidx,
    const struct flow *f, uint64_t now_us)
{
	const struct model_info *mi = &stack_models[h->model];

	if (h->hs & HS_BSD_LOAD)
		return alloc_bsd(g, h, hidx, now_us, mi->tcp_lo, mi->tcp_hi);
	switch (mi->tcp_alloc) {
	case ALLOC_SEQ:
		return alloc_seq(g, hidx, PROTO_TCP, &h->tcp_next,
		    mi->tcp_lo, mi->tcp_hi);
	case ALLOC_DHPS:
		return alloc_dhps(g, h, hidx, f, now_us, mi->tcp_lo,
		    mi->tcp_hi);
	default:
		return alloc_random(g, h, hidx, PROTO_TCP, mi->tcp_lo,
		    mi->tcp_hi);
	}
}

uint16_t
stack_alloc_udp(struct gen *g, struct host *h, uint32_t hidx,
    const struct flow *f, uint64_t now_us)
{
	const struct model_info *mi = &stack_models[h->model];

	if (h->hs & HS_BSD_LOAD)
		bsd_tick(h, now_us);
	if (f->kind == K_NTP && h->ntp_fixed)
		return 123;
	if (f->kind == K_DNS && mi->dns_lo != 0)
		return alloc_random(g, h, hidx, PROTO_UDP, mi->dns_lo,
		    mi->dns_hi);
	if (mi->udp_alloc == ALLOC_SEQ)
		return alloc_seq(g, hidx, PROTO_UDP, &h->udp_next,
		    mi->udp_lo, mi->udp_hi);
	return alloc_random(g, h, hidx, PROTO_UDP, mi->udp_lo, mi->udp_hi);
}

/* how many TCP ports the stack can hand out */
uint32_t
stack_tcp_capacity(const struct model_info *mi)
{
	uint32_t n = (uint32_t)mi->tcp_hi - mi->tcp_lo + 1;

	return mi->tcp_alloc == ALLOC_DHPS ? (n + 1) / 2 : n;
}

/* lwIP: the port counters restart at every boot */
void
stack_boot(struct host *h)
{
	const struct model_info *mi = &stack_models[h->model];

	if (h->iot_fixed_start) {
		h->tcp_next = mi->tcp_lo + 1;
		h->udp_next = mi->udp_lo + 1;
	} else {
		h->tcp_next = (uint16_t)(mi->tcp_lo + rng_below(&h->rng,
		    (uint32_t)mi->tcp_hi - mi->tcp_lo + 1));
		h->udp_next = (uint16_t)(mi->udp_lo + rng_below(&h->rng,
		    (uint32_t)mi->udp_hi - mi->udp_lo + 1));
	}
}
