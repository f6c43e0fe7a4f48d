/*
 * Unit tests for the operator's views: metrics.c (the text exposition
 * checked line by line against its own TYPE lines and Prometheus's
 * naming rules, the JSON form sample for sample, per-host series only
 * when asked, metrics.file atomic), the baseline resets behind "ephemctl
 * baseline reset", hosttab_find and the lifetime histogram's bins behind
 * "ephemctl host".
 */
#include <check.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "testutil.h"

#define T0	1795000020000ULL
#define SEC	1000ULL
#define MIN	60000ULL

#define HOST(n)	(0x0a000000u | (uint32_t)(n))	/* 10.0.0.n */
#define DST(n)	(0xc0000200u | (uint32_t)(n))	/* 192.0.2.n */

static struct core_conf		 cconf;
static struct detect_conf	 dconf;
static struct quar_conf		 qconf;
static struct core		*core;
static struct detect		*det;
static struct quar		*quar;
static char			 dir[64];

static void
setup(void)
{
	core_conf_default(&cconf);
	ck_assert_int_eq(netlist_default_internal(&cconf.internal), 0);
	detect_conf_default(&dconf);
	dconf.learning_s = 60;
	dconf.learn_flows = 10;
	memset(&qconf, 0, sizeof(qconf));
	qconf.timeout_s = 3600;
	qconf.escalation = 4;
	qconf.max_timeout_s = 86400;
	qconf.forget_s = 86400;
	qconf.per_hour = 10;
	qconf.max_hosts = 50;
	ck_assert_ptr_nonnull(core = core_new(&cconf));
	ck_assert_ptr_nonnull(det = detect_new(core, &dconf, NULL, NULL));
	ck_assert_ptr_nonnull(quar = quar_new(&qconf));
	t_mkdtemp(dir, sizeof(dir), "check_metrics");
}

static void
teardown(void)
{
	detect_free(det);
	core_free(core);
	quar_free(quar);
	core_conf_free(&cconf);
	t_rmtree(dir);
}

static void
event(uint8_t type, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport, uint64_t ts)
{
	struct flow_event	ev = t_ev(type, IPPROTO_TCP, src, sport, dst,
				    dport, type == EV_DESTROY ? EVF_ASSURED : 0,
				    ts);

	core_event(core, &ev);
	detect_tick(det, core->now_ms);
}

/* n TCP flows from host h, one a second from t, each open for life_ms. */
static uint64_t
flows(uint32_t h, int n, uint64_t t, uint64_t life_ms)
{
	int	i;

	for (i = 0; i < n; i++) {
		event(EV_NEW, h, (uint16_t)(40000 + 2 * i), DST(1), 443, t);
		event(EV_DESTROY, h, (uint16_t)(40000 + 2 * i), DST(1), 443,
		    t + life_ms);
		t += SEC;
	}
	return t;
}

static char *
render(bool per_host, bool json)
{
	struct metrics_src	 m;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*fp;

	memset(&m, 0, sizeof(m));
	m.core = core;
	m.detect = det;
	m.quar = quar;
	m.started_ms = T0;
	m.now_ms = core->now_ms;
	m.per_host = per_host;
	ck_assert_ptr_nonnull(fp = open_memstream(&text, &len));
	metrics_write(fp, &m, json);
	ck_assert_int_eq(fclose(fp), 0);
	return text;
}

/*
 * The value of the sample "name{labels}" (labels as written, "" for
 * none); -1 when there is no such line.
 */
static double
value(const char *text, const char *name, const char *labels)
{
	char	key[256];
	const char *p;
	size_t	n;

	n = (size_t)snprintf(key, sizeof(key), "%s%s ", name, labels);
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0)
			return strtod(p + n, NULL);
	return -1;
}

/*
 * Every line is a HELP, a TYPE, or a sample of the family the last TYPE
 * named; names are ephemd_ snake case; counters, and only counters, end
 * in _total; no family twice.  Returns the number of samples.
 */
static int
lint(const char *text)
{
	char	 fam[128] = "", type[16] = "", seen[8192] = " ";
	char	 line[1024], *nl;
	const char *p = text;
	int	 samples = 0, helps = 0, types = 0;
	size_t	 n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "a line without its newline");
		n = (size_t)(nl - p);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0) {
			helps++;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char	want[140];

			types++;
			ck_assert_int_eq(sscanf(line + 7, "%127s %15s", fam,
			    type), 2);
			ck_assert_msg(strncmp(fam, "ephemd_", 7) == 0, "%s", fam);
			for (n = 0; fam[n] != '\0'; n++)
				ck_assert_msg(islower((unsigned char)fam[n]) ||
				    isdigit((unsigned char)fam[n]) ||
				    fam[n] == '_', "%s", fam);
			n = strlen(fam);
			ck_assert_msg((strcmp(type, "counter") == 0) ==
			    (n > 6 && strcmp(fam + n - 6, "_total") == 0),
			    "%s is a %s", fam, type);
			ck_assert_msg(strcmp(type, "counter") == 0 ||
			    strcmp(type, "gauge") == 0, "%s", type);
			snprintf(want, sizeof(want), " %s ", fam);
			ck_assert_msg(strstr(seen, want) == NULL, "%s twice",
			    fam);
			ck_assert_uint_lt(strlen(seen) + strlen(fam) + 2,
			    sizeof(seen));
			strcat(seen, fam);
			strcat(seen, " ");
			continue;
		}
		ck_assert_msg(fam[0] != '\0', "a sample before any TYPE: %s",
		    line);
		n = strlen(fam);
		ck_assert_msg(strncmp(line, fam, n) == 0 && (line[n] == ' ' ||
		    line[n] == '{'), "%s is not of family %s", line, fam);
		ck_assert_msg(strchr(line, ' ') != NULL, "%s", line);
		samples++;
	}
	ck_assert_int_eq(helps, types);
	ck_assert_int_gt(types, 20);
	return samples;
}

/* JSON samples: occurrences of "value": in the output */
static int
json_samples(const char *text)
{
	const char	*p;
	int		 n = 0;

	for (p = text; (p = strstr(p, "\"value\": ")) != NULL; p++)
		n++;
	return n;
}

START_TEST(test_metrics_text)
{
	char	*t;
	int	 n;

	(void)flows(HOST(1), 3, T0, 5 * SEC);
	event(EV_NEW, HOST(2), 50000, DST(2), 80, core->now_ms + SEC);
	t = render(false, false);
	n = lint(t);
	ck_assert_double_eq(value(t, "ephemd_events_total",
	    "{type=\"new\"}"), 4);
	ck_assert_double_eq(value(t, "ephemd_events_total",
	    "{type=\"destroy\"}"), 3);
	ck_assert_double_eq(value(t, "ephemd_hosts", ""), 2);
	ck_assert_double_eq(value(t, "ephemd_flows", ""), 1);
	ck_assert_double_eq(value(t, "ephemd_events_lost_total", ""), 0);
	ck_assert_double_eq(value(t, "ephemd_alerts_total",
	    "{detector=\"scan\"}"), 0);
	ck_assert_double_eq(value(t, "ephemd_quarantine_refused_total",
	    "{reason=\"hourly-cap\"}"), 0);
	ck_assert_double_eq(value(t, "ephemd_learning", ""), 1);
	ck_assert(value(t, "ephemd_resident_memory_bytes", "") > 0);
	ck_assert(value(t, "ephemd_table_memory_bytes",
	    "{table=\"flows\"}") > 0);
	/* no event socket: no netlink counters; no per-host series */
	ck_assert(strstr(t, "ephemd_netlink_") == NULL);
	ck_assert(strstr(t, "ephemd_host_") == NULL);
	/* every detector and every refusal reason, zeros included */
	ck_assert_ptr_nonnull(strstr(t, "{detector=\"rate\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "{reason=\"kernel\"} 0\n"));
	free(t);
	t = render(false, true);
	ck_assert_int_eq(json_samples(t), n);
	ck_assert(strncmp(t, "{\"metrics\": [", 13) == 0);
	ck_assert_ptr_nonnull(strstr(t, "{\"name\": \"ephemd_events_total\", "
	    "\"type\": \"counter\", "));
	ck_assert_ptr_nonnull(strstr(t, "{\"labels\": {\"type\": \"new\"}, "
	    "\"value\": 4}"));
	free(t);
}
END_TEST

START_TEST(test_metrics_per_host)
{
	char	*t;

	(void)flows(HOST(1), 12, T0, 5 * SEC);
	event(EV_NEW, HOST(2), 50000, DST(2), 80, core->now_ms + SEC);
	/* host 1 passes learning_period (60 s) with 12 flows: learned */
	(void)flows(HOST(1), 1, T0 + 2 * MIN, SEC);
	t = render(true, false);
	lint(t);
	ck_assert_double_eq(value(t, "ephemd_host_flows_total",
	    "{host=\"10.0.0.1\"}"), 13);
	ck_assert_double_eq(value(t, "ephemd_host_flows_total",
	    "{host=\"10.0.0.2\"}"), 1);
	ck_assert_double_eq(value(t, "ephemd_host_ports_held",
	    "{host=\"10.0.0.2\"}"), 1);
	ck_assert_double_eq(value(t, "ephemd_host_ports_held",
	    "{host=\"10.0.0.1\"}"), 0);
	ck_assert_double_eq(value(t, "ephemd_host_baseline_learned",
	    "{host=\"10.0.0.1\"}"), 1);
	ck_assert_double_eq(value(t, "ephemd_host_baseline_learned",
	    "{host=\"10.0.0.2\"}"), 0);
	ck_assert_double_eq(value(t, "ephemd_host_quarantined",
	    "{host=\"10.0.0.1\"}"), 0);
	free(t);
}
END_TEST

START_TEST(test_metrics_file)
{
	struct metrics_src	 m;
	struct stat		 st, st2;
	char			 path[128], bad[160], err[256], buf[64];
	FILE			*fp;
	int			 n = 0;

	(void)flows(HOST(1), 2, T0, SEC);
	memset(&m, 0, sizeof(m));
	m.core = core;
	m.detect = det;
	m.quar = quar;
	m.now_ms = core->now_ms;
	snprintf(path, sizeof(path), "%s/ephemd.prom", dir);
	ck_assert_int_eq(metrics_file(path, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	ck_assert(strncmp(buf, "# HELP ephemd_", 14) == 0);
	fclose(fp);
	/* again: a new file renamed over the old one, nothing left beside */
	ck_assert_int_eq(metrics_file(path, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert(st.st_ino != st2.st_ino);
	snprintf(bad, sizeof(bad), "ls -A '%s' | wc -l", dir);
	ck_assert_ptr_nonnull(fp = popen(bad, "r"));
	ck_assert_int_eq(fscanf(fp, "%d", &n), 1);
	pclose(fp);
	ck_assert_int_eq(n, 1);
	/* a directory that does not exist: -1, and the error names it */
	snprintf(bad, sizeof(bad), "%s/missing/ephemd.prom", dir);
	ck_assert_int_eq(metrics_file(bad, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/missing/ephemd.prom"));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

/*
 * file_clean: what interrupted writes left beside a file (path.tmp and
 * path.tmp.XXXXXX, regular files) goes; anything else stays.
 */
START_TEST(test_file_clean)
{
	static const char *const gone[] = { "ephemd.prom.tmp",
	    "ephemd.prom.tmp.aZ09xY" };
	static const char *const kept[] = { "ephemd.prom", "ephemd.prom.bak",
	    "ephemd.prom.tmp.abc", "ephemd.prom.tmp.abcdefg",
	    "ephemd.prom.tmp.ab-def", "ephemd.prom.tmpx", "other.tmp",
	    "xephemd.prom.tmp" };
	char	p[256];
	size_t	i;

	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, gone[i]);
		t_spew_str(p, "x");
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, kept[i]);
		t_spew_str(p, "x");
	}
	/* a link or a directory of the name is not a file it wrote */
	snprintf(p, sizeof(p), "%s/ephemd.prom.tmp.LINK00", dir);
	ck_assert_int_eq(symlink("ephemd.prom", p), 0);
	snprintf(p, sizeof(p), "%s/ephemd.prom.tmp.DIR000", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);

	snprintf(p, sizeof(p), "%s/ephemd.prom", dir);
	ck_assert_int_eq(file_clean(p), 2);
	ck_assert_int_eq(file_clean(p), 0);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, gone[i]);
		ck_assert_msg(access(p, F_OK) == -1, "%s left", gone[i]);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, kept[i]);
		ck_assert_msg(access(p, F_OK) == 0, "%s removed", kept[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/ephemd.prom.tmp.LINK00", dir);
	ck_assert_int_eq(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/ephemd.prom.tmp.DIR000", dir);
	ck_assert_int_eq(rmdir(p), 0);
	snprintf(p, sizeof(p), "%s/missing/ephemd.prom", dir);
	ck_assert_int_eq(file_clean(p), -1);
}
END_TEST

/* baseline reset ADDRESS: that host learns again, from now */
START_TEST(test_reset_host)
{
	struct host	*h;
	struct addr	 a;
	uint32_t	 hi, hj;
	uint64_t	 t;

	t = flows(HOST(1), 12, T0, SEC);
	t = flows(HOST(1), 1, T0 + 2 * MIN, SEC);
	(void)flows(HOST(3), 12, T0, SEC);
	(void)flows(HOST(3), 1, T0 + 2 * MIN, SEC);
	addr_from_v4(&a, HOST(1));
	ck_assert_ptr_nonnull(hosttab_find(&core->hosts, &a, &hi));
	ck_assert_uint_ne(det->hd[hi].learned_ms, 0);
	/* a flow open across the reset: held stays counted, and ends */
	event(EV_NEW, HOST(1), 45000, DST(1), 443, t);
	ck_assert_uint_eq(core->hosts.v[hi].held, 1);
	detect_reset_host(det, hi, t + SEC);
	h = &core->hosts.v[hi];
	ck_assert_uint_eq(det->hd[hi].learned_ms, 0);
	ck_assert_uint_eq(h->flows, 0);
	ck_assert_uint_eq(h->held, 1);
	ck_assert_uint_eq(h->first_ms, t + SEC);
	event(EV_DESTROY, HOST(1), 45000, DST(1), 443, t + 2 * SEC);
	ck_assert_uint_eq(core->hosts.v[hi].held, 0);
	/* the other host keeps its baseline; the gateway is not learning */
	addr_from_v4(&a, HOST(3));
	ck_assert_ptr_nonnull(hosttab_find(&core->hosts, &a, &hj));
	ck_assert_uint_ne(det->hd[hj].learned_ms, 0);
	ck_assert(!detect_learning(det, t + 3 * SEC));
	/* 12 flows within the minute: not yet; after learning_period: yes */
	t = flows(HOST(1), 12, t + 3 * SEC, SEC);
	ck_assert_uint_eq(det->hd[hi].learned_ms, 0);
	(void)flows(HOST(1), 1, t + 2 * MIN, SEC);
	ck_assert_uint_ne(det->hd[hi].learned_ms, 0);
}
END_TEST

/* baseline reset: every host, the services and the gateway learn again */
START_TEST(test_reset_all)
{
	struct addr	a;
	uint32_t	hi;
	uint64_t	t;
	size_t		i;

	t = flows(HOST(1), 12, T0, 5 * SEC);
	t = flows(HOST(1), 1, t + 2 * MIN, 5 * SEC);
	ck_assert(!detect_learning(det, t));
	ck_assert_uint_gt(core->svcs.n, 0);
	ck_assert_uint_gt(core->svcs.v[0].life.n, 0);
	detect_reset_all(det, t);
	ck_assert(detect_learning(det, t + 59 * SEC));
	ck_assert(!detect_learning(det, t + 61 * SEC));
	addr_from_v4(&a, HOST(1));
	ck_assert_ptr_nonnull(hosttab_find(&core->hosts, &a, &hi));
	ck_assert_uint_eq(det->hd[hi].learned_ms, 0);
	for (i = 0; i < core->svcs.n; i++)
		ck_assert_uint_eq(core->svcs.v[i].life.n, 0);
}
END_TEST

START_TEST(test_hosttab_find)
{
	struct addr	a;
	uint32_t	i = 99;

	addr_from_v4(&a, HOST(7));
	ck_assert_ptr_null(hosttab_find(&core->hosts, &a, &i));
	ck_assert_uint_eq(i, 99);
	(void)flows(HOST(5), 1, T0, SEC);
	(void)flows(HOST(7), 1, T0 + SEC, SEC);
	ck_assert_ptr_nonnull(hosttab_find(&core->hosts, &a, &i));
	ck_assert_uint_eq(i, 1);
	ck_assert(addr_cmp(&core->hosts.v[i].addr, &a) == 0);
	addr_from_v4(&a, HOST(8));
	ck_assert_ptr_null(hosttab_find(&core->hosts, &a, &i));
}
END_TEST

START_TEST(test_lhist_bins)
{
	static const uint64_t	edges[] = { 1000, 10000, 60000 };
	struct lhist		l;
	uint64_t		out[4];

	memset(&l, 0, sizeof(l));
	lhist_add(&l, 0);
	lhist_add(&l, 400);
	lhist_add(&l, 5000);
	lhist_add(&l, 5000);
	lhist_add(&l, 30000);
	lhist_add(&l, 2 * 3600 * 1000ULL);
	lhist_bins(&l, edges, 3, out);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(out[1], 2);
	ck_assert_uint_eq(out[2], 1);
	ck_assert_uint_eq(out[3], 1);
	/* the bins add up to the samples */
	ck_assert_uint_eq(out[0] + out[1] + out[2] + out[3], l.n);
	memset(&l, 0, sizeof(l));
	lhist_bins(&l, edges, 3, out);
	ck_assert_uint_eq(out[0] + out[1] + out[2] + out[3], 0);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "metrics", setup, teardown, {
		    test_metrics_text, test_metrics_per_host,
		    test_metrics_file, test_file_clean, test_reset_host,
		    test_reset_all,
		    test_hosttab_find, test_lhist_bins, NULL } },
	};

	return t_main("metrics", tcases, T_N(tcases));
}
