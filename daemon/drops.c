/*
 * NFLOG: the packets the ruleset drops from quarantined hosts (group
 * nflog.group, "log group 4242" in nft/ephemd.nft), through
 * libnetfilter_log's libmnl interface.  Each packet is counted against
 * its source's quarantine with a sample (destination, port, protocol).
 * The group is asked for sequence numbers: a gap is packets the kernel
 * could not deliver, counted as lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>

#include "live.h"
#include "log.h"

#define NFLOG_COPY	128	/* bytes of each packet: the headers */

struct drops {
	struct mnl_socket	*nl;
	struct quar		*quar;
	struct loop		*loop;
	uint16_t		 group;
	bool			 synced;	/* next_seq is known */
	uint32_t		 next_seq;
	uint64_t		 told_ms;	/* the last overrun logged */
	struct drops_stats	 st;
};

/*
 * Source, destination, protocol and destination port of an IP packet.
 * 0, or -1 when it is too short or not IP.
 */
int
drops_parse_packet(const uint8_t *p, size_t len,
    struct addr *src, struct qsample *s)
{
	size_t	l4;
	uint8_t	proto;

	memset(s, 0, sizeof(*s));
	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		uint32_t v;

		if (len < 20 || (size_t)(p[0] & 0x0f) * 4 < 20)
			return -1;
		l4 = (size_t)(p[0] & 0x0f) * 4;
		proto = p[9];
		memcpy(&v, p + 12, 4);
		addr_from_v4(src, ntohl(v));
		memcpy(&v, p + 16, 4);
		addr_from_v4(&s->dst, ntohl(v));
		/* a later fragment has no ports */
		if ((((p[6] & 0x1f) << 8) | p[7]) != 0)
			proto = 0;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40)
			return -1;
		l4 = 40;
		proto = p[6];
		memcpy(src->b, p + 8, 16);
		memcpy(s->dst.b, p + 24, 16);
	} else
		return -1;
	s->proto = proto;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE) && len >= l4 + 4)
		s->dport = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	return 0;
}

/* One NFLOG message: a packet the ruleset dropped, counted for its host. */
static int
drops_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct drops	*n = arg;
	struct nlattr	*attr[NFULA_MAX + 1] = { 0 };
	struct qsample	 s;
	struct addr	 src;

	/* the library's attribute walk reads to the aligned length */
	if ((nlh->nlmsg_len & (MNL_ALIGNTO - 1)) != 0 ||
	    nflog_nlmsg_parse(nlh, attr) < 0 || attr[NFULA_PAYLOAD] == NULL) {
		n->st.bad++;
		return MNL_CB_OK;
	}
	n->st.packets++;
	if (attr[NFULA_SEQ] != NULL) {
		uint32_t seq = ntohl(mnl_attr_get_u32(attr[NFULA_SEQ]));

		if (n->synced && seq != n->next_seq)
			n->st.lost += (uint32_t)(seq - n->next_seq);
		n->next_seq = seq + 1;
		n->synced = true;
	}
	if (drops_parse_packet(mnl_attr_get_payload(attr[NFULA_PAYLOAD]),
	    mnl_attr_get_payload_len(attr[NFULA_PAYLOAD]), &src,
	    &s) == -1) {
		n->st.bad++;
		return MNL_CB_OK;
	}
	s.ts_ms = loop_wall_ms();
	quar_drop(n->quar, &src, &s);
	return MNL_CB_OK;
}

static void
drops_read(int fd, uint32_t events, void *arg)
{
	struct drops	*n = arg;
	char		 buf[65536];
	ssize_t		 r;
	int		 i;

	for (i = 0; i < 64; i++) {
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == -1) {
			if (errno == ENOBUFS) {
				/* the gap shows in the next sequence number */
				n->st.overruns++;
				if (n->told_ms == 0 ||
				    loop_now_ms() - n->told_ms >= 60000) {
					n->told_ms = loop_now_ms();
					log_warnx("nflog: group %u overran: "
					    "packets lost, quarantined hosts' "
					    "drop counts are short (nflog lost "
					    "counts them)", n->group);
				}
				continue;
			}
			return;
		}
		drops_input(n, buf, (size_t)r);
	}
}

/*
 * A datagram from the NFLOG group: its messages counted into the
 * quarantine, sequence gaps as lost, what does not parse as bad.
 */
void
drops_input(struct drops *n, const void *buf, size_t len)
{
	if (!nl_datagram_ok(buf, len) ||
	    mnl_cb_run(buf, len, 0, 0, drops_msg, n) == MNL_CB_ERROR)
		n->st.bad++;
}

/* Counting without a socket: for drops_open, the tests and fuzzers. */
struct drops *
drops_new(struct quar *quar)
{
	struct drops	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->quar = quar;
	return n;
}

/* A config message; the kernel's answer, 0 or -1 (errno set). */
static int
config(struct drops *n, uint8_t cmd, bool mode)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;
	ssize_t		 r;
	uint32_t	 seq = (uint32_t)loop_wall_ms();

	nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC,
	    n->group);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (cmd != NFULNL_CFG_CMD_NONE)
		nflog_attr_put_cfg_cmd(nlh, cmd);
	if (mode) {
		nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, NFLOG_COPY);
		mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ));
		/* deliver within 0.1 s rather than the default second */
		mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(10));
	}
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	if ((r = mnl_socket_recvfrom(n->nl, buf, sizeof(buf))) < 0)
		return -1;
	if (!nl_datagram_ok(buf, (size_t)r)) {
		errno = EPROTO;
		return -1;
	}
	return mnl_cb_run(buf, (size_t)r, seq, mnl_socket_get_portid(n->nl),
	    NULL, NULL) < 0 ? -1 : 0;
}

/*
 * Bind NFLOG group group and count its packets into quar.  NULL when it
 * cannot (logged: another program such as ulogd may hold the group).
 */
struct drops *
drops_open(uint16_t group, struct quar *quar, struct loop *loop)
{
	struct drops	*n;
	int		 sz = 1 << 20;

	if ((n = drops_new(quar)) == NULL)
		return NULL;
	n->loop = loop;
	n->group = group;
	if ((n->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("nflog: netlink socket");
		goto fail;
	}
	if (setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &sz, sizeof(sz)) == -1)
		setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_RCVBUF,
		    &sz, sizeof(sz));
	if (config(n, NFULNL_CFG_CMD_BIND, false) == -1) {
		log_warn("nflog: cannot bind group %u%s", group,
		    errno == EBUSY ? " (another program, such as ulogd, has "
		    "it: give ephemd its own group in the ruleset and in "
		    "nflog.group)" : "");
		goto fail;
	}
	if (config(n, NFULNL_CFG_CMD_NONE, true) == -1) {
		log_warn("nflog: group %u: cannot set copy mode", group);
		goto fail;
	}
	if (loop_add_fd(loop, mnl_socket_get_fd(n->nl), EPOLLIN, drops_read,
	    n) == -1) {
		log_warn("nflog: epoll");
		goto fail;
	}
	return n;
fail:
	if (n->nl != NULL)
		mnl_socket_close(n->nl);
	free(n);
	return NULL;
}

/*
 * A reloaded configuration: the group is bound at start only, so
 * nflog.enabled and nflog.group are carried over into conf, and notes
 * says when they changed.
 */
void
drops_reconfigure(const struct quar_conf *old, struct quar_conf *conf,
    FILE *notes)
{
	if (conf->nflog != old->nflog || conf->nflog_group != old->nflog_group)
		fprintf(notes, "nflog.enabled and nflog.group take effect at "
		    "the next start\n");
	conf->nflog = old->nflog;
	conf->nflog_group = old->nflog_group;
}

void
drops_close(struct drops *n)
{
	if (n == NULL)
		return;
	if (n->nl != NULL) {
		loop_del_fd(n->loop, mnl_socket_get_fd(n->nl));
		config(n, NFULNL_CFG_CMD_UNBIND, false);
		mnl_socket_close(n->nl);
	}
	free(n);
}

void
drops_get_stats(const struct drops *n, struct drops_stats *st)
{
	*st = n->st;
}
