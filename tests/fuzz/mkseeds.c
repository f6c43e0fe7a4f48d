/*
 * mkseeds - write the fuzz corpora's binary seeds: netlink datagrams
 * (ct, drops, rtnl) built as the kernel sends them, by the builders the
 * unit tests use (../nlmsg.h); framed control requests (ctl); state and
 * quarantine files written by the daemon's own writers (state, quar),
 * each raw and in the harness's checksummed form.
 *
 *	mkseeds DIR		writes DIR/ct/..., DIR/drops/..., ...
 *
 * The text seeds (replay, conf, addr) are lines of tests/data and
 * tests/conf, kept as they are.  Run by hand when a format changes
 * (make -C tests/fuzz mkseeds; ./mkseeds SRCDIR/corpus), and commit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "nlmsg.h"

static const char	*top;
static struct nlmsg_buf	 nb;

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

/* ---- conntrack ------------------------------------------------------ */

static void
ct_seeds(void)
{
	static const struct nlmsg_ct new4 = { IPCTNL_MSG_CT_NEW, 0, AF_INET,
	    IPPROTO_TCP, { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40000 }, false, false, 0,
	    TCP_CONNTRACK_SYN_SENT, 120, 4242, 0, 0, 0, 0 };
	static const struct nlmsg_ct end4 = { IPCTNL_MSG_CT_DELETE, 0,
	    AF_INET, IPPROTO_TCP, { "10.0.0.2", "198.51.100.7", 40000, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 61000 }, false, false,
	    IPS_SEEN_REPLY | IPS_ASSURED, TCP_CONNTRACK_TIME_WAIT, 0, 4242,
	    1795000000000000000ULL, 1795000125500000000ULL, 0, 0 };
	static const struct nlmsg_ct user4 = { IPCTNL_MSG_CT_DELETE, 0,
	    AF_INET, IPPROTO_TCP, { "10.0.0.3", "198.51.100.7", 40002, 443 },
	    { "198.51.100.7", "203.0.113.1", 443, 40002 }, false, false,
	    IPS_SEEN_REPLY, TCP_CONNTRACK_ESTABLISHED, 0, 8, 0, 0, 0, 4711 };
	static const struct nlmsg_ct udp6 = { IPCTNL_MSG_CT_NEW, 0, AF_INET6,
	    IPPROTO_UDP, { "2001:db8:1::5", "2001:db8:99::53", 51000, 53 },
	    { "2001:db8:99::53", "2001:db8:1::5", 53, 51000 }, false, false,
	    0, -1, 30, 9, 0, 0, 3, 0 };
	static const struct nlmsg_ct icmp = { IPCTNL_MSG_CT_NEW, 0, AF_INET,
	    IPPROTO_ICMP, { "10.0.0.3", "198.51.100.9", 777, 8 << 8 },
	    { "198.51.100.9", "203.0.113.1", 777, 0 }, false, false, 0, -1,
	    30, 10, 0, 0, 0, 0 };
	static const struct nlmsg_ct sctp = { IPCTNL_MSG_CT_NEW, 0, AF_INET,
	    IPPROTO_SCTP, { "10.0.0.2", "198.51.100.7", 5000, 38412 },
	    { "198.51.100.7", "203.0.113.1", 38412, 5000 }, false, false, 0,
	    -1, 0, 12, 0, 0, 0, 0 };
	static const struct nlmsg_ct est = { IPCTNL_MSG_CT_NEW, 0, AF_INET,
	    IPPROTO_TCP, { "10.0.0.4", "198.51.100.8", 40010, 22 },
	    { "198.51.100.8", "203.0.113.1", 22, 40010 }, false, false,
	    IPS_SEEN_REPLY | IPS_ASSURED, TCP_CONNTRACK_ESTABLISHED, 431999,
	    11, 1795000000000000000ULL, 0, 0, 0 };
	const struct {
		const char		*name;
		int			 dump;
		const struct nlmsg_ct	*msg[3];
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
		nb.len = 0;
		for (k = 0; k < 3 && s[i].msg[k] != NULL; k++)
			nlmsg_ct(&nb, s[i].msg[k]);
		seed("ct", s[i].name, s[i].dump, nb.b, nb.len);
	}
}

/* ---- NFLOG ---------------------------------------------------------- */

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

	nb.len = 0;
	nlmsg_nflog(&nb, tcp4, sizeof(tcp4), 1);
	seed("drops", "tcp4", -1, nb.b, nb.len);
	nb.len = 0;
	nlmsg_nflog(&nb, udp6, sizeof(udp6), 1);
	seed("drops", "udp6", -1, nb.b, nb.len);
	nb.len = 0;
	nlmsg_nflog(&nb, tcp4, sizeof(tcp4), 5);
	nlmsg_nflog(&nb, frag4, sizeof(frag4), 9);
	nlmsg_nflog(&nb, udp6, sizeof(udp6), -1);
	seed("drops", "three-with-gap", -1, nb.b, nb.len);
	nb.len = 0;
	nlmsg_nflog(&nb, NULL, 0, 2);
	seed("drops", "no-payload", -1, nb.b, nb.len);
}

/* ---- rtnetlink ------------------------------------------------------ */

/* The harness's input: datagrams, each after its 16-bit length. */
static uint8_t	 rin[65536];
static size_t	 rlen;

static void
rt_datagram(void)
{
	uint16_t	n = (uint16_t)nb.len;

	memcpy(rin + rlen, &n, 2);
	memcpy(rin + rlen + 2, nb.b, nb.len);
	rlen += 2 + nb.len;
	nb.len = 0;
}

static void
rtnl_seeds(void)
{
	static const uint8_t	mac1[6] = { 2, 0, 0, 0, 7, 1 };
	static const uint8_t	mac2[6] = { 2, 0, 0, 0, 7, 2 };

	/* a gateway: lo, a WAN with the default routes, two LANs */
	rlen = nb.len = 0;
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
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET, 0, 100, 2, 0);
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET6, 0, 100, 2, 0);
	rt_datagram();
	seed("rtnl", "gateway", -1, rin, rlen);

	/* then the LAN renumbered, a neighbour changing its MAC */
	nlmsg_addr(&nb, RTM_DELADDR, 3, "2001:db8:1::1", 64);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "2001:db8:2::1", 64);
	rt_datagram();
	nlmsg_neigh(&nb, RTM_NEWNEIGH, 3, "192.168.7.20", mac1);
	nlmsg_neigh(&nb, RTM_NEWNEIGH, 3, "192.168.7.20", mac2);
	nlmsg_neigh(&nb, RTM_NEWNEIGH, 3, "2001:db8:2::20", mac2);
	rt_datagram();
	seed("rtnl", "renumber-neighbours", -1, rin, rlen);

	/* multipath default routes, then the WAN going away */
	rlen = 0;
	nlmsg_link(&nb, RTM_NEWLINK, 2, "wan", 0);
	nlmsg_link(&nb, RTM_NEWLINK, 5, "wan2", 0);
	nlmsg_link(&nb, RTM_NEWLINK, 3, "lan", 0);
	nlmsg_addr(&nb, RTM_NEWADDR, 3, "192.168.7.1", 24);
	nlmsg_route(&nb, RTM_NEWROUTE, AF_INET, 0, 100, 2, 5);
	rt_datagram();
	nlmsg_route(&nb, RTM_DELROUTE, AF_INET, 0, 100, 2, 5);
	nlmsg_link(&nb, RTM_DELLINK, 2, "wan", 0);
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
		quar_add(q, &a, false, 3600, t, note, sizeof(note));
		addr_parse("fd00::66", 8, &a);
		quar_add(q, &a, false, 600, t, note, sizeof(note));
		quar_del(q, &a, false, t + 1000);
		addr_parse("192.168.1.9", 11, &a);
		quar_verdict(q, &a, "scan", 0, t, note, sizeof(note));
		addr_parse("2001:db8:5:6::", 14, &a);
		quar_add(q, &a, true, 600, t, note, sizeof(note));
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
