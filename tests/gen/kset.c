/*
 * Multiset of 64-bit keys: open addressing with linear probing and
 * backward-shift deletion; key 0 marks an empty slot.  Lookups
 * (kset_slot, kset_count) are inline in gen.h.
 */

#include <stdlib.h>

#include "gen.h"

void
kset_init(struct kset *s, size_t cap)
{
	s->keys = calloc(cap, sizeof(*s->keys));
	s->counts = calloc(cap, sizeof(*s->counts));
	if (s->keys == NULL || s->counts == NULL)
		fatalx("out of memory");
	s->mask = cap - 1;
	s->used = 0;
}

void
kset_free(struct kset *s)
{
	free(s->keys);
	free(s->counts);
	s->keys = NULL;
	s->counts = NULL;
}

static void
kset_grow(struct kset *s)
{
	struct kset n;
	size_t i, j;

	kset_init(&n, (s->mask + 1) * 2);
	for (i = 0; i <= s->mask; i++) {
		if (s->keys[i] == 0)
			continue;
		j = kset_slot(&n, s->keys[i]);
		n.keys[j] = s->keys[i];
		n.counts[j] = s->counts[i];
		n.used++;
	}
	kset_free(s);
	*s = n;
}

void
kset_add(struct kset *s, uint64_t key)
{
	size_t i;

	if ((s->used + 1) * 2 > s->mask + 1)
		kset_grow(s);
	i = kset_slot(s, key);
	if (s->keys[i] == 0) {
		s->keys[i] = key;
		s->counts[i] = 0;
		s->used++;
	}
	s->counts[i]++;
}

void
kset_del(struct kset *s, uint64_t key)
{
	size_t i, j, k;

	i = kset_slot(s, key);
	if (s->keys[i] == 0 || --s->counts[i] > 0)
		return;
	for (j = i;;) {
		j = (j + 1) & s->mask;
		if (s->keys[j] == 0)
			break;
		k = rng_mix64(s->keys[j]) & s->mask;
		/* move the entry back unless its home lies in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->keys[i] = s->keys[j];
		s->counts[i] = s->counts[j];
		i = j;
	}
	s->keys[i] = 0;
	s->used--;
}
