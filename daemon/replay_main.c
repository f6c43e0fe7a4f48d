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
	struct core		*core;
	struct detect		*detect = NULL;
	const char		*name;
	char			 err[512];
	FILE			*flp, *afp;
	int			 fd, rv;

	if ((core = core_new(&conf->core)) == NULL)
		fatal("core");
	flp = NULL;
	if (o->flow_log != NULL) {
		if ((flp = fopen(o->flow_log, "we")) == NULL)
			fatal("%s", o->flow_log);
		core->on_end = report_flow_hook;
		core->on_end_arg = flp;
	}
	afp = replay_open_out(o->alerts);
	if (afp != NULL || o->load_state != NULL || o->save_state != NULL) {
		if ((detect = detect_new(core, &conf->detect,
		    afp != NULL ? alert_hook : NULL, afp)) == NULL)
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
		/* a configuration file's report.format, unless --report */
		if (o->json == 1 || (o->json == -1 && conf->report_json &&
		    conf->path != NULL))
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
	replay_close_out(afp, o->alerts);
	detect_free(detect);
	core_free(core);
	return rv == 0 ? 0 : 1;
}
