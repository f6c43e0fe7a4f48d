/*
 * The state file: the baselines (services' lifetimes, hosts' learned
 * range, allocator, fixed UDP ports and rates, the population's rates),
 * so that a restart, or a replay of another capture, does not learn again.
 *
 * Text, one record a line, each line ending in its own CRC-32, and an end
 * line with the record count:
 *
 *   ephemd-state 1
 *   gateway <saved_ms> <learned 0|1> <decays> <pop_minutes> <rate buckets>
 *   svc <proto> <port> <flows> <under_1m> <under_3m> <max_ms> <min_ms>
 *       <life buckets>
 *   host <addr or prefix/64> <first_ms> <learned_ms> <family>
 *       <allocator | classes << 8> <port_min>
 *       <port_max> <even_ratio> <fixed ports> <rate_minutes> <rate buckets>
 *   end <records>
 *
 * Buckets are "-" or index:count pairs joined by commas.  Written to a
 * temporary file, fsync'd, renamed over the old one, and the directory
 * fsync'd: a crash leaves the old file or the new one.  On load a damaged
 * line (bad CRC, bad field) is reported as FILE:LINE and skipped, the
 * rest is kept; a missing end line is reported as a truncation.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect.h"

#define STATE_MAGIC	"ephemd-state"
#define STATE_VERSION	1

/* Non-empty buckets as index:count pairs, "-" for none. */
static void
buckets(char *out, size_t len, const uint32_t *c, size_t n)
{
	size_t	i, used = 0;
	int	w;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (c[i] == 0)
			continue;
		w = snprintf(out + used, len - used, "%s%zu:%" PRIu32,
		    used ? "," : "", i, c[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		snprintf(out, len, "-");
}

static int
state_write(FILE *fp, const struct detect *d, uint64_t now_ms)
{
	const struct core	*c = d->core;
	const struct svc	*s;
	const struct host	*h;
	const struct hdet	*hd;
	char			 b[2048], a[ADDR_STRLEN];
	size_t			 i, records = 0;

	fprintf(fp, "%s %d\n", STATE_MAGIC, STATE_VERSION);
	buckets(b, sizeof(b), d->pop_rate.w, RATE_BUCKETS);
	record_put(fp, "gateway %" PRIu64 " %d %" PRIu64 " %" PRIu32 " %s", now_ms,
	    d->baselined || !detect_learning(d, now_ms), d->decays,
	    d->pop_minutes, b);
	records++;
	for (i = 0; i < c->svcs.n; i++) {
		s = &c->svcs.v[i];
		if (s->life.n == 0)
			continue;
		buckets(b, sizeof(b), s->life.c, LHIST_BUCKETS);
		record_put(fp, "svc %u %u %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu64
		    " %" PRIu64 " %s", s->proto, s->port, s->flows, s->under_1m,
		    s->under_3m, s->max_ms, s->life.min, b);
		records++;
	}
	for (i = 0; i < c->hosts.n && i < d->hd_cap; i++) {
		h = &c->hosts.v[i];
		hd = &d->hd[i];
		if (hd->learned_ms == 0)
			continue;	/* nothing learned: it learns again */
		host_fmt(h, a, sizeof(a));
		buckets(b, sizeof(b), hd->rate.w, RATE_BUCKETS);
		record_put(fp, "host %s %" PRIu64 " %" PRIu64 " %u %u %u %u %.4f "
		    "%u,%u,%u,%u,%u,%u,%u,%u %" PRIu32 " %s", a, h->first_ms,
		    hd->learned_ms, hd->family, hd->allocator |
		    (unsigned)hd->ac_classes << 8, hd->port_min,
		    hd->port_max, hd->even_ratio, hd->fixed[0], hd->fixed[1],
		    hd->fixed[2], hd->fixed[3], hd->fixed[4], hd->fixed[5],
		    hd->fixed[6], hd->fixed[7], hd->rate_minutes, b);
		records++;
	}
	record_put(fp, "end %zu", records);
	return 0;
}

/*
 * Save the baselines to path, atomically.  0, or -1 with the reason in
 * errno and a message in err.
 */
int
state_save(const struct detect *d, const char *path, uint64_t now_ms,
    char *err, size_t errlen)
{
	char	 tmp[4096], dir[4096];
	FILE	*fp = NULL;
	int	 fd = -1, dfd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	/*
	 * Made anew, never through a link: one left by a crash goes first
	 * (the daemon removes it at start too; a replay does not).
	 */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	state_write(fp, d, now_ms);
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(fp) == EOF) {
		fp = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	/* the rename itself must reach the disk */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	saved = errno;
	if (fp != NULL)
		fclose(fp);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

/* Parse "i:c,i:c" or "-" into c[n]; -1 on a bad list. */
static int
parse_buckets(const char *s, uint32_t *c, size_t n)
{
	char			*end;
	unsigned long		 i;
	unsigned long long	 v;

	memset(c, 0, n * sizeof(*c));
	if (strcmp(s, "-") == 0)
		return 0;
	for (;;) {
		errno = 0;
		i = strtoul(s, &end, 10);
		if (end == s || *end != ':' || i >= n)
			return -1;
		s = end + 1;
		v = strtoull(s, &end, 10);
		if (end == s || errno != 0 || v > UINT32_MAX)
			return -1;
		c[i] = (uint32_t)v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

struct loader {
	struct detect		*d;
	struct record_reader	 r;
	size_t			 svcs, hosts;
};

static void
load_gateway(struct loader *l, char *s)
{
	struct detect	*d = l->d;
	uint64_t	 saved, decays;
	unsigned	 minutes, learned;
	char		 b[RECORD_LINE];
	struct rhist	 r;

	if (sscanf(s, "%" SCNu64 " %u %" SCNu64 " %u %4095s", &saved,
	    &learned, &decays, &minutes, b) != 5 || learned > 1 ||
	    parse_buckets(b, r.w, RATE_BUCKETS) == -1) {
		record_bad(&l->r, "gateway record: bad fields");
		return;
	}
	d->pop_rate = r;
	d->pop_minutes = minutes;
	d->decays = decays;
	d->baselined = learned == 1;
}

static void
load_svc(struct loader *l, char *s)
{
	struct core	*c = l->d->core;
	struct svc	*sv;
	uint32_t	 si;
	unsigned	 proto, port, flows, u1, u3;
	uint64_t	 max_ms, min_ms, n = 0;
	char		 b[RECORD_LINE];
	struct lhist	 h;
	size_t		 i;

	memset(&h, 0, sizeof(h));
	if (sscanf(s, "%u %u %u %u %u %" SCNu64 " %" SCNu64 " %4095s", &proto,
	    &port, &flows, &u1, &u3, &max_ms, &min_ms, b) != 8 ||
	    proto > 255 || port > 65535 ||
	    parse_buckets(b, h.c, LHIST_BUCKETS) == -1 || min_ms > max_ms) {
		record_bad(&l->r, "service record: bad fields");
		return;
	}
	for (i = 0; i < LHIST_BUCKETS; i++)
		n += h.c[i];
	if (n == 0 || n > UINT32_MAX) {
		record_bad(&l->r, "service record: no lifetimes");
		return;
	}
	if ((sv = svctab_get(&c->svcs, (uint8_t)proto, (uint16_t)port,
	    &si)) == NULL) {
		record_bad(&l->r, "service record: the service table is full");
		return;
	}
	h.n = (uint32_t)n;
	h.min = min_ms;
	h.max = max_ms;
	sv->life = h;
	sv->flows = flows;
	sv->under_1m = u1;
	sv->under_3m = u3;
	sv->max_ms = max_ms;
	l->svcs++;
}

static void
load_host(struct loader *l, char *s)
{
	struct detect	*d = l->d;
	struct host	*h;
	struct hdet	*hd;
	struct addr	 a;
	char		 as[64], fixed[128], b[RECORD_LINE];
	uint64_t	 first, learned;
	unsigned	 fam, alloc, pmin, pmax, minutes, f[HD_FIXED];
	float		 even;
	static const uint8_t zero[8];
	uint32_t	 hi;
	struct rhist	 r;
	size_t		 i, len;
	bool		 prefix = false;

	if (sscanf(s, "%63s %" SCNu64 " %" SCNu64 " %u %u %u %u %f %127s %u "
	    "%4095s", as, &first, &learned, &fam, &alloc, &pmin, &pmax, &even,
	    fixed, &minutes, b) != 11)
		goto bad;
	if ((len = strlen(as)) > 3 && strcmp(as + len - 3, "/64") == 0) {
		prefix = true;		/* a /64's host */
		len -= 3;
	}
	if (addr_parse(as, len, &a) == -1 || learned == 0 ||
	    (prefix && (addr_is_v4(&a) || memcmp(a.b + 8, zero, 8) != 0)) ||
	    fam > RF_CUSTOM || (alloc & 0xff) > AL_MIXED || alloc > 0xffff ||
	    pmin > 65535 ||
	    pmax > 65535 || pmin > pmax || !(even >= 0 && even <= 1) ||
	    sscanf(fixed, "%u,%u,%u,%u,%u,%u,%u,%u", &f[0], &f[1], &f[2],
	    &f[3], &f[4], &f[5], &f[6], &f[7]) != HD_FIXED ||
	    parse_buckets(b, r.w, RATE_BUCKETS) == -1) {
bad:
		record_bad(&l->r, "host record: bad fields");
		return;
	}
	for (i = 0; i < HD_FIXED; i++)
		if (f[i] > 65535) {
			record_bad(&l->r, "host record: a fixed port above 65535");
			return;
		}
	if ((h = core_host_load(d->core, &a, prefix, first, &hi)) == NULL ||
	    (hd = detect_hdet(d, hi)) == NULL) {
		record_bad(&l->r, "host record: %s", hosttab_find(
		    &d->core->hosts, &a, &hi) != NULL ? "a second record of "
		    "the host" : "the host table is full");
		return;
	}
	h->first_ms = first;
	h->last_ms = 0;		/* not seen in this run (reports skip it) */
	h->hflags |= HF_LEARNED;
	hd->learned_ms = learned;
	hd->family = (uint8_t)fam;
	hd->allocator = (uint8_t)(alloc & 0xff);
	hd->ac_classes = (uint8_t)(alloc >> 8);
	hd->port_min = (uint16_t)pmin;
	hd->port_max = (uint16_t)pmax;
	hd->even_ratio = even;
	hd->ac_orig = hd->allocator;
	hd->ac_orig_even = even;
	for (i = 0; i < HD_FIXED; i++)
		hd->fixed[i] = (uint16_t)f[i];
	hd->rate = r;
	hd->rate_minutes = minutes;
	host_alloc_feat(h, &hd->ac_snap);
	l->hosts++;
}

/*
 * Load baselines from path into a fresh core and detectors.  Damage is
 * reported on errs and skipped.  Returns the number of damaged records,
 * or -1 when nothing could be read (no file, not a state file, another
 * version): learning restarts.
 */
int
state_load(struct detect *d, const char *path, FILE *errs)
{
	struct loader	 l = { .d = d };
	char		*rec, *sp;
	int		 problems;

	if (record_open(&l.r, path, STATE_MAGIC, STATE_VERSION, errs) == -1) {
		fprintf(errs, "%s: learning from scratch\n", path);
		return -1;
	}
	while ((rec = record_read(&l.r)) != NULL) {
		if ((sp = strchr(rec, ' ')) == NULL) {
			record_bad(&l.r, "a record without fields");
			continue;
		}
		*sp++ = '\0';
		if (strcmp(rec, "gateway") == 0)
			load_gateway(&l, sp);
		else if (strcmp(rec, "svc") == 0)
			load_svc(&l, sp);
		else if (strcmp(rec, "host") == 0)
			load_host(&l, sp);
		else
			record_bad(&l.r, "unknown record type %s", rec);
	}
	problems = record_close(&l.r);
	fprintf(errs, "%s: loaded %zu services and %zu hosts%s\n", path,
	    l.svcs, l.hosts, problems ? " (damaged records skipped)" : "");
	return problems;
}
