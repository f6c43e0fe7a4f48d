/*
 * Unit tests for core.c: events in, flows, hosts and services out.  Port
 * lifetime is stop - start - timeout(final state), never below 0 (DESIGN
 * section 1, ports.md section 5.3).
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define T0	1795263683000ULL	/* a capture's clock, ms */

static struct core_conf	 conf;
static struct core	*core;

static void
setup(void)
{
	core_conf_default(&conf);
	ck_assert_int_eq(netlist_default_internal(&conf.internal), 0);
	core = NULL;
}

static void
teardown(void)
{
	core_free(core);
	core_conf_free(&conf);
}

static void
start(void)
{
	core = core_new(&conf);
	ck_assert_ptr_nonnull(core);
}

static void
set_addr(struct addr *a, const char *s)
{
	ck_assert_msg(addr_parse(s, strlen(s), a) == 0, "address %s", s);
}

/* TCP from 10.0.0.2:sport to 192.0.2.1:443, source-NATed. */
static struct flow_event
tcp(uint8_t type, uint16_t sport, uint64_t ts)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	ev.type = type;
	ev.proto = IPPROTO_TCP;
	ev.flags = EVF_PORTS | (type == EV_DESTROY ? EVF_ASSURED : 0);
	ev.state = type == EV_NEW ? CTS_SYN_SENT : CTS_TIME_WAIT;
	ev.sport = sport;
	ev.dport = 443;
	ev.nat_port = sport;
	set_addr(&ev.src, "10.0.0.2");
	set_addr(&ev.dst, "192.0.2.1");
	set_addr(&ev.nat_addr, "198.51.100.1");
	return ev;
}

static void
event(const struct flow_event *ev)
{
	core_event(core, ev);
}

static struct svc *
svc_find(uint8_t proto, uint16_t port)
{
	size_t	i;

	for (i = 0; i < core->svcs.n; i++)
		if (core->svcs.v[i].proto == proto &&
		    core->svcs.v[i].port == port)
			return &core->svcs.v[i];
	return NULL;
}

static struct host *
host_find(const char *s)
{
	struct addr	a;
	size_t		i;

	set_addr(&a, s);
	for (i = 0; i < core->hosts.n; i++)
		if (addr_cmp(&core->hosts.v[i].addr, &a) == 0)
			return &core->hosts.v[i];
	return NULL;
}

/* The lifetime the service recorded for its only ended flow. */
static uint64_t
only_life(uint8_t proto, uint16_t port)
{
	struct svc	*s = svc_find(proto, port);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->life.n, 1);
	return s->max_ms;
}

START_TEST(test_conf_default)
{
	ck_assert_uint_eq(conf.internal.n, 5);
	ck_assert_uint_eq(conf.timeouts.tcp[CTS_TIME_WAIT], 120);
	ck_assert_uint_eq(conf.classify.min_samples, 10);
	ck_assert_uint_gt(conf.max_flows, 0);
	ck_assert_uint_gt(conf.max_hosts, 0);
	ck_assert_uint_gt(conf.max_services, 0);
	start();
	ck_assert_uint_eq(core->flows.n, 0);
	ck_assert_uint_eq(core->hosts.n, 0);
	ck_assert_uint_eq(core->svcs.n, 0);
	ck_assert(!core->started);
	core_free(NULL);
}
END_TEST

/* A client is inside the internal networks or was source-NATed. */
START_TEST(test_client_detection)
{
	struct flow_event	ev;

	start();
	ev = tcp(EV_NEW, 40000, T0);
	ck_assert(core_is_client(core, &ev));
	ev.nat_addr = ev.src;			/* routed, not NATed */
	ck_assert(core_is_client(core, &ev));

	/* a public address, source-NATed on the way out */
	set_addr(&ev.src, "203.0.113.5");
	set_addr(&ev.nat_addr, "198.51.100.1");
	ck_assert(core_is_client(core, &ev));
	/* neither: reply goes back to the source */
	ev.nat_addr = ev.src;
	ck_assert(!core_is_client(core, &ev));

	set_addr(&ev.src, "fd00::2");
	set_addr(&ev.dst, "2001:db8::5");
	ev.nat_addr = ev.src;
	ck_assert(core_is_client(core, &ev));
	set_addr(&ev.src, "2001:db8::2");
	ev.nat_addr = ev.src;
	ck_assert(!core_is_client(core, &ev));

	/* a non-client flow is counted and leaves nothing behind */
	event(&ev);
	ck_assert_uint_eq(core->cnt.non_client, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 0);
	ck_assert_uint_eq(core->hosts.n, 0);
	ck_assert_uint_eq(core->svcs.n, 0);
	ck_assert_uint_eq(core->flows.n, 0);
	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	event(&ev);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);

	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ck_assert_uint_eq(core->cnt.client_flows, 1);
	ck_assert_uint_eq(core->hosts.n, 1);
	ck_assert_ptr_nonnull(host_find("10.0.0.2"));
	ck_assert_uint_eq(core->cnt.events, 3);
	ck_assert_uint_eq(core->cnt.new, 2);
	ck_assert_uint_eq(core->cnt.destroy, 1);
}
END_TEST

/* An expired TCP entry: subtract its final state's timeout. */
START_TEST(test_lifetime_tcp)
{
	struct flow_event	ev;
	struct host		*h;

	start();
	/* TIME_WAIT 120 s: 125 s in the table is 5 s of use */
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ck_assert_uint_eq(core->flows.n, 1);
	ev = tcp(EV_DESTROY, 40000, T0 + 125000);
	ev.flags |= EVF_ASSURED;
	event(&ev);
	ck_assert_uint_eq(core->flows.n, 0);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 443), 5000);
	h = host_find("10.0.0.2");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->life.n, 1);
	ck_assert_uint_eq(h->life.max, 5000);
	ck_assert_uint_eq(h->ended, 1);
	ck_assert_uint_eq(h->unreplied, 0);

	/* TIME_WAIT after 60 s: never below 0 */
	ev = tcp(EV_NEW, 40002, T0 + 200000);
	ev.dport = 80;
	event(&ev);
	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	ev.state = CTS_TIME_WAIT;
	ev.ts_ms = T0 + 260000;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 80), 0);
	ck_assert_uint_eq(svc_find(IPPROTO_TCP, 80)->life.c[0], 1);

	/* CLOSE (reset) 10 s */
	ev = tcp(EV_NEW, 40004, T0 + 300000);
	ev.dport = 22;
	event(&ev);
	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	ev.state = CTS_CLOSE;
	ev.ts_ms = T0 + 347000;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 22), 37000);

	/* an unanswered SYN: 120 s in SYN_SENT, no use at all */
	ev = tcp(EV_NEW, 40006, T0 + 400000);
	ev.dport = 25;
	ev.flags |= EVF_UNREPLIED;
	event(&ev);
	ev.type = EV_DESTROY;
	ev.state = CTS_SYN_SENT;
	ev.ts_ms = T0 + 520000;
	event(&ev);
	/* ... is no sample of the service's lifetimes (ports.md 3.4) */
	ck_assert_uint_eq(svc_find(IPPROTO_TCP, 25)->life.n, 0);
	ck_assert_uint_eq(h->unreplied, 1);
	ck_assert_uint_eq(h->ended, 4);
}
END_TEST

START_TEST(test_lifetime_udp)
{
	struct flow_event	ev;

	start();
	ev = tcp(EV_NEW, 50000, T0);
	ev.proto = IPPROTO_UDP;
	ev.state = CTS_NONE;
	ev.dport = 53;
	event(&ev);
	ev.type = EV_DESTROY;
	ev.ts_ms = T0 + 40000;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_UDP, 53), 10000);	/* - 30 s */

	ev.type = EV_NEW;
	ev.dport = 443;
	ev.ts_ms = T0 + 50000;
	event(&ev);
	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	ev.ts_ms = T0 + 250000;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_UDP, 443), 80000);	/* - 120 s */
}
END_TEST

/* Deleted from user space: subtract only the time already spent. */
START_TEST(test_lifetime_userspace)
{
	struct flow_event	ev;

	start();
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ev = tcp(EV_DESTROY, 40000, T0 + 30000);
	ev.flags |= EVF_USERSPACE | EVF_TIMEOUT | EVF_ASSURED;
	ev.timeout_s = 118;			/* 2 s into TIME_WAIT */
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 443), 28000);

	/* without the remaining timeout nothing is subtracted */
	ev = tcp(EV_NEW, 40002, T0 + 40000);
	ev.dport = 80;
	event(&ev);
	ev = tcp(EV_DESTROY, 40002, T0 + 70000);
	ev.dport = 80;
	ev.flags |= EVF_USERSPACE;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 80), 30000);
}
END_TEST

START_TEST(test_orphan_destroy)
{
	struct flow_event	ev;

	start();
	ev = tcp(EV_DESTROY, 40000, T0);
	event(&ev);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 1);
	ck_assert_uint_eq(core->cnt.destroy, 1);
	ck_assert_uint_eq(core->hosts.n, 0);
	ck_assert_uint_eq(core->svcs.n, 0);

	/* a DESTROY of another flow of a known host */
	ev = tcp(EV_NEW, 40000, T0 + 1000);
	event(&ev);
	ev = tcp(EV_DESTROY, 40001, T0 + 2000);
	event(&ev);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 2);
	ck_assert_uint_eq(core->flows.n, 1);
	ck_assert_uint_eq(host_find("10.0.0.2")->ended, 0);

	/* the same flow in another zone is another flow */
	ev = tcp(EV_DESTROY, 40000, T0 + 3000);
	ev.zone = 1;
	event(&ev);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 3);
	ck_assert_uint_eq(core->flows.n, 1);
}
END_TEST

/* A NEW for an open flow: its DESTROY was lost; the new one replaces it. */
START_TEST(test_duplicate_new)
{
	struct flow_event	ev;
	struct host		*h;
	struct svc		*s;

	start();
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ev.ts_ms = T0 + 5000;
	event(&ev);
	ck_assert_uint_eq(core->cnt.duplicate_new, 1);
	ck_assert_uint_eq(core->flows.n, 1);
	h = host_find("10.0.0.2");
	ck_assert_uint_eq(h->flows, 2);
	ck_assert_uint_eq(h->ended, 1);		/* the lost one, unseen end */
	ck_assert_uint_eq(h->life.n, 0);
	ck_assert_uint_eq(h->held, 1);
	s = svc_find(IPPROTO_TCP, 443);
	ck_assert_uint_eq(s->flows, 2);
	ck_assert_uint_eq(s->life.n, 0);

	/* the lifetime counts from the second NEW */
	ev = tcp(EV_DESTROY, 40000, T0 + 5000 + 130000);
	event(&ev);
	ck_assert_uint_eq(core->flows.n, 0);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 443), 10000);
	ck_assert_uint_eq(h->ended, 2);
	ck_assert_uint_eq(h->held, 0);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);
}
END_TEST

/* Time never runs backwards: older events are counted and clamped. */
START_TEST(test_time_backwards)
{
	struct flow_event	ev;

	start();
	ev = tcp(EV_NEW, 40000, T0 + 10000);
	event(&ev);
	ck_assert_uint_eq(core->first_ms, T0 + 10000);
	ev = tcp(EV_NEW, 40002, T0 + 5000);
	ev.dport = 80;
	event(&ev);
	ck_assert_uint_eq(core->cnt.time_backwards, 1);
	ck_assert_uint_eq(core->now_ms, T0 + 10000);
	ck_assert_uint_eq(core->first_ms, T0 + 10000);

	/* the second flow started at the clamped time */
	ev = tcp(EV_DESTROY, 40002, T0 + 10000 + 121000);
	ev.dport = 80;
	event(&ev);
	ck_assert_uint_eq(only_life(IPPROTO_TCP, 80), 1000);
	ck_assert_uint_eq(core->cnt.time_backwards, 1);

	/* the same time again is not backwards */
	ev = tcp(EV_DESTROY, 40000, T0 + 10000 + 121000);
	event(&ev);
	ck_assert_uint_eq(core->cnt.time_backwards, 1);
	ck_assert_uint_eq(core->now_ms, T0 + 131000);
}
END_TEST

/* ICMP has no ports: a client flow, but no port held and no service. */
START_TEST(test_portless)
{
	struct flow_event	ev;
	struct host		*h;

	start();
	ev = tcp(EV_NEW, 0, T0);
	ev.proto = IPPROTO_ICMP;
	ev.flags = EVF_TIMEOUT | EVF_UNREPLIED;
	ev.state = CTS_NONE;
	ev.sport = 7;				/* echo id */
	ev.dport = 8 << 8;			/* echo request */
	ev.nat_port = 0;
	event(&ev);
	ck_assert_uint_eq(core->cnt.portless, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 1);
	ck_assert_uint_eq(core->flows.n, 1);
	ck_assert_uint_eq(core->svcs.n, 0);
	h = host_find("10.0.0.2");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->other_flows, 1);
	ck_assert_uint_eq(h->held, 0);

	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	ev.ts_ms = T0 + 31000;
	event(&ev);
	ck_assert_uint_eq(core->flows.n, 0);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);
	ck_assert_uint_eq(h->ended, 1);
	ck_assert_uint_eq(h->unreplied, 1);
	ck_assert_uint_eq(h->life.n, 0);
	core_finish(core);
	ck_assert_uint_eq(h->held_max, 0);
	ck_assert_uint_eq(chist_quantile(&h->conc, 1.0), 0);
}
END_TEST

START_TEST(test_flows_full)
{
	struct flow_event	ev;
	uint16_t		i;

	conf.max_flows = 4;
	start();
	for (i = 0; i < 5; i++) {
		ev = tcp(EV_NEW, 40000 + i, T0 + i);
		event(&ev);
	}
	ck_assert_uint_eq(core->cnt.flows_full, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 4);
	ck_assert_uint_eq(core->flows.n, 4);
	ck_assert_uint_eq(host_find("10.0.0.2")->flows, 4);

	/* the refused flow's DESTROY is an orphan */
	ev = tcp(EV_DESTROY, 40004, T0 + 10);
	event(&ev);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 1);
	/* room again after a DESTROY */
	ev = tcp(EV_DESTROY, 40000, T0 + 11);
	event(&ev);
	ev = tcp(EV_NEW, 40005, T0 + 12);
	event(&ev);
	ck_assert_uint_eq(core->cnt.flows_full, 1);
	ck_assert_uint_eq(core->flows.n, 4);
}
END_TEST

/*
 * A NEW refused for a full flow table counts only in flows_full: no
 * service counts it and no host is created for it.
 */
START_TEST(test_flows_full_no_trace)
{
	struct flow_event	ev;
	struct host		*h;
	struct svc		*s;
	uint16_t		i;

	conf.max_flows = 4;
	start();
	for (i = 0; i < 5; i++) {
		ev = tcp(EV_NEW, 40000 + i, T0 + i);
		event(&ev);
	}
	/* a new host whose first flow is refused */
	ev = tcp(EV_NEW, 40000, T0 + 10);
	set_addr(&ev.src, "10.0.0.3");
	event(&ev);
	ck_assert_uint_eq(core->cnt.flows_full, 2);
	ck_assert_uint_eq(core->cnt.client_flows, 4);
	s = svc_find(IPPROTO_TCP, 443);
	h = host_find("10.0.0.3");
	ck_assert_msg(s->flows == 4 && h == NULL,
	    "4 flows accepted, 2 refused: service tcp/443 counts %u flows, "
	    "host 10.0.0.3 %s", s->flows, h == NULL ? "absent" :
	    "kept with no flow");
}
END_TEST

START_TEST(test_hosts_full)
{
	struct flow_event	ev;

	conf.max_hosts = 2;
	start();
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	set_addr(&ev.src, "10.0.0.3");
	event(&ev);
	set_addr(&ev.src, "10.0.0.4");
	event(&ev);
	ck_assert_uint_eq(core->cnt.hosts_full, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 2);
	ck_assert_uint_eq(core->hosts.n, 2);
	ck_assert_uint_eq(core->flows.n, 2);
	ck_assert_ptr_null(host_find("10.0.0.4"));
	/* known hosts still get new flows */
	set_addr(&ev.src, "10.0.0.2");
	ev.sport = 40002;
	event(&ev);
	ck_assert_uint_eq(core->cnt.hosts_full, 1);
	ck_assert_uint_eq(core->flows.n, 3);
	ck_assert_uint_eq(host_find("10.0.0.2")->flows, 2);
}
END_TEST

/* A flow whose service does not fit is kept, without a service. */
START_TEST(test_svcs_full)
{
	struct flow_event	ev;

	conf.max_services = 1;
	start();
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ev = tcp(EV_NEW, 40002, T0);
	ev.dport = 80;
	event(&ev);
	ck_assert_uint_eq(core->cnt.svcs_full, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 2);
	ck_assert_uint_eq(core->flows.n, 2);
	ck_assert_uint_eq(core->svcs.n, 1);

	/* its end is measured for the host, not for another service */
	ev.type = EV_DESTROY;
	ev.flags |= EVF_ASSURED;
	ev.state = CTS_TIME_WAIT;
	ev.ts_ms = T0 + 130000;
	event(&ev);
	ck_assert_uint_eq(svc_find(IPPROTO_TCP, 443)->life.n, 0);
	ck_assert_uint_eq(host_find("10.0.0.2")->life.n, 1);
	ck_assert_uint_eq(host_find("10.0.0.2")->life.max, 10000);
}
END_TEST

START_TEST(test_finish_idempotent)
{
	struct flow_event	ev;
	struct host		*h;
	uint64_t		total;
	uint32_t		minutes;

	start();
	ev = tcp(EV_NEW, 40000, T0);
	event(&ev);
	ev = tcp(EV_NEW, 40002, T0 + 30000);
	event(&ev);
	core_finish(core);
	ck_assert(core->finished);
	h = host_find("10.0.0.2");
	total = h->conc.total;
	minutes = h->minutes;
	ck_assert_uint_eq(total, 30000);	/* held since the first flow */
	ck_assert_uint_ge(minutes, 1);
	core_finish(core);
	ck_assert_uint_eq(h->conc.total, total);
	ck_assert_uint_eq(h->minutes, minutes);

	/* finishing an empty core is harmless too */
	core_free(core);
	start();
	core_finish(core);
	core_finish(core);
	ck_assert_uint_eq(core->hosts.n, 0);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "core", setup, teardown, {
		    test_conf_default, test_client_detection,
		    test_lifetime_tcp, test_lifetime_udp,
		    test_lifetime_userspace, test_orphan_destroy,
		    test_duplicate_new, test_time_backwards, test_portless,
		    test_flows_full, test_flows_full_no_trace, test_hosts_full,
		    test_svcs_full, test_finish_idempotent, NULL } },
	};

	return t_main("core", tcases, T_N(tcases));
}
