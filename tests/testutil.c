/*
 * Helpers shared by the Check suites and the benchmarks (testutil.h).
 * They fail the running test (ck_assert) rather than return errors.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* The whole of a file, NUL-terminated; its length in ret_len. */
char *
t_slurp(const char *path, size_t *ret_len)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s cannot be opened", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	if (ret_len != NULL)
		*ret_len = (size_t)n;
	return buf;
}

void
t_spew(const char *path, const char *buf, size_t len)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_msg(fp != NULL, "%s cannot be written", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

void
t_spew_str(const char *path, const char *s)
{
	t_spew(path, s, strlen(s));
}

/* The offset of line n (from 1) of buf, which must have it. */
size_t
t_line_at(const char *buf, int n)
{
	const char	*p = buf;

	while (--n > 0) {
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	return (size_t)(p - buf);
}

/* The number (from 1) of the first line starting with prefix. */
int
t_line_of(const char *buf, const char *prefix)
{
	const char	*p = buf;
	int		 n = 1;

	for (;;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return n;
		p = strchr(p, '\n');
		ck_assert_msg(p != NULL, "no line %s", prefix);
		p++;
		n++;
	}
}

/* A record as record_put writes it: text, " ~", its CRC. */
void
t_put_record(FILE *fp, const char *text)
{
	fprintf(fp, "%s ~%08x\n", text, record_crc(text, strlen(text)));
}

/* A fresh directory /tmp/NAME.XXXXXX, its path in dir. */
void
t_mkdtemp(char *dir, size_t len, const char *name)
{
	ck_assert_int_lt(snprintf(dir, len, "/tmp/%s.XXXXXX", name),
	    (int)len);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
}

/* rm -rf dir, for a test's own directory. */
void
t_rmtree(const char *dir)
{
	char	cmd[512];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
}

struct flow_event
t_ev(uint8_t type, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport, uint16_t flags, uint64_t ts)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	ev.type = type;
	ev.proto = proto;
	ev.flags = EVF_PORTS | flags;
	if (proto == IPPROTO_TCP)
		ev.state = type == EV_NEW ? CTS_SYN_SENT :
		    (flags & EVF_ASSURED) ? CTS_TIME_WAIT : CTS_CLOSE;
	ev.sport = sport;
	ev.dport = dport;
	ev.nat_port = sport;
	addr_from_v4(&ev.src, src);
	addr_from_v4(&ev.dst, dst);
	addr_from_v4(&ev.nat_addr, T_NAT);
	return ev;
}

/* A detect sink: arg is a struct t_alerts. */
void
t_alert_sink(void *arg, const struct alert *a)
{
	struct t_alerts	*t = arg;

	if (t == NULL)
		return;
	if (t->n < T_ALERTS)
		t->v[t->n] = *a;
	t->n++;
}

int
t_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
t_main(const char *name, const struct t_tcase *tcs, size_t n)
{
	Suite	*s = suite_create(name);
	TCase	*tc;
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		tc = tcase_create(tcs[i].name);
		if (tcs[i].setup != NULL || tcs[i].teardown != NULL)
			tcase_add_checked_fixture(tc, tcs[i].setup,
			    tcs[i].teardown);
		for (j = 0; j < T_TESTS && tcs[i].tests[j] != NULL; j++)
			tcase_add_test(tc, tcs[i].tests[j]);
		for (j = 0; j < T_LOOPS && tcs[i].loops[j].test != NULL; j++)
			tcase_add_loop_test(tc, tcs[i].loops[j].test, 0,
			    tcs[i].loops[j].n);
		suite_add_tcase(s, tc);
	}
	return t_run(s);
}
