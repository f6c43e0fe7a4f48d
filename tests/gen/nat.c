/*
 * The gateway's conntrack table as far as gencap needs it: the masquerade
 * port of every NATed flow (Linux keeps the source port unless the reply
 * tuple is taken by another live flow, then picks a random free port in
 * 1024-65535; ports.md section 1.1), unique conntrack ids, and the live
 * original tuples of flows from given ports, which join an existing entry
 * instead of making a new one.
 */

#include "gen.h"

static inline uint64_t
nat_key(const struct host *h, const struct flow *f, uint16_t port)
{
	uint64_t k;

	if (f->flags & F_DST4) {
		k = rng_mix64(((uint64_t)f->dst4 << 24) |
		    ((uint64_t)f->proto << 16) | f->dport);
		return (1ULL << 63) | (k & 0x7fffffffffff0000ULL) | port;
	}
	return (1ULL << 63) | ((uint64_t)flow_v6(h, f) << 56) |
	    ((uint64_t)f->proto << 48) | ((uint64_t)f->server << 32) |
	    ((uint64_t)f->dport << 16) | port;
}

uint16_t
nat_pick(struct gen *g, const struct host *h, const struct flow *f)
{
	uint16_t port = f->sport;
	int tries;

	for (tries = 0; tries < 100000; tries++) {
		if (kset_count(&g->nat, nat_key(h, f, port)) == 0)
			break;
		port = (uint16_t)(1024 + rng_below(&g->rng, 65536 - 1024));
	}
	kset_add(&g->nat, nat_key(h, f, port));
	return port;
}

void
nat_release(struct gen *g, const struct host *h, const struct flow *f)
{
	kset_del(&g->nat, nat_key(h, f, f->nat_port));
}

/* unique 32-bit conntrack ids: a bijective mix of a counter */
uint32_t
nat_ct_id(struct gen *g)
{
	uint32_t x;

	do {
		x = g->ct_counter++ + g->ct_key;
		x ^= x >> 16;
		x *= 0x7feb352dU;
		x ^= x >> 15;
		x *= 0x846ca68bU;
		x ^= x >> 16;
	} while (x == 0);
	return x;
}

static uint64_t
tuple_key(const struct gen *g, const struct flow *f)
{
	uint64_t d;

	d = f->flags & F_DST4 ? f->dst4 : (1ULL << 32) | f->server;
	if (f->flags & F_ALTSRC)	/* another source address */
		d ^= rng_mix64(f->src_id ^ 0x616c747372630000ULL);
	if (f->flags & F_FAM)
		d ^= 1ULL << 34;
	return (1ULL << 63) | rng_mix64(rng_mix64((uint64_t)
	    g->hosts[f->host].space << 33 ^ d) ^ ((uint64_t)f->proto << 32 |
	    (uint64_t)f->dport << 16 | f->sport));
}

bool
nat_tuple_live(const struct gen *g, const struct flow *f)
{
	return kset_count(&g->tuples, tuple_key(g, f)) != 0;
}

void
nat_tuple_add(struct gen *g, const struct flow *f)
{
	kset_add(&g->tuples, tuple_key(g, f));
}

void
nat_tuple_del(struct gen *g, const struct flow *f)
{
	kset_del(&g->tuples, tuple_key(g, f));
}
