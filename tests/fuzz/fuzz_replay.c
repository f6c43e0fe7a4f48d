/*
 * Replay captures (replay.c): every line through replay_parse_line, its
 * result checked, then the whole input as "ephemd --replay --alerts"
 * runs it: the streaming reader, the core and the detectors on the
 * capture's clock, the reports at the end.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	    proto == IPPROTO_DCCP;
}

static void
line(const char *s, size_t len)
{
	struct flow_event	 ev;
	const char		*why = NULL;

	switch (replay_parse_line(s, len, &ev, &why)) {
	case PARSE_OK:
		fuzz_assert(ev.type == EV_NEW || ev.type == EV_DESTROY);
		fuzz_assert(ev.state < CTS_MAX);
		fuzz_assert(!!(ev.flags & EVF_PORTS) == has_ports(ev.proto));
		fuzz_assert(addr_is_v4(&ev.src) == addr_is_v4(&ev.dst));
		break;
	case PARSE_BAD:
		fuzz_assert(why != NULL && *why != '\0');
		break;
	case PARSE_IGNORED:
	case PARSE_NO_TIMESTAMP:
		break;
	default:
		fuzz_assert(!"a status replay_parse_line does not name");
	}
}

static void
tick(void *arg, uint64_t now_ms)
{
	detect_tick(arg, now_ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	*conf;
	struct replay_stats	 st;
	struct core		*core;
	struct detect		*det;
	const char		*p = (const char *)data, *end = p + size, *nl;
	int			 fd;

	if (conf == NULL)
		conf = fuzz_conf();
	/* each line in a buffer of its own size: overreads show */
	for (; p < end; p = nl + 1) {
		char	*copy;

		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		copy = fuzz_copy((const uint8_t *)p, nl - p);
		line(copy, nl - p);
		free(copy);
	}

	if ((core = core_new(&conf->core)) == NULL ||
	    (det = detect_new(core, &conf->detect, alert_hook,
	    fuzz_null())) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	fd = fuzz_memfd(data, size);
	/* max_jump_ms 0, as --max-jump 0: the clock may jump anywhere */
	memset(&st, 0, sizeof(st));
	if (replay_fd(fd, "fuzz", core, tick, det, &st) == 0) {
		fuzz_assert(st.lines == st.events + st.ignored + st.bad);
		core_finish(core);
		report_json(fuzz_null(), core, &st, NULL, NULL);
		report_text(fuzz_null(), core, &st, NULL, NULL);
	}
	close(fd);
	detect_free(det);
	core_free(core);
	return 0;
}
