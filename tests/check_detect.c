/*
 * Unit tests for detect.c and detect_long_lived.c: crafted event
 * sequences through the core, detectors run on explicit ticks, alerts
 * caught by a test sink.  Every threshold is tested on both sides.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define T0	1795000000000ULL
#define MIN	60000ULL

static struct core_conf		 cconf;
static struct detect_conf	 dconf;
static struct core		*core;
static struct detect		*det;
static struct t_alerts		 al;

static void
setup(void)
{
	core_conf_default(&cconf);
	ck_assert_int_eq(netlist_default_internal(&cconf.internal), 0);
	detect_conf_default(&dconf);
	dconf.learning_s = 0;
	dconf.tick_s = 0;	/* every call runs the detectors */
	core = NULL;
	det = NULL;
	memset(&al, 0, sizeof(al));
}

static void
teardown(void)
{
	detect_free(det);
	core_free(core);
	core_conf_free(&cconf);
}

static void
start(void)
{
	core = core_new(&cconf);
	ck_assert_ptr_nonnull(core);
	det = detect_new(core, &dconf, t_alert_sink, &al);
	ck_assert_ptr_nonnull(det);
}

/* TCP from 10.0.0.<host>:sport to 192.0.2.1:dport, source-NATed. */
static void
tcp(uint8_t type, int host, uint16_t sport, uint16_t dport, uint64_t ts)
{
	struct flow_event	ev = t_ev(type, IPPROTO_TCP, 0x0a000000 | host,
				    sport, 0xc0000201, dport,
				    type == EV_DESTROY ? EVF_ASSURED : 0, ts);

	if (type == EV_DESTROY)
		ev.state = CTS_CLOSE;	/* an RST: conntrack keeps it 10 s */
	core_event(core, &ev);
}

/*
 * n flows of 2 s each (CLOSE: +10 s in conntrack) to dport, one after
 * the other from t, in time order; returns the time after the last.
 */
static uint64_t
short_flows(int n, uint16_t dport, uint64_t t)
{
	int	i;

	for (i = 0; i < n; i++) {
		tcp(EV_NEW, 2 + i % 5, 40000 + i, dport, t);
		tcp(EV_DESTROY, 2 + i % 5, 40000 + i, dport, t + 12000);
		t += 13000;
	}
	return t;
}

/* the service's p99 is 2 s: threshold max(10 x 2 s, 15 min) = 15 min */
START_TEST(test_ll_threshold_boundary)
{
	uint64_t	t;

	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 15 * MIN - 1);
	ck_assert_int_eq(al.n, 0);
	detect_tick(det, t + 15 * MIN);
	ck_assert_int_eq(al.n, 1);
	ck_assert_str_eq(al.v[0].detector, "long_lived");
	ck_assert_int_eq(al.v[0].severity, SEV_WARNING);
	ck_assert_int_eq(al.v[0].action, ACT_LOG);
	ck_assert_msg(strstr(al.v[0].evidence, "\"dport\": 6129") != NULL &&
	    strstr(al.v[0].evidence, "\"sport\": 45000") != NULL &&
	    strstr(al.v[0].evidence, "\"service_p99\": 2.000") != NULL &&
	    strstr(al.v[0].evidence, "\"service_samples\": 50") != NULL,
	    "evidence %s", al.v[0].evidence);
	ck_assert_uint_eq(al.v[0].host.b[15], 66);
}
END_TEST

/* factor x p99 above min_age decides: p99 2 s, factor 600: 20 min */
START_TEST(test_ll_factor)
{
	uint64_t	t;

	dconf.long_lived.factor = 600;
	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 20 * MIN - 1);
	ck_assert_int_eq(al.n, 0);
	detect_tick(det, t + 20 * MIN);
	ck_assert_int_eq(al.n, 1);
}
END_TEST

/* one sample short of min_samples: the service is not known yet */
START_TEST(test_ll_min_samples)
{
	uint64_t	t;

	start();
	t = short_flows(49, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 60 * MIN);
	ck_assert_int_eq(al.n, 0);
}
END_TEST

/* a service whose p99 is above max_service_p99 is never judged */
START_TEST(test_ll_long_service)
{
	uint64_t	t;

	dconf.long_lived.max_p99_s = 1;		/* the p99 is 2 s */
	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 60 * MIN);
	ck_assert_int_eq(al.n, 0);
}
END_TEST

/* nothing is judged during the learning period, from the first event */
START_TEST(test_ll_learning)
{
	uint64_t	t;

	dconf.learning_s = 3600;
	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, T0 + 3600 * 1000 - 1);
	ck_assert_int_eq(al.n, 0);
	detect_tick(det, T0 + 3600 * 1000);
	ck_assert_int_eq(al.n, 1);
}
END_TEST

/* one alert per incident; a repeat inside the cool-down is suppressed,
 * an escalation to critical passes, and after the cool-down it alerts */
START_TEST(test_ll_cooldown_escalation)
{
	uint64_t	t;

	dconf.cooldown_s = 3600;
	dconf.long_lived.critical_s = 2 * 3600;
	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 15 * MIN);
	detect_tick(det, t + 30 * MIN);
	detect_tick(det, t + 74 * MIN);
	ck_assert_int_eq(al.n, 1);
	ck_assert_uint_eq(det->suppressed, 2);
	detect_tick(det, t + 76 * MIN);		/* cool-down over */
	ck_assert_int_eq(al.n, 2);
	ck_assert_int_eq(al.v[1].severity, SEV_WARNING);
	detect_tick(det, t + 120 * MIN);	/* critical: escalation */
	ck_assert_int_eq(al.n, 3);
	ck_assert_int_eq(al.v[2].severity, SEV_CRITICAL);
	detect_tick(det, t + 130 * MIN);
	ck_assert_int_eq(al.n, 3);
}
END_TEST

/* a window that lost events is not judged until a dump lists the flow */
START_TEST(test_ll_incomplete_window)
{
	struct flow_event	ev;
	uint64_t		t;

	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	core_loss(core, 3, t + MIN, t + MIN + 10);
	detect_tick(det, t + 60 * MIN);
	ck_assert_int_eq(al.n, 0);
	/* a dump after the loss lists it: it is open, judge it */
	core_dump_begin(core, t + 61 * MIN);
	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = t + 61 * MIN;
	ev.type = EV_DUMP;
	ev.proto = IPPROTO_TCP;
	ev.flags = EVF_PORTS;
	ev.sport = 45000;
	ev.dport = 6129;
	addr_from_v4(&ev.src, 0x0a000042);
	addr_from_v4(&ev.dst, 0xc0000201);
	addr_from_v4(&ev.nat_addr, 0xcb007101);
	core_event(core, &ev);
	core_dump_end(core, t + 61 * MIN);
	detect_tick(det, t + 62 * MIN);
	ck_assert_int_eq(al.n, 1);
}
END_TEST

/* disabled, it says nothing; a flow that ended is not judged */
START_TEST(test_ll_disabled_and_ended)
{
	uint64_t	t;

	dconf.long_lived.enabled = false;
	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 60 * MIN);
	ck_assert_int_eq(al.n, 0);
	dconf.long_lived.enabled = true;
	tcp(EV_DESTROY, 66, 45000, 6129, t + 61 * MIN);
	detect_tick(det, t + 62 * MIN);
	ck_assert_int_eq(al.n, 0);
}
END_TEST

/* the alert's JSON line has the fields of DESIGN section 3 */
/*
 * Live, the kernel is asked about a flow younger than min_age: sport
 * 45000 is ESTABLISHED with a packet 5 s ago, 45002 is in TIME_WAIT,
 * 45004 ESTABLISHED but idle 10 min, 45006 gone.
 */
static int	probe_calls;

static int
fake_probe(void *arg, const struct flow *f, int *ret_state,
    uint32_t *ret_idle)
{
	(void)arg;
	probe_calls++;
	switch (f->sport) {
	case 45000:
		*ret_state = CTS_ESTABLISHED;
		*ret_idle = 5;
		return 1;
	case 45002:
		*ret_state = CTS_TIME_WAIT;
		*ret_idle = 30;
		return 1;
	case 45004:
		*ret_state = CTS_ESTABLISHED;
		*ret_idle = 600;
		return 1;
	default:
		return 0;
	}
}

START_TEST(test_ll_probe)
{
	uint64_t	t;

	start();
	t = short_flows(50, 6129, T0);
	tcp(EV_NEW, 66, 45000, 6129, t);
	tcp(EV_NEW, 67, 45002, 6129, t);
	tcp(EV_NEW, 68, 45004, 6129, t);
	tcp(EV_NEW, 69, 45006, 6129, t);
	/* without the kernel: nothing before min_age */
	detect_tick(det, t + 5 * MIN);
	ck_assert_int_eq(al.n, 0);
	detect_set_probe(det, fake_probe, NULL);
	detect_tick(det, t + 5 * MIN + 1);
	ck_assert_int_eq(probe_calls, 4);
	ck_assert_int_eq(al.n, 1);
	ck_assert_uint_eq(al.v[0].host.b[15], 66);
	ck_assert_msg(strstr(al.v[0].summary, "the kernel: established, last "
	    "packet 5 s ago") != NULL, "%s", al.v[0].summary);
	ck_assert_msg(strstr(al.v[0].evidence, "\"kernel\": \"established, "
	    "last packet 5 s ago\"") != NULL, "%s", al.v[0].evidence);
	/* a flow younger than probe_age is not asked about */
	tcp(EV_NEW, 70, 45000, 6129, t + 5 * MIN);
	probe_calls = 0;
	detect_tick(det, t + 7 * MIN - 1);
	ck_assert_int_eq(probe_calls, 4);	/* not the new one */
	/* probe_age 0: back to min_age */
	dconf.long_lived.probe_age_s = 0;
	detect_tick(det, t + 8 * MIN);
	ck_assert_int_eq(al.n, 1);
}
END_TEST

/*
 * Many open flows of a busy service look old for the 2 minutes of their
 * TIME_WAIT; with the kernel they do not count as held, and the session
 * among them is still an outlier.
 */
START_TEST(test_ll_probe_time_wait)
{
	uint64_t	t;
	int		i;

	start();
	t = short_flows(50, 6129, T0);
	for (i = 0; i < 20; i++)
		tcp(EV_NEW, 80 + i, 45002, 6129, t);	/* TIME_WAIT, all */
	tcp(EV_NEW, 66, 45000, 6129, t);
	detect_tick(det, t + 2 * MIN);
	ck_assert_int_eq(al.n, 0);	/* 21 old of 71: a held service */
	detect_set_probe(det, fake_probe, NULL);
	detect_tick(det, t + 3 * MIN);
	ck_assert_int_eq(al.n, 1);
	ck_assert_uint_eq(al.v[0].host.b[15], 66);
}
END_TEST

/*
 * The clock jumps a century, then to the edge of uint64: the decay
 * catches up in one step and every deadline saturates (this hung at 100 %
 * CPU: one decay pass over every host for each step missed).
 */
START_TEST(test_time_jump)
{
	uint64_t	t, far = T0 + 100ULL * 365 * 86400 * 1000;

	dconf.half_life_s = 8;		/* a decay step a second */
	start();
	t = short_flows(50, 6129, T0);
	detect_tick(det, t);
	tcp(EV_NEW, 66, 45000, 6129, far);
	detect_tick(det, far);
	ck_assert_uint_ge(det->decays, 100ULL * 365 * 86400 - 1000);
	ck_assert_uint_eq(core->svcs.v[0].life.n, 0);	/* all decayed */
	tcp(EV_NEW, 67, 45002, 6129, UINT64_MAX - 1);
	detect_tick(det, UINT64_MAX - 1);
	detect_tick(det, UINT64_MAX);
	ck_assert_uint_eq(det->next_decay_ms, UINT64_MAX);
}
END_TEST

/*
 * Loss is evidence: four loss windows within 10 min make one intake
 * alert; 10 min without one, another that says it is whole.
 */
START_TEST(test_intake)
{
	uint64_t	t = T0;
	int		i;

	start();
	for (i = 0; i < 3; i++, t += MIN) {
		core_loss(core, 100, t, t + 1000);
		detect_tick(det, t + 2000);
	}
	ck_assert_int_eq(al.n, 0);
	core_loss(core, 100, t, t + 1000);
	detect_tick(det, t + 2000);
	ck_assert_int_eq(al.n, 1);
	ck_assert_str_eq(al.v[0].detector, "intake");
	ck_assert_str_eq(al.v[0].label, "*");
	ck_assert_int_eq(al.v[0].severity, SEV_WARNING);
	ck_assert_msg(strstr(al.v[0].summary, "events lost 4 times") != NULL,
	    "%s", al.v[0].summary);
	core_loss(core, 50, t + MIN, t + MIN + 1000);	/* within it */
	detect_tick(det, t + MIN + 2000);
	ck_assert_int_eq(al.n, 1);
	detect_tick(det, t + 11 * MIN + 2000);
	ck_assert_int_eq(al.n, 2);
	ck_assert_int_eq(al.v[1].severity, SEV_INFO);
	ck_assert_msg(strstr(al.v[1].summary, "whole again after 5 loss "
	    "windows (50 more") != NULL, "%s", al.v[1].summary);
	/* three more, spread over an hour: no incident */
	for (i = 0; i < 4; i++) {
		t += 20 * MIN;
		core_loss(core, 1, t, t + 1);
		detect_tick(det, t + 2);
	}
	ck_assert_int_eq(al.n, 2);
}
END_TEST

/*
 * A flow adopted from a dump after loss, with the kernel's start
 * (nf_conntrack_timestamp=1): long_lived judges it; without a start, it
 * does not.
 */
START_TEST(test_ll_adopted_start)
{
	struct flow_event	ev;
	uint64_t		t;

	start();
	t = short_flows(50, 6129, T0);
	core_dump_begin(core, t);
	ev = t_ev(EV_DUMP, IPPROTO_TCP, 0x0a000042, 45000, 0xc0000201, 6129,
	    0, t);
	ev.kstart_ms = t - 1000;
	core_event(core, &ev);
	ev = t_ev(EV_DUMP, IPPROTO_TCP, 0x0a000043, 45002, 0xc0000201, 6129,
	    0, t);
	core_event(core, &ev);
	core_dump_end(core, t + 10);
	ck_assert_uint_eq(core->cnt.adopted, 2);
	ck_assert_uint_eq(core->cnt.adopted_started, 1);
	detect_tick(det, t + 15 * MIN);
	ck_assert_int_eq(al.n, 1);
	ck_assert_uint_eq(al.v[0].host.b[15], 0x42);
}
END_TEST

START_TEST(test_alert_json)
{
	struct alert	 a;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;

	memset(&a, 0, sizeof(a));
	a.ts_ms = T0 + 1500;
	addr_from_v4(&a.host, 0x0a000042);
	a.detector = "long_lived";
	a.severity = SEV_CRITICAL;
	a.action = ACT_DRYRUN;
	strcpy(a.summary, "s");
	strcpy(a.evidence, "{\"x\": 1}");
	fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	alert_json(fp, &a);
	fclose(fp);
	ck_assert_str_eq(buf, "{\"ts\": 1795000001.500, \"host\": "
	    "\"10.0.0.66\", \"detector\": \"long_lived\", \"severity\": "
	    "\"critical\", \"action\": \"dry-run\", \"summary\": \"s\", "
	    "\"evidence\": {\"x\": 1}}\n");
	free(buf);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "long_lived", setup, teardown, {
		    test_ll_threshold_boundary, test_ll_factor,
		    test_ll_min_samples, test_ll_long_service,
		    test_ll_learning, test_ll_cooldown_escalation,
		    test_ll_incomplete_window, test_ll_disabled_and_ended, test_ll_probe, test_time_jump,
		    test_intake, test_ll_adopted_start,
		    test_ll_probe_time_wait,
		    test_alert_json, NULL } },
	};

	return t_main("detect", tcases, T_N(tcases));
}
