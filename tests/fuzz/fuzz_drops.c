/*
 * NFLOG datagrams (drops.c): the packets the ruleset drops, through
 * drops_input as the daemon's socket reads them, counted into a
 * quarantine that holds the addresses the seeds use (10.0.0.66,
 * fd00::66), then the quarantine's report with the samples taken.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define T0	1795000000000ULL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quar_conf	 qc;
	static const char *const held[] = { "10.0.0.66", "fd00::66" };
	struct drops_stats	 st;
	struct quar		*q;
	struct drops		*dr;
	struct addr		 a;
	char			 note[160];
	void			*buf;
	size_t			 i;

	if (qc.timeout_s == 0) {
		qc.enabled = true;
		qc.timeout_s = 3600;
		qc.escalation = 4;
		qc.max_timeout_s = 86400;
		qc.forget_s = 86400;
		qc.per_hour = 10;
		qc.max_hosts = 10;
	}
	if ((q = quar_new(&qc)) == NULL || (dr = drops_new(q)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		if (addr_parse(held[i], strlen(held[i]), &a) == -1)
			fuzz_fail(__FILE__, __LINE__, held[i]);
		quar_add(q, &a, 3600, T0, note, sizeof(note));
	}
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
