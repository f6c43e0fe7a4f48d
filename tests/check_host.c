/*
 * Unit tests for host.c: port range family and TCP allocator of a client
 * (DESIGN section 1, ports.md sections 1.1 and 2.1), ports held at once,
 * lifetimes, rates, and the host table.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define CLIENT		0x0a000002U	/* 10.0.0.2 */
#define SERVER(i)	(0xc6120000U + (i))	/* 198.18.x.y */

static struct classify_conf	cc;
static struct host		h;

static void
setup(void)
{
	struct addr	a;

	host_classify_default(&cc);
	addr_from_v4(&a, CLIENT);
	host_init(&h, &a, 0);
}

static uint64_t
rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return hash_mix64(*s);
}

static void
new_flow(uint8_t proto, uint16_t sport, uint32_t dst, uint16_t dport,
    uint64_t now)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = now;
	ev.type = EV_NEW;
	ev.proto = proto;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		ev.flags = EVF_PORTS;
		ev.sport = sport;
		ev.dport = dport;
	}
	addr_from_v4(&ev.src, CLIENT);
	addr_from_v4(&ev.dst, dst);
	addr_from_v4(&ev.nat_addr, 0xc6120001U);
	host_new_flow(&h, &ev, now);
}

static void
connect_tcp(uint16_t sport, uint32_t dst, uint64_t now)
{
	new_flow(IPPROTO_TCP, sport, dst, 443, now);
}

/* A flow with ports ends; life_ms is its active lifetime. */
static void
end_flow(uint64_t life_ms, uint64_t now, bool unreplied)
{
	struct flow	f;

	memset(&f, 0, sizeof(f));
	f.fflags = FF_PORTS;
	host_end_flow(&h, &f, true, life_ms, now, unreplied);
}

static struct host_report
report(void)
{
	struct host_report	r;

	host_report(&h, &cc, &r);
	return r;
}

static void
check_verdict(int allocator, int family)
{
	struct host_report	r = report();

	ck_assert_msg(r.allocator == allocator && r.family == family,
	    "got %s/%s, want %s/%s (f_unit %.3f f_small %.3f "
	    "f_pair_small %.3f even %.3f)", host_allocator_name(r.allocator),
	    host_family_name(r.family), host_allocator_name(allocator),
	    host_family_name(family), r.f_unit, r.f_small, r.f_pair_small,
	    r.even_ratio);
}

/* Windows, macOS: +1 from a global counter, 49152-65535. */
START_TEST(test_sequential_iana)
{
	struct host_report	r;
	int			i;

	for (i = 0; i < 20; i++)
		connect_tcp(50000 + i, SERVER(i % 4), i * 1000);
	check_verdict(AL_SEQUENTIAL, RF_IANA);
	r = report();
	ck_assert_double_eq_tol(r.f_unit, 1.0, 1e-9);
	ck_assert_double_eq_tol(r.f_small, 1.0, 1e-9);
	ck_assert_double_eq_tol(r.even_ratio, 0.5, 1e-9);
	ck_assert_uint_eq(h.port_min, 50000);
	ck_assert_uint_eq(h.port_max, 50019);
	ck_assert_uint_eq(h.tcp_flows, 20);
}
END_TEST

/*
 * Linux >= 5.12: even ports in 32768-60999; successive connects to one
 * destination step +2..+16 within a 10 s key epoch, destinations have
 * unrelated offsets.
 */
START_TEST(test_per_destination_linux)
{
	uint16_t		port[3] = { 33000, 45000, 58000 };
	struct host_report	r;
	int			k;

	for (k = 0; k < 30; k++) {
		port[k % 3] += 2 * (k % 8 + 1);
		connect_tcp(port[k % 3], SERVER(k % 3), 1000 + k * 300);
	}
	check_verdict(AL_PER_DEST, RF_LINUX);
	r = report();
	ck_assert_double_eq_tol(r.even_ratio, 1.0, 1e-9);
	ck_assert_double_eq_tol(r.f_unit, 0.0, 1e-9);
	ck_assert_double_eq_tol(r.f_pair_small, 1.0, 1e-9);
	ck_assert_uint_eq(h.n_pair, 27);
}
END_TEST

/* Ports inside both iana and linux: a per-destination allocator is linux. */
START_TEST(test_per_destination_prefers_linux)
{
	uint16_t	port = 50000;
	int		k;

	for (k = 0; k < 20; k++) {
		port += 2 * (k % 8 + 1);
		connect_tcp(port, SERVER(1), 1000 + k * 500);
	}
	ck_assert_uint_ge(h.port_min, 49152);
	ck_assert_uint_le(h.port_max, 60999);
	check_verdict(AL_PER_DEST, RF_LINUX);
}
END_TEST

/* Connects more than 10 s apart are not same-destination pairs. */
START_TEST(test_pair_window)
{
	struct host_report	r;
	uint16_t		port = 40000;
	int			k;

	for (k = 0; k < 12; k++) {
		port += 2 * (k % 8 + 1);
		connect_tcp(port, SERVER(1), 1000 + k * 10000);
	}
	ck_assert_uint_eq(h.n_pair, 0);
	r = report();
	ck_assert_double_eq_tol(r.f_pair_small, 0.0, 1e-9);

	/* 9999 ms apart: pairs */
	setup();
	port = 40000;
	for (k = 0; k < 12; k++) {
		port += 2 * (k % 8 + 1);
		connect_tcp(port, SERVER(1), 1000 + k * 9999);
	}
	ck_assert_uint_eq(h.n_pair, 11);
	ck_assert_uint_eq(h.n_pair_small, 11);
}
END_TEST

static void
connect_random(uint16_t lo, uint16_t hi, int n, uint64_t seed)
{
	int	i;

	for (i = 0; i < n; i++)
		connect_tcp(lo + rnd(&seed) % ((uint32_t)hi - lo + 1),
		    SERVER(i), 1000 + i * 100);
}

/* FreeBSD: uniform random over 10000-65535. */
START_TEST(test_random_freebsd)
{
	struct host_report	r;

	connect_random(10000, 65535, 200, 7);
	check_verdict(AL_RANDOM, RF_FREEBSD);
	r = report();
	ck_assert(r.f_small <= 0.2);
	ck_assert(r.even_ratio >= 0.3 && r.even_ratio <= 0.7);
	ck_assert_uint_lt(h.port_min, 32768);
	ck_assert_uint_ge(h.port_max, 61000);
}
END_TEST

/* OpenBSD: random over 1024-49151. */
START_TEST(test_random_openbsd)
{
	connect_random(1024, 49151, 200, 8);
	check_verdict(AL_RANDOM, RF_OPENBSD);
	ck_assert_uint_lt(h.port_min, 5001);
	ck_assert_uint_ge(h.port_max, 32768);
}
END_TEST

/* Windows <= XP: sequential in 1025-5000, wrapping to 1025. */
START_TEST(test_sequential_legacy)
{
	int	i, n = 0;

	for (i = 4990; i <= 5000; i++, n++)
		connect_tcp(i, SERVER(n % 5), n * 1000);
	for (i = 1025; i <= 1040; i++, n++)
		connect_tcp(i, SERVER(n % 5), n * 1000);
	check_verdict(AL_SEQUENTIAL, RF_LEGACY);
}
END_TEST

/* One source port to many destinations (a raw-socket scan). */
START_TEST(test_fixed)
{
	int	i;

	for (i = 0; i < 20; i++)
		connect_tcp(40000, SERVER(i), i * 100);
	ck_assert_int_eq(report().allocator, AL_FIXED);

	setup();
	for (i = 0; i < 20; i++)
		connect_tcp(6881, SERVER(i), i * 100);
	ck_assert_int_eq(report().allocator, AL_FIXED);
}
END_TEST

/* Fewer TCP connects than min_samples: no verdict. */
START_TEST(test_too_few)
{
	int	i;

	ck_assert_uint_eq(cc.min_samples, 10);
	check_verdict(AL_UNKNOWN, RF_UNKNOWN);
	for (i = 0; i < 9; i++)
		connect_tcp(50000 + i, SERVER(1), i * 1000);
	check_verdict(AL_UNKNOWN, RF_UNKNOWN);
	connect_tcp(50009, SERVER(1), 9000);
	check_verdict(AL_SEQUENTIAL, RF_IANA);
}
END_TEST

/* Ports that no family's range holds. */
START_TEST(test_custom)
{
	int	i;

	/* below 1024 */
	for (i = 600; i <= 700; i++)
		connect_tcp(i, SERVER(i % 7), i * 10);
	check_verdict(AL_SEQUENTIAL, RF_CUSTOM);

	/* all of 1024-65535: wider than openbsd and freebsd */
	setup();
	connect_random(1024, 65535, 400, 9);
	check_verdict(AL_RANDOM, RF_CUSTOM);

	/* legacy and above 61000 */
	setup();
	for (i = 0; i < 10; i++)
		connect_tcp(2000 + i, SERVER(1), i * 10);
	for (i = 0; i < 10; i++)
		connect_tcp(62000 + i, SERVER(1), 100 + i * 10);
	check_verdict(AL_SEQUENTIAL, RF_CUSTOM);
}
END_TEST

/* 5001-9000 lies in openbsd's 1024-49151, the smallest family holding it. */
START_TEST(test_smallest_family)
{
	int	i;

	for (i = 5001; i <= 9000; i++)
		connect_tcp(i, SERVER(i % 9), i * 10);
	check_verdict(AL_SEQUENTIAL, RF_OPENBSD);

	/* 49152-60999 is in iana, linux and freebsd: iana is smallest */
	setup();
	for (i = 49152; i < 49252; i++)
		connect_tcp(i, SERVER(i % 9), i * 10);
	ck_assert_int_eq(report().family, RF_IANA);
}
END_TEST

/* 1 % of the ports may lie outside the family's range. */
START_TEST(test_family_slack)
{
	int	i, n;

	/* 99 in iana's range, one outlier below 1024 */
	for (i = 0, n = 0; i < 99; i++, n++) {
		if (n == 50)
			connect_tcp(1000, SERVER(1), n++ * 1000);
		connect_tcp(50000 + i, SERVER(1), n * 1000);
	}
	ck_assert_uint_eq(h.tcp_flows, 100);
	check_verdict(AL_SEQUENTIAL, RF_IANA);

	/* 98 and two outliers */
	setup();
	for (i = 0, n = 0; i < 98; i++, n++) {
		if (n == 30 || n == 70)
			connect_tcp(1000, SERVER(1), n++ * 1000);
		connect_tcp(50000 + i, SERVER(1), n * 1000);
	}
	ck_assert_uint_eq(h.tcp_flows, 100);
	check_verdict(AL_SEQUENTIAL, RF_CUSTOM);
}
END_TEST

/*
 * Too little TCP: the family comes from all ports, except other protocols'
 * ports below 1024 (NTP 123, IKE 500), which no allocator hands out.
 */
START_TEST(test_family_from_all_ports)
{
	uint64_t	seed = 3;
	int		i;

	/* UDP from 49152-60999 (iana and linux), NTP from 123 */
	for (i = 0; i < 40; i++)
		new_flow(IPPROTO_UDP, 49152 + rnd(&seed) % 11848, SERVER(i),
		    53, i * 100);
	for (i = 0; i < 5; i++)
		new_flow(IPPROTO_UDP, 123, SERVER(100), 123, 5000 + i * 100);
	ck_assert_uint_eq(h.udp_flows, 45);
	ck_assert_uint_eq(h.tcp_flows, 0);
	check_verdict(AL_UNKNOWN, RF_IANA);

	/* a little TCP in 32768-49151 widens it to linux */
	for (i = 0; i < 3; i++)
		connect_tcp(40000 + 2 * i, SERVER(1), 9000 + i * 100);
	check_verdict(AL_UNKNOWN, RF_LINUX);
}
END_TEST

/* Ports held at once, weighted by time. */
START_TEST(test_concurrency)
{
	struct host_report	r;
	int			i;

	/* 1 port for 90 s, 50 for 10 s, then none */
	connect_tcp(40000, SERVER(1), 0);
	for (i = 1; i < 50; i++)
		connect_tcp(40000 + i, SERVER(2), 90000);
	ck_assert_uint_eq(h.held, 50);
	for (i = 0; i < 50; i++)
		end_flow(1000, 100000, false);
	ck_assert_uint_eq(h.held, 0);
	/* the span ends at the last event, not at the end of the input */
	host_finish(&h, 200000);
	r = report();
	ck_assert_uint_eq(r.conc_p50, 1);
	ck_assert_uint_eq(r.conc_p95, 48);	/* 50 is in [48,56) */
	ck_assert_uint_eq(r.conc_max, 50);
	ck_assert_uint_eq(h.conc.total, 100000);
}
END_TEST

START_TEST(test_concurrency_open_at_end)
{
	struct host_report	r;

	/* 2 ports from 0 to 30 s, 1 from 30 s until the end at 90 s */
	new_flow(IPPROTO_UDP, 40000, SERVER(1), 53, 0);
	new_flow(IPPROTO_UDP, 40001, SERVER(1), 53, 0);
	end_flow(500, 30000, false);
	host_finish(&h, 90000);
	r = report();
	ck_assert_uint_eq(h.conc.total, 90000);
	ck_assert_uint_eq(r.conc_p50, 1);
	ck_assert_uint_eq(r.conc_p95, 2);
	ck_assert_uint_eq(r.conc_max, 2);
}
END_TEST

/* Flows without ports hold no port. */
START_TEST(test_concurrency_portless)
{
	struct flow	f;

	new_flow(IPPROTO_ICMP, 0, SERVER(1), 0, 0);
	new_flow(IPPROTO_GRE, 0, SERVER(2), 0, 10);
	ck_assert_uint_eq(h.held, 0);
	ck_assert_uint_eq(h.held_max, 0);
	ck_assert_uint_eq(h.other_flows, 2);
	ck_assert_uint_eq(h.flows, 2);
	memset(&f, 0, sizeof(f));
	f.fflags = FF_NO_SVC;
	host_end_flow(&h, &f, true, 5000, 20000, true);
	ck_assert_uint_eq(h.ended, 1);
	ck_assert_uint_eq(h.unreplied, 1);
	ck_assert_uint_eq(h.life.n, 0);
	host_finish(&h, 20000);
	ck_assert_uint_eq(report().conc_max, 0);
	ck_assert_uint_eq(report().conc_p95, 0);
}
END_TEST

START_TEST(test_lifetime)
{
	struct host_report	r;
	struct flow		f;
	int			i;

	for (i = 0; i < 10; i++)
		connect_tcp(40000 + 2 * i, SERVER(i), 0);
	/* 4 x 30 s, 3 x 2 min, 3 x 10 min */
	for (i = 0; i < 4; i++)
		end_flow(30000, 700000, false);
	for (i = 0; i < 3; i++)
		end_flow(120000, 700000, false);
	for (i = 0; i < 3; i++)
		end_flow(600000, 700000, false);
	/* an end whose start was not seen is no lifetime */
	memset(&f, 0, sizeof(f));
	f.fflags = FF_PORTS;
	host_end_flow(&h, &f, false, 1, 700000, false);
	ck_assert_uint_eq(h.ended, 11);
	ck_assert_uint_eq(h.life.n, 10);

	r = report();
	ck_assert_double_eq_tol(r.under_1m, 0.4, 1e-9);
	ck_assert_double_eq_tol(r.under_3m, 0.7, 1e-9);
	/* nearest rank, within the histogram's 12.5 % */
	ck_assert_double_eq_tol(r.life_p50, 120.0, 120.0 * 0.125);
	ck_assert_double_eq_tol(r.life_p90, 600.0, 600.0 * 0.125);
	ck_assert_double_eq_tol(r.life_p99, 600.0, 600.0 * 0.125);
}
END_TEST

/* Under 1 and 3 minutes are strict. */
START_TEST(test_lifetime_edges)
{
	struct host_report	r;

	end_flow(59999, 1, false);
	end_flow(60000, 1, false);
	end_flow(179999, 1, false);
	end_flow(180000, 1, false);
	r = report();
	ck_assert_double_eq_tol(r.under_1m, 0.25, 1e-9);
	ck_assert_double_eq_tol(r.under_3m, 0.75, 1e-9);
}
END_TEST

/* New flows, destinations and ports per minute with flows in it. */
START_TEST(test_rates)
{
	struct host_report	r;

	/* minute 0: 6 flows, 3 destinations, 2 destination ports */
	new_flow(IPPROTO_TCP, 40000, SERVER(1), 443, 1000);
	new_flow(IPPROTO_TCP, 40002, SERVER(1), 443, 2000);
	new_flow(IPPROTO_TCP, 40004, SERVER(2), 443, 3000);
	new_flow(IPPROTO_TCP, 40006, SERVER(2), 80, 4000);
	new_flow(IPPROTO_TCP, 40008, SERVER(3), 80, 5000);
	new_flow(IPPROTO_TCP, 40010, SERVER(3), 80, 59999);
	/* minutes 1-4 idle; minute 5: 2 flows, 1 destination, 1 port */
	new_flow(IPPROTO_UDP, 50000, SERVER(4), 53, 300000);
	new_flow(IPPROTO_UDP, 50001, SERVER(4), 53, 301000);
	host_finish(&h, 320000);

	ck_assert_uint_eq(h.minutes, 2);
	r = report();
	ck_assert_double_eq_tol(r.flows_per_min, 4.0, 1e-9);
	ck_assert_double_eq_tol(r.dsts_per_min, 2.0, 1e-9);
	ck_assert_double_eq_tol(r.dports_per_min, 1.5, 1e-9);
	ck_assert_uint_eq(r.flows_per_min_max, 6);
	ck_assert_uint_eq(r.dsts_per_min_max, 3);
	ck_assert_uint_eq(r.dports_per_min_max, 2);
}
END_TEST

START_TEST(test_unreplied)
{
	struct flow	f;

	ck_assert_double_eq_tol(report().unreplied, 0.0, 1e-9);
	end_flow(1000, 1, true);
	end_flow(1000, 1, false);
	end_flow(1000, 1, false);
	memset(&f, 0, sizeof(f));	/* portless */
	host_end_flow(&h, &f, true, 1000, 1, true);
	ck_assert_double_eq_tol(report().unreplied, 0.5, 1e-9);
}
END_TEST

START_TEST(test_hosttab)
{
	struct hosttab	 t;
	struct host	*p;
	struct addr	 a, b;
	uint32_t	 i, idx;

	ck_assert_int_eq(hosttab_init(&t, 100), 0);
	addr_from_v4(&a, CLIENT);
	ck_assert(addr_parse("fd00::2", 7, &b) == 0);
	p = hosttab_get(&t, &a, 5000, &idx);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(idx, 0);
	ck_assert_int_eq(addr_cmp(&p->addr, &a), 0);
	ck_assert_uint_eq(p->first_ms, 5000);
	ck_assert_uint_eq(p->flows, 0);
	p->flows = 3;

	p = hosttab_get(&t, &b, 6000, &idx);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(idx, 1);
	ck_assert_uint_eq(t.n, 2);

	/* found again, not re-created */
	i = 99;
	p = hosttab_get(&t, &a, 7000, &i);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(i, 0);
	ck_assert_uint_eq(p->first_ms, 5000);
	ck_assert_uint_eq(p->flows, 3);
	ck_assert_uint_eq(t.n, 2);
	hosttab_free(&t);
}
END_TEST

/* Indices never change while the table grows. */
START_TEST(test_hosttab_growth)
{
	enum { N = 10000 };
	struct hosttab	 t;
	struct host	*p;
	struct addr	 a;
	uint32_t	 i, idx;

	ck_assert_int_eq(hosttab_init(&t, 65536), 0);
	for (i = 0; i < N; i++) {
		addr_from_v4(&a, 0x0a000000U + i * 7919);
		p = hosttab_get(&t, &a, i, &idx);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(idx, i);
	}
	ck_assert_uint_eq(t.n, N);
	for (i = 0; i < N; i++) {
		addr_from_v4(&a, 0x0a000000U + i * 7919);
		p = hosttab_get(&t, &a, 1000000, &idx);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(idx, i);
		ck_assert_ptr_eq(p, &t.v[i]);
		ck_assert_uint_eq(p->first_ms, i);
		ck_assert_int_eq(addr_cmp(&p->addr, &a), 0);
	}
	ck_assert_uint_eq(t.n, N);
	hosttab_free(&t);
}
END_TEST

START_TEST(test_hosttab_max)
{
	struct hosttab	t;
	struct addr	a;
	uint32_t	i, idx;

	ck_assert_int_eq(hosttab_init(&t, 3), 0);
	for (i = 0; i < 3; i++) {
		addr_from_v4(&a, CLIENT + i);
		ck_assert_ptr_nonnull(hosttab_get(&t, &a, 0, &idx));
	}
	addr_from_v4(&a, CLIENT + 3);
	idx = 77;
	ck_assert_ptr_null(hosttab_get(&t, &a, 0, &idx));
	ck_assert_uint_eq(idx, 77);
	ck_assert_uint_eq(t.n, 3);
	/* the hosts it has are still found */
	addr_from_v4(&a, CLIENT + 1);
	ck_assert_ptr_nonnull(hosttab_get(&t, &a, 0, &idx));
	ck_assert_uint_eq(idx, 1);
	hosttab_free(&t);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "classify", setup, NULL, {
		    test_sequential_iana, test_per_destination_linux,
		    test_per_destination_prefers_linux, test_pair_window,
		    test_random_freebsd, test_random_openbsd,
		    test_sequential_legacy, test_fixed, test_too_few,
		    test_custom, test_smallest_family, test_family_slack,
		    test_family_from_all_ports, NULL } },
		{ "measure", setup, NULL, {
		    test_concurrency, test_concurrency_open_at_end,
		    test_concurrency_portless, test_lifetime,
		    test_lifetime_edges, test_rates, test_unreplied, NULL } },
		{ "table", NULL, NULL, {
		    test_hosttab, test_hosttab_growth, test_hosttab_max,
		    NULL } },
	};

	return t_main("host", tcases, T_N(tcases));
}
