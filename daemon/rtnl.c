/*
 * The gateway's own network, from the kernel over rtnetlink (libmnl):
 * its interfaces, their addresses, the default routes, and the neighbour
 * table (address to MAC).  From them come the internal prefixes, the
 * networks whose sources are clients:
 *
 *	internal_interfaces = "auto"	every interface that carries no
 *					default route (the LAN side), but
 *					loopback
 *	internal_interfaces = [names]	those interfaces
 *
 * Every prefix configured on such an interface is internal, IPv4 and
 * IPv6 (link-local ones excepted), together with internal_networks.  The
 * gateway's own addresses are never clients.  Dumps at start, then the
 * kernel's events: a delegated prefix that changes is internal as soon as
 * its address appears.  A prefix that goes away stays in the kernel
 * filter of the event socket ("retired") until no host of it holds a
 * flow, so that its flows still end by their DESTROY.
 *
 * The message parsers are pure and exported for the tests and fuzzers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "log.h"

#define RTNL_LINKS	1024	/* interfaces followed */
#define RTNL_ADDRS	4096	/* addresses followed */
#define RTNL_ROUTES	256	/* default routes followed */
#define RTNL_RETIRED	64	/* prefixes kept in the filter after they go */
#define RTNL_BUFSZ	(64 * 1024)

struct rtnl_route_ent {
	int		ifindex;
	uint8_t		family;
	uint8_t		table;
	uint32_t	metric;
};

struct rtnl {
	const struct conf	*conf;
	struct core		*core;
	struct loop		*loop;
	struct mnl_socket	*ev;
	rtnl_change_fn		 change;
	void			*change_arg;
	rtnl_neigh_fn		 neigh;		/* a neighbour's MAC, known */
	void			*neigh_arg;
	struct rtnl_link	 links[RTNL_LINKS];
	size_t			 nlinks;
	struct rtnl_addr	 addrs[RTNL_ADDRS];
	size_t			 naddrs;
	struct rtnl_route_ent	 routes[RTNL_ROUTES];
	size_t			 nroutes;
	struct rtnl_prefix	*pfx;		/* internal, with sources */
	size_t			 npfx;
	struct net		 retired[RTNL_RETIRED];
	size_t			 nretired;
	bool			 dirty;		/* recompute the prefixes */
	bool			 full;		/* a table refused an entry */
	struct rtnl_stats	 st;
	struct timer		 tick;
	char			*buf;
};

/* ---- parsers --------------------------------------------------------- */

/*
 * A message whose length is not a multiple of 4: libmnl's attribute walk
 * trusts the aligned length and would read up to 3 bytes past the end.
 */
static bool
msg_unaligned(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_len & (MNL_ALIGNTO - 1)) != 0;
}

static int
attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr	**tb = data;
	int			  type = mnl_attr_get_type(a);

	/* every table below is sized for its message's _MAX + 1 */
	if (type <= 64)
		tb[type] = a;
	return MNL_CB_OK;
}

/* An address attribute of family's size into ret; -1 when it is not. */
static int
attr_addr(const struct nlattr *a, uint8_t family, struct addr *ret)
{
	uint16_t	len;
	uint32_t	v4;

	if (a == NULL)
		return -1;
	len = mnl_attr_get_payload_len(a);
	if (family == AF_INET && len == 4) {
		memcpy(&v4, mnl_attr_get_payload(a), 4);
		addr_from_v4(ret, ntohl(v4));
		return 0;
	}
	if (family == AF_INET6 && len == 16) {
		memcpy(ret->b, mnl_attr_get_payload(a), 16);
		return 0;
	}
	return -1;
}

/*
 * RTM_NEWLINK, RTM_DELLINK: an interface's index, name, loopback flag
 * and MAC.  1 parsed, 0 another message, -1 malformed.
 */
int
rtnl_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *ret)
{
	const struct nlattr	*tb[65] = { 0 };
	const struct ifinfomsg	*ifi;
	const char		*name;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)) ||
	    msg_unaligned(nlh))
		return -1;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb) != MNL_CB_OK ||
	    ifi->ifi_index <= 0)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifi->ifi_index;
	ret->del = nlh->nlmsg_type == RTM_DELLINK;
	ret->loopback = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
	if (tb[IFLA_IFNAME] != NULL) {
		if (mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
			return -1;
		name = mnl_attr_get_str(tb[IFLA_IFNAME]);
		if (strlen(name) >= sizeof(ret->name))
			return -1;
		strcpy(ret->name, name);
	}
	if (tb[IFLA_ADDRESS] != NULL &&
	    mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(ret->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		ret->has_mac = true;
	}
	return 1;
}

/* RTM_NEWADDR, RTM_DELADDR: an address and its prefix on an interface. */
int
rtnl_parse_addr(const struct nlmsghdr *nlh, struct rtnl_addr *ret)
{
	const struct nlattr	*tb[65] = { 0 };
	const struct ifaddrmsg	*ifa;
	const struct nlattr	*a;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    msg_unaligned(nlh))
		return -1;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb) != MNL_CB_OK ||
	    ifa->ifa_index == 0 || ifa->ifa_index > INT_MAX ||
	    ifa->ifa_prefixlen > (ifa->ifa_family == AF_INET ? 32 : 128))
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = (int)ifa->ifa_index;
	ret->del = nlh->nlmsg_type == RTM_DELADDR;
	ret->scope = ifa->ifa_scope;
	ret->flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] != NULL &&
	    mnl_attr_get_payload_len(tb[IFA_FLAGS]) == 4)
		ret->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	/* IPv4: IFA_LOCAL is ours, IFA_ADDRESS a point-to-point peer */
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (attr_addr(a, ifa->ifa_family, &ret->local) == -1)
		return -1;
	ret->net.addr = ret->local;
	ret->net.plen = ifa->ifa_prefixlen +
	    (ifa->ifa_family == AF_INET ? 96 : 0);
	net_mask(&ret->net);
	return 1;
}

/*
 * RTM_NEWROUTE, RTM_DELROUTE of a default route (destination length 0,
 * unicast): its family, table, metric and the interfaces it leaves by
 * (one, or those of its next hops).  Other routes: 0.
 */
int
rtnl_parse_route(const struct nlmsghdr *nlh, struct rtnl_route *ret)
{
	const struct nlattr	*tb[65] = { 0 };
	const struct rtmsg	*rtm;
	const struct rtnexthop	*nh;
	size_t			 left;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    msg_unaligned(nlh))
		return -1;
	rtm = mnl_nlmsg_get_payload(nlh);
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb) != MNL_CB_OK)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->family = rtm->rtm_family;
	ret->del = nlh->nlmsg_type == RTM_DELROUTE;
	ret->table = rtm->rtm_table;
	if (tb[RTA_TABLE] != NULL && mnl_attr_get_payload_len(tb[RTA_TABLE]) ==
	    4)
		ret->table = mnl_attr_get_u32(tb[RTA_TABLE]) > 255 ? 0 :
		    (uint8_t)mnl_attr_get_u32(tb[RTA_TABLE]);
	if (tb[RTA_PRIORITY] != NULL &&
	    mnl_attr_get_payload_len(tb[RTA_PRIORITY]) == 4)
		ret->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_OIF] != NULL && mnl_attr_get_payload_len(tb[RTA_OIF]) == 4)
		ret->oif[ret->noif++] = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH] != NULL) {
		nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		left = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);
		while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		    nh->rtnh_len <= left) {
			size_t step = (size_t)RTNH_ALIGN(nh->rtnh_len);

			if (ret->noif < RTNL_NEXTHOPS)
				ret->oif[ret->noif++] = nh->rtnh_ifindex;
			if (step >= left)
				break;
			left -= step;
			nh = (const struct rtnexthop *)((const char *)nh +
			    step);
		}
	}
	return ret->noif > 0 ? 1 : -1;
}

/* RTM_NEWNEIGH, RTM_DELNEIGH: an address on a link and its MAC. */
int
rtnl_parse_neigh(const struct nlmsghdr *nlh, struct rtnl_neigh *ret)
{
	const struct nlattr	*tb[65] = { 0 };
	const struct ndmsg	*nd;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nd)) ||
	    msg_unaligned(nlh))
		return -1;
	nd = mnl_nlmsg_get_payload(nlh);
	if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*nd), attr_cb, tb) != MNL_CB_OK ||
	    nd->ndm_ifindex <= 0)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = nd->ndm_ifindex;
	ret->state = nd->ndm_state;
	ret->del = nlh->nlmsg_type == RTM_DELNEIGH;
	if (attr_addr(tb[NDA_DST], nd->ndm_family, &ret->addr) == -1)
		return -1;
	if (tb[NDA_LLADDR] != NULL &&
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		memcpy(ret->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		ret->has_mac = true;
	}
	return 1;
}

/* ---- tables ---------------------------------------------------------- */

static struct rtnl_link *
link_find(struct rtnl *r, int ifindex)
{
	size_t	i;

	for (i = 0; i < r->nlinks; i++)
		if (r->links[i].ifindex == ifindex)
			return &r->links[i];
	return NULL;
}

static void
link_update(struct rtnl *r, const struct rtnl_link *l)
{
	struct rtnl_link	*e = link_find(r, l->ifindex);
	size_t			 i;

	if (l->del) {
		if (e != NULL)
			*e = r->links[--r->nlinks];
		/* its addresses and routes go with it */
		for (i = 0; i < r->naddrs; )
			if (r->addrs[i].ifindex == l->ifindex)
				r->addrs[i] = r->addrs[--r->naddrs];
			else
				i++;
		for (i = 0; i < r->nroutes; )
			if (r->routes[i].ifindex == l->ifindex)
				r->routes[i] = r->routes[--r->nroutes];
			else
				i++;
		r->dirty = true;
		return;
	}
	if (e == NULL) {
		if (r->nlinks == RTNL_LINKS) {
			r->full = true;
			return;
		}
		e = &r->links[r->nlinks++];
	} else if (strcmp(e->name, l->name) == 0 && e->loopback == l->loopback)
		return;		/* a change of state: nothing for us */
	*e = *l;
	if (l->name[0] == '\0' && e->name[0] == '\0')
		snprintf(e->name, sizeof(e->name), "if%d", l->ifindex);
	r->dirty = true;
}

static void
addr_update(struct rtnl *r, const struct rtnl_addr *a)
{
	size_t	i;

	for (i = 0; i < r->naddrs; i++)
		if (r->addrs[i].ifindex == a->ifindex &&
		    addr_cmp(&r->addrs[i].local, &a->local) == 0 &&
		    r->addrs[i].net.plen == a->net.plen)
			break;
	if (a->del) {
		if (i < r->naddrs) {
			r->addrs[i] = r->addrs[--r->naddrs];
			r->dirty = true;
		}
		return;
	}
	if (i == r->naddrs) {
		if (r->naddrs == RTNL_ADDRS) {
			r->full = true;
			return;
		}
		r->naddrs++;
		r->dirty = true;
	}
	r->addrs[i] = *a;
}

static void
route_update(struct rtnl *r, const struct rtnl_route *rt)
{
	size_t	i, k;

	for (k = 0; k < rt->noif; k++) {
		for (i = 0; i < r->nroutes; i++)
			if (r->routes[i].ifindex == rt->oif[k] &&
			    r->routes[i].family == rt->family &&
			    r->routes[i].table == rt->table &&
			    r->routes[i].metric == rt->metric)
				break;
		if (rt->del) {
			if (i < r->nroutes) {
				r->routes[i] = r->routes[--r->nroutes];
				r->dirty = true;
			}
			continue;
		}
		if (i < r->nroutes)
			continue;
		if (r->nroutes == RTNL_ROUTES) {
			r->full = true;
			continue;
		}
		r->routes[r->nroutes].ifindex = rt->oif[k];
		r->routes[r->nroutes].family = rt->family;
		r->routes[r->nroutes].table = rt->table;
		r->routes[r->nroutes].metric = rt->metric;
		r->nroutes++;
		r->dirty = true;
	}
}

/* Whether the interface carries a default route (of any table). */
static bool
link_has_default(const struct rtnl *r, int ifindex)
{
	size_t	i;

	for (i = 0; i < r->nroutes; i++)
		if (r->routes[i].ifindex == ifindex)
			return true;
	return false;
}

/* Whether the configuration makes interface l internal. */
static bool
link_internal(const struct rtnl *r, const struct rtnl_link *l)
{
	const struct strlist	*names = &r->conf->internal_ifaces;
	size_t			 i;

	for (i = 0; i < names->n; i++) {
		if (strcmp(names->v[i], "auto") == 0) {
			if (!l->loopback && !link_has_default(r, l->ifindex))
				return true;
		} else if (strcmp(names->v[i], l->name) == 0)
			return true;
	}
	return false;
}

/* An address that says nothing about clients: link-local, multicast. */
static bool
addr_local_scope(const struct addr *a)
{
	static const uint8_t v4ll[] = { 169, 254 };

	if (addr_is_v4(a))
		return memcmp(a->b + 12, v4ll, 2) == 0 || a->b[12] >= 224;
	return (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80) ||
	    a->b[0] == 0xff;
}

static int
prefix_add(struct rtnl_prefix **v, size_t *n, const struct net *net,
    const char *source)
{
	struct rtnl_prefix	*nv;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].net.plen == net->plen &&
		    addr_cmp(&(*v)[i].net.addr, &net->addr) == 0)
			return 0;	/* the first source names it */
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	nv[*n].net = *net;
	snprintf(nv[*n].source, sizeof(nv[*n].source), "%s", source);
	(*n)++;
	return 0;
}

/*
 * The internal prefixes from the tables and the configuration; a prefix
 * that leaves is retired (kept in the kernel filter for its flows).
 */
static void
rtnl_compute(struct rtnl *r)
{
	struct rtnl_prefix	*v = NULL;
	const struct netlist	*cn = &r->conf->core.internal;
	size_t			 n = 0, i, j;
	bool			 kept;

	for (i = 0; i < cn->n; i++)
		if (prefix_add(&v, &n, &cn->v[i], "configuration") == -1)
			goto nomem;
	for (i = 0; i < r->naddrs; i++) {
		const struct rtnl_addr	*a = &r->addrs[i];
		const struct rtnl_link	*l = link_find(r, a->ifindex);

		if (l == NULL || !link_internal(r, l) ||
		    addr_local_scope(&a->local))
			continue;
		if (prefix_add(&v, &n, &a->net, l->name) == -1)
			goto nomem;
	}
	/* what went away is retired, what came back is not */
	for (i = 0; i < r->npfx; i++) {
		for (j = 0, kept = false; j < n && !kept; j++)
			kept = v[j].net.plen == r->pfx[i].net.plen &&
			    addr_cmp(&v[j].net.addr, &r->pfx[i].net.addr) == 0;
		if (!kept && r->nretired < RTNL_RETIRED)
			r->retired[r->nretired++] = r->pfx[i].net;
	}
	for (i = 0; i < r->nretired; )
		for (j = 0; ; j++) {
			if (j == n) {
				i++;
				break;
			}
			if (v[j].net.plen == r->retired[i].plen &&
			    addr_cmp(&v[j].net.addr, &r->retired[i].addr) == 0) {
				r->retired[i] = r->retired[--r->nretired];
				break;
			}
		}
	free(r->pfx);
	r->pfx = v;
	r->npfx = n;
	r->dirty = false;
	r->st.changes++;
	return;
nomem:
	free(v);
	log_warn("rtnetlink: internal prefixes");
}

/* The internal networks and the gateway's own addresses, for the core. */
static void
rtnl_apply(struct rtnl *r)
{
	struct netlist	internal = { NULL, 0 }, local = { NULL, 0 };
	struct net	host;
	size_t		i;

	rtnl_compute(r);
	for (i = 0; i < r->npfx; i++)
		if (netlist_add(&internal, &r->pfx[i].net) == -1)
			goto nomem;
	for (i = 0; i < r->naddrs; i++) {
		host.addr = r->addrs[i].local;
		host.plen = 128;
		if (netlist_add(&local, &host) == -1)
			goto nomem;
	}
	if (r->core != NULL)
		(void)core_set_internal(r->core, &internal, &local);
	if (r->change != NULL)
		r->change(r->change_arg);
nomem:
	netlist_clear(&internal);
	netlist_clear(&local);
}

/* One message of a dump or an event into the tables. */
static int
rtnl_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl		*r = arg;
	struct rtnl_link	 l;
	struct rtnl_addr	 a;
	struct rtnl_route	 rt;
	struct rtnl_neigh	 ne;
	int			 k;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if ((k = rtnl_parse_link(nlh, &l)) == 1)
			link_update(r, &l);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if ((k = rtnl_parse_addr(nlh, &a)) == 1)
			addr_update(r, &a);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if ((k = rtnl_parse_route(nlh, &rt)) == 1)
			route_update(r, &rt);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		if ((k = rtnl_parse_neigh(nlh, &ne)) == 1) {
			r->st.neigh_events++;
			/* a MAC the kernel has confirmed, or is checking */
			if (r->neigh != NULL && !ne.del && ne.has_mac &&
			    (ne.state & (NUD_REACHABLE | NUD_STALE |
			    NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
				r->neigh(r->neigh_arg, &ne);
		}
		break;
	default:
		k = 0;
		break;
	}
	if (k == -1)
		r->st.bad++;
	return MNL_CB_OK;
}

/*
 * A datagram of rtnetlink messages into the tables; the prefixes are
 * computed again when they changed.
 */
void
rtnl_input(struct rtnl *r, const void *buf, size_t len)
{
	if (!nl_datagram_ok(buf, len) ||
	    mnl_cb_run(buf, len, 0, 0, rtnl_msg, r) == MNL_CB_ERROR)
		r->st.bad++;
	if (r->dirty)
		rtnl_apply(r);
}

/* ---- the live side --------------------------------------------------- */

/* Tell fn about every neighbour whose MAC is known (NULL: nobody). */
void
rtnl_on_neigh(struct rtnl *r, rtnl_neigh_fn fn, void *arg)
{
	r->neigh = fn;
	r->neigh_arg = arg;
}

/* Dump one kind of object on a socket of its own, into the tables. */
static int
rtnl_dump(struct rtnl *r, uint16_t type, uint8_t family)
{
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	struct rtgenmsg		*g;
	uint32_t		 seq = (uint32_t)time(NULL), portid;
	ssize_t			 n;
	int			 rv = -1, cb;

	if ((nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(r->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		goto out;
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, r->buf, RTNL_BUFSZ)) <= 0)
			goto out;
		if (!nl_datagram_ok(r->buf, (size_t)n))
			goto out;
		cb = mnl_cb_run(r->buf, (size_t)n, seq, portid, rtnl_msg, r);
		if (cb == MNL_CB_STOP)
			break;
		if (cb == MNL_CB_ERROR)
			goto out;
	}
	rv = 0;
out:
	mnl_socket_close(nl);
	return rv;
}

/* Everything again: at start, when events were lost, for the doctor. */
int
rtnl_resync(struct rtnl *r)
{
	r->nlinks = r->naddrs = r->nroutes = 0;
	if (rtnl_dump(r, RTM_GETLINK, AF_UNSPEC) == -1 ||
	    rtnl_dump(r, RTM_GETADDR, AF_UNSPEC) == -1 ||
	    rtnl_dump(r, RTM_GETROUTE, AF_UNSPEC) == -1) {
		log_warn("rtnetlink: dump");
		return -1;
	}
	r->st.dumps++;
	rtnl_apply(r);
	return 0;
}

/*
 * Overrun of the event socket: a burst of address or route changes (an
 * interface flapping, a big routing update) larger than its buffer.  The
 * events cannot be replayed: read the whole state again.  What is still
 * queued is older than that read (the kernel drops the newest when full)
 * and, applied after it, would bring back what is gone, an interface
 * deleted in the burst among them: thrown away first.  Bounded, for a
 * burst that does not end.
 */
static void
rtnl_overrun(struct rtnl *r)
{
	int	fd = mnl_socket_get_fd(r->ev), i;

	r->st.overruns++;
	log_warnx("rtnetlink: events lost; reading interfaces, addresses "
	    "and routes again");
	for (i = 0; i < 65536; i++)
		if (recv(fd, r->buf, RTNL_BUFSZ, MSG_DONTWAIT) == -1 &&
		    errno != ENOBUFS)
			break;
	(void)rtnl_resync(r);
}

static void
rtnl_read(int fd, uint32_t events, void *arg)
{
	struct rtnl	*r = arg;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < 64; i++) {
		n = recv(fd, r->buf, RTNL_BUFSZ, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == ENOBUFS) {
				rtnl_overrun(r);
				continue;
			}
			return;
		}
		r->st.events++;
		rtnl_input(r, r->buf, (size_t)n);
	}
}

/* Retired prefixes whose hosts hold no flow leave the kernel filter. */
static void
rtnl_tick(void *arg)
{
	struct rtnl		*r = arg;
	const struct hosttab	*t = &r->core->hosts;
	size_t			 i, k;
	bool			 held, gone = false;

	for (k = 0; k < r->nretired; ) {
		for (i = 0, held = false; i < t->n && !held; i++)
			held = t->v[i].held > 0 &&
			    net_contains(&r->retired[k], &t->v[i].addr);
		if (held)
			k++;
		else {
			r->retired[k] = r->retired[--r->nretired];
			gone = true;
		}
	}
	if (gone && r->change != NULL)
		r->change(r->change_arg);
	timer_set(r->loop, &r->tick, 10000);
}

/* Counting without sockets: for rtnl_open, the tests and fuzzers. */
struct rtnl *
rtnl_new(const struct conf *conf, struct core *core)
{
	struct rtnl	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->buf = malloc(RTNL_BUFSZ)) == NULL) {
		free(r);
		return NULL;
	}
	r->conf = conf;
	r->core = core;
	return r;
}

/*
 * Subscribe, then dump: an event that races the dump is applied after
 * it, and changes nothing it did not.  NULL with the reason logged.
 */
struct rtnl *
rtnl_open(const struct conf *conf, struct core *core, struct loop *loop,
    rtnl_change_fn change, void *arg)
{
	static const unsigned groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH,
	};
	struct rtnl	*r;
	size_t		 i;
	int		 g, sz = 4 << 20;

	if ((r = rtnl_new(conf, core)) == NULL) {
		log_warn("rtnetlink");
		return NULL;
	}
	r->loop = loop;
	r->change = change;
	r->change_arg = arg;
	if ((r->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(r->ev, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("rtnetlink: socket");
		goto fail;
	}
	if (setsockopt(mnl_socket_get_fd(r->ev), SOL_SOCKET, SO_RCVBUFFORCE,
	    &sz, sizeof(sz)) == -1)
		(void)setsockopt(mnl_socket_get_fd(r->ev), SOL_SOCKET,
		    SO_RCVBUF, &sz, sizeof(sz));
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		g = (int)groups[i];
		if (mnl_socket_setsockopt(r->ev, NETLINK_ADD_MEMBERSHIP, &g,
		    sizeof(g)) == -1) {
			log_warn("rtnetlink: subscribe");
			goto fail;
		}
	}
	if (rtnl_resync(r) == -1)
		goto fail;
	if (loop_add_fd(loop, mnl_socket_get_fd(r->ev), EPOLLIN, rtnl_read,
	    r) == -1) {
		log_warn("rtnetlink: epoll");
		goto fail;
	}
	r->tick.cb = rtnl_tick;
	r->tick.arg = r;
	timer_set(loop, &r->tick, 10000);
	return r;
fail:
	rtnl_close(r);
	return NULL;
}

void
rtnl_close(struct rtnl *r)
{
	if (r == NULL)
		return;
	if (r->ev != NULL) {
		if (r->loop != NULL) {
			loop_del_fd(r->loop, mnl_socket_get_fd(r->ev));
			timer_stop(r->loop, &r->tick);
		}
		mnl_socket_close(r->ev);
	}
	free(r->pfx);
	free(r->buf);
	free(r);
}

/* A reloaded configuration: the prefixes again, from the same tables. */
void
rtnl_reconfigure(struct rtnl *r, const struct conf *conf)
{
	r->conf = conf;
	rtnl_apply(r);
}

/* The internal prefixes, each with where it came from. */
size_t
rtnl_prefixes(const struct rtnl *r, const struct rtnl_prefix **ret)
{
	*ret = r->pfx;
	return r->npfx;
}

/* The kernel filter's prefixes: the internal ones and the retired. */
int
rtnl_filter(const struct rtnl *r, struct netlist *ret)
{
	size_t	i;

	for (i = 0; i < r->npfx; i++)
		if (netlist_add(ret, &r->pfx[i].net) == -1)
			return -1;
	for (i = 0; i < r->nretired; i++)
		if (netlist_add(ret, &r->retired[i]) == -1)
			return -1;
	return 0;
}

void
rtnl_get_stats(const struct rtnl *r, struct rtnl_stats *ret)
{
	*ret = r->st;
	ret->links = r->nlinks;
	ret->addrs = r->naddrs;
	ret->default_routes = r->nroutes;
	ret->retired = r->nretired;
	ret->full = r->full;
}

/* Whether interface ifindex is one of the LAN side's (for the doctor). */
bool
rtnl_link_internal(const struct rtnl *r, int ifindex)
{
	const struct rtnl_link	*l = link_find((struct rtnl *)r, ifindex);

	return l != NULL && link_internal(r, l);
}

/* The interfaces, for the doctor and status: name, default route, LAN. */
size_t
rtnl_links(const struct rtnl *r, const struct rtnl_link **ret)
{
	*ret = r->links;
	return r->nlinks;
}

bool
rtnl_link_default(const struct rtnl *r, int ifindex)
{
	return link_has_default(r, ifindex);
}
