/*
 * The replay mode, ephemd --replay: the live pipeline and detectors on a
 * recorded conntrack(8) capture, on the capture's clock, then the report
 * on stdout.  Alerts and ended flows go to files when asked; baselines can
 * come from a state file and go to one at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"
#include "log.h"

static void
replay_tick(void *arg, uint64_t now_ms)
{
	detect_tick(arg, now_ms);
}

/* The alerts of a replay: kept for the HTML report, written when asked. */
struct replay_alerts {
	FILE		*fp;		/* --alerts, or NULL */
	struct alert	*ring;		/* REPORT_ALERTS, or NULL */
	uint64_t	 n;
};

static void
replay_alert(void *arg, const struct alert *a)
{
	struct replay_alerts	*ra = arg;
	struct alert		*k;

	if (ra->fp != NULL)
		alert_hook(ra->fp, a);
	if (ra->ring == NULL)
		return;
	/* as alert_hook writes it: a replay blocks nobody */
	k = &ra->ring[ra->n++ % REPORT_ALERTS];
	*k = *a;
	if (k->action != ACT_LOG) {
		k->action = ACT_DRYRUN;
		snprintf(k->quarantine, sizeof(k->quarantine), "replay: "
		    "nothing is blocked");
	}
}

/* A file named on the command line, "-" for stdout; NULL when none. */
static FILE *
replay_open_out(const char *path)
{
	FILE	*fp;

	if (path == NULL)
		return NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	if ((fp = fopen(path, "we")) == NULL)
		fatal("%s", path);
	return fp;
}

static void
replay_close_out(FILE *fp, const char *path)
{
	if (fp != NULL && fp != stdout && fclose(fp) == EOF)
		fatal("%s", path);
}

/* Run the replay; conf stays the caller's.  Returns the exit status. */
int
replay_main(struct conf *conf, const struct replay_opts *o)
{
	struct replay_stats	 st;
	struct replay_alerts	 ra = { NULL, NULL, 0 };
	struct report_src	 src;
	struct core		*core;
	struct detect		*detect = NULL;
	const char		*name;
	char			 err[512];
	FILE			*flp;
	int			 fd, rv, format = o->format;

	/* a configuration file's report.format, unless --report */
	if (format == -1)
		format = conf->path != NULL ? conf->report_format : REPORT_TEXT;

	if ((core = core_new(&conf->core)) == NULL)
		fatal("core");
	flp = NULL;
	if (o->flow_log != NULL) {
		if ((flp = fopen(o->flow_log, "we")) == NULL)
			fatal("%s", o->flow_log);
		core->on_end = report_flow_hook;
		core->on_end_arg = flp;
	}
	ra.fp = replay_open_out(o->alerts);
	/* the HTML report draws the alerts: the detectors run for it */
	if (format == REPORT_HTML &&
	    (ra.ring = calloc(REPORT_ALERTS, sizeof(*ra.ring))) == NULL)
		fatal("alerts");
	if (ra.fp != NULL || ra.ring != NULL || o->load_state != NULL ||
	    o->save_state != NULL) {
		if ((detect = detect_new(core, &conf->detect,
		    ra.fp != NULL || ra.ring != NULL ? replay_alert : NULL,
		    &ra)) == NULL)
			fatal("detectors");
		if (o->load_state != NULL)
			state_load(detect, o->load_state, stderr);
	}
	if (strcmp(o->capture, "-") == 0) {
		fd = STDIN_FILENO;
		name = "(stdin)";
	} else if ((fd = open(o->capture, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("%s", o->capture);
	else
		name = o->capture;
	memset(&st, 0, sizeof(st));
	st.max_jump_ms = (uint64_t)o->max_jump_s * 1000;
	rv = replay_fd(fd, name, core, detect != NULL ? replay_tick : NULL,
	    detect, &st);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rv == 0) {
		if (st.bad > REPLAY_BAD_KEEP)
			log_warnx("%s: %llu bad lines in all, the first %d "
			    "shown", name, (unsigned long long)st.bad,
			    REPLAY_BAD_KEEP);
		core_finish(core);
		if (format == REPORT_HTML) {
			memset(&src, 0, sizeof(src));
			src.core = core;
			src.detect = detect;
			src.st = &st;
			src.alerts = ra.ring;
			src.alerts_cap = REPORT_ALERTS;
			src.alerts_n = ra.n;
			src.block_s = conf->quar.timeout_s;
			src.source = name;
			report_html(stdout, &src);
		} else if (format == REPORT_JSON)
			report_json(stdout, core, &st, NULL, NULL);
		else
			report_text(stdout, core, &st, NULL, NULL);
		if (fflush(stdout) == EOF || ferror(stdout))
			fatal("stdout");
		if (o->save_state != NULL && state_save(detect, o->save_state,
		    core->now_ms, err, sizeof(err)) == -1) {
			log_warnx("state not saved: %s", err);
			rv = -1;
		}
	}
	replay_close_out(flp, o->flow_log);
	replay_close_out(ra.fp, o->alerts);
	free(ra.ring);
	detect_free(detect);
	core_free(core);
	return rv == 0 ? 0 : 1;
}
