/*
 * ephemd: start-up.  Only main() lives here; everything else is in
 * libephemd.a, which the tests link too.  The order: options, logging,
 * configuration (-n stops there), then the mode: replay (replay_main.c),
 * doctor, or the live daemon (daemon.c, which drops privileges after
 * opening its sockets).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "live.h"
#include "log.h"

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "check",	no_argument,		NULL, 'n' },
		{ "replay",	required_argument,	NULL, 'r' },
		{ "report",	required_argument,	NULL, 'R' },
		{ "internal",	required_argument,	NULL, 'i' },
		{ "flow-log",	required_argument,	NULL, 'F' },
		{ "alerts",	required_argument,	NULL, 'A' },
		{ "learning-period", required_argument,	NULL, 'L' },
		{ "max-jump",	required_argument,	NULL, 'J' },
		{ "load-state",	required_argument,	NULL, 'l' },
		{ "save-state",	required_argument,	NULL, 's' },
		{ "doctor",	no_argument,		NULL, 'D' },
		{ "stderr",	no_argument,		NULL, 'd' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char usage[] =
	    "usage: ephemd [-dv] [-c FILE]               run the live daemon\n"
	    "       ephemd -n [-v] [-c FILE]             check the "
	    "configuration\n"
	    "       ephemd --doctor [-c FILE]            check the kernel "
	    "settings\n"
	    "       ephemd --replay FILE [-c FILE] [--report text|json|html] "
	    "[--internal CIDR]...\n"
	    "  -c, --config FILE    configuration (default " CONF_FILE ")\n"
	    "  -n, --check          check the configuration and exit; with "
	    "-v print it\n"
	    "  -r, --replay FILE    analyse a conntrack -E capture "
	    "(- for stdin)\n"
	    "  -R, --report FORMAT  text (default), json or html\n"
	    "  -i, --internal CIDR  client network (repeatable; replaces "
	    "the configured ones)\n"
	    "  -F, --flow-log FILE  write one JSON line per ended flow\n"
	    "  -A, --alerts FILE    write alerts as JSON lines (- for "
	    "stdout)\n"
	    "  -L, --learning-period DURATION  before it no detector "
	    "judges (\"90m\")\n"
	    "  -J, --max-jump DURATION  a line further in time from the one "
	    "before is bad (\"1d\"; 0: no bound)\n"
	    "  -l, --load-state FILE  start from the baselines in FILE\n"
	    "  -s, --save-state FILE  save the baselines to FILE at the "
	    "end\n"
	    "  -D, --doctor         check what the live daemon depends on\n"
	    "  -d, --stderr         log to stderr, not syslog\n"
	    "  -v, --verbose        more messages\n"
	    "  -V, --version        print the version\n"
	    "See ephemd(8) and ephemd.conf(5).\n";
	struct netlist		 internal = { NULL, 0 };
	struct replay_opts	 ro = { .format = -1, .max_jump_s = 86400 };
	struct conf		*conf = NULL;
	const char		*path = NULL, *learning = NULL;
	uint32_t		 learning_s = 0;
	int			 ch, rv, check = 0, doctor = 0;
	int			 to_stderr = isatty(STDERR_FILENO), verbose = 0;

	while ((ch = getopt_long(argc, argv, "c:nr:R:i:F:A:L:J:l:s:DdvVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'r':
			ro.capture = optarg;
			break;
		case 'R':
			if ((ro.format = report_format_parse(optarg)) == -1) {
				fprintf(stderr, "ephemd: --report takes text, "
				    "json or html, not %s\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (netlist_add_str(&internal, optarg) == -1) {
				fprintf(stderr, "ephemd: --internal %s: not an "
				    "address or network\n", optarg);
				return 2;
			}
			break;
		case 'F':
			ro.flow_log = optarg;
			break;
		case 'A':
			ro.alerts = optarg;
			break;
		case 'L':
			learning = optarg;
			if (conf_duration_parse(optarg, &learning_s) == -1) {
				fprintf(stderr, "ephemd: --learning-period %s: "
				    "not a duration such as 90m or 24h\n",
				    optarg);
				return 2;
			}
			break;
		case 'J':
			if (conf_duration_parse(optarg, &ro.max_jump_s) == -1) {
				fprintf(stderr, "ephemd: --max-jump %s: not a "
				    "duration such as 1d or 0\n", optarg);
				return 2;
			}
			break;
		case 'l':
			ro.load_state = optarg;
			break;
		case 's':
			ro.save_state = optarg;
			break;
		case 'D':
			doctor = 1;
			break;
		case 'd':
			to_stderr = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("ephemd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc || check + doctor + (ro.capture != NULL) > 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (check || doctor || ro.capture != NULL)
		to_stderr = 1;
	log_init("ephemd", to_stderr, LOG_DAEMON);
	log_setverbose(verbose);

	/* the configuration: required live, optional for replay and doctor */
	if (path != NULL || (ro.capture == NULL && !doctor) ||
	    access(CONF_FILE, R_OK) == 0) {
		if (path == NULL)
			path = CONF_FILE;
		if (conf_load(path, &conf, stderr) == -1) {
			if (!check)
				log_warnx("config file %s has errors, not "
				    "starting", path);
			return 1;
		}
	} else if ((conf = conf_new()) == NULL)
		fatal("configuration");
	if (internal.n > 0) {
		netlist_clear(&conf->core.internal);
		conf->core.internal = internal;
	}
	if (learning != NULL)
		conf->detect.learning_s = learning_s;
	if (check) {
		if (verbose)
			conf_print(stdout, conf);
		else
			fprintf(stderr, "ephemd: configuration %s OK\n", path);
		conf_free(conf);
		return 0;
	}
	if (doctor) {
		rv = doctor_run(stdout, conf);
		conf_free(conf);
		return rv == 0 ? 0 : 1;
	}
	if (ro.capture == NULL)
		return daemon_run(conf, verbose > 0);
	rv = replay_main(conf, &ro);
	conf_free(conf);
	return rv;
}
