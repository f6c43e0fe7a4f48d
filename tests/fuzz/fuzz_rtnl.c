/*
 * Rtnetlink datagrams (rtnl.c): interfaces, addresses, default routes
 * and neighbours, through rtnl_input as the daemon's event socket reads
 * them, into the tables, the internal prefixes and the core; every
 * message also through the parser of its type, checked.  The input is
 * a sequence of datagrams, each a 16-bit length (host order) and its
 * bytes, so that state built by one (a link, its address) meets the next
 * (the link going away).
 */
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"

static size_t	neighbours;

static void
neigh(void *arg, const struct rtnl_neigh *n)
{
	fuzz_assert(n->ifindex > 0 && n->has_mac && !n->del);
	neighbours++;
}

static int
msg(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_link	l;
	struct rtnl_addr	a;
	struct rtnl_route	rt;
	struct rtnl_neigh	ne;
	int			k;

	if ((k = rtnl_parse_link(nlh, &l)) == 1)
		fuzz_assert(l.ifindex > 0 && memchr(l.name, '\0',
		    sizeof(l.name)) != NULL);
	fuzz_assert(k >= -1 && k <= 1);
	if ((k = rtnl_parse_addr(nlh, &a)) == 1)
		fuzz_assert(a.ifindex > 0 && a.net.plen <= 128 &&
		    net_contains(&a.net, &a.local));
	fuzz_assert(k >= -1 && k <= 1);
	if ((k = rtnl_parse_route(nlh, &rt)) == 1)
		fuzz_assert(rt.noif > 0 && rt.noif <= RTNL_NEXTHOPS);
	fuzz_assert(k >= -1 && k <= 1);
	if ((k = rtnl_parse_neigh(nlh, &ne)) == 1)
		fuzz_assert(ne.ifindex > 0);
	fuzz_assert(k >= -1 && k <= 1);
	return MNL_CB_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf		*conf;
	const struct rtnl_prefix	*pfx;
	struct netlist			 filter = { NULL, 0 };
	struct rtnl_stats		 st;
	struct core			*core;
	struct rtnl			*r;
	size_t				 n, i;
	uint16_t			 len;
	void				*buf;

	if (conf == NULL)
		conf = fuzz_conf();
	if ((core = core_new(&conf->core)) == NULL ||
	    (r = rtnl_new(conf, core)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	rtnl_on_neigh(r, neigh, NULL);
	while (size >= 2) {
		memcpy(&len, data, 2);
		data += 2;
		size -= 2;
		if (len > size)
			len = (uint16_t)size;
		/* a datagram as recv() leaves it: aligned, and no byte more */
		buf = fuzz_copy(data, len);
		/* each message alone, where rtnl_input() walks it */
		if (nl_datagram_ok(buf, len))
			(void)mnl_cb_run(buf, len, 0, 0, msg, NULL);
		memcpy(buf, data, len);
		rtnl_input(r, buf, len);
		free(buf);
		data += len;
		size -= len;
	}
	n = rtnl_prefixes(r, &pfx);
	for (i = 0; i < n; i++)
		fuzz_assert(pfx[i].net.plen <= 128 &&
		    memchr(pfx[i].source, '\0', sizeof(pfx[i].source)));
	if (rtnl_filter(r, &filter) == -1)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	netlist_clear(&filter);
	rtnl_get_stats(r, &st);
	fuzz_assert(st.links <= 1024 && st.addrs <= 4096);
	rtnl_close(r);
	core_free(core);
	return 0;
}
