/*
 * benchq - ephemd's quarantine path against the kernel, for
 * tests/bench-quarantine.sh.  Run it in a network namespace that has
 * nft/ephemd.nft loaded; it fills and empties set quarantine4 there.
 *
 *	benchq batch N		push N addresses (198.18.0.0/15 and
 *				10.0.0.0/8, one-hour timeout) through
 *				nftq_push(); print elements/s, then check
 *				the set holds N
 *	benchq verdict N	N verdicts through the safety policy (allow
 *				set read included), each timed from the
 *				verdict until the element reads back from
 *				the kernel; print p50, p99 and max in ms
 *	benchq file N PATH	write a quarantine.file of N blocks due in
 *				an hour, for the start-up restore
 *
 * It refuses to run outside a namespace (/proc/self/ns/net must differ
 * from PID 1's, or BENCHQ_NETNS be set where PID 1's cannot be read), so
 * it never touches the host's own ruleset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "live.h"

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* address number i: 198.18.0.0/15 first, then 10.0.0.0/8 */
static void
addr_n(struct addr *a, uint32_t i)
{
	if (i < 131072)
		addr_from_v4(a, 0xc6120000u + i);
	else
		addr_from_v4(a, 0x0a000000u + i - 131072);
}

static void
die(const char *msg)
{
	fprintf(stderr, "benchq: %s: %s\n", msg, strerror(errno));
	exit(1);
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static ssize_t
set_size(struct nftq *q)
{
	struct nftq_elem	*v;
	ssize_t			 n;

	if ((n = nftq_dump(q, NFTQ_SET4, &v)) == -1)
		die("dump quarantine4");
	free(v);
	return n;
}

static int
batch(uint32_t n)
{
	struct nftq		*q;
	struct nftq_elem	*v;
	double			 t0, t;
	uint32_t		 i;
	int			 refused;
	ssize_t			 got;

	if ((q = nftq_open(false)) == NULL)
		die("netlink");
	if ((v = calloc(n, sizeof(*v))) == NULL)
		die("calloc");
	for (i = 0; i < n; i++) {
		addr_n(&v[i].addr, i);
		v[i].op = NFTQ_ADD;
		v[i].timeout_ms = 3600 * 1000;
	}
	t0 = now_s();
	refused = nftq_push(q, v, n);
	t = now_s() - t0;
	if (refused == -1)
		die("push");
	got = set_size(q);
	printf("batch: %u elements in %.3f s: %.0f elements/s; %d refused; "
	    "set holds %zd\n", n, t, n / t, refused, got);
	nftq_close(q);
	free(v);
	return got == (ssize_t)n && refused == 0 ? 0 : 1;
}

/* A policy that lets n blocks through: one-hour blocks, caps at n. */
static void
policy(struct quar_conf *c, uint32_t n)
{
	memset(c, 0, sizeof(*c));
	c->enabled = true;
	c->timeout_s = 3600;
	c->escalation = 4;
	c->max_timeout_s = 86400;
	c->forget_s = 86400;
	c->per_hour = n;
	c->max_hosts = n;
	c->max_burst = 0;	/* a benchmark of the batch path, not of the breaker */
}

static struct nftq *vq;

static int
be_push(void *arg, struct nftq_elem *v, size_t n)
{
	return nftq_push(vq, v, n);
}

static int
be_allowed(void *arg, const struct addr *a)
{
	struct nftq_elem	*v;
	ssize_t			 n;
	bool			 in;

	if ((n = nftq_dump(vq, NFTQ_ALLOW4, &v)) == -1)
		return -1;
	in = nftq_in_ranges(v, (size_t)n, a);
	free(v);
	return in;
}

/* Is a in quarantine4?  A GETSETELEM of that one key. */
static bool
present(const struct addr *a)
{
	struct nftq_elem	*v;
	ssize_t			 n, i;
	bool			 yes = false;

	if ((n = nftq_dump(vq, NFTQ_SET4, &v)) == -1)
		die("dump");
	for (i = 0; i < n && !yes; i++)
		yes = addr_cmp(&v[i].addr, a) == 0;
	free(v);
	return yes;
}

static int
verdicts(uint32_t n)
{
	struct quar_conf	 c;
	struct quar		*q;
	struct addr		 a;
	double			*lat, t0;
	char			 note[160];
	uint32_t		 i;

	policy(&c, n);
	if ((vq = nftq_open(false)) == NULL || (q = quar_new(&c)) == NULL)
		die("open");
	q->be.push = be_push;
	q->be.allowed = be_allowed;
	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		die("calloc");
	for (i = 0; i < n; i++) {
		addr_n(&a, 200000 + i);
		t0 = now_s();
		if (quar_verdict(q, &a, "scan", 0, loop_wall_ms(),
		    note, sizeof(note)) != QR_BLOCKED) {
			fprintf(stderr, "benchq: verdict %u: %s\n", i, note);
			return 1;
		}
		/* the element is in the set once the batch returned */
		lat[i] = (now_s() - t0) * 1000;
		if (i < 5 && !present(&a)) {
			fprintf(stderr, "benchq: verdict %u: not in the set\n",
			    i);
			return 1;
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("verdict -> element in the set: %u verdicts, p50 %.3f ms, p99 "
	    "%.3f ms, max %.3f ms (policy, allow-set read and batch)\n", n,
	    lat[n / 2], lat[(size_t)(n * 0.99)], lat[n - 1]);
	quar_free(q);
	nftq_close(vq);
	free(lat);
	return 0;
}

static int
file(uint32_t n, const char *path)
{
	struct quar_conf	 c;
	struct quar		*q;
	struct addr		 a;
	char			 note[160], err[512];
	uint32_t		 i;
	uint64_t		 now = loop_wall_ms();

	policy(&c, n);
	if ((q = quar_new(&c)) == NULL)
		die("quar_new");
	for (i = 0; i < n; i++) {
		addr_n(&a, i);
		quar_add(q, &a, false, 3600, now, note, sizeof(note));
	}
	if (quar_save(q, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "benchq: %s\n", err);
		return 1;
	}
	quar_free(q);
	return 0;
}

int
main(int argc, char **argv)
{
	struct stat	self, init;
	unsigned long	n;

	if (argc < 3 || (n = strtoul(argv[2], NULL, 10)) == 0 || n > 1000000) {
		fprintf(stderr, "usage: benchq batch|verdict N | file N PATH\n");
		return 2;
	}
	if (strcmp(argv[1], "file") == 0)
		return argc == 4 ? file((uint32_t)n, argv[3]) : 2;
	/* where PID 1's namespace cannot be read, the caller vouches */
	if (stat("/proc/self/ns/net", &self) == -1)
		die("/proc/self/ns/net");
	if (stat("/proc/1/ns/net", &init) == -1 ?
	    getenv("BENCHQ_NETNS") == NULL : self.st_ino == init.st_ino) {
		fprintf(stderr, "benchq: run me in a network namespace (ip "
		    "netns exec), not in the host's\n");
		return 2;
	}
	if (strcmp(argv[1], "batch") == 0)
		return batch((uint32_t)n);
	if (strcmp(argv[1], "verdict") == 0)
		return verdicts((uint32_t)n);
	return 2;
}
