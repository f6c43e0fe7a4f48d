/*
 * Unit tests for timeouts.c: the kernel's default conntrack timeouts
 * (ports.md section 5.2), the time a flow spent in its final state before
 * DESTROY (section 5.3) and the state names.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static struct ct_timeouts	to;

static void
setup(void)
{
	timeouts_default(&to);
}

static uint32_t
final(uint8_t proto, int state, uint16_t flags, uint32_t remaining)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_DESTROY;
	ev.proto = proto;
	ev.state = state;
	ev.flags = flags;
	ev.timeout_s = remaining;
	return timeouts_final(&to, &ev);
}

START_TEST(test_defaults)
{
	struct ct_timeouts	t;

	memset(&t, 0xff, sizeof(t));
	timeouts_default(&t);
	ck_assert_uint_eq(t.tcp[CTS_SYN_SENT], 120);
	ck_assert_uint_eq(t.tcp[CTS_SYN_RECV], 60);
	ck_assert_uint_eq(t.tcp[CTS_ESTABLISHED], 432000);
	ck_assert_uint_eq(t.tcp[CTS_FIN_WAIT], 120);
	ck_assert_uint_eq(t.tcp[CTS_CLOSE_WAIT], 60);
	ck_assert_uint_eq(t.tcp[CTS_LAST_ACK], 30);
	ck_assert_uint_eq(t.tcp[CTS_TIME_WAIT], 120);
	ck_assert_uint_eq(t.tcp[CTS_CLOSE], 10);
	ck_assert_uint_eq(t.tcp[CTS_SYN_SENT2], 120);
	ck_assert_uint_eq(t.tcp[CTS_NONE], 0);
	ck_assert_uint_eq(t.tcp[CTS_OTHER], 0);
	ck_assert_uint_eq(t.udp, 30);
	ck_assert_uint_eq(t.udp_stream, 120);
	ck_assert_uint_eq(t.icmp, 30);
	ck_assert_uint_eq(t.generic, 600);
}
END_TEST

/* An expired TCP entry spent its state's whole timeout there. */
START_TEST(test_final_tcp)
{
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, EVF_PORTS, 0), 120);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_CLOSE, EVF_PORTS, 0), 10);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_SYN_SENT,
	    EVF_PORTS | EVF_UNREPLIED, 0), 120);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_SYN_RECV, EVF_PORTS, 0), 60);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_ESTABLISHED, EVF_PORTS, 0),
	    432000);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_FIN_WAIT, EVF_PORTS, 0), 120);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_CLOSE_WAIT, EVF_PORTS, 0), 60);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_LAST_ACK, EVF_PORTS, 0), 30);
	/* no state, or one we do not know: nothing to subtract */
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_NONE, EVF_PORTS, 0), 0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_OTHER, EVF_PORTS, 0), 0);
	/* the remaining timeout of an expired entry does not matter */
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT,
	    EVF_PORTS | EVF_TIMEOUT, 118), 120);

	/* the configured table, not the defaults */
	to.tcp[CTS_TIME_WAIT] = 60;
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, EVF_PORTS, 0), 60);
}
END_TEST

START_TEST(test_final_udp)
{
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE, EVF_PORTS, 0), 30);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE,
	    EVF_PORTS | EVF_UNREPLIED, 0), 30);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE,
	    EVF_PORTS | EVF_ASSURED, 0), 120);
	ck_assert_uint_eq(final(IPPROTO_UDPLITE, CTS_NONE, EVF_PORTS, 0), 30);
	ck_assert_uint_eq(final(IPPROTO_UDPLITE, CTS_NONE,
	    EVF_PORTS | EVF_ASSURED, 0), 120);
	to.udp = 20;
	to.udp_stream = 90;
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE, EVF_PORTS, 0), 20);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE,
	    EVF_PORTS | EVF_ASSURED, 0), 90);
}
END_TEST

START_TEST(test_final_other)
{
	ck_assert_uint_eq(final(IPPROTO_ICMP, CTS_NONE, 0, 0), 30);
	ck_assert_uint_eq(final(IPPROTO_ICMPV6, CTS_NONE, EVF_UNREPLIED, 0),
	    30);
	/* sctp and dccp state timeouts are not tracked */
	ck_assert_uint_eq(final(IPPROTO_SCTP, CTS_OTHER, EVF_PORTS, 0), 0);
	ck_assert_uint_eq(final(IPPROTO_SCTP, CTS_NONE, EVF_PORTS, 0), 0);
	ck_assert_uint_eq(final(IPPROTO_DCCP, CTS_OTHER, EVF_PORTS, 0), 0);
	ck_assert_uint_eq(final(IPPROTO_DCCP, CTS_OTHER,
	    EVF_PORTS | EVF_USERSPACE | EVF_TIMEOUT, 5), 0);
	/* everything else: the generic timeout */
	ck_assert_uint_eq(final(IPPROTO_GRE, CTS_NONE, 0, 0), 600);
	ck_assert_uint_eq(final(IPPROTO_ESP, CTS_NONE, 0, 0), 600);
	ck_assert_uint_eq(final(0, CTS_NONE, 0, 0), 600);
}
END_TEST

/*
 * Deleted from user space: the entry spent timeout - remaining in its
 * final state when the event says what remained, else nothing is known.
 */
START_TEST(test_final_userspace)
{
	const uint16_t	us = EVF_PORTS | EVF_USERSPACE;
	const uint16_t	ust = us | EVF_TIMEOUT;

	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, us, 0), 0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, us, 118), 0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, ust, 118), 2);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, ust, 0), 120);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, ust, 120), 0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, ust, 121), 0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_TIME_WAIT, ust, UINT32_MAX),
	    0);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_CLOSE, ust, 4), 6);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_ESTABLISHED, ust, 431990),
	    10);
	ck_assert_uint_eq(final(IPPROTO_TCP, CTS_OTHER, ust, 4), 0);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE, ust, 25), 5);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE, ust | EVF_ASSURED, 100),
	    20);
	ck_assert_uint_eq(final(IPPROTO_UDP, CTS_NONE, us | EVF_ASSURED, 100),
	    0);
	ck_assert_uint_eq(final(IPPROTO_ICMP, CTS_NONE,
	    EVF_USERSPACE | EVF_TIMEOUT, 29), 1);
	ck_assert_uint_eq(final(IPPROTO_GRE, CTS_NONE,
	    EVF_USERSPACE | EVF_TIMEOUT, 599), 1);
}
END_TEST

START_TEST(test_state_names)
{
	static const struct {
		int		 state;
		const char	*name;
	} t[] = {
		{ CTS_SYN_SENT, "SYN_SENT" },
		{ CTS_SYN_RECV, "SYN_RECV" },
		{ CTS_ESTABLISHED, "ESTABLISHED" },
		{ CTS_FIN_WAIT, "FIN_WAIT" },
		{ CTS_CLOSE_WAIT, "CLOSE_WAIT" },
		{ CTS_LAST_ACK, "LAST_ACK" },
		{ CTS_TIME_WAIT, "TIME_WAIT" },
		{ CTS_CLOSE, "CLOSE" },
		{ CTS_SYN_SENT2, "SYN_SENT2" },
	};
	const char	*name;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		name = timeouts_state_name(t[i].state);
		ck_assert_str_eq(name, t[i].name);
		ck_assert_int_eq(timeouts_state_parse(name, strlen(name)),
		    t[i].state);
	}
	ck_assert_str_eq(timeouts_state_name(CTS_NONE), "");
	ck_assert_str_eq(timeouts_state_name(CTS_OTHER), "OTHER");

	/* the length bounds the name: a field inside a longer line */
	ck_assert_int_eq(timeouts_state_parse("CLOSE_WAIT src=", 5), CTS_CLOSE);
	ck_assert_int_eq(timeouts_state_parse("CLOSE_WAIT src=", 10),
	    CTS_CLOSE_WAIT);
	ck_assert_int_eq(timeouts_state_parse("SYN_SENT2", 8), CTS_SYN_SENT);
}
END_TEST

START_TEST(test_state_unknown)
{
	static const char *const unknown[] = {
		"COOKIE_WAIT", "COOKIE_ECHOED", "REQUEST", "RESPOND",
		"NONE", "OTHER", "", "TIME_WAI", "TIME_WAITX", "time_wait",
		"TIME-WAIT", "ESTABLISHED ",
	};
	size_t	i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_msg(timeouts_state_parse(unknown[i], strlen(unknown[i])) ==
		    CTS_OTHER, "\"%s\" is not CTS_OTHER", unknown[i]);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "timeouts", setup, NULL, {
		    test_defaults, test_final_tcp, test_final_udp,
		    test_final_other, test_final_userspace, NULL } },
		{ "states", NULL, NULL, {
		    test_state_names, test_state_unknown, NULL } },
	};

	return t_main("timeouts", tcases, T_N(tcases));
}
