/*
 * drops.c: the NFLOG messages of packets the ruleset dropped, with no
 * kernel.  Each case of the table is a datagram built as the kernel sends
 * it (libmnl: NFULNL_MSG_PACKET, its packet header, payload and sequence
 * number) and what must be counted: the packet against its quarantined
 * source with a sample, as lost (a sequence gap), as bad, or against no
 * host.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "nlmsg.h"
#include "testutil.h"

#define T0	1795000000000ULL

enum pkt {
	P_TCP4,		/* 10.0.0.66 -> 198.51.100.7:443 */
	P_UDP6,		/* fd00::66 -> 2001:db8::53 udp 53 */
	P_FRAG4,	/* a later fragment: no ports */
	P_ICMP4,	/* icmp: no port */
	P_OTHER4,	/* from a host nobody quarantined */
	P_SHORT4,	/* 12 bytes of IPv4 */
	P_NOT_IP,	/* version 5 */
	P_NONE,		/* no payload attribute */
};

struct dcase {
	const char	*name;
	enum pkt	 pkt[3];	/* messages of the datagram */
	int		 seq[3];	/* NFULA_SEQ, -1: none */
	size_t		 n;
	uint64_t	 packets, lost, bad, unknown;
	uint64_t	 drops4, drops6;	/* of the two quarantined */
	uint16_t	 last_dport;	/* of the last sample, when any */
	uint8_t		 last_proto;
};

static const struct dcase cases[] = {
	{ "tcp to 443", { P_TCP4 }, { 1 }, 1, 1, 0, 0, 0, 1, 0, 443,
	    IPPROTO_TCP },
	{ "udp over ipv6", { P_UDP6 }, { 1 }, 1, 1, 0, 0, 0, 0, 1, 53,
	    IPPROTO_UDP },
	{ "three in one datagram, in sequence", { P_TCP4, P_TCP4, P_UDP6 },
	    { 5, 6, 7 }, 3, 3, 0, 0, 0, 2, 1, 53, IPPROTO_UDP },
	{ "a gap of three", { P_TCP4, P_TCP4 }, { 10, 14 }, 2, 2, 3, 0, 0,
	    2, 0, 443, IPPROTO_TCP },
	{ "no sequence numbers", { P_TCP4, P_TCP4 }, { -1, -1 }, 2, 2, 0, 0,
	    0, 2, 0, 443, IPPROTO_TCP },
	{ "a later fragment", { P_FRAG4 }, { 1 }, 1, 1, 0, 0, 0, 1, 0, 0, 0 },
	{ "icmp", { P_ICMP4 }, { 1 }, 1, 1, 0, 0, 0, 1, 0, 0, IPPROTO_ICMP },
	{ "nobody's", { P_OTHER4 }, { 1 }, 1, 1, 0, 0, 1, 0, 0, 0, 0 },
	{ "short", { P_SHORT4 }, { 1 }, 1, 1, 0, 1, 0, 0, 0, 0, 0 },
	{ "not ip", { P_NOT_IP }, { 1 }, 1, 1, 0, 1, 0, 0, 0, 0, 0 },
	{ "no payload", { P_NONE }, { 1 }, 1, 0, 0, 1, 0, 0, 0, 0, 0 },
};

static size_t
payload(enum pkt p, uint8_t *b)
{
	memset(b, 0, 64);
	switch (p) {
	case P_TCP4:
	case P_FRAG4:
	case P_ICMP4:
	case P_OTHER4:
	case P_SHORT4:
		b[0] = 0x45;
		b[9] = p == P_ICMP4 ? IPPROTO_ICMP : IPPROTO_TCP;
		inet_pton(AF_INET, p == P_OTHER4 ? "10.0.0.99" : "10.0.0.66",
		    b + 12);
		inet_pton(AF_INET, "198.51.100.7", b + 16);
		if (p == P_FRAG4)
			b[7] = 0x10;	/* fragment offset 16 */
		b[22] = 443 >> 8;
		b[23] = 443 & 0xff;
		return p == P_SHORT4 ? 12 : 40;
	case P_UDP6:
		b[0] = 0x60;
		b[6] = IPPROTO_UDP;
		inet_pton(AF_INET6, "fd00::66", b + 8);
		inet_pton(AF_INET6, "2001:db8::53", b + 24);
		b[43] = 53;
		return 48;
	case P_NOT_IP:
		b[0] = 0x50;
		return 40;
	case P_NONE:
		return 0;
	}
	return 0;
}

static struct nlmsg_buf	nb;

/* The message of packet p, appended to nb. */
static void
message(enum pkt p, int seq)
{
	uint8_t	b[64];
	size_t	len = payload(p, b);

	nlmsg_nflog(&nb, p == P_NONE ? NULL : b, len, seq);
}

static struct quar	*q;
static struct drops	*dr;

static void
setup(void)
{
	ck_assert_ptr_nonnull(q = nlmsg_drops_quar(T0));
	ck_assert_ptr_nonnull(dr = drops_new(q));
}

static void
teardown(void)
{
	drops_close(dr);
	quar_free(q);
}

static const struct qhost *
host(const char *s)
{
	struct addr	a;

	ck_assert_int_eq(addr_parse(s, strlen(s), &a), 0);
	return quar_find(q, &a);
}

START_TEST(test_drops_table)
{
	const struct dcase	*c = &cases[_i];
	const struct qhost	*h4 = host("10.0.0.66"), *h6 = host("fd00::66");
	const struct qhost	*last;
	struct drops_stats	 st;
	size_t			 i;

	ck_assert_ptr_nonnull(h4);
	ck_assert_ptr_nonnull(h6);
	nb.len = 0;
	for (i = 0; i < c->n; i++)
		message(c->pkt[i], c->seq[i]);
	drops_input(dr, nb.b, nb.len);
	drops_get_stats(dr, &st);
	ck_assert_msg(st.packets == c->packets, "%s: %llu packets", c->name,
	    (unsigned long long)st.packets);
	ck_assert_msg(st.lost == c->lost, "%s: %llu lost", c->name,
	    (unsigned long long)st.lost);
	ck_assert_msg(st.bad == c->bad, "%s: %llu bad", c->name,
	    (unsigned long long)st.bad);
	ck_assert_msg(q->nflog_unknown == c->unknown, "%s: %llu unknown",
	    c->name, (unsigned long long)q->nflog_unknown);
	ck_assert_msg(h4->drops == c->drops4 && h6->drops == c->drops6,
	    "%s: drops %llu and %llu", c->name,
	    (unsigned long long)h4->drops, (unsigned long long)h6->drops);
	last = c->drops6 > 0 && c->pkt[c->n - 1] == P_UDP6 ? h6 : h4;
	if (last->nsample > 0) {
		const struct qsample *s =
		    &last->sample[(last->nsample - 1) % QSAMPLES];

		ck_assert_msg(s->dport == c->last_dport, "%s: dport %u",
		    c->name, s->dport);
		ck_assert_msg(s->proto == c->last_proto, "%s: proto %u",
		    c->name, s->proto);
	}
}
END_TEST

/* A datagram cut anywhere is counted bad or parsed, never read past. */
START_TEST(test_drops_cut)
{
	char	*copy;
	size_t	 cut;

	nb.len = 0;
	message(P_TCP4, 1);
	for (cut = 1; cut < nb.len; cut++) {
		ck_assert_ptr_nonnull(copy = malloc(cut));
		memcpy(copy, nb.b, cut);
		drops_input(dr, copy, cut);
		free(copy);
	}
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "drops", setup, teardown, {
		    test_drops_cut, NULL },
		    { { test_drops_table, T_N(cases) } } },
	};

	return t_main("drops", tcases, T_N(tcases));
}
