/*
 * benchctl - what ephemctl's commands and metrics.file cost the daemon on
 * a large gateway: a core, detectors and quarantine filled with H hosts of
 * F flows each (half of them ended), then each command run through the
 * control socket's handler, timed, its response measured.  No kernel.
 *
 *	benchctl [HOSTS [FLOWS]]	defaults 4096 and 64
 *
 * Prints one line per command: milliseconds (median of 5 runs) and the
 * response's size.  The daemon serves a command between two batches of
 * events, so this time is how long event intake waits.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"
#include "testutil.h"
#include "daemon.h"

#define RUNS	5

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
event(struct core *c, uint8_t type, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, uint64_t ts)
{
	struct flow_event	ev = t_ev(type, IPPROTO_TCP, src, sport, dst,
				    dport, type == EV_DESTROY ? EVF_ASSURED : 0,
				    ts);

	core_event(c, &ev);
}

/* Run one command RUNS times; print its median time and response size. */
static void
run(struct daemon *d, const char *line, bool json)
{
	char	 buf[256], *argv[CTL_FIELDS], *text;
	double	 t[RUNS], t0;
	size_t	 len = 0;
	FILE	*fp;
	int	 argc = 0, i, code = 0;
	const struct ctl_peer root = { 0, 0, 0, true };

	for (i = 0; i < RUNS; i++) {
		snprintf(buf, sizeof(buf), "%s", line);
		argc = 0;
		for (char *p = strtok(buf, " "); p != NULL && argc < CTL_FIELDS;
		    p = strtok(NULL, " "))
			argv[argc++] = p;
		text = NULL;
		if ((fp = open_memstream(&text, &len)) == NULL)
			exit(1);
		t0 = now_ms();
		code = control_command(d, &root, argc, argv, json, fp);
		fclose(fp);
		t[i] = now_ms() - t0;
		free(text);
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("%-6s %-32s %9.2f ms %9.1f KiB  code %d\n", json ? "json" :
	    "text", line, t[RUNS / 2], len / 1024.0, code);
}

int
main(int argc, char **argv)
{
	struct daemon	 d;
	struct metrics_src m;
	struct ct_stats	 ls;
	uint32_t	 hosts = argc > 1 ? (uint32_t)atoi(argv[1]) : 4096;
	uint32_t	 flows = argc > 2 ? (uint32_t)atoi(argv[2]) : 64;
	uint64_t	 t = 1795000000000ULL;
	uint32_t	 h, f;
	char		 cmd[64], err[256], path[] = "/tmp/benchctl.XXXXXX";
	double		 t0;

	memset(&d, 0, sizeof(d));
	if ((d.conf = conf_new()) == NULL ||
	    (d.core = core_new(&d.conf->core)) == NULL ||
	    (d.detect = detect_new(d.core, &d.conf->detect, NULL, NULL)) ==
	    NULL || (d.quar = quar_new(&d.conf->quar)) == NULL) {
		perror("benchctl");
		return 1;
	}
	d.conf->metrics_per_host = true;
	d.started_ms = t;
	for (f = 0; f < flows; f++)
		for (h = 0; h < hosts; h++) {
			uint32_t src = 0x0a000000u | (h + 1);
			uint16_t sport = (uint16_t)(32768 + f * 7 + h % 5);

			event(d.core, EV_NEW, src, sport, 0xc0000200u | (f % 50),
			    (uint16_t)(443 + f % 40), t);
			if (f % 2 == 1)
				event(d.core, EV_DESTROY, src, sport,
				    0xc0000200u | (f % 50),
				    (uint16_t)(443 + f % 40), t + 900);
			t += 1;
		}
	detect_tick(d.detect, d.core->now_ms);
	printf("benchctl: %u hosts, %u flows each (%zu open), %zu services\n",
	    hosts, flows, d.core->flows.n, d.core->svcs.n);
	run(&d, "status", false);
	run(&d, "hosts", false);
	run(&d, "hosts", true);
	run(&d, "hosts --sort held --limit 20", false);
	snprintf(cmd, sizeof(cmd), "host 10.0.0.%u", hosts > 200 ? 200 : 1);
	run(&d, cmd, false);
	run(&d, cmd, true);
	run(&d, "services", true);
	run(&d, "alerts", true);
	run(&d, "stats", true);
	run(&d, "metrics", false);
	d.conf->metrics_per_host = false;
	run(&d, "metrics", false);
	/* metrics.file, per-host series on */
	m.per_host = true;
	if (mkstemp(path) == -1) {
		perror(path);
		return 1;
	}
	daemon_metrics_src(&d, &m, &ls);
	m.per_host = true;
	t0 = now_ms();
	if (metrics_file(path, &m, err, sizeof(err)) == -1) {
		fprintf(stderr, "benchctl: %s\n", err);
		return 1;
	}
	printf("%-6s %-32s %9.2f ms\n", "file", "metrics.file (per_host)",
	    now_ms() - t0);
	remove(path);
	quar_free(d.quar);
	detect_free(d.detect);
	core_free(d.core);
	conf_free(d.conf);
	return 0;
}
