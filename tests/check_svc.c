/*
 * Unit tests for svc.c: the service table (protocol + destination port)
 * and per-service lifetimes.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_get)
{
	struct svctab	 t;
	struct svc	*s;
	uint32_t	 idx, i;

	ck_assert_int_eq(svctab_init(&t, 100), 0);
	s = svctab_get(&t, IPPROTO_TCP, 443, &idx);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(s->proto, IPPROTO_TCP);
	ck_assert_uint_eq(s->port, 443);
	ck_assert_uint_eq(s->flows, 0);
	ck_assert_uint_eq(s->life.n, 0);
	ck_assert_uint_eq(s->max_ms, 0);
	s->flows = 5;

	s = svctab_get(&t, IPPROTO_UDP, 53, &idx);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(idx, 1);
	ck_assert_uint_eq(t.n, 2);

	/* found again, with what it holds */
	i = 99;
	s = svctab_get(&t, IPPROTO_TCP, 443, &i);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(i, 0);
	ck_assert_uint_eq(s->flows, 5);
	ck_assert_ptr_eq(s, &t.v[0]);
	ck_assert_uint_eq(t.n, 2);
	svctab_free(&t);
	ck_assert_ptr_null(t.v);
}
END_TEST

/* The same port over another protocol is another service. */
START_TEST(test_protocols)
{
	static const uint8_t	proto[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, IPPROTO_SCTP,
		IPPROTO_DCCP,
	};
	enum { N = sizeof(proto) / sizeof(proto[0]) };
	struct svctab		 t;
	struct svc		*s;
	uint32_t		 idx;
	size_t			 i;

	ck_assert_int_eq(svctab_init(&t, 100), 0);
	for (i = 0; i < N; i++) {
		s = svctab_get(&t, proto[i], 5060, &idx);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(idx, i);
		ck_assert_uint_eq(s->proto, proto[i]);
		s->flows = i + 1;
	}
	ck_assert_uint_eq(t.n, N);
	/* and another port over the same protocol */
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_TCP, 5061, &idx));
	ck_assert_uint_eq(idx, N);
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_TCP, 0, &idx));
	ck_assert_uint_eq(idx, N + 1);
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_TCP, 65535, &idx));
	ck_assert_uint_eq(idx, N + 2);
	for (i = 0; i < N; i++) {
		s = svctab_get(&t, proto[i], 5060, &idx);
		ck_assert_uint_eq(idx, i);
		ck_assert_uint_eq(s->flows, i + 1);
	}
	ck_assert_uint_eq(t.n, N + 3);
	svctab_free(&t);
}
END_TEST

/* Every TCP port: the table grows and indices stay put. */
START_TEST(test_growth)
{
	struct svctab	 t;
	struct svc	*s;
	uint32_t	 port, idx;

	ck_assert_int_eq(svctab_init(&t, 65536), 0);
	for (port = 0; port < 65536; port++) {
		s = svctab_get(&t, IPPROTO_TCP, port, &idx);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(idx, port);
	}
	for (port = 0; port < 65536; port++) {
		s = svctab_get(&t, IPPROTO_TCP, port, &idx);
		ck_assert_uint_eq(idx, port);
		ck_assert_uint_eq(s->port, port);
	}
	ck_assert_uint_eq(t.n, 65536);
	svctab_free(&t);
}
END_TEST

START_TEST(test_max)
{
	struct svctab	t;
	uint32_t	idx;

	ck_assert_int_eq(svctab_init(&t, 3), 0);
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_TCP, 80, &idx));
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_TCP, 443, &idx));
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_UDP, 443, &idx));
	idx = 77;
	ck_assert_ptr_null(svctab_get(&t, IPPROTO_UDP, 53, &idx));
	ck_assert_uint_eq(idx, 77);
	ck_assert_uint_eq(t.n, 3);
	/* the services it has are still found */
	ck_assert_ptr_nonnull(svctab_get(&t, IPPROTO_UDP, 443, &idx));
	ck_assert_uint_eq(idx, 2);
	svctab_free(&t);

	ck_assert_int_eq(svctab_init(&t, 0), 0);
	ck_assert_ptr_null(svctab_get(&t, IPPROTO_TCP, 80, &idx));
	svctab_free(&t);
}
END_TEST

START_TEST(test_end_flow)
{
	struct svc	s;

	memset(&s, 0, sizeof(s));
	svc_end_flow(&s, 0);
	svc_end_flow(&s, 59999);
	svc_end_flow(&s, 60000);
	svc_end_flow(&s, 179999);
	svc_end_flow(&s, 180000);
	svc_end_flow(&s, 2400000);	/* forty minutes */
	svc_end_flow(&s, 1500);
	ck_assert_uint_eq(s.life.n, 7);
	ck_assert_uint_eq(s.under_1m, 3);	/* 0, 59999, 1500 */
	ck_assert_uint_eq(s.under_3m, 5);	/* and 60000, 179999 */
	ck_assert_uint_eq(s.max_ms, 2400000);
	ck_assert_uint_eq(s.life.min, 0);
	ck_assert_uint_eq(s.life.max, 2400000);
	ck_assert_double_eq_tol((double)lhist_quantile(&s.life, 1.0),
	    2400000.0, 2400000.0 * 0.125);
	/* svc_end_flow does not count flows: the core does at NEW */
	ck_assert_uint_eq(s.flows, 0);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "svc", NULL, NULL, {
		    test_get, test_protocols, test_growth, test_max,
		    test_end_flow, NULL } },
	};

	return t_main("svc", tcases, T_N(tcases));
}
