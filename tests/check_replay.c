/*
 * Unit tests for replay.c: conntrack(8) event lines into struct flow_event,
 * and whole captures through replay_fd().
 */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Recorded on this machine with conntrack -E -o timestamp,extended,id. */
#define REC_NEW_TCP \
	"[1795263683.950882]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT " \
	"src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 [UNREPLIED] " \
	"src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818 id=3197088994"
#define REC_DESTROY_TCP \
	"[1795263684.958714]\t[DESTROY] ipv4     2 tcp      6 118 TIME_WAIT " \
	"src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 " \
	"src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818 [ASSURED] " \
	"delta-time=1 [start=Sat Nov 21 12:21:23 2026] " \
	"[stop=Sat Nov 21 12:21:24 2026] id=3197088994 [USERSPACE] " \
	"portid=2658 progname=conntrack"
#define REC_NEW_ICMP \
	"[1795263683.950983]\t    [NEW] ipv4     2 icmp     1 30 " \
	"src=10.77.0.2 dst=198.18.0.2 type=8 code=0 id=0 [UNREPLIED] " \
	"src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=0 id=1119820405"
#define REC_NEW_TCP_NO_L3 \
	"[1795263683.947427]\t    [NEW] tcp      6 120 SYN_SENT " \
	"src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 [UNREPLIED] " \
	"src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818"
#define REC_NEW_UDP \
	"[1795263672.869953]\t    [NEW] ipv4     2 udp      17 30 " \
	"src=10.77.0.2 dst=198.18.0.2 sport=46461 dport=53 [UNREPLIED] " \
	"src=198.18.0.2 dst=198.18.0.1 sport=53 dport=46461 id=2650842357"

/* The NEW above without its timestamp option. */
#define NOTS_NEW_TCP \
	"    [NEW] tcp      6 120 SYN_SENT " \
	"src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 [UNREPLIED] " \
	"src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818"
#define TRAILER \
	"conntrack v1.4.7 (conntrack-tools): 12 flow events have been shown."

static const char *
status_name(int s)
{
	switch (s) {
	case PARSE_OK:
		return "PARSE_OK";
	case PARSE_IGNORED:
		return "PARSE_IGNORED";
	case PARSE_NO_TIMESTAMP:
		return "PARSE_NO_TIMESTAMP";
	case PARSE_BAD:
		return "PARSE_BAD";
	}
	return "?";
}

static int
parse(const char *line, struct flow_event *ev, const char **why)
{
	*why = NULL;
	return replay_parse_line(line, strlen(line), ev, why);
}

static void
parse_ok(const char *line, struct flow_event *ev)
{
	const char	*why;
	int		 s = parse(line, ev, &why);

	ck_assert_msg(s == PARSE_OK, "%s (%s) for: %s", status_name(s),
	    why ? why : "", line);
}

static void
check_status(const char *line, int want)
{
	struct flow_event	 ev;
	const char		*why;
	int			 s = parse(line, &ev, &why);

	ck_assert_msg(s == want, "%s, want %s, for: %s", status_name(s),
	    status_name(want), line);
}

static void
check_bad_len(const char *line, size_t len)
{
	struct flow_event	 ev;
	const char		*why = NULL;
	int			 s;

	s = replay_parse_line(line, len, &ev, &why);
	ck_assert_msg(s == PARSE_BAD, "%s for: %.*s", status_name(s),
	    (int)len, line);
	ck_assert_msg(why != NULL && why[0] != '\0', "no reason for: %.*s",
	    (int)len, line);
}

static void
check_bad(const char *line)
{
	check_bad_len(line, strlen(line));
}

static void
check_addr_is(const struct addr *a, const char *want)
{
	char		buf[ADDR_STRLEN];
	struct addr	w;

	ck_assert(addr_parse(want, strlen(want), &w) == 0);
	addr_fmt(a, buf, sizeof(buf));
	ck_assert_msg(memcmp(a->b, w.b, sizeof(w.b)) == 0,
	    "address %s, want %s", buf, want);
}

/*
 * Lines of every shape conntrack(8) writes, each with the whole event it
 * must become.
 */
struct pcase {
	const char	*name;
	const char	*line;
	uint64_t	 ts_ms;
	uint8_t		 type, proto, state;
	uint16_t	 flags;
	uint32_t	 timeout_s;
	uint16_t	 sport, dport, nat_port;
	const char	*src, *dst, *nat;
	uint32_t	 ct_id;
	uint16_t	 zone;
};

#define PTO	(EVF_PORTS | EVF_TIMEOUT)
static const struct pcase pcases[] = {
	{ "recorded tcp new", REC_NEW_TCP, 1795263683950ULL, EV_NEW,
	    IPPROTO_TCP, CTS_SYN_SENT, PTO | EVF_UNREPLIED, 120, 57818, 8080,
	    57818, "10.77.0.2", "198.18.0.2", "198.18.0.1", 3197088994U, 0 },
	{ "recorded tcp destroy", REC_DESTROY_TCP, 1795263684958ULL,
	    EV_DESTROY, IPPROTO_TCP, CTS_TIME_WAIT,
	    PTO | EVF_ASSURED | EVF_USERSPACE, 118, 57818, 8080, 57818,
	    "10.77.0.2", "198.18.0.2", "198.18.0.1", 3197088994U, 0 },
	/* icmp: sport is the echo id, dport type << 8 | code */
	{ "recorded icmp", REC_NEW_ICMP, 1795263683950ULL, EV_NEW,
	    IPPROTO_ICMP, CTS_NONE, EVF_TIMEOUT | EVF_UNREPLIED, 30, 0,
	    8 << 8, 0, "10.77.0.2", "198.18.0.2", "198.18.0.1", 1119820405U,
	    0 },
	/* without ",extended" (no layer 3 name) and without ",id" */
	{ "recorded, no l3", REC_NEW_TCP_NO_L3, 1795263683947ULL, EV_NEW,
	    IPPROTO_TCP, CTS_SYN_SENT, PTO | EVF_UNREPLIED, 120, 57818, 8080,
	    57818, "10.77.0.2", "198.18.0.2", "198.18.0.1", 0, 0 },
	{ "recorded udp", REC_NEW_UDP, 1795263672869ULL, EV_NEW, IPPROTO_UDP,
	    CTS_NONE, PTO | EVF_UNREPLIED, 30, 46461, 53, 46461, "10.77.0.2",
	    "198.18.0.2", "198.18.0.1", 2650842357U, 0 },
	/* six digits of fraction: truncated to the millisecond */
	{ "ipv6 tcp", "[1795263690.999999]\t    [NEW] ipv6     10 tcp      6 "
	    "120 SYN_SENT src=fd00::2 dst=2001:db8::5 sport=40002 dport=443 "
	    "[UNREPLIED] src=2001:db8::5 dst=fd00::2 sport=443 dport=40002 "
	    "id=42", 1795263690999ULL, EV_NEW, IPPROTO_TCP, CTS_SYN_SENT,
	    PTO | EVF_UNREPLIED, 120, 40002, 443, 40002, "fd00::2",
	    "2001:db8::5", "fd00::2", 42, 0 },
	{ "udplite", "[1795263691.000000]\t    [NEW] ipv4     2 udplite  136 "
	    "30 src=10.77.0.2 dst=198.18.0.2 sport=5004 dport=5005 "
	    "[UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5005 dport=5004 "
	    "id=7", 1795263691000ULL, EV_NEW, IPPROTO_UDPLITE, CTS_NONE,
	    PTO | EVF_UNREPLIED, 30, 5004, 5005, 5004, "10.77.0.2",
	    "198.18.0.2", "198.18.0.1", 7, 0 },
	{ "sctp", "[1795263692.25]\t    [NEW] ipv4     2 sctp     132 3 "
	    "COOKIE_WAIT src=10.77.0.2 dst=198.18.0.2 sport=36412 "
	    "dport=2905 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 "
	    "sport=2905 dport=36412 id=8", 1795263692250ULL, EV_NEW,
	    IPPROTO_SCTP, CTS_OTHER, PTO | EVF_UNREPLIED, 3, 36412, 2905,
	    36412, "10.77.0.2", "198.18.0.2", "198.18.0.1", 8, 0 },
	{ "dccp", "[1795263693.5]\t[DESTROY] ipv4     2 dccp     33 240 "
	    "REQUEST src=10.77.0.2 dst=198.18.0.2 sport=41000 dport=5001 "
	    "[UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5001 "
	    "dport=41000 id=9", 1795263693500ULL, EV_DESTROY, IPPROTO_DCCP,
	    CTS_OTHER, PTO | EVF_UNREPLIED, 240, 41000, 5001, 41000,
	    "10.77.0.2", "198.18.0.2", "198.18.0.1", 9, 0 },
	{ "icmpv6", "[1795263694.000001]\t    [NEW] ipv6     10 icmpv6   58 "
	    "30 src=fd00::2 dst=2001:db8::5 type=128 code=0 id=7 [UNREPLIED] "
	    "src=2001:db8::5 dst=fd00::2 type=129 code=0 id=7 id=99",
	    1795263694000ULL, EV_NEW, IPPROTO_ICMPV6, CTS_NONE,
	    EVF_TIMEOUT | EVF_UNREPLIED, 30, 7, 128 << 8, 0, "fd00::2",
	    "2001:db8::5", "fd00::2", 99, 0 },
	{ "icmp unreachable with a code", "[1795263694.5]\t    [NEW] ipv4     "
	    "2 icmp     1 30 src=10.77.0.2 dst=198.18.0.2 type=3 code=13 "
	    "id=513 src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=513",
	    1795263694500ULL, EV_NEW, IPPROTO_ICMP, CTS_NONE, EVF_TIMEOUT, 30,
	    513, 3 << 8 | 13, 0, "10.77.0.2", "198.18.0.2", "198.18.0.1", 0,
	    0 },
	/* NAT rewrote the echo id: sport keeps the original one */
	{ "icmp, echo id rewritten", "[1795263694.5]\t[DESTROY] ipv4     2 "
	    "icmp     1 src=10.77.0.2 dst=198.18.0.2 type=8 code=0 id=7 "
	    "src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=4242 id=77",
	    1795263694500ULL, EV_DESTROY, IPPROTO_ICMP, CTS_NONE, 0, 0, 7,
	    8 << 8, 0, "10.77.0.2", "198.18.0.2", "198.18.0.1", 77, 0 },
	{ "unknown protocol", "[1795263695.000000]\t    [NEW] ipv4     2 "
	    "unknown  47 599 src=10.77.0.2 dst=198.18.0.9 src=198.18.0.9 "
	    "dst=198.18.0.1 id=11", 1795263695000ULL, EV_NEW, 47, CTS_NONE,
	    EVF_TIMEOUT, 599, 0, 0, 0, "10.77.0.2", "198.18.0.9",
	    "198.18.0.1", 11, 0 },
	{ "mark, zone, use", "[1795263696.000000]\t    [NEW] ipv4     2 tcp  "
	    "    6 120 SYN_SENT src=10.77.0.2 dst=198.18.0.2 sport=57820 "
	    "dport=8080 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=8080 "
	    "dport=57820 mark=5 zone=3 use=1 id=12", 1795263696000ULL, EV_NEW,
	    IPPROTO_TCP, CTS_SYN_SENT, PTO | EVF_UNREPLIED, 120, 57820, 8080,
	    57820, "10.77.0.2", "198.18.0.2", "198.18.0.1", 12, 3 },
	{ "the highest zone", "[1795263696.000000]\t    [NEW] ipv4     2 tcp "
	    "     6 120 SYN_SENT src=10.77.0.2 dst=198.18.0.2 sport=57820 "
	    "dport=8080 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=8080 "
	    "dport=57820 mark=0 zone=65535 use=1", 1795263696000ULL, EV_NEW,
	    IPPROTO_TCP, CTS_SYN_SENT, PTO | EVF_UNREPLIED, 120, 57820, 8080,
	    57820, "10.77.0.2", "198.18.0.2", "198.18.0.1", 0, 65535 },
	{ "every flag", "[1795263697.000000]\t[DESTROY] ipv4     2 udp      "
	    "17 25 src=10.77.0.2 dst=198.18.0.2 sport=46461 dport=53 "
	    "[UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=53 dport=46461 "
	    "[ASSURED] mark=0 use=1 id=13 [USERSPACE] portid=2658 "
	    "progname=conntrack", 1795263697000ULL, EV_DESTROY, IPPROTO_UDP,
	    CTS_NONE, PTO | EVF_UNREPLIED | EVF_ASSURED | EVF_USERSPACE, 25,
	    46461, 53, 46461, "10.77.0.2", "198.18.0.2", "198.18.0.1", 13,
	    0 },
	/* no flags at all; an unknown flag is skipped */
	{ "no flags, an unknown one", "[1795263697.000000]\t[DESTROY] ipv4   "
	    "  2 udp      17 src=10.77.0.2 dst=198.18.0.2 sport=46461 "
	    "dport=53 src=198.18.0.2 dst=198.18.0.1 sport=53 dport=46461 "
	    "[OFFLOAD] id=14", 1795263697000ULL, EV_DESTROY, IPPROTO_UDP,
	    CTS_NONE, EVF_PORTS, 0, 46461, 53, 46461, "10.77.0.2",
	    "198.18.0.2", "198.18.0.1", 14, 0 },
	/* an expired DESTROY carries no remaining timeout, only the state */
	{ "destroy without a timeout", "[1795263698.000000]\t[DESTROY] ipv4  "
	    "   2 tcp      6 TIME_WAIT src=10.77.0.2 dst=198.18.0.2 "
	    "sport=57818 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 "
	    "dport=57818 [ASSURED] id=3197088994", 1795263698000ULL,
	    EV_DESTROY, IPPROTO_TCP, CTS_TIME_WAIT, EVF_PORTS | EVF_ASSURED,
	    0, 57818, 8080, 57818, "10.77.0.2", "198.18.0.2", "198.18.0.1",
	    3197088994U, 0 },
};

START_TEST(test_parse_table)
{
	const struct pcase	*c = &pcases[_i];
	struct flow_event	 ev;

	parse_ok(c->line, &ev);
	ck_assert_msg(ev.ts_ms == c->ts_ms, "%s: ts %llu", c->name,
	    (unsigned long long)ev.ts_ms);
	ck_assert_msg(ev.type == c->type, "%s: type %u", c->name, ev.type);
	ck_assert_msg(ev.proto == c->proto, "%s: proto %u", c->name,
	    ev.proto);
	ck_assert_msg(ev.state == c->state, "%s: state %u", c->name,
	    ev.state);
	ck_assert_msg(ev.flags == c->flags, "%s: flags 0x%x, not 0x%x",
	    c->name, ev.flags, c->flags);
	ck_assert_msg(ev.timeout_s == c->timeout_s, "%s: timeout %u",
	    c->name, ev.timeout_s);
	ck_assert_msg(ev.sport == c->sport && ev.dport == c->dport &&
	    ev.nat_port == c->nat_port, "%s: ports %u %u %u", c->name,
	    ev.sport, ev.dport, ev.nat_port);
	check_addr_is(&ev.src, c->src);
	check_addr_is(&ev.dst, c->dst);
	check_addr_is(&ev.nat_addr, c->nat);
	ck_assert_msg(ev.ct_id == c->ct_id, "%s: id %u", c->name, ev.ct_id);
	ck_assert_msg(ev.zone == c->zone, "%s: zone %u", c->name, ev.zone);
}
END_TEST

/*
 * The usual line's own walk (replay.c) takes a line only where the general
 * parser reads the same: every line above and others, then each with one
 * byte changed, removed or added, and cut short, give the same status,
 * reason and event both ways.
 */
static void
check_as_general(const char *line, size_t len)
{
	struct flow_event	 ev, gev;
	const char		*why = NULL, *gwhy = NULL;
	int			 s, gs;

	memset(&ev, 0x5a, sizeof(ev));
	memset(&gev, 0xa5, sizeof(gev));
	s = replay_parse_line(line, len, &ev, &why);
	gs = replay_parse_general(line, len, &gev, &gwhy);
	ck_assert_msg(s == gs, "%s, the general parser %s, for: %.*s",
	    status_name(s), status_name(gs), (int)len, line);
	if (s == PARSE_BAD)
		ck_assert_msg(strcmp(why, gwhy) == 0, "%s, the general parser "
		    "%s, for: %.*s", why, gwhy, (int)len, line);
	if (s == PARSE_OK)
		ck_assert_msg(memcmp(&ev, &gev, sizeof(ev)) == 0, "another "
		    "event for: %.*s", (int)len, line);
}

START_TEST(test_usual_as_general)
{
	static const char *const more[] = {
		REC_NEW_TCP, REC_DESTROY_TCP, REC_NEW_ICMP, REC_NEW_TCP_NO_L3,
		REC_NEW_UDP, NOTS_NEW_TCP, TRAILER,
		/* gencap's and the bench's lines */
		"[1795000000.045860]\t    [NEW] ipv4     2 tcp      6 120 "
		"SYN_SENT src=192.168.6.193 dst=198.18.41.161 sport=52440 "
		"dport=5228 [UNREPLIED] src=198.18.41.161 dst=203.0.113.1 "
		"sport=5228 dport=52440 id=64942349",
		"[1795000010.667129]\t[DESTROY] ipv6     10 tcp      6 CLOSE "
		"src=fd00:1::96 dst=2001:db8:2044:555::4490 sport=61331 "
		"dport=443 src=2001:db8:2044:555::4490 dst=2001:db8:ffff::1 "
		"sport=443 dport=61331 [ASSURED] id=1060475862",
		"[1795000000.052574]\t    [NEW] ipv6     10 udp      17 30 "
		"src=fd00:1::80 dst=2001:db8:123::4 sport=60782 dport=123 "
		"[UNREPLIED] src=2001:db8:123::4 dst=2001:db8:ffff::1 "
		"sport=123 dport=60782 id=1966305459",
		"[1795000011.072693]\t[DESTROY] ipv4     2 udp      17 "
		"src=192.168.1.201 dst=198.19.60.106 sport=40088 dport=53 "
		"src=198.19.60.106 dst=203.0.113.1 sport=53 dport=40088 id=1",
		/* far apart, full forms, leading zeros, long numbers */
		"  [17.5]  [NEW]  ipv4  2  tcp  6  120  SYN_SENT  src=1.2.3.4  "
		"dst=5.6.7.8  sport=1  dport=2  src=5.6.7.8  dst=9.9.9.9  "
		"sport=2  dport=1  id=3",
		"[1795000000.123456789] [NEW] ipv6 10 tcp 6 120 SYN_SENT "
		"src=FD00:0:0:0:0:0:0:1 dst=::ffff:1.2.3.4 sport=00001 "
		"dport=65535 [UNREPLIED] src=::1 dst=1:2:3:4:5:6:7:8 "
		"sport=65535 dport=0000000001 zone=7 id=4294967295",
		"[1234567890123456.5] [DESTROY] ipv4 2 tcp 6 src=010.001.0.1 "
		"dst=255.255.255.255 sport=1 dport=2 src=x dst=1.2.3.4 sport=3 "
		"dport=4 [ASSURED] [UNREPLIED] mark=1 use=2 delta-time=3 "
		"[start=Sat Nov 21 12:21:23 2026] id=5",
		/* a number for a protocol's name, then its number */
		"[1.5] [NEW] ipv4     2  6 120 SYN_SENT src=1.2.3.4 "
		"dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 sport=2 "
		"dport=1",
		"[1.5] [NEW] tcp 6 120 SYN_SENT src=1.2.3.4 dst=5.6.7.8 "
		"sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 sport=2 dport=1",
		/* each bad in one field only */
		"[1795000000.1234567890] [NEW] ipv4 2 tcp 6 120 SYN_SENT "
		"src=1.2.3.4 dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 "
		"dst=9.9.9.9 sport=2 dport=1",
		"[12345678901234567.5] [NEW] ipv4 2 tcp 6 120 SYN_SENT "
		"src=1.2.3.4 dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 "
		"dst=9.9.9.9 sport=2 dport=1",
		"[1.5] [NEW] ipv4 2 tcp 6 4294967296 SYN_SENT src=1.2.3.4 "
		"dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 sport=2 "
		"dport=1",
		"[1.5] [NEW] ipv4 2 tcp 6 120 SYN_SENT src=1.2.3.4 "
		"dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 "
		"sport=65536 dport=1 id=4294967296",
		"[1.5] [NEW] ipv4 2 tcp 6 120 SYN_SENT src=1.2.3.4 "
		"dst=5.6.7.8 sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 sport=2 "
		"dport=1 stray",
		"[1.5] [NEW] ipv6 10 tcp 6 120 SYN_SENT src=fd00::1 "
		"dst=1.2.3.4 sport=1 dport=2 src=5.6.7.8 dst=9.9.9.9 sport=2 "
		"dport=1",
	};
	static const char	 bytes[] = " \t09af:.[]=xA-";
	const char		*line;
	char			 buf[512];
	size_t			 i, k, len, b;

	for (i = 0; i < T_N(pcases) + T_N(more); i++) {
		line = i < T_N(pcases) ? pcases[i].line :
		    more[i - T_N(pcases)];
		len = strlen(line);
		ck_assert_uint_lt(len + 1, sizeof(buf));
		check_as_general(line, len);
		for (k = 0; k <= len; k++) {
			check_as_general(line, k);	/* cut short */
			/* one byte added before k */
			memcpy(buf, line, k);
			memcpy(buf + k + 1, line + k, len - k);
			buf[k] = ' ';
			check_as_general(buf, len + 1);
			buf[k] = '7';
			check_as_general(buf, len + 1);
			if (k == len)
				continue;
			/* byte k removed */
			memcpy(buf, line, k);
			memcpy(buf + k, line + k + 1, len - k - 1);
			check_as_general(buf, len - 1);
			/* byte k changed */
			memcpy(buf, line, len);
			for (b = 0; b < sizeof(bytes); b++) {
				buf[k] = bytes[b];	/* the last is NUL */
				check_as_general(buf, len);
			}
			buf[k] = (char)0xff;
			check_as_general(buf, len);
		}
	}
}
END_TEST

/* CRLF captures and trailing blanks parse like the plain line. */
START_TEST(test_trailing_cr)
{
	struct flow_event	want, ev;

	parse_ok(REC_NEW_TCP, &want);
	parse_ok(REC_NEW_TCP "\r", &ev);
	ck_assert_mem_eq(&ev, &want, sizeof(ev));
	parse_ok(REC_NEW_TCP " \t \r", &ev);
	ck_assert_mem_eq(&ev, &want, sizeof(ev));
	parse_ok(REC_DESTROY_TCP "\r", &ev);
	ck_assert_uint_eq(ev.flags,
	    EVF_PORTS | EVF_TIMEOUT | EVF_ASSURED | EVF_USERSPACE);
	parse_ok(REC_NEW_UDP "\r", &ev);
	ck_assert_uint_eq(ev.ct_id, 2650842357U);
	parse_ok(REC_NEW_TCP_NO_L3 "\r", &ev);
	ck_assert_uint_eq(ev.nat_port, 57818);
}
END_TEST

/* Seconds and a fraction of 1 to 9 digits, truncated to milliseconds. */
START_TEST(test_timestamp)
{
	static const struct {
		const char	*ts;
		uint64_t	 ms;
	} t[] = {
		{ "[1795263683.950882]", 1795263683950ULL },
		{ "[1795263683.999999]", 1795263683999ULL },
		{ "[1795263683.9999999]", 1795263683999ULL },
		{ "[1795263683.5]", 1795263683500ULL },
		{ "[1795263683.05]", 1795263683050ULL },
		{ "[1795263683.123456789]", 1795263683123ULL },
		{ "[0.000999]", 0 },
		{ "[0.001]", 1 },
		{ "[7.000000]", 7000 },
	};
	char			line[512];
	struct flow_event	ev;
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), "%s\t    [NEW] tcp      6 120 "
		    "SYN_SENT src=10.77.0.2 dst=198.18.0.2 sport=1 dport=2 "
		    "src=198.18.0.2 dst=198.18.0.1 sport=2 dport=1", t[i].ts);
		parse_ok(line, &ev);
		ck_assert_msg(ev.ts_ms == t[i].ms, "%s gave %llu ms", t[i].ts,
		    (unsigned long long)ev.ts_ms);
	}
}
END_TEST

START_TEST(test_ignored)
{
	check_status("", PARSE_IGNORED);
	check_status("   \t ", PARSE_IGNORED);
	check_status("\r", PARSE_IGNORED);
	check_status("[1795263683.960000]\t [UPDATE] ipv4     2 tcp      6 60 "
	    "SYN_RECV src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 "
	    "src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818 "
	    "id=3197088994", PARSE_IGNORED);
	check_status(TRAILER, PARSE_IGNORED);
	check_status(TRAILER "\r", PARSE_IGNORED);
}
END_TEST

START_TEST(test_no_timestamp)
{
	check_status(NOTS_NEW_TCP, PARSE_NO_TIMESTAMP);
	check_status(NOTS_NEW_TCP "\r", PARSE_NO_TIMESTAMP);
	check_status("[DESTROY] tcp      6 src=10.77.0.2 dst=198.18.0.2 "
	    "sport=57818 dport=8080 src=198.18.0.2 dst=198.18.0.1 "
	    "sport=8080 dport=57818 [ASSURED]", PARSE_NO_TIMESTAMP);
	check_status(" [UPDATE] tcp      6 60 SYN_RECV src=10.77.0.2 "
	    "dst=198.18.0.2 sport=57818 dport=8080 src=198.18.0.2 "
	    "dst=198.18.0.1 sport=8080 dport=57818", PARSE_NO_TIMESTAMP);
}
END_TEST

#define TS	"[1795263683.950882]\t    "
#define HDR	TS "[NEW] ipv4     2 tcp      6 120 SYN_SENT "
#define ORIG	"src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=8080 "
#define REPLY	"src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=57818"

START_TEST(test_bad)
{
	static const char *const bad[] = {
		/* not conntrack output */
		"garbage",
		"hello world, this is not a capture",
		"1795263683.950882 [NEW] tcp 6",
		/* the header */
		"[1795263683.950882]",
		TS "[FOO] ipv4     2 tcp      6 120 SYN_SENT " ORIG REPLY,
		TS "NEW ipv4     2 tcp      6 120 SYN_SENT " ORIG REPLY,
		"[12.]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		"[abc]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		"[.5]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		"[12]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		"[12.5x]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		"[-12.5]\t    [NEW] tcp      6 120 SYN_SENT " ORIG REPLY,
		TS "[NEW]",
		TS "[NEW] ipv4     2",
		TS "[NEW] ipv4     x tcp      6 120 SYN_SENT " ORIG REPLY,
		TS "[NEW] ipv4     2 tcp      256 120 SYN_SENT " ORIG REPLY,
		TS "[NEW] ipv4     2 tcp      x 120 SYN_SENT " ORIG REPLY,
		TS "[NEW] ipv4     2 tcp      6 120 130 SYN_SENT " ORIG REPLY,
		TS "[NEW] ipv4     2 tcp      6 120 syn_sent " ORIG REPLY,
		/* truncated */
		TS "[NEW] ipv4     2 tcp      6 120 SYN_SENT",
		HDR "src=10.77.0.2",
		HDR "src=10.77.0.2 dst=198.18.0.2 sport=57818",
		HDR ORIG,
		HDR ORIG "[UNREPLIED]",
		HDR ORIG "[UNREPLIED] src=198.18.0.2",
		HDR ORIG "[UNREPLIED] src=198.18.0.2 dst=198.18.0.1",
		HDR ORIG "[UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=8080",
		HDR "src=10.77.0.2 dst=198.18.0.2 [UNREPLIED] " REPLY,
		/* bad ports */
		HDR "src=10.77.0.2 dst=198.18.0.2 sport=65536 dport=8080 "
		    REPLY,
		HDR "src=10.77.0.2 dst=198.18.0.2 sport=-1 dport=8080 " REPLY,
		HDR "src=10.77.0.2 dst=198.18.0.2 sport=12a dport=8080 " REPLY,
		HDR "src=10.77.0.2 dst=198.18.0.2 sport= dport=8080 " REPLY,
		HDR "src=10.77.0.2 dst=198.18.0.2 "
		    "sport=99999999999999999999999 dport=8080 " REPLY,
		HDR "src=10.77.0.2 dst=198.18.0.2 sport=57818 dport=80800 "
		    REPLY,
		HDR ORIG "src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=65536",
		HDR ORIG "src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=5781x",
		/* bad addresses */
		HDR "src=10.77.0.256 dst=198.18.0.2 sport=57818 dport=8080 "
		    REPLY,
		HDR "src=10.77.0.2 dst=198.18.0 sport=57818 dport=8080 " REPLY,
		HDR "src=10.77.0.2 dst=foo sport=57818 dport=8080 " REPLY,
		HDR "src= dst=198.18.0.2 sport=57818 dport=8080 " REPLY,
		HDR "src=10.77.0.2x dst=198.18.0.2 sport=57818 dport=8080 "
		    REPLY,
		HDR ORIG "src=198.18.0.2 dst=198.18.0.1.1 sport=8080 "
		    "dport=57818",
		HDR ORIG "src= dst=198.18.0.1 sport=8080 dport=57818",
		HDR "src=10.77.0.2 dst=2001:db8::5 sport=57818 dport=8080 "
		    REPLY,
		HDR "dst=198.18.0.2 src=10.77.0.2 sport=57818 dport=8080 "
		    REPLY,
		/* brackets, tuples, ids, words */
		HDR ORIG REPLY " [ASSURED] delta-time=1 "
		    "[start=Sat Nov 21 12:21:23 2026 id=3197088994",
		HDR ORIG REPLY " [start=",
		HDR ORIG REPLY " src=192.0.2.1 dst=192.0.2.2 sport=1 dport=2",
		HDR ORIG REPLY " id=4294967296",
		HDR ORIG REPLY " id=12x",
		HDR ORIG REPLY " zone=65536",
		HDR ORIG REPLY " GARBAGE",
		HDR ORIG REPLY " 17",
		/* icmp without its type and code */
		TS "[NEW] ipv4     2 icmp     1 30 src=10.77.0.2 "
		    "dst=198.18.0.2 id=0 src=198.18.0.2 dst=198.18.0.1 id=0",
		TS "[NEW] ipv4     2 icmp     1 30 src=10.77.0.2 "
		    "dst=198.18.0.2 type=8 code=0 id=0 src=198.18.0.2 "
		    "dst=198.18.0.1 type=0 id=0",
		TS "[NEW] ipv4     2 icmp     1 30 src=10.77.0.2 "
		    "dst=198.18.0.2 type=256 code=0 id=0 src=198.18.0.2 "
		    "dst=198.18.0.1 type=0 code=0 id=0",
		TS "[NEW] ipv4     2 icmp     1 30 src=10.77.0.2 "
		    "dst=198.18.0.2 type=8 code=0 id=65536 src=198.18.0.2 "
		    "dst=198.18.0.1 type=0 code=0 id=0",
	};
	size_t	i;

	/* the pieces make a good line */
	check_status(HDR ORIG REPLY, PARSE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i]);
}
END_TEST

START_TEST(test_bad_binary)
{
	static const char	bin[] = "\x00\x01\x02\xff\xfe[\x00]\x7f";
	static const char	nul_ts[] = "[\0.5]\t    [NEW] tcp      6 120";
	char			line[sizeof(REC_NEW_TCP)];
	const char		*p;

	check_bad_len(bin, sizeof(bin) - 1);
	check_bad_len("\0", 1);
	check_bad_len(nul_ts, sizeof(nul_ts) - 1);

	/* a recorded line with a NUL inside an address or a number */
	memcpy(line, REC_NEW_TCP, sizeof(line));
	p = strstr(REC_NEW_TCP, "10.77.0.2");
	line[p - REC_NEW_TCP + 5] = '\0';
	check_bad_len(line, sizeof(line) - 1);

	memcpy(line, REC_NEW_TCP, sizeof(line));
	p = strstr(REC_NEW_TCP, "sport=57818");
	line[p - REC_NEW_TCP + 8] = '\0';
	check_bad_len(line, sizeof(line) - 1);

	memcpy(line, REC_NEW_TCP, sizeof(line));
	line[0] = '\0';
	check_bad_len(line, sizeof(line) - 1);

	memcpy(line, REC_NEW_TCP, sizeof(line));
	p = strstr(REC_NEW_TCP, "[NEW]");
	line[p - REC_NEW_TCP + 2] = '\0';
	check_bad_len(line, sizeof(line) - 1);
}
END_TEST

static uint64_t
rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return hash_mix64(*s);
}

/* Damaged lines never crash the parser and always get a status. */
START_TEST(test_damaged_lines)
{
	static const char *const rec[] = {
		REC_NEW_TCP, REC_DESTROY_TCP, REC_NEW_ICMP, REC_NEW_UDP,
	};
	char			 line[512];
	struct flow_event	 ev;
	const char		*why;
	uint64_t		 seed = 1;
	size_t			 len, k;
	int			 i, s;

	for (i = 0; i < 20000; i++) {
		const char *r = rec[i % 4];

		len = strlen(r);
		memcpy(line, r, len);
		for (k = rnd(&seed) % 4 + 1; k > 0; k--)
			line[rnd(&seed) % len] = (char)rnd(&seed);
		if (rnd(&seed) % 4 == 0)
			len = rnd(&seed) % len;
		why = NULL;
		s = replay_parse_line(line, len, &ev, &why);
		ck_assert(s >= PARSE_OK && s <= PARSE_BAD);
		if (s == PARSE_BAD)
			ck_assert_ptr_nonnull(why);
	}
}
END_TEST

/* replay_fd(): whole captures. */
static struct core_conf	 conf;
static struct core	*core;

static void
core_setup(void)
{
	core_conf_default(&conf);
	ck_assert_int_eq(netlist_default_internal(&conf.internal), 0);
	core = core_new(&conf);
	ck_assert_ptr_nonnull(core);
}

static void
core_teardown(void)
{
	core_free(core);
	core_conf_free(&conf);
}

static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t	r;

	while (len > 0) {
		r = write(fd, p, len);
		ck_assert_int_gt(r, 0);
		p += r;
		len -= r;
	}
}

/* A pipe holding text (small: it must fit in the pipe buffer). */
static int
pipe_with(const char *text)
{
	int	fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	write_all(fd[1], text, strlen(text));
	close(fd[1]);
	return fd[0];
}

/* An unlinked temporary file holding the n pieces, read from the start. */
static int
file_with(const char *const *piece, const size_t *len, size_t n)
{
	char	path[] = "/tmp/check_replay.XXXXXX";
	int	fd;
	size_t	i;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	for (i = 0; i < n; i++)
		write_all(fd, piece[i], len[i]);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

#define CAPTURE(eol) \
	REC_NEW_UDP eol				/* 1 event */ \
	eol					/* 2 ignored */ \
	"garbage" eol				/* 3 bad */ \
	"[1795263683.960000]\t [UPDATE] ipv4     2 tcp      6 60 " \
	"SYN_RECV " ORIG REPLY eol		/* 4 ignored */ \
	REC_NEW_TCP eol				/* 5 event */ \
	REC_NEW_ICMP eol			/* 6 event */ \
	NOTS_NEW_TCP eol			/* 7 bad: no timestamp */ \
	TRAILER eol				/* 8 ignored */ \
	REC_DESTROY_TCP				/* 9 event, no newline */

static void
check_capture(const char *text)
{
	struct replay_stats	st;
	int			fd = pipe_with(text);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "capture", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 9);
	ck_assert_uint_eq(st.events, 4);
	ck_assert_uint_eq(st.ignored, 3);
	ck_assert_uint_eq(st.bad, 2);
	ck_assert_uint_eq(st.bad_line[0], 3);
	ck_assert_uint_eq(st.bad_line[1], 7);
	ck_assert_ptr_nonnull(st.bad_why[0]);
	ck_assert_ptr_nonnull(st.bad_why[1]);
	ck_assert_uint_eq(st.first_ms, 1795263672869ULL);
	ck_assert_uint_eq(st.last_ms, 1795263684958ULL);
	ck_assert_uint_eq(st.bytes, strlen(text));

	/* the events reached the core: the DESTROY closed the TCP flow */
	ck_assert_uint_eq(core->cnt.events, 4);
	ck_assert_uint_eq(core->cnt.new, 3);
	ck_assert_uint_eq(core->cnt.destroy, 1);
	ck_assert_uint_eq(core->cnt.client_flows, 3);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);
	ck_assert_uint_eq(core->flows.n, 2);
}

START_TEST(test_fd_counts)
{
	check_capture(CAPTURE("\n"));
}
END_TEST

START_TEST(test_fd_counts_crlf)
{
	check_capture(CAPTURE("\r\n"));
}
END_TEST

START_TEST(test_fd_bad_keep)
{
	char			text[2048];
	struct replay_stats	st;
	size_t			len = 0;
	int			i, fd;

	/* odd lines empty, even lines bad: 15 bad lines */
	for (i = 1; i <= 30; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s\n",
		    i % 2 ? "" : "not a conntrack line");
	memset(&st, 0, sizeof(st));
	fd = pipe_with(text);
	ck_assert_int_eq(replay_fd(fd, "bad", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 30);
	ck_assert_uint_eq(st.events, 0);
	ck_assert_uint_eq(st.ignored, 15);
	ck_assert_uint_eq(st.bad, 15);
	for (i = 0; i < REPLAY_BAD_KEEP; i++) {
		ck_assert_uint_eq(st.bad_line[i], 2 * (i + 1));
		ck_assert_ptr_nonnull(st.bad_why[i]);
	}
	ck_assert_uint_eq(core->cnt.events, 0);
}
END_TEST

START_TEST(test_fd_empty)
{
	struct replay_stats	st;
	int			fd = pipe_with("");

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "empty", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 0);
	ck_assert_uint_eq(st.events, 0);
	ck_assert_uint_eq(st.bytes, 0);
}
END_TEST

/* A line longer than the 1 MiB buffer is one bad line; the rest goes on. */
START_TEST(test_fd_long_line)
{
	const size_t		 longlen = (2 << 20) + 10;
	char			*x = malloc(longlen);
	const char		*piece[5];
	size_t			 len[5];
	struct replay_stats	 st;
	int			 fd;

	ck_assert_ptr_nonnull(x);
	memset(x, 'x', longlen);
	piece[0] = REC_NEW_TCP "\n";
	piece[1] = x;
	piece[2] = "\n";
	piece[3] = REC_DESTROY_TCP "\n";
	len[0] = strlen(piece[0]);
	len[1] = longlen;
	len[2] = 1;
	len[3] = strlen(piece[3]);
	fd = file_with(piece, len, 4);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "long", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.bad, 1);
	ck_assert_uint_eq(st.bad_line[0], 2);
	ck_assert_uint_eq(st.bytes, len[0] + len[1] + len[2] + len[3]);
	ck_assert_uint_eq(core->cnt.destroy, 1);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);

	/* the long line last, without a newline */
	fd = file_with(piece, len, 2);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "long", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 2);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_uint_eq(st.bad, 1);
	ck_assert_uint_eq(st.bad_line[0], 2);
	free(x);
}
END_TEST

/* A line just under 1 MiB (blank-padded) is still a line. */
START_TEST(test_fd_longest_line)
{
	const size_t		 linelen = (1 << 20) - 1;
	char			*x = malloc(linelen + 1);
	const char		*piece[2];
	size_t			 len[2];
	struct replay_stats	 st;
	int			 fd;

	ck_assert_ptr_nonnull(x);
	memset(x, ' ', linelen);
	memcpy(x, REC_NEW_TCP, strlen(REC_NEW_TCP));
	x[linelen] = '\n';
	piece[0] = x;
	len[0] = linelen + 1;
	piece[1] = REC_DESTROY_TCP "\n";
	len[1] = strlen(piece[1]);
	fd = file_with(piece, len, 2);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "longest", core, NULL, NULL, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.lines, 2);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.bad, 0);
	ck_assert_uint_eq(core->cnt.orphan_destroy, 0);
	free(x);
}
END_TEST

/* A capture recorded without -o timestamp is refused as a whole. */
START_TEST(test_fd_no_timestamps)
{
	struct replay_stats	st;
	int			fd;

	fd = pipe_with("\n" TRAILER "\n" NOTS_NEW_TCP "\n" REC_NEW_TCP "\n");
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(replay_fd(fd, "nots", core, NULL, NULL, &st), -1);
	close(fd);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_uint_eq(st.events, 0);
	ck_assert_uint_eq(core->cnt.events, 0);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "line", NULL, NULL, {
		    test_trailing_cr, test_timestamp, test_ignored,
		    test_no_timestamp, test_bad, test_bad_binary,
		    test_damaged_lines, test_usual_as_general, NULL },
		    { { test_parse_table, T_N(pcases) } } },
		{ "fd", core_setup, core_teardown, {
		    test_fd_counts, test_fd_counts_crlf, test_fd_bad_keep,
		    test_fd_empty, test_fd_long_line, test_fd_longest_line,
		    test_fd_no_timestamps, NULL } },
	};

	return t_main("replay", tcases, T_N(tcases));
}
