/*
 * Netlink messages as the kernel sends them, for the tests and the fuzz
 * seeds (nlmsg.h).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "nlmsg.h"

/* A message of type at the end of the datagram; nlmsg_end() counts it. */
static struct nlmsghdr *
nlmsg_start(struct nlmsg_buf *nb, uint16_t type)
{
	struct nlmsghdr	*nlh = mnl_nlmsg_put_header(nb->b + nb->len);

	nlh->nlmsg_type = type;
	return nlh;
}

static struct nlmsghdr *
nlmsg_end(struct nlmsg_buf *nb, struct nlmsghdr *nlh)
{
	nb->len += MNL_ALIGN(nlh->nlmsg_len);
	return nlh;
}

/* The address s as attribute type: 16 bytes for AF_INET6, else 4. */
static void
nlmsg_put_addr(struct nlmsghdr *nlh, uint8_t family, uint16_t type,
    const char *s)
{
	uint8_t	b[16];

	if (inet_pton(family == AF_INET6 ? AF_INET6 : AF_INET, s, b) != 1) {
		fprintf(stderr, "nlmsg: not an address: %s\n", s);
		abort();
	}
	mnl_attr_put(nlh, type, family == AF_INET6 ? 16 : 4, b);
}

/* ---- ctnetlink ------------------------------------------------------ */

static void
nlmsg_put_tuple(struct nlmsghdr *nlh, const struct nlmsg_ct *c,
    uint16_t type, const struct nlmsg_tuple *t)
{
	struct nlattr	*tn, *n;
	bool		 v6 = c->family == AF_INET6;

	tn = mnl_attr_nest_start(nlh, type);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	nlmsg_put_addr(nlh, c->family, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC,
	    t->src);
	nlmsg_put_addr(nlh, c->family, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST,
	    t->dst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, c->proto);
	if (c->proto == IPPROTO_ICMP) {
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(t->sport));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, t->dport >> 8);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, t->dport & 0xff);
	} else if (!c->no_ports) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	}
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, tn);
}

struct nlmsghdr *
nlmsg_ct(struct nlmsg_buf *nb, const struct nlmsg_ct *c)
{
	struct nlmsghdr	*nlh;
	struct nfgenmsg	*nfg;
	struct nlattr	*n, *m;

	nlh = nlmsg_start(nb, (uint16_t)((c->subsys ? c->subsys :
	    NFNL_SUBSYS_CTNETLINK) << 8 | c->msg));
	nlh->nlmsg_pid = c->pid;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = c->family;
	nfg->version = NFNETLINK_V0;
	nlmsg_put_tuple(nlh, c, CTA_TUPLE_ORIG, &c->orig);
	if (!c->no_reply)
		nlmsg_put_tuple(nlh, c, CTA_TUPLE_REPLY, &c->reply);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(c->status));
	if (c->timeout)
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(c->timeout));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(c->id));
	if (c->zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(c->zone));
	if (c->state >= 0) {
		n = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
		m = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE,
		    (uint8_t)c->state);
		mnl_attr_nest_end(nlh, m);
		mnl_attr_nest_end(nlh, n);
	}
	if (c->tstart) {
		n = mnl_attr_nest_start(nlh, CTA_TIMESTAMP);
		mnl_attr_put_u64(nlh, CTA_TIMESTAMP_START, htobe64(c->tstart));
		if (c->tstop)
			mnl_attr_put_u64(nlh, CTA_TIMESTAMP_STOP,
			    htobe64(c->tstop));
		mnl_attr_nest_end(nlh, n);
	}
	return nlmsg_end(nb, nlh);
}

/* ---- NFLOG ---------------------------------------------------------- */

struct nlmsghdr *
nlmsg_nflog(struct nlmsg_buf *nb, const uint8_t *pkt, size_t len, int seq)
{
	struct nlmsghdr			*nlh;
	struct nfgenmsg			*nfg;
	struct nfulnl_msg_packet_hdr	 ph = { htons(0x0800), 2, 0 };

	nlh = nlmsg_start(nb, NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(4242);
	mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	mnl_attr_put_strz(nlh, NFULA_PREFIX, "ephemd quarantine");
	if (seq >= 0)
		mnl_attr_put_u32(nlh, NFULA_SEQ, htonl((uint32_t)seq));
	if (pkt != NULL)
		mnl_attr_put(nlh, NFULA_PAYLOAD, len, pkt);
	return nlmsg_end(nb, nlh);
}

struct quar *
nlmsg_drops_quar(uint64_t now_ms)
{
	static const char *const held[] = { "10.0.0.66", "fd00::66" };
	static struct quar_conf	 qc = {
		.enabled = true,
		.timeout_s = 3600,
		.escalation = 4,
		.max_timeout_s = 86400,
		.forget_s = 86400,
		.per_hour = 10,
		.max_hosts = 10,
	};
	struct quar		*q;
	struct addr		 a;
	char			 note[160];
	size_t			 i;

	if ((q = quar_new(&qc)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		if (addr_parse(held[i], strlen(held[i]), &a) == -1) {
			fprintf(stderr, "nlmsg: not an address: %s\n",
			    held[i]);
			abort();
		}
		quar_add(q, &a, false, 3600, now_ms, note, sizeof(note));
	}
	return q;
}

/* ---- rtnetlink ------------------------------------------------------ */

struct nlmsghdr *
nlmsg_link(struct nlmsg_buf *nb, uint16_t type, int index, const char *name,
    unsigned flags)
{
	struct nlmsghdr		*nlh = nlmsg_start(nb, type);
	struct ifinfomsg	*ifi;
	static const uint8_t	 mac[6] = { 2, 0, 0, 0, 0, 1 };

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nlmsg_end(nb, nlh);
}

struct nlmsghdr *
nlmsg_addr(struct nlmsg_buf *nb, uint16_t type, int index, const char *a,
    int plen)
{
	struct nlmsghdr		*nlh = nlmsg_start(nb, type);
	struct ifaddrmsg	*ifa;
	bool			 v6 = strchr(a, ':') != NULL;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)index;
	nlmsg_put_addr(nlh, ifa->ifa_family, IFA_ADDRESS, a);
	if (!v6)
		nlmsg_put_addr(nlh, AF_INET, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	return nlmsg_end(nb, nlh);
}

struct nlmsghdr *
nlmsg_route(struct nlmsg_buf *nb, uint16_t type, uint8_t family, int dst_len,
    uint32_t priority, int oif, int oif2)
{
	struct nlmsghdr		*nlh = nlmsg_start(nb, type);
	struct rtmsg		*rtm;
	struct nlattr		*mp;
	struct rtnexthop	*nh;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = (uint8_t)dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	if (priority != 0)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, priority);
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
	return nlmsg_end(nb, nlh);
}

struct nlmsghdr *
nlmsg_neigh(struct nlmsg_buf *nb, uint16_t type, int index, const char *a,
    const uint8_t *mac)
{
	struct nlmsghdr	*nlh = nlmsg_start(nb, type);
	struct ndmsg	*nd;
	bool		 v6 = strchr(a, ':') != NULL;

	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = v6 ? AF_INET6 : AF_INET;
	nd->ndm_ifindex = index;
	nd->ndm_state = NUD_REACHABLE;
	nlmsg_put_addr(nlh, nd->ndm_family, NDA_DST, a);
	if (mac != NULL)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlmsg_end(nb, nlh);
}
