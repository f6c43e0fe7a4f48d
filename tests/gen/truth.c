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
 * One -G row: host (an address, a PREFIX/LEN, "*", "ipv4" or "ipv6"),
 * kind, start and end in epoch seconds (the end rounded up, cut at the
 * end of the capture, never before the start), expected detectors.
 */
void
truth_row(const struct gen *g, FILE *fp, const char *host,
    const char *kind, uint64_t start_us, uint64_t end_us,
    const char *expected)
{
	if (end_us > g->end_us)
		end_us = g->end_us;
	if (end_us < start_us)
		end_us = start_us;
	fprintf(fp, "%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n", host, kind,
	    (uint64_t)(g->o.start_epoch + start_us / US_PER_S),
	    (uint64_t)(g->o.start_epoch + (end_us + US_PER_S - 1) /
	    US_PER_S), expected);
}

/*
 * The scenario's ground truth (-G), in command-line order: per injected
 * anomaly, its host, start and last activity; per look-alike host, the
 * host from its start to the end of the capture; a kind with rows of its
 * own (outages, addresses that change, a /64) writes them itself.
 */
void
truth_write_scenario(const struct gen *g, const char *path)
{
	const struct xkind_info *xi;
	const struct inj *x;
	FILE *fp;
	uint32_t i;

	if ((fp = fopen(path, "w")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	for (i = 0; i < g->ninj; i++) {
		x = &g->inj[i];
		xi = &scenario_kinds[x->kind];
		if (xi->truth != NULL)
			xi->truth(g, x, fp);
		else if (xi->flags & XF_BENIGN)
			truth_row(g, fp, g->hosts[x->host].addr, xi->name,
			    x->start_us, g->end_us, xi->expected);
		else
			truth_row(g, fp, g->hosts[x->host].addr, xi->name,
			    x->start_us, x->last_us, xi->expected);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		fatalx("%s: write error", path);
}
