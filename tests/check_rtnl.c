/*
 * rtnl.c without a kernel: rtnetlink messages (links, addresses, default
 * routes, neighbours) built as the kernel sends them and parsed back, and
 * the internal prefixes they make: the LAN side ("auto": no default route,
 * not loopback) or interfaces by name, link-local addresses left out, a
 * prefix that goes away kept for the filter, the gateway's own addresses
 * never clients.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "nlmsg.h"
#include "testutil.h"

static struct nlmsg_buf	nb;

static struct addr
A(const char *s)
{
	struct addr	a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "%s", s);
	return a;
}

/* Each message kind, parsed back to what was built. */
START_TEST(test_rtnl_parse)
{
	struct rtnl_link	 l;
	struct rtnl_addr	 a;
	struct rtnl_route	 r;
	struct rtnl_neigh	 n;
	static const uint8_t	 mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct addr		 want;
	struct nlmsghdr		*nlh;

	nb.len = 0;
	ck_assert_int_eq(rtnl_parse_link(nlmsg_link(&nb, RTM_NEWLINK, 3, "eth1",
	    IFF_UP), &l), 1);
	ck_assert_int_eq(l.ifindex, 3);
	ck_assert_str_eq(l.name, "eth1");
	ck_assert(!l.loopback && !l.del && l.has_mac);
	ck_assert_int_eq(rtnl_parse_link(nlmsg_link(&nb, RTM_DELLINK, 1, "lo",
	    IFF_LOOPBACK), &l), 1);
	ck_assert(l.loopback && l.del);

	ck_assert_int_eq(rtnl_parse_addr(nlmsg_addr(&nb, RTM_NEWADDR, 3,
	    "192.168.7.1", 24), &a), 1);
	want = A("192.168.7.0");
	ck_assert(addr_cmp(&a.net.addr, &want) == 0);
	ck_assert_uint_eq(a.net.plen, 96 + 24);
	want = A("192.168.7.1");
	ck_assert(addr_cmp(&a.local, &want) == 0);
	ck_assert_uint_eq(a.flags, IFA_F_PERMANENT);
	ck_assert_int_eq(rtnl_parse_addr(nlmsg_addr(&nb, RTM_DELADDR, 3,
	    "2001:db8:1::1", 64), &a), 1);
	want = A("2001:db8:1::");
	ck_assert(addr_cmp(&a.net.addr, &want) == 0 && a.net.plen == 64 &&
	    a.del);
	/* an index no interface has (ifa_index is unsigned, ifindex not) */
	nlh = nlmsg_addr(&nb, RTM_NEWADDR, 3, "192.168.7.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index =
	    0x80000003u;
	ck_assert_int_eq(rtnl_parse_addr(nlh, &a), -1);

	ck_assert_int_eq(rtnl_parse_route(nlmsg_route(&nb, RTM_NEWROUTE,
	    AF_INET, 0, 0, 2, 0), &r), 1);
	ck_assert_uint_eq(r.noif, 1);
	ck_assert_int_eq(r.oif[0], 2);
	ck_assert_int_eq(rtnl_parse_route(nlmsg_route(&nb, RTM_NEWROUTE,
	    AF_INET6, 0, 0, 2, 5), &r), 1);
	ck_assert_uint_eq(r.noif, 2);
	ck_assert_int_eq(r.oif[1], 5);
	/* not a default route: nothing for us */
	ck_assert_int_eq(rtnl_parse_route(nlmsg_route(&nb, RTM_NEWROUTE,
	    AF_INET, 24, 0, 2, 0), &r), 0);

	ck_assert_int_eq(rtnl_parse_neigh(nlmsg_neigh(&nb, RTM_NEWNEIGH, 3,
	    "192.168.7.20", mac), &n), 1);
	ck_assert(n.has_mac && memcmp(n.mac, mac, 6) == 0);
	want = A("192.168.7.20");
	ck_assert(addr_cmp(&n.addr, &want) == 0);
	ck_assert_int_eq(rtnl_parse_neigh(nlmsg_neigh(&nb, RTM_NEWNEIGH, 3,
	    "fe80::1", NULL), &n), 1);
	ck_assert(!n.has_mac);

	/* another kind, for each parser */
	ck_assert_int_eq(rtnl_parse_link(nlmsg_neigh(&nb, RTM_NEWNEIGH, 3,
	    "192.168.7.20", mac), &l), 0);
	ck_assert_int_eq(rtnl_parse_neigh(nlmsg_link(&nb, RTM_NEWLINK, 3,
	    "eth1", 0), &n), 0);
}
END_TEST

/* Every cut of each message is refused or parsed, never read past. */
START_TEST(test_rtnl_cut)
{
	struct nlmsghdr		*m[4];
	struct rtnl_link	 l;
	struct rtnl_addr	 a;
	struct rtnl_route	 r;
	struct rtnl_neigh	 n;
	static const uint8_t	 mac[6] = { 2, 0, 0, 0, 0, 9 };
	char			*copy;
	uint32_t		 cut;
	size_t			 k;

	nb.len = 0;
	m[0] = nlmsg_link(&nb, RTM_NEWLINK, 3, "eth1", 0);
	m[1] = nlmsg_addr(&nb, RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	m[2] = nlmsg_route(&nb, RTM_NEWROUTE, AF_INET6, 0, 0, 2, 5);
	m[3] = nlmsg_neigh(&nb, RTM_NEWNEIGH, 3, "192.168.7.20", mac);
	for (k = 0; k < 4; k++)
		for (cut = sizeof(struct nlmsghdr); cut < m[k]->nlmsg_len;
		    cut++) {
			ck_assert_ptr_nonnull(copy = malloc(cut));
			memcpy(copy, m[k], cut);
			((struct nlmsghdr *)copy)->nlmsg_len = cut;
			(void)rtnl_parse_link((void *)copy, &l);
			(void)rtnl_parse_addr((void *)copy, &a);
			(void)rtnl_parse_route((void *)copy, &r);
			(void)rtnl_parse_neigh((void *)copy, &n);
			free(copy);
		}
}
END_TEST

static struct conf	*conf;
static struct core	*core;
static struct rtnl	*rt;

static void
setup(void)
{
	ck_assert_ptr_nonnull(conf = conf_new());
	/* the default: "auto" and the RFC 1918 networks; here, none of them */
	netlist_clear(&conf->core.internal);
	ck_assert_ptr_nonnull(core = core_new(&conf->core));
	ck_assert_ptr_nonnull(rt = rtnl_new(conf, core));
	nb.len = 0;
}

static void
teardown(void)
{
	rtnl_close(rt);
	core_free(core);
	conf_free(conf);
}

/* The messages built in nb, to rtnl as one datagram; nb empty again. */
static void
input(void)
{
	rtnl_input(rt, nb.b, nb.len);
	nb.len = 0;
}

/* The prefixes in force, as "PREFIX/LEN (SOURCE)" joined by ", ". */
static const char *
prefixes(void)
{
	static char			 out[1024];
	const struct rtnl_prefix	*p;
	char				 a[ADDR_STRLEN];
	size_t				 i, n = rtnl_prefixes(rt, &p), used = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		addr_fmt(&p[i].net.addr, a, sizeof(a));
		used += (size_t)snprintf(out + used, sizeof(out) - used,
		    "%s%s/%d (%s)", i ? ", " : "", a, p[i].net.plen -
		    (addr_is_v4(&p[i].net.addr) ? 96 : 0), p[i].source);
	}
	return out;
}

/* A gateway: lo, a WAN with the default routes, two LAN interfaces. */
static void
gateway(void)
{
	nlmsg_link(&nb, RTM_NEWLINK, 1, "lo", IFF_LOOPBACK);
	nlmsg_link(&nb, RTM_NEWLINK, 2, "wan", 0);
	nlmsg_link(&nb, RTM_NEWLINK, 3, "lan", 0);
	nlmsg_link(&nb, RTM_NEWLINK, 4, "wifi", 0);
	nlmsg_addr(&nb, RTM_NEWADDR, 1, "127.0.0.1", 8);
	nlmsg_addr(&nb, RTM_NEWADDR, 2, "198.51.100.2", 24);
	nlmsg_addr(&nb, RTM_NEWADDR, 2, "2001:db8:ff::2", 64);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "192.168.7.1", 24);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "fe80::1", 64);
	nlmsg_addr(&nb, RTM_NEWADDR, 4, "10.9.0.1", 16);
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET, 0, 0, 2, 0);
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET6, 0, 0, 2, 0);
	input();
}

static bool
client(const char *src, const char *nat)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.src = A(src);
	ev.nat_addr = A(nat);
	return core_is_client(core, &ev);
}

START_TEST(test_rtnl_auto)
{
	gateway();
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan), 10.9.0.0/16 (wifi)");
	/* a routed IPv6 client, not NATed, is one now */
	ck_assert(client("2001:db8:1::55", "2001:db8:1::55"));
	ck_assert(client("10.9.3.4", "10.9.3.4"));
	/* the gateway itself, the WAN side, link-local: never */
	ck_assert(!client("192.168.7.1", "192.168.7.1"));
	ck_assert(!client("2001:db8:ff::9", "2001:db8:ff::9"));
	ck_assert(!client("fe80::55", "fe80::55"));
	ck_assert(!client("ff02::1", "ff02::1"));
	/* a NATed source is a client wherever it comes from */
	ck_assert(client("172.31.0.5", "198.51.100.2"));
}
END_TEST

/* The delegated prefix changes: the new one is in, the old retired. */
START_TEST(test_rtnl_renumber)
{
	struct netlist	f = { NULL, 0 };

	gateway();
	nlmsg_addr(&nb, RTM_DELADDR, 3, "2001:db8:1::1", 64);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "2001:db8:2::1", 64);
	input();
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "10.9.0.0/16 (wifi), 2001:db8:2::/64 (lan)");
	ck_assert(client("2001:db8:2::55", "2001:db8:2::55"));
	ck_assert(!client("2001:db8:1::55", "2001:db8:1::55"));
	/* the old one stays in the kernel filter, for its flows' ends */
	ck_assert_int_eq(rtnl_filter(rt, &f), 0);
	ck_assert_uint_eq(f.n, 4);
	netlist_clear(&f);
	/* and back again: no longer retired */
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	input();
	ck_assert_int_eq(rtnl_filter(rt, &f), 0);
	ck_assert_uint_eq(f.n, 4);
	netlist_clear(&f);
}
END_TEST

/* The WAN loses its default route: it is the LAN side now ("auto"). */
START_TEST(test_rtnl_routes)
{
	gateway();
	nlmsg_route(&nb, RTM_DELROUTE, AF_INET, 0, 0, 2, 0);
	input();
	/* the IPv6 default route still leaves by it */
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan), 10.9.0.0/16 (wifi)");
	nlmsg_route(&nb, RTM_DELROUTE, AF_INET6, 0, 0, 2, 0);
	input();
	ck_assert_str_eq(prefixes(), "198.51.100.0/24 (wan), "
	    "2001:db8:ff::/64 (wan), 192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan), 10.9.0.0/16 (wifi)");
	/* multipath: both interfaces carry it */
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET, 0, 0, 2, 4);
	input();
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan)");
	/* an interface that goes takes its addresses and routes along */
	nlmsg_link(&nb, RTM_DELLINK, 3, "lan", 0);
	input();
	ck_assert_str_eq(prefixes(), "");
}
END_TEST

/* Names, with internal_networks beside them; a reload applies. */
START_TEST(test_rtnl_named)
{
	strlist_clear(&conf->internal_ifaces);
	ck_assert_int_eq(strlist_add(&conf->internal_ifaces, "wifi"), 0);
	ck_assert_int_eq(netlist_add_str(&conf->core.internal,
	    "10.20.0.0/16"), 0);
	gateway();
	ck_assert_str_eq(prefixes(), "10.20.0.0/16 (configuration), "
	    "10.9.0.0/16 (wifi)");
	ck_assert(!client("2001:db8:1::55", "2001:db8:1::55"));
	strlist_clear(&conf->internal_ifaces);
	rtnl_reconfigure(rt, conf);
	ck_assert_str_eq(prefixes(), "10.20.0.0/16 (configuration)");
}
END_TEST

/* Garbage in a datagram is counted, never fatal. */
START_TEST(test_rtnl_bad)
{
	struct rtnl_stats	st;
	struct nlmsghdr		*nlh;

	nlh = nlmsg_addr(&nb, RTM_NEWADDR, 3, "192.168.7.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_prefixlen = 40;
	input();
	rtnl_get_stats(rt, &st);
	ck_assert_uint_eq(st.bad, 1);
	ck_assert_str_eq(prefixes(), "");
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "parse", NULL, NULL, {
		    test_rtnl_parse, test_rtnl_cut, NULL } },
		{ "prefixes", setup, teardown, {
		    test_rtnl_auto, test_rtnl_renumber, test_rtnl_routes,
		    test_rtnl_named, test_rtnl_bad, NULL } },
	};

	return t_main("rtnl", tcases, T_N(tcases));
}
