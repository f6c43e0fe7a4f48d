/*
 * rtnl.c without a kernel: rtnetlink messages (links, addresses, default
 * routes, neighbours) built as the kernel sends them and parsed back, and
 * the internal prefixes they make: the LAN side ("auto": no default route,
 * not loopback) or interfaces by name, link-local addresses left out, a
 * prefix that goes away kept for the filter, the gateway's own addresses
 * never clients.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "testutil.h"

static char	buf[65536];
static size_t	blen;

/* Messages are appended to buf; one datagram, as the kernel sends it. */
static struct nlmsghdr *
put(uint16_t type)
{
	struct nlmsghdr	*nlh = mnl_nlmsg_put_header(buf + blen);

	nlh->nlmsg_type = type;
	return nlh;
}

static void
done(struct nlmsghdr *nlh)
{
	blen += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *
msg_link(uint16_t type, int index, const char *name, unsigned flags)
{
	struct nlmsghdr		*nlh = put(type);
	struct ifinfomsg	*ifi;
	static const uint8_t	 mac[6] = { 2, 0, 0, 0, 0, 1 };

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	done(nlh);
	return nlh;
}

static struct nlmsghdr *
msg_addr(uint16_t type, int index, const char *a, int plen)
{
	struct nlmsghdr		*nlh = put(type);
	struct ifaddrmsg	*ifa;
	uint8_t			 b[16];
	bool			 v6 = strchr(a, ':') != NULL;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)index;
	ck_assert_int_eq(inet_pton(ifa->ifa_family, a, b), 1);
	mnl_attr_put(nlh, IFA_ADDRESS, v6 ? 16 : 4, b);
	if (!v6)
		mnl_attr_put(nlh, IFA_LOCAL, 4, b);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	done(nlh);
	return nlh;
}

static struct nlmsghdr *
msg_route(uint16_t type, uint8_t family, int dst_len, int oif, int oif2)
{
	struct nlmsghdr		*nlh = put(type);
	struct rtmsg		*rtm;
	struct nlattr		*mp;
	struct rtnexthop	*nh;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = (uint8_t)dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	if (oif2 == 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	else {
		mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
		nh = mnl_nlmsg_get_payload_tail(nlh);
		memset(nh, 0, sizeof(*nh) * 2);
		nh[0].rtnh_len = sizeof(*nh);
		nh[0].rtnh_ifindex = oif;
		nh[1].rtnh_len = sizeof(*nh);
		nh[1].rtnh_ifindex = oif2;
		nlh->nlmsg_len += 2 * sizeof(*nh);
		mnl_attr_nest_end(nlh, mp);
	}
	done(nlh);
	return nlh;
}

static struct nlmsghdr *
msg_neigh(uint16_t type, int index, const char *a, const uint8_t *mac)
{
	struct nlmsghdr	*nlh = put(type);
	struct ndmsg	*nd;
	uint8_t		 b[16];
	bool		 v6 = strchr(a, ':') != NULL;

	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = v6 ? AF_INET6 : AF_INET;
	nd->ndm_ifindex = index;
	nd->ndm_state = NUD_REACHABLE;
	ck_assert_int_eq(inet_pton(nd->ndm_family, a, b), 1);
	mnl_attr_put(nlh, NDA_DST, v6 ? 16 : 4, b);
	if (mac != NULL)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	done(nlh);
	return nlh;
}

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

	blen = 0;
	ck_assert_int_eq(rtnl_parse_link(msg_link(RTM_NEWLINK, 3, "eth1",
	    IFF_UP), &l), 1);
	ck_assert_int_eq(l.ifindex, 3);
	ck_assert_str_eq(l.name, "eth1");
	ck_assert(!l.loopback && !l.del && l.has_mac);
	ck_assert_int_eq(rtnl_parse_link(msg_link(RTM_DELLINK, 1, "lo",
	    IFF_LOOPBACK), &l), 1);
	ck_assert(l.loopback && l.del);

	ck_assert_int_eq(rtnl_parse_addr(msg_addr(RTM_NEWADDR, 3,
	    "192.168.7.1", 24), &a), 1);
	want = A("192.168.7.0");
	ck_assert(addr_cmp(&a.net.addr, &want) == 0);
	ck_assert_uint_eq(a.net.plen, 96 + 24);
	want = A("192.168.7.1");
	ck_assert(addr_cmp(&a.local, &want) == 0);
	ck_assert_uint_eq(a.flags, IFA_F_PERMANENT);
	ck_assert_int_eq(rtnl_parse_addr(msg_addr(RTM_DELADDR, 3,
	    "2001:db8:1::1", 64), &a), 1);
	want = A("2001:db8:1::");
	ck_assert(addr_cmp(&a.net.addr, &want) == 0 && a.net.plen == 64 &&
	    a.del);
	/* an index no interface has (ifa_index is unsigned, ifindex not) */
	nlh = msg_addr(RTM_NEWADDR, 3, "192.168.7.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index =
	    0x80000003u;
	ck_assert_int_eq(rtnl_parse_addr(nlh, &a), -1);

	ck_assert_int_eq(rtnl_parse_route(msg_route(RTM_NEWROUTE, AF_INET, 0,
	    2, 0), &r), 1);
	ck_assert_uint_eq(r.noif, 1);
	ck_assert_int_eq(r.oif[0], 2);
	ck_assert_int_eq(rtnl_parse_route(msg_route(RTM_NEWROUTE, AF_INET6, 0,
	    2, 5), &r), 1);
	ck_assert_uint_eq(r.noif, 2);
	ck_assert_int_eq(r.oif[1], 5);
	/* not a default route: nothing for us */
	ck_assert_int_eq(rtnl_parse_route(msg_route(RTM_NEWROUTE, AF_INET, 24,
	    2, 0), &r), 0);

	ck_assert_int_eq(rtnl_parse_neigh(msg_neigh(RTM_NEWNEIGH, 3,
	    "192.168.7.20", mac), &n), 1);
	ck_assert(n.has_mac && memcmp(n.mac, mac, 6) == 0);
	want = A("192.168.7.20");
	ck_assert(addr_cmp(&n.addr, &want) == 0);
	ck_assert_int_eq(rtnl_parse_neigh(msg_neigh(RTM_NEWNEIGH, 3,
	    "fe80::1", NULL), &n), 1);
	ck_assert(!n.has_mac);

	/* another kind, for each parser */
	ck_assert_int_eq(rtnl_parse_link(msg_neigh(RTM_NEWNEIGH, 3,
	    "192.168.7.20", mac), &l), 0);
	ck_assert_int_eq(rtnl_parse_neigh(msg_link(RTM_NEWLINK, 3, "eth1", 0),
	    &n), 0);
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

	blen = 0;
	m[0] = msg_link(RTM_NEWLINK, 3, "eth1", 0);
	m[1] = msg_addr(RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	m[2] = msg_route(RTM_NEWROUTE, AF_INET6, 0, 2, 5);
	m[3] = msg_neigh(RTM_NEWNEIGH, 3, "192.168.7.20", mac);
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
}

static void
teardown(void)
{
	rtnl_close(rt);
	core_free(core);
	conf_free(conf);
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
	blen = 0;
	msg_link(RTM_NEWLINK, 1, "lo", IFF_LOOPBACK);
	msg_link(RTM_NEWLINK, 2, "wan", 0);
	msg_link(RTM_NEWLINK, 3, "lan", 0);
	msg_link(RTM_NEWLINK, 4, "wifi", 0);
	msg_addr(RTM_NEWADDR, 1, "127.0.0.1", 8);
	msg_addr(RTM_NEWADDR, 2, "198.51.100.2", 24);
	msg_addr(RTM_NEWADDR, 2, "2001:db8:ff::2", 64);
	msg_addr(RTM_NEWADDR, 3, "192.168.7.1", 24);
	msg_addr(RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	msg_addr(RTM_NEWADDR, 3, "fe80::1", 64);
	msg_addr(RTM_NEWADDR, 4, "10.9.0.1", 16);
	msg_route(RTM_NEWROUTE, AF_INET, 0, 2, 0);
	msg_route(RTM_NEWROUTE, AF_INET6, 0, 2, 0);
	rtnl_input(rt, buf, blen);
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
	blen = 0;
	msg_addr(RTM_DELADDR, 3, "2001:db8:1::1", 64);
	msg_addr(RTM_NEWADDR, 3, "2001:db8:2::1", 64);
	rtnl_input(rt, buf, blen);
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "10.9.0.0/16 (wifi), 2001:db8:2::/64 (lan)");
	ck_assert(client("2001:db8:2::55", "2001:db8:2::55"));
	ck_assert(!client("2001:db8:1::55", "2001:db8:1::55"));
	/* the old one stays in the kernel filter, for its flows' ends */
	ck_assert_int_eq(rtnl_filter(rt, &f), 0);
	ck_assert_uint_eq(f.n, 4);
	netlist_clear(&f);
	/* and back again: no longer retired */
	blen = 0;
	msg_addr(RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	rtnl_input(rt, buf, blen);
	ck_assert_int_eq(rtnl_filter(rt, &f), 0);
	ck_assert_uint_eq(f.n, 4);
	netlist_clear(&f);
}
END_TEST

/* The WAN loses its default route: it is the LAN side now ("auto"). */
START_TEST(test_rtnl_routes)
{
	gateway();
	blen = 0;
	msg_route(RTM_DELROUTE, AF_INET, 0, 2, 0);
	rtnl_input(rt, buf, blen);
	/* the IPv6 default route still leaves by it */
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan), 10.9.0.0/16 (wifi)");
	blen = 0;
	msg_route(RTM_DELROUTE, AF_INET6, 0, 2, 0);
	rtnl_input(rt, buf, blen);
	ck_assert_str_eq(prefixes(), "198.51.100.0/24 (wan), "
	    "2001:db8:ff::/64 (wan), 192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan), 10.9.0.0/16 (wifi)");
	/* multipath: both interfaces carry it */
	blen = 0;
	msg_route(RTM_NEWROUTE, AF_INET, 0, 2, 4);
	rtnl_input(rt, buf, blen);
	ck_assert_str_eq(prefixes(), "192.168.7.0/24 (lan), "
	    "2001:db8:1::/64 (lan)");
	/* an interface that goes takes its addresses and routes along */
	blen = 0;
	msg_link(RTM_DELLINK, 3, "lan", 0);
	rtnl_input(rt, buf, blen);
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

	blen = 0;
	nlh = msg_addr(RTM_NEWADDR, 3, "192.168.7.1", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_prefixlen = 40;
	rtnl_input(rt, buf, blen);
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
