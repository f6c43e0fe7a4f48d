/*
 * Unit tests for flow.c: the flow key and the open-addressing table of
 * active flows (linear probing, backward-shift deletion, load <= 1/2).
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

/*
 * Key 0 marks an empty slot.  flow_key() is a chain of hash_mix64() steps,
 * each a bijection with hash_mix64(0) = 0, so the first word can be chosen to
 * make the raw hash 0; the key must still not be 0.
 */
START_TEST(test_key_never_zero)
{
	struct flow_event	ev = base_event();
	uint64_t		w[6], inner;

	memcpy(w, ev.src.b, 16);
	memcpy(w + 2, ev.dst.b, 16);
	w[4] = (uint64_t)ev.sport << 32 | (uint64_t)ev.dport << 16 | ev.proto;
	w[5] = ev.zone;
	inner = hash_mix64(w[1] ^ hash_mix64(w[2] ^ hash_mix64(w[3] ^ hash_mix64(w[4] ^
	    hash_mix64(w[5])))));
	memcpy(ev.src.b, &inner, 8);
	ck_assert_uint_ne(flow_key(&ev), 0);
}
END_TEST

START_TEST(test_insert_lookup)
{
	struct flowtab	t;
	struct flow	*f;

	ck_assert_int_eq(flowtab_init(&t, 100), 0);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(flow_lookup(&t, 42));
	f = flow_insert(&t, 42);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->key, 42);
	ck_assert_uint_eq(f->start_ms, 0);
	ck_assert_uint_eq(f->fflags, 0);
	f->start_ms = 7;
	ck_assert_uint_eq(t.n, 1);
	f = flow_lookup(&t, 42);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->start_ms, 7);
	ck_assert_ptr_null(flow_lookup(&t, 43));
	flow_remove(&t, f);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(flow_lookup(&t, 42));
	flowtab_free(&t);
	ck_assert_ptr_null(t.slot);
}
END_TEST

/*
 * Keys clustered at the end of the table so that their probe run wraps
 * to slot 0: removing any one must leave every other findable.
 */
START_TEST(test_remove_wraparound)
{
	/* home slot of each key (its top 10 bits); the table has 1024 slots */
	static const unsigned	home[] = {
		1021, 1022, 1022, 1023, 1023, 1023, 0, 0, 1, 1022, 2, 1021,
	};
	enum { N = sizeof(home) / sizeof(home[0]) };
	struct flowtab		t;
	struct flow		*f;
	uint64_t		key[N];
	size_t			i, gone, order;

	for (i = 0; i < N; i++)
		key[i] = (uint64_t)home[i] << 54 | (i + 1);	/* 1024 slots */
	for (gone = 0; gone < N; gone++) {
		ck_assert_int_eq(flowtab_init(&t, 1000), 0);
		ck_assert_uint_eq(t.cap, 1024);
		for (i = 0; i < N; i++)
			ck_assert_uint_eq(flow_home(&t, key[i]), home[i]);
		for (i = 0; i < N; i++) {
			f = flow_insert(&t, key[i]);
			ck_assert_ptr_nonnull(f);
			f->start_ms = i;
		}
		f = flow_lookup(&t, key[gone]);
		ck_assert_ptr_nonnull(f);
		flow_remove(&t, f);
		ck_assert_uint_eq(t.n, N - 1);
		for (i = 0; i < N; i++) {
			f = flow_lookup(&t, key[i]);
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
			flow_insert(&t, key[i])->start_ms = i;
		for (gone = 0; gone < N; gone++) {
			size_t g = gone * step[order] % N;

			f = flow_lookup(&t, key[g]);
			ck_assert_ptr_nonnull(f);
			ck_assert_uint_eq(f->start_ms, g);
			flow_remove(&t, f);
		}
		ck_assert_uint_eq(t.n, 0);
		for (i = 0; i < t.cap; i++)
			ck_assert_uint_eq(t.slot[i].key, 0);
		flowtab_free(&t);
	}
}
END_TEST

/* Many random keys, half removed in a random order. */
START_TEST(test_many)
{
	enum { N = 100000 };
	struct flowtab	 t;
	struct flow	*f;
	uint64_t	*key, seed = 12345, tmp;
	size_t		*perm, i, j;
	bool		*gone;

	key = calloc(N, sizeof(*key));
	perm = calloc(N, sizeof(*perm));
	gone = calloc(N, sizeof(*gone));
	ck_assert(key != NULL && perm != NULL && gone != NULL);
	ck_assert_int_eq(flowtab_init(&t, N), 0);
	for (i = 0; i < N; i++) {
		do
			key[i] = rnd(&seed);
		while (key[i] == 0 || flow_lookup(&t, key[i]) != NULL);
		f = flow_insert(&t, key[i]);
		ck_assert_ptr_nonnull(f);
		f->start_ms = i;
		f->ct_id = i;
		perm[i] = i;
	}
	ck_assert_uint_eq(t.n, N);
	ck_assert_uint_le(t.n * 10, t.cap * 7);

	/* Fisher-Yates: remove the first half of a random permutation */
	for (i = N - 1; i > 0; i--) {
		j = rnd(&seed) % (i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < N / 2; i++) {
		f = flow_lookup(&t, key[perm[i]]);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->start_ms, perm[i]);
		flow_remove(&t, f);
		gone[perm[i]] = true;
	}
	ck_assert_uint_eq(t.n, N - N / 2);
	for (i = 0; i < N; i++) {
		f = flow_lookup(&t, key[i]);
		if (gone[i]) {
			ck_assert_ptr_null(f);
			continue;
		}
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->key, key[i]);
		ck_assert_uint_eq(f->start_ms, i);
		ck_assert_uint_eq(f->ct_id, (uint32_t)i);
	}
	/* the removed ones can come back */
	for (i = 0; i < N / 2; i++)
		ck_assert_ptr_nonnull(flow_insert(&t, key[perm[i]]));
	ck_assert_uint_eq(t.n, N);
	ck_assert_ptr_null(flow_insert(&t, 1));		/* full */
	for (i = 0; i < N; i++)
		ck_assert_ptr_nonnull(flow_lookup(&t, key[i]));
	flowtab_free(&t);
	free(key);
	free(perm);
	free(gone);
}
END_TEST

START_TEST(test_max)
{
	struct flowtab	 t;
	struct flow	*f;
	uint64_t	 k;

	ck_assert_int_eq(flowtab_init(&t, 4), 0);
	for (k = 1; k <= 4; k++)
		ck_assert_ptr_nonnull(flow_insert(&t, k * 1000003));
	ck_assert_ptr_null(flow_insert(&t, 5 * 1000003));
	ck_assert_uint_eq(t.n, 4);
	ck_assert_ptr_null(flow_lookup(&t, 5 * 1000003));
	/* room again after a removal */
	f = flow_lookup(&t, 2 * 1000003);
	ck_assert_ptr_nonnull(f);
	flow_remove(&t, f);
	ck_assert_ptr_nonnull(flow_insert(&t, 5 * 1000003));
	ck_assert_uint_eq(t.n, 4);
	for (k = 1; k <= 5; k++)
		ck_assert((flow_lookup(&t, k * 1000003) != NULL) == (k != 2));
	flowtab_free(&t);

	ck_assert_int_eq(flowtab_init(&t, 0), 0);
	ck_assert_ptr_null(flow_insert(&t, 1));
	flowtab_free(&t);
}
END_TEST

/* The table grows and keeps the load at or below 1/2: 64 bytes a flow. */
START_TEST(test_growth)
{
	struct flowtab	t;
	uint64_t	seed = 99, k;
	size_t		n;

	ck_assert_uint_eq(sizeof(struct flow), 32);
	ck_assert_int_eq(flowtab_init(&t, 1 << 20), 0);
	for (n = 1; n <= 1 << 17; n++) {
		do
			k = rnd(&seed);
		while (k == 0 || flow_lookup(&t, k) != NULL);
		ck_assert_ptr_nonnull(flow_insert(&t, k));
		ck_assert_uint_eq(t.n, n);
		ck_assert_msg(t.n * 10 <= t.cap * 7, "%zu flows in %zu slots",
		    t.n, t.cap);
		ck_assert_uint_eq(flowtab_bytes(&t),
		    t.cap * sizeof(struct flow));
		/* past the initial 1024 slots: at most 64 bytes a flow */
		if (n > 1024 * 7 / 10)
			ck_assert_msg(flowtab_bytes(&t) <= 64 * n,
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
		    test_key_never_zero, NULL } },
		{ "table", NULL, NULL, {
		    test_insert_lookup, test_remove_wraparound, test_many,
		    test_max, test_growth, NULL } },
	};

	return t_main("flow", tcases, T_N(tcases));
}
