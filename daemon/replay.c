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

struct cursor {
	const char	*p;
	const char	*end;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void
skip_space(struct cursor *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

/*
 * The first space at or after p, or end.  Eight bytes at a time: the
 * replay budget (2 M events/s, DESIGN section 4) is spent mostly here.
 */
static const char *
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

/* The next whitespace-separated token; false at the end of the line. */
static bool
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

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*ret = v;
	return 0;
}

static inline bool
mem_eq(const char *a, const char *b, size_t n)
{
	while (n-- > 0)
		if (*a++ != *b++)
			return false;
	return true;
}

#define tok_is(s, len, lit) \
	((len) == sizeof(lit) - 1 && mem_eq((s), (lit), sizeof(lit) - 1))

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

/* What one tuple (original or reply direction) held. */
#define T_SRC	0x01
#define T_DST	0x02
#define T_SPORT	0x04
#define T_DPORT	0x08
#define T_TYPE	0x10
#define T_CODE	0x20
#define T_ID	0x40

/*
 * Parse one line (without its newline) into ev.  Returns a parse_status;
 * for PARSE_BAD, ret_why says what is wrong with the line.
 */
int
replay_parse_line(const char *line, size_t len, struct flow_event *ev,
    const char **ret_why)
{
	struct cursor	 c = { line, line + len };
	const char	*s, *v, *why;
	size_t		 n, vlen;
	uint64_t	 num;
	unsigned	 seen[3] = { 0, 0, 0 };
	unsigned	 type = 0, code = 0;
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
	if (n >= 11 && memcmp(s, "conntrack", 9) == 0)
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
			/* a flag, or [start=...] [stop=...] with spaces */
			while (c.p < c.end && *c.p != ']')
				c.p++;
			if (c.p == c.end)
				BAD("unterminated bracket");
			n = ++c.p - s;
			if (tok_is(s, n, "[UNREPLIED]"))
				ev->flags |= EVF_UNREPLIED;
			else if (tok_is(s, n, "[ASSURED]"))
				ev->flags |= EVF_ASSURED;
			else if (tok_is(s, n, "[USERSPACE]"))
				ev->flags |= EVF_USERSPACE;
			continue;
		}
		/* one pass: the key up to '=', then the value */
		while (c.p < c.end && *c.p != '=' && !is_space(*c.p))
			c.p++;
		n = c.p - s;
		if (c.p == c.end || *c.p != '=') {
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
				ev->state = ct_state_parse(s, n);
			else
				BAD("unexpected word");
			continue;
		}
		v = ++c.p;
		c.p = find_space(c.p, c.end);
		vlen = c.p - v;
		switch (s[0]) {
		case 's':
			if (tok_is(s, n, "src")) {
				if (t == 2)
					BAD("more than two tuples");
				t++;
				/* the reply source is not used: check only */
				if (t == 1 ? addr_parse(v, vlen, &ev->src) == -1 :
				    vlen == 0)
					BAD("bad source address");
				seen[t] |= T_SRC;
			} else if (tok_is(s, n, "sport")) {
				if (t == 0 || parse_uint(v, vlen, 65535,
				    &num) == -1)
					BAD("bad source port");
				if (t == 1)
					ev->sport = num;
				seen[t] |= T_SPORT;
			}
			break;
		case 'd':
			if (tok_is(s, n, "dst")) {
				if (t == 0)
					BAD("destination before source");
				if (addr_parse(v, vlen, t == 1 ? &ev->dst :
				    &ev->nat_addr) == -1)
					BAD("bad destination address");
				seen[t] |= T_DST;
			} else if (tok_is(s, n, "dport")) {
				if (t == 0 || parse_uint(v, vlen, 65535,
				    &num) == -1)
					BAD("bad destination port");
				if (t == 1)
					ev->dport = num;
				else
					ev->nat_port = num;
				seen[t] |= T_DPORT;
			}
			break;
		case 't':
			if (tok_is(s, n, "type")) {
				if (t == 0 || parse_uint(v, vlen, 255,
				    &num) == -1)
					BAD("bad icmp type");
				if (t == 1)
					type = num;
				seen[t] |= T_TYPE;
			}
			break;
		case 'c':
			if (tok_is(s, n, "code")) {
				if (t == 0 || parse_uint(v, vlen, 255,
				    &num) == -1)
					BAD("bad icmp code");
				if (t == 1)
					code = num;
				seen[t] |= T_CODE;
			}
			break;
		case 'i':
			if (!tok_is(s, n, "id"))
				break;
			if (proto_is_icmp(ev->proto) && t > 0 &&
			    !(seen[t] & T_ID)) {
				/* the echo identifier inside the tuple */
				if (parse_uint(v, vlen, 65535, &num) == -1)
					BAD("bad icmp id");
				if (t == 1)
					ev->sport = num;
				seen[t] |= T_ID;
			} else {
				if (parse_uint(v, vlen, UINT32_MAX,
				    &num) == -1)
					BAD("bad conntrack id");
				ev->ct_id = num;
			}
			break;
		case 'z':
			if (tok_is(s, n, "zone")) {
				if (parse_uint(v, vlen, 65535, &num) == -1)
					BAD("bad zone");
				ev->zone = num;
			}
			break;
		default:
			/* mark=, use=, delta-time=, portid=, packets=, ... */
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
		ev->dport = type << 8 | code;	/* keys the flow, no port */
	}
	return PARSE_OK;
bad:
	*ret_why = why;
	return PARSE_BAD;
#undef BAD
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
    struct core *core, struct replay_stats *st)
{
	struct flow_event	 ev;
	const char		*why = NULL;

	st->lines++;
	switch (replay_parse_line(line, len, &ev, &why)) {
	case PARSE_OK:
		if (st->events == 0)
			st->first_ms = ev.ts_ms;
		st->last_ms = ev.ts_ms;
		st->events++;
		core_event(core, &ev);
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
 * Replay everything readable from fd.  name is used in messages.
 * Returns 0 at the end of the input, -1 on a read error or refused input.
 */
int
replay_fd(int fd, const char *name, struct core *core,
    struct replay_stats *st)
{
	char		*buf, *p, *nl, *end;
	size_t		 have = 0;
	ssize_t		 r;
	bool		 skipping = false;	/* inside an overlong line */
	int		 rv = -1;

	if ((buf = malloc(REPLAY_BUFSZ)) == NULL) {
		log_warn("replay buffer");
		return -1;
	}
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
			else if (replay_line(p, nl - p, name, core, st) == -1)
				goto out;
			p = nl + 1;
		}
		have = end - p;
		if (r == 0) {
			/* a last line without a newline */
			if (have > 0 && !skipping &&
			    replay_line(p, have, name, core, st) == -1)
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
	free(buf);
	return rv;
}
