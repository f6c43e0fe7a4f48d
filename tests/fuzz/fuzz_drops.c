/*
 * NFLOG datagrams (drops.c): the packets the ruleset drops, through
 * drops_input as the daemon's socket reads them, counted into a
 * quarantine that holds the addresses the seeds use (10.0.0.66,
 * fd00::66), then the quarantine's report with the samples taken.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "nlmsg.h"

#define T0	1795000000000ULL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drops_stats	 st;
	struct quar		*q;
	struct drops		*dr;
	void			*buf;

	if ((q = nlmsg_drops_quar(T0)) == NULL || (dr = drops_new(q)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	/* a datagram as recv() leaves it: aligned, and no byte more */
	buf = fuzz_copy(data, size);
	drops_input(dr, buf, size);
	drops_get_stats(dr, &st);
	quar_report_json(fuzz_null(), q, T0);
	quar_report_text(fuzz_null(), q, T0);
	free(buf);
	drops_close(dr);
	quar_free(q);
	return 0;
}
