/*
 * Unit tests for sample.c: a host's recent flows as points (time, port,
 * protocol, outcome) and the ports it held over time, what the HTML
 * report draws.  Times must come back as they went in (exact for steps
 * under 128 ms, within 1 % of the step beyond), outcomes must reach the
 * flow's own point and no other, and the held series must cover the
 * host's whole life in SAMPLE_HELD buckets.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define T0	1795263683000ULL	/* a capture's clock, ms */
#define CLIENT	0x0a000002U		/* 10.0.0.2 */
#define SERVER	0xc6120001U		/* 198.18.0.1 */

static struct sample	s;

static void
setup(void)
{
	memset(&s, 0, sizeof(s));
}

/* A flow as the core keeps it, with its point's number. */
static struct flow
add(uint8_t proto, uint16_t sport, uint64_t ts)
{
	struct flow_event	ev = t_ev(EV_NEW, proto, CLIENT, sport, SERVER,
				    443, 0, ts);
	struct flow		f;

	memset(&f, 0, sizeof(f));
	f.sport = sport;
	f.proto = proto;
	f.start_ms = ts;
	f.sample = sample_add(&s, &ev, ts);
	return f;
}

START_TEST(test_points_in_order)
{
	struct sample_point	p[SAMPLE_POINTS];
	size_t			n;

	add(IPPROTO_TCP, 50000, T0);
	add(IPPROTO_UDP, 40000, T0 + 5);
	add(IPPROTO_SCTP, 30000, T0 + 5);
	add(IPPROTO_UDPLITE, 20000, T0 + 132);
	n = sample_points(&s, p);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(p[0].ts_ms, T0);
	ck_assert_uint_eq(p[0].port, 50000);
	ck_assert_uint_eq(p[0].proto, SP_TCP);
	ck_assert_uint_eq(p[0].outcome, SO_OPEN);
	ck_assert_uint_eq(p[1].ts_ms, T0 + 5);
	ck_assert_uint_eq(p[1].proto, SP_UDP);
	ck_assert_uint_eq(p[2].ts_ms, T0 + 5);
	ck_assert_uint_eq(p[2].proto, SP_OTHER);
	ck_assert_uint_eq(p[3].ts_ms, T0 + 132);	/* 127 exact */
	ck_assert_uint_eq(p[3].proto, SP_UDP);
	ck_assert_uint_eq(p[3].port, 20000);
}
END_TEST

/* The last SAMPLE_POINTS flows are kept, the older given up. */
START_TEST(test_ring)
{
	struct sample_point	p[SAMPLE_POINTS];
	size_t			i, n;

	for (i = 0; i < 3 * SAMPLE_POINTS + 5; i++)
		add(IPPROTO_TCP, (uint16_t)(1000 + i), T0 + 100 * i);
	n = sample_points(&s, p);
	ck_assert_uint_eq(n, SAMPLE_POINTS);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(p[i].port, 1000 + 2 * SAMPLE_POINTS + 5 + i);
		ck_assert_uint_eq(p[i].ts_ms, T0 + 100 * (2 * SAMPLE_POINTS +
		    5 + i));
	}
}
END_TEST

/*
 * Steps from a millisecond to years: each point's time within 1 % of its
 * step (plus a millisecond), and the error of one never carried into the
 * next: the newest point's time is as close as any.
 */
START_TEST(test_step_coding)
{
	struct sample_point	p[SAMPLE_POINTS];
	uint64_t		t[SAMPLE_POINTS], gap[SAMPLE_POINTS];
	uint64_t		now = T0, seed = 7;
	size_t			i, n;

	for (i = 0; i < SAMPLE_POINTS; i++) {
		seed = hash_mix64(seed + i);
		/* 0 ms to about 9 days, spread over the powers of two */
		gap[i] = i == 0 ? 0 : (seed >> 20) % (2ULL << (i % 30));
		now += gap[i];
		t[i] = now;
		add(IPPROTO_TCP, (uint16_t)i, now);
	}
	n = sample_points(&s, p);
	ck_assert_uint_eq(n, SAMPLE_POINTS);
	for (i = 0; i < n; i++) {
		uint64_t d = t[i] > p[i].ts_ms ? t[i] - p[i].ts_ms :
		    p[i].ts_ms - t[i];

		ck_assert_msg(d <= gap[i] / 100 + 1 || (i > 0 &&
		    d <= gap[i] / 100 + gap[i - 1] / 100 + 1),
		    "point %zu: %llu ms off after a step of %llu ms", i,
		    (unsigned long long)d, (unsigned long long)gap[i]);
	}
	/* a step longer than the code holds is cut short, not wrapped */
	add(IPPROTO_TCP, 1, now + (1ULL << 50));
	n = sample_points(&s, p);
	ck_assert_uint_gt(p[n - 1].ts_ms, p[n - 2].ts_ms + (1ULL << 37));
	ck_assert_uint_le(p[n - 1].ts_ms, now + (1ULL << 50));
}
END_TEST

START_TEST(test_outcomes)
{
	struct sample_point	p[SAMPLE_POINTS];
	struct flow		a, b, c, d, e;

	a = add(IPPROTO_TCP, 50000, T0);
	b = add(IPPROTO_TCP, 50001, T0 + 1);
	c = add(IPPROTO_UDP, 50002, T0 + 2);
	d = add(IPPROTO_TCP, 50003, T0 + 3);
	e = add(IPPROTO_TCP, 50004, T0 + 4);
	sample_end(&s, &b, SO_REFUSED);
	sample_end(&s, &a, SO_ANSWERED);
	sample_end(&s, &c, SO_UNANSWERED);
	sample_end(&s, &d, SO_GONE);
	sample_end(&s, &d, SO_ANSWERED);	/* ended once only */
	ck_assert_uint_eq(sample_points(&s, p), 5);
	ck_assert_uint_eq(p[0].outcome, SO_ANSWERED);
	ck_assert_uint_eq(p[1].outcome, SO_REFUSED);
	ck_assert_uint_eq(p[2].outcome, SO_UNANSWERED);
	ck_assert_uint_eq(p[2].proto, SP_UDP);
	ck_assert_uint_eq(p[3].outcome, SO_GONE);
	ck_assert_uint_eq(p[4].outcome, SO_OPEN);
	/* a flow of another port or protocol does not take the point */
	e.sport++;
	sample_end(&s, &e, SO_ANSWERED);
	e.sport--;
	e.proto = IPPROTO_UDP;
	sample_end(&s, &e, SO_ANSWERED);
	ck_assert_uint_eq(sample_points(&s, p), 5);
	ck_assert_uint_eq(p[4].outcome, SO_OPEN);
	/* nor a flow without a point */
	e.proto = IPPROTO_TCP;
	e.sample = 0;
	sample_end(&s, &e, SO_ANSWERED);
	sample_points(&s, p);
	ck_assert_uint_eq(p[4].outcome, SO_OPEN);
}
END_TEST

/*
 * A flow whose point was given up ends without touching the point now in
 * its slot, even one of the same port; across the counter's wrap too.
 */
START_TEST(test_outcome_given_up)
{
	struct sample_point	p[SAMPLE_POINTS];
	struct flow		old, young;
	size_t			i;

	s.seq = 65535 - 3;	/* the counter wraps while it is kept */
	old = add(IPPROTO_TCP, 40000, T0);
	for (i = 1; i < SAMPLE_POINTS; i++)
		add(IPPROTO_TCP, (uint16_t)(41000 + i), T0 + i);
	young = add(IPPROTO_TCP, 40000, T0 + 100);	/* old's slot */
	sample_end(&s, &old, SO_ANSWERED);
	sample_points(&s, p);
	for (i = 0; i < SAMPLE_POINTS; i++)
		ck_assert_uint_eq(p[i].outcome, SO_OPEN);
	sample_end(&s, &young, SO_UNANSWERED);
	sample_points(&s, p);
	ck_assert_uint_eq(p[SAMPLE_POINTS - 1].outcome, SO_UNANSWERED);
	/* the oldest kept point */
	old = add(IPPROTO_TCP, 42000, T0 + 200);
	for (i = 1; i < SAMPLE_POINTS; i++)
		add(IPPROTO_TCP, (uint16_t)(43000 + i), T0 + 200 + i);
	sample_end(&s, &old, SO_REFUSED);
	sample_points(&s, p);
	ck_assert_uint_eq(p[0].port, 42000);
	ck_assert_uint_eq(p[0].outcome, SO_REFUSED);
	/* numbered just before the wrap, ended just after it */
	s.seq = 65534;
	old = add(IPPROTO_TCP, 44000, T0 + 300);
	ck_assert_uint_eq(old.sample, 65535);
	young = add(IPPROTO_TCP, 44001, T0 + 301);
	ck_assert_uint_eq(young.sample, 1);
	add(IPPROTO_TCP, 44002, T0 + 302);
	sample_end(&s, &old, SO_ANSWERED);
	sample_points(&s, p);
	ck_assert_uint_eq(p[SAMPLE_POINTS - 3].port, 44000);
	ck_assert_uint_eq(p[SAMPLE_POINTS - 3].outcome, SO_ANSWERED);
	ck_assert_uint_eq(p[SAMPLE_POINTS - 2].outcome, SO_OPEN);
}
END_TEST

/*
 * An alert pins the last points: flows after it do not push them out,
 * they end with their outcome, and those still among the recent points
 * are not given twice.
 */
START_TEST(test_pin)
{
	struct sample_point	p[SAMPLE_POINTS], q[SAMPLE_PINNED];
	struct flow		f[20];
	size_t			i, n;

	ck_assert_uint_eq(sample_pinned(&s, q), 0);
	sample_pin(&s);				/* nothing yet */
	ck_assert_uint_eq(sample_pinned(&s, q), 0);
	for (i = 0; i < 20; i++)
		f[i] = add(IPPROTO_TCP, (uint16_t)(40000 + i), T0 + 10 * i);
	sample_pin(&s);				/* flows 4..19 */
	ck_assert_uint_eq(sample_pinned(&s, q), 0);	/* all recent */
	for (i = 0; i < SAMPLE_POINTS - 8; i++)	/* 4..11 pushed out */
		add(IPPROTO_UDP, (uint16_t)(50000 + i), T0 + 1000 + i);
	n = sample_pinned(&s, q);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(q[i].port, 40004 + i);
		ck_assert_uint_eq(q[i].ts_ms, T0 + 10 * (4 + i));
		ck_assert_uint_eq(q[i].proto, SP_TCP);
		ck_assert_uint_eq(q[i].outcome, SO_OPEN);
	}
	ck_assert_uint_eq(sample_points(&s, p), SAMPLE_POINTS);
	ck_assert_uint_eq(p[0].port, 40012);
	for (i = 0; i < 3 * SAMPLE_POINTS; i++)
		add(IPPROTO_UDP, (uint16_t)(51000 + i), T0 + 5000 + i);
	f[5].proto = IPPROTO_TCP;
	sample_end(&s, &f[5], SO_UNANSWERED);
	sample_end(&s, &f[2], SO_ANSWERED);	/* not pinned: nothing */
	n = sample_pinned(&s, q);
	ck_assert_uint_eq(n, SAMPLE_PINNED);
	ck_assert_uint_eq(q[0].port, 40004);
	ck_assert_uint_eq(q[0].ts_ms, T0 + 40);
	ck_assert_uint_eq(q[1].outcome, SO_UNANSWERED);
	ck_assert_uint_eq(q[15].port, 40019);
	ck_assert_uint_eq(q[15].ts_ms, T0 + 190);
	/* the next alert pins again */
	sample_pin(&s);
	ck_assert_uint_eq(sample_pinned(&s, q), 0);
}
END_TEST

/* Buckets of 65.5 s, the most held in each; a quiet bucket keeps the level. */
START_TEST(test_held)
{
	uint16_t	v[SAMPLE_HELD];
	uint64_t	w;
	size_t		n;

	sample_held(&s, T0, 0, 1, T0);
	sample_held(&s, T0, 1, 2, T0 + 1000);
	sample_held(&s, T0, 2, 1, T0 + 2000);
	/* nothing changes for three buckets, then it drops to 0 */
	sample_held(&s, T0, 1, 0, T0 + 4 * 65536 + 10);
	n = sample_held_series(&s, T0, 0, T0 + 6 * 65536, v, &w);
	ck_assert_uint_eq(w, 65536);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(v[0], 2);
	ck_assert_uint_eq(v[1], 1);
	ck_assert_uint_eq(v[2], 1);
	ck_assert_uint_eq(v[3], 1);
	ck_assert_uint_eq(v[4], 1);	/* held 1 until it dropped */
	ck_assert_uint_eq(v[5], 0);
	ck_assert_uint_eq(v[6], 0);
	/* the report's series does not change the sample */
	ck_assert_uint_eq(s.held_n, 5);
}
END_TEST

/* The series always covers the host's life: wider buckets, maxima kept. */
START_TEST(test_held_doubles)
{
	uint16_t	v[SAMPLE_HELD];
	uint64_t	w, t;
	uint32_t	level = 0;
	size_t		i, n;

	/* one bucket in ten reaches 100; the others hold 5 */
	for (i = 0; i < 100; i++) {
		t = T0 + i * 65536 + 100;
		sample_held(&s, T0, level, i % 10 == 3 ? 100 : 5, t);
		level = i % 10 == 3 ? 100 : 5;
		sample_held(&s, T0, level, 5, t + 50);
		level = 5;
	}
	n = sample_held_series(&s, T0, 5, T0 + 100 * 65536, v, &w);
	ck_assert_uint_eq(w, 8 * 65536);	/* 101 buckets in 24: x8 */
	ck_assert_uint_eq(n, 100 / 8 + 1);
	for (i = 0; i < n; i++) {
		/* a wide bucket has one of the peaks in it */
		bool peak = false;
		size_t k;

		for (k = i * 8; k < i * 8 + 8 && k < 100; k++)
			peak |= k % 10 == 3;
		ck_assert_uint_eq(v[i], peak ? 100 : 5);
	}
	/* huge counts are held at the top, not wrapped */
	sample_held(&s, T0, 5, 70000, T0 + 100 * 65536 + 1);
	n = sample_held_series(&s, T0, 70000, T0 + 100 * 65536 + 2, v, &w);
	ck_assert_uint_eq(v[n - 1], UINT16_MAX);
}
END_TEST

/*
 * Through the core: a host's points with the outcome of each flow's end,
 * answered (established), refused (replied, never established), no
 * reply, and gone (a NEW for a flow whose DESTROY was lost); a flow
 * without ports has no point.  And the whole sample fits a host's budget.
 */
START_TEST(test_core)
{
	struct core_conf	 conf;
	struct core		*c;
	struct flow_event	 ev;
	struct sample_point	 p[SAMPLE_POINTS];
	struct host		*h;
	struct addr		 a;
	uint32_t		 hi;
	size_t			 n;

	core_conf_default(&conf);
	ck_assert_int_eq(netlist_default_internal(&conf.internal), 0);
	ck_assert_ptr_nonnull(c = core_new(&conf));
	ev = t_ev(EV_NEW, IPPROTO_TCP, CLIENT, 50000, SERVER, 443, 0, T0);
	core_event(c, &ev);
	ev = t_ev(EV_NEW, IPPROTO_TCP, CLIENT, 50001, SERVER, 443, 0, T0 + 10);
	core_event(c, &ev);
	ev = t_ev(EV_NEW, IPPROTO_UDP, CLIENT, 50002, SERVER, 53, 0, T0 + 20);
	core_event(c, &ev);
	ev = t_ev(EV_NEW, IPPROTO_TCP, CLIENT, 50003, SERVER, 443, 0, T0 + 30);
	core_event(c, &ev);
	ev = t_ev(EV_NEW, IPPROTO_ICMP, CLIENT, 0, SERVER, 0, 0, T0 + 35);
	ev.flags &= ~EVF_PORTS;
	core_event(c, &ev);
	ev = t_ev(EV_DESTROY, IPPROTO_TCP, CLIENT, 50000, SERVER, 443,
	    EVF_ASSURED, T0 + 40);
	core_event(c, &ev);
	ev = t_ev(EV_DESTROY, IPPROTO_TCP, CLIENT, 50001, SERVER, 443, 0,
	    T0 + 50);
	core_event(c, &ev);
	ev = t_ev(EV_DESTROY, IPPROTO_UDP, CLIENT, 50002, SERVER, 53,
	    EVF_UNREPLIED, T0 + 60);
	core_event(c, &ev);
	/* the same tuple again: the first's DESTROY was lost */
	ev = t_ev(EV_NEW, IPPROTO_TCP, CLIENT, 50003, SERVER, 443, 0, T0 + 70);
	core_event(c, &ev);

	addr_from_v4(&a, CLIENT);
	ck_assert_ptr_nonnull(h = hosttab_find(&c->hosts, &a, &hi));
	n = sample_points(&h->sample, p);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(p[0].outcome, SO_ANSWERED);
	ck_assert_uint_eq(p[1].outcome, SO_REFUSED);
	ck_assert_uint_eq(p[2].outcome, SO_UNANSWERED);
	ck_assert_uint_eq(p[3].outcome, SO_GONE);
	ck_assert_uint_eq(p[4].outcome, SO_OPEN);
	ck_assert_uint_eq(p[4].ts_ms, T0 + 70);
	ck_assert_uint_eq(p[4].port, 50003);
	core_free(c);
	core_conf_free(&conf);

	ck_assert_uint_le(sizeof(struct sample), 320);
	ck_assert_uint_le(sizeof(struct host) + sizeof(struct hdet), 4096);
}
END_TEST

int
main(void)
{
	const struct t_tcase tcases[] = {
		{ "points", setup, NULL, {
		    test_points_in_order, test_ring, test_step_coding,
		    test_outcomes, test_outcome_given_up, test_pin, NULL } },
		{ "held", setup, NULL, {
		    test_held, test_held_doubles, NULL } },
		{ "core", NULL, NULL, { test_core, NULL } },
	};

	return t_main("sample", tcases, T_N(tcases));
}
