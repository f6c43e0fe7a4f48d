/*
 * Devices, live: the MAC behind each client address, from the kernel's
 * neighbour table (rtnetlink RTM_NEWNEIGH, ports.md section 8).  With
 * identity.mode "mac" the IPv6 addresses of one MAC (its temporary ones,
 * RFC 8981: a new one a day or more often) are one device: the first is
 * its host, and the core counts the others in it from their next flow
 * (core_alias_set).  A MAC that fronts two IPv4 addresses or more at once
 * is a router downstream, not a device: its addresses stay apart.
 *
 * Bounded: DEV_MACS MACs, the least recently seen gives way.  The
 * neighbour table's events are few (a client's state changes every
 * half minute or so); nothing here runs per conntrack event.
 */
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "log.h"

#define DEV_MACS	4096
#define DEV_V4		4	/* IPv4 addresses remembered a MAC */
#define DEV_V4_MS	600000	/* ... as present for 10 min */

struct dev_mac {
	uint8_t		mac[6];
	bool		used;
	bool		router;		/* fronts several IPv4 addresses */
	uint32_t	hi, gen;	/* its device host, gen + 1; 0: none */
	uint64_t	last_ms;
	struct {
		uint8_t		a[4];
		uint64_t	ms;
	}		v4[DEV_V4];
};

struct devices {
	struct core	*core;
	struct dev_mac	*v;
	uint64_t	 routers;	/* MACs found to be routers */
};

struct devices *
devices_new(struct core *core)
{
	struct devices	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->v = calloc(DEV_MACS, sizeof(*d->v))) == NULL) {
		free(d);
		return NULL;
	}
	d->core = core;
	return d;
}

void
devices_free(struct devices *d)
{
	if (d == NULL)
		return;
	free(d->v);
	free(d);
}

/* The entry of mac, made (in place of the least recently seen) when new. */
static struct dev_mac *
dev_find(struct devices *d, const uint8_t *mac, bool make)
{
	struct dev_mac	*m, *old = NULL;
	size_t		 i;

	for (i = 0; i < DEV_MACS; i++) {
		m = &d->v[i];
		if (m->used && memcmp(m->mac, mac, 6) == 0)
			return m;
		if (old == NULL || !m->used || (old->used &&
		    m->last_ms < old->last_ms))
			old = m;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	memcpy(old->mac, mac, 6);
	old->used = true;
	return old;
}

/* Whether m's device host is still the one it was. */
static bool
dev_host(const struct devices *d, const struct dev_mac *m)
{
	const struct hosttab *t = &d->core->hosts;

	return m->gen != 0 && m->hi < t->n && t->v[m->hi].gen + 1 == m->gen &&
	    !addr_is_v4(&t->v[m->hi].addr);
}

/* An IPv4 address seen behind m: two at once make it a router. */
static void
dev_v4(struct devices *d, struct dev_mac *m, const struct addr *a,
    uint64_t now)
{
	size_t	i, old = 0, present = 0;

	for (i = 0; i < DEV_V4; i++) {
		if (memcmp(m->v4[i].a, a->b + 12, 4) == 0) {
			m->v4[i].ms = now;
			return;
		}
		if (m->v4[i].ms < m->v4[old].ms)
			old = i;
	}
	memcpy(m->v4[old].a, a->b + 12, 4);
	m->v4[old].ms = now;
	for (i = 0; i < DEV_V4; i++)
		if (m->v4[i].ms != 0 && now - m->v4[i].ms < DEV_V4_MS)
			present++;
	if (present >= 2 && !m->router) {
		m->router = true;
		d->routers++;
		m->gen = 0;	/* its IPv6 addresses are no device */
	}
}

/*
 * The neighbour table says address a is at mac (identity.mode "mac"):
 * an IPv6 address of a device whose host is known is counted in it.
 * Returns that host when a is new to the device (the caller extends a
 * block of the device to it), UINT32_MAX otherwise.
 */
uint32_t
devices_neigh(struct devices *d, const struct addr *a, const uint8_t *mac,
    uint64_t now)
{
	struct core	*c = d->core;
	struct dev_mac	*m;
	uint32_t	 hi, dev;

	if ((m = dev_find(d, mac, true)) == NULL)
		return UINT32_MAX;
	m->last_ms = now;
	if (addr_is_v4(a)) {
		dev_v4(d, m, a, now);
		return UINT32_MAX;
	}
	if (m->router || ((a->b[0] & 0xe0) != 0x20 &&
	    (a->b[0] & 0xfe) != 0xfc))
		return UINT32_MAX;	/* a router's, or not global or ULA */
	if (dev_host(d, m)) {
		dev = m->hi;
		if (hosttab_find(&c->hosts, a, &hi) != NULL && hi == dev)
			return UINT32_MAX;	/* the device's first address */
		if (core_alias_of(c, a, &hi) && hi == dev)
			return UINT32_MAX;
		return core_alias_set(c, a, dev) == 0 ? dev : UINT32_MAX;
	}
	/* the first address of the MAC with a host is the device's */
	if (hosttab_find(&c->hosts, a, &hi) != NULL ||
	    core_alias_of(c, a, &hi)) {
		m->hi = hi;
		m->gen = c->hosts.v[hi].gen + 1;
	}
	return UINT32_MAX;
}

/* The MAC of the device host hi is, when it is one; false otherwise. */
bool
devices_mac_of(const struct devices *d, uint32_t hi, uint8_t *ret)
{
	size_t	i;

	for (i = 0; d != NULL && i < DEV_MACS; i++)
		if (d->v[i].used && d->v[i].hi == hi && dev_host(d, &d->v[i])) {
			memcpy(ret, d->v[i].mac, 6);
			return true;
		}
	return false;
}

uint64_t
devices_routers(const struct devices *d)
{
	return d != NULL ? d->routers : 0;
}
