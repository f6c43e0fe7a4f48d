/*
 * Live conntrack intake: ctnetlink over libmnl, libnetfilter_conntrack
 * for the kernel-side filter (the only file that includes them).  Two
 * netlink sockets:
 *
 * - the event socket, subscribed to the NEW and DESTROY groups only, with
 *   a large receive buffer and, where the library allows it, a kernel-side
 *   filter on the internal networks (re-checked by the core);
 * - the dump socket, which lists the table at start-up, after a loss and
 *   periodically, so that flows whose DESTROY never came are expired.
 *
 * Never reliable delivery: NETLINK_BROADCAST_ERROR with NO_ENOBUFS makes
 * the kernel drop packets when the reader is slow.  Never a flush or any
 * other change to the table.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "live.h"
#include "log.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO	55
#endif

#define CT_BUFSZ	(64 * 1024)	/* one recv: several messages */
#define CT_MMSG		32		/* event datagrams per recvmmsg() */
#define CT_MMSG_SZ	8192		/* room for one event datagram */
#define CT_COALESCE_MS	2		/* let events gather this long */
#define CT_LOSS_CHECK_MS 100		/* drop counter read at most this often */
#define CT_LOSS_TELL_MS	10000		/* a loss logged at most this often */
#define FILTER_MAX4	127		/* libnetfilter_conntrack's limits */
#define FILTER_MAX6	20

struct ct {
	struct core		*core;
	struct loop		*loop;
	const struct conf	*conf;
	struct mnl_socket	*ev;		/* events */
	struct mnl_socket	*dump;		/* table dumps */
	struct mnl_socket	*query;		/* GET of one flow, blocking */
	uint32_t		 query_seq;
	uint32_t		 dump_portid;
	uint32_t		 dump_seq;
	bool			 dumping;
	bool			 dump_again;	/* asked for during a dump */
	bool			 in_dump;	/* parsing the dump socket */
	bool			 overran;	/* ENOBUFS since the last check */
	uint64_t		 drops_seen;	/* the socket's drop counter */
	uint64_t		 last_ok_ms;	/* last event before a loss */
	struct ct_stats		 st;
	char			*buf;
	char			*mbuf;		/* CT_MMSG slots for events */
	struct mmsghdr		 mmsg[CT_MMSG];
	struct iovec		 iov[CT_MMSG];
	struct timer		 coalesce;	/* events fd resumes */
	struct timer		 tick;		/* loss check when idle */
	uint64_t		 loss_checked_ms;
	uint64_t		 loss_told_ms;	/* the last loss logged */
	uint64_t		 loss_untold;	/* lost since, not logged yet */
};

/* The kernel's count of messages it could not queue on the socket. */
static int
sock_drops(int fd, uint64_t *ret)
{
	uint32_t	mem[SK_MEMINFO_VARS];
	socklen_t	len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == -1)
		return -1;
	*ret = mem[SK_MEMINFO_DROPS];
	return 0;
}

static uint64_t
ns_to_ms(uint64_t ns)
{
	return ns / 1000000;
}

/*
 * ctnetlink's attributes, read with libmnl.  Not with libnetfilter_conntrack's
 * nfct_nlmsg_parse(): an attribute of a size it does not expect makes it
 * call exit() (its "ABI breakage"), and one message must not end the
 * daemon.  Only what the event needs is read, each attribute of exactly
 * its size or the message is refused; everything else is left unread.
 */
#define CT_SLOTS	64	/* attribute types kept, per nest */

struct ct_attrs {
	const struct nlattr	*a[CT_SLOTS];
};

static int
ct_attr_cb(const struct nlattr *a, void *arg)
{
	struct ct_attrs	*t = arg;
	uint16_t	 type = mnl_attr_get_type(a);

	if (type < CT_SLOTS)
		t->a[type] = a;
	return MNL_CB_OK;
}

/* The attributes nested in a (absent: none); -1 when a is not a nest. */
static int
ct_nest(const struct nlattr *a, struct ct_attrs *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a == NULL)
		return 0;
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(a, ct_attr_cb, ret) < 0)
		return -1;
	return 0;
}

/*
 * Attribute type of t into p, when it is there with exactly len bytes:
 * 1; 0 when absent; -1 when of another size.
 */
static int
ct_get(const struct ct_attrs *t, uint16_t type, void *p, size_t len)
{
	const struct nlattr	*a = t->a[type];

	if (a == NULL)
		return 0;
	if (mnl_attr_get_payload_len(a) != len)
		return -1;
	memcpy(p, mnl_attr_get_payload(a), len);
	return 1;
}

/* A tuple's addresses and protocol parts; -1 when malformed. */
struct ct_tuple {
	uint8_t		src[16], dst[16];
	int		has_src, has_dst;	/* ct_get's answers */
	uint8_t		proto;
	uint16_t	sport, dport;		/* network order */
	int		has_sport, has_dport;
	uint16_t	icmp_id;		/* network order */
	uint8_t		icmp_type, icmp_code;
};

static int
ct_tuple(const struct nlattr *a, uint8_t l3, struct ct_tuple *ret)
{
	struct ct_attrs	 t, ip, pr;
	size_t		 alen = l3 == AF_INET6 ? 16 : 4;
	bool		 v6 = l3 == AF_INET6;

	memset(ret, 0, sizeof(*ret));
	if (a == NULL || ct_nest(a, &t) == -1 ||
	    ct_nest(t.a[CTA_TUPLE_IP], &ip) == -1 ||
	    ct_nest(t.a[CTA_TUPLE_PROTO], &pr) == -1)
		return -1;
	if ((ret->has_src = ct_get(&ip, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC,
	    ret->src, alen)) == -1 ||
	    (ret->has_dst = ct_get(&ip, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST,
	    ret->dst, alen)) == -1 ||
	    ct_get(&pr, CTA_PROTO_NUM, &ret->proto, 1) == -1 ||
	    (ret->has_sport = ct_get(&pr, CTA_PROTO_SRC_PORT, &ret->sport,
	    2)) == -1 ||
	    (ret->has_dport = ct_get(&pr, CTA_PROTO_DST_PORT, &ret->dport,
	    2)) == -1 ||
	    ct_get(&pr, v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID,
	    &ret->icmp_id, 2) == -1 ||
	    ct_get(&pr, v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE,
	    &ret->icmp_type, 1) == -1 ||
	    ct_get(&pr, v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE,
	    &ret->icmp_code, 1) == -1)
		return -1;
	return 0;
}

static void
ct_addr(struct addr *a, uint8_t l3, const uint8_t *b)
{
	uint32_t	v4;

	if (l3 == AF_INET6)
		memcpy(a->b, b, 16);
	else {
		memcpy(&v4, b, 4);
		addr_from_v4(a, ntohl(v4));
	}
}

/* One conntrack message to the core's event; -1 when it lacks a tuple. */
static int
ct_event_from(const struct nlmsghdr *nlh, int type, bool userspace,
    struct flow_event *ev)
{
	const struct nfgenmsg	*nfg = mnl_nlmsg_get_payload(nlh);
	struct ct_attrs		 top, info, tcp, ts;
	struct ct_tuple		 orig, repl;
	uint32_t		 status = 0, u32;
	uint16_t		 u16;
	uint64_t		 u64;
	uint8_t			 state;
	int			 k;

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nfg)) ||
	    (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6))
		return -1;
	memset(&top, 0, sizeof(top));
	if (mnl_attr_parse(nlh, sizeof(*nfg), ct_attr_cb, &top) < 0 ||
	    ct_tuple(top.a[CTA_TUPLE_ORIG], nfg->nfgen_family, &orig) == -1 ||
	    ct_tuple(top.a[CTA_TUPLE_REPLY], nfg->nfgen_family, &repl) == -1 ||
	    orig.has_src != 1 || orig.has_dst != 1 || repl.has_dst != 1)
		return -1;
	ct_addr(&ev->src, nfg->nfgen_family, orig.src);
	ct_addr(&ev->dst, nfg->nfgen_family, orig.dst);
	ct_addr(&ev->nat_addr, nfg->nfgen_family, repl.dst);

	ev->proto = orig.proto;
	switch (ev->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		if (orig.has_sport != 1 || orig.has_dport != 1)
			return -1;
		ev->flags |= EVF_PORTS;
		ev->sport = ntohs(orig.sport);
		ev->dport = ntohs(orig.dport);
		if (repl.has_dport == 1)
			ev->nat_port = ntohs(repl.dport);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* the echo id and type/code key the flow, as in replay */
		ev->sport = ntohs(orig.icmp_id);
		ev->dport = orig.icmp_type << 8 | orig.icmp_code;
		break;
	}
	if (ct_nest(top.a[CTA_PROTOINFO], &info) == -1 ||
	    ct_nest(info.a[CTA_PROTOINFO_TCP], &tcp) == -1 ||
	    ct_nest(top.a[CTA_TIMESTAMP], &ts) == -1)
		return -1;
	if ((k = ct_get(&tcp, CTA_PROTOINFO_TCP_STATE, &state, 1)) == -1)
		return -1;
	if (ev->proto == IPPROTO_TCP && k == 1) {
		/* the kernel's TCP_CONNTRACK_* order is enum ct_state's */
		ev->state = state >= CTS_OTHER ? CTS_OTHER : state;
	} else if (ev->proto == IPPROTO_SCTP || ev->proto == IPPROTO_DCCP)
		ev->state = CTS_OTHER;
	if ((k = ct_get(&top, CTA_STATUS, &u32, 4)) == -1)
		return -1;
	if (k == 1)
		status = ntohl(u32);
	if (!(status & IPS_SEEN_REPLY))
		ev->flags |= EVF_UNREPLIED;
	if (status & IPS_ASSURED)
		ev->flags |= EVF_ASSURED;
	if (userspace)
		ev->flags |= EVF_USERSPACE;
	if ((k = ct_get(&top, CTA_TIMEOUT, &u32, 4)) == -1)
		return -1;
	if (k == 1) {
		ev->timeout_s = ntohl(u32);
		ev->flags |= EVF_TIMEOUT;
	}
	if ((k = ct_get(&top, CTA_ZONE, &u16, 2)) == -1)
		return -1;
	if (k == 1)
		ev->zone = ntohs(u16);
	if ((k = ct_get(&top, CTA_ID, &u32, 4)) == -1)
		return -1;
	if (k == 1)
		ev->ct_id = ntohl(u32);

	/*
	 * Arrival time orders the events (as a capture does); the kernel's
	 * timestamps, when net.netfilter.nf_conntrack_timestamp=1, time the
	 * flow itself.
	 */
	if ((k = ct_get(&ts, CTA_TIMESTAMP_START, &u64, 8)) == -1)
		return -1;
	if (k == 1)
		ev->kstart_ms = ns_to_ms(be64toh(u64));
	if ((k = ct_get(&ts, CTA_TIMESTAMP_STOP, &u64, 8)) == -1)
		return -1;
	if (k == 1)
		ev->kstop_ms = ns_to_ms(be64toh(u64));
	return 0;
}

/*
 * One ctnetlink message to the core's event, at time now_ms (arrival: it
 * orders the events as a capture does).  A NEW read from a dump is an
 * EV_DUMP.  1: an event in ev; 0: a message that carries none (another
 * type); -1: a conntrack message without a usable tuple.
 */
int
ct_parse(const struct nlmsghdr *nlh, bool in_dump, uint64_t now_ms,
    struct flow_event *ev)
{
	int	type;

	if (nlh->nlmsg_len < sizeof(*nlh) ||
	    (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK)
		return 0;
	/* libmnl's attribute walk reads to the aligned length */
	if ((nlh->nlmsg_len & (MNL_ALIGNTO - 1)) != 0)
		return -1;
	switch (nlh->nlmsg_type & 0xff) {
	case IPCTNL_MSG_CT_NEW:
		type = in_dump ? EV_DUMP : EV_NEW;
		break;
	case IPCTNL_MSG_CT_DELETE:
		type = EV_DESTROY;
		break;
	default:
		return 0;
	}
	if (ct_event_from(nlh, type, type == EV_DESTROY && nlh->nlmsg_pid != 0,
	    ev) == -1)
		return -1;
	ev->ts_ms = now_ms;
	return 1;
}

static int
ct_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct ct		*c = arg;
	struct flow_event	 ev;

	switch (ct_parse(nlh, c->in_dump, loop_clock_ms(), &ev)) {
	case 0:
		return MNL_CB_OK;
	case -1:
		c->st.parse_errors++;
		return MNL_CB_OK;
	}
	/* the kernel's timestamps are wall-clock: to the pipeline's clock */
	if (ev.kstart_ms != 0)
		ev.kstart_ms = loop_wall_to_clock(ev.kstart_ms);
	if (ev.kstop_ms != 0)
		ev.kstop_ms = loop_wall_to_clock(ev.kstop_ms);
	if (ev.type == EV_DUMP)
		c->st.dump_entries++;
	else {
		c->st.events++;
		c->last_ok_ms = ev.ts_ms;
	}
	core_event(c->core, &ev);
	return MNL_CB_OK;
}

/*
 * Overrun of the event socket.  Causes: a burst larger than the receive
 * buffer (a table flush, a storm of new flows, a busy CPU starving us).
 * The kernel drops the messages it cannot queue and counts them on the
 * socket; ENOBUFS only says that it happened, and undercounts.  So: take
 * the exact number from the drop counter, mark the window incomplete,
 * and re-dump the table to repair the flows we missed.  A flood that
 * lasts would log every 100 ms: the log hears of it every 10 s.
 */
static void
ct_check_loss(struct ct *c)
{
	uint64_t	drops, now = loop_clock_ms();

	c->loss_checked_ms = loop_now_ms();
	if (sock_drops(mnl_socket_get_fd(c->ev), &drops) == -1) {
		log_warn("conntrack events: SO_MEMINFO");
		return;
	}
	if (drops > c->drops_seen) {
		core_loss(c->core, drops - c->drops_seen, c->last_ok_ms ?
		    c->last_ok_ms : now, now);
		c->loss_untold += drops - c->drops_seen;
		c->drops_seen = drops;
		ct_dump(c);
	}
	if (c->loss_untold > 0 && (c->loss_told_ms == 0 ||
	    c->loss_checked_ms - c->loss_told_ms >= CT_LOSS_TELL_MS)) {
		log_warnx("conntrack events: %llu lost (%llu in all), the "
		    "table is re-read; raise netlink.rcvbuf if this repeats",
		    (unsigned long long)c->loss_untold,
		    (unsigned long long)drops);
		c->loss_told_ms = c->loss_checked_ms;
		c->loss_untold = 0;
	}
}

/*
 * Event datagrams hold one event each: read up to CT_MMSG of them per
 * system call, and at most netlink.batch datagrams per wake-up.
 */
static void
ct_events_read(int fd, uint32_t events, void *arg)
{
	struct ct	*c = arg;
	uint32_t	 done = 0;
	int		 n, i;

	while (done < c->conf->batch) {
		for (i = 0; i < CT_MMSG; i++) {
			c->iov[i].iov_base = c->mbuf + (size_t)i * CT_MMSG_SZ;
			c->iov[i].iov_len = CT_MMSG_SZ;
			memset(&c->mmsg[i].msg_hdr, 0,
			    sizeof(c->mmsg[i].msg_hdr));
			c->mmsg[i].msg_hdr.msg_iov = &c->iov[i];
			c->mmsg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, c->mmsg, CT_MMSG, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				c->st.overruns++;
				c->overran = true;
				continue;
			}
			log_warn("conntrack events: recvmmsg");
			break;
		}
		for (i = 0; i < n; i++) {
			c->st.msgs++;
			if (c->mmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				c->st.parse_errors++;
				continue;
			}
			if (!nl_datagram_ok(c->iov[i].iov_base,
			    c->mmsg[i].msg_len) ||
			    mnl_cb_run(c->iov[i].iov_base, c->mmsg[i].msg_len,
			    0, 0, ct_msg, c) == MNL_CB_ERROR)
				c->st.parse_errors++;
		}
		done += n;
		if (n < CT_MMSG)
			break;
	}
	if (c->overran || loop_now_ms() - c->loss_checked_ms >=
	    CT_LOSS_CHECK_MS) {
		c->overran = false;
		ct_check_loss(c);
	}
	/*
	 * A wake-up for a handful of events costs more system calls than
	 * the events: under load, stop watching for a moment and let them
	 * gather in the socket (its buffer is sized for that).
	 */
	if (done > 0 && done < c->conf->batch &&
	    loop_mod_fd(c->loop, fd, 0) == 0)
		timer_set(c->loop, &c->coalesce, CT_COALESCE_MS);
}

static void
ct_resume(void *arg)
{
	struct ct	*c = arg;
	int		 fd = mnl_socket_get_fd(c->ev);

	if (loop_mod_fd(c->loop, fd, EPOLLIN) == -1)
		log_warn("conntrack events: epoll");
	ct_events_read(fd, EPOLLIN, c);
}

/* Once a second: a loss that happened while idle is counted too. */
static void
ct_tick(void *arg)
{
	struct ct	*c = arg;

	ct_check_loss(c);
	timer_set(c->loop, &c->tick, 1000);
}

static void
ct_dump_read(int fd, uint32_t events, void *arg)
{
	struct ct	*c = arg;
	ssize_t		 n;
	uint32_t	 i;
	int		 rv;

	for (i = 0; i < c->conf->batch && c->dumping; i++) {
		n = recv(fd, c->buf, CT_BUFSZ, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* a dump cannot overrun; any error ends this one */
			log_warn("conntrack dump: recv");
			rv = MNL_CB_ERROR;
		} else if (!nl_datagram_ok(c->buf, (size_t)n)) {
			c->st.parse_errors++;
			rv = MNL_CB_ERROR;
		} else {
			c->in_dump = true;
			rv = mnl_cb_run(c->buf, n, c->dump_seq, c->dump_portid,
			    ct_msg, c);
			c->in_dump = false;
		}
		if (rv == MNL_CB_OK)
			continue;
		c->dumping = false;
		if (rv == MNL_CB_STOP)
			core_dump_end(c->core, loop_clock_ms());
		else {
			c->st.dump_errors++;
			log_warnx("conntrack dump failed: flows are not "
			    "reconciled until the next one");
		}
		if (c->dump_again) {
			c->dump_again = false;
			ct_dump(c);
		}
	}
}

/*
 * Ask for a dump of the whole table (both families), answered in pieces
 * on the dump socket.  One at a time: a request during a dump is queued.
 */
int
ct_dump(struct ct *c)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfh;

	if (c->dumping) {
		c->dump_again = true;
		return 0;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = c->dump_seq = (uint32_t)time(NULL) ^ ++c->st.dumps;
	if (c->dump_seq == 0)
		nlh->nlmsg_seq = c->dump_seq = 1;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_UNSPEC;
	nfh->version = NFNETLINK_V0;
	nfh->res_id = 0;
	if (mnl_socket_sendto(c->dump, nlh, nlh->nlmsg_len) == -1) {
		log_warn("conntrack dump: send");
		c->st.dump_errors++;
		return -1;
	}
	core_dump_begin(c->core, loop_clock_ms());
	c->dumping = true;
	return 0;
}

/*
 * Filter events in the kernel to the sources in l, the internal networks
 * (a BPF program made by libnetfilter_conntrack, which takes at most 127
 * IPv4 and 20 IPv6 prefixes).  Beyond that, or on failure, or with
 * netlink.kernel_filter off, everything is delivered and the core's check
 * alone decides.  A filter already attached is replaced.
 *
 * IPv6 is filtered only when there is one IPv6 prefix: with several, the
 * program the library builds (1.0.9) matches the first alone (its jump to
 * the next prefix skips that prefix's first load), so the others' events
 * would be lost.  IPv6 events then all pass and the core decides.
 */
void
ct_filter(struct ct *c, const struct netlist *l)
{
	struct nfct_filter	*f;
	size_t			 i, n4 = 0, n6 = 0;
	int			 k;

	if (c->st.filtered) {
		setsockopt(mnl_socket_get_fd(c->ev), SOL_SOCKET,
		    SO_DETACH_FILTER, NULL, 0);
		c->st.filtered = false;
	}
	if (!c->conf->kernel_filter || l->n == 0)
		return;

	for (i = 0; i < l->n; i++) {
		if (addr_is_v4(&l->v[i].addr))
			n4++;
		else
			n6++;
	}
	if (n6 > 1)
		n6 = 0;		/* the library's bug above: user space decides */
	if (n4 > FILTER_MAX4) {
		log_warnx("kernel filter off: %zu IPv4 internal networks, the "
		    "library takes at most %d", n4, FILTER_MAX4);
		return;
	}
	if ((f = nfct_filter_create()) == NULL) {
		log_warn("kernel filter off: nfct_filter_create");
		return;
	}
	for (i = 0; i < l->n; i++) {
		const struct net *net = &l->v[i];
		uint32_t w;

		if (addr_is_v4(&net->addr)) {
			struct nfct_filter_ipv4 f4;
			int plen = net->plen - 96;

			memcpy(&w, net->addr.b + 12, 4);
			f4.addr = ntohl(w);
			f4.mask = plen == 0 ? 0 : 0xffffffffU << (32 - plen);
			nfct_filter_add_attr(f, NFCT_FILTER_SRC_IPV4, &f4);
		} else if (n6 > 0) {
			struct nfct_filter_ipv6 f6;

			for (k = 0; k < 4; k++) {
				int bits = net->plen - k * 32;

				memcpy(&w, net->addr.b + k * 4, 4);
				f6.addr[k] = ntohl(w);
				f6.mask[k] = bits >= 32 ? 0xffffffffU :
				    bits <= 0 ? 0 : 0xffffffffU << (32 - bits);
			}
			nfct_filter_add_attr(f, NFCT_FILTER_SRC_IPV6, &f6);
		}
	}
	if (n4 == 0 && n6 == 0) {
		nfct_filter_destroy(f);
		return;
	}
	if (n4 > 0)
		nfct_filter_set_logic(f, NFCT_FILTER_SRC_IPV4,
		    NFCT_FILTER_LOGIC_POSITIVE);
	if (n6 > 0)
		nfct_filter_set_logic(f, NFCT_FILTER_SRC_IPV6,
		    NFCT_FILTER_LOGIC_POSITIVE);
	if (nfct_filter_attach(mnl_socket_get_fd(c->ev), f) == -1)
		log_warn("kernel filter off: nfct_filter_attach");
	else
		c->st.filtered = true;
	nfct_filter_destroy(f);
}

/*
 * The receive buffer: forced past net.core.rmem_max (we hold
 * CAP_NET_ADMIN), then read back; the kernel doubles what it is given.
 */
static void
ct_rcvbuf(struct ct *c)
{
	int		 fd = mnl_socket_get_fd(c->ev), want, got = 0;
	socklen_t	 len = sizeof(got);

	want = c->conf->rcvbuf > INT32_MAX / 2 ? INT32_MAX / 2 :
	    (int)c->conf->rcvbuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
	    sizeof(want)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)) == -1)
		log_warn("conntrack events: SO_RCVBUF");
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == -1)
		log_warn("conntrack events: SO_RCVBUF read back");
	c->st.rcvbuf = got;
	if ((size_t)got < c->conf->rcvbuf)
		log_warnx("conntrack events: receive buffer is %d bytes, not "
		    "the %zu asked for: the system caps it; raise the sysctl "
		    "net.core.rmem_max or keep CAP_NET_ADMIN", got,
		    c->conf->rcvbuf);
}

static struct mnl_socket *
ct_socket(void)
{
	struct mnl_socket	*nl;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (nl == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* A blocking socket for single GETs, whose reads time out after 100 ms. */
static struct mnl_socket *
ct_query_socket(void)
{
	struct mnl_socket	*nl;
	struct timeval		 tv = { 0, 100000 };

	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1) {
		log_warn("conntrack query socket: long_lived waits for "
		    "long_lived.min_age");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/*
 * Subscribe, then dump: events that race the dump are reconciled by the
 * core (a NEW replaces a dumped entry, a dump marks a known one).
 */
struct ct *
ct_open(const struct conf *conf, struct core *core, struct loop *loop)
{
	struct ct	*c;
	int		 group;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->buf = malloc(CT_BUFSZ)) == NULL ||
	    (c->mbuf = malloc((size_t)CT_MMSG * CT_MMSG_SZ)) == NULL) {
		log_warn("conntrack");
		goto fail;
	}
	c->conf = conf;
	c->core = core;
	c->loop = loop;
	if ((c->ev = ct_socket()) == NULL || (c->dump = ct_socket()) == NULL) {
		log_warn("conntrack netlink socket (is nf_conntrack_netlink "
		    "loaded, and do we have CAP_NET_ADMIN?)");
		goto fail;
	}
	c->dump_portid = mnl_socket_get_portid(c->dump);
	c->query = ct_query_socket();
	ct_rcvbuf(c);
	ct_filter(c, &core->internal);
	group = NFNLGRP_CONNTRACK_NEW;
	if (mnl_socket_setsockopt(c->ev, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) == -1)
		goto fail_sub;
	group = NFNLGRP_CONNTRACK_DESTROY;
	if (mnl_socket_setsockopt(c->ev, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) == -1)
		goto fail_sub;
	if (sock_drops(mnl_socket_get_fd(c->ev), &c->drops_seen) == -1)
		log_warn("conntrack events: SO_MEMINFO, loss is counted from "
		    "ENOBUFS only");
	if (loop_add_fd(loop, mnl_socket_get_fd(c->ev), EPOLLIN,
	    ct_events_read, c) == -1 ||
	    loop_add_fd(loop, mnl_socket_get_fd(c->dump), EPOLLIN,
	    ct_dump_read, c) == -1) {
		log_warn("conntrack: epoll");
		goto fail;
	}
	c->coalesce.cb = ct_resume;
	c->coalesce.arg = c;
	c->tick.cb = ct_tick;
	c->tick.arg = c;
	timer_set(loop, &c->tick, 1000);
	if (ct_dump(c) == -1)
		goto fail;
	return c;
fail_sub:
	log_warn("conntrack events: subscribe");
fail:
	ct_close(c);
	return NULL;
}

/*
 * Ask the kernel about one flow by its original tuple (a conntrack GET):
 * 1 with its state in ret (state, remaining timeout, ASSURED), 0 when the
 * kernel has no such entry, -1 on error.  On a socket of its own with a
 * receive timeout of 100 ms, so a kernel that does not answer costs a
 * tick that long, never a hang; one GET per candidate flow of long_lived,
 * never one per event.
 */
int
ct_query(struct ct *c, const struct flow *f, struct flow_event *ret)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nf_conntrack	*ct;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfh;
	ssize_t			 n;
	uint32_t		 seq, portid;
	int			 rv = -1, err, len;
	bool			 v4 = addr_is_v4(&f->src);

	if (c == NULL || c->query == NULL || (ct = nfct_new()) == NULL)
		return -1;
	nfct_set_attr_u8(ct, ATTR_L3PROTO, v4 ? AF_INET : AF_INET6);
	if (v4) {
		nfct_set_attr(ct, ATTR_IPV4_SRC, f->src.b + 12);
		nfct_set_attr(ct, ATTR_IPV4_DST, f->dst.b + 12);
	} else {
		nfct_set_attr(ct, ATTR_IPV6_SRC, f->src.b);
		nfct_set_attr(ct, ATTR_IPV6_DST, f->dst.b);
	}
	nfct_set_attr_u8(ct, ATTR_L4PROTO, f->proto);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(f->sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(f->dport));
	if (f->zone != 0)
		nfct_set_attr_u16(ct, ATTR_ZONE, f->zone);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = ++c->query_seq;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = v4 ? AF_INET : AF_INET6;
	nfh->version = NFNETLINK_V0;
	if (nfct_nlmsg_build(nlh, ct) == -1 ||
	    mnl_socket_sendto(c->query, nlh, nlh->nlmsg_len) == -1)
		goto out;
	portid = mnl_socket_get_portid(c->query);
	/* the answer, then the ACK; an older query's late answer is skipped */
	while ((n = mnl_socket_recvfrom(c->query, buf, sizeof(buf))) > 0) {
		if (!nl_datagram_ok(buf, (size_t)n))
			goto out;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(err)))
					goto out;
				memcpy(&err, mnl_nlmsg_get_payload(nlh),
				    sizeof(err));
				if (err == -ENOENT)
					rv = rv == 1 ? 1 : 0;
				else if (err != 0)
					rv = -1;
				goto out;	/* the ACK ends it */
			}
			/* read as events are: ct_parse's checks */
			if (NFNL_MSG_TYPE(nlh->nlmsg_type) ==
			    IPCTNL_MSG_CT_NEW &&
			    (nlh->nlmsg_len & (MNL_ALIGNTO - 1)) == 0 &&
			    ct_event_from(nlh, EV_NEW, false, ret) == 0)
				rv = 1;
		}
	}
out:
	nfct_destroy(ct);
	return rv;
}

/*
 * Whether ctnetlink answers in this network namespace: ask for a dump and
 * read the first answer only.  0, or -1 with errno (EPERM: not root;
 * EOPNOTSUPP or ENOENT: nf_conntrack_netlink missing).
 */
int
ct_probe(void)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfh;
	ssize_t			 n;
	int			 rv = -1, err;

	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_UNSPEC;
	nfh->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		goto out;
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1)
		goto out;
	nlh = (struct nlmsghdr *)buf;
	if (n >= (ssize_t)sizeof(*nlh) && nlh->nlmsg_type == NLMSG_ERROR &&
	    n >= (ssize_t)(sizeof(*nlh) + sizeof(int))) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err != 0) {
			errno = -err;
			goto out;
		}
	}
	rv = 0;
out:
	err = errno;
	mnl_socket_close(nl);
	errno = err;
	return rv;
}

/*
 * A reloaded configuration: buffer size and batch; the filter, on the
 * core's networks (the daemon gives the LAN side's again after it).
 */
void
ct_reconfigure(struct ct *c, const struct conf *conf)
{
	c->conf = conf;
	ct_rcvbuf(c);
	ct_filter(c, &c->core->internal);
}

void
ct_close(struct ct *c)
{
	if (c == NULL)
		return;
	if (c->loop != NULL) {
		timer_stop(c->loop, &c->coalesce);
		timer_stop(c->loop, &c->tick);
	}
	if (c->ev != NULL) {
		loop_del_fd(c->loop, mnl_socket_get_fd(c->ev));
		mnl_socket_close(c->ev);
	}
	if (c->dump != NULL) {
		loop_del_fd(c->loop, mnl_socket_get_fd(c->dump));
		mnl_socket_close(c->dump);
	}
	if (c->query != NULL)
		mnl_socket_close(c->query);
	free(c->buf);
	free(c->mbuf);
	free(c);
}

void
ct_get_stats(const struct ct *c, struct ct_stats *ret)
{
	if (c == NULL) {		/* no event socket (yet) */
		memset(ret, 0, sizeof(*ret));
		ret->fd = -1;
		return;
	}
	*ret = c->st;
	ret->drops = c->drops_seen;
	ret->dumping = c->dumping;
	ret->fd = mnl_socket_get_fd(c->ev);
}
