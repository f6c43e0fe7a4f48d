/*
 * The live daemon's life: start-up (kernel timeouts, netlink, privilege
 * drop), one epoll loop, signals through a signalfd, reload that never
 * leaves a half-applied configuration, the report file, shutdown.
 *
 *	SIGTERM, SIGINT		clean shutdown (the report is written)
 *	SIGHUP			reload the configuration file
 *	SIGUSR1			counters to the log
 *	SIGUSR2			write the report file now
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ephemd.h"
#include "log.h"

struct daemon {
	struct conf	*conf;
	struct core	*core;
	struct loop	*loop;
	struct ct	*ct;
	int		 sigfd;
	struct timer	 reconcile;
	struct timer	 report;
	struct timer	 tick;		/* the detectors, each second */
	struct timer	 state;		/* state.file, every state.interval */
	bool		 state_failing;	/* the last save failed (logged) */
	FILE		*flow_log;
	FILE		*alerts;	/* alerts.file, JSON lines */
	struct detect	*detect;
};

/* An alert: one line to the log, one JSON line to alerts.file. */
static void
daemon_alert(void *arg, const struct alert *a)
{
	struct daemon	*d = arg;
	char		 line[512];

	alert_line(a, line, sizeof(line));
	log_warnx("%s", line);
	if (d->alerts != NULL) {
		alert_json(d->alerts, a);
		if (fflush(d->alerts) == EOF)
			log_warn("alerts.file %s", d->conf->alerts_file);
	}
}

static void
daemon_tick(void *arg)
{
	struct daemon	*d = arg;

	detect_tick(d->detect, wall_now_ms());
	timer_set(d->loop, &d->tick, 1000);
}

/* Log each line of a memstream's text. */
static void
log_lines(char *text, bool warn)
{
	char	*line, *save;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (warn)
			log_warnx("%s", line);
		else
			log_info("%s", line);
	}
}

/* The baselines from state.file, when there is one. */
static void
daemon_state_load(struct daemon *d)
{
	const char	*path = d->conf->state_file;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*mem;
	int		 n;

	if (path == NULL)
		return;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		log_info("state file %s does not exist yet: learning from "
		    "scratch", path);
		return;
	}
	if ((mem = open_memstream(&text, &len)) == NULL) {
		log_warn("state file %s", path);
		return;
	}
	n = state_load(d->detect, path, mem);
	fclose(mem);
	log_lines(text, n != 0);
	free(text);
}

/* Save the baselines; a failure is logged once until a save works. */
static void
daemon_state_save(struct daemon *d, bool at_exit)
{
	char	err[512];

	if (d->conf->state_file == NULL)
		return;
	if (state_save(d->detect, d->conf->state_file, wall_now_ms(), err,
	    sizeof(err)) == -1) {
		if (!d->state_failing || at_exit)
			log_warnx("state file not saved: %s", err);
		d->state_failing = true;
		return;
	}
	if (d->state_failing || at_exit)
		log_info("state file %s saved", d->conf->state_file);
	d->state_failing = false;
}

static void
daemon_state_tick(void *arg)
{
	struct daemon	*d = arg;

	daemon_state_save(d, false);
	timer_set(d->loop, &d->state, d->conf->state_interval_s * 1000ULL);
}

/* (Re)open alerts.file for appending; none when unset. */
static void
daemon_alerts_file(struct daemon *d)
{
	if (d->alerts != NULL) {
		fclose(d->alerts);
		d->alerts = NULL;
	}
	if (d->conf->alerts_file != NULL &&
	    (d->alerts = fopen(d->conf->alerts_file, "ae")) == NULL)
		log_warn("alerts.file %s", d->conf->alerts_file);
}

/* (Re)open report.flow_log for appending; none when unset. */
static void
daemon_flow_log(struct daemon *d)
{
	if (d->flow_log != NULL) {
		fclose(d->flow_log);
		d->flow_log = NULL;
	}
	d->core->on_end = NULL;
	if (d->conf->flow_log == NULL)
		return;
	if ((d->flow_log = fopen(d->conf->flow_log, "ae")) == NULL) {
		log_warn("report.flow_log %s", d->conf->flow_log);
		return;
	}
	d->core->on_end = report_flow_hook;
	d->core->on_end_arg = d->flow_log;
}

static void
daemon_counters(struct daemon *d)
{
	struct ct_stats	s;
	struct core	*c = d->core;

	ct_get_stats(d->ct, &s);
	log_info("counters: events %llu (NEW %llu, DESTROY %llu), lost %llu "
	    "(socket drops %llu, overruns %llu), flows %zu, hosts %zu, "
	    "services %zu, dumps %llu, adopted %llu, expired %llu, parse "
	    "errors %llu, table full %llu, receive buffer %d, alerts %llu "
	    "(held back by the cool-down %llu)",
	    (unsigned long long)c->cnt.events, (unsigned long long)c->cnt.new,
	    (unsigned long long)c->cnt.destroy, (unsigned long long)c->cnt.lost,
	    (unsigned long long)s.drops, (unsigned long long)s.overruns,
	    c->flows.n, c->hosts.n, c->svcs.n, (unsigned long long)c->cnt.dumps,
	    (unsigned long long)c->cnt.adopted,
	    (unsigned long long)c->cnt.expired,
	    (unsigned long long)s.parse_errors,
	    (unsigned long long)c->cnt.flows_full, s.rcvbuf,
	    (unsigned long long)d->detect->raised,
	    (unsigned long long)d->detect->suppressed);
}

/* Write the report atomically: a temporary file, fsync, rename. */
static void
daemon_report(struct daemon *d)
{
	struct replay_stats	 st;
	struct ct_stats		 ls;
	char			 tmp[4096];
	FILE			*fp;
	int			 fd;

	if (d->flow_log != NULL && fflush(d->flow_log) == EOF)
		log_warn("report.flow_log %s", d->conf->flow_log);
	if (d->conf->report_file == NULL)
		return;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX",
	    d->conf->report_file) >= sizeof(tmp)) {
		log_warnx("report.file %s: name too long", d->conf->report_file);
		return;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("report %s", tmp);
		return;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		log_warn("report %s", tmp);
		close(fd);
		unlink(tmp);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.events = d->core->cnt.events;
	st.first_ms = d->core->first_ms;
	st.last_ms = d->core->now_ms;
	ct_get_stats(d->ct, &ls);
	if (d->conf->report_json)
		report_json(fp, d->core, &st, &ls);
	else
		report_text(fp, d->core, &st, &ls);
	if (fflush(fp) == EOF || fsync(fd) == -1 || fchmod(fd, 0644) == -1) {
		log_warn("report %s", tmp);
		fclose(fp);
		unlink(tmp);
		return;
	}
	fclose(fp);
	if (rename(tmp, d->conf->report_file) == -1) {
		log_warn("report %s", d->conf->report_file);
		unlink(tmp);
	}
}

static void
daemon_report_tick(void *arg)
{
	struct daemon	*d = arg;

	daemon_report(d);
	if (d->conf->report_interval_s > 0)
		timer_set(d->loop, &d->report,
		    d->conf->report_interval_s * 1000ULL);
}

static void
daemon_reconcile(void *arg)
{
	struct daemon	*d = arg;

	ct_dump(d->ct);
	timer_set(d->loop, &d->reconcile, d->conf->reconcile_s * 1000ULL);
}

/*
 * Reload: parse into a new struct; on any error keep the old one whole.
 * The kernel's timeouts and the learned state carry over; a change of
 * user needs a restart (privileges are gone).
 */
static void
daemon_reload(struct daemon *d)
{
	struct conf	*nc = NULL;
	char		*errs = NULL;
	size_t		 errlen = 0;
	FILE		*mem;
	int		 rv;

	if ((mem = open_memstream(&errs, &errlen)) == NULL) {
		log_warn("reload");
		return;
	}
	rv = conf_load(d->conf->path, &nc, mem);
	fclose(mem);
	if (rv == -1) {
		log_warnx("config file %s has errors, not reloading",
		    d->conf->path);
		log_lines(errs, true);
		free(errs);
		return;
	}
	free(errs);
	nc->core.timeouts = d->conf->core.timeouts;
	if ((nc->user == NULL) != (d->conf->user == NULL) ||
	    (nc->user != NULL && strcmp(nc->user, d->conf->user) != 0))
		log_warnx("config file %s: a new user takes effect at the "
		    "next start", nc->path);
	d->core->conf = &nc->core;
	d->core->flows.max = nc->core.max_flows;
	d->core->hosts.max = nc->core.max_hosts;
	d->core->svcs.max = nc->core.max_services;
	conf_free(d->conf);
	d->conf = nc;
	ct_reconfigure(d->ct, nc);
	d->detect->conf = &nc->detect;
	daemon_flow_log(d);
	daemon_alerts_file(d);
	timer_set(d->loop, &d->reconcile, nc->reconcile_s * 1000ULL);
	timer_set(d->loop, &d->state, nc->state_interval_s * 1000ULL);
	if (nc->report_interval_s > 0)
		timer_set(d->loop, &d->report, nc->report_interval_s * 1000ULL);
	else
		timer_stop(d->loop, &d->report);
	log_info("config file %s reloaded", nc->path);
}

static void
daemon_signal(int fd, uint32_t events, void *arg)
{
	struct daemon			*d = arg;
	struct signalfd_siginfo		 si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: shutting down", (int)si.ssi_signo);
			loop_stop(d->loop);
			break;
		case SIGHUP:
			daemon_reload(d);
			break;
		case SIGUSR1:
			daemon_counters(d);
			break;
		case SIGUSR2:
			daemon_report(d);
			break;
		}
	}
}

static int
daemon_signals(struct daemon *d)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd == -1)
		return -1;
	return loop_add_fd(d->loop, d->sigfd, EPOLLIN, daemon_signal, d);
}

/*
 * Run until SIGTERM.  conf is owned from here on.  Returns the exit
 * status.
 */
int
daemon_run(struct conf *conf, bool verbose)
{
	struct daemon	d;
	int		n, rv = 1;

	memset(&d, 0, sizeof(d));
	d.sigfd = -1;
	d.conf = conf;
	n = sys_read_timeouts(&conf->core.timeouts);
	if (n == 0)
		log_warnx("conntrack timeouts unreadable in /proc/sys/net/"
		    "netfilter: using the kernel defaults");
	if ((d.core = core_new(&conf->core)) == NULL ||
	    (d.loop = loop_new()) == NULL) {
		log_warn("start-up");
		goto out;
	}
	if (daemon_signals(&d) == -1) {
		log_warn("signals");
		goto out;
	}
	if ((d.detect = detect_new(d.core, &conf->detect, daemon_alert,
	    &d)) == NULL) {
		log_warn("detectors");
		goto out;
	}
	daemon_state_load(&d);
	daemon_flow_log(&d);
	daemon_alerts_file(&d);
	if ((d.ct = ct_open(conf, d.core, d.loop)) == NULL)
		goto out;
	if (conf->user != NULL && priv_drop(conf->user) == -1)
		fatalx("cannot drop privileges to user %s: not starting",
		    conf->user);
	d.reconcile.cb = daemon_reconcile;
	d.reconcile.arg = &d;
	timer_set(d.loop, &d.reconcile, conf->reconcile_s * 1000ULL);
	d.tick.cb = daemon_tick;
	d.tick.arg = &d;
	timer_set(d.loop, &d.tick, 1000);
	d.state.cb = daemon_state_tick;
	d.state.arg = &d;
	timer_set(d.loop, &d.state, conf->state_interval_s * 1000ULL);
	d.report.cb = daemon_report_tick;
	d.report.arg = &d;
	if (conf->report_interval_s > 0)
		timer_set(d.loop, &d.report, conf->report_interval_s * 1000ULL);
	log_info("started: listening to conntrack NEW and DESTROY events%s",
	    verbose ? " (verbose)" : "");
	if (loop_run(d.loop) == 0)
		rv = 0;
	daemon_report(&d);
	daemon_counters(&d);
	daemon_state_save(&d, true);
out:
	if (d.flow_log != NULL)
		fclose(d.flow_log);
	if (d.alerts != NULL)
		fclose(d.alerts);
	detect_free(d.detect);
	ct_close(d.ct);
	if (d.sigfd != -1)
		close(d.sigfd);
	loop_free(d.loop);
	core_free(d.core);
	conf_free(d.conf);
	return rv;
}
