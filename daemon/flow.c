/*
 * The table of active flows.  Flows are records in a dense array whose
 * indices never change while the flow lives (the detectors keep them);
 * freed records are reused.  An open-addressing index with linear probing
 * and backward-shift deletion finds them by a keyed hash of the original
 * tuple and zone (SipHash, hash.c), and a match is a match of the whole
 * tuple, never of the hash alone: no client can build a flow that
 * replaces another, nor tuples that pile up in one probe chain.
 *
 * An index slot holds the record's index + 1 in its low 32 bits and the
 * key's high 32 bits above them.  The home slot is a function of those
 * bits alone, so neither a probe nor a deletion's backward shift reads a
 * record, but for the one whose 32 bits match: the records are spread
 * over megabytes, and each read of one is a cache miss.
 *
 * DESIGN section 4 allows 96 bytes per active flow with the tuple stored:
 * a record is 72 bytes and the records grow by a sixteenth (72 to 77
 * bytes a flow), the index is 8 bytes a slot at a load of 1/2 to 3/4 (11
 * to 16 bytes a flow).
 */
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

#define FLOWTAB_MIN	1024
#define INDEX_MAX(cap)	((cap) * 3 / 4)		/* grow beyond this load */
#define SLOT(key, rec)	((key) >> 32 << 32 | ((uint64_t)(rec) + 1))
#define SLOT_REC(s)	((uint32_t)(s) - 1)	/* of a slot in use */
#define SLOT_TAG(s)	((s) >> 32)		/* the key's high bits */

_Static_assert(FLOWTAB_MAX < UINT32_MAX, "record indices fit the index");

int
flowtab_init(struct flowtab *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->slot = calloc(FLOWTAB_MIN * 2, sizeof(*t->slot));
	t->v = calloc(FLOWTAB_MIN, sizeof(*t->v));
	if (t->slot == NULL || t->v == NULL) {
		flowtab_free(t);
		return -1;
	}
	t->cap = FLOWTAB_MIN * 2;
	t->vcap = FLOWTAB_MIN;
	return 0;
}

void
flowtab_free(struct flowtab *t)
{
	free(t->slot);
	free(t->v);
	t->slot = NULL;
	t->v = NULL;
	t->n = t->nv = t->vcap = t->cap = 0;
	t->free = 0;
}

/*
 * The index slot a key hashes to, from its high 32 bits (those a slot
 * keeps): any capacity, by multiplication.
 */
static size_t
index_home(size_t cap, uint64_t key)
{
	return (size_t)((key >> 32) * cap >> 32);
}

size_t
flow_home(const struct flowtab *t, uint64_t key)
{
	return index_home(t->cap, key);
}

static size_t
flow_next(const struct flowtab *t, size_t i)
{
	return ++i == t->cap ? 0 : i;
}

/* The tuple's bytes, as they are hashed and compared. */
struct tuple {
	uint8_t		src[16], dst[16];
	uint16_t	sport, dport, zone;
	uint8_t		proto;
	uint8_t		pad;
};

_Static_assert(sizeof(struct tuple) == 40, "a tuple is 40 bytes");

/* An IPv4 tuple packed: 16 bytes, two SipHash blocks instead of five. */
struct tuple4 {
	uint8_t		src[4], dst[4];
	uint16_t	sport, dport, zone;
	uint8_t		proto;
	uint8_t		v4;		/* never 0: not a prefix of a tuple */
};

_Static_assert(sizeof(struct tuple4) == 16, "an IPv4 tuple is 16 bytes");

/* The keyed hash of ev's original tuple and zone; never 0. */
uint64_t
flow_key(const struct flow_event *ev)
{
	struct tuple	tp;
	struct tuple4	t4;
	uint64_t	h;

	if (addr_is_v4(&ev->src) && addr_is_v4(&ev->dst)) {
		memcpy(t4.src, ev->src.b + 12, 4);
		memcpy(t4.dst, ev->dst.b + 12, 4);
		t4.sport = ev->sport;
		t4.dport = ev->dport;
		t4.zone = ev->zone;
		t4.proto = ev->proto;
		t4.v4 = 4;
		h = hash_sip(&t4, sizeof(t4));
		return h ? h : 1;
	}
	memcpy(tp.src, ev->src.b, 16);
	memcpy(tp.dst, ev->dst.b, 16);
	tp.sport = ev->sport;
	tp.dport = ev->dport;
	tp.zone = ev->zone;
	tp.proto = ev->proto;
	tp.pad = 0;
	h = hash_sip(&tp, sizeof(tp));
	return h ? h : 1;
}

/* Whether record f holds ev's tuple. */
static bool
flow_same(const struct flow *f, const struct flow_event *ev)
{
	return f->sport == ev->sport && f->dport == ev->dport &&
	    f->proto == ev->proto && f->zone == ev->zone &&
	    memcmp(f->src.b, ev->src.b, 16) == 0 &&
	    memcmp(f->dst.b, ev->dst.b, 16) == 0;
}

/* The flow of ev's tuple, whose key is key, or NULL. */
struct flow *
flow_lookup(struct flowtab *t, uint64_t key, const struct flow_event *ev)
{
	size_t		i = flow_home(t, key);
	uint64_t	s;
	struct flow	*f;

	while ((s = t->slot[i]) != 0) {
		if (SLOT_TAG(s) == key >> 32) {
			f = &t->v[SLOT_REC(s)];
			if (f->key == key && flow_same(f, ev))
				return f;
		}
		i = flow_next(t, i);
	}
	return NULL;
}

/*
 * The record key's index slot points to, by the key's 32 bits alone (the
 * tuple is not compared): for hints, NULL when there is none.
 */
const struct flow *
flow_peek(const struct flowtab *t, uint64_t key)
{
	size_t		i = flow_home(t, key);
	uint64_t	s;

	while ((s = t->slot[i]) != 0) {
		if (SLOT_TAG(s) == key >> 32)
			return &t->v[SLOT_REC(s)];
		i = flow_next(t, i);
	}
	return NULL;
}

/*
 * Hint that key's flow is looked up soon: its record fetched into the
 * cache.  The index slot should be there (core_prefetch fetched it a
 * while before).
 */
void
flow_prefetch(const struct flowtab *t, uint64_t key)
{
	const struct flow	*f;

	if ((f = flow_peek(t, key)) != NULL) {
		/* a record spans two cache lines */
		__builtin_prefetch(f);
		__builtin_prefetch((const char *)(f + 1) - 1);
	}
}

/* Slot s into the index slot of cap slots: after the others of its run. */
static void
index_put(uint64_t *slot, size_t cap, uint64_t s)
{
	size_t	j = index_home(cap, s);

	while (slot[j] != 0)
		if (++j == cap)
			j = 0;
	slot[j] = s;
}

/* Half as many slots again; the records are not read. */
static int
index_grow(struct flowtab *t)
{
	size_t		 cap = t->cap + t->cap / 2, i;
	uint64_t	*slot;

	if ((slot = calloc(cap, sizeof(*slot))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != 0)
			index_put(slot, cap, t->slot[i]);
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

static int
records_grow(struct flowtab *t)
{
	size_t		 cap = t->vcap + t->vcap / 16;
	struct flow	*v;

	if (cap > FLOWTAB_MAX)
		cap = FLOWTAB_MAX;
	if (cap <= t->vcap)
		return -1;
	if ((v = reallocarray(t->v, cap, sizeof(*v))) == NULL)
		return -1;
	t->v = v;
	t->vcap = cap;
	return 0;
}

/*
 * A new flow for ev's tuple, with key (the caller checked it is not
 * there): its tuple set, the rest zero.  NULL when the table holds its
 * maximum or memory runs out.  Records may move: a pointer into the table
 * lasts until the next insert.
 */
struct flow *
flow_insert(struct flowtab *t, uint64_t key, const struct flow_event *ev)
{
	struct flow	*f;
	uint32_t	 rec;

	if (t->n >= t->max)
		return NULL;
	if (t->n + 1 > INDEX_MAX(t->cap) && index_grow(t) == -1)
		return NULL;
	if (t->free != 0) {
		rec = t->free - 1;
		t->free = t->v[rec].host;
	} else {
		if (t->nv == t->vcap && records_grow(t) == -1)
			return NULL;
		rec = (uint32_t)t->nv++;
	}
	f = &t->v[rec];
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->src = ev->src;
	f->dst = ev->dst;
	f->sport = ev->sport;
	f->dport = ev->dport;
	f->zone = ev->zone;
	f->proto = ev->proto;
	index_put(t->slot, t->cap, SLOT(key, rec));
	t->n++;
	return f;
}

/*
 * Remove f: backward-shift deletion keeps the probe chains whole without
 * tombstones; the record joins the free list.
 */
void
flow_remove(struct flowtab *t, struct flow *f)
{
	uint32_t	rec = (uint32_t)(f - t->v);
	size_t		i = flow_home(t, f->key), j, home;

	while (t->slot[i] != SLOT(f->key, rec))
		i = flow_next(t, i);
	j = i;
	for (;;) {
		j = flow_next(t, j);
		if (t->slot[j] == 0)
			break;
		home = index_home(t->cap, t->slot[j]);
		/* move j into the hole at i unless its home lies in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i] = 0;
	f->key = 0;
	f->host = t->free;
	t->free = rec + 1;
	t->n--;
}

/* The flow in record i, or NULL for a free one (for walks: i < nv). */
struct flow *
flowtab_at(struct flowtab *t, size_t i)
{
	return i < t->nv && t->v[i].key != 0 ? &t->v[i] : NULL;
}

size_t
flowtab_bytes(const struct flowtab *t)
{
	return t->vcap * sizeof(struct flow) + t->cap * sizeof(*t->slot);
}
