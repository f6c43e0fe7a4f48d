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

/*
 * A service to evict for a new one, by a clock hand over the table: among
 * the next probe services that hold no open flow, best one idle at least
 * idle_ms that has seen fewer than learned flows (not known yet),
 * then one idle that long, then one not known.  -1 when there is none.
 */
int64_t
svctab_victim(struct svctab *t, uint64_t now_ms, uint64_t idle_ms,
    uint32_t learned, size_t probe)
{
	int64_t		 idle_known = -1, busy = -1;
	size_t		 i;
	bool		 idle;

	for (; probe > 0 && t->n > 0; probe--) {
		i = t->hand++ % t->n;
		const struct svc *s = &t->v[i];

		if (s->open != 0)
			continue;
		idle = now_ms >= s->last_ms && now_ms - s->last_ms >= idle_ms;
		if (idle && s->flows < learned)
			return (int64_t)i;
		if (idle && idle_known < 0)
			idle_known = (int64_t)i;
		if (!idle && s->flows < learned && busy < 0)
			busy = (int64_t)i;
	}
	return idle_known >= 0 ? idle_known : busy;
}

/* Reuse service i's slot (the caller evicted it) for proto and port. */
struct svc *
svctab_replace(struct svctab *t, uint32_t i, uint8_t proto, uint16_t port)
{
	struct svc	*v = &t->v[i];
	uint32_t	*slot, key = svc_keyval(v->proto, v->port);

	slot = dindex_find(&t->idx, hash_mix64(key), svc_eq, t->v, &key);
	if (*slot == i + 1)
		dindex_remove(&t->idx, slot, svc_hash, t->v);
	memset(v, 0, sizeof(*v));
	v->proto = proto;
	v->port = port;
	key = svc_keyval(proto, port);
	slot = dindex_find(&t->idx, hash_mix64(key), svc_eq, t->v, &key);
	*slot = i + 1;
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
