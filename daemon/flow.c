/*
 * The table of active flows: open addressing with linear probing and
 * backward-shift deletion, 32 bytes a slot.  A flow is found by a 64-bit
 * hash of its original tuple and zone, which conntrack keeps unique among
 * live entries; the tuple itself is not stored.
 *
 * DESIGN section 4 allows 64 bytes per active flow.  The table keeps its
 * load between 0.56 and 0.7: it grows by a quarter when it passes 0.7, so
 * a flow costs 46 to 57 bytes.  A capacity of any size maps a hash to its
 * home slot with a multiplication (the high half of hash x capacity).
 */
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

#define FLOWTAB_MIN	1024
#define LOAD_MAX(cap)	((cap) * 7 / 10)	/* grow beyond this many */

int
flowtab_init(struct flowtab *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->slot = calloc(FLOWTAB_MIN, sizeof(*t->slot));
	if (t->slot == NULL)
		return -1;
	t->cap = FLOWTAB_MIN;
	t->max = max;
	return 0;
}

size_t
flow_home(const struct flowtab *t, uint64_t key)
{
	return (size_t)(((unsigned __int128)key * t->cap) >> 64);
}

static size_t
flow_next(const struct flowtab *t, size_t i)
{
	return ++i == t->cap ? 0 : i;
}

void
flowtab_free(struct flowtab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->n = 0;
}

uint64_t
flow_key(const struct flow_event *ev)
{
	uint64_t	h, w[6];

	memcpy(w, ev->src.b, 16);
	memcpy(w + 2, ev->dst.b, 16);
	w[4] = (uint64_t)ev->sport << 32 | (uint64_t)ev->dport << 16 |
	    ev->proto;
	w[5] = ev->zone;
	/* odd constants so that zero words still mix (wyhash's) */
	h = hash_mum(w[0] ^ 0xa0761d6478bd642fULL,
	    w[1] ^ 0xe7037ed1a0b428dbULL) ^
	    hash_mum(w[2] ^ 0x8ebc6af09c88c6e3ULL,
	    w[3] ^ 0x589965cc75374cc3ULL) ^
	    hash_mum(w[4] ^ 0x1d8e4e27c47d124fULL,
	    w[5] ^ 0x9e3779b97f4a7c15ULL);
	h = hash_mix64(h);
	return h ? h : 1;
}

struct flow *
flow_lookup(struct flowtab *t, uint64_t key)
{
	size_t	i = flow_home(t, key);

	for (;;) {
		struct flow *f = &t->slot[i];

		if (f->key == key)
			return f;
		if (f->key == 0)
			return NULL;
		i = flow_next(t, i);
	}
}

static int
flowtab_grow(struct flowtab *t)
{
	struct flowtab	 n = *t;
	size_t		 i, j;

	n.cap = t->cap + t->cap / 4;
	if ((n.slot = calloc(n.cap, sizeof(*n.slot))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->slot[i].key == 0)
			continue;
		j = flow_home(&n, t->slot[i].key);
		while (n.slot[j].key != 0)
			j = flow_next(&n, j);
		n.slot[j] = t->slot[i];
	}
	free(t->slot);
	*t = n;
	return 0;
}

/*
 * Insert a new flow with this key (the caller checked it is not there).
 * NULL when the table holds its maximum or memory runs out.
 */
struct flow *
flow_insert(struct flowtab *t, uint64_t key)
{
	size_t	i;

	if (t->n >= t->max)
		return NULL;
	if (t->n + 1 > LOAD_MAX(t->cap) && flowtab_grow(t) == -1)
		return NULL;
	i = flow_home(t, key);
	while (t->slot[i].key != 0)
		i = flow_next(t, i);
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->slot[i].key = key;
	t->n++;
	return &t->slot[i];
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
void
flow_remove(struct flowtab *t, struct flow *f)
{
	size_t	i = f - t->slot, j = i, home;

	for (;;) {
		j = flow_next(t, j);
		if (t->slot[j].key == 0)
			break;
		home = flow_home(t, t->slot[j].key);
		/* move j into the hole at i unless its home lies in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].key = 0;
	t->n--;
}

size_t
flowtab_bytes(const struct flowtab *t)
{
	return t->cap * sizeof(struct flow);
}
