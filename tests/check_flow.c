/*
 * Unit tests for flow.c: the keyed flow key and the table of active flows
 * (records with their tuple, an open-addressing index with linear probing
 * and backward-shift deletion, load <= 3/4).
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static uint64_t
rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return hash_mix64(*s);
}

static void
set_addr(struct addr *a, const char *s)
{
	ck_assert(addr_parse(s, strlen(s), a) == 0);
}

static struct flow_event
base_event(void)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = 1000;
	ev.type = EV_NEW;
	ev.proto = IPPROTO_TCP;
	ev.flags = EVF_PORTS;
	ev.sport = 40000;
	ev.dport = 443;
	set_addr(&ev.src, "10.0.0.2");
	set_addr(&ev.dst, "192.0.2.1");
	set_addr(&ev.nat_addr, "198.51.100.1");
	ev.nat_port = 40000;
	return ev;
}

START_TEST(test_key_fields)
{
	struct flow_event	base = base_event(), ev;
	uint64_t		k = flow_key(&base);

	ck_assert_uint_ne(k, 0);
	ev = base;
	ck_assert_uint_eq(flow_key(&ev), k);

	ev = base;
	ev.proto = IPPROTO_UDP;
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	ev.sport++;
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	ev.dport++;
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	ev.zone = 1;
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	set_addr(&ev.src, "10.0.0.3");
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	set_addr(&ev.dst, "192.0.2.2");
	ck_assert_uint_ne(flow_key(&ev), k);
	ev = base;
	set_addr(&ev.src, "::ffff:10.0.0.2");	/* the same address */
	ck_assert_uint_eq(flow_key(&ev), k);

	/* the reverse direction is another flow */
	ev = base;
	ev.src = base.dst;
	ev.dst = base.src;
	ev.sport = base.dport;
	ev.dport = base.sport;
	ck_assert_uint_ne(flow_key(&ev), k);
	/* sport and dport swapped */
	ev = base;
	ev.sport = base.dport;
	ev.dport = base.sport;
	ck_assert_uint_ne(flow_key(&ev), k);
}
END_TEST

/* NEW and DESTROY of one flow differ in everything but the tuple. */
START_TEST(test_key_ignores_the_rest)
{
	struct flow_event	base = base_event(), ev;
	uint64_t		k = flow_key(&base);

	ev = base;
	ev.type = EV_DESTROY;
	ev.ts_ms = 999999;
	ev.flags = EVF_PORTS | EVF_ASSURED | EVF_USERSPACE | EVF_TIMEOUT;
	ev.state = CTS_TIME_WAIT;
	ev.timeout_s = 118;
	ev.ct_id = 3197088994U;
	ev.nat_port = 1;
	set_addr(&ev.nat_addr, "203.0.113.9");
	ck_assert_uint_eq(flow_key(&ev), k);
}
END_TEST

/* The key is never 0 (0 marks a free record). */
START_TEST(test_key_never_zero)
{
	struct flow_event	ev = base_event();
	uint32_t		i;

	for (i = 0; i < 100000; i++) {
		ev.sport = (uint16_t)i;
		ev.src.b[13] = (uint8_t)(i >> 16);
		ck_assert_uint_ne(flow_key(&ev), 0);
	}
}
END_TEST

/*
 * The unkeyed hash this replaced multiplied (low 64 bits of the address
 * ^ a constant) by a word of the rest: every IPv6 destination whose low
 * 64 bits equalled that constant collided, in any /64.  Keyed, they are
 * as distinct as any others.
 */
START_TEST(test_key_no_zero_factor)
{
	struct flow_event	ev = base_event();
	uint64_t		k[256], lo = 0xe7037ed1a0b428dbULL;
	size_t			i, j;

	set_addr(&ev.src, "fd00::2");
	for (i = 0; i < 256; i++) {
		set_addr(&ev.dst, "2001:db8::");
		ev.dst.b[7] = (uint8_t)i;	/* another /64 */
		memcpy(ev.dst.b + 8, &lo, 8);
		k[i] = flow_key(&ev);
	}
	for (i = 0; i < 256; i++)
		for (j = i + 1; j < 256; j++)
			ck_assert_uint_ne(k[i], k[j]);
}
END_TEST

/* Flow i: a distinct tuple for each i (source address and port). */
static struct flow_event
ev_n(size_t i)
{
	struct flow_event	ev = base_event();

	addr_from_v4(&ev.src, 0x0a000000U | (uint32_t)(i >> 16));
	ev.sport = (uint16_t)i;
	return ev;
}

START_TEST(test_insert_lookup)
{
	struct flowtab		t;
	struct flow		*f;
	struct flow_event	ev = ev_n(1), other = ev_n(2);

	ck_assert_int_eq(flowtab_init(&t, 100), 0);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(flow_lookup(&t, 42, &ev));
	f = flow_insert(&t, 42, &ev);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->key, 42);
	ck_assert_uint_eq(f->start_ms, 0);
	ck_assert_uint_eq(f->fflags, 0);
	ck_assert_uint_eq(f->sport, ev.sport);
	ck_assert_uint_eq(f->dport, ev.dport);
	ck_assert_uint_eq(f->proto, ev.proto);
	ck_assert(addr_cmp(&f->src, &ev.src) == 0);
	ck_assert(addr_cmp(&f->dst, &ev.dst) == 0);
	f->start_ms = 7;
	ck_assert_uint_eq(t.n, 1);
	f = flow_lookup(&t, 42, &ev);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->start_ms, 7);
	ck_assert_ptr_null(flow_lookup(&t, 43, &ev));
	ck_assert_ptr_null(flow_lookup(&t, 42, &other));
	flow_remove(&t, f);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(flow_lookup(&t, 42, &ev));
	flowtab_free(&t);
	ck_assert_ptr_null(t.slot);
}
END_TEST

/*
 * Two tuples with one key (a collision someone built): both live side
 * by side, each found by its own tuple; neither replaces the other, and
 * the end of one leaves the other.
 */
START_TEST(test_collision)
{
	struct flowtab		t;
	struct flow		*a, *b;
	struct flow_event	held = ev_n(7), decoy = ev_n(7);

	decoy.dport = 8443;	/* the same key, another tuple */
	ck_assert_int_eq(flowtab_init(&t, 100), 0);
	a = flow_insert(&t, 99, &held);
	a->start_ms = 1000;
	ck_assert_ptr_null(flow_lookup(&t, 99, &decoy));
	b = flow_insert(&t, 99, &decoy);
	b->start_ms = 2000;
	a = flow_lookup(&t, 99, &held);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->start_ms, 1000);
	b = flow_lookup(&t, 99, &decoy);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->start_ms, 2000);
	flow_remove(&t, b);
	a = flow_lookup(&t, 99, &held);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->start_ms, 1000);
	ck_assert_uint_eq(t.n, 1);
	flowtab_free(&t);
}
END_TEST

/*
 * Keys clustered at the end of the index so that their probe run wraps
 * to slot 0: removing any one must leave every other findable.
 */
START_TEST(test_remove_wraparound)
{
	/* home slot of each key; the index has 2048 slots */
	static const unsigned	home[] = {
		2045, 2046, 2046, 2047, 2047, 2047, 0, 0, 1, 2046, 2, 2045,
	};
	enum { N = sizeof(home) / sizeof(home[0]) };
	struct flowtab		t;
	struct flow		*f;
	struct flow_event	ev[N];
	uint64_t		key[N];
	size_t			i, gone, order;

	for (i = 0; i < N; i++) {
		key[i] = (uint64_t)home[i] << 53 | (i + 1);
		ev[i] = ev_n(i);
	}
	for (gone = 0; gone < N; gone++) {
		ck_assert_int_eq(flowtab_init(&t, 1000), 0);
		ck_assert_uint_eq(t.cap, 2048);
		for (i = 0; i < N; i++)
			ck_assert_uint_eq(flow_home(&t, key[i]), home[i]);
		for (i = 0; i < N; i++) {
			f = flow_insert(&t, key[i], &ev[i]);
			ck_assert_ptr_nonnull(f);
			f->start_ms = i;
		}
		f = flow_lookup(&t, key[gone], &ev[gone]);
		ck_assert_ptr_nonnull(f);
		flow_remove(&t, f);
		ck_assert_uint_eq(t.n, N - 1);
		for (i = 0; i < N; i++) {
			f = flow_lookup(&t, key[i], &ev[i]);
			if (i == gone) {
				ck_assert_ptr_null(f);
				continue;
			}
			ck_assert_msg(f != NULL, "key %zu lost after removing "
			    "key %zu", i, gone);
			ck_assert_uint_eq(f->start_ms, i);
		}
		flowtab_free(&t);
	}

	/* and all of them, in orders that step by 1, 5, 7 and 11 */
	for (order = 0; order < 4; order++) {
		static const size_t	step[] = { 1, 5, 7, 11 };

		ck_assert_int_eq(flowtab_init(&t, 1000), 0);
		for (i = 0; i < N; i++)
			flow_insert(&t, key[i], &ev[i])->start_ms = i;
		for (gone = 0; gone < N; gone++) {
			size_t g = gone * step[order] % N;

			f = flow_lookup(&t, key[g], &ev[g]);
			ck_assert_ptr_nonnull(f);
			ck_assert_uint_eq(f->start_ms, g);
			flow_remove(&t, f);
		}
		ck_assert_uint_eq(t.n, 0);
		for (i = 0; i < t.cap; i++)
			ck_assert_uint_eq(t.slot[i], 0);
		flowtab_free(&t);
	}
}
END_TEST

/* Many flows, half removed in a random order; records are reused. */
START_TEST(test_many)
{
	enum { N = 100000 };
	struct flowtab		 t;
	struct flow		*f;
	struct flow_event	 ev;
	uint64_t		 seed = 12345, tmp;
	size_t			*perm, i, j, nv;
	bool			*gone;

	perm = calloc(N, sizeof(*perm));
	gone = calloc(N, sizeof(*gone));
	ck_assert(perm != NULL && gone != NULL);
	ck_assert_int_eq(flowtab_init(&t, N), 0);
	for (i = 0; i < N; i++) {
		ev = ev_n(i);
		ck_assert_ptr_null(flow_lookup(&t, flow_key(&ev), &ev));
		f = flow_insert(&t, flow_key(&ev), &ev);
		ck_assert_ptr_nonnull(f);
		f->start_ms = i;
		f->ct_id = i;
		perm[i] = i;
	}
	ck_assert_uint_eq(t.n, N);
	ck_assert_uint_le(t.n * 4, t.cap * 3);

	/* Fisher-Yates: remove the first half of a random permutation */
	for (i = N - 1; i > 0; i--) {
		j = rnd(&seed) % (i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < N / 2; i++) {
		ev = ev_n(perm[i]);
		f = flow_lookup(&t, flow_key(&ev), &ev);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->start_ms, perm[i]);
		flow_remove(&t, f);
		gone[perm[i]] = true;
	}
	ck_assert_uint_eq(t.n, N - N / 2);
	for (i = 0; i < N; i++) {
		ev = ev_n(i);
		f = flow_lookup(&t, flow_key(&ev), &ev);
		if (gone[i]) {
			ck_assert_ptr_null(f);
			continue;
		}
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->start_ms, i);
		ck_assert_uint_eq(f->ct_id, (uint32_t)i);
	}
	/* the removed ones come back into the freed records */
	nv = t.nv;
	for (i = 0; i < N / 2; i++) {
		ev = ev_n(perm[i]);
		ck_assert_ptr_nonnull(flow_insert(&t, flow_key(&ev), &ev));
	}
	ck_assert_uint_eq(t.n, N);
	ck_assert_uint_eq(t.nv, nv);
	ev = ev_n(N);
	ck_assert_ptr_null(flow_insert(&t, flow_key(&ev), &ev));	/* full */
	for (i = 0; i < N; i++) {
		ev = ev_n(i);
		ck_assert_ptr_nonnull(flow_lookup(&t, flow_key(&ev), &ev));
	}
	flowtab_free(&t);
	free(perm);
	free(gone);
}
END_TEST

START_TEST(test_max)
{
	struct flowtab		 t;
	struct flow		*f;
	struct flow_event	 ev;
	size_t			 k;

	ck_assert_int_eq(flowtab_init(&t, 4), 0);
	for (k = 1; k <= 4; k++) {
		ev = ev_n(k);
		ck_assert_ptr_nonnull(flow_insert(&t, k * 1000003, &ev));
	}
	ev = ev_n(5);
	ck_assert_ptr_null(flow_insert(&t, 5 * 1000003, &ev));
	ck_assert_uint_eq(t.n, 4);
	ck_assert_ptr_null(flow_lookup(&t, 5 * 1000003, &ev));
	/* room again after a removal */
	ev = ev_n(2);
	f = flow_lookup(&t, 2 * 1000003, &ev);
	ck_assert_ptr_nonnull(f);
	flow_remove(&t, f);
	ev = ev_n(5);
	ck_assert_ptr_nonnull(flow_insert(&t, 5 * 1000003, &ev));
	ck_assert_uint_eq(t.n, 4);
	for (k = 1; k <= 5; k++) {
		ev = ev_n(k);
		ck_assert((flow_lookup(&t, k * 1000003, &ev) != NULL) ==
		    (k != 2));
	}
	flowtab_free(&t);

	ck_assert_int_eq(flowtab_init(&t, 0), 0);
	ev = ev_n(1);
	ck_assert_ptr_null(flow_insert(&t, 1, &ev));
	flowtab_free(&t);
}
END_TEST

/* The table grows: at most 96 bytes a flow with its tuple (DESIGN 4). */
START_TEST(test_growth)
{
	struct flowtab		t;
	struct flow_event	ev;
	size_t			n;

	ck_assert_uint_eq(sizeof(struct flow), 72);
	ck_assert_int_eq(flowtab_init(&t, 1 << 20), 0);
	for (n = 1; n <= 1 << 17; n++) {
		ev = ev_n(n);
		ck_assert_ptr_nonnull(flow_insert(&t, flow_key(&ev), &ev));
		ck_assert_uint_eq(t.n, n);
		ck_assert_msg(t.n * 4 <= t.cap * 3, "%zu flows in %zu slots",
		    t.n, t.cap);
		/* past the initial 1024 records: at most 96 bytes a flow */
		if (n > 1024)
			ck_assert_msg(flowtab_bytes(&t) <= 96 * n,
			    "%zu bytes for %zu flows", flowtab_bytes(&t), n);
	}
	flowtab_free(&t);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "key", NULL, NULL, {
		    test_key_fields, test_key_ignores_the_rest,
		    test_key_never_zero, test_key_no_zero_factor, NULL } },
		{ "table", NULL, NULL, {
		    test_insert_lookup, test_collision,
		    test_remove_wraparound, test_many, test_max, test_growth,
		    NULL } },
	};

	return t_main("flow", tcases, T_N(tcases));
}
