/*
 * The state file (state.c, record.c): state_load on the input into a
 * fresh core and detectors, as at start or "ephemd --replay
 * --load-state"; then the loaded hosts are seen again, so that the
 * detectors judge on the baselines the file gave them; then the state
 * is saved and must load back as the same: save(load(save)) is save.
 * The input's first byte chooses raw bytes or lines checksummed by the
 * harness (fuzz_record_file).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Every host the file gave, back with a burst of connects. */
static void
visit(struct core *core, struct detect *det, uint64_t t)
{
	struct flow_event	 ev;
	size_t			 i, n = core->hosts.n;
	uint16_t		 k;

	for (k = 0; k < 24; k++) {
		for (i = 0; i < n; i++) {
			const struct host *h = &core->hosts.v[i];

			if (h->hflags & HF_PREFIX)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.type = EV_NEW;
			ev.proto = k % 4 ? IPPROTO_TCP : IPPROTO_UDP;
			ev.flags = EVF_PORTS | EVF_UNREPLIED;
			ev.state = ev.proto == IPPROTO_TCP ? CTS_SYN_SENT : 0;
			ev.src = h->addr;
			ev.dst = h->addr;
			ev.dst.b[15] ^= 0x55;
			ev.sport = (uint16_t)(1000 + 7919 * k);
			ev.dport = (uint16_t)(k % 3 ? 443 : 1 + k);
			ev.nat_port = ev.sport;
			ev.nat_addr = ev.dst;
			ev.ts_ms = t;
			core_event(core, &ev);
		}
		t += 5000;
		detect_tick(det, t);
	}
}

/* Load path into a new core and detectors. */
static void
load(const struct conf *conf, const char *path, struct core **ret_core,
    struct detect **ret_det)
{
	if ((*ret_core = core_new(&conf->core)) == NULL ||
	    (*ret_det = detect_new(*ret_core, &conf->detect, alert_hook,
	    fuzz_null())) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	(void)state_load(*ret_det, path, fuzz_null());
}

static char *
save(struct detect *det, const char *path, uint64_t t, size_t *ret_len)
{
	char	err[512];

	return fuzz_saved(state_save(det, path, t, err, sizeof(err)), err, path,
	    ret_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	*conf;
	static char		 path[128];
	struct core		*core, *core2;
	struct detect		*det, *det2;
	char			*s1, *s2;
	size_t			 l1, l2;
	int			 fd;
	const uint64_t		 t = 1795000000000ULL;

	if (conf == NULL) {
		conf = fuzz_conf();
		snprintf(path, sizeof(path), "%s/state", fuzz_dir());
	}
	if ((fd = fuzz_record_file(data, size)) == -1)
		return 0;
	load(conf, fuzz_fd_path(fd), &core, &det);
	close(fd);

	/* what was loaded saves, and loads back as itself */
	s1 = save(det, path, t, &l1);
	load(conf, path, &core2, &det2);
	s2 = save(det2, path, t, &l2);
	fuzz_same_saves("state", s1, l1, s2, l2);
	detect_free(det2);
	core_free(core2);

	visit(core, det, t);
	core_finish(core);
	detect_free(det);
	core_free(core);
	return 0;
}
