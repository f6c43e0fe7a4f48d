/*
 * The pipeline core: one flow_event in, measurements updated.  Pure: no
 * I/O and no clock reads; time is the event's (the capture's in replay).
 */
#include <stdlib.h>
#include <string.h>

#include "ephemd.h"

void
core_conf_default(struct core_conf *c)
{
	memset(c, 0, sizeof(*c));
	timeouts_default(&c->timeouts);
	classify_default(&c->classify);
	c->max_flows = 1 << 20;
	c->max_hosts = 65536;
	c->max_services = 4096;
}

void
core_conf_free(struct core_conf *c)
{
	if (c == NULL)
		return;
	netlist_clear(&c->internal);
}

struct core *
core_new(const struct core_conf *conf)
{
	struct core	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conf = conf;
	if (flowtab_init(&c->flows, conf->max_flows) == -1 ||
	    hosttab_init(&c->hosts, conf->max_hosts) == -1 ||
	    svctab_init(&c->svcs, conf->max_services) == -1) {
		core_free(c);
		return NULL;
	}
	return c;
}

void
core_free(struct core *c)
{
	if (c == NULL)
		return;
	flowtab_free(&c->flows);
	hosttab_free(&c->hosts);
	svctab_free(&c->svcs);
	free(c);
}

/*
 * A client is the original-direction source of a flow that is inside the
 * internal networks or was source-NATed on the way out.
 */
bool
core_is_client(const struct core *c, const struct flow_event *ev)
{
	if (netlist_contains(&c->conf->internal, &ev->src))
		return true;
	return memcmp(ev->src.b, ev->nat_addr.b, 16) != 0;
}

static void
core_new_flow(struct core *c, const struct flow_event *ev, uint64_t now)
{
	struct flow	*f;
	struct host	*h;
	struct svc	*s;
	uint64_t	 key = flow_key(ev);
	uint32_t	 hi, si = 0;
	uint8_t		 fflags;

	if (!core_is_client(c, ev)) {
		c->cnt.non_client++;
		return;
	}
	if ((f = flow_lookup(&c->flows, key)) != NULL) {
		/* the DESTROY of the previous flow was lost: end it unseen */
		c->cnt.duplicate_new++;
		host_end_flow(&c->hosts.v[f->host], f, false, 0, now, false);
		flow_remove(&c->flows, f);
	}
	if (c->flows.n >= c->flows.max) {
		/* refuse before a host or service is created for it */
		c->cnt.flows_full++;
		return;
	}
	if ((h = hosttab_get(&c->hosts, &ev->src, now, &hi)) == NULL) {
		c->cnt.hosts_full++;
		return;
	}
	s = NULL;
	if (ev->flags & EVF_PORTS)
		s = svctab_get(&c->svcs, ev->proto, ev->dport, &si);
	if ((f = flow_insert(&c->flows, key)) == NULL) {
		c->cnt.flows_full++;	/* out of memory */
		return;
	}
	if (!(ev->flags & EVF_PORTS)) {
		c->cnt.portless++;
		fflags = FF_NO_SVC;
	} else if (s == NULL) {
		c->cnt.svcs_full++;
		fflags = FF_PORTS | FF_NO_SVC;
	} else {
		s->flows++;
		fflags = FF_PORTS;
	}
	f->start_ms = now;
	f->host = hi;
	f->svc = si;
	f->sport = ev->sport;
	f->proto = ev->proto;
	f->fflags = fflags;
	c->cnt.client_flows++;
	host_new_flow(h, ev, now);
}

static void
core_end_flow(struct core *c, const struct flow_event *ev, uint64_t now)
{
	struct flow	*f;
	uint64_t	 life = 0, final_ms;
	bool		 known;

	if ((f = flow_lookup(&c->flows, flow_key(ev))) == NULL) {
		if (core_is_client(c, ev))
			c->cnt.orphan_destroy++;
		return;
	}
	known = !(f->fflags & FF_START_UNKNOWN);
	if (known) {
		final_ms = (uint64_t)timeouts_final(&c->conf->timeouts, ev) *
		    1000;
		life = now - f->start_ms;
		life = life > final_ms ? life - final_ms : 0;
	}
	host_end_flow(&c->hosts.v[f->host], f, known, life, now,
	    (ev->flags & EVF_UNREPLIED) != 0);
	if (known && !(f->fflags & FF_NO_SVC))
		svc_end_flow(&c->svcs.v[f->svc], life);
	flow_remove(&c->flows, f);
}

void
core_event(struct core *c, const struct flow_event *ev)
{
	uint64_t	now = ev->ts_ms;

	if (!c->started) {
		c->started = true;
		c->first_ms = c->now_ms = now;
	}
	if (now < c->now_ms) {
		/* a clock step in the capture: keep time monotonic */
		c->cnt.time_backwards++;
		now = c->now_ms;
	}
	c->now_ms = now;
	c->cnt.events++;
	if (ev->type == EV_NEW) {
		c->cnt.new++;
		core_new_flow(c, ev, now);
	} else {
		c->cnt.destroy++;
		core_end_flow(c, ev, now);
	}
}

/*
 * Hint that ev will come soon: fetch its flow's slot into the cache.  A
 * replay prefetches a batch of events before handing them over, so that
 * the table's cache misses overlap instead of adding up.
 */
void
core_prefetch(const struct core *c, const struct flow_event *ev)
{
	__builtin_prefetch(&c->flows.slot[flow_key(ev) & c->flows.mask]);
	__builtin_prefetch(&c->hosts.idx.slot[addr_hash(&ev->src) &
	    c->hosts.idx.mask]);
}

/* End of input: close every host's open intervals at the last event. */
void
core_finish(struct core *c)
{
	size_t	i;

	if (c->finished)
		return;
	c->finished = true;
	for (i = 0; i < c->hosts.n; i++)
		host_finish(&c->hosts.v[i], c->now_ms);
}
