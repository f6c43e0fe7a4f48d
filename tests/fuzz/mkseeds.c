/*
 * mkseeds - write the fuzz corpora's binary seeds: netlink datagrams
 * (ct, drops, rtnl) built as the kernel sends them, as the unit tests
 * build theirs (check_ct.c, check_drops.c, check_rtnl.c); framed control
 * requests (ctl); state and quarantine files written by the daemon's own
 * writers (state, quar), each raw and in the harness's checksummed form.
 *
 *	mkseeds DIR		writes DIR/ct/..., DIR/drops/..., ...
 *
 * The text seeds (replay, conf, addr) are lines of tests/data and
 * tests/conf, kept as they are.  Run by hand when a format changes
 * (make -C tests/fuzz mkseeds; ./mkseeds SRCDIR/corpus), and commit.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/rtnetlink.h>

#include "live.h"

static const char	*top;
static char		 buf[65536];
static size_t		 blen;

static void
die(const char *what)
{
	fprintf(stderr, "mkseeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* DIR/kind/name: a byte of options (when opt >= 0), then the bytes. */
static void
seed(const char *kind, const char *name, int opt, const void *p, size_t n)
{
	char	path[4096];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", top, kind);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", top, kind, name);
	if ((fp = fopen(path, "we")) == NULL)
		die(path);
	if (opt >= 0)
		fputc(opt, fp);
	if (fwrite(p, 1, n, fp) != n || fclose(fp) == EOF)
		die(path);
}

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

static void
put_ip(struct nlmsghdr *nlh, int family, uint16_t type, const char *s)
{
	uint8_t	b[16];

	if (inet_pton(family, s, b) != 1)
		die(s);
	mnl_attr_put(nlh, type, family == AF_INET6 ? 16 : 4, b);
}

/* ---- conntrack ------------------------------------------------------ */

struct ct {
	uint8_t		 msg, family, proto;
	const char	*src, *dst, *rsrc, *rdst;
	uint16_t	 sport, dport, rsport, rdport;
	uint32_t	 status;
	int		 state;		/* -1: none */
	uint32_t	 timeout, id;
	uint64_t	 tstart, tstop;	/* ns */
	uint16_t	 zone;
	uint32_t	 pid;
};

static void
ct_tuple(struct nlmsghdr *nlh, const struct ct *c, uint16_t type,
    const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct nlattr	*tn, *n;
	bool		 v6 = c->family == AF_INET6;

	tn = mnl_attr_nest_start(nlh, type);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	put_ip(nlh, c->family, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, src);
	put_ip(nlh, c->family, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, dst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, c->proto);
	if (c->proto == IPPROTO_ICMP) {
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(sport));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, dport >> 8);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, dport & 0xff);
	} else {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	}
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, tn);
}

static void
ct_msg(const struct ct *c)
{
	struct nlmsghdr	*nlh = put((uint16_t)(NFNL_SUBSYS_CTNETLINK << 8 |
			    c->msg));
	struct nfgenmsg	*nfg;
	struct nlattr	*n, *m;

	nlh->nlmsg_pid = c->pid;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = c->family;
	nfg->version = NFNETLINK_V0;
	ct_tuple(nlh, c, CTA_TUPLE_ORIG, c->src, c->dst, c->sport, c->dport);
	ct_tuple(nlh, c, CTA_TUPLE_REPLY, c->rsrc, c->rdst, c->rsport,
	    c->rdport);
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
	done(nlh);
}

static void
ct_seeds(void)
{
	static const struct ct new4 = { IPCTNL_MSG_CT_NEW, AF_INET,
	    IPPROTO_TCP, "10.0.0.2", "198.51.100.7", "198.51.100.7",
	    "203.0.113.1", 40000, 443, 443, 40000, 0, TCP_CONNTRACK_SYN_SENT,
	    120, 4242, 0, 0, 0, 0 };
	static const struct ct end4 = { IPCTNL_MSG_CT_DELETE, AF_INET,
	    IPPROTO_TCP, "10.0.0.2", "198.51.100.7", "198.51.100.7",
	    "203.0.113.1", 40000, 443, 443, 61000,
	    IPS_SEEN_REPLY | IPS_ASSURED, TCP_CONNTRACK_TIME_WAIT, 0, 4242,
	    1795000000000000000ULL, 1795000125500000000ULL, 0, 0 };
	static const struct ct user4 = { IPCTNL_MSG_CT_DELETE, AF_INET,
	    IPPROTO_TCP, "10.0.0.3", "198.51.100.7", "198.51.100.7",
	    "203.0.113.1", 40002, 443, 443, 40002, IPS_SEEN_REPLY,
	    TCP_CONNTRACK_ESTABLISHED, 0, 8, 0, 0, 0, 4711 };
	static const struct ct udp6 = { IPCTNL_MSG_CT_NEW, AF_INET6,
	    IPPROTO_UDP, "2001:db8:1::5", "2001:db8:99::53", "2001:db8:99::53",
	    "2001:db8:1::5", 51000, 53, 53, 51000, 0, -1, 30, 9, 0, 0, 3, 0 };
	static const struct ct icmp = { IPCTNL_MSG_CT_NEW, AF_INET,
	    IPPROTO_ICMP, "10.0.0.3", "198.51.100.9", "198.51.100.9",
	    "203.0.113.1", 777, 8 << 8, 777, 0, 0, -1, 30, 10, 0, 0, 0, 0 };
	static const struct ct sctp = { IPCTNL_MSG_CT_NEW, AF_INET,
	    IPPROTO_SCTP, "10.0.0.2", "198.51.100.7", "198.51.100.7",
	    "203.0.113.1", 5000, 38412, 38412, 5000, 0, -1, 0, 12, 0, 0, 0,
	    0 };
	static const struct ct est = { IPCTNL_MSG_CT_NEW, AF_INET,
	    IPPROTO_TCP, "10.0.0.4", "198.51.100.8", "198.51.100.8",
	    "203.0.113.1", 40010, 22, 22, 40010, IPS_SEEN_REPLY | IPS_ASSURED,
	    TCP_CONNTRACK_ESTABLISHED, 431999, 11, 1795000000000000000ULL, 0,
	    0, 0 };
	const struct {
		const char		*name;
		int			 dump;
		const struct ct		*msg[3];
	} s[] = {
		{ "tcp-new", 0, { &new4 } },
		{ "tcp-new-destroy", 0, { &new4, &end4 } },
		{ "destroy-userspace", 0, { &user4 } },
		{ "udp6-zone", 0, { &udp6 } },
		{ "icmp", 0, { &icmp } },
		{ "sctp", 0, { &sctp } },
		{ "dump", 1, { &est, &new4, &udp6 } },
	};
	size_t	i, k;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		blen = 0;
		for (k = 0; k < 3 && s[i].msg[k] != NULL; k++)
			ct_msg(s[i].msg[k]);
		seed("ct", s[i].name, s[i].dump, buf, blen);
	}
}

/* ---- NFLOG ---------------------------------------------------------- */

static void
nflog_msg(const uint8_t *pkt, size_t len, int seq)
{
	struct nlmsghdr			*nlh = put(NFNL_SUBSYS_ULOG << 8 |
					    NFULNL_MSG_PACKET);
	struct nfgenmsg			*nfg;
	struct nfulnl_msg_packet_hdr	 ph = { htons(0x0800), 2, 0 };

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
	done(nlh);
}

static void
drops_seeds(void)
{
	uint8_t	tcp4[40], udp6[48], frag4[40];

	memset(tcp4, 0, sizeof(tcp4));
	tcp4[0] = 0x45;
	tcp4[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "10.0.0.66", tcp4 + 12);
	inet_pton(AF_INET, "198.51.100.7", tcp4 + 16);
	tcp4[22] = 443 >> 8;
	tcp4[23] = 443 & 0xff;
	memcpy(frag4, tcp4, sizeof(frag4));
	frag4[7] = 0x10;
	memset(udp6, 0, sizeof(udp6));
	udp6[0] = 0x60;
	udp6[6] = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00::66", udp6 + 8);
	inet_pton(AF_INET6, "2001:db8::53", udp6 + 24);
	udp6[43] = 53;

	blen = 0;
	nflog_msg(tcp4, sizeof(tcp4), 1);
	seed("drops", "tcp4", -1, buf, blen);
	blen = 0;
	nflog_msg(udp6, sizeof(udp6), 1);
	seed("drops", "udp6", -1, buf, blen);
	blen = 0;
	nflog_msg(tcp4, sizeof(tcp4), 5);
	nflog_msg(frag4, sizeof(frag4), 9);
	nflog_msg(udp6, sizeof(udp6), -1);
	seed("drops", "three-with-gap", -1, buf, blen);
	blen = 0;
	nflog_msg(NULL, 0, 2);
	seed("drops", "no-payload", -1, buf, blen);
}

/* ---- rtnetlink ------------------------------------------------------ */

static void
rt_link(uint16_t type, int index, const char *name, unsigned flags)
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
}

static void
rt_addr(uint16_t type, int index, const char *a, int plen)
{
	struct nlmsghdr		*nlh = put(type);
	struct ifaddrmsg	*ifa;
	bool			 v6 = strchr(a, ':') != NULL;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)index;
	put_ip(nlh, ifa->ifa_family, IFA_ADDRESS, a);
	if (!v6)
		put_ip(nlh, AF_INET, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	done(nlh);
}

static void
rt_route(uint16_t type, uint8_t family, int oif, int oif2)
{
	struct nlmsghdr		*nlh = put(type);
	struct rtmsg		*rtm;
	struct nlattr		*mp;
	struct rtnexthop	*nh;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
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
}

static void
rt_neigh(uint16_t type, int index, const char *a, const uint8_t *mac)
{
	struct nlmsghdr	*nlh = put(type);
	struct ndmsg	*nd;
	bool		 v6 = strchr(a, ':') != NULL;

	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = v6 ? AF_INET6 : AF_INET;
	nd->ndm_ifindex = index;
	nd->ndm_state = NUD_REACHABLE;
	put_ip(nlh, nd->ndm_family, NDA_DST, a);
	if (mac != NULL)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	done(nlh);
}

/* The harness's input: datagrams, each after its 16-bit length. */
static uint8_t	 rin[65536];
static size_t	 rlen;

static void
rt_datagram(void)
{
	uint16_t	n = (uint16_t)blen;

	memcpy(rin + rlen, &n, 2);
	memcpy(rin + rlen + 2, buf, blen);
	rlen += 2 + blen;
	blen = 0;
}

static void
rtnl_seeds(void)
{
	static const uint8_t	mac1[6] = { 2, 0, 0, 0, 7, 1 };
	static const uint8_t	mac2[6] = { 2, 0, 0, 0, 7, 2 };

	/* a gateway: lo, a WAN with the default routes, two LANs */
	rlen = blen = 0;
	rt_link(RTM_NEWLINK, 1, "lo", IFF_LOOPBACK);
	rt_link(RTM_NEWLINK, 2, "wan", 0);
	rt_link(RTM_NEWLINK, 3, "lan", 0);
	rt_link(RTM_NEWLINK, 4, "wifi", 0);
	rt_addr(RTM_NEWADDR, 1, "127.0.0.1", 8);
	rt_addr(RTM_NEWADDR, 2, "198.51.100.2", 24);
	rt_addr(RTM_NEWADDR, 2, "2001:db8:ff::2", 64);
	rt_addr(RTM_NEWADDR, 3, "192.168.7.1", 24);
	rt_addr(RTM_NEWADDR, 3, "2001:db8:1::1", 64);
	rt_addr(RTM_NEWADDR, 3, "fe80::1", 64);
	rt_addr(RTM_NEWADDR, 4, "10.9.0.1", 16);
	rt_route(RTM_NEWROUTE, AF_INET, 2, 0);
	rt_route(RTM_NEWROUTE, AF_INET6, 2, 0);
	rt_datagram();
	seed("rtnl", "gateway", -1, rin, rlen);

	/* then the LAN renumbered, a neighbour changing its MAC */
	rt_addr(RTM_DELADDR, 3, "2001:db8:1::1", 64);
	rt_addr(RTM_NEWADDR, 3, "2001:db8:2::1", 64);
	rt_datagram();
	rt_neigh(RTM_NEWNEIGH, 3, "192.168.7.20", mac1);
	rt_neigh(RTM_NEWNEIGH, 3, "192.168.7.20", mac2);
	rt_neigh(RTM_NEWNEIGH, 3, "2001:db8:2::20", mac2);
	rt_datagram();
	seed("rtnl", "renumber-neighbours", -1, rin, rlen);

	/* multipath default routes, then the WAN going away */
	rlen = 0;
	rt_link(RTM_NEWLINK, 2, "wan", 0);
	rt_link(RTM_NEWLINK, 5, "wan2", 0);
	rt_link(RTM_NEWLINK, 3, "lan", 0);
	rt_addr(RTM_NEWADDR, 3, "192.168.7.1", 24);
	rt_route(RTM_NEWROUTE, AF_INET, 2, 5);
	rt_datagram();
	rt_route(RTM_DELROUTE, AF_INET, 2, 5);
	rt_link(RTM_DELLINK, 2, "wan", 0);
	rt_datagram();
	seed("rtnl", "multipath-dellink", -1, rin, rlen);
}

/* ---- control requests ----------------------------------------------- */

static void
ctl_seeds(void)
{
	static const struct {
		const char	*name, *req;
	} s[] = {
		{ "status", "text status" },
		{ "status-json", "json status" },
		{ "hosts-sorted", "json hosts --sort flows --limit 5" },
		{ "hosts-held", "text hosts --sort held" },
		{ "host", "text host 10.0.0.9" },
		{ "host-json", "json host 10.0.0.1" },
		{ "host-v6", "text host fd00::1" },
		{ "services", "json services" },
		{ "alerts", "text alerts" },
		{ "alerts-json", "json alerts" },
		{ "quarantine-list", "json quarantine list" },
		{ "quarantine-add",
		    "text quarantine add 10.0.0.5 --timeout 1h" },
		{ "quarantine-del", "text quarantine del 10.0.0.9" },
		{ "baseline-reset", "json baseline reset 10.0.0.2" },
		{ "baseline-save", "text baseline save" },
		{ "stats", "json stats" },
		{ "metrics", "text metrics" },
		{ "help", "text help" },
		{ "unknown", "json frobnicate now" },
	};
	char		req[256];
	uint32_t	n;
	size_t		i, len;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		len = strlen(s[i].req);
		n = htonl((uint32_t)len);
		memcpy(req, &n, 4);
		memcpy(req + 4, s[i].req, len);
		seed("ctl", s[i].name, -1, req, 4 + len);
	}
	/* a length the daemon refuses, a request cut short */
	n = htonl(CTL_REQ_MAX + 1);
	memcpy(req, &n, 4);
	seed("ctl", "too-long", -1, req, 4);
	n = htonl(100);
	memcpy(req, &n, 4);
	memcpy(req + 4, "text status", 11);
	seed("ctl", "truncated", -1, req, 15);
}

/* ---- record files --------------------------------------------------- */

/*
 * A file written by the daemon, as both of the harness's inputs: raw
 * (option byte 0) and without its checksums (option byte 1: the harness
 * puts them back).
 */
static void
record_seeds(const char *kind, const char *name, const char *path)
{
	char	*text = NULL, *out, *p, *nl, *t, fname[128];
	size_t	 len = 0, o = 0;
	FILE	*fp;
	int	 c;

	if ((fp = fopen(path, "re")) == NULL)
		die(path);
	if ((out = malloc(1 << 20)) == NULL || (text = malloc(1 << 20)) == NULL)
		die("malloc");
	while ((c = fgetc(fp)) != EOF && len < (1 << 20) - 1)
		text[len++] = (char)c;
	fclose(fp);
	text[len] = '\0';
	seed(kind, name, 0, text, len);
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (p != text && (t = strrchr(p, '~')) != NULL && t > p)
			t[-1] = '\0';
		o += (size_t)sprintf(out + o, "%s\n", p);
	}
	snprintf(fname, sizeof(fname), "%s-unsummed", name);
	seed(kind, fname, 1, out, o);
	free(out);
	free(text);
}

static struct flow_event
tcp(uint8_t type, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint64_t ts)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	ev.type = type;
	ev.proto = IPPROTO_TCP;
	ev.flags = EVF_PORTS | (type == EV_DESTROY ? EVF_ASSURED : 0);
	ev.state = type == EV_NEW ? CTS_SYN_SENT : CTS_TIME_WAIT;
	ev.sport = ev.nat_port = sport;
	ev.dport = dport;
	addr_parse(src, strlen(src), &ev.src);
	addr_parse(dst, strlen(dst), &ev.dst);
	ev.nat_addr = ev.dst;
	return ev;
}

static void
state_seeds(void)
{
	static const char *const hosts[] = { "10.0.0.1", "10.0.0.2",
	    "192.168.1.7", "fd00::10" };
	struct conf		*conf;
	struct core		*core;
	struct detect		*det;
	struct flow_event	 ev;
	char			 path[4096], err[256];
	uint64_t		 t = 1795000000000ULL;
	size_t			 h, k;

	if ((conf = conf_new()) == NULL)
		die("conf");
	conf->detect.learning_s = 0;
	conf->detect.learn_flows = 20;
	if ((core = core_new(&conf->core)) == NULL ||
	    (det = detect_new(core, &conf->detect, NULL, NULL)) == NULL)
		die("core");
	for (k = 0; k < 40; k++) {
		for (h = 0; h < 4; h++) {
			const char *dst = strchr(hosts[h], ':') ?
			    "2001:db8::80" : "198.51.100.80";

			ev = tcp(EV_NEW, hosts[h], (uint16_t)(h == 1 ?
			    50000 + k : 33000 + 6 * k), dst,
			    (uint16_t)(k % 2 ? 443 : 80), t);
			core_event(core, &ev);
			ev = tcp(EV_DESTROY, hosts[h], ev.sport, dst, ev.dport,
			    t + 400 + 100 * h);
			core_event(core, &ev);
		}
		t += 20000;
		detect_tick(det, t);
	}
	snprintf(path, sizeof(path), "%s/.state", top);
	if (state_save(det, path, t, err, sizeof(err)) == -1)
		die(err);
	record_seeds("state", "learned", path);
	remove(path);

	{
		struct quar	*q;
		struct addr	 a;
		char		 note[160];

		conf->quar.enabled = true;
		if ((q = quar_new(&conf->quar)) == NULL)
			die("quar");
		addr_parse("10.0.0.66", 9, &a);
		quar_add(q, &a, 3600, t, note, sizeof(note));
		addr_parse("fd00::66", 8, &a);
		quar_add(q, &a, 600, t, note, sizeof(note));
		quar_del(q, &a, t + 1000);
		addr_parse("192.168.1.9", 11, &a);
		quar_verdict(q, &a, "scan", 0, t, note, sizeof(note));
		snprintf(path, sizeof(path), "%s/.quarantine", top);
		if (quar_save(q, path, err, sizeof(err)) == -1)
			die(err);
		record_seeds("quar", "three", path);
		remove(path);
		quar_free(q);
	}
	detect_free(det);
	core_free(core);
	conf_free(conf);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	top = argv[1];
	ct_seeds();
	drops_seeds();
	rtnl_seeds();
	ctl_seeds();
	state_seeds();
	return 0;
}
