/*
 * Per-client measurements: source-port range and its family, the TCP
 * allocator with the features that decide it, ports held at once,
 * lifetimes, fan-out and rates.  Everything is bounded: a host is a fixed
 * 3 KiB struct (DESIGN section 4: at most 4 KiB a host).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

#define PAIR_WINDOW_MS	10000	/* Linux re-keys its port offsets every 10 s */
#define SMALL_STEP	16	/* Linux DHPS steps +2..+16 (ports.md 1.1) */

_Static_assert(sizeof(struct host) <= 4096, "a host must fit in 4 KiB");

/* Segments of the port space split at every family's edges. */
static const uint32_t seg_lo[HOST_SEGS] = {
	0, 1024, 1025, 5001, 10000, 32768, 49152, 61000
};

#define SEG(i)	(1u << (i))
static const struct {
	int		 family;
	uint32_t	 segs;
	uint32_t	 size;
} families[] = {
	/* smallest first: a family is chosen by the fewest ports it allows */
	{ RF_LEGACY,	SEG(2),					3976 },
	{ RF_IANA,	SEG(6) | SEG(7),			16384 },
	{ RF_LINUX,	SEG(5) | SEG(6),			28232 },
	{ RF_OPENBSD,	SEG(1) | SEG(2) | SEG(3) | SEG(4) | SEG(5), 48128 },
	{ RF_FREEBSD,	SEG(4) | SEG(5) | SEG(6) | SEG(7),	55536 },
};

static size_t
seg_of(uint16_t port)
{
	size_t	i = HOST_SEGS - 1;

	while (port < seg_lo[i])
		i--;
	return i;
}

void
host_classify_default(struct classify_conf *c)
{
	c->min_samples = 10;
	c->fixed_share = 0.5;
	c->unit_share = 0.5;		/* ports.md 2.1: f_unit >= 0.5 */
	c->even_share = 0.98;		/* ports.md 2.1: f_even >= 0.98 */
	c->pair_share = 0.8;		/* ports.md 2.1: f_small_same_dst >= 0.8 */
	c->min_pairs = 5;
	c->random_small = 0.2;
	c->random_even_lo = 0.3;
	c->random_even_hi = 0.7;
	c->family_slack = 0.01;
}

void
host_init(struct host *h, const struct addr *a, uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->addr = *a;
	h->first_ms = h->last_ms = now_ms;
	h->held_since_ms = now_ms;
	h->port_min = h->any_min = UINT16_MAX;
	h->minute = now_ms / 60000;
}

static inline void
host_held(struct host *h, uint32_t held, uint64_t now_ms)
{
	if (now_ms > h->held_since_ms)
		chist_add(&h->conc, h->held, now_ms - h->held_since_ms);
	sample_held(&h->sample, h->first_ms, h->held, held, now_ms);
	h->held_since_ms = now_ms;
	h->held = held;
	if (held > h->held_max)
		h->held_max = held;
}

/* Close the minute of activity that ended before this one. */
static void
host_minute(struct host *h, uint64_t minute)
{
	uint32_t	dst, dport;

	if (h->min_flows > 0) {
		dst = lcount_estimate(&h->min_dst);
		dport = lcount_estimate(&h->min_dport);
		h->minutes++;
		h->sum_dst += dst;
		h->sum_dport += dport;
		if (h->min_flows > h->max_flows)
			h->max_flows = h->min_flows;
		if (dst > h->max_dst)
			h->max_dst = dst;
		if (dport > h->max_dport)
			h->max_dport = dport;
	}
	h->min_flows = 0;
	lcount_clear(&h->min_dst);
	lcount_clear(&h->min_dport);
	h->minute = minute;
}

static void
host_tcp_port(struct host *h, const struct flow_event *ev, uint64_t now_ms)
{
	struct host_recent	*r, *oldest = &h->recent[0];
	uint32_t		 dkey;
	int			 delta;
	size_t			 i;

	if (h->n_tcp_ports > 0) {
		delta = (int)ev->sport - (int)h->last_port;
		h->n_delta++;
		if (delta == 0)
			h->n_zero++;
		else if (delta == 1)
			h->n_unit++;
		if (delta > 0 && delta <= SMALL_STEP)
			h->n_small++;
	}
	h->last_port = ev->sport;
	h->n_tcp_ports++;
	if ((ev->sport & 1) == 0)
		h->n_even++;

	/* steps between successive connects to one destination */
	dkey = (uint32_t)(hash_fast(&ev->dst, ev->dport) >> 32);
	for (i = 0; i < HOST_RECENT; i++) {
		r = &h->recent[i];
		if (r->ts_ms != 0 && r->dst == dkey)
			break;
		if (r->ts_ms < oldest->ts_ms)
			oldest = r;
	}
	if (i < HOST_RECENT) {
		if (now_ms - r->ts_ms < PAIR_WINDOW_MS) {
			delta = (int)ev->sport - (int)r->port;
			h->n_pair++;
			if (delta > 0 && delta <= SMALL_STEP)
				h->n_pair_small++;
		}
	} else {
		r = oldest;
		r->dst = dkey;
	}
	r->port = ev->sport;
	r->ts_ms = now_ms ? now_ms : 1;
}

void
host_new_flow(struct host *h, const struct flow_event *ev, uint64_t now_ms)
{
	uint64_t	minute = now_ms / 60000;

	h->last_ms = now_ms;
	h->flows++;
	if (minute != h->minute)
		host_minute(h, minute);
	h->min_flows++;
	lcount_add(&h->min_dst, hash_fast(&ev->dst, 0));

	if (!(ev->flags & EVF_PORTS)) {
		h->other_flows++;
		return;
	}
	lcount_add(&h->min_dport, hash_mix64(ev->dport + 1));
	if (ev->sport < h->any_min)
		h->any_min = ev->sport;
	if (ev->sport > h->any_max)
		h->any_max = ev->sport;
	if (ev->proto == IPPROTO_TCP) {
		h->tcp_flows++;
		if (ev->sport < h->port_min)
			h->port_min = ev->sport;
		if (ev->sport > h->port_max)
			h->port_max = ev->sport;
		h->seg[seg_of(ev->sport)]++;
		if (h->hist[ev->sport >> 8] == UINT16_MAX)
			for (size_t b = 0; b < 256; b++)
				h->hist[b] /= 2;	/* the shape stays */
		h->hist[ev->sport >> 8]++;
		host_tcp_port(h, ev, now_ms);
	} else {
		if (ev->proto == IPPROTO_UDP || ev->proto == IPPROTO_UDPLITE)
			h->udp_flows++;
		h->useg[seg_of(ev->sport)]++;
	}
	host_held(h, h->held + 1, now_ms);
}

/*
 * A flow found in a table dump whose NEW was never seen: it holds a port,
 * but its start and order are unknown, so it feeds no other statistic.
 */
void
host_adopt_flow(struct host *h, uint64_t now_ms)
{
	h->last_ms = now_ms;
	host_held(h, h->held + 1, now_ms);
}

/*
 * A flow of this host ended.  life_ms is its estimated active lifetime,
 * used only when the start was seen (known).
 */
void
host_end_flow(struct host *h, const struct flow *f, bool known,
    uint64_t life_ms, uint64_t now_ms, bool unreplied)
{
	h->last_ms = now_ms;
	h->ended++;
	if (unreplied)
		h->unreplied++;
	if (!(f->fflags & FF_PORTS))
		return;
	if (h->held > 0)
		host_held(h, h->held - 1, now_ms);
	if (!known)
		return;
	lhist_add(&h->life, life_ms);
	if (life_ms < 60000)
		h->under_1m++;
	if (life_ms < 180000)
		h->under_3m++;
}

/*
 * End of the observation: account the last interval and minute.  Ports
 * held at once are weighted over the host's span: from its first flow to
 * its last event, or to now while it still holds ports.
 */
void
host_finish(struct host *h, uint64_t now_ms)
{
	host_held(h, h->held, h->held > 0 ? now_ms : h->last_ms);
	host_minute(h, now_ms / 60000 + 1);
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

void
host_alloc_feat(const struct host *h, struct alloc_feat *a)
{
	a->n_delta = h->n_delta;
	a->n_unit = h->n_unit;
	a->n_small = h->n_small;
	a->n_zero = h->n_zero;
	a->n_even = h->n_even;
	a->n_tcp_ports = h->n_tcp_ports;
	a->n_pair = h->n_pair;
	a->n_pair_small = h->n_pair_small;
}

/*
 * The allocator (ports.md 2.1) of the TCP connects counted in now and not
 * in then: a window of a host's connects, or all of them (then NULL).
 */
int
host_alloc_classify(const struct alloc_feat *now, const struct alloc_feat *then,
    const struct classify_conf *c, double *ret_even)
{
	struct alloc_feat	w = *now;
	double			unit, small, pair_small, even;

	if (then != NULL) {
		w.n_delta -= then->n_delta;
		w.n_unit -= then->n_unit;
		w.n_small -= then->n_small;
		w.n_zero -= then->n_zero;
		w.n_even -= then->n_even;
		w.n_tcp_ports -= then->n_tcp_ports;
		w.n_pair -= then->n_pair;
		w.n_pair_small -= then->n_pair_small;
	}
	unit = ratio(w.n_unit, w.n_delta);
	small = ratio(w.n_small, w.n_delta);
	pair_small = ratio(w.n_pair_small, w.n_pair);
	even = ratio(w.n_even, w.n_tcp_ports);
	if (ret_even != NULL)
		*ret_even = even;
	if (w.n_tcp_ports < c->min_samples || w.n_delta == 0)
		return AL_UNKNOWN;
	if (ratio(w.n_zero, w.n_delta) >= c->fixed_share)
		return AL_FIXED;
	if (unit >= c->unit_share)
		return AL_SEQUENTIAL;
	if (even >= c->even_share &&
	    (w.n_pair < c->min_pairs || pair_small >= c->pair_share))
		return AL_PER_DEST;
	if (small <= c->random_small && even >= c->random_even_lo &&
	    even <= c->random_even_hi)
		return AL_RANDOM;
	return AL_MIXED;
}

/* Whether a family's default range holds the port. */
bool
host_family_holds(int family, uint16_t port)
{
	size_t	i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family == family)
			return (families[i].segs & SEG(seg_of(port))) != 0;
	return false;
}

/* Ports in a family's default range; 0 for unknown and custom. */
uint32_t
host_family_size(int family)
{
	size_t	i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family == family)
			return families[i].size;
	return 0;
}

/*
 * The family whose default range holds the ports (all but a slack share),
 * the smallest such; a per-destination (Linux) allocator prefers linux.
 * TCP ports decide; a host without enough TCP is judged on all its ports.
 */
static int
host_family(const struct host *h, const struct classify_conf *c, int alloc)
{
	uint32_t	seg[HOST_SEGS], total = 0, inside, best = 0;
	size_t		i, s;
	int		family = RF_CUSTOM;

	for (s = 0; s < HOST_SEGS; s++)
		total += seg[s] = h->seg[s];
	/* too little TCP: add other protocols, but not their ports below
	 * 1024, which no allocator hands out (NTP 123, IKE 500, ...) */
	if (total < c->min_samples)
		for (total = 0, s = 0; s < HOST_SEGS; s++)
			total += seg[s] = h->seg[s] + (s ? h->useg[s] : 0);
	if (total < c->min_samples)
		return RF_UNKNOWN;
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		inside = 0;
		for (s = 0; s < HOST_SEGS; s++)
			if (families[i].segs & SEG(s))
				inside += seg[s];
		if ((double)(total - inside) > c->family_slack * total)
			continue;
		if (alloc == AL_PER_DEST && families[i].family == RF_LINUX)
			return RF_LINUX;
		if (best == 0) {
			best = families[i].size;
			family = families[i].family;
		}
	}
	return family;
}

void
host_report(const struct host *h, const struct classify_conf *c,
    struct host_report *r)
{
	struct alloc_feat	a;

	memset(r, 0, sizeof(*r));
	r->f_unit = ratio(h->n_unit, h->n_delta);
	r->f_small = ratio(h->n_small, h->n_delta);
	r->f_pair_small = ratio(h->n_pair_small, h->n_pair);
	r->even_ratio = ratio(h->n_even, h->n_tcp_ports);
	host_alloc_feat(h, &a);
	r->allocator = host_alloc_classify(&a, NULL, c, NULL);
	r->family = host_family(h, c, r->allocator);

	r->conc_p50 = chist_quantile(&h->conc, 0.50);
	r->conc_p95 = chist_quantile(&h->conc, 0.95);
	r->conc_max = h->held_max;

	r->life_p50 = lhist_quantile(&h->life, 0.50) / 1000.0;
	r->life_p90 = lhist_quantile(&h->life, 0.90) / 1000.0;
	r->life_p99 = lhist_quantile(&h->life, 0.99) / 1000.0;
	r->under_1m = ratio(h->under_1m, h->life.n);
	r->under_3m = ratio(h->under_3m, h->life.n);

	r->flows_per_min = ratio(h->flows, h->minutes);
	r->dsts_per_min = ratio(h->sum_dst, h->minutes);
	r->dports_per_min = ratio(h->sum_dport, h->minutes);
	r->flows_per_min_max = h->max_flows;
	r->dsts_per_min_max = h->max_dst;
	r->dports_per_min_max = h->max_dport;
	r->unreplied = ratio(h->unreplied, h->ended);
}

const char *
host_family_name(int f)
{
	static const char *const names[] = {
		"unknown", "linux", "iana", "freebsd", "openbsd", "legacy",
		"custom",
	};

	return f >= 0 && f <= RF_CUSTOM ? names[f] : "unknown";
}

const char *
host_allocator_name(int a)
{
	static const char *const names[] = {
		"unknown", "sequential", "per-destination", "random", "fixed",
		"mixed",
	};

	return a >= 0 && a <= AL_MIXED ? names[a] : "unknown";
}

/* The host table: a dense array and an open-addressing index into it. */
int
hosttab_init(struct hosttab *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return dindex_init(&t->idx, 256);
}

void
hosttab_free(struct hosttab *t)
{
	free(t->v);
	free(t->lru);
	dindex_free(&t->idx);
	memset(t, 0, sizeof(*t));
}

static bool
host_eq(const void *array, uint32_t i, const void *key)
{
	const struct host *v = array;

	return memcmp(v[i].addr.b, key, 16) == 0;
}

static uint64_t
host_hash(const void *array, uint32_t i)
{
	const struct host *v = array;

	return addr_hash(&v[i].addr);
}

/* The host with this address, NULL when unknown; ret_index its index. */
struct host *
hosttab_find(struct hosttab *t, const struct addr *a, uint32_t *ret_index)
{
	uint32_t	*slot;

	if (t->n == 0)
		return NULL;
	slot = dindex_find(&t->idx, addr_hash(a), host_eq, t->v, a);
	if (*slot == 0)
		return NULL;
	*ret_index = *slot - 1;
	return &t->v[*slot - 1];
}

/*
 * A host as shown: its address, or its /64 as "2001:db8:1:2::/64" for the
 * host of a /64's addresses.
 */
void
host_fmt(const struct host *h, char *buf, size_t len)
{
	addr_fmt64(&h->addr, (h->hflags & HF_PREFIX) != 0, buf, len);
}

/*
 * Unlink host i from the recency list.  The links are an array of their
 * own: moving a host reads its neighbours' links, and in the hosts' own
 * records (kilobytes each) those would be two more cache misses a NEW.
 */
static void
lru_unlink(struct hosttab *t, uint32_t i)
{
	struct host_link	*l = &t->lru[i];

	if (l->prev != 0)
		t->lru[l->prev - 1].next = l->next;
	else if (t->lru_head == i + 1)
		t->lru_head = l->next;
	if (l->next != 0)
		t->lru[l->next - 1].prev = l->prev;
	else if (t->lru_tail == i + 1)
		t->lru_tail = l->prev;
	l->prev = l->next = 0;
}

static void
lru_append(struct hosttab *t, uint32_t i)
{
	struct host_link	*l = &t->lru[i];

	l->prev = t->lru_tail;
	l->next = 0;
	if (t->lru_tail != 0)
		t->lru[t->lru_tail - 1].next = i + 1;
	else
		t->lru_head = i + 1;
	t->lru_tail = i + 1;
}

/* Host i was just active: the most recent of the recency list. */
void
hosttab_touch(struct hosttab *t, uint32_t i)
{
	if (t->lru_tail == i + 1)
		return;
	lru_unlink(t, i);
	lru_append(t, i);
}

/*
 * A host to evict for a new one, among the probe least recently active
 * that hold no flow (one that holds flows is alive: it moves to the most
 * recent end).  Best one idle at least idle_ms whose baseline is not
 * learned, then one idle that long, then one not learned: the table never
 * refuses a new host while an old one holds nothing.  -1 when none.
 */
int64_t
hosttab_victim(struct hosttab *t, uint64_t now_ms, uint64_t idle_ms,
    size_t probe)
{
	int64_t		idle_learned = -1, busy = -1;
	uint32_t	i, next;
	bool		idle;

	for (i = t->lru_head; i != 0 && probe-- > 0; i = next) {
		const struct host *h = &t->v[i - 1];

		next = t->lru[i - 1].next;
		if (h->held != 0) {
			hosttab_touch(t, i - 1);
			continue;
		}
		idle = h->last_ms == 0 || (now_ms >= h->last_ms &&
		    now_ms - h->last_ms >= idle_ms);
		if (idle && !(h->hflags & HF_LEARNED))
			return i - 1;
		if (idle && idle_learned < 0)
			idle_learned = i - 1;
		if (!idle && !(h->hflags & HF_LEARNED) && busy < 0)
			busy = i - 1;
	}
	return idle_learned >= 0 ? idle_learned : busy;
}

/*
 * Reuse host i's slot for a new host a (the caller evicted it): out of
 * the index, in again under a, the most recent.
 */
struct host *
hosttab_replace(struct hosttab *t, uint32_t i, const struct addr *a,
    uint64_t now_ms)
{
	uint32_t	*slot, gen;

	slot = dindex_find(&t->idx, addr_hash(&t->v[i].addr), host_eq, t->v,
	    &t->v[i].addr);
	if (*slot == i + 1)
		dindex_remove(&t->idx, slot, host_hash, t->v);
	lru_unlink(t, i);
	gen = t->v[i].gen + 1;		/* aliases to the old host are void */
	host_init(&t->v[i], a, now_ms);
	t->v[i].gen = gen;
	slot = dindex_find(&t->idx, addr_hash(a), host_eq, t->v, a);
	*slot = i + 1;
	lru_append(t, i);
	return &t->v[i];
}

/*
 * The host with this address, created at now_ms when new.  NULL when the
 * table is full or memory runs out.  ret_index gets its stable index.
 */
struct host *
hosttab_get(struct hosttab *t, const struct addr *a, uint64_t now_ms,
    uint32_t *ret_index)
{
	struct host		*v;
	struct host_link	*l;
	uint32_t		*slot;
	size_t			 cap;

	slot = dindex_find(&t->idx, addr_hash(a), host_eq, t->v, a);
	if (*slot != 0) {
		*ret_index = *slot - 1;
		return &t->v[*slot - 1];
	}
	if (t->n >= t->max)
		return NULL;
	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		if (cap > t->max)
			cap = t->max;
		v = reallocarray(t->v, cap, sizeof(*v));
		if (v == NULL)
			return NULL;
		t->v = v;
		l = reallocarray(t->lru, cap, sizeof(*l));
		if (l == NULL)
			return NULL;
		t->lru = l;
		t->cap = cap;
	}
	if (dindex_reserve(&t->idx, t->n + 1, host_hash, t->v) == -1)
		return NULL;
	slot = dindex_find(&t->idx, addr_hash(a), host_eq, t->v, a);
	host_init(&t->v[t->n], a, now_ms);
	*slot = t->n + 1;
	*ret_index = t->n;
	lru_append(t, (uint32_t)t->n);
	return &t->v[t->n++];
}
