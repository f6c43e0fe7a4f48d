/*
 * Unit tests for nftq.c without a kernel: set-element batches built with
 * nftq_batch_build() read back the same with nftq_batch_parse() (IPv4
 * and IPv6, add with its timeout, delete, refresh as a delete and an add,
 * a /64 in quarantine64, refused elements left out); a buffer too small
 * gives 0 and is never written past; malformed batches are refused; every
 * message carries the sequence number that names its element; and
 * nftq_in_ranges() reads an interval set's dump right.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

#include "live.h"
#include "testutil.h"

#define BUFSZ	(256 * 2 * 192 + 256)	/* as nftq.c's own */
#define MAXEL	512

static char			*buf;
static struct nftq_elem		 in[MAXEL], out[MAXEL];

static void
setup(void)
{
	buf = calloc(1, BUFSZ);
	ck_assert_ptr_nonnull(buf);
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
}

static void
teardown(void)
{
	free(buf);
}

/* The address s, which must parse. */
static struct addr
addr_of(const char *s)
{
	struct addr	a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "parse %s", s);
	return a;
}

static void
elem(struct nftq_elem *e, const char *a, int op, uint64_t timeout_ms)
{
	memset(e, 0, sizeof(*e));
	e->addr = addr_of(a);
	e->op = op;
	e->timeout_ms = timeout_ms;
}

/* Build v[0..n) at seq, which must fit; the batch's length. */
static size_t
build(uint32_t seq, const struct nftq_elem *v, size_t n)
{
	size_t	len;

	len = nftq_batch_build(buf, BUFSZ, seq, v, n);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, BUFSZ);
	return len;
}

static void
same_addr(const struct nftq_elem *e, const struct nftq_elem *want)
{
	char	a[ADDR_STRLEN], b[ADDR_STRLEN];

	addr_fmt(&e->addr, a, sizeof(a));
	addr_fmt(&want->addr, b, sizeof(b));
	ck_assert_msg(addr_cmp(&e->addr, &want->addr) == 0, "%s, not %s", a,
	    b);
}

/* One add of each family: the address and the timeout come back. */
START_TEST(test_nftq_add)
{
	size_t	len;

	elem(&in[0], "10.1.2.3", NFTQ_ADD, 3600000);
	elem(&in[1], "2001:db8::7", NFTQ_ADD, 86400000);
	len = build(100, in, 2);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 2);
	same_addr(&out[0], &in[0]);
	ck_assert(addr_is_v4(&out[0].addr));
	ck_assert_int_eq(out[0].op, NFTQ_ADD);
	ck_assert_uint_eq(out[0].timeout_ms, 3600000);
	same_addr(&out[1], &in[1]);
	ck_assert(!addr_is_v4(&out[1].addr));
	ck_assert_int_eq(out[1].op, NFTQ_ADD);
	ck_assert_uint_eq(out[1].timeout_ms, 86400000);

	/* an add without a timeout has none */
	elem(&in[0], "192.0.2.1", NFTQ_ADD, 0);
	len = build(100, in, 1);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 1);
	same_addr(&out[0], &in[0]);
	ck_assert_uint_eq(out[0].timeout_ms, 0);
}
END_TEST

/* A delete carries no timeout, even when the element has one. */
START_TEST(test_nftq_del)
{
	size_t	len;

	elem(&in[0], "10.9.8.7", NFTQ_DEL, 0);
	elem(&in[1], "fd00::1:2", NFTQ_DEL, 5000);
	len = build(7, in, 2);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 2);
	same_addr(&out[0], &in[0]);
	ck_assert_int_eq(out[0].op, NFTQ_DEL);
	ck_assert_uint_eq(out[0].timeout_ms, 0);
	same_addr(&out[1], &in[1]);
	ck_assert_int_eq(out[1].op, NFTQ_DEL);
	ck_assert_uint_eq(out[1].timeout_ms, 0);
}
END_TEST

/*
 * A refresh is a delete then an add with the new timeout, of the same
 * address; skip_del (the element had expired) leaves only the add.
 */
START_TEST(test_nftq_refresh)
{
	size_t	len;

	elem(&in[0], "10.0.0.42", NFTQ_REFRESH, 14400000);
	elem(&in[1], "2001:db8:ffff::1", NFTQ_REFRESH, 57600000);
	len = build(1, in, 2);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 4);
	same_addr(&out[0], &in[0]);
	ck_assert_int_eq(out[0].op, NFTQ_DEL);
	ck_assert_uint_eq(out[0].timeout_ms, 0);
	same_addr(&out[1], &in[0]);
	ck_assert_int_eq(out[1].op, NFTQ_ADD);
	ck_assert_uint_eq(out[1].timeout_ms, 14400000);
	same_addr(&out[2], &in[1]);
	ck_assert_int_eq(out[2].op, NFTQ_DEL);
	same_addr(&out[3], &in[1]);
	ck_assert_int_eq(out[3].op, NFTQ_ADD);
	ck_assert_uint_eq(out[3].timeout_ms, 57600000);

	in[0].skip_del = true;
	len = build(1, in, 2);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 3);
	same_addr(&out[0], &in[0]);
	ck_assert_int_eq(out[0].op, NFTQ_ADD);
	ck_assert_uint_eq(out[0].timeout_ms, 14400000);
	ck_assert_int_eq(out[1].op, NFTQ_DEL);
	ck_assert_int_eq(out[2].op, NFTQ_ADD);
}
END_TEST

/* 200 elements, both families, all three ops: each comes back in order. */
START_TEST(test_nftq_many)
{
	char		a[64];
	size_t		i, j, len, want = 0;
	ssize_t		n;

	for (i = 0; i < 200; i++) {
		int op = (int)(i % 3);

		if (i % 2 == 0)
			snprintf(a, sizeof(a), "10.%zu.%zu.%zu", i / 7, i % 7,
			    i);
		else
			snprintf(a, sizeof(a), "2001:db8:%zx::%zx", i, i * 3);
		elem(&in[i], a, op, op == NFTQ_DEL ? 0 : 1000 * (i + 1));
		want += op == NFTQ_REFRESH ? 2 : 1;
	}
	len = build(0x10000, in, 200);
	n = nftq_batch_parse(buf, len, out, MAXEL);
	ck_assert_int_eq(n, (ssize_t)want);
	for (i = 0, j = 0; i < 200; i++) {
		if (in[i].op == NFTQ_REFRESH) {
			same_addr(&out[j], &in[i]);
			ck_assert_int_eq(out[j].op, NFTQ_DEL);
			j++;
		}
		same_addr(&out[j], &in[i]);
		ck_assert_int_eq(out[j].op, in[i].op == NFTQ_DEL ? NFTQ_DEL :
		    NFTQ_ADD);
		ck_assert_uint_eq(out[j].timeout_ms, in[i].op == NFTQ_DEL ? 0 :
		    in[i].timeout_ms);
		j++;
	}
	ck_assert_uint_eq(j, want);

	/* more elements than the caller has room for: refused */
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, want - 1), -1);
}
END_TEST

/* Elements the kernel refused (err set) are left out of the batch. */
START_TEST(test_nftq_err_left_out)
{
	size_t	len;

	elem(&in[0], "10.0.0.1", NFTQ_ADD, 1000);
	elem(&in[1], "10.0.0.2", NFTQ_ADD, 2000);
	in[1].err = EINVAL;
	elem(&in[2], "2001:db8::3", NFTQ_REFRESH, 3000);
	in[2].err = ENOSPC;
	elem(&in[3], "2001:db8::4", NFTQ_DEL, 0);
	len = build(50, in, 4);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 2);
	same_addr(&out[0], &in[0]);
	ck_assert_int_eq(out[0].op, NFTQ_ADD);
	same_addr(&out[1], &in[3]);
	ck_assert_int_eq(out[1].op, NFTQ_DEL);

	/* all refused: an empty batch, begin and end */
	in[0].err = in[3].err = EPERM;
	len = build(50, in, 4);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 0);
}
END_TEST

/*
 * A buffer too small gives 0, whatever its size, never a batch with
 * elements missing, and nothing is written past it (the bytes after it
 * keep their pattern).  From some size on (a little more than the
 * batch: libmnl needs room for a message it then finds too long), it
 * gives the whole batch.
 *
 * Regression (was a bug in nftq.c, nftq_batch_build, fixed): before, a
 * message that did not fit was written past len anyway, and was then
 * overwritten by the next one, so that from 40 bytes on the build
 * returned a batch without the elements that did not fit (begin and end
 * alone, here) instead of 0.
 */
START_TEST(test_nftq_too_small)
{
	char		*b;
	size_t		 i, len, sz, r, works = 0;
	const size_t	 guard = 512;

	elem(&in[0], "2001:db8::1", NFTQ_REFRESH, 1000);
	elem(&in[1], "2001:db8::2", NFTQ_ADD, 1000);
	elem(&in[2], "10.0.0.3", NFTQ_ADD, 1000);
	elem(&in[3], "10.0.0.4", NFTQ_DEL, 0);
	elem(&in[4], "10.0.0.5", NFTQ_DEL, 0);
	memset(buf, 0xa5, BUFSZ);	/* libmnl 1.0.4 leaves padding as is */
	len = build(9, in, 5);
	b = malloc(len + 2 * guard);
	ck_assert_ptr_nonnull(b);
	for (sz = 0; sz <= len + guard; sz++) {
		memset(b, 0xa5, len + 2 * guard);
		r = nftq_batch_build(b, sz, 9, in, 5);
		for (i = sz; i < len + 2 * guard; i++)
			ck_assert_msg((unsigned char)b[i] == 0xa5,
			    "%zu bytes: byte %zu written", sz, i);
		if (sz < len || works == 0)
			ck_assert_msg(r == 0 || (sz >= len && r == len),
			    "%zu bytes: %zu of %zu", sz, r, len);
		else
			ck_assert_msg(r == len, "%zu bytes: %zu of %zu, "
			    "but %zu bytes were enough", sz, r, len, works);
		if (r == len) {
			ck_assert_int_eq(memcmp(b, buf, len), 0);
			if (works == 0)
				works = sz;
		}
	}
	ck_assert_uint_ge(works, len);
	ck_assert_uint_le(works, len + guard);

	/* an empty batch, begin and end, follows the same rule */
	memset(b, 0xa5, len + 2 * guard);
	ck_assert_uint_eq(nftq_batch_build(b, 39, 9, in, 0), 0);
	for (i = 39; i < len + 2 * guard; i++)
		ck_assert((unsigned char)b[i] == 0xa5);
	free(b);
}
END_TEST

/* A batch's begin or end message: a header and struct nfgenmsg. */
#define BEGINLEN	NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(struct nfgenmsg))

/* The offset of the last message of a batch (its end message). */
static size_t
last_msg(const char *b, size_t len)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)b;
	int			 rest = (int)len;
	size_t			 off = 0;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
		off = (size_t)((const char *)nlh - b);
	return off;
}

/* Truncated batches, a missing end, garbage: all refused. */
START_TEST(test_nftq_malformed)
{
	char		*g;
	size_t		 len, end, cut, i;
	unsigned int	 x = 12345;

	elem(&in[0], "10.0.0.1", NFTQ_ADD, 1000);
	elem(&in[1], "2001:db8::2", NFTQ_REFRESH, 2000);
	elem(&in[2], "10.0.0.3", NFTQ_DEL, 0);
	len = build(77, in, 3);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 4);

	/* cut anywhere, even between two messages */
	for (cut = 0; cut < len; cut++)
		ck_assert_msg(nftq_batch_parse(buf, cut, out, MAXEL) == -1,
		    "cut at %zu of %zu", cut, len);

	/* the end message left out: every message whole, but no end */
	end = last_msg(buf, len);
	ck_assert_uint_eq(len - end, BEGINLEN);
	ck_assert_int_eq(nftq_batch_parse(buf, end, out, MAXEL), -1);

	/* no begin: the elements and the end alone */
	ck_assert_int_eq(nftq_batch_parse(buf + BEGINLEN, len - BEGINLEN, out,
	    MAXEL), -1);

	/* garbage after the end */
	g = malloc(len + 64);
	ck_assert_ptr_nonnull(g);
	memcpy(g, buf, len);
	memcpy(g + len, buf + BEGINLEN, 32);	/* an element again */
	ck_assert_int_eq(nftq_batch_parse(g, len + 32, out, MAXEL), -1);
	for (i = 0; i < 64; i++)
		g[len + i] = (char)(i * 37);
	ck_assert_int_eq(nftq_batch_parse(g, len + 7, out, MAXEL), -1);
	ck_assert_int_eq(nftq_batch_parse(g, len + 64, out, MAXEL), -1);

	/* garbage alone, of many lengths */
	for (cut = 0; cut < 64; cut++) {
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			g[i] = (char)(x >> 16);
		}
		ck_assert_int_eq(nftq_batch_parse(g, len - cut, out, MAXEL),
		    -1);
	}
	ck_assert_int_eq(nftq_batch_parse(g, 0, out, MAXEL), -1);
	free(g);
}
END_TEST

/* The offset of the first bytes s (n long) in b, which must be there. */
static size_t
find(const char *b, size_t len, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(b + i, s, n) == 0)
			return i;
	ck_abort_msg("%s not in the batch", s);
	return 0;
}

/*
 * A /64 goes to quarantine64 and comes back a /64; an address of the same
 * bits to quarantine6.
 */
START_TEST(test_nftq_net64)
{
	size_t	len;

	elem(&in[0], "2001:db8:5:6::", NFTQ_ADD, 3600000);
	in[0].net64 = true;
	elem(&in[1], "2001:db8:5:6::", NFTQ_DEL, 0);
	in[1].net64 = true;
	elem(&in[2], "2001:db8:5:6::", NFTQ_ADD, 1000);
	len = build(7, in, 3);
	ck_assert_uint_gt(find(buf, len, NFTQ_SET64, sizeof(NFTQ_SET64)), 0);
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 3);
	same_addr(&out[0], &in[0]);
	ck_assert(out[0].net64);
	ck_assert_int_eq(out[0].op, NFTQ_ADD);
	ck_assert_uint_eq(out[0].timeout_ms, 3600000);
	ck_assert(out[1].net64);
	ck_assert_int_eq(out[1].op, NFTQ_DEL);
	ck_assert(!out[2].net64);
}
END_TEST

/* A foreign table, or a set not of the key's family: refused. */
START_TEST(test_nftq_foreign)
{
	size_t	len, at;

	elem(&in[0], "10.0.0.1", NFTQ_ADD, 1000);
	len = build(5, in, 1);
	at = find(buf, len, NFTQ_TABLE, sizeof(NFTQ_TABLE));
	buf[at] = 'E';
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), -1);
	buf[at] = NFTQ_TABLE[0];
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), 1);

	/* an IPv4 key in quarantine6 */
	at = find(buf, len, NFTQ_SET4, sizeof(NFTQ_SET4));
	memcpy(buf + at, NFTQ_SET6, sizeof(NFTQ_SET6));
	ck_assert_int_eq(nftq_batch_parse(buf, len, out, MAXEL), -1);
}
END_TEST

struct msg {
	uint16_t	type;
	uint32_t	seq;
};

/* The messages of a batch, walked with libmnl; their count. */
static size_t
walk(const char *b, size_t len, struct msg *m, size_t max)
{
	const struct nlmsghdr	*nlh = (const struct nlmsghdr *)b;
	int			 rest = (int)len;
	size_t			 n = 0;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		ck_assert_uint_lt(n, max);
		m[n].type = nlh->nlmsg_type;
		m[n].seq = nlh->nlmsg_seq;
		n++;
	}
	ck_assert_int_eq(rest, 0);
	return n;
}

#define NEWSETELEM	((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM)
#define DELSETELEM	((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM)

/*
 * Element i's message has sequence number base + 2i + 1, a refresh's
 * delete base + 2i: a kernel error's sequence number names the element
 * (and which half of a refresh), skipped elements keep their numbers,
 * begin and end have numbers of their own.  It holds across the wrap
 * of the 32-bit numbers too, in modular arithmetic (send_chunk() used to
 * ignore errors numbered below base, and so lost them at the wrap).
 */
START_TEST(test_nftq_seq)
{
	static const uint32_t	 bases[] = { 1000, 0xfffffffau };
	struct msg		 m[256];
	size_t			 len, n, k;
	uint32_t		 base;

	elem(&in[0], "10.0.0.1", NFTQ_ADD, 1000);
	elem(&in[1], "2001:db8::2", NFTQ_REFRESH, 2000);
	elem(&in[2], "10.0.0.3", NFTQ_DEL, 0);
	elem(&in[3], "10.0.0.4", NFTQ_ADD, 4000);
	in[3].err = EEXIST;
	elem(&in[4], "10.0.0.5", NFTQ_REFRESH, 5000);
	in[4].skip_del = true;
	elem(&in[5], "2001:db8::6", NFTQ_ADD, 6000);
	for (k = 0; k < sizeof(bases) / sizeof(bases[0]); k++) {
		base = bases[k];
		len = build(base, in, 6);
		n = walk(buf, len, m, 256);
		ck_assert_uint_eq(n, 8);
		ck_assert_uint_eq(m[0].type, NFNL_MSG_BATCH_BEGIN);
		ck_assert_uint_eq(m[0].seq, base - 1);
		ck_assert_uint_eq(m[1].type, NEWSETELEM);	/* 0 */
		ck_assert_uint_eq(m[1].seq, base + 1);
		ck_assert_uint_eq(m[2].type, DELSETELEM);	/* 1, del */
		ck_assert_uint_eq(m[2].seq, base + 2);
		ck_assert_uint_eq(m[3].type, NEWSETELEM);	/* 1, add */
		ck_assert_uint_eq(m[3].seq, base + 3);
		ck_assert_uint_eq(m[4].type, DELSETELEM);	/* 2 */
		ck_assert_uint_eq(m[4].seq, base + 5);
		ck_assert_uint_eq(m[5].type, NEWSETELEM);	/* 4: add */
		ck_assert_uint_eq(m[5].seq, base + 9);
		ck_assert_uint_eq(m[6].type, NEWSETELEM);	/* 5 */
		ck_assert_uint_eq(m[6].seq, base + 11);
		ck_assert_uint_eq(m[7].type, NFNL_MSG_BATCH_END);
		ck_assert_uint_eq(m[7].seq, base + 12);
		/* what the sender does with an error's number */
		ck_assert_uint_eq((uint32_t)(m[5].seq - base) / 2, 4);
		ck_assert_uint_eq((uint32_t)(m[2].seq - base) & 1, 0);
		ck_assert_uint_eq((uint32_t)(m[3].seq - base) & 1, 1);
		ck_assert_uint_ge((uint32_t)(m[0].seq - base) / 2, 6);
		ck_assert_uint_ge((uint32_t)(m[7].seq - base) / 2, 6);
	}

	/* 200 elements: element i's message is numbered base + 2i + 1 */
	for (k = 0; k < 200; k++)
		elem(&in[k], k % 2 ? "10.0.0.1" : "2001:db8::1", NFTQ_ADD, 1);
	len = build(1, in, 200);
	n = walk(buf, len, m, 256);
	ck_assert_uint_eq(n, 202);
	for (k = 0; k < 200; k++)
		ck_assert_uint_eq(m[k + 1].seq, 1 + 2 * k + 1);
	ck_assert_uint_eq(m[201].seq, 1 + 400);
}
END_TEST

/*
 * Ranges as an interval set's dump gives them: a start at the first
 * address and an end flagged at the one after the last, in any order.
 */
#define MAXR	32

static struct nftq_elem	ranges[MAXR], scratch[MAXR];
static size_t		nranges;

static void
range_add(const char *a, bool end)
{
	ck_assert_uint_lt(nranges, MAXR);
	elem(&ranges[nranges], a, NFTQ_ADD, 0);
	ranges[nranges].end = end;
	nranges++;
}

/*
 * Is s inside?  Asked with the dump as it was given, reversed, rotated
 * and interleaved (nftq_in_ranges sorts its copy): the answer must not
 * change.
 */
static bool
inside(const char *s)
{
	struct addr	a = addr_of(s);
	bool		r = false, r2;
	size_t		i, j, k;

	for (k = 0; k < 4; k++) {
		for (i = 0, j = 0; i < nranges; i++) {
			if (k == 0)
				j = i;
			else if (k == 1)
				j = nranges - 1 - i;
			else if (k == 2)
				j = (i + 3) % nranges;
			else	/* the odd ones, then the even ones */
				j = i < nranges / 2 ? 2 * i + 1 :
				    2 * (i - nranges / 2);
			scratch[i] = ranges[j];
		}
		r2 = nftq_in_ranges(scratch, nranges, &a);
		if (k == 0)
			r = r2;
		ck_assert_msg(r2 == r, "%s: the order changes the answer", s);
	}
	return r;
}

START_TEST(test_nftq_in_ranges)
{
	nranges = 0;
	/* an empty set holds nothing */
	ck_assert(!nftq_in_ranges(ranges, 0, &(struct addr){ { 0 } }));

	/* nft's leading end at 0.0.0.0 and :: */
	range_add("0.0.0.0", true);
	range_add("::", true);
	/* 10.0.0.0/24 */
	range_add("10.0.1.0", true);
	range_add("10.0.0.0", false);
	/* 192.168.1.5 alone */
	range_add("192.168.1.6", true);
	range_add("192.168.1.5", false);
	/* 172.16.0.0/24 and 172.16.1.0/24, touching */
	range_add("172.16.1.0", false);
	range_add("172.16.0.0", false);
	range_add("172.16.2.0", true);
	range_add("172.16.1.0", true);
	/* 240.0.0.0 to the top: a start with no end */
	range_add("240.0.0.0", false);
	/* 2001:db8::/32 and fd00::/8 */
	range_add("2001:db9::", true);
	range_add("fd00::", false);
	range_add("2001:db8::", false);
	range_add("fe00::", true);

	/* inside, at the first and the last address; the end is outside */
	ck_assert(inside("10.0.0.77"));
	ck_assert(inside("10.0.0.0"));
	ck_assert(inside("10.0.0.255"));
	ck_assert(!inside("10.0.1.0"));
	ck_assert(!inside("9.255.255.255"));
	ck_assert(!inside("10.0.1.1"));
	ck_assert(inside("192.168.1.5"));
	ck_assert(!inside("192.168.1.4"));
	ck_assert(!inside("192.168.1.6"));
	/* where one range ends and the next begins */
	ck_assert(inside("172.16.0.255"));
	ck_assert(inside("172.16.1.0"));
	ck_assert(inside("172.16.1.255"));
	ck_assert(!inside("172.16.2.0"));
	/* below everything, above the last end */
	ck_assert(!inside("0.0.0.0"));
	ck_assert(!inside("1.2.3.4"));
	ck_assert(!inside("200.1.1.1"));
	/* a start with no end runs to the top of its family, not into v6 */
	ck_assert(inside("240.0.0.0"));
	ck_assert(inside("255.255.255.255"));
	ck_assert(!inside("239.255.255.255"));
	ck_assert(!inside("::1"));
	ck_assert(!inside("1::"));
	/* IPv6 */
	ck_assert(inside("2001:db8::"));
	ck_assert(inside("2001:db8:1234::5"));
	ck_assert(inside("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!inside("2001:db9::"));
	ck_assert(!inside("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(inside("fd12:3456::1"));
	ck_assert(!inside("fe00::"));
	ck_assert(!inside("ff02::1"));
	/* an IPv6 range does not hold IPv4 addresses, nor the reverse */
	nranges = 0;
	range_add("::", false);
	ck_assert(inside("2001:db8::1"));
	ck_assert(!inside("10.0.0.1"));
	nranges = 0;
	range_add("0.0.0.0", false);
	ck_assert(inside("10.0.0.1"));
	ck_assert(!inside("2001:db8::1"));
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "nftq", setup, teardown, {
		    test_nftq_add, test_nftq_del, test_nftq_refresh,
		    test_nftq_many, test_nftq_err_left_out,
		    test_nftq_too_small, test_nftq_malformed,
		    test_nftq_foreign, test_nftq_net64, test_nftq_seq,
		    test_nftq_in_ranges, NULL } },
	};

	return t_main("nftq", tcases, T_N(tcases));
}
