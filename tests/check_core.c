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

/* A flow of src (any family) from sport to dport at ts. */
static struct flow_event
from(const char *src, uint8_t type, uint16_t sport, uint16_t dport,
    uint64_t ts)
{
	struct flow_event	ev = tcp(type, sport, ts);

	set_addr(&ev.src, src);
	ev.dport = dport;
	if (!addr_is_v4(&ev.src)) {
		set_addr(&ev.dst, "2001:db8:99::1");
		ev.nat_addr = ev.src;	/* IPv6 is routed, not NATed */
	}
	return ev;
}

static void
flow_new(const char *src, uint16_t sport, uint64_t ts)
{
	struct flow_event	ev = from(src, EV_NEW, sport, 443, ts);

	event(&ev);
}

static void
flow_end(const char *src, uint16_t sport, uint64_t ts)
{
	struct flow_event	ev = from(src, EV_DESTROY, sport, 443, ts);

	event(&ev);
}

/* A flow that came and went: its host idle since ts_end. */
static void
flow_past(const char *src, uint16_t sport, uint64_t ts_new, uint64_t ts_end)
{
	flow_new(src, sport, ts_new);
	flow_end(src, sport, ts_end);
}

static uint32_t	evicted_host[64], evicted_svc[64];
static size_t	nevicted_host, nevicted_svc;

static void
on_evict(void *arg, enum core_table t, uint32_t i)
{
	(void)arg;
	if (t == CORE_T_HOSTS && nevicted_host < 64)
		evicted_host[nevicted_host++] = i;
	if (t == CORE_T_SERVICES && nevicted_svc < 64)
		evicted_svc[nevicted_svc++] = i;
}

static void
start_evict(void)
{
	start();
	nevicted_host = nevicted_svc = 0;
	core->obs_evict = on_evict;
}

/*
 * A full host table makes room: the idle host without a flow goes (the
 * detectors hear of it), the one that holds a flow stays, and the slot
 * serves the new host.
 */
START_TEST(test_hosts_evict_idle)
{
	struct host	*h;

	conf.max_hosts = 2;
	start_evict();
	flow_past("10.0.0.2", 40000, T0, T0 + 1000);
	flow_new("10.0.0.3", 40000, T0 + 2000);	/* held: alive */
	flow_new("10.0.0.4", 40000, T0 + 700000);
	ck_assert_uint_eq(core->cnt.hosts_full, 0);
	ck_assert_uint_eq(core->cnt.hosts_evicted, 1);
	ck_assert_uint_eq(nevicted_host, 1);
	ck_assert_ptr_null(host_find("10.0.0.2"));
	ck_assert_ptr_nonnull(host_find("10.0.0.3"));
	h = host_find("10.0.0.4");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h - core->hosts.v, evicted_host[0]);
	ck_assert_uint_eq(h->flows, 1);
	ck_assert_uint_eq(core->hosts.n, 2);

	/* the evicted address comes back: it is a new host, in a new slot */
	flow_end("10.0.0.4", 40000, T0 + 701000);
	flow_new("10.0.0.2", 40002, T0 + 1400000);
	ck_assert_uint_eq(core->cnt.hosts_evicted, 2);
	ck_assert_uint_eq(host_find("10.0.0.2")->flows, 1);
	ck_assert_ptr_null(host_find("10.0.0.4"));
}
END_TEST

/*
 * Among idle hosts, one without a learned baseline goes first, even when
 * the learned one was idle longer; then an idle learned one, then a busy
 * unlearned one; a learned busy host stays and the new one is refused.
 */
START_TEST(test_hosts_evict_order)
{
	conf.max_hosts = 2;
	start_evict();
	flow_past("10.0.0.2", 40000, T0, T0 + 1000);
	host_find("10.0.0.2")->hflags |= HF_LEARNED;
	flow_past("10.0.0.3", 40000, T0 + 2000, T0 + 3000);
	flow_new("10.0.0.4", 40000, T0 + 900000);
	ck_assert_ptr_nonnull(host_find("10.0.0.2"));
	ck_assert_ptr_null(host_find("10.0.0.3"));
	flow_end("10.0.0.4", 40000, T0 + 901000);

	/* .2 is idle and learned: it goes before .4, busy (idle 1 s) */
	flow_new("10.0.0.5", 40000, T0 + 902000);
	ck_assert_ptr_null(host_find("10.0.0.2"));
	ck_assert_ptr_nonnull(host_find("10.0.0.4"));
	flow_end("10.0.0.5", 40000, T0 + 903000);
	host_find("10.0.0.5")->hflags |= HF_LEARNED;

	/* none idle: .4, unlearned, goes before .5, learned */
	flow_new("10.0.0.6", 40000, T0 + 904000);
	ck_assert_ptr_null(host_find("10.0.0.4"));
	ck_assert_ptr_nonnull(host_find("10.0.0.5"));
	/* .5 learned and busy, .6 holds a flow: .7 is refused */
	flow_new("10.0.0.7", 40000, T0 + 905000);
	ck_assert_uint_eq(core->cnt.hosts_full, 1);
	ck_assert_ptr_null(host_find("10.0.0.7"));
	ck_assert_uint_eq(core->cnt.hosts_evicted, 3);
}
END_TEST

/*
 * A /64's addresses: the first per_prefix are hosts of their own, later
 * ones share the /64's host (HF_PREFIX); the earlier addresses keep
 * theirs.  A /64 that loses every host is counted by address again.
 */
START_TEST(test_prefix_aggregate)
{
	char		a[64], fmt[HOST_STRLEN];
	struct host	*h;
	int		i;

	conf.per_prefix = 4;
	conf.max_hosts = 16;
	start_evict();
	for (i = 1; i <= 10; i++) {
		snprintf(a, sizeof(a), "fd00:1:2:3::%x", i);
		flow_new(a, 40000, T0 + (uint64_t)i);
	}
	ck_assert_uint_eq(core->hosts.n, 5);
	ck_assert_uint_eq(core->cnt.aggregated, 6);
	h = host_find("fd00:1:2:3::");
	ck_assert_ptr_nonnull(h);
	ck_assert(h->hflags & HF_PREFIX);
	ck_assert_uint_eq(h->flows, 6);
	host_fmt(h, fmt, sizeof(fmt));
	ck_assert_str_eq(fmt, "fd00:1:2:3::/64");
	flow_new("fd00:1:2:3::2", 40002, T0 + 20);	/* keeps its host */
	ck_assert_uint_eq(host_find("fd00:1:2:3::2")->flows, 2);
	ck_assert_uint_eq(core->cnt.aggregated, 6);

	/* another /64 is counted apart, and IPv4 never */
	flow_new("fd00:1:2:4::1", 40000, T0 + 30);
	ck_assert_ptr_nonnull(host_find("fd00:1:2:4::1"));
	ck_assert_uint_eq(core->cnt.aggregated, 6);

	/* every host of the /64 evicted: its addresses count apart again */
	conf.max_hosts = 6;
	core_free(core);
	start_evict();
	for (i = 1; i <= 5; i++) {
		snprintf(a, sizeof(a), "fd00:1:2:3::%x", i);
		flow_past(a, 40000, T0 + (uint64_t)i, T0 + 10 + (uint64_t)i);
	}
	ck_assert_ptr_nonnull(host_find("fd00:1:2:3::"));
	for (i = 1; i <= 6; i++) {
		snprintf(a, sizeof(a), "10.0.1.%d", i);
		flow_new(a, 40000, T0 + 700000 + (uint64_t)i);
	}
	ck_assert_uint_eq(core->cnt.hosts_evicted, 5);
	ck_assert_ptr_null(host_find("fd00:1:2:3::"));
	flow_new("10.0.1.1", 40002, T0 + 700100);
	flow_end("10.0.1.1", 40000, T0 + 1400000);
	flow_end("10.0.1.1", 40002, T0 + 1400000);
	flow_new("fd00:1:2:3::9", 40000, T0 + 1400001);
	ck_assert_ptr_nonnull(host_find("fd00:1:2:3::9"));
	ck_assert(!(host_find("fd00:1:2:3::9")->hflags & HF_PREFIX));
}
END_TEST

/* 0 per prefix: a /64 is one host from its first address. */
START_TEST(test_prefix_zero)
{
	conf.per_prefix = 0;
	start();
	flow_new("fd00:1:2:3::1", 40000, T0);
	flow_new("fd00:1:2:3::2", 40000, T0 + 1);
	ck_assert_uint_eq(core->hosts.n, 1);
	ck_assert_ptr_nonnull(host_find("fd00:1:2:3::"));
	ck_assert_uint_eq(core->cnt.aggregated, 2);
}
END_TEST

/*
 * A flood of addresses over many /64s, with eviction all along: the /64
 * counts stay those of the host table (checked against a recount).
 */
START_TEST(test_prefix_churn)
{
	char		a[64];
	uint32_t	x = 12345;
	size_t		i, j, k, n;
	uint64_t	ts = T0;

	conf.per_prefix = 3;
	conf.max_hosts = 64;
	conf.host_idle_s = 1;
	start();
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		snprintf(a, sizeof(a), "fd00:0:0:%x::%x", (x >> 8) % 50,
		    (x >> 16) % 7 + 1);
		ts += 700;
		flow_past(a, 40000, ts, ts + 1);
	}
	ck_assert_uint_gt(core->cnt.hosts_evicted, 1000);
	ck_assert_uint_eq(core->cnt.hosts_full, 0);
	for (k = 0; k < core->p64_cap; k++) {
		const struct core_p64 *e = &core->p64[k];
		bool has = false;

		if (e->prefix == 0)
			continue;
		for (n = 0, j = 0; j < core->hosts.n; j++) {
			const struct host *h = &core->hosts.v[j];

			if (memcmp(h->addr.b, &e->prefix, 8) != 0)
				continue;
			if (h->hflags & HF_PREFIX)
				has = true;
			else
				n++;
		}
		ck_assert_uint_eq(e->hosts, n);
		ck_assert_int_eq(e->has_host, has);
		ck_assert(n > 0 || has);
	}
}
END_TEST

/*
 * A scan fills the service table with services of one flow each; the
 * service a flow then opens still gets a slot, a busy known service is
 * kept, and one that holds a flow is never evicted.
 */
START_TEST(test_svcs_evict)
{
	struct flow_event	ev;
	uint16_t		p;
	int			i;

	conf.max_services = 16;
	start_evict();
	for (i = 0; i < 10; i++) {	/* tcp/443 known: 10 flows */
		flow_past("10.0.0.2", (uint16_t)(40000 + i), T0 + i,
		    T0 + 1000 + i);
	}
	ev = from("10.0.0.2", EV_NEW, 50000, 22, T0 + 2000);	/* held */
	event(&ev);
	for (p = 1; p <= 200; p++) {
		ev = from("10.0.0.9", EV_NEW, 45000, p, T0 + 3000 + p);
		event(&ev);
		ev.type = EV_DESTROY;
		ev.ts_ms += 1;
		event(&ev);
	}
	ck_assert_uint_eq(core->svcs.n, 16);
	ck_assert_uint_gt(core->cnt.svcs_evicted, 150);
	ck_assert_uint_eq(core->cnt.svcs_full, 0);
	ck_assert_uint_eq(nevicted_svc, 64);
	ck_assert_ptr_nonnull(svc_find(IPPROTO_TCP, 443));
	ck_assert_ptr_nonnull(svc_find(IPPROTO_TCP, 22));
	ev = from("10.0.0.2", EV_NEW, 50001, 31337, T0 + 9000);
	event(&ev);
	ck_assert_ptr_nonnull(svc_find(IPPROTO_TCP, 31337));
	ck_assert_uint_eq(svc_find(IPPROTO_TCP, 31337)->open, 1);
	ck_assert_uint_eq(svc_find(IPPROTO_TCP, 22)->open, 1);
}
END_TEST

/*
 * One device's addresses: an alias counts an IPv6 address's flows in the
 * device's host; the device's host evicted, the alias is void.
 */
START_TEST(test_alias)
{
	struct addr	a, v[4];
	uint32_t	hi;
	struct host	*d;

	conf.max_hosts = 2;
	start();
	flow_new("fd00:1:2:3::1", 40000, T0);
	d = host_find("fd00:1:2:3::1");
	set_addr(&a, "fd00:1:2:3::99");
	ck_assert_int_eq(core_alias_set(core, &a, (uint32_t)(d - core->hosts.v)),
	    0);
	ck_assert(core_alias_of(core, &a, &hi));
	flow_new("fd00:1:2:3::99", 40002, T0 + 1);
	ck_assert_ptr_null(host_find("fd00:1:2:3::99"));
	ck_assert_uint_eq(d->flows, 2);
	ck_assert_uint_eq(core->cnt.aliased, 1);
	ck_assert_uint_eq(core_aliases(core, (uint32_t)(d - core->hosts.v), v,
	    4), 1);
	ck_assert_int_eq(addr_cmp(&v[0], &a), 0);
	/* IPv4 is never an alias */
	set_addr(&v[1], "10.0.0.9");
	ck_assert_int_eq(core_alias_set(core, &v[1], 0), -1);
	/* the device goes idle and its slot is another host's */
	flow_end("fd00:1:2:3::1", 40000, T0 + 2);
	flow_end("fd00:1:2:3::99", 40002, T0 + 3);
	flow_new("10.0.0.5", 40000, T0 + 700000);
	flow_new("10.0.0.6", 40000, T0 + 700001);
	ck_assert_ptr_null(host_find("fd00:1:2:3::1"));
	ck_assert(!core_alias_of(core, &a, &hi));
	flow_end("10.0.0.5", 40000, T0 + 700002);
	flow_new("fd00:1:2:3::99", 40004, T0 + 1400000);
	ck_assert_ptr_nonnull(host_find("fd00:1:2:3::99"));
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
		    test_svcs_full, test_hosts_evict_idle,
		    test_hosts_evict_order, test_prefix_aggregate,
		    test_prefix_zero, test_prefix_churn, test_svcs_evict,
		    test_alias,
		    test_finish_idempotent, NULL } },
	};

	return t_main("core", tcases, T_N(tcases));
}
