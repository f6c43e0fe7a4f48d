/*
 * The ground-truth files: per host (-T, what the classifier should find)
 * and per scenario row (-G, what the detectors should report).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "gen.h"

void
truth_write(const struct gen *g, const char *path)
{
	const struct model_info *mi;
	const struct host *h;
	FILE *fp;
	uint32_t i;

	if ((fp = fopen(path, "w")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	for (i = 0; i < g->o.nhosts; i++) {
		h = &g->hosts[i];
		if (h->flows == 0)
			continue;
		mi = &stack_models[h->model];
		fprintf(fp, "%s\t%s\t%s\t%s\t%" PRIu64 "\n", h->addr,
		    mi->name, mi->range_family, mi->allocator, h->tcp_flows);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		fatalx("%s: write error", path);
}

/*
 * The scenario's ground truth (-G): per injected anomaly and per look-alike
 * host, "address kind start end expected", epoch seconds; a look-alike
 * spans the whole capture.
 */
void
truth_write_scenario(const struct gen *g, const char *path)
{
	const struct inj *x;
	uint64_t start_us, end_us;
	FILE *fp;
	uint32_t i;

	if ((fp = fopen(path, "w")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	for (i = 0; i < g->ninj; i++) {
		x = &g->inj[i];
		if (x->kind >= XK_FIRST_BENIGN) {
			start_us = 0;
			end_us = g->end_us;
		} else {
			start_us = x->start_us;
			end_us = x->last_us < g->end_us ? x->last_us :
			    g->end_us;
			if (end_us < start_us)
				end_us = start_us;
		}
		fprintf(fp, "%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
		    g->hosts[x->host].addr, scenario_kinds[x->kind].name,
		    (uint64_t)(g->o.start_epoch + start_us / US_PER_S),
		    (uint64_t)(g->o.start_epoch + (end_us + US_PER_S - 1) /
		    US_PER_S),
		    scenario_kinds[x->kind].expected);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		fatalx("%s: write error", path);
}
