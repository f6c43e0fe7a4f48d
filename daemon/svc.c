/*
 * Per-service (protocol + destination port) lifetimes across all clients,
 * so that "every host holds this port for seconds" is known and a host
 * holding it for forty minutes stands out.
 */
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

static uint32_t
svc_keyval(uint8_t proto, uint16_t port)
{
	return (uint32_t)proto << 16 | port;
}

int
svctab_init(struct svctab *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return dindex_init(&t->idx, 256);
}

void
svctab_free(struct svctab *t)
{
	free(t->v);
	dindex_free(&t->idx);
	memset(t, 0, sizeof(*t));
}

static bool
svc_eq(const void *array, uint32_t i, const void *key)
{
	const struct svc *v = array;

	return svc_keyval(v[i].proto, v[i].port) == *(const uint32_t *)key;
}

static uint64_t
svc_hash(const void *array, uint32_t i)
{
	const struct svc *v = array;

	return hash_mix64(svc_keyval(v[i].proto, v[i].port));
}

/* The service, created when new; NULL when the table is full. */
struct svc *
svctab_get(struct svctab *t, uint8_t proto, uint16_t port,
    uint32_t *ret_index)
{
	struct svc	*v;
	uint32_t	*slot, key = svc_keyval(proto, port);
	size_t		 cap;

	slot = dindex_find(&t->idx, hash_mix64(key), svc_eq, t->v, &key);
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
		t->cap = cap;
	}
	if (dindex_reserve(&t->idx, t->n + 1, svc_hash, t->v) == -1)
		return NULL;
	slot = dindex_find(&t->idx, hash_mix64(key), svc_eq, t->v, &key);
	v = &t->v[t->n];
	memset(v, 0, sizeof(*v));
	v->proto = proto;
	v->port = port;
	*slot = t->n + 1;
	*ret_index = t->n;
	t->n++;
	return v;
}

void
svc_end_flow(struct svc *s, uint64_t life_ms)
{
	lhist_add(&s->life, life_ms);
	if (life_ms < 60000)
		s->under_1m++;
	if (life_ms < 180000)
		s->under_3m++;
	if (life_ms > s->max_ms)
		s->max_ms = life_ms;
}
