/*
 * Replay of conntrack(8) event captures, the text that
 *
 *	conntrack -E -e NEW,DESTROY -o timestamp[,extended][,id][,ktimestamp]
 *
 * writes, for example:
 *
 * [1795263683.950882]	    [NEW] ipv4     2 tcp      6 120 SYN_SENT
 *	src=10.77.0.2 dst=198.18.0.2 sport=59996 dport=8080 [UNREPLIED]
 *	src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=59996 id=2288706118
 *
 * (one line).  Each line becomes one struct flow_event for the core.  The
 * input is streamed through a fixed buffer, so a capture of any size needs
 * the same memory.  A line that cannot be used is counted, the first ones
 * are reported with their line number, and the replay goes on.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ephemd.h"
#include "log.h"

#define REPLAY_BUFSZ	(1 << 20)	/* longest line accepted is 1 MiB */
#define REPLAY_BATCH	32		/* events parsed before the core runs */

/* Parsed events waiting for the core, prefetched together. */
struct replay_batch {
	struct flow_event	 ev[REPLAY_BATCH];
	size_t			 n;
	struct core		*core;
	replay_tick_fn		 tick;		/* the detectors, or NULL */
	void			*tick_arg;
};

/*
 * The batch to the core in passes: every event's key and index slot
 * requested, then the flow records the slots point to, then the hosts
 * of the DESTROYs' records, then the events themselves, by which time
 * the first things they read are in the cache.  The detectors, when any,
 * run on the capture's own clock.
 */
static void
batch_flush(struct replay_batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		core_prefetch(b->core, &b->ev[i]);
	for (i = 0; i < b->n; i++)
		core_prefetch_flow(b->core, &b->ev[i]);
	for (i = 0; i < b->n; i++)
		core_prefetch_host(b->core, &b->ev[i]);
	for (i = 0; i < b->n; i++) {
		core_event(b->core, &b->ev[i]);
		if (b->tick != NULL)
			b->tick(b->tick_arg, b->core->now_ms);
	}
	b->n = 0;
}

/* The tokenizer's helpers run about thirty times a line: always inline. */
#define HOT	static inline __attribute__((always_inline))

struct cursor {
	const char	*p;
	const char	*end;
};

HOT bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

HOT void
skip_space(struct cursor *c)
{
	/* fields are mostly one space apart */
	if (c->p + 1 < c->end && c->p[0] == ' ' && !is_space(c->p[1])) {
		c->p++;
		return;
	}
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

/*
 * The first space at or after p, or end.  Eight bytes at a time: the
 * replay budget (2 M events/s, DESIGN section 4) is spent mostly here.
 */
HOT const char *
find_space(const char *p, const char *end)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t	ones = 0x0101010101010101ULL;
	uint64_t	x, t;

	while (end - p >= 8) {
		memcpy(&x, p, 8);
		x ^= ones * ' ';
		t = (x - ones) & ~x & (ones << 7);
		if (t != 0)
			return p + (__builtin_ctzll(t) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != ' ')
		p++;
	return p;
}

HOT bool
at_value_end(const struct cursor *c)
{
	return c->p == c->end || *c->p == ' ';
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const uint64_t	powers[9] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/*
 * The decimal digits that begin the 8 bytes at p: how many (0 to 8), and
 * their value.  A line holds ten numbers, so they are read a word at a
 * time.  A byte is a digit when it is neither above '9' nor below '0',
 * each tested on its low 7 bits so that no carry crosses into the next
 * byte.  The digits, moved to the top of the word behind zeros, are then
 * summed in pairs, fours and eights by three multiplications.
 */
HOT size_t
digits8(const char *p, uint64_t *ret)
{
	const uint64_t	ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t	x, low, other;
	size_t		n;

	memcpy(&x, p, 8);
	low = x & ~high;
	other = (x | (low + ones * (0x7f - '9')) |
	    ~(low + ones * (0x80 - '0'))) & high;
	n = other == 0 ? 8 : (size_t)__builtin_ctzll(other) >> 3;
	if (n == 0) {
		*ret = 0;
		return 0;
	}
	x <<= 8 * (8 - n);
	x = (x & 0x0f0f0f0f0f0f0f0fULL) * (10 << 8 | 1) >> 8;
	x = (x & 0x00ff00ff00ff00ffULL) * (100 << 16 | 1) >> 16;
	x = (x & 0x0000ffff0000ffffULL) * (10000ULL << 32 | 1) >> 32;
	*ret = x;
	return n;
}
#endif

/*
 * The run of decimal digits at p, before end: its length, cut at 16, and
 * its value.
 */
HOT size_t
digits(const char *p, const char *end, uint64_t *ret)
{
	uint64_t	 v = 0, w;
	size_t		 n = 0, m;
	unsigned	 d;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* a word at a time where one fits, the last number of a line too */
	if (end - p >= 8 && (n = digits8(p, &v)) == 8 && end - p >= 16) {
		m = digits8(p + 8, &w);
		*ret = v * powers[m] + w;
		return n + m;
	}
	if (end - p >= 8 && n < 8) {
		*ret = v;
		return n;
	}
#endif
	while (n < 16 && p + n < end && (d = (unsigned char)p[n] - '0') <= 9) {
		v = v * 10 + d;
		n++;
	}
	*ret = v;
	return n;
}

/* A decimal value at the cursor, at most max, ending at a space. */
HOT int
value_uint(struct cursor *c, uint64_t max, uint64_t *ret)
{
	uint64_t	 v;
	size_t		 n;

	n = digits(c->p, c->end, &v);
	c->p += n;
	/* every field fits in 32 bits: more than 10 digits is wrong */
	if (n == 0 || n > 10 || !at_value_end(c) || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* One to three digits at s, at most 255, then sep: what follows, or NULL. */
HOT const char *
quick_octet(const char *s, char sep, uint32_t *v)
{
	unsigned	d0, d1, d2, octet;

	d0 = (unsigned char)s[0] - '0';
	d1 = (unsigned char)s[1] - '0';
	d2 = (unsigned char)s[2] - '0';
	if (d0 > 9)
		return NULL;
	if (d1 > 9) {
		octet = d0;
		s += 1;
	} else if (d2 > 9) {
		octet = d0 * 10 + d1;
		s += 2;
	} else {
		octet = d0 * 100 + d1 * 10 + d2;
		s += 3;
	}
	if (octet > 255 || *s != sep)
		return NULL;
	*v = *v << 8 | octet;
	return s + 1;
}

/*
 * A dotted quad at s, followed by a space, with 16 bytes readable at s
 * (the longest, "255.255.255.255 ", is 16): then no digit needs a check
 * against the end.  It takes only what addr_scan_v4 reads alike; false
 * for anything else, and addr_scan_v4 decides.
 */
HOT bool
quick_v4(const char *s, struct addr *ret, const char **ret_end)
{
	uint32_t	v = 0;

	if ((s = quick_octet(s, '.', &v)) == NULL ||
	    (s = quick_octet(s, '.', &v)) == NULL ||
	    (s = quick_octet(s, '.', &v)) == NULL ||
	    (s = quick_octet(s, ' ', &v)) == NULL)
		return false;
	addr_from_v4(ret, v);
	*ret_end = s - 1;
	return true;
}

/* An address at the cursor, ending at a space. */
static int
value_addr(struct cursor *c, struct addr *ret)
{
	const char	*s = c->p, *end;

	if ((c->end - s >= 16 && quick_v4(s, ret, &end)) ||
	    (addr_scan_v4(s, c->end, ret, &end) == 0 &&
	    (end == c->end || *end == ' '))) {
		c->p = end;
		return 0;
	}
	c->p = find_space(s, c->end);
	return addr_parse(s, c->p - s, ret);
}

/* The next whitespace-separated token; false at the end of the line. */
HOT bool
next_token(struct cursor *c, const char **ret_s, size_t *ret_len)
{
	const char	*s;

	skip_space(c);
	if (c->p == c->end)
		return false;
	s = c->p;
	c->p = find_space(c->p, c->end);
	*ret_s = s;
	*ret_len = c->p - s;
	return true;
}

/* A decimal number of at most max; -1 when it is not one. */
static int
parse_uint(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 19)	/* 19 digits cannot overflow */
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*ret = v;
	return 0;
}

/*
 * Whether the n bytes at p are lit's, n at most 16: one or two word
 * compares when n is a constant, as at every call (GCC leaves memcmp a
 * call where it thinks the code cold, and a line is mostly checked for
 * literals).
 */
HOT bool
same_bytes(const char *p, const char *lit, size_t n)
{
	uint64_t	a, b, x, y;
	uint32_t	a4, b4, x4, y4;

	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, lit, 8);
		memcpy(&x, p + n - 8, 8);
		memcpy(&y, lit + n - 8, 8);
		return ((a ^ b) | (x ^ y)) == 0;
	}
	if (n >= 4) {
		memcpy(&a4, p, 4);
		memcpy(&b4, lit, 4);
		memcpy(&x4, p + n - 4, 4);
		memcpy(&y4, lit + n - 4, 4);
		return ((a4 ^ b4) | (x4 ^ y4)) == 0;
	}
	while (n-- > 0)
		if (*p++ != *lit++)
			return false;
	return true;
}

#define tok_is(s, len, lit) \
	((len) == sizeof(lit) - 1 && same_bytes((s), (lit), sizeof(lit) - 1))

/*
 * A bracketed word at the cursor: a flag, or [start=...] [stop=...], which
 * hold spaces.  -1 when it does not end.
 */
static int
value_bracket(struct cursor *c, struct flow_event *ev)
{
	const char	*s = c->p;
	size_t		 n;

	c->p = find_space(s, c->end);
	while (c->p[-1] != ']') {
		if (c->p == c->end)
			return -1;
		c->p = find_space(c->p + 1, c->end);
	}
	n = c->p - s;
	if (tok_is(s, n, "[UNREPLIED]"))
		ev->flags |= EVF_UNREPLIED;
	else if (tok_is(s, n, "[ASSURED]"))
		ev->flags |= EVF_ASSURED;
	else if (tok_is(s, n, "[USERSPACE]"))
		ev->flags |= EVF_USERSPACE;
	return 0;
}

/* "[seconds.microseconds]" */
static int
parse_timestamp(const char *s, size_t len, uint64_t *ret_ms)
{
	const char	*dot;
	uint64_t	 sec, frac = 0;
	size_t		 flen, i;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return -1;
	s++;
	len -= 2;
	dot = memchr(s, '.', len);
	if (dot == NULL)
		return -1;
	if (parse_uint(s, dot - s, UINT64_MAX / 1000 - 1, &sec) == -1)
		return -1;
	flen = len - (dot - s) - 1;
	if (flen == 0 || flen > 9 || parse_uint(dot + 1, flen, UINT64_MAX,
	    &frac) == -1)
		return -1;
	/* scale the fraction to milliseconds */
	for (i = flen; i < 3; i++)
		frac *= 10;
	for (i = 3; i < flen; i++)
		frac /= 10;
	*ret_ms = sec * 1000 + frac;
	return 0;
}

static bool
proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	    proto == IPPROTO_DCCP;
}

static bool
proto_is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/*
 * Keys are recognised by their first four bytes, loaded as one word: the
 * line has about thirty fields and comparing them byte by byte costs more
 * than everything else a replay does.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define K4(a, b, c, d)	((uint32_t)(a) | (uint32_t)(b) << 8 | \
			    (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#else
#define K4(a, b, c, d)	((uint32_t)(d) | (uint32_t)(c) << 8 | \
			    (uint32_t)(b) << 16 | (uint32_t)(a) << 24)
#endif

enum key {
	KEY_OTHER, KEY_SRC, KEY_DST, KEY_SPORT, KEY_DPORT, KEY_ID, KEY_TYPE,
	KEY_CODE, KEY_ZONE,
};

/* The key at s and the length of "key=", or KEY_OTHER with 0. */
HOT enum key
key_lookup(const char *s, const char *end, size_t *ret_len)
{
	uint32_t	w;

	*ret_len = 0;
	if (end - s < 4)
		return KEY_OTHER;
	memcpy(&w, s, 4);
	switch (w) {
	case K4('s', 'r', 'c', '='):
		*ret_len = 4;
		return KEY_SRC;
	case K4('d', 's', 't', '='):
		*ret_len = 4;
		return KEY_DST;
	case K4('s', 'p', 'o', 'r'):
		if (end - s > 6 && s[4] == 't' && s[5] == '=') {
			*ret_len = 6;
			return KEY_SPORT;
		}
		return KEY_OTHER;
	case K4('d', 'p', 'o', 'r'):
		if (end - s > 6 && s[4] == 't' && s[5] == '=') {
			*ret_len = 6;
			return KEY_DPORT;
		}
		return KEY_OTHER;
	case K4('t', 'y', 'p', 'e'):
		if (end - s > 5 && s[4] == '=') {
			*ret_len = 5;
			return KEY_TYPE;
		}
		return KEY_OTHER;
	case K4('c', 'o', 'd', 'e'):
		if (end - s > 5 && s[4] == '=') {
			*ret_len = 5;
			return KEY_CODE;
		}
		return KEY_OTHER;
	case K4('z', 'o', 'n', 'e'):
		if (end - s > 5 && s[4] == '=') {
			*ret_len = 5;
			return KEY_ZONE;
		}
		return KEY_OTHER;
	}
	if ((w & K4(0xff, 0xff, 0xff, 0)) == K4('i', 'd', '=', 0)) {
		*ret_len = 3;
		return KEY_ID;
	}
	return KEY_OTHER;
}

/* What one tuple (original or reply direction) held. */
#define T_SRC	0x01
#define T_DST	0x02
#define T_SPORT	0x04
#define T_DPORT	0x08
#define T_TYPE	0x10
#define T_CODE	0x20
#define T_ID	0x40

/*
 * The numeric fields of a tuple, as a table: their bound, their bit in
 * the tuple's seen mask, where the original and the reply direction's
 * value goes (V_NONE: a slot nobody reads), and what a bad one is called.
 */
enum { V_NONE, V_SPORT, V_DPORT, V_NATPORT, V_TYPE, V_CODE, V_N };

static const struct tnum {
	uint64_t	 max;
	unsigned	 bit;
	int		 orig, reply;
	const char	*bad;
} tnums[] = {
	[KEY_SPORT] = { 65535, T_SPORT, V_SPORT, V_NONE, "bad source port" },
	[KEY_DPORT] = { 65535, T_DPORT, V_DPORT, V_NATPORT,
	    "bad destination port" },
	[KEY_TYPE] = { 255, T_TYPE, V_TYPE, V_NONE, "bad icmp type" },
	[KEY_CODE] = { 255, T_CODE, V_CODE, V_NONE, "bad icmp code" },
};

/*
 * Parse one line (without its newline) into ev, whatever the order of its
 * fields.  Returns a parse_status; for PARSE_BAD, ret_why says what is
 * wrong with the line.  Only this parser decides what a line that is not
 * usual (below) means, and every error's reason.
 */
int
replay_parse_general(const char *line, size_t len, struct flow_event *ev,
    const char **ret_why)
{
	struct cursor	 c = { line, line + len };
	const char	*s, *v, *why;
	size_t		 n;
	uint64_t	 num;
	unsigned	 seen[3] = { 0, 0, 0 };
	uint32_t	 val[V_N] = { 0 };
	const struct tnum *tn;
	enum key	 k;
	int		 t = 0;		/* tuple: 0 none, 1 original, 2 reply */

#define BAD(msg)	do { why = (msg); goto bad; } while (0)
	while (len > 0 && (line[len - 1] == '\r' || is_space(line[len - 1])))
		len--;
	c.end = line + len;
	memset(ev, 0, sizeof(*ev));

	skip_space(&c);
	if (c.p == c.end)
		return PARSE_IGNORED;			/* empty line */
	if (c.p[0] == '[' && (v = memchr(c.p, ']', c.end - c.p)) != NULL) {
		s = c.p;
		n = v + 1 - s;
		c.p = v + 1;
	} else if (!next_token(&c, &s, &n))
		return PARSE_IGNORED;
	if (tok_is(s, n, "conntrack"))
		return PARSE_IGNORED;			/* the tool's trailer */
	if (tok_is(s, n, "[NEW]") || tok_is(s, n, "[DESTROY]") ||
	    tok_is(s, n, "[UPDATE]"))
		return PARSE_NO_TIMESTAMP;
	if (parse_timestamp(s, n, &ev->ts_ms) == -1)
		BAD("no timestamp at the start of the line");

	if (!next_token(&c, &s, &n))
		BAD("truncated after the timestamp");
	if (tok_is(s, n, "[NEW]"))
		ev->type = EV_NEW;
	else if (tok_is(s, n, "[DESTROY]"))
		ev->type = EV_DESTROY;
	else if (tok_is(s, n, "[UPDATE]"))
		return PARSE_IGNORED;
	else
		BAD("unknown event type");

	/* [l3name l3num] l4name l4num [timeout] [STATE] */
	if (!next_token(&c, &s, &n))
		BAD("truncated before the protocol");
	if (tok_is(s, n, "ipv4") || tok_is(s, n, "ipv6")) {
		if (!next_token(&c, &s, &n) ||
		    parse_uint(s, n, 255, &num) == -1)
			BAD("bad layer 3 protocol number");
		if (!next_token(&c, &s, &n))
			BAD("truncated before the protocol");
	}
	if (!next_token(&c, &s, &n) || parse_uint(s, n, 255, &num) == -1)
		BAD("bad protocol number");
	ev->proto = num;
	if (proto_has_ports(ev->proto))
		ev->flags |= EVF_PORTS;

	for (;;) {
		skip_space(&c);
		if (c.p == c.end)
			break;
		s = c.p;
		if (s[0] == '[') {
			if (value_bracket(&c, ev) == -1)
				BAD("unterminated bracket");
			continue;
		}
		switch ((k = key_lookup(s, c.end, &n))) {
		case KEY_SRC:
			c.p += n;
			if (t == 2)
				BAD("more than two tuples");
			t++;
			if (t == 1) {
				if (value_addr(&c, &ev->src) == -1)
					BAD("bad source address");
			} else {
				/* the reply source is not used: check only */
				v = c.p;
				c.p = find_space(c.p, c.end);
				if (c.p == v)
					BAD("bad source address");
			}
			seen[t] |= T_SRC;
			break;
		case KEY_DST:
			c.p += n;
			if (t == 0)
				BAD("destination before source");
			if (value_addr(&c, t == 1 ? &ev->dst :
			    &ev->nat_addr) == -1)
				BAD("bad destination address");
			seen[t] |= T_DST;
			break;
		case KEY_SPORT:
		case KEY_DPORT:
		case KEY_TYPE:
		case KEY_CODE:
			tn = &tnums[k];
			c.p += n;
			if (t == 0 || value_uint(&c, tn->max, &num) == -1)
				BAD(tn->bad);
			val[t == 1 ? tn->orig : tn->reply] = (uint32_t)num;
			seen[t] |= tn->bit;
			break;
		case KEY_ID:
			c.p += n;
			if (proto_is_icmp(ev->proto) && t > 0 &&
			    !(seen[t] & T_ID)) {
				/* the echo identifier inside the tuple */
				if (value_uint(&c, 65535, &num) == -1)
					BAD("bad icmp id");
				if (t == 1)
					val[V_SPORT] = num;
				seen[t] |= T_ID;
			} else {
				if (value_uint(&c, UINT32_MAX, &num) == -1)
					BAD("bad conntrack id");
				ev->ct_id = num;
			}
			break;
		case KEY_ZONE:
			c.p += n;
			if (value_uint(&c, 65535, &num) == -1)
				BAD("bad zone");
			ev->zone = num;
			break;
		case KEY_OTHER:
			/* mark=, delta-time=, portid=, ...; or a bare word */
			v = find_space(s, c.end);
			if (memchr(s, '=', v - s) != NULL) {
				c.p = v;
				break;
			}
			n = v - s;
			c.p = v;
			/* the remaining timeout, then the state name */
			if (t != 0)
				BAD("unexpected word after the tuples begin");
			if (parse_uint(s, n, UINT32_MAX, &num) == 0) {
				if (ev->flags & EVF_TIMEOUT || ev->state)
					BAD("unexpected number");
				ev->timeout_s = num;
				ev->flags |= EVF_TIMEOUT;
			} else if (ev->state == CTS_NONE && s[0] >= 'A' &&
			    s[0] <= 'Z')
				ev->state = timeouts_state_parse(s, n);
			else
				BAD("unexpected word");
			break;
		}
	}

	if ((seen[1] & (T_SRC | T_DST)) != (T_SRC | T_DST))
		BAD("truncated original tuple");
	if ((seen[2] & (T_SRC | T_DST)) != (T_SRC | T_DST))
		BAD("truncated reply tuple");
	if (addr_is_v4(&ev->src) != addr_is_v4(&ev->dst))
		BAD("mixed address families");
	if (ev->flags & EVF_PORTS) {
		if ((seen[1] & (T_SPORT | T_DPORT)) != (T_SPORT | T_DPORT) ||
		    (seen[2] & (T_SPORT | T_DPORT)) != (T_SPORT | T_DPORT))
			BAD("truncated: missing ports");
	} else if (proto_is_icmp(ev->proto)) {
		if ((seen[1] & (T_TYPE | T_CODE)) != (T_TYPE | T_CODE) ||
		    (seen[2] & (T_TYPE | T_CODE)) != (T_TYPE | T_CODE))
			BAD("truncated: missing icmp type or code");
		/* keys the flow, as a port would */
		val[V_DPORT] = val[V_TYPE] << 8 | val[V_CODE];
	}
	ev->sport = val[V_SPORT];
	ev->dport = val[V_DPORT];
	ev->nat_port = val[V_NATPORT];
	return PARSE_OK;
bad:
	*ret_why = why;
	return PARSE_BAD;
#undef BAD
}

/*
 * The literal lit at the cursor: step over it.  lit's length is a
 * constant, so the comparison is a word or two.
 */
#define EXPECT(c, lit)	((size_t)((c)->end - (c)->p) >= sizeof(lit) - 1 && \
			    same_bytes((c)->p, (lit), sizeof(lit) - 1) ? \
			    ((c)->p += sizeof(lit) - 1, true) : false)

/* "[seconds.fraction]", as the general parser reads it, at the cursor. */
HOT bool
usual_timestamp(struct cursor *c, uint64_t *ret_ms)
{
	const char	*p = c->p, *end = c->end;
	uint64_t	 sec, frac;
	size_t		 n, i;

	if (p == end || *p++ != '[')
		return false;
	/* at most 16 digits, so sec * 1000 cannot overflow; more: no '.' */
	n = digits(p, end, &sec);
	p += n;
	if (n == 0 || p == end || *p++ != '.')
		return false;
	n = digits(p, end, &frac);
	p += n;
	if (n == 0 || n > 9 || p == end || *p++ != ']')
		return false;
	for (i = n; i < 3; i++)
		frac *= 10;
	for (i = 3; i < n; i++)
		frac /= 10;
	*ret_ms = sec * 1000 + frac;
	c->p = p;
	return true;
}

/*
 * One of the three flags the core reads, after a space: conntrack(8)
 * writes [UNREPLIED] between the tuples and [ASSURED] after them.  The
 * cursor moves only over a whole one.
 */
HOT bool
usual_flag(struct cursor *c, struct flow_event *ev)
{
	struct cursor	t = *c;
	uint16_t	flag;

	if (EXPECT(&t, " [UNREPLIED]"))
		flag = EVF_UNREPLIED;
	else if (EXPECT(&t, " [ASSURED]"))
		flag = EVF_ASSURED;
	else if (EXPECT(&t, " [USERSPACE]"))
		flag = EVF_USERSPACE;
	else
		return false;
	if (!at_value_end(&t))
		return false;
	ev->flags |= flag;
	*c = t;
	return true;
}

/*
 * A tuple of a protocol with ports at the cursor, its fields one space
 * apart (conntrack(8) writes them so): the original (reply false) kept
 * whole; of the reply, the source only checked, the destination kept.
 */
HOT bool
usual_tuple(struct cursor *c, struct flow_event *ev, bool reply)
{
	const char	*s;
	uint64_t	 sport, dport;

	if (!EXPECT(c, "src="))
		return false;
	if (!reply) {
		if (value_addr(c, &ev->src) == -1)
			return false;
	} else {
		s = c->p;
		if ((c->p = find_space(s, c->end)) == s)
			return false;
	}
	if (!EXPECT(c, " dst=") ||
	    value_addr(c, reply ? &ev->nat_addr : &ev->dst) == -1 ||
	    !EXPECT(c, " sport=") || value_uint(c, 65535, &sport) == -1 ||
	    !EXPECT(c, " dport=") || value_uint(c, 65535, &dport) == -1)
		return false;
	if (reply)
		ev->nat_port = dport;
	else {
		ev->sport = sport;
		ev->dport = dport;
	}
	return true;
}

/*
 * [NEW] or [DESTROY], the layer 3 and 4 protocols: conntrack(8) writes
 * them in columns, so that IPv4, IPv6, TCP and UDP are a compare or two
 * each; anything else is read a field at a time.
 */
HOT bool
usual_header(struct cursor *c, struct flow_event *ev)
{
	uint64_t	num;

	if (!EXPECT(c, "\t    "))	/* before [NEW], in 9 columns */
		skip_space(c);
	if (EXPECT(c, "[NEW] "))
		ev->type = EV_NEW;
	else if (EXPECT(c, "[DESTROY] "))
		ev->type = EV_DESTROY;
	else
		return false;
	skip_space(c);
	if (!EXPECT(c, "ipv4     2 ") && !EXPECT(c, "ipv6     10 ") &&
	    (EXPECT(c, "ipv4 ") || EXPECT(c, "ipv6 "))) {
		skip_space(c);
		if (value_uint(c, 255, &num) == -1)
			return false;
	}
	skip_space(c);
	if (EXPECT(c, "tcp      6")) {
		ev->proto = IPPROTO_TCP;
		return true;
	}
	if (EXPECT(c, "udp      17")) {
		ev->proto = IPPROTO_UDP;
		return true;
	}
	c->p = find_space(c->p, c->end);	/* the name */
	skip_space(c);
	if (value_uint(c, 255, &num) == -1 || !proto_has_ports(num))
		return false;
	ev->proto = num;
	return true;
}

/*
 * The usual line, in the order conntrack(8) writes it: timestamp, [NEW]
 * or [DESTROY], the protocols, timeout and state, two tuples with ports,
 * flags between and after them, then the id and keys nobody reads (the
 * capture at the top of this file).  Nearly every line is one, and a
 * replay spends most of its time reading text (DESIGN section 4: 2 M
 * events/s), so this walks it once, expecting each field where it comes.
 * It takes a line only where the general parser reads the same event;
 * anything else (ICMP, fields in another order or further apart, any
 * error) is false, with ev in any state, and the general parser decides.
 */
static bool
parse_usual(struct cursor *c, struct flow_event *ev)
{
	const char	*s;
	uint64_t	 num;
	size_t		 n;

	memset(ev, 0, sizeof(*ev));
	skip_space(c);
	if (!usual_timestamp(c, &ev->ts_ms))
		return false;
	if (!usual_header(c, ev))
		return false;
	ev->flags = EVF_PORTS;

	/* a timeout, then a state (no '=': that would be a key) */
	if (!EXPECT(c, " "))
		return false;
	if (c->p < c->end && (unsigned)((unsigned char)*c->p - '0') <= 9) {
		if (value_uint(c, UINT32_MAX, &num) == -1 || !EXPECT(c, " "))
			return false;
		ev->timeout_s = num;
		ev->flags |= EVF_TIMEOUT;
	}
	if (c->p < c->end && *c->p >= 'A' && *c->p <= 'Z') {
		s = c->p;
		c->p = find_space(s, c->end);
		ev->state = timeouts_state_parse(s, c->p - s);
		/* no state's name has one: a word with '=' is a key */
		if ((ev->state == CTS_OTHER &&
		    memchr(s, '=', c->p - s) != NULL) || !EXPECT(c, " "))
			return false;
	}

	if (!usual_tuple(c, ev, false))
		return false;
	while (usual_flag(c, ev))
		continue;
	if (!EXPECT(c, " ") || !usual_tuple(c, ev, true) ||
	    addr_is_v4(&ev->src) != addr_is_v4(&ev->dst))
		return false;

	/* flags, the conntrack id, the zone; other keys are skipped */
	while (c->p < c->end) {
		if (usual_flag(c, ev))
			continue;
		if (EXPECT(c, " id=")) {
			if (value_uint(c, UINT32_MAX, &num) == -1)
				return false;
			ev->ct_id = num;
			continue;
		}
		skip_space(c);
		if (*c->p == '[') {
			if (value_bracket(c, ev) == -1)
				return false;
			continue;
		}
		s = c->p;
		switch (key_lookup(s, c->end, &n)) {
		case KEY_ID:
			c->p += n;
			if (value_uint(c, UINT32_MAX, &num) == -1)
				return false;
			ev->ct_id = num;
			break;
		case KEY_ZONE:
			c->p += n;
			if (value_uint(c, 65535, &num) == -1)
				return false;
			ev->zone = num;
			break;
		case KEY_OTHER:
			c->p = find_space(s, c->end);
			if (memchr(s, '=', c->p - s) == NULL)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

/*
 * Parse one line (without its newline) into ev.  Returns a parse_status;
 * for PARSE_BAD, ret_why says what is wrong with the line.
 */
int
replay_parse_line(const char *line, size_t len, struct flow_event *ev,
    const char **ret_why)
{
	struct cursor	c;

	while (len > 0 && (line[len - 1] == '\r' || is_space(line[len - 1])))
		len--;
	c.p = line;
	c.end = line + len;
	if (parse_usual(&c, ev))
		return PARSE_OK;
	return replay_parse_general(line, len, ev, ret_why);
}

static void
replay_bad(struct replay_stats *st, const char *name, const char *why)
{
	if (st->bad < REPLAY_BAD_KEEP) {
		st->bad_line[st->bad] = st->lines;
		st->bad_why[st->bad] = why;
		log_warnx("%s:%llu: %s", name, (unsigned long long)st->lines,
		    why);
	}
	st->bad++;
}

/* -1: refuse the whole input (no timestamps). */
static int
replay_line(const char *line, size_t len, const char *name,
    struct replay_batch *b, struct replay_stats *st)
{
	struct flow_event	*ev = &b->ev[b->n];
	const char		*why = NULL;

	st->lines++;
	switch (replay_parse_line(line, len, ev, &why)) {
	case PARSE_OK:
		/* a clock that jumps years would stall every timer on it */
		if (ev->ts_ms > REPLAY_MAX_TS_MS) {
			replay_bad(st, name, "time after the year 9999");
			break;
		}
		if (st->events > 0 && st->max_jump_ms != 0 &&
		    (ev->ts_ms > time_add(st->last_ms, st->max_jump_ms) ||
		    st->last_ms > time_add(ev->ts_ms, st->max_jump_ms))) {
			replay_bad(st, name, "time jumps further from the line "
			    "before than --max-jump");
			break;
		}
		if (st->events == 0)
			st->first_ms = ev->ts_ms;
		st->last_ms = ev->ts_ms;
		st->events++;
		if (++b->n == REPLAY_BATCH)
			batch_flush(b);
		break;
	case PARSE_IGNORED:
		st->ignored++;
		break;
	case PARSE_NO_TIMESTAMP:
		if (st->events == 0) {
			log_warnx("%s:%llu: the capture has no timestamps; "
			    "record it with conntrack -E -e NEW,DESTROY "
			    "-o timestamp (add ,extended,id for more)", name,
			    (unsigned long long)st->lines);
			return -1;
		}
		replay_bad(st, name, "event without a timestamp");
		break;
	default:
		replay_bad(st, name, why);
		break;
	}
	return 0;
}

/*
 * Replay everything readable from fd into core, calling tick (NULL: none)
 * with the capture's clock after every event.  name is used in messages.
 * Returns 0 at the end of the input, -1 on a read error or refused input.
 */
int
replay_fd(int fd, const char *name, struct core *core, replay_tick_fn tick,
    void *tick_arg, struct replay_stats *st)
{
	struct replay_batch	*batch;
	char		*buf, *p, *nl, *end;
	size_t		 have = 0;
	ssize_t		 r;
	bool		 skipping = false;	/* inside an overlong line */
	int		 rv = -1;

	buf = malloc(REPLAY_BUFSZ);
	batch = calloc(1, sizeof(*batch));
	if (buf == NULL || batch == NULL) {
		log_warn("replay buffer");
		goto out;
	}
	batch->core = core;
	batch->tick = tick;
	batch->tick_arg = tick_arg;
	for (;;) {
		r = read(fd, buf + have, REPLAY_BUFSZ - have);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: read", name);
			goto out;
		}
		st->bytes += r;
		end = buf + have + r;
		p = buf;
		while ((nl = memchr(p, '\n', end - p)) != NULL) {
			if (skipping)
				skipping = false;
			else if (replay_line(p, nl - p, name, batch, st) == -1)
				goto out;
			p = nl + 1;
		}
		have = end - p;
		if (r == 0) {
			/* a last line without a newline */
			if (have > 0 && !skipping &&
			    replay_line(p, have, name, batch, st) == -1)
				goto out;
			break;
		}
		if (have == REPLAY_BUFSZ) {
			if (!skipping) {
				st->lines++;
				replay_bad(st, name, "line longer than 1 MiB");
				skipping = true;
			}
			have = 0;
		} else
			memmove(buf, p, have);
	}
	rv = 0;
out:
	if (batch != NULL)
		batch_flush(batch);
	free(batch);
	free(buf);
	return rv;
}
