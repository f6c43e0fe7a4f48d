/*
 * An open-addressing index over a dense array: the host and service tables
 * keep their elements in an array whose indices never change (flows refer
 * to them) and find them through this index.  Load stays at or below 1/2.
 */
#include <stdlib.h>

#include "ephemd.h"

int
dindex_init(struct dindex *d, size_t cap)
{
	d->slot = calloc(cap, sizeof(*d->slot));
	d->mask = cap - 1;
	return d->slot ? 0 : -1;
}

void
dindex_free(struct dindex *d)
{
	free(d->slot);
	d->slot = NULL;
}

/*
 * The slot holding the element equal to key, or the empty slot where it
 * belongs.  eq(array, index, key) compares one element.
 */
uint32_t *
dindex_find(struct dindex *d, uint64_t hash, dindex_eq_fn eq,
    const void *array, const void *key)
{
	size_t	i = hash & d->mask;

	while (d->slot[i] != 0) {
		if (eq(array, d->slot[i] - 1, key))
			return &d->slot[i];
		i = (i + 1) & d->mask;
	}
	return &d->slot[i];
}

/* Make room for n elements; hash(array, index) rehashes the old ones. */
int
dindex_reserve(struct dindex *d, size_t n, dindex_hash_fn hash,
    const void *array)
{
	uint32_t	*slot;
	size_t		 cap = d->mask + 1, i, j;

	if (n * 2 <= cap)
		return 0;
	while (n * 2 > cap)
		cap *= 2;
	slot = calloc(cap, sizeof(*slot));
	if (slot == NULL)
		return -1;
	for (i = 0; i <= d->mask; i++) {
		if (d->slot[i] == 0)
			continue;
		j = hash(array, d->slot[i] - 1) & (cap - 1);
		while (slot[j] != 0)
			j = (j + 1) & (cap - 1);
		slot[j] = d->slot[i];
	}
	free(d->slot);
	d->slot = slot;
	d->mask = cap - 1;
	return 0;
}

/*
 * Empty slot (found by dindex_find) and keep the probe runs whole:
 * backward-shift deletion, rehashing the elements after it.
 */
void
dindex_remove(struct dindex *d, uint32_t *slot, dindex_hash_fn hash,
    const void *array)
{
	size_t	i = (size_t)(slot - d->slot), j = i, home;

	for (;;) {
		j = (j + 1) & d->mask;
		if (d->slot[j] == 0)
			break;
		home = hash(array, d->slot[j] - 1) & d->mask;
		/* move j into the hole at i unless its home lies in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			d->slot[i] = d->slot[j];
			i = j;
		}
	}
	d->slot[i] = 0;
}
