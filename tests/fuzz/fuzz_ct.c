/*
 * Conntrack messages from the kernel (ct.c): a datagram of ctnetlink
 * messages through libmnl's walk and ct_parse, as the daemon reads its
 * event and dump sockets, and every event into the core and the
 * detectors.  The first byte of the input chooses the socket: bit 0 set,
 * the messages are a table dump (EV_DUMP, reconciled at its end).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "fuzz.h"

#define T0	1795000000000ULL

struct run {
	struct core	*core;
	struct detect	*det;
	bool		 dump;
	uint64_t	 now_ms;
};

static int
msg(const struct nlmsghdr *nlh, void *arg)
{
	struct run		*r = arg;
	struct flow_event	 ev;
	int			 k;

	/* the clock moves between messages, as it does between reads */
	r->now_ms += 997;
	k = ct_parse(nlh, r->dump, r->now_ms, &ev);
	fuzz_assert(k >= -1 && k <= 1);
	if (k != 1)
		return MNL_CB_OK;
	fuzz_assert(ev.type == (r->dump ? EV_DUMP : EV_NEW) ||
	    ev.type == EV_DESTROY);
	fuzz_assert(ev.state < CTS_MAX && ev.ts_ms == r->now_ms);
	core_event(r->core, &ev);
	detect_tick(r->det, r->now_ms);
	return MNL_CB_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	*conf;
	struct run		 r;
	struct replay_stats	 st;
	void			*buf;

	if (size < 1)
		return 0;
	if (conf == NULL)
		conf = fuzz_conf();
	memset(&r, 0, sizeof(r));
	r.dump = data[0] & 1;
	r.now_ms = T0;
	if ((r.core = core_new(&conf->core)) == NULL ||
	    (r.det = detect_new(r.core, &conf->detect, alert_hook,
	    fuzz_null())) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	/* a datagram as recv() leaves it: aligned, and no byte more */
	buf = fuzz_copy(data + 1, size - 1);
	if (r.dump)
		core_dump_begin(r.core, r.now_ms);
	/* as ct_events_read() and ct_dump_read() walk a datagram */
	if (nl_datagram_ok(buf, size - 1))
		(void)mnl_cb_run(buf, size - 1, 0, 0, msg, &r);
	if (r.dump)
		core_dump_end(r.core, r.now_ms);
	core_finish(r.core);
	memset(&st, 0, sizeof(st));
	report_json(fuzz_null(), r.core, &st, NULL, NULL);
	free(buf);
	detect_free(r.det);
	core_free(r.core);
	return 0;
}
