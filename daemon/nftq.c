/*
 * The kernel side of the quarantine: table inet ephemd (nft/ephemd.nft).
 *
 * Set elements go in nftables batches built with libnftnl and sent with
 * libmnl, one element per message so that the kernel's errors name the
 * element (an error carries the failing message's sequence number).  A
 * batch is a transaction: one rejected element aborts it, so the batch is
 * sent again without the rejected ones.  The kernel handles a batch inside
 * sendmsg(), so its errors are queued before the call returns; messages
 * ask for no acknowledgement and only errors come back.
 *
 * Also here: the check that the table and its sets exist with the right
 * types, loading the ruleset file (libnftables), and set dumps.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <nftables/libnftables.h>

#include "live.h"

/* nftables' data types (nftables src/datatype.h) */
#define TYPE_IPADDR	7
#define TYPE_IP6ADDR	8

#define NFTQ_CHUNK	256		/* elements a sendmsg() */
#define NFTQ_BUF	(NFTQ_CHUNK * 2 * 192 + 256)
#define NFTQ_MSGMAX	128		/* a message; IPv6 with a timeout: 92 */

struct nftq {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint32_t		 seq;
	char			*buf;		/* NFTQ_BUF */
	struct nftq_stats	 st;
	uint64_t		 ident;		/* nftq_ident() */
	bool			 net64;		/* quarantine64 is used */
};

/* The set of address a, of the /64 a (net64), or its allow set. */
static const char *
set_of(const struct addr *a, bool net64, bool allow)
{
	if (addr_is_v4(a))
		return allow ? NFTQ_ALLOW4 : NFTQ_SET4;
	if (allow)
		return NFTQ_ALLOW6;
	return net64 ? NFTQ_SET64 : NFTQ_SET6;
}

/* One NEWSETELEM or DELSETELEM message for one element. */
static int
put_elem(struct mnl_nlmsg_batch *b, uint16_t type, uint32_t seq,
    const struct nftq_elem *e)
{
	struct nftnl_set	*s;
	struct nftnl_set_elem	*el;
	struct nlmsghdr		*nlh;
	uint16_t		 flags = type == NFT_MSG_NEWSETELEM ?
				    NLM_F_CREATE : 0;

	if ((s = nftnl_set_alloc()) == NULL)
		return -1;
	if ((el = nftnl_set_elem_alloc()) == NULL) {
		nftnl_set_free(s);
		return -1;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTQ_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set_of(&e->addr, e->net64, false));
	if (addr_is_v4(&e->addr))
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &e->addr.b[12], 4);
	else
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, e->addr.b, 16);
	if (type == NFT_MSG_NEWSETELEM && e->timeout_ms > 0)
		nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT,
		    e->timeout_ms);
	nftnl_set_elem_add(s, el);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type,
	    NFPROTO_INET, flags, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return mnl_nlmsg_batch_next(b) ? 0 : -1;
}

/*
 * Build a batch of elements v[0..n) into buf: a begin message, then per
 * element its messages (a refresh is a delete and an add, in that order),
 * then an end message.  Message sequence numbers are seq + 2 * i for a
 * refresh's delete and seq + 2 * i + 1 for the rest, so an error's
 * sequence number gives the element.  Elements with err set are left out.
 * Returns the length, or 0 when buf is too small (it must have
 * NFTQ_MSGMAX bytes to spare); nothing is written past len.
 */
size_t
nftq_batch_build(char *buf, size_t len, uint32_t seq,
    const struct nftq_elem *v, size_t n)
{
	struct mnl_nlmsg_batch	*b;
	size_t			 i, out;

	/* libmnl checks a message's room after it is written: keep one's */
	if (len < NFTQ_MSGMAX ||
	    (b = mnl_nlmsg_batch_start(buf, len - NFTQ_MSGMAX)) == NULL)
		return 0;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq - 1);
	mnl_nlmsg_batch_next(b);
	for (i = 0; i < n; i++) {
		const struct nftq_elem *e = &v[i];

		if (e->err != 0)
			continue;
		if (e->op == NFTQ_REFRESH && !e->skip_del &&
		    put_elem(b, NFT_MSG_DELSETELEM, seq + 2 * (uint32_t)i,
		    e) == -1)
			goto full;
		if (put_elem(b, e->op == NFTQ_DEL ? NFT_MSG_DELSETELEM :
		    NFT_MSG_NEWSETELEM, seq + 2 * (uint32_t)i + 1, e) == -1)
			goto full;
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq + 2 * (uint32_t)n);
	if (!mnl_nlmsg_batch_next(b))
		goto full;
	out = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	return out;
full:
	mnl_nlmsg_batch_stop(b);
	return 0;
}

struct parse_ctx {
	struct nftq_elem	*v;
	size_t			 n, max;
	int			 op;
	bool			 grow;		/* realloc v when full */
	bool			 ours;		/* refuse other tables */
	bool			 nomem;
};

/* The attribute a (of its nest) of type t and exactly len bytes. */
static const struct nlattr *
attr_get(const struct nlattr *const *tb, int t, size_t len)
{
	if (tb[t] == NULL || mnl_attr_get_payload_len(tb[t]) != len)
		return NULL;
	return tb[t];
}

/*
 * The attributes of a nest (or of a message's payload) by type, each at
 * most once, each inside its parent: libmnl's walk, not libnftnl's, which
 * calls exit() for an attribute of another size than it expects.
 */
static int
attr_table(const void *start, size_t len, const struct nlattr **tb,
    int max)
{
	const struct nlattr	*attr;	/* libmnl's macro names it */

	memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
	mnl_attr_for_each_payload(start, len) {
		int t = mnl_attr_get_type(attr);

		if (t <= max) {
			if (tb[t] != NULL)
				return -1;
			tb[t] = attr;
		}
	}
	return 0;
}

/* A big-endian 32-bit attribute, 0 when a is NULL. */
static uint32_t
attr_u32(const struct nlattr *a)
{
	uint32_t	v;

	if (a == NULL)
		return 0;
	memcpy(&v, mnl_attr_get_payload(a), 4);
	return ntohl(v);
}

static uint64_t
attr_u64(const struct nlattr *a)
{
	uint64_t	v;

	memcpy(&v, mnl_attr_get_payload(a), 8);
	return be64toh(v);
}

/* One element (an NFTA_LIST_ELEM nest) of a set whose name is set. */
static int
parse_one(const struct nlattr *nest, struct parse_ctx *p, const char *set)
{
	const struct nlattr	*tb[NFTA_SET_ELEM_MAX + 1], *kb[NFTA_DATA_MAX + 1];
	const struct nlattr	*key, *a;
	struct nftq_elem	*e;
	uint32_t		 v4;

	if (attr_table(mnl_attr_get_payload(nest),
	    mnl_attr_get_payload_len(nest), tb, NFTA_SET_ELEM_MAX) == -1 ||
	    tb[NFTA_SET_ELEM_KEY] == NULL ||
	    attr_table(mnl_attr_get_payload(tb[NFTA_SET_ELEM_KEY]),
	    mnl_attr_get_payload_len(tb[NFTA_SET_ELEM_KEY]), kb,
	    NFTA_DATA_MAX) == -1)
		return -1;
	if ((key = attr_get(kb, NFTA_DATA_VALUE, 4)) == NULL &&
	    (key = attr_get(kb, NFTA_DATA_VALUE, 16)) == NULL)
		return -1;
	if (p->n == p->max) {
		size_t			 cap = p->max ? p->max * 2 : 256;
		struct nftq_elem	*nv;

		if (!p->grow)
			return -1;
		if ((nv = realloc(p->v, cap * sizeof(*nv))) == NULL) {
			p->nomem = true;
			return -1;
		}
		p->v = nv;
		p->max = cap;
	}
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	if (mnl_attr_get_payload_len(key) == 4) {
		memcpy(&v4, mnl_attr_get_payload(key), 4);
		addr_from_v4(&e->addr, ntohl(v4));
	} else
		memcpy(e->addr.b, mnl_attr_get_payload(key), 16);
	e->op = p->op;
	if ((a = attr_get(tb, NFTA_SET_ELEM_TIMEOUT, 8)) != NULL)
		e->timeout_ms = attr_u64(a);
	else if (tb[NFTA_SET_ELEM_TIMEOUT] != NULL)
		return -1;
	if ((a = attr_get(tb, NFTA_SET_ELEM_EXPIRATION, 8)) != NULL)
		e->expires_ms = attr_u64(a);
	else if (tb[NFTA_SET_ELEM_EXPIRATION] != NULL)
		return -1;
	if ((a = attr_get(tb, NFTA_SET_ELEM_FLAGS, 4)) != NULL)
		e->end = (attr_u32(a) & NFT_SET_ELEM_INTERVAL_END) != 0;
	else if (tb[NFTA_SET_ELEM_FLAGS] != NULL)
		return -1;
	/* the set must match the key's family */
	e->net64 = set != NULL && strcmp(set, NFTQ_SET64) == 0;
	if (set != NULL && strcmp(set, set_of(&e->addr, e->net64,
	    false)) != 0 && strcmp(set, set_of(&e->addr, false, true)) != 0)
		return -1;
	p->n++;
	return 0;
}

/* A NUL-terminated string attribute, or NULL. */
static const char *
attr_str(const struct nlattr *a)
{
	if (a == NULL || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(a);
}

/* The attributes of an nftables message, after its nfgenmsg, by type. */
static int
msg_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb, int max)
{
	size_t	off = sizeof(struct nfgenmsg);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return -1;
	return attr_table((const char *)mnl_nlmsg_get_payload(nlh) + off,
	    nlh->nlmsg_len - NLMSG_HDRLEN - off, tb, max);
}

/*
 * The elements of one NEWSETELEM or DELSETELEM message into p; with
 * p->ours, only a message for table NFTQ_TABLE.
 */
static int
parse_msg(const struct nlmsghdr *nlh, struct parse_ctx *p)
{
	const struct nlattr	*tb[NFTA_SET_ELEM_LIST_MAX + 1];
	const struct nlattr	*a, *list;
	const char		*t, *set;

	if (msg_attrs(nlh, tb, NFTA_SET_ELEM_LIST_MAX) == -1)
		return -1;
	t = attr_str(tb[NFTA_SET_ELEM_LIST_TABLE]);
	set = attr_str(tb[NFTA_SET_ELEM_LIST_SET]);
	if (p->ours && (t == NULL || strcmp(t, NFTQ_TABLE) != 0))
		return -1;
	if ((list = tb[NFTA_SET_ELEM_LIST_ELEMENTS]) == NULL)
		return 0;
	mnl_attr_for_each_nested(a, list) {
		if (mnl_attr_validate(a, MNL_TYPE_UNSPEC) < 0 ||
		    mnl_attr_get_type(a) != NFTA_LIST_ELEM ||
		    parse_one(a, p, set) == -1)
			return -1;
	}
	return 0;
}

/*
 * Read a batch back (the unit tests' view of what the kernel gets): every
 * element message becomes one nftq_elem with op NFTQ_ADD or NFTQ_DEL.
 * Returns the number of elements, or -1 when the batch is malformed: no
 * begin or end, a foreign table, a set that does not match its key.
 */
ssize_t
nftq_batch_parse(const char *buf, size_t len, struct nftq_elem *v,
    size_t max)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)buf;
	struct parse_ctx	 p = { .v = v, .max = max, .ours = true };
	int			 rest = (int)len;
	bool			 begun = false, ended = false;

	if (!nl_datagram_ok(buf, len))
		return -1;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		uint16_t type = nlh->nlmsg_type;

		if (ended)
			return -1;
		if (type == NFNL_MSG_BATCH_BEGIN) {
			if (begun)
				return -1;
			begun = true;
			continue;
		}
		if (type == NFNL_MSG_BATCH_END) {
			ended = true;
			continue;
		}
		if (!begun)
			return -1;
		type &= 0xff;
		if (type != NFT_MSG_NEWSETELEM && type != NFT_MSG_DELSETELEM)
			return -1;
		p.op = type == NFT_MSG_NEWSETELEM ? NFTQ_ADD : NFTQ_DEL;
		if (parse_msg(nlh, &p) == -1)
			return -1;
	}
	if (rest != 0 || !begun || !ended)
		return -1;
	return (ssize_t)p.n;
}

static int
elem_cmp(const void *x, const void *y)
{
	const struct nftq_elem	*a = x, *b = y;
	int			 c = addr_cmp(&a->addr, &b->addr);

	if (c != 0)
		return c;
	return (int)b->end - (int)a->end;	/* an end before a start */
}

/*
 * Is a inside the ranges of an interval set's dump (v is sorted in
 * place)?  A dump lists each range as its first address and, flagged
 * end, the address after its last; a start with no end runs to the top.
 * So a is inside when the last element at or below it is a start.
 */
bool
nftq_in_ranges(struct nftq_elem *v, size_t n, const struct addr *a)
{
	const struct nftq_elem	*last = NULL;
	size_t			 i;

	if (n > 1)
		qsort(v, n, sizeof(*v), elem_cmp);
	for (i = 0; i < n && addr_cmp(&v[i].addr, a) <= 0; i++)
		if (addr_is_v4(&v[i].addr) == addr_is_v4(a))
			last = &v[i];
	return last != NULL && !last->end;
}

/*
 * The kernel side of the quarantine; net64, the table must have the set
 * quarantine64 (quarantine.prefix64), which tables loaded from an older
 * ephemd.nft lack.
 */
struct nftq *
nftq_open(bool net64)
{
	struct nftq	*q;
	int		 one = 1, sz = 4 << 20;

	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->buf = calloc(1, NFTQ_BUF)) == NULL) {
		free(q);
		return NULL;
	}
	if ((q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		nftq_close(q);
		return NULL;
	}
	/* errors without the message they answer; room for a chunk's */
	mnl_socket_setsockopt(q->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &sz, sizeof(sz)) == -1)
		setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUF,
		    &sz, sizeof(sz));
	q->portid = mnl_socket_get_portid(q->nl);
	q->net64 = net64;
	q->seq = (uint32_t)time(NULL) << 8;
	return q;
}

void
nftq_close(struct nftq *q)
{
	if (q == NULL)
		return;
	if (q->nl != NULL)
		mnl_socket_close(q->nl);
	free(q->buf);
	free(q);
}

void
nftq_get_stats(const struct nftq *q, struct nftq_stats *st)
{
	*st = q->st;
}

/* Throw away whatever an earlier exchange left in the socket. */
static void
drain(struct nftq *q)
{
	char	buf[8192];

	while (recv(mnl_socket_get_fd(q->nl), buf, sizeof(buf),
	    MSG_DONTWAIT) > 0)
		;
}

/*
 * One datagram of the kernel's answers to a batch of v[0..n) sent with
 * sequence numbers from base (nftq_batch_build): mark the elements whose
 * message it refused (err), and a refresh whose delete found the element
 * expired (skip_del).  Returns the number marked, or -1 for a datagram
 * that is not the kernel's (nl.c).
 */
int
nftq_acks(const char *buf, size_t len, uint32_t base, struct nftq_elem *v,
    size_t n)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)buf;
	int			 rest = (int)len, marked = 0;

	if (!nl_datagram_ok(buf, len))
		return -1;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nlmsgerr	*err;
		uint32_t		 k;
		size_t			 i;

		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
			continue;
		err = mnl_nlmsg_get_payload(nlh);
		if (err->error == 0)
			continue;
		k = nlh->nlmsg_seq - base;
		if ((i = k / 2) >= n)
			continue;
		if ((k & 1) == 0 && err->error == -ENOENT) {
			/* a refresh found the element expired */
			v[i].skip_del = true;
			marked++;
			continue;
		}
		if (v[i].err == 0) {
			/* INT_MIN has no positive: any error will do */
			v[i].err = err->error < 0 && err->error != INT_MIN ?
			    -err->error : EPROTO;
			marked++;
		}
	}
	return marked;
}

/*
 * Send one chunk; mark elements whose message the kernel refused.
 * Returns the number of elements marked, or -1 when the exchange itself
 * failed (errno set).
 */
static int
send_chunk(struct nftq *q, struct nftq_elem *v, size_t n)
{
	char		 rbuf[16384];
	size_t		 len;
	uint32_t	 base;
	ssize_t		 r;
	int		 marked = 0;

	q->seq += 2 * (uint32_t)n + 4;
	base = q->seq;
	if ((len = nftq_batch_build(q->buf, NFTQ_BUF, base, v, n)) == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	drain(q);
	if (mnl_socket_sendto(q->nl, q->buf, len) < 0)
		return -1;
	q->st.batches++;
	while ((r = recv(mnl_socket_get_fd(q->nl), rbuf, sizeof(rbuf),
	    MSG_DONTWAIT)) > 0) {
		int m = nftq_acks(rbuf, (size_t)r, base, v, n);

		if (m > 0)
			marked += m;
	}
	if (r == -1 && errno == ENOBUFS) {
		q->st.overruns++;
		return -1;
	}
	return marked;
}

/*
 * Push v[0..n) into the kernel.  Elements the kernel refuses get err set
 * and are counted; the rest go in again, so one bad element never costs
 * the others their block.  A delete of an element that is not there is
 * not an error (it expired).  Returns the number refused, or -1 when
 * the kernel could not be reached at all (errno set; nothing counted as
 * pushed), ENOENT when the table or a set is gone: an add that finds no
 * set is no fault of its element.
 */
int
nftq_push(struct nftq *q, struct nftq_elem *v, size_t n)
{
	size_t	off, i;
	int	refused = 0;

	for (i = 0; i < n; i++) {
		v[i].err = 0;
		v[i].skip_del = false;
	}
	for (off = 0; off < n; off += NFTQ_CHUNK) {
		size_t	 m = n - off < NFTQ_CHUNK ? n - off : NFTQ_CHUNK;
		int	 tries, r = 0;

		/* each try removes at least one element, or is the last */
		for (tries = 0; tries <= NFTQ_CHUNK * 2; tries++)
			if ((r = send_chunk(q, v + off, m)) <= 0)
				break;
		if (r == -1)
			return -1;
		for (i = off; i < off + m; i++)
			if (v[i].op != NFTQ_DEL && v[i].err == ENOENT) {
				errno = ENOENT;
				return -1;
			}
		for (i = off; i < off + m; i++) {
			if (v[i].op == NFTQ_DEL && v[i].err == ENOENT)
				v[i].err = 0;
			if (v[i].err != 0) {
				q->st.refused++;
				refused++;
			} else if (v[i].op == NFTQ_DEL)
				q->st.deleted++;
			else
				q->st.added++;
		}
	}
	return refused;
}

/* A request answered by data messages, each handed to cb. */
static int
request(struct nftq *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char		buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t	seq = nlh->nlmsg_seq;
	ssize_t		r;
	int		rv;

	drain(q);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((r = mnl_socket_recvfrom(q->nl, buf, sizeof(buf))) > 0) {
		if (!nl_datagram_ok(buf, (size_t)r))
			return -1;
		rv = mnl_cb_run(buf, (size_t)r, seq, q->portid, cb, arg);
		if (rv <= MNL_CB_STOP)
			return rv;
	}
	return -1;
}

struct set_info {
	uint32_t	key_type;
	uint32_t	flags;
	uint64_t	handle;
	bool		found;
};

/* A set's key type, flags and handle (read with libmnl, as above). */
static int
set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct set_info		*si = arg;
	const struct nlattr	*tb[NFTA_SET_MAX + 1], *a;

	if (msg_attrs(nlh, tb, NFTA_SET_MAX) == -1)
		return MNL_CB_OK;	/* not found */
	si->found = true;
	si->key_type = attr_u32(attr_get(tb, NFTA_SET_KEY_TYPE, 4));
	si->flags = attr_u32(attr_get(tb, NFTA_SET_FLAGS, 4));
	if ((a = attr_get(tb, NFTA_SET_HANDLE, 8)) != NULL)
		si->handle = attr_u64(a);
	return MNL_CB_OK;
}

/* The table's handle, which the kernel never gives twice. */
static int
table_cb(const struct nlmsghdr *nlh, void *arg)
{
	uint64_t		*handle = arg;
	const struct nlattr	*tb[NFTA_TABLE_MAX + 1], *a;

	*handle = 1;		/* found, whatever the handle */
	if (msg_attrs(nlh, tb, NFTA_TABLE_MAX) == 0 &&
	    (a = attr_get(tb, NFTA_TABLE_HANDLE, 8)) != NULL)
		*handle = attr_u64(a) + 1;
	return MNL_CB_OK;
}

static int
ok_cb(const struct nlmsghdr *nlh, void *arg)
{
	*(bool *)arg = true;
	return MNL_CB_OK;
}

/*
 * Is the table there with its chain and its four sets (five with
 * quarantine64), of the right key types and flags?  0 when it is; -1
 * with the first thing wrong in why.
 * The handles of the table and its sets it found give nftq_ident().
 */
int
nftq_check(struct nftq *q, char *why, size_t len)
{
	static const struct {
		const char	*name;
		uint32_t	 key;
		uint32_t	 flag;
		const char	*flagname;
	} sets[] = {
		{ NFTQ_SET4, TYPE_IPADDR, NFT_SET_TIMEOUT, "timeout" },
		{ NFTQ_SET6, TYPE_IP6ADDR, NFT_SET_TIMEOUT, "timeout" },
		{ NFTQ_SET64, TYPE_IP6ADDR, NFT_SET_TIMEOUT, "timeout" },
		{ NFTQ_ALLOW4, TYPE_IPADDR, NFT_SET_INTERVAL, "interval" },
		{ NFTQ_ALLOW6, TYPE_IP6ADDR, NFT_SET_INTERVAL, "interval" },
	};
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct nftnl_table	*t;
	uint64_t		 ident = 0;
	size_t			 i;

	t = nftnl_table_alloc();
	if (t == NULL)
		goto nomem;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFTQ_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_ACK, ++q->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (request(q, nlh, table_cb, &ident) == -1 || ident == 0) {
		snprintf(why, len, "table inet %s does not exist%s%s",
		    NFTQ_TABLE, errno == ENOENT ? "" : ": ",
		    errno == ENOENT ? "" : strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct nftnl_set	*s;
		struct set_info		 si = { 0 };

		if (strcmp(sets[i].name, NFTQ_SET64) == 0 && !q->net64)
			continue;
		if ((s = nftnl_set_alloc()) == NULL)
			goto nomem;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTQ_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, sets[i].name);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
		    NLM_F_ACK, ++q->seq);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		if (request(q, nlh, set_cb, &si) == -1 || !si.found) {
			snprintf(why, len, "set %s does not exist in table "
			    "inet %s", sets[i].name, NFTQ_TABLE);
			return -1;
		}
		if (si.key_type != sets[i].key) {
			snprintf(why, len, "set %s has the wrong type (not %s)",
			    sets[i].name, sets[i].key == TYPE_IPADDR ?
			    "ipv4_addr" : "ipv6_addr");
			return -1;
		}
		if ((si.flags & sets[i].flag) == 0) {
			snprintf(why, len, "set %s lacks flags %s",
			    sets[i].name, sets[i].flagname);
			return -1;
		}
		ident = ident * 0x100000001b3ULL ^ si.handle;
	}
	if (!nftq_has_chain(q, NFTQ_CHAIN)) {
		snprintf(why, len, "chain %s does not exist in table inet %s",
		    NFTQ_CHAIN, NFTQ_TABLE);
		return -1;
	}
	q->ident = ident;
	return 0;
nomem:
	snprintf(why, len, "out of memory");
	return -1;
}

/*
 * Which table and sets the last nftq_check() found whole: another value
 * is another table (deleted and made again behind our back, as a
 * firewall reload with "flush ruleset" does), whose sets began empty.
 */
uint64_t
nftq_ident(const struct nftq *q)
{
	return q->ident;
}

/* Whether table inet ephemd has chain name (antispoof, for the doctor). */
bool
nftq_has_chain(struct nftq *q, const char *name)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct nftnl_chain	*c;
	bool			 found = false;

	if ((c = nftnl_chain_alloc()) == NULL)
		return false;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFTQ_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
	    NLM_F_ACK, ++q->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return request(q, nlh, ok_cb, &found) == 0 && found;
}

static int
dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	return parse_msg(nlh, arg) == 0 ? MNL_CB_OK : MNL_CB_ERROR;
}

/*
 * One datagram of the kernel's answer to a set dump (NEWSETELEM messages,
 * then NLMSG_DONE): its elements appended to *v, which holds *n of room
 * *max (grown with realloc; free() it).  What nftq_dump reads, for the
 * tests and the fuzzer.  Returns 0, 1 at NLMSG_DONE, or -1: not the
 * kernel's, a message libnftnl refuses, a key that is no address.
 */
int
nftq_dump_parse(const char *buf, size_t len, struct nftq_elem **v,
    size_t *n, size_t *max)
{
	struct parse_ctx	p = { .grow = true, .op = NFTQ_ADD };
	int			rv;

	if (!nl_datagram_ok(buf, len))
		return -1;
	p.v = *v;
	p.n = *n;
	p.max = *max;
	rv = mnl_cb_run(buf, len, 0, 0, dump_cb, &p);
	*v = p.v;
	*n = p.n;
	*max = p.max;
	return rv == MNL_CB_ERROR ? -1 : rv == MNL_CB_STOP ? 1 : 0;
}

/*
 * The elements of one of the table's sets, in *out (free() it); each
 * with expires_ms (timeout sets) or end (interval sets).  Returns the
 * count, or -1 (errno set).
 */
ssize_t
nftq_dump(struct nftq *q, const char *set, struct nftq_elem **out)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set	*s;
	struct nlmsghdr		*nlh;
	struct parse_ctx	 p = { .grow = true, .op = NFTQ_ADD };

	*out = NULL;
	if ((s = nftnl_set_alloc()) == NULL)
		return -1;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFTQ_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP, ++q->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (request(q, nlh, dump_cb, &p) == -1) {
		free(p.v);
		if (p.nomem)
			errno = ENOMEM;
		return -1;
	}
	*out = p.v;
	return (ssize_t)p.n;
}

/*
 * Load the ruleset file with libnftables.  0, or -1 with nft's own error
 * text in err.
 */
int
nftq_load(const char *path, char *err, size_t len)
{
	struct nft_ctx	*ctx;
	const char	*e;
	int		 rv;

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, len, "libnftables: out of memory");
		return -1;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	rv = nft_run_cmd_from_filename(ctx, path);
	if (rv != 0) {
		e = nft_ctx_get_error_buffer(ctx);
		snprintf(err, len, "%s", e != NULL && *e ? e :
		    "nft could not load it");
		/* one line for the log */
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ' ' : '\0';
	}
	nft_ctx_free(ctx);
	return rv == 0 ? 0 : -1;
}
