/*
 * Unit tests for addr.c: address parsing and formatting, ordering,
 * networks and the default internal networks.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The address s, which must parse. */
static struct addr
addr_of(const char *s)
{
	struct addr	a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "parse %s", s);
	return a;
}

static struct net
net_of(const char *s)
{
	struct net	n;

	ck_assert_msg(net_parse(s, &n) == 0, "net_parse %s", s);
	return n;
}

static void
check_bytes(const struct addr *a, const uint8_t want[16])
{
	ck_assert_mem_eq(a->b, want, 16);
}

START_TEST(test_parse_v4)
{
	static const uint8_t	w1[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 0, 2 };
	static const uint8_t	w2[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 };
	static const uint8_t	w3[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255 };
	struct addr		a, b;

	a = addr_of("10.77.0.2");
	check_bytes(&a, w1);
	ck_assert(addr_is_v4(&a));
	addr_from_v4(&b, 0x0a4d0002);
	ck_assert_int_eq(addr_cmp(&a, &b), 0);

	a = addr_of("0.0.0.0");
	check_bytes(&a, w2);
	ck_assert(addr_is_v4(&a));
	a = addr_of("255.255.255.255");
	check_bytes(&a, w3);
	ck_assert(addr_is_v4(&a));

	/* decimal octets of up to three digits */
	a = addr_of("010.077.000.002");
	check_bytes(&a, w1);
}
END_TEST

START_TEST(test_parse_v6)
{
	static const uint8_t	w1[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t	w2[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t	w3[16] = {
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	struct addr		a;
	size_t			i;

	a = addr_of("2001:db8::1");
	check_bytes(&a, w1);
	ck_assert(!addr_is_v4(&a));
	a = addr_of("2001:0DB8:0000:0000:0000:0000:0000:0001");
	check_bytes(&a, w1);
	a = addr_of("::");
	check_bytes(&a, w2);
	ck_assert(!addr_is_v4(&a));
	a = addr_of("fd00::2");
	check_bytes(&a, w3);
	a = addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(a.b[i], 0xff);
	ck_assert(!addr_is_v4(&a));
}
END_TEST

/* IPv4 is stored v4-mapped: both spellings give the same address. */
START_TEST(test_parse_v4_mapped)
{
	struct addr	a, b, c;

	a = addr_of("10.77.0.2");
	b = addr_of("::ffff:10.77.0.2");
	c = addr_of("::ffff:a4d:2");
	ck_assert_mem_eq(a.b, b.b, 16);
	ck_assert_mem_eq(a.b, c.b, 16);
	ck_assert(addr_is_v4(&b));

	/* the longest text an address can have: 45 characters */
	a = addr_of("0000:0000:0000:0000:0000:ffff:255.255.255.255");
	b = addr_of("255.255.255.255");
	ck_assert_mem_eq(a.b, b.b, 16);

	/* IPv4-compatible (::a.b.c.d) is not v4-mapped */
	a = addr_of("::10.77.0.2");
	ck_assert(!addr_is_v4(&a));
}
END_TEST

/* The length bounds the text: a field inside a longer line. */
START_TEST(test_parse_length)
{
	const char	*line = "src=10.77.0.25 dst=2001:db8::1 sport=1";
	struct addr	 a, want;

	ck_assert_int_eq(addr_parse(line + 4, 10, &a), 0);
	want = addr_of("10.77.0.25");
	ck_assert_mem_eq(a.b, want.b, 16);
	ck_assert_int_eq(addr_parse(line + 4, 9, &a), 0);
	want = addr_of("10.77.0.2");
	ck_assert_mem_eq(a.b, want.b, 16);
	ck_assert_int_eq(addr_parse(line + 19, 11, &a), 0);
	want = addr_of("2001:db8::1");
	ck_assert_mem_eq(a.b, want.b, 16);
	/* one more character takes in the space */
	ck_assert_int_eq(addr_parse(line + 4, 11, &a), -1);
	ck_assert_int_eq(addr_parse(line + 19, 12, &a), -1);
}
END_TEST

START_TEST(test_parse_reject)
{
	static const char *const bad[] = {
		"",
		"1.2.3",
		"1.2.3.4.5",
		"256.1.1.1",
		"1.256.1.1",
		"1.1.1.256",
		"1..2.3",
		".1.2.3",
		"1.2.3.",
		"a.b.c.d",
		"1.2.3.4x",
		"1.2.3.4 ",
		" 1.2.3.4",
		"1.2.3.-4",
		"1.2.3.+4",
		"1234.1.1.1",
		"0x1.2.3.4",
		"1.2.3.4/8",
		"1.2.3.4:80",
		"2001:db8::1::2",
		"2001:db8::g",
		"2001:db8:1:2:3:4:5:6:7",
		"::ffff:1.2.3.256",
		":",
		/* 46 characters and more: longer than any address */
		"0000:0000:0000:0000:0000:ffff:255.255.255.2550",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000:1",
		"2001:db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:"
		    "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1",
	};
	struct addr	a;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(addr_parse(bad[i], strlen(bad[i]), &a) == -1,
		    "accepted \"%s\"", bad[i]);

	/* a NUL inside the given length is not the end of the text */
	ck_assert_int_eq(addr_parse("1.2.3.4\0", 8, &a), -1);
	ck_assert_int_eq(addr_parse("1.2\0.3.4", 8, &a), -1);
}
END_TEST

/* A small deterministic random stream (PCG's multiplier). */
static uint32_t
rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*seed >> 33);
}

/*
 * IPv6 text reads exactly as inet_pton(3) reads it: the usual forms
 * without it (addr.c), every other through it.  Edge cases, then random
 * strings of hex digits, colons and dots, each compared with inet_pton.
 */
static void
check_as_inet_pton(const char *s)
{
	struct addr	a, w;
	int		r, wr;

	memset(&a, 0xa5, sizeof(a));
	r = addr_parse(s, strlen(s), &a);
	wr = inet_pton(AF_INET6, s, w.b) == 1 ? 0 : -1;
	if (strchr(s, ':') == NULL)
		return;		/* dotted quads are addr_scan_v4's */
	ck_assert_msg(r == wr, "\"%s\": %d, inet_pton %d", s, r, wr);
	if (r == 0)
		ck_assert_msg(memcmp(a.b, w.b, 16) == 0, "\"%s\" read "
		    "otherwise", s);
}

START_TEST(test_parse_v6_as_inet_pton)
{
	static const char *const edge[] = {
		"::", ":::", "::1", "1::", "1:", ":1", "::1:", "1::2::3",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
		"::2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7",
		"ffff::FFFF", "12345::", "0000::00001", "0::0", "fd00:1::80",
		"2001:db8:123::4", "2001:db8:ffff::1", "::ffff:1.2.3.4",
		"::1.2.3.4", "1::1.2.3.4", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:",
		":1:2:3:4:5:6:7", "1:2:3:4:5:6::7:8", "a:b:c:d:e:f:0:1",
		"G::", "::g", "1 ::", "::-1", "::+1",
	};
	uint64_t	seed = 2026;
	char		s[64];
	size_t		i, j, n, g, groups, gap;

	for (i = 0; i < T_N(edge); i++)
		check_as_inet_pton(edge[i]);
	/* any bytes of the alphabet */
	for (i = 0; i < 100000; i++) {
		n = 1 + rnd(&seed) % 42;
		for (j = 0; j < n; j++)
			s[j] = "0123456789abcdefABCDEF:::::.0f"[rnd(&seed) %
			    30];
		s[n] = '\0';
		check_as_inet_pton(s);
	}
	/* groups of 0 to 5 digits, maybe a "::", maybe a dotted quad */
	for (i = 0; i < 100000; i++) {
		groups = 1 + rnd(&seed) % 9;
		gap = rnd(&seed) % (groups + 3);
		for (n = 0, g = 0; g < groups; g++) {
			if (g > 0)
				s[n++] = ':';
			if (g == gap)
				s[n++] = ':';
			for (j = rnd(&seed) % 6; j > 0; j--)
				s[n++] = "0123456789abcdefABCDEF"[rnd(&seed) %
				    22];
		}
		if (rnd(&seed) % 8 == 0)
			n += (size_t)snprintf(s + n, sizeof(s) - n,
			    ":%u.1.2.3", (unsigned)rnd(&seed) % 300);
		s[n] = '\0';
		check_as_inet_pton(s);
	}
}
END_TEST

/*
 * A rejected address leaves the output untouched, also for a dotted quad
 * followed by junk (STYLE.md: outputs are written only on success).
 */
START_TEST(test_parse_reject_keeps_output)
{
	static const char *const bad[] = {
		"1.2.3.4x", "1.2.3.4 ", "1.2.3.4/8", "256.1.1.1", "1.2.3",
		"2001:db8::g", "",
	};
	struct addr	a;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0xa5, sizeof(a));
		ck_assert_int_eq(addr_parse(bad[i], strlen(bad[i]), &a), -1);
		ck_assert_msg(a.b[0] == 0xa5 && a.b[10] == 0xa5 &&
		    a.b[15] == 0xa5, "\"%s\" wrote the output", bad[i]);
	}
}
END_TEST

START_TEST(test_fmt_roundtrip)
{
	static const char *const same[] = {
		"10.77.0.2", "0.0.0.0", "255.255.255.255", "198.18.0.1",
		"100.64.0.1", "2001:db8::1", "::", "::1", "fd00::2",
		"fe80::1:2:3:4", "2001:db8:0:1:1:1:1:1",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	static const struct {
		const char	*in, *out;
	} canon[] = {
		{ "::ffff:10.0.0.1", "10.0.0.1" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "FD00:0:0:0:0:0:0:2", "fd00::2" },
		{ "010.001.000.009", "10.1.0.9" },
	};
	char		buf[ADDR_STRLEN];
	struct addr	a, b;
	size_t		i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		a = addr_of(same[i]);
		addr_fmt(&a, buf, sizeof(buf));
		ck_assert_str_eq(buf, same[i]);
		b = addr_of(buf);
		ck_assert_mem_eq(a.b, b.b, 16);
	}
	for (i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		a = addr_of(canon[i].in);
		addr_fmt(&a, buf, sizeof(buf));
		ck_assert_str_eq(buf, canon[i].out);
	}
}
END_TEST

static int
cmp_qsort(const void *x, const void *y)
{
	return addr_cmp(x, y);
}

/* IPv4 before IPv6, then numerically. */
START_TEST(test_cmp_order)
{
	static const char *const sorted[] = {
		"0.0.0.0", "9.255.255.255", "10.0.0.1", "10.0.0.2",
		"10.0.1.0", "192.168.0.1", "255.255.255.255",
		"::", "::1", "::fffe:ffff:ffff", "2001:db8::1", "2001:db8::2",
		"2001:db8:1::", "fd00::1", "fe80::1",
	};
	enum { N = sizeof(sorted) / sizeof(sorted[0]) };
	static const size_t	shuffle[N] = {
		7, 3, 14, 0, 11, 5, 9, 1, 13, 6, 2, 12, 4, 10, 8 };
	struct addr		v[N], a, b;
	size_t			i;

	a = addr_of("255.255.255.255");
	b = addr_of("::");
	ck_assert_int_lt(addr_cmp(&a, &b), 0);
	ck_assert_int_gt(addr_cmp(&b, &a), 0);
	/* ::1 has smaller bytes than ::ffff:1.2.3.4, but IPv6 sorts after */
	a = addr_of("1.2.3.4");
	b = addr_of("::1");
	ck_assert_int_lt(addr_cmp(&a, &b), 0);
	ck_assert_int_gt(addr_cmp(&b, &a), 0);
	ck_assert_int_eq(addr_cmp(&a, &a), 0);
	b = addr_of("::ffff:1.2.3.4");
	ck_assert_int_eq(addr_cmp(&a, &b), 0);

	for (i = 0; i < N; i++)
		v[i] = addr_of(sorted[shuffle[i]]);
	qsort(v, N, sizeof(v[0]), cmp_qsort);
	for (i = 0; i < N; i++) {
		a = addr_of(sorted[i]);
		ck_assert_msg(addr_cmp(&v[i], &a) == 0,
		    "position %zu is not %s", i, sorted[i]);
	}
}
END_TEST

START_TEST(test_net_parse)
{
	static const struct {
		const char	*in;
		const char	*addr;	/* host bits cleared */
		unsigned	 plen;	/* on the IPv6 scale */
	} t[] = {
		{ "10.1.2.3/8", "10.0.0.0", 104 },
		{ "10.255.255.255/9", "10.128.0.0", 105 },
		{ "172.31.255.255/12", "172.16.0.0", 108 },
		{ "100.127.1.1/10", "100.64.0.0", 106 },
		{ "192.168.7.9/16", "192.168.0.0", 112 },
		{ "192.0.2.1/31", "192.0.2.0", 127 },
		{ "192.0.2.1/32", "192.0.2.1", 128 },
		{ "192.0.2.1", "192.0.2.1", 128 },
		{ "1.2.3.4/0", "0.0.0.0", 96 },
		{ "0.0.0.0/0", "0.0.0.0", 96 },
		{ "fdff:1:2::3/7", "fc00::", 7 },
		{ "2001:db8:1:2:3:4:5:6/61", "2001:db8:1::", 61 },
		{ "2001:db8:1:2:3:4:5:6/64", "2001:db8:1:2::", 64 },
		{ "2001:db8::ff/128", "2001:db8::ff", 128 },
		{ "2001:db8::ff", "2001:db8::ff", 128 },
		{ "ffff::1/0", "::", 0 },
		/* a v4-mapped address takes an IPv4 prefix length */
		{ "::ffff:10.9.8.7/8", "10.0.0.0", 104 },
	};
	char		buf[ADDR_STRLEN];
	struct net	n;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = net_of(t[i].in);
		addr_fmt(&n.addr, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, t[i].addr) == 0, "%s: address %s",
		    t[i].in, buf);
		ck_assert_msg(n.plen == t[i].plen, "%s: plen %u", t[i].in,
		    n.plen);
	}
	/* an IPv4 /0 is still IPv4: the mapped prefix is kept */
	n = net_of("1.2.3.4/0");
	ck_assert(addr_is_v4(&n.addr));
}
END_TEST

START_TEST(test_net_parse_reject)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "10.0.0.0/64", "10.0.0.0/128", "::/129",
		"fc00::/200", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8x",
		"10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/99999999999999999999",
		"fc00::/", "fc00::/7x", "/8", "", "10.0.0/8", "10.0.0.256/8",
		"example.com/8",
	};
	struct net	n;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&n, 0xa5, sizeof(n));
		ck_assert_msg(net_parse(bad[i], &n) == -1, "accepted \"%s\"",
		    bad[i]);
		ck_assert_msg(n.plen == 0xa5, "\"%s\" wrote the output",
		    bad[i]);
	}
}
END_TEST

static bool
in(const char *net, const char *a)
{
	struct net	n = net_of(net);
	struct addr	x = addr_of(a);

	return net_contains(&n, &x);
}

START_TEST(test_net_contains_v4)
{
	/* byte-aligned: first and last inside, one either side outside */
	ck_assert(in("10.0.0.0/8", "10.0.0.0"));
	ck_assert(in("10.0.0.0/8", "10.255.255.255"));
	ck_assert(!in("10.0.0.0/8", "9.255.255.255"));
	ck_assert(!in("10.0.0.0/8", "11.0.0.0"));
	ck_assert(in("192.168.0.0/16", "192.168.255.255"));
	ck_assert(!in("192.168.0.0/16", "192.169.0.0"));
	ck_assert(!in("192.168.0.0/16", "192.167.255.255"));

	/* /10: the split is inside the second octet */
	ck_assert(in("100.64.0.0/10", "100.64.0.0"));
	ck_assert(in("100.64.0.0/10", "100.127.255.255"));
	ck_assert(!in("100.64.0.0/10", "100.63.255.255"));
	ck_assert(!in("100.64.0.0/10", "100.128.0.0"));

	/* /12 */
	ck_assert(in("172.16.0.0/12", "172.16.0.0"));
	ck_assert(in("172.16.0.0/12", "172.31.255.255"));
	ck_assert(!in("172.16.0.0/12", "172.15.255.255"));
	ck_assert(!in("172.16.0.0/12", "172.32.0.0"));

	/* /7 on IPv4 */
	ck_assert(in("10.0.0.0/7", "10.0.0.0"));
	ck_assert(in("10.0.0.0/7", "11.255.255.255"));
	ck_assert(!in("10.0.0.0/7", "9.255.255.255"));
	ck_assert(!in("10.0.0.0/7", "12.0.0.0"));

	/* /31, /32 */
	ck_assert(in("192.0.2.0/31", "192.0.2.1"));
	ck_assert(!in("192.0.2.0/31", "192.0.2.2"));
	ck_assert(in("192.0.2.1/32", "192.0.2.1"));
	ck_assert(!in("192.0.2.1/32", "192.0.2.0"));
	ck_assert(!in("192.0.2.1/32", "192.0.2.2"));

	/* /0 holds every IPv4 address and no IPv6 one */
	ck_assert(in("0.0.0.0/0", "0.0.0.0"));
	ck_assert(in("0.0.0.0/0", "255.255.255.255"));
	ck_assert(!in("0.0.0.0/0", "::1"));
	ck_assert(!in("0.0.0.0/0", "2001:db8::1"));
	ck_assert(!in("10.0.0.0/8", "::a00:1"));
}
END_TEST

START_TEST(test_net_contains_v6)
{
	/* /7: fc00::/7 holds fc00:: to fdff:...:ffff */
	ck_assert(in("fc00::/7", "fc00::"));
	ck_assert(in("fc00::/7", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("fc00::/7", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("fc00::/7", "fe00::"));

	/* /32, /33, /61 */
	ck_assert(in("2001:db8::/32", "2001:db8::"));
	ck_assert(in("2001:db8::/32",
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8::/32",
	    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8::/32", "2001:db9::"));
	ck_assert(in("2001:db8::/33",
	    "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8::/33", "2001:db8:8000::"));
	ck_assert(in("2001:db8:1::/61", "2001:db8:1:7:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8:1::/61", "2001:db8:1:8::"));
	ck_assert(!in("2001:db8:1:8::/61", "2001:db8:1:7:ffff:ffff:ffff:ffff"));

	/* /63, /64, /65: either side of the middle */
	ck_assert(in("2001:db8:1:2::/63", "2001:db8:1:3:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8:1:2::/63", "2001:db8:1:4::"));
	ck_assert(in("2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8:1:2::/64", "2001:db8:1:3::"));
	ck_assert(!in("2001:db8:1:2::/64", "2001:db8:1:1:ffff:ffff:ffff:ffff"));
	ck_assert(in("2001:db8:1:2::/65", "2001:db8:1:2:7fff:ffff:ffff:ffff"));
	ck_assert(!in("2001:db8:1:2::/65", "2001:db8:1:2:8000::"));
	ck_assert(!in("2001:db8:1:2::/65", "2001:db8:1:3::"));

	/* /127, /128 */
	ck_assert(in("2001:db8::/127", "2001:db8::1"));
	ck_assert(!in("2001:db8::/127", "2001:db8::2"));
	ck_assert(in("2001:db8::5/128", "2001:db8::5"));
	ck_assert(!in("2001:db8::5/128", "2001:db8::4"));
	ck_assert(!in("2001:db8::5/128", "2001:db8::6"));

	/* ::/0 holds everything, IPv4 (v4-mapped) included */
	ck_assert(in("::/0", "::"));
	ck_assert(in("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	ck_assert(in("::/0", "10.0.0.1"));
	/* an IPv6 network does not hold IPv4 addresses outside it */
	ck_assert(!in("2001:db8::/32", "10.0.0.1"));
}
END_TEST

START_TEST(test_netlist_default_internal)
{
	static const struct {
		const char	*a;
		bool		 in;
	} t[] = {
		{ "10.0.0.0", true }, { "10.255.255.255", true },
		{ "9.255.255.255", false }, { "11.0.0.0", false },
		{ "172.16.0.0", true }, { "172.31.255.255", true },
		{ "172.15.255.255", false }, { "172.32.0.0", false },
		{ "192.168.0.0", true }, { "192.168.255.255", true },
		{ "192.167.255.255", false }, { "192.169.0.0", false },
		{ "100.64.0.0", true }, { "100.127.255.255", true },
		{ "100.63.255.255", false }, { "100.128.0.0", false },
		{ "::ffff:10.1.2.3", true },
		{ "fc00::", true }, { "fc00::1", true }, { "fdff::1", true },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
		{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
		{ "fe00::", false }, { "fe80::1", false },
		{ "8.8.8.8", false }, { "198.18.0.1", false },
		{ "2001:db8::1", false }, { "::1", false },
		{ "::a00:1", false },
	};
	struct netlist	l = { NULL, 0 };
	struct addr	a;
	size_t		i;

	ck_assert_int_eq(netlist_default_internal(&l), 0);
	ck_assert_uint_eq(l.n, 5);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a = addr_of(t[i].a);
		ck_assert_msg(netlist_contains(&l, &a) == t[i].in,
		    "%s should be %s", t[i].a, t[i].in ? "internal" :
		    "external");
	}
	netlist_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	a = addr_of("10.0.0.1");
	ck_assert(!netlist_contains(&l, &a));
	netlist_clear(&l);
}
END_TEST

START_TEST(test_netlist_add_str)
{
	struct netlist	l = { NULL, 0 };
	struct addr	a;

	ck_assert_int_eq(netlist_add_str(&l, "192.0.2.0/24"), 0);
	errno = 0;
	ck_assert_int_eq(netlist_add_str(&l, "192.0.2.0/33"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(netlist_add_str(&l, "2001:db8::/32"), 0);
	ck_assert_uint_eq(l.n, 2);
	a = addr_of("192.0.2.255");
	ck_assert(netlist_contains(&l, &a));
	a = addr_of("2001:db8:1::1");
	ck_assert(netlist_contains(&l, &a));
	a = addr_of("192.0.3.0");
	ck_assert(!netlist_contains(&l, &a));
	netlist_clear(&l);
}
END_TEST

/*
 * An address or an IPv6 /64, as ephemctl quarantine and quarantine.file
 * write them: the /64's host bits cleared; other lengths, IPv4 /64s and
 * garbage refused.  addr_fmt64 writes them back.
 */
START_TEST(test_parse64)
{
	static const char *const bad[] = {
		"10.0.0.0/64", "10.0.0.0/24", "2001:db8::/48", "2001:db8::/65",
		"2001:db8::/", "/64", "", "x/64",
	};
	struct addr	a;
	bool		net64;
	char		s[ADDR_STRLEN + 3];
	size_t		i;

	ck_assert_int_eq(addr_parse64("10.1.2.3", &a, &net64), 0);
	ck_assert(!net64 && addr_is_v4(&a));
	ck_assert_int_eq(addr_parse64("10.1.2.3/32", &a, &net64), 0);
	ck_assert(!net64);
	ck_assert_int_eq(addr_parse64("2001:db8:5:6::7", &a, &net64), 0);
	ck_assert(!net64);
	addr_fmt64(&a, net64, s, sizeof(s));
	ck_assert_str_eq(s, "2001:db8:5:6::7");
	ck_assert_int_eq(addr_parse64("2001:db8:5:6::7/64", &a, &net64), 0);
	ck_assert(net64);
	addr_fmt64(&a, net64, s, sizeof(s));
	ck_assert_str_eq(s, "2001:db8:5:6::/64");
	/* no room for the suffix: the address alone */
	addr_fmt64(&a, true, s, 17);
	ck_assert_str_eq(s, "2001:db8:5:6::");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(addr_parse64(bad[i], &a, &net64) == -1,
		    "accepted \"%s\"", bad[i]);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "parse", NULL, NULL, {
		    test_parse_v4, test_parse_v6, test_parse_v4_mapped,
		    test_parse_length, test_parse_reject,
		    test_parse_v6_as_inet_pton, test_parse_reject_keeps_output,
		    test_fmt_roundtrip, test_cmp_order, NULL } },
		{ "net", NULL, NULL, {
		    test_net_parse, test_net_parse_reject, test_parse64,
		    test_net_contains_v4, test_net_contains_v6,
		    test_netlist_default_internal, test_netlist_add_str,
		    NULL } },
	};

	return t_main("addr", tcases, T_N(tcases));
}
