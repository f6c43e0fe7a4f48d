/*
 * ct.c's parser of ctnetlink messages (ct_parse), with no kernel: each
 * case of the table builds a message the way the kernel does (libmnl,
 * nested attributes) and names the event it must become, or that it must
 * be refused or ignored.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "live.h"
#include "nlmsg.h"
#include "testutil.h"

#define NOW	1795000000123ULL

struct ctcase {
	const char	*name;
	struct nlmsg_ct	 msg;		/* the message */
	bool		 dump;
	int		 want;		/* ct_parse's result */
	struct flow_event ev;		/* with want 1: what must come out */
	const char	*ev_src, *ev_dst, *ev_nat;
};

#define TCPF	(EVF_PORTS)
static const struct ctcase cases[] = {
	{ "tcp new", { IPCTNL_MSG_CT_NEW, 0, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40000 }, false, false, 0,
	    TCP_CONNTRACK_SYN_SENT, 120, 4242, 0, 0, 0, 0 }, false, 1,
	    { .type = EV_NEW, .proto = IPPROTO_TCP, .sport = 40000,
	    .dport = 443, .nat_port = 40000, .state = CTS_SYN_SENT,
	    .timeout_s = 120, .ct_id = 4242,
	    .flags = TCPF | EVF_UNREPLIED | EVF_TIMEOUT },
	    "10.0.0.2", "198.51.100.7", "203.0.113.1" },
	{ "tcp destroy, time_wait, kernel timestamps", { IPCTNL_MSG_CT_DELETE,
	    0, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 61000 }, false, false,
	    IPS_SEEN_REPLY | IPS_ASSURED, TCP_CONNTRACK_TIME_WAIT, 0, 7,
	    1795000000000000000ULL, 1795000125500000000ULL, 0, 0 }, false, 1,
	    { .type = EV_DESTROY, .proto = IPPROTO_TCP, .sport = 40000,
	    .dport = 443, .nat_port = 61000, .state = CTS_TIME_WAIT,
	    .ct_id = 7, .kstart_ms = 1795000000000ULL,
	    .kstop_ms = 1795000125500ULL, .flags = TCPF | EVF_ASSURED },
	    "10.0.0.2", "198.51.100.7", "203.0.113.1" },
	{ "destroy from user space", { IPCTNL_MSG_CT_DELETE, 0, AF_INET,
	    IPPROTO_TCP, { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40000 }, false, false,
	    IPS_SEEN_REPLY, TCP_CONNTRACK_ESTABLISHED, 0, 8, 0, 0, 0, 4711 },
	    false, 1,
	    { .type = EV_DESTROY, .proto = IPPROTO_TCP, .sport = 40000,
	    .dport = 443, .nat_port = 40000, .state = CTS_ESTABLISHED,
	    .ct_id = 8, .flags = TCPF | EVF_USERSPACE },
	    "10.0.0.2", "198.51.100.7", "203.0.113.1" },
	{ "udp over ipv6, zone", { IPCTNL_MSG_CT_NEW, 0, AF_INET6,
	    IPPROTO_UDP, { "2001:db8:1::5", "2001:db8:99::53", 51000, 53 },
	    { "2001:db8:99::53", "2001:db8:1::5", 53, 51000 }, false, false,
	    0, -1, 30, 9, 0, 0, 3, 0 }, false, 1,
	    { .type = EV_NEW, .proto = IPPROTO_UDP, .sport = 51000,
	    .dport = 53, .nat_port = 51000, .timeout_s = 30, .ct_id = 9,
	    .zone = 3, .flags = EVF_PORTS | EVF_UNREPLIED | EVF_TIMEOUT },
	    "2001:db8:1::5", "2001:db8:99::53", "2001:db8:1::5" },
	{ "icmp echo", { IPCTNL_MSG_CT_NEW, 0, AF_INET, IPPROTO_ICMP,
	    { "10.0.0.3", "198.51.100.9", 777, 8 << 8 },
	    { "198.51.100.9", "203.0.113.1", 777, 0 }, false, false, 0, -1,
	    30, 10, 0, 0, 0, 0 }, false, 1,
	    { .type = EV_NEW, .proto = IPPROTO_ICMP, .sport = 777,
	    .dport = 8 << 8, .timeout_s = 30, .ct_id = 10,
	    .flags = EVF_UNREPLIED | EVF_TIMEOUT },
	    "10.0.0.3", "198.51.100.9", "203.0.113.1" },
	{ "a dump entry", { IPCTNL_MSG_CT_NEW, 0, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 40002, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40002 }, false, false,
	    IPS_SEEN_REPLY | IPS_ASSURED, TCP_CONNTRACK_ESTABLISHED, 431999,
	    11, 0, 0, 0, 0 }, true, 1,
	    { .type = EV_DUMP, .proto = IPPROTO_TCP, .sport = 40002,
	    .dport = 443, .nat_port = 40002, .state = CTS_ESTABLISHED,
	    .timeout_s = 431999, .ct_id = 11,
	    .flags = TCPF | EVF_ASSURED | EVF_TIMEOUT },
	    "10.0.0.2", "198.51.100.7", "203.0.113.1" },
	{ "sctp: ports, a state ephemd does not know", { IPCTNL_MSG_CT_NEW,
	    0, AF_INET, IPPROTO_SCTP,
	    { "10.0.0.2", "198.51.100.7", 5000, 38412 },
	    { "198.51.100.7", "203.0.113.1", 38412, 5000 }, false, false, 0,
	    -1, 0, 12, 0, 0, 0, 0 }, false, 1,
	    { .type = EV_NEW, .proto = IPPROTO_SCTP, .sport = 5000,
	    .dport = 38412, .nat_port = 5000, .state = CTS_OTHER,
	    .ct_id = 12, .flags = EVF_PORTS | EVF_UNREPLIED },
	    "10.0.0.2", "198.51.100.7", "203.0.113.1" },
	{ "no reply tuple", { IPCTNL_MSG_CT_NEW, 0, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 40000, 443 }, { NULL, NULL, 0, 0 },
	    true, false, 0, TCP_CONNTRACK_SYN_SENT, 120, 13, 0, 0, 0, 0 },
	    false, -1, { 0 }, NULL, NULL, NULL },
	{ "tcp without ports", { IPCTNL_MSG_CT_NEW, 0, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 0, 0 },
	    { "198.51.100.7", "203.0.113.1", 0, 0 }, false, true, 0,
	    TCP_CONNTRACK_SYN_SENT, 120, 14, 0, 0, 0, 0 }, false, -1, { 0 },
	    NULL, NULL, NULL },
	{ "another family", { IPCTNL_MSG_CT_NEW, 0, AF_BRIDGE, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40000 }, false, false, 0,
	    -1, 0, 15, 0, 0, 0, 0 }, false, -1, { 0 }, NULL, NULL, NULL },
	{ "a stats message: no event", { IPCTNL_MSG_CT_GET_STATS_CPU, 0,
	    AF_INET, IPPROTO_TCP, { "10.0.0.2", "198.51.100.7", 1, 2 },
	    { "198.51.100.7", "203.0.113.1", 2, 1 }, false, false, 0, -1, 0,
	    16, 0, 0, 0, 0 }, false, 0, { 0 }, NULL, NULL, NULL },
	{ "another subsystem: no event", { IPCTNL_MSG_CT_NEW,
	    NFNL_SUBSYS_CTNETLINK_EXP, AF_INET, IPPROTO_TCP,
	    { "10.0.0.2", "198.51.100.7", 1, 2 },
	    { "198.51.100.7", "203.0.113.1", 2, 1 }, false, false, 0, -1, 0,
	    17, 0, 0, 0, 0 }, false, 0, { 0 }, NULL, NULL, NULL },
};

static struct nlmsg_buf	nb;

/* The message of case c, alone in nb. */
static struct nlmsghdr *
build(const struct ctcase *c)
{
	nb.len = 0;
	return nlmsg_ct(&nb, &c->msg);
}

static void
want_addr(const struct addr *got, const char *s, const char *what,
    const char *name)
{
	struct addr	a;
	char		g[ADDR_STRLEN];

	ck_assert_int_eq(addr_parse(s, strlen(s), &a), 0);
	addr_fmt(got, g, sizeof(g));
	ck_assert_msg(addr_cmp(got, &a) == 0, "%s: %s is %s, not %s", name,
	    what, g, s);
}

START_TEST(test_ct_table)
{
	const struct ctcase	*c = &cases[_i];
	struct flow_event	 ev, *w = (struct flow_event *)&c->ev;
	int			 r;

	r = ct_parse(build(c), c->dump, NOW, &ev);
	ck_assert_msg(r == c->want, "%s: ct_parse %d, not %d", c->name, r,
	    c->want);
	if (r != 1)
		return;
	ck_assert_msg(ev.type == w->type, "%s: type", c->name);
	ck_assert_msg(ev.proto == w->proto, "%s: proto", c->name);
	ck_assert_msg(ev.sport == w->sport && ev.dport == w->dport,
	    "%s: ports %u %u", c->name, ev.sport, ev.dport);
	ck_assert_msg(ev.nat_port == w->nat_port, "%s: nat port %u", c->name,
	    ev.nat_port);
	ck_assert_msg(ev.state == w->state, "%s: state %u", c->name,
	    ev.state);
	ck_assert_msg(ev.flags == w->flags, "%s: flags 0x%x, not 0x%x",
	    c->name, ev.flags, w->flags);
	ck_assert_msg(ev.timeout_s == w->timeout_s, "%s: timeout", c->name);
	ck_assert_msg(ev.ct_id == w->ct_id, "%s: id", c->name);
	ck_assert_msg(ev.zone == w->zone, "%s: zone", c->name);
	ck_assert_msg(ev.kstart_ms == w->kstart_ms &&
	    ev.kstop_ms == w->kstop_ms, "%s: kernel timestamps", c->name);
	ck_assert_msg(ev.ts_ms == NOW, "%s: arrival time", c->name);
	want_addr(&ev.src, c->ev_src, "source", c->name);
	want_addr(&ev.dst, c->ev_dst, "destination", c->name);
	want_addr(&ev.nat_addr, c->ev_nat, "NAT address", c->name);
}
END_TEST

/* Every cut of a good message is refused or parsed, never read past. */
START_TEST(test_ct_cut)
{
	char			*copy;
	struct nlmsghdr		*nlh = build(&cases[1]);
	struct flow_event	 ev;
	uint32_t		 len = nlh->nlmsg_len, cut;

	for (cut = sizeof(*nlh); cut < len; cut++) {
		/* exactly cut bytes, so that a read past them is caught */
		ck_assert_ptr_nonnull(copy = malloc(cut));
		memcpy(copy, nb.b, cut);
		((struct nlmsghdr *)copy)->nlmsg_len = cut;
		(void)ct_parse((struct nlmsghdr *)copy, false, NOW, &ev);
		free(copy);
	}
}
END_TEST

/* The attribute at path (types, outermost first) in nlh, or NULL. */
static struct nlattr *
find(struct nlmsghdr *nlh, const uint16_t *path, size_t n)
{
	struct nlattr	*a, *in = NULL;
	size_t		 k;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == path[0])
			in = a;
	for (k = 1; k < n && in != NULL; k++) {
		struct nlattr *nest = in;

		in = NULL;
		mnl_attr_for_each_nested(a, nest)
			if (mnl_attr_get_type(a) == path[k])
				in = a;
	}
	return in;
}

/*
 * An attribute of another size than the kernel's is refused, at every
 * level the event reads; libnetfilter_conntrack's parser called exit()
 * on one (the fuzzer's find, tests/fuzz/corpus/ct/exit-*).  The length
 * is changed within its padding, so that the walk is the same.
 */
START_TEST(test_ct_attr_size)
{
	static const struct {
		uint16_t	path[3];
		size_t		depth;
		int		nla_len;	/* the wrong one */
	} bad[] = {
		{ { CTA_TUPLE_ORIG, CTA_TUPLE_IP, CTA_IP_V4_SRC }, 3, 7 },
		{ { CTA_TUPLE_ORIG, CTA_TUPLE_IP, CTA_IP_V4_DST }, 3, 7 },
		{ { CTA_TUPLE_REPLY, CTA_TUPLE_IP, CTA_IP_V4_DST }, 3, 7 },
		{ { CTA_TUPLE_ORIG, CTA_TUPLE_PROTO, CTA_PROTO_NUM }, 3, 6 },
		{ { CTA_TUPLE_ORIG, CTA_TUPLE_PROTO, CTA_PROTO_SRC_PORT }, 3,
		    5 },
		{ { CTA_TUPLE_ORIG, CTA_TUPLE_PROTO, CTA_PROTO_DST_PORT }, 3,
		    7 },
		{ { CTA_TUPLE_REPLY, CTA_TUPLE_PROTO, CTA_PROTO_DST_PORT }, 3,
		    7 },
		{ { CTA_STATUS }, 1, 7 },
		{ { CTA_ID }, 1, 7 },
		{ { CTA_PROTOINFO, CTA_PROTOINFO_TCP,
		    CTA_PROTOINFO_TCP_STATE }, 3, 7 },
		{ { CTA_TIMESTAMP, CTA_TIMESTAMP_START }, 2, 11 },
		{ { CTA_TIMESTAMP, CTA_TIMESTAMP_STOP }, 2, 11 },
	};
	struct nlmsghdr		*nlh;
	struct nlattr		*a;
	struct flow_event	 ev;
	size_t			 i;

	for (i = 0; i < T_N(bad); i++) {
		nlh = build(&cases[1]);
		ck_assert_int_eq(ct_parse(nlh, false, NOW, &ev), 1);
		a = find(nlh, bad[i].path, bad[i].depth);
		ck_assert_msg(a != NULL, "case %zu: no such attribute", i);
		ck_assert_int_eq(MNL_ALIGN(a->nla_len),
		    MNL_ALIGN(bad[i].nla_len));
		a->nla_len = (uint16_t)bad[i].nla_len;
		ck_assert_msg(ct_parse(nlh, false, NOW, &ev) == -1,
		    "case %zu: attribute %u of %d bytes accepted", i,
		    bad[i].path[bad[i].depth - 1], bad[i].nla_len - 4);
	}
}
END_TEST

/*
 * nl_datagram_ok, before libmnl walks a datagram: a message length of
 * 2 GiB or more passes libmnl's own check (an int compare) and sent its
 * walk past the datagram (the fuzzer's find, tests/fuzz/corpus).
 */
START_TEST(test_ct_datagram)
{
	struct nlmsghdr	*nlh = build(&cases[0]), *next;
	uint32_t	 len = MNL_ALIGN(nlh->nlmsg_len);

	ck_assert(nl_datagram_ok(nb.b, nlh->nlmsg_len));
	ck_assert(nl_datagram_ok(nb.b, 0));
	/* a second message after the first, its header whole */
	next = nlmsg_ct(&nb, &cases[1].msg);
	ck_assert(nl_datagram_ok(nb.b, len + next->nlmsg_len));
	/* bytes too few for a header at the end are left alone, as libmnl */
	ck_assert(nl_datagram_ok(nb.b, len + 8));
	/* a message longer than the datagram, by a little or by 2 GiB */
	ck_assert(!nl_datagram_ok(nb.b, len + next->nlmsg_len - 1));
	next->nlmsg_len = 0x80000000u + 64;
	ck_assert(!nl_datagram_ok(nb.b, len + 64));
	next->nlmsg_len = 0xffffffffu;
	ck_assert(!nl_datagram_ok(nb.b, len + 64));
	/* shorter than its own header */
	next->nlmsg_len = 8;
	ck_assert(!nl_datagram_ok(nb.b, len + 64));
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "ct", NULL, NULL, {
		    test_ct_cut, test_ct_attr_size, test_ct_datagram, NULL },
		    { { test_ct_table, T_N(cases) } } },
	};

	return t_main("ct", tcases, T_N(tcases));
}
