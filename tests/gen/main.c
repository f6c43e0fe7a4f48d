/*
 * gencap -- write a synthetic conntrack(8) event capture for ephemd tests.
 *
 * The output is what `conntrack -E -e NEW,DESTROY -o timestamp,extended,id`
 * prints on a masquerading gateway in front of a simulated population of
 * client hosts (Windows, macOS, Linux, Android, lwIP IoT, FreeBSD, OpenBSD,
 * Windows XP), each with its own TCP and UDP source-port allocator, on/off
 * browsing sessions, page-load bursts and background traffic.  The models
 * and their sources are described in tests/gencap.md.  A scenario (-S, -I,
 * -B) adds anomaly injectors and benign look-alike hosts, with their
 * ground truth (-G), to score the detectors.  gen.h lists the files and
 * what each holds; this one reads the command line.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static void
usage(FILE *fp)
{
	fputs("usage: gencap [-s SEED] [-n HOSTS] [-d SECONDS] "
	    "[-t START_EPOCH] [-o FORMAT]\n"
	    "              [-T TRUTHFILE] [-e MIN_EVENTS] [-6 SHARE] "
	    "[-a FACTOR]\n"
	    "              [-S NAME] [-I KIND[+new][:START[:DURATION]]]...\n"
	    "              [-B KIND[:COUNT[:START[:PERIOD]]]]... "
	    "[-G GROUNDTRUTH]\n"
	    "  -s, --seed N          PRNG seed (default 1)\n"
	    "  -n, --hosts N         number of client hosts (default 50)\n"
	    "  -d, --duration S      simulated seconds (default 3600)\n"
	    "  -t, --start EPOCH     capture start (default 1795000000)\n"
	    "  -o, --format F        timestamp[,extended][,id] or none\n"
	    "                        (default timestamp,extended,id)\n"
	    "  -T, --truth FILE      write per-host ground truth to FILE\n"
	    "  -e, --min-events N    extend the run until N lines written\n"
	    "  -6, --ipv6-share P    fraction of IPv6 hosts (default 0.1)\n"
	    "  -a, --activity F      page-load rate factor (default 1)\n"
	    "  -S, --scenario NAME   \"default\": every anomaly once, from 3 h "
	    "on,\n"
	    "                        and one host of every look-alike;\n"
	    "                        \"realnet\": the real networks' events,\n"
	    "                        attacks and look-alike hosts;\n"
	    "                        \"churn\": a million client addresses,\n"
	    "                        then a SYN scan\n"
	    "  -I, --inject SPEC     an anomaly or a network event; START and\n"
	    "                        DURATION in s, or with m, h or d "
	    "(default\n"
	    "                        start: half the duration); +new: on a "
	    "device\n"
	    "                        that joins 2 min before START\n"
	    "  -B, --benign SPEC     COUNT hosts with a benign look-alike "
	    "(default 1),\n"
	    "                        from START (default 0); PERIOD: "
	    "ipv6_temp's\n"
	    "  -G, --ground-truth F  write the scenario's ground truth to F\n"
	    "  -h, --help            show this help\n"
	    "anomalies: nmap_syn masscan hping3 reverse_shell exhaustion "
	    "raw_range\n"
	    "           fixed_sport nat_behind scan6_rotate flood6 "
	    "svcflood_c2\n"
	    "network events (-I): uplink_outage ipv6_outage dead_server "
	    "dhcp_reassign\n"
	    "           churn\n"
	    "look-alikes: p2p sip resolver long_ssh push update_burst "
	    "console\n"
	    "           p2p_heavy wireguard openvpn ipsec freebsd_load "
	    "parallel\n"
	    "           ipv6_temp happy_eyeballs k8s_node\n", fp);
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_v)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*ret_v = v;
	return true;
}

/* seconds, or a number with s, m, h or d */
static bool
parse_dur(const char *s, size_t len, uint64_t *ret_s)
{
	uint64_t v = 0, mul = 1;
	size_t i;

	if (len == 0)
		return false;
	switch (s[len - 1]) {
	case 's':
		len--;
		break;
	case 'm':
		mul = 60;
		len--;
		break;
	case 'h':
		mul = 3600;
		len--;
		break;
	case 'd':
		mul = 86400;
		len--;
		break;
	}
	if (len == 0 || len > 9)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret_s = v * mul;
	return true;
}

/*
 * -I KIND[:START[:DURATION]] (an anomaly or a network event) or
 * -B KIND[:COUNT[:START[:PERIOD]]] (look-alike hosts).
 */
static void
parse_spec(struct opts *o, const char *arg, bool benign)
{
	const char *f[4], *end;
	size_t flen[4];
	uint64_t count = 1, start = 0, period = 0;
	struct spec *sp;
	int k, nf = 0, kind = -1, maxf = benign ? 4 : 3;
	bool fresh = false;

	for (f[0] = arg; nf < maxf; nf++) {
		end = strchr(f[nf], ':');
		flen[nf] = end != NULL ? (size_t)(end - f[nf]) : strlen(f[nf]);
		if (end == NULL) {
			nf++;
			break;
		}
		if (nf < maxf - 1)
			f[nf + 1] = end + 1;
		else
			fatalx("too many fields: %s", arg);
	}
	if (!benign && flen[0] > 4 && strncmp(f[0] + flen[0] - 4, "+new",
	    4) == 0) {
		fresh = true;
		flen[0] -= 4;
	}
	for (k = 0; k < XK_COUNT; k++)
		if (strlen(scenario_kinds[k].name) == flen[0] &&
		    strncmp(scenario_kinds[k].name, f[0], flen[0]) == 0)
			kind = k;
	if (fresh && kind >= 0 && (scenario_kinds[kind].flags &
	    (XF_BENIGN | XF_NOHOST | XF_V6)))
		fatalx("%s: only an anomaly on an IPv4 host can be +new: %s",
		    scenario_kinds[kind].name, arg);
	if (kind < 0 ||
	    ((scenario_kinds[kind].flags & XF_TIMED) == 0) != benign)
		fatalx("unknown %s: %s (see -h)", benign ? "look-alike" :
		    "anomaly", arg);
	if (benign) {
		if (nf >= 2 && (flen[1] > 0 || nf == 2) &&
		    (!parse_dur(f[1], flen[1], &count) ||
		    f[1][flen[1] - 1] < '0' || f[1][flen[1] - 1] > '9' ||
		    count < 1 || count > MAX_SPECS))
			fatalx("bad look-alike (KIND[:COUNT]): %s", arg);
		if (nf >= 3 && !parse_dur(f[2], flen[2], &start))
			fatalx("bad start: %s", arg);
		if (nf >= 4 && (!(scenario_kinds[kind].flags & XF_PERIOD) ||
		    !parse_dur(f[3], flen[3], &period) || period == 0))
			fatalx("bad period (%s has %s): %s",
			    scenario_kinds[kind].name,
			    scenario_kinds[kind].flags & XF_PERIOD ?
			    "one, not 0" : "none", arg);
		while (count-- > 0) {
			sp = scenario_spec_add(o);
			sp->kind = (uint8_t)kind;
			sp->start_s = start;
			sp->has_start = nf >= 3;
			sp->period_s = period;
			sp->has_period = nf >= 4;
		}
		return;
	}
	sp = scenario_spec_add(o);
	sp->kind = (uint8_t)kind;
	sp->fresh = fresh;
	if (nf >= 2 && flen[1] > 0) {
		if (!parse_dur(f[1], flen[1], &sp->start_s))
			fatalx("bad start: %s", arg);
		sp->has_start = true;
	}
	if (nf >= 3) {
		if (!parse_dur(f[2], flen[2], &sp->dur_s) || sp->dur_s == 0)
			fatalx("bad duration: %s", arg);
		sp->has_dur = true;
	}
}

static bool
parse_format(const char *s, unsigned int *ret_fmt)
{
	char buf[64], *tok, *save;
	unsigned int fmt = 0;

	if (strcmp(s, "none") == 0) {
		*ret_fmt = 0;
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "timestamp") == 0)
			fmt |= FMT_TS;
		else if (strcmp(tok, "extended") == 0)
			fmt |= FMT_EXT;
		else if (strcmp(tok, "id") == 0)
			fmt |= FMT_ID;
		else
			return false;
	}
	if (fmt == 0)
		return false;
	*ret_fmt = fmt;
	return true;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "hosts", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'o' },
		{ "truth", required_argument, NULL, 'T' },
		{ "min-events", required_argument, NULL, 'e' },
		{ "ipv6-share", required_argument, NULL, '6' },
		{ "activity", required_argument, NULL, 'a' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "inject", required_argument, NULL, 'I' },
		{ "benign", required_argument, NULL, 'B' },
		{ "ground-truth", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	uint32_t i, scen_at = 0;
	char *end;
	int ch;

	o->seed = 1;
	o->nhosts = 50;
	o->duration_s = 3600;
	o->start_epoch = 1795000000;
	o->fmt = FMT_TS | FMT_EXT | FMT_ID;
	o->truth_path = NULL;
	o->min_events = 0;
	o->v6_share = 0.1;
	o->activity = 1.0;
	o->gt_path = NULL;
	o->scenario = NULL;
	o->nspecs = 0;

	while ((ch = getopt_long(argc, argv, "s:n:d:t:o:T:e:6:a:S:I:B:G:h",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!parse_u64(optarg, 0, UINT64_MAX, &o->seed))
				fatalx("bad seed: %s", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, MAX_HOSTS, &v))
				fatalx("hosts must be 1..%d: %s", MAX_HOSTS,
				    optarg);
			o->nhosts = (uint32_t)v;
			break;
		case 'd':
			/* up to ~10 years of simulated time */
			if (!parse_u64(optarg, 1, 315360000, &o->duration_s))
				fatalx("bad duration: %s", optarg);
			break;
		case 't':
			if (!parse_u64(optarg, 0, 4000000000ULL,
			    &o->start_epoch))
				fatalx("bad start epoch: %s", optarg);
			break;
		case 'o':
			if (!parse_format(optarg, &o->fmt))
				fatalx("bad format (timestamp[,extended]"
				    "[,id] or none): %s", optarg);
			break;
		case 'T':
			o->truth_path = optarg;
			break;
		case 'e':
			if (!parse_u64(optarg, 0, UINT64_MAX, &o->min_events))
				fatalx("bad event count: %s", optarg);
			break;
		case '6':
			errno = 0;
			o->v6_share = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->v6_share >= 0.0 && o->v6_share <= 1.0))
				fatalx("IPv6 share must be 0..1: %s", optarg);
			break;
		case 'a':
			errno = 0;
			o->activity = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->activity > 0.0 && o->activity <= 100.0))
				fatalx("activity must be in (0, 100]: %s",
				    optarg);
			break;
		case 'S':
			if (strcmp(optarg, "default") != 0 &&
			    strcmp(optarg, "realnet") != 0 &&
			    strcmp(optarg, "churn") != 0)
				fatalx("unknown scenario (default, realnet, "
				    "churn): %s", optarg);
			o->scenario = optarg;
			scen_at = o->nspecs;
			break;
		case 'I':
			parse_spec(o, optarg, false);
			break;
		case 'B':
			parse_spec(o, optarg, true);
			break;
		case 'G':
			o->gt_path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (o->scenario != NULL)
		scenario_named(o, o->scenario, scen_at);
	for (i = 0; i < o->nspecs; i++) {
		if (!(scenario_kinds[o->specs[i].kind].flags & XF_TIMED) &&
		    !o->specs[i].has_start)
			continue;
		if (!o->specs[i].has_start)
			o->specs[i].start_s = o->duration_s / 2;
		if (o->specs[i].start_s >= o->duration_s)
			fatalx("%s starts at %" PRIu64 " s, after the end of "
			    "the capture",
			    scenario_kinds[o->specs[i].kind].name,
			    o->specs[i].start_s);
	}
}

int
main(int argc, char *argv[])
{
	static struct gen g;

	parse_args(argc, argv, &g.o);
	if (setvbuf(stdout, NULL, _IOFBF, OBUF_SIZE) != 0)
		fatalx("setvbuf failed");
	gen_init(&g);
	gen_run(&g);
	if (fflush(stdout) != 0 || ferror(stdout))
		fatalx("stdout: %s", strerror(errno));
	if (g.o.truth_path != NULL)
		truth_write(&g, g.o.truth_path);
	if (g.o.gt_path != NULL)
		truth_write_scenario(&g, g.o.gt_path);
	gen_free(&g);
	return 0;
}
