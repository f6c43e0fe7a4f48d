/*
 * ephemd: start-up.  Only main() lives here; everything else is in
 * libephemd.a, which the tests link too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ephemd.h"
#include "log.h"

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "replay",	required_argument,	NULL, 'r' },
		{ "report",	required_argument,	NULL, 'R' },
		{ "internal",	required_argument,	NULL, 'i' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char usage[] =
	    "usage: ephemd --replay FILE [--report text|json] "
	    "[--internal CIDR]...\n"
	    "  -r, --replay FILE    analyse a conntrack -E capture "
	    "(- for stdin)\n"
	    "  -R, --report FORMAT  text (default) or json\n"
	    "  -i, --internal CIDR  client network (repeatable; default "
	    "RFC 1918,\n"
	    "                       100.64.0.0/10 and fc00::/7)\n"
	    "  -v, --verbose        more messages\n"
	    "  -V, --version        print the version\n"
	    "See ephemd(8).\n";
	struct core_conf	 conf;
	struct replay_stats	 st;
	struct core		*core;
	const char		*replay = NULL, *name;
	int			 ch, fd, json = 0, rv;

	log_init("ephemd", 1, LOG_DAEMON);
	core_conf_default(&conf);
	while ((ch = getopt_long(argc, argv, "r:R:i:vVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			replay = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") == 0)
				json = 0;
			else
				fatalx("--report takes text or json, not %s",
				    optarg);
			break;
		case 'i':
			if (netlist_add_str(&conf.internal, optarg) == -1)
				fatalx("--internal %s: not an address or "
				    "network", optarg);
			break;
		case 'v':
			log_setverbose(1);
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
	if (optind != argc || replay == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	if (conf.internal.n == 0 && netlist_default_internal(&conf.internal))
		fatal("internal networks");
	if ((core = core_new(&conf)) == NULL)
		fatal("core");

	if (strcmp(replay, "-") == 0) {
		fd = STDIN_FILENO;
		name = "(stdin)";
	} else if ((fd = open(replay, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("%s", replay);
	else
		name = replay;
	memset(&st, 0, sizeof(st));
	rv = replay_fd(fd, name, core, &st);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rv == -1) {
		core_free(core);
		core_conf_free(&conf);
		return 1;
	}
	if (st.bad > REPLAY_BAD_KEEP)
		log_warnx("%s: %llu bad lines in all, the first %d shown",
		    name, (unsigned long long)st.bad, REPLAY_BAD_KEEP);
	if (json)
		report_json(stdout, core, &st);
	else
		report_text(stdout, core, &st);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("stdout");
	core_free(core);
	core_conf_free(&conf);
	return 0;
}
