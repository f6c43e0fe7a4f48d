/*
 * The pipeline core: one flow_event in, measurements updated.  Pure: no
 * I/O and no clock reads; time is the event's (the capture's in replay).
 */
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>

#include "ephemd.h"

static int	p64_reserve(struct core *, size_t);

void
core_conf_default(struct core_conf *c)
{
	memset(c, 0, sizeof(*c));
	timeouts_default(&c->timeouts);
	host_classify_default(&c->classify);
	/*
	 * DESIGN 4: at most 128 MiB with every table full: 262144 flows (the
	 * kernel's largest default nf_conntrack_max) at 89 bytes, 16384
	 * hosts at 4 KiB, 4096 services; the tables evict what is idle.
	 */
	c->max_flows = 1 << 18;
	c->max_hosts = 16384;
	c->max_services = 4096;
	c->host_idle_s = 600;
	c->svc_idle_s = 600;
	c->per_prefix = 256;
	c->svc_known = 8;
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
	if (p64_reserve(c, conf->max_hosts) == -1 ||
	    core_set_internal(c, &conf->internal, NULL) == -1 ||
	    flowtab_init(&c->flows, conf->max_flows) == -1 ||
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
	netlist_clear(&c->internal);
	netlist_clear(&c->local);
	free(c->p64);
	free(c->alias);
	free(c);
}

/*
 * The client networks in force and the gateway's own addresses (never
 * clients): the configuration's in replay, the configuration's and the
 * LAN interfaces' live (rtnl.c).  Copied; 0, or -1 when out of memory
 * (nothing changed).
 */
int
core_set_internal(struct core *c, const struct netlist *internal,
    const struct netlist *local)
{
	struct netlist	ni = { NULL, 0 }, nl = { NULL, 0 };
	size_t		i;

	for (i = 0; internal != NULL && i < internal->n; i++)
		if (netlist_add(&ni, &internal->v[i]) == -1)
			goto fail;
	for (i = 0; local != NULL && i < local->n; i++)
		if (netlist_add(&nl, &local->v[i]) == -1)
			goto fail;
	netlist_clear(&c->internal);
	netlist_clear(&c->local);
	c->internal = ni;
	c->local = nl;
	return 0;
fail:
	netlist_clear(&ni);
	netlist_clear(&nl);
	return -1;
}

/* Link-local, multicast and unspecified sources are never clients. */
static bool
core_src_scoped(const struct addr *a)
{
	static const uint8_t	zero[16];

	if (addr_is_v4(a))
		return (a->b[12] == 169 && a->b[13] == 254) ||
		    a->b[12] >= 224 || a->b[12] == 0;
	return (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80) ||
	    a->b[0] == 0xff || memcmp(a->b, zero, 16) == 0;
}

/*
 * A client is the original-direction source of a flow that is inside the
 * internal networks or was source-NATed on the way out; never the
 * gateway itself, and never a link-local or multicast address.
 */
bool
core_is_client(const struct core *c, const struct flow_event *ev)
{
	if (core_src_scoped(&ev->src) ||
	    (c->local.n > 0 && netlist_contains(&c->local, &ev->src)))
		return false;
	if (netlist_contains(&c->internal, &ev->src))
		return true;
	return memcmp(ev->src.b, ev->nat_addr.b, 16) != 0;
}

/* ev's flow key: computed once (core_prefetch may have done it). */
static uint64_t
core_key(const struct flow_event *ev)
{
	return ev->key != 0 ? ev->key : flow_key(ev);
}

/* Flow f leaves the table: its service holds one flow less. */
static void
core_svc_close(struct core *c, const struct flow *f)
{
	if (!(f->fflags & FF_NO_SVC) && f->svc < c->svcs.n &&
	    c->svcs.v[f->svc].open > 0)
		c->svcs.v[f->svc].open--;
}

/* A flow ends unseen: no DESTROY, no lifetime. */
static void
core_flow_drop(struct core *c, struct flow *f, uint64_t now)
{
	host_end_flow(&c->hosts.v[f->host], f, false, 0, now, false);
	sample_end(&c->hosts.v[f->host].sample, f, SO_GONE);
	core_svc_close(c, f);
	flow_remove(&c->flows, f);
}

/* The /64 of an IPv6 address, as a word; 0 for IPv4. */
static uint64_t
p64_key(const struct addr *a)
{
	uint64_t	k;

	if (addr_is_v4(a))
		return 0;
	memcpy(&k, a->b, 8);
	return k ? k : 1;
}

static size_t
p64_home(const struct core *c, uint64_t key)
{
	struct addr	a;

	memset(&a, 0, sizeof(a));
	memcpy(a.b, &key, 8);
	return hash_fast(&a, 0x7064) & (c->p64_cap - 1);
}

/*
 * The entry of a /64; make: an empty one for it when it has none.  The
 * table holds at most one entry a host and is at least twice the host
 * table's limit, so a probe always ends.
 */
static struct core_p64 *
p64_find(struct core *c, uint64_t key, bool make)
{
	size_t	i = p64_home(c, key);

	while (c->p64[i].prefix != 0) {
		if (c->p64[i].prefix == key)
			return &c->p64[i];
		i = (i + 1) & (c->p64_cap - 1);
	}
	if (!make)
		return NULL;
	c->p64[i].prefix = key;
	return &c->p64[i];
}

/* A /64 with no host left: its entry goes, keeping the probe runs whole. */
static void
p64_drop(struct core *c, struct core_p64 *e)
{
	size_t	i = (size_t)(e - c->p64), j = i, home;

	for (;;) {
		j = (j + 1) & (c->p64_cap - 1);
		if (c->p64[j].prefix == 0)
			break;
		home = p64_home(c, c->p64[j].prefix);
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			c->p64[i] = c->p64[j];
			i = j;
		}
	}
	memset(&c->p64[i], 0, sizeof(c->p64[i]));
}

/* Room in the /64 table for max hosts (grown on reload; 0 or -1). */
static int
p64_reserve(struct core *c, size_t max)
{
	struct core_p64	*old = c->p64, *n;
	size_t		 oldcap = c->p64_cap, cap = 64, i;

	while (cap < max * 2)
		cap *= 2;
	if (cap <= oldcap)
		return 0;
	if ((n = calloc(cap, sizeof(*n))) == NULL)
		return -1;
	c->p64 = n;
	c->p64_cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].prefix != 0)
			*p64_find(c, old[i].prefix, true) = old[i];
	free(old);
	return 0;
}

/* Host h of the table: its /64 counts it (or holds it, a /64's host). */
static void
p64_add(struct core *c, const struct host *h)
{
	struct core_p64	*e;
	uint64_t	 k = p64_key(&h->addr);

	if (k == 0 || (e = p64_find(c, k, true)) == NULL)
		return;
	if (h->hflags & HF_PREFIX) {
		e->aggregated = true;
		e->has_host = true;
	} else
		e->hosts++;
}

/*
 * Host hi's slot goes to another host: the detectors forget it, its /64
 * counts it no more.  A /64 whose last host went is forgotten with it:
 * its addresses are counted one by one again.
 */
static void
core_evict(struct core *c, uint32_t hi)
{
	struct host	*h = &c->hosts.v[hi];
	struct core_p64	*e;
	uint64_t	 k = p64_key(&h->addr);

	if (k != 0 && (e = p64_find(c, k, false)) != NULL) {
		if (h->hflags & HF_PREFIX)
			e->has_host = false;
		else if (e->hosts > 0)
			e->hosts--;
		if (e->hosts == 0 && !e->has_host)
			p64_drop(c, e);
	}
	if (c->obs_evict != NULL)
		c->obs_evict(c->obs_arg, CORE_T_HOSTS, hi);
	c->cnt.hosts_evicted++;
}

/*
 * A new host of address a (or a's /64, prefix): made in a free slot, or
 * in the slot of the least recently active host that holds no flow and
 * was idle limits.host_idle (one with no learned baseline first).  NULL
 * when there is none.
 */
static struct host *
core_host_make(struct core *c, const struct addr *a, bool prefix,
    uint64_t now, uint32_t *ret_hi)
{
	struct hosttab	*t = &c->hosts;
	struct host	*h;
	int64_t		 victim;

	if ((h = hosttab_get(t, a, now, ret_hi)) == NULL) {
		if (t->n < t->max ||	/* out of memory */
		    (victim = hosttab_victim(t, now,
		    c->conf->host_idle_s * 1000ULL, HOST_PROBE)) < 0)
			return NULL;
		*ret_hi = (uint32_t)victim;
		core_evict(c, *ret_hi);
		h = hosttab_replace(t, *ret_hi, a, now);
	}
	if (prefix)
		h->hflags |= HF_PREFIX;
	p64_add(c, h);
	return h;
}

/*
 * Host i is active: the most recent in the table's recency list, at most
 * once a second (moving it touches three other hosts' memory; eviction
 * wants minutes, not milliseconds).
 */
static inline void
core_touch(struct hosttab *t, struct host *h, uint32_t i, uint64_t now)
{
	if (now >= h->lru_ms + 1000 || now < h->lru_ms) {
		h->lru_ms = now;
		hosttab_touch(t, i);
	}
}

/* The bucket of an alias address. */
static struct core_alias *
alias_bucket(const struct core *c, const struct addr *a)
{
	return &c->alias[(addr_hash(a) & (c->alias_buckets - 1)) *
	    CORE_ALIAS_WAYS];
}

/* Whether an alias still points at the host it was made for. */
static bool
alias_valid(const struct core *c, const struct core_alias *x)
{
	return x->gen != 0 && x->hi < c->hosts.n &&
	    c->hosts.v[x->hi].gen + 1 == x->gen;
}

/*
 * Count IPv6 address a in host hi from its next flow on: one device's
 * addresses, told by the MAC behind them (the daemon's neighbour table).
 * The table is bounded (two entries a host); a full bucket loses its
 * oldest entry, which only means that address is counted alone again.
 * 0, or -1 when a is not IPv6, hi is not a host, or memory runs out.
 */
int
core_alias_set(struct core *c, const struct addr *a, uint32_t hi)
{
	struct core_alias	*b, *x, *slot = NULL;
	size_t			 i, n;

	if (addr_is_v4(a) || hi >= c->hosts.n)
		return -1;
	if (c->alias == NULL) {
		for (n = 16; n * CORE_ALIAS_WAYS < c->conf->max_hosts * 2;)
			n *= 2;
		if ((c->alias = calloc(n * CORE_ALIAS_WAYS,
		    sizeof(*c->alias))) == NULL)
			return -1;
		c->alias_buckets = n;
	}
	b = alias_bucket(c, a);
	for (i = 0; i < CORE_ALIAS_WAYS; i++) {
		x = &b[i];
		if (memcmp(x->addr.b, a->b, 16) == 0 && x->gen != 0) {
			slot = x;
			break;
		}
		if (slot == NULL && !alias_valid(c, x))
			slot = x;
	}
	if (slot == NULL) {		/* the oldest goes */
		memmove(&b[0], &b[1], (CORE_ALIAS_WAYS - 1) * sizeof(*b));
		slot = &b[CORE_ALIAS_WAYS - 1];
	}
	slot->addr = *a;
	slot->hi = hi;
	slot->gen = c->hosts.v[hi].gen + 1;
	c->naliases++;
	return 0;
}

/* The device host address a is counted in, when it is an alias. */
bool
core_alias_of(const struct core *c, const struct addr *a, uint32_t *ret_hi)
{
	const struct core_alias	*b;
	size_t			 i;

	if (c->naliases == 0 || addr_is_v4(a))
		return false;
	b = alias_bucket(c, a);
	for (i = 0; i < CORE_ALIAS_WAYS; i++)
		if (memcmp(b[i].addr.b, a->b, 16) == 0 && alias_valid(c,
		    &b[i])) {
			*ret_hi = b[i].hi;
			return true;
		}
	return false;
}

/* The addresses counted in host hi (at most n in v); their number. */
size_t
core_aliases(const struct core *c, uint32_t hi, struct addr *v, size_t n)
{
	size_t	i, k = 0;

	for (i = 0; c->naliases && i < c->alias_buckets * CORE_ALIAS_WAYS;
	    i++)
		if (c->alias[i].hi == hi && alias_valid(c, &c->alias[i])) {
			if (k < n)
				v[k] = c->alias[i].addr;
			k++;
		}
	return k;
}

/*
 * The host of a flow's source address, made when new.  An IPv6 address
 * whose /64 already has limits.hosts_per_prefix hosts (16 once the table
 * is 90 % full) is counted in its /64's host from then on: a client may
 * use every address of its /64, and neither a scanner that changes its
 * address every probe nor a flood of addresses may fill the table or
 * hide in it.  Addresses that had hosts keep them.
 */
static struct host *
core_host(struct core *c, const struct addr *src, uint64_t now,
    uint32_t *ret_hi)
{
	struct hosttab	*t = &c->hosts;
	struct host	*h;
	struct core_p64	*e;
	struct addr	 key;
	uint64_t	 pk;
	uint32_t	 limit;

	/* one device's other address (its MAC said so) */
	if (core_alias_of(c, src, ret_hi)) {
		h = &t->v[*ret_hi];
		core_touch(t, h, *ret_hi, now);
		c->cnt.aliased++;
		return h;
	}
	if ((h = hosttab_find(t, src, ret_hi)) != NULL) {
		core_touch(t, h, *ret_hi, now);
		return h;
	}
	if ((pk = p64_key(src)) == 0)
		return core_host_make(c, src, false, now, ret_hi);
	e = p64_find(c, pk, false);
	limit = c->conf->prefix64 ? 0 : t->n * 10 >= t->max * 9 &&
	    c->conf->per_prefix > 16 ? 16 : c->conf->per_prefix;
	if (limit > 0 && (e == NULL || (!e->aggregated && e->hosts < limit)))
		return core_host_make(c, src, false, now, ret_hi);
	if (e != NULL)
		e->aggregated = true;
	key = *src;
	memset(key.b + 8, 0, 8);
	c->cnt.aggregated++;
	if ((h = hosttab_find(t, &key, ret_hi)) != NULL) {
		core_touch(t, h, *ret_hi, now);
		return h;
	}
	return core_host_make(c, &key, true, now, ret_hi);
}

/*
 * A host of the state file, learned in an earlier run (prefix: a /64's
 * host).  NULL when the table is full.
 */
struct host *
core_host_load(struct core *c, const struct addr *a, bool prefix,
    uint64_t first_ms, uint32_t *ret_hi)
{
	struct host	*h;

	if (hosttab_find(&c->hosts, a, ret_hi) != NULL ||
	    (h = hosttab_get(&c->hosts, a, first_ms, ret_hi)) == NULL)
		return NULL;
	if (prefix)
		h->hflags |= HF_PREFIX;
	p64_add(c, h);
	return h;
}

/*
 * Room for a new flow of ev's host: NULL when a table is full (counted;
 * checked before the host is created, so a refusal leaves no trace).
 */
static struct flow *
core_flow_add(struct core *c, const struct flow_event *ev, uint64_t key,
    uint64_t now, struct host **ret_host)
{
	struct flow	*f;
	struct host	*h;
	uint32_t	 hi;

	if (c->flows.n >= c->flows.max) {
		c->cnt.flows_full++;
		return NULL;
	}
	if ((h = core_host(c, &ev->src, now, &hi)) == NULL) {
		c->cnt.hosts_full++;
		return NULL;
	}
	if ((f = flow_insert(&c->flows, key, ev)) == NULL) {
		c->cnt.flows_full++;	/* out of memory */
		return NULL;
	}
	f->start_ms = now;
	f->host = hi;
	f->ct_id = ev->ct_id;
	f->gen = c->dump_gen;
	*ret_host = h;
	return f;
}

/*
 * A flow from a global IPv6 source that is neither internal nor NATed:
 * maybe a client prefix nobody named (IPv6 is routed, not NATed).  The
 * /64s are counted in a small table of the busiest ("space saving": a new
 * one replaces the least counted and inherits its count, an overestimate
 * that the report's threshold absorbs).
 */
static void
core_note_v6(struct core *c, const struct flow_event *ev)
{
	struct core_v6seen	*e, *min = NULL;
	size_t			 i;

	if (addr_is_v4(&ev->src) || (ev->src.b[0] & 0xe0) != 0x20 ||
	    memcmp(ev->src.b, ev->nat_addr.b, 16) != 0)
		return;
	for (i = 0; i < c->nv6seen; i++) {
		e = &c->v6seen[i];
		if (memcmp(e->prefix.b, ev->src.b, 8) == 0) {
			e->flows++;
			return;
		}
		if (min == NULL || e->flows < min->flows)
			min = e;
	}
	if (c->nv6seen < CORE_V6SEEN) {
		e = &c->v6seen[c->nv6seen++];
		e->flows = 1;
	} else {
		e = min;
		e->flows++;
	}
	memset(e->prefix.b, 0, 16);
	memcpy(e->prefix.b, ev->src.b, 8);
}

/*
 * The service of a flow, made when new.  When the table is full, one that
 * holds no flow and was idle limits.service_idle gives up its slot (one
 * that has not ended enough flows to be known first): a scan of every
 * port fills the table with services of one flow each, and the service a
 * command channel then uses must still be followed.
 */
static struct svc *
core_svc(struct core *c, uint8_t proto, uint16_t port, uint64_t now,
    uint32_t *ret_si)
{
	struct svctab	*t = &c->svcs;
	struct svc	*s;
	int64_t		 victim;

	if ((s = svctab_get(t, proto, port, ret_si)) != NULL || t->n < t->max)
		return s;
	victim = svctab_victim(t, now, c->conf->svc_idle_s * 1000ULL,
	    c->conf->svc_known, SVC_PROBE);
	if (victim < 0)
		return NULL;
	*ret_si = (uint32_t)victim;
	if (c->obs_evict != NULL)
		c->obs_evict(c->obs_arg, CORE_T_SERVICES, *ret_si);
	c->cnt.svcs_evicted++;
	return svctab_replace(t, *ret_si, proto, port);
}

static void
core_new_flow(struct core *c, const struct flow_event *ev, uint64_t now)
{
	struct flow	*f;
	struct host	*h;
	struct svc	*s;
	uint64_t	 key = core_key(ev);
	uint32_t	 si;

	if (!core_is_client(c, ev)) {
		c->cnt.non_client++;
		core_note_v6(c, ev);
		return;
	}
	if ((f = flow_lookup(&c->flows, key, ev)) != NULL) {
		/*
		 * Known only from a dump that raced this NEW: replace it.
		 * Otherwise the DESTROY of the previous flow was lost.
		 */
		if (!(f->fflags & FF_START_UNKNOWN))
			c->cnt.duplicate_new++;
		core_flow_drop(c, f, now);
	}
	if ((f = core_flow_add(c, ev, key, now, &h)) == NULL)
		return;
	si = 0;
	if (!(ev->flags & EVF_PORTS)) {
		c->cnt.portless++;
		f->fflags = FF_NO_SVC;
	} else if ((s = core_svc(c, ev->proto, ev->dport, now, &si)) ==
	    NULL) {
		c->cnt.svcs_full++;
		f->fflags = FF_PORTS | FF_NO_SVC;
	} else {
		s->flows++;
		s->open++;
		s->last_ms = now;
		f->fflags = FF_PORTS;
	}
	f->svc = si;
	c->cnt.client_flows++;
	if (c->obs_before != NULL)	/* a baseline is taken before this */
		c->obs_before(c->obs_arg, ev, f);
	host_new_flow(h, ev, now);
	if (ev->flags & EVF_PORTS)
		f->sample = sample_add(&h->sample, ev, now);
	if (c->obs_new != NULL)
		c->obs_new(c->obs_arg, ev, f);
}

/*
 * An entry of a table dump (start-up, after a loss, and periodically):
 * mark the flow as present, or adopt one whose NEW was never seen.  Its
 * start is unknown, so it never enters the lifetime statistics.
 */
static void
core_dump_flow(struct core *c, const struct flow_event *ev, uint64_t now)
{
	struct flow	*f;
	struct host	*h;
	struct svc	*s;
	uint64_t	 key = core_key(ev);
	uint32_t	 si;

	if (!core_is_client(c, ev))
		return;
	if ((f = flow_lookup(&c->flows, key, ev)) != NULL) {
		if (f->ct_id == 0 || ev->ct_id == 0 || f->ct_id == ev->ct_id) {
			f->gen = c->dump_gen;
			return;
		}
		/* the same tuple, another conntrack entry: ours ended */
		c->cnt.expired++;
		core_flow_drop(c, f, now);
	}
	if ((f = core_flow_add(c, ev, key, now, &h)) == NULL)
		return;
	f->fflags = FF_START_UNKNOWN | FF_NO_SVC |
	    ((ev->flags & EVF_PORTS) ? FF_PORTS : 0);
	/*
	 * With nf_conntrack_timestamp=1 the kernel says when it began: its
	 * start is known, and long_lived judges it (a flow whose NEW was lost
	 * to a flood is no free pass).
	 */
	if (ev->kstart_ms != 0 && ev->kstart_ms <= now) {
		f->start_ms = ev->kstart_ms;
		f->fflags &= (uint8_t)~FF_START_UNKNOWN;
		c->cnt.adopted_started++;
		if ((f->fflags & FF_PORTS) &&
		    (s = core_svc(c, ev->proto, ev->dport, now, &si)) != NULL) {
			s->open++;
			f->svc = si;
			f->fflags &= (uint8_t)~FF_NO_SVC;
		}
	}
	c->cnt.adopted++;
	if (f->fflags & FF_PORTS)
		host_adopt_flow(h, now);
}

/* A dump starts: the entries that follow are EV_DUMP events. */
void
core_dump_begin(struct core *c, uint64_t now_ms)
{
	if (++c->dump_gen == 0)
		c->dump_gen = 1;	/* 0: flows no dump has listed yet */
	c->dump_start_ms = now_ms;
}

/*
 * The dump ended: a flow it did not list, and that existed before it
 * began, is gone without a DESTROY (lost, or created while nobody
 * listened with nf_conntrack_events=2).  End it without a lifetime.
 */
void
core_dump_end(struct core *c, uint64_t now_ms)
{
	struct flowtab	*t = &c->flows;
	struct flow	*f;
	size_t		 i;

	c->cnt.dumps++;
	/* flows this dump listed are known to be open, loss or not */
	if (c->ngaps == 0 || c->gaps[(c->ngaps - 1) % CORE_GAPS].to_ms <=
	    c->dump_start_ms)
		c->verified_gen = c->dump_gen;
	for (i = 0; i < t->nv; i++) {
		if ((f = flowtab_at(t, i)) == NULL || f->gen == c->dump_gen ||
		    f->start_ms >= c->dump_start_ms)
			continue;
		c->cnt.expired++;
		core_flow_drop(c, f, now_ms);
	}
}

/*
 * The kernel dropped n events between from_ms and to_ms: count them and
 * remember the window, so that nothing judges what it did not see.
 */
void
core_loss(struct core *c, uint64_t n, uint64_t from_ms, uint64_t to_ms)
{
	struct core_gap	*g;

	c->cnt.lost += n;
	c->cnt.incomplete++;
	g = &c->gaps[c->ngaps++ % CORE_GAPS];
	g->from_ms = from_ms;
	g->to_ms = to_ms;
}

/*
 * Whether a flow open since from_ms can be judged at to_ms: no event loss
 * in between, or a dump since the last loss listed it.
 */
bool
core_flow_complete(const struct core *c, const struct flow *f,
    uint64_t to_ms)
{
	return core_complete(c, f->start_ms, to_ms) ||
	    (c->verified_gen != 0 && f->gen == c->verified_gen);
}

/* Whether [from, to] overlaps no remembered incomplete window. */
bool
core_complete(const struct core *c, uint64_t from_ms, uint64_t to_ms)
{
	size_t	i, n = c->ngaps < CORE_GAPS ? c->ngaps : CORE_GAPS;

	for (i = 0; i < n; i++)
		if (c->gaps[i].from_ms <= to_ms && from_ms <= c->gaps[i].to_ms)
			return false;
	return true;
}

/* The flow got an answer: TCP established (assured), others replied. */
static bool
core_answered(const struct flow_event *ev)
{
	if (ev->proto == IPPROTO_TCP)
		return (ev->flags & EVF_ASSURED) != 0;
	return !(ev->flags & EVF_UNREPLIED);
}

static void
core_end_flow(struct core *c, const struct flow_event *ev, uint64_t now)
{
	struct flow	*f;
	uint64_t	 life = 0, final_ms;
	bool		 known;

	if ((f = flow_lookup(&c->flows, core_key(ev), ev)) == NULL) {
		if (core_is_client(c, ev))
			c->cnt.orphan_destroy++;
		return;
	}
	known = !(f->fflags & FF_START_UNKNOWN);
	if (known) {
		/*
		 * The kernel's start and stop when the event has them: the
		 * stop of an entry its garbage collector found late is the
		 * expiry, while the event arrives much later.  Otherwise the
		 * events' own times, not the core's monotonic clock.
		 */
		final_ms = (uint64_t)timeouts_final(&c->conf->timeouts, ev) *
		    1000;
		if (ev->kstart_ms != 0 && ev->kstop_ms >= ev->kstart_ms)
			life = ev->kstop_ms - ev->kstart_ms;
		else
			life = ev->ts_ms > f->start_ms ?
			    ev->ts_ms - f->start_ms : 0;
		life = life > final_ms ? life - final_ms : 0;
	}
	host_end_flow(&c->hosts.v[f->host], f, known, life, now,
	    (ev->flags & EVF_UNREPLIED) != 0);
	sample_end(&c->hosts.v[f->host].sample, f,
	    (ev->flags & EVF_UNREPLIED) ? SO_UNANSWERED : core_answered(ev) ?
	    SO_ANSWERED : SO_REFUSED);
	/*
	 * A service's lifetimes are those of flows it answered: a scanner's
	 * unanswered or refused SYNs would pull its p99 to 0 (ports.md 3.4:
	 * keep replied and unreplied apart).
	 */
	core_svc_close(c, f);
	if (known && !(f->fflags & FF_NO_SVC) && core_answered(ev))
		svc_end_flow(&c->svcs.v[f->svc], life);
	if (c->on_end != NULL)
		c->on_end(c->on_end_arg, ev, f->start_ms, life, known);
	if (c->obs_end != NULL)
		c->obs_end(c->obs_arg, ev, f, life, known);
	flow_remove(&c->flows, f);
}

/*
 * A reloaded configuration.  The networks, the classifier and the limits
 * apply at once (a lower limit stops growth; nothing is dropped).  The
 * conntrack timeouts are the running system's, read at start: they are
 * carried over into conf.
 */
void
core_reconfigure(struct core *c, struct core_conf *conf)
{
	conf->timeouts = c->conf->timeouts;
	c->conf = conf;
	(void)core_set_internal(c, &conf->internal, &c->local);
	c->flows.max = conf->max_flows;
	c->hosts.max = p64_reserve(c, conf->max_hosts) == 0 ?
	    conf->max_hosts : c->p64_cap / 2;
	c->svcs.max = conf->max_services;
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
	if (ev->type == EV_DUMP) {
		core_dump_flow(c, ev, now);
		return;
	}
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
 * Hint that ev will come soon: its key, kept in ev, and its flow's index
 * slot fetched into the cache.  A replay prefetches a batch of events
 * before handing them over, so that the table's cache misses overlap
 * instead of adding up.
 */
void
core_prefetch(const struct core *c, struct flow_event *ev)
{
	ev->key = flow_key(ev);
	__builtin_prefetch(&c->flows.slot[flow_home(&c->flows, ev->key)]);
}

/*
 * The second step, once the index slots of the batch had the time to
 * arrive: the record of ev's flow, if it has one, fetched in turn.
 */
void
core_prefetch_flow(const struct core *c, const struct flow_event *ev)
{
	flow_prefetch(&c->flows, ev->key);
}

/*
 * The third step: the host of a DESTROY's flow, whose record arrived in
 * turn (a NEW's host is found by its address, under the keyed hash).
 */
void
core_prefetch_host(const struct core *c, const struct flow_event *ev)
{
	const struct flow	*f;
	const struct host	*h;

	if (ev->type != EV_DESTROY ||
	    (f = flow_peek(&c->flows, ev->key)) == NULL ||
	    f->host >= c->hosts.n)
		return;
	h = &c->hosts.v[f->host];
	__builtin_prefetch(&h->last_ms, 1);
	__builtin_prefetch(&h->held_since_ms, 1);
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
