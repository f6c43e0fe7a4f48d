/*
 * A host's recent flows and the ports it held over time, kept for the
 * pictures of the HTML report (report_html.c): a sequential allocator is
 * a diagonal there, a scan a wall.  It lives inside struct host, within
 * DESIGN's 4 KiB a host, so every report of a running daemon can draw it
 * and nothing depends on the configuration.
 *
 * Points: the last SAMPLE_POINTS flows with ports, and a copy of the last
 * SAMPLE_PINNED at the host's latest alert (sample_pin), which the flows
 * after it cannot push out: the scan that raised it stays in the picture
 * when an hour of browsing follows.  A point is 4 bytes: the
 * source port, and the time since the point before it in 12 bits
 * (5 bits of exponent, 7 of mantissa: exact to 127 ms, within 1 % up to
 * years) beside 4 bits of protocol and outcome.  The newest point's time
 * is kept whole; the others count back from it.  Each step is coded from
 * the time the steps before it decode to, so the error of one never
 * adds to the next.  A flow remembers its point's sequence number and
 * sets the outcome when it ends.
 *
 * Ports held: the most held at once in each of SAMPLE_HELD buckets since
 * the host was first seen; a bucket is 2^16 ms (65.5 s) and doubles,
 * pairs merged, when the buckets run out, so the series always covers
 * the host's whole life.  Powers of two spare a division per event.
 */
#include <netinet/in.h>
#include <string.h>

#include "ephemd.h"

#define STEP_BITS	12
#define STEP_MAX	((1U << STEP_BITS) - 1)
#define HELD_UNIT	16	/* a bucket is 1 << (HELD_UNIT + shift) ms */

_Static_assert(SAMPLE_POINTS <= 255 && SAMPLE_PINNED <= SAMPLE_POINTS,
    "sample points: at most 255, pinned at most as many");

/* The largest code whose step is at most ms. */
static uint16_t
step_code(uint64_t ms)
{
	unsigned	e;

	if (ms < 128)
		return (uint16_t)ms;
	/* ms >> (e - 1) is 8 bits: a leading 1, then the mantissa */
	e = 63 - (unsigned)__builtin_clzll(ms) - 6;
	if (e > 31)
		return STEP_MAX;
	return (uint16_t)(e << 7 | ((ms >> (e - 1)) - 128));
}

static uint64_t
step_ms(uint16_t code)
{
	unsigned	e = code >> 7, m = code & 127;

	return e == 0 ? m : (uint64_t)(128 + m) << (e - 1);
}

static uint8_t
sample_proto(uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return SP_TCP;
	if (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE)
		return SP_UDP;
	return SP_OTHER;
}

/*
 * A new flow with ports: its point, the oldest given up.  Returns the
 * point's sequence number for the flow to keep (never 0).
 */
uint16_t
sample_add(struct sample *s, const struct flow_event *ev, uint64_t now_ms)
{
	uint16_t	code = 0;

	if (s->n > 0) {
		code = step_code(now_ms > s->last_ms ? now_ms - s->last_ms : 0);
		s->last_ms += step_ms(code);
	} else
		s->last_ms = now_ms;
	s->pt[s->head][0] = ev->sport;
	s->pt[s->head][1] = (uint16_t)(code << 4 |
	    (sample_proto(ev->proto) * SO_NOUTCOMES + SO_OPEN));
	if (++s->head == SAMPLE_POINTS)
		s->head = 0;
	if (s->n < SAMPLE_POINTS)
		s->n++;
	if (++s->seq == 0)
		s->seq = 1;
	return s->seq;
}

/* How many points came after point x, newest being the latest. */
static unsigned
seq_age(uint16_t newest, uint16_t x)
{
	uint16_t	age = (uint16_t)(newest - x);

	if (x > newest)		/* the counter wrapped past 0, not a number */
		age--;
	return age;
}

/*
 * The point of flow f in the n points of ring v (cap slots, the newest
 * in slot newest, numbered seq), or NULL: given up, or not the flow's.
 */
static inline uint16_t *
point_of(uint16_t (*v)[2], unsigned n, unsigned newest, uint16_t seq,
    const struct flow *f, unsigned cap)
{
	unsigned	age = seq_age(seq, f->sample);
	uint16_t	*p;
	uint8_t		 kind;

	if (age >= n)
		return NULL;
	p = v[newest >= age ? newest - age : newest + cap - age];
	kind = p[1] & 15;
	if (p[0] != f->sport || kind % SO_NOUTCOMES != SO_OPEN ||
	    kind / SO_NOUTCOMES != sample_proto(f->proto))
		return NULL;
	return p;
}

/*
 * Flow f ended with this outcome: its point says so, when the point is
 * still kept and is the flow's (same port and protocol, open); so does
 * its pinned copy.
 */
void
sample_end(struct sample *s, const struct flow *f, int outcome)
{
	uint16_t	*p;

	if (f->sample == 0)
		return;
	if ((p = point_of(s->pt, s->n, s->head > 0 ? s->head - 1U :
	    SAMPLE_POINTS - 1U, s->seq, f, SAMPLE_POINTS)) != NULL)
		p[1] = (uint16_t)(p[1] - SO_OPEN + outcome);
	if (s->pin_n > 0 && (p = point_of(s->pin, s->pin_n, s->pin_n - 1U,
	    s->pin_seq, f, SAMPLE_PINNED)) != NULL)
		p[1] = (uint16_t)(p[1] - SO_OPEN + outcome);
}

/*
 * The host raised an alert: the last points are copied aside, where the
 * flows after it do not reach them, until its next alert.
 */
void
sample_pin(struct sample *s)
{
	size_t	k = s->n < SAMPLE_PINNED ? s->n : SAMPLE_PINNED, i;

	for (i = 0; i < k; i++)
		memcpy(s->pin[i], s->pt[(s->head + 2 * SAMPLE_POINTS - k + i) %
		    SAMPLE_POINTS], sizeof(s->pin[i]));
	s->pin_n = (uint8_t)k;
	s->pin_ms = s->last_ms;
	s->pin_seq = s->seq;
}

/* n coded points, oldest first, the newest at newest_ms, into ret. */
static void
decode(const uint16_t (*v)[2], size_t n, size_t first, size_t cap,
    uint64_t newest_ms, struct sample_point *ret)
{
	uint64_t	t = newest_ms;
	size_t		i, slot;

	for (i = n; i-- > 0; ) {
		slot = (first + i) % cap;
		ret[i].ts_ms = t;
		ret[i].port = v[slot][0];
		ret[i].proto = (v[slot][1] & 15) / SO_NOUTCOMES;
		ret[i].outcome = (v[slot][1] & 15) % SO_NOUTCOMES;
		t -= step_ms(v[slot][1] >> 4);
	}
}

/*
 * The recent points, oldest first; their count.  ret has room for
 * SAMPLE_POINTS.
 */
size_t
sample_points(const struct sample *s, struct sample_point *ret)
{
	decode(s->pt, s->n, (s->head + SAMPLE_POINTS - s->n) % SAMPLE_POINTS,
	    SAMPLE_POINTS, s->last_ms, ret);
	return s->n;
}

/*
 * The points pinned at the last alert that are no longer among the
 * recent ones, oldest first; their count.  ret has room for
 * SAMPLE_PINNED.
 */
size_t
sample_pinned(const struct sample *s, struct sample_point *ret)
{
	struct sample_point	v[SAMPLE_PINNED];
	size_t			i, n = 0;

	decode(s->pin, s->pin_n, 0, SAMPLE_PINNED,
	    s->pin_ms, v);
	for (i = 0; i < s->pin_n; i++)
		/* the point numbered pin_seq - (pin_n - 1 - i) */
		if (seq_age(s->seq, s->pin_seq) + (s->pin_n - 1 - i) >= s->n)
			ret[n++] = v[i];
	return n;
}

/* The bucket of time now_ms, the buckets made wider until it fits. */
static inline size_t
held_bucket(struct sample *s, uint64_t first_ms, uint64_t now_ms)
{
	uint64_t	b;
	size_t		i;

	b = (now_ms > first_ms ? now_ms - first_ms : 0) >>
	    (HELD_UNIT + s->held_shift);
	while (b >= SAMPLE_HELD) {
		for (i = 0; i < SAMPLE_HELD / 2; i++)
			s->held[i] = s->held[2 * i] > s->held[2 * i + 1] ?
			    s->held[2 * i] : s->held[2 * i + 1];
		memset(s->held + SAMPLE_HELD / 2, 0,
		    sizeof(s->held) / 2);
		s->held_n = (uint8_t)((s->held_n + 1) / 2);
		s->held_shift++;
		b >>= 1;
	}
	return (size_t)b;
}

/* The host held prev ports until now_ms, and from now on held. */
void
sample_held(struct sample *s, uint64_t first_ms, uint32_t prev,
    uint32_t held, uint64_t now_ms)
{
	size_t		b = held_bucket(s, first_ms, now_ms);
	uint16_t	p = prev > UINT16_MAX ? UINT16_MAX : (uint16_t)prev;
	uint16_t	h = held > UINT16_MAX ? UINT16_MAX : (uint16_t)held;

	/* buckets that passed without a change held the level before */
	if (s->held_n == 0)
		s->held_n = 1;
	for (; s->held_n <= b; s->held_n++)
		s->held[s->held_n] = p;
	if (p > s->held[b])
		s->held[b] = p;
	if (h > s->held[b])
		s->held[b] = h;
}

/*
 * The series up to now_ms for a report, held ports now: copies the
 * buckets into ret (SAMPLE_HELD of room), sets the width of one in ms,
 * returns how many.  The sample itself is not changed.
 */
size_t
sample_held_series(const struct sample *s, uint64_t first_ms, uint32_t held,
    uint64_t now_ms, uint16_t *ret, uint64_t *ret_width_ms)
{
	struct sample	c = *s;
	size_t		n, b;

	sample_held(&c, first_ms, held, held, now_ms);
	b = held_bucket(&c, first_ms, now_ms);
	n = b + 1;
	memcpy(ret, c.held, n * sizeof(*ret));
	*ret_width_ms = 1ULL << (HELD_UNIT + c.held_shift);
	return n;
}
