/*
 * The event queue: one binary min-heap holds every future event (session
 * changes, page loads, flow starts, DESTROYs, NTP, pings, background
 * reconnects, reboots, injector and telemetry events), ordered by time and
 * then by insertion, so lines come out in timestamp order and ties keep
 * the order in which they were scheduled.
 */

#include <stdlib.h>

#include "gen.h"

static inline bool
ev_before(const struct ev *a, const struct ev *b)
{
	return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

static void
queue_push(struct queue *q, const struct ev *e)
{
	struct ev *nv;
	size_t i, parent;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 4096;
		nv = reallocarray(q->v, q->cap, sizeof(*q->v));
		if (nv == NULL)
			fatalx("out of memory");
		q->v = nv;
	}
	i = q->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!ev_before(e, &q->v[parent]))
			break;
		q->v[i] = q->v[parent];
		i = parent;
	}
	q->v[i] = *e;
}

bool
queue_pop(struct queue *q, struct ev *ret_ev)
{
	struct ev last;
	size_t i, c;

	if (q->n == 0)
		return false;
	*ret_ev = q->v[0];
	last = q->v[--q->n];
	i = 0;
	for (;;) {
		c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && ev_before(&q->v[c + 1], &q->v[c]))
			c++;
		if (!ev_before(&q->v[c], &last))
			break;
		q->v[i] = q->v[c];
		i = c;
	}
	if (q->n > 0)
		q->v[i] = last;
	return true;
}

/* schedule an event of `type` for host at t_us */
void
queue_at(struct gen *g, uint64_t t_us, enum ev_type type, uint32_t host,
    uint32_t aux, struct flow *f)
{
	struct ev e;

	e.t_us = t_us;
	e.seq = g->seq++;
	e.flow = f;
	e.host = host;
	e.aux = aux;
	e.type = (uint8_t)type;
	queue_push(&g->queue, &e);
}

void
queue_free(struct queue *q)
{
	free(q->v);
	q->v = NULL;
	q->n = q->cap = 0;
}
