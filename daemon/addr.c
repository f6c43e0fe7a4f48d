/*
 * Addresses and networks.  IPv4 is kept v4-mapped so that one 16-byte
 * type covers both families; prefix lengths are on the IPv6 scale.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

/*
 * A dotted quad at s, strict: four decimal octets.  Stops at the first
 * character that is neither a digit nor a dot; ret_end points there.
 */
int
addr_scan_v4(const char *s, const char *end, struct addr *ret,
    const char **ret_end)
{
	uint32_t	v = 0, octet;
	unsigned	d, i;

	for (i = 0; i < 4; i++) {
		if (i > 0) {
			if (s == end || *s != '.')
				return -1;
			s++;
		}
		/* one to three digits, unrolled: this runs per address */
		if (s == end || (octet = (unsigned char)*s - '0') > 9)
			return -1;
		if (++s < end && (d = (unsigned char)*s - '0') <= 9) {
			octet = octet * 10 + d;
			if (++s < end && (d = (unsigned char)*s - '0') <= 9) {
				octet = octet * 10 + d;
				s++;
			}
		}
		if (octet > 255)
			return -1;
		v = v << 8 | octet;
	}
	if (s < end && (unsigned)((unsigned char)*s - '0') <= 9)
		return -1;	/* a fourth digit */
	addr_from_v4(ret, v);
	*ret_end = s;
	return 0;
}

/* A hex digit's value + 1; 0 for any other byte. */
static const uint8_t	hex_digit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/*
 * IPv6 text in the forms conntrack(8) writes: hex groups of one to four
 * digits and at most one "::".  This follows inet_pton(3)'s own walk
 * (glibc's inet_pton6) step by step, so that what it takes it reads
 * exactly as inet_pton would; it takes nothing else (an embedded IPv4
 * address, any other byte, any error), and then inet_pton decides.  A
 * replay reads two IPv6 addresses a line and inet_pton, with the copy it
 * needs for its terminating NUL, was a tenth of the time spent.
 */
static bool
addr_scan_v6(const char *s, size_t len, struct addr *ret)
{
	const char	*end = s + len;
	uint8_t		 b[16];
	size_t		 n = 0, gap = SIZE_MAX;	/* bytes set; where :: is */
	unsigned	 v = 0, digits = 0, d;

	if (s < end && *s == ':' && (++s == end || *s != ':'))
		return false;
	while (s < end) {
		if ((d = hex_digit[(unsigned char)*s]) != 0) {
			if (digits++ == 4)
				return false;
			v = v << 4 | (d - 1);
			s++;
			continue;
		}
		if (*s++ != ':')
			return false;
		if (digits == 0) {
			if (gap != SIZE_MAX)
				return false;
			gap = n;
			continue;
		}
		if (s == end || n == 16)
			return false;
		b[n++] = v >> 8;
		b[n++] = v & 0xff;
		v = digits = 0;
	}
	if (digits > 0) {
		if (n == 16)
			return false;
		b[n++] = v >> 8;
		b[n++] = v & 0xff;
	}
	if (gap == SIZE_MAX ? n != 16 : n == 16)
		return false;
	if (gap == SIZE_MAX)
		memcpy(ret->b, b, 16);
	else {
		/* the groups after "::" go to the end, zeros between */
		memcpy(ret->b, b, gap);
		memset(ret->b + gap, 0, 16 - n);
		memcpy(ret->b + 16 - (n - gap), b + gap, n - gap);
	}
	return true;
}

int
addr_parse(const char *s, size_t len, struct addr *ret)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*end;
	struct addr	 a;

	if (len == 0)
		return -1;
	if (memchr(s, ':', len) == NULL) {
		if (addr_scan_v4(s, s + len, &a, &end) == -1 ||
		    end != s + len)
			return -1;
		*ret = a;
		return 0;
	}
	if (addr_scan_v6(s, len, &a)) {
		*ret = a;
		return 0;
	}
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, a.b) != 1)
		return -1;
	*ret = a;
	return 0;
}

void
addr_fmt(const struct addr *a, char *buf, size_t len)
{
	if (addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, buf, len);
	else
		inet_ntop(AF_INET6, a->b, buf, len);
}

/* IPv4 sorts before IPv6, then numerically. */
/* a as text, followed by "/64" when it stands for its /64 (net64). */
void
addr_fmt64(const struct addr *a, bool net64, char *buf, size_t len)
{
	size_t	n;

	addr_fmt(a, buf, len);
	if (net64 && (n = strlen(buf)) + 4 <= len)
		memcpy(buf + n, "/64", 4);
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	bool	a4 = addr_is_v4(a), b4 = addr_is_v4(b);

	if (a4 != b4)
		return a4 ? -1 : 1;
	return memcmp(a->b, b->b, sizeof(a->b));
}

/* The address under the secret key: for indexes clients could flood. */
uint64_t
addr_hash(const struct addr *a)
{
	/* IPv4: its 4 bytes (one SipHash block instead of three) */
	return addr_is_v4(a) ? hash_sip(a->b + 12, 4) :
	    hash_sip(a->b, sizeof(a->b));
}

int
net_parse(const char *s, struct net *ret)
{
	const char	*slash;
	char		*end;
	struct net	 n;
	size_t		 alen;
	long		 plen;

	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (addr_parse(s, alen, &n.addr) == -1)
		return -1;
	if (slash == NULL)
		plen = addr_is_v4(&n.addr) ? 32 : 128;
	else {
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end != '\0' || plen < 0 ||
		    plen > (addr_is_v4(&n.addr) ? 32 : 128))
			return -1;
	}
	if (addr_is_v4(&n.addr))
		plen += 96;
	n.plen = plen;
	net_mask(&n);		/* so that 10.1.2.3/8 means 10.0.0.0/8 */
	*ret = n;
	return 0;
}

/*
 * An address, or an IPv6 /64 written ADDR/64: *net64 says which, and a is
 * the address or the /64's first.  -1 for anything else.
 */
int
addr_parse64(const char *s, struct addr *a, bool *net64)
{
	struct net	n;

	if (net_parse(s, &n) == -1 || (n.plen != 128 && (n.plen != 64 ||
	    addr_is_v4(&n.addr))))
		return -1;
	*a = n.addr;
	*net64 = n.plen == 64;
	return 0;
}

/* The 8 bytes at p as a number, the first the most significant. */
static inline uint64_t
load_be64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/*
 * Whether a is in n: the bits that differ, as two words, all past the
 * prefix.  Every NEW asks this of each client network.
 */
bool
net_contains(const struct net *n, const struct addr *a)
{
	uint64_t	hi = load_be64(a->b) ^ load_be64(n->addr.b);
	uint64_t	lo = load_be64(a->b + 8) ^ load_be64(n->addr.b + 8);

	if (n->plen <= 64)
		return n->plen == 0 || hi >> (64 - n->plen) == 0;
	return hi == 0 && lo >> (128 - n->plen) == 0;
}

/* Clear the host bits of n's address: the network itself. */
void
net_mask(struct net *n)
{
	size_t	i;

	for (i = 0; i < 16; i++) {
		int bits = (int)n->plen - (int)i * 8;

		if (bits <= 0)
			n->addr.b[i] = 0;
		else if (bits < 8)
			n->addr.b[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

int
netlist_add(struct netlist *l, const struct net *n)
{
	struct net	*v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	v[l->n++] = *n;
	l->v = v;
	return 0;
}

int
netlist_add_str(struct netlist *l, const char *s)
{
	struct net	n;

	if (net_parse(s, &n) == -1) {
		errno = EINVAL;
		return -1;
	}
	return netlist_add(l, &n);
}

bool
netlist_contains(const struct netlist *l, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (net_contains(&l->v[i], a))
			return true;
	return false;
}

void
netlist_clear(struct netlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* RFC 1918, RFC 6598 shared address space, RFC 4193 unique local. */
int
netlist_default_internal(struct netlist *l)
{
	static const char *const def[] = {
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"100.64.0.0/10", "fc00::/7",
	};
	size_t	i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		if (netlist_add_str(l, def[i]) == -1)
			return -1;
	return 0;
}
