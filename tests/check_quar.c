/*
 * Unit tests for quar.c, the quarantine's policy and quarantine.file,
 * with a fake kernel: a verdict blocks, a repeat offence refreshes longer
 * up to the cap, the same incident changes nothing; the allowlists,
 * learning, the hourly and the hosts caps, dry runs and a disabled
 * quarantine refuse; a refused element blocks nobody, an unreachable
 * kernel gets the block later; a /64 only with quarantine.prefix64; by
 * hand, release, expiry, forgetting, adoption of the kernel's elements
 * and NFLOG drops; the file saved
 * loads back the same, damage is reported as FILE:LINE and skipped, a
 * foreign file or another version is refused.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <unistd.h>

#include "live.h"
#include "testutil.h"

#define T0	1795000000000ULL	/* wall clock, ms */
#define SEC	1000ULL
#define MIN	60000ULL
#define HOUR	3600000ULL
#define DAY	86400000ULL

static struct quar_conf	 conf;
static struct quar	*q, *q2;
static char		 note[256];
static char		 dir[64];
static char		 path[128];

/* The fake kernel: what it was given, and what it answers. */
#define MAXPUSH	1024

static int		 cookie;		/* the backend's arg */
static struct nftq_elem	 pushed[MAXPUSH];
static size_t		 npushed;
static int		 push_calls;
static bool		 refuse;		/* refuse every element */
static bool		 unreachable;		/* push gives -1 */
static int		 allow_answer;		/* allowed()'s answer */
static int		 allow_calls;
static struct addr	 allow_asked;

static int
fake_push(void *arg, struct nftq_elem *v, size_t n)
{
	size_t	i;
	int	refused = 0;

	ck_assert_ptr_eq(arg, &cookie);
	push_calls++;
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(npushed, MAXPUSH);
		pushed[npushed++] = v[i];
	}
	if (unreachable)
		return -1;
	for (i = 0; i < n; i++)
		if (refuse) {
			v[i].err = EINVAL;
			refused++;
		}
	return refused;
}

static int
fake_allowed(void *arg, const struct addr *a)
{
	ck_assert_ptr_eq(arg, &cookie);
	allow_calls++;
	allow_asked = *a;
	return allow_answer;
}

static struct quar *
new_quar(void)
{
	struct quar	*nq;

	nq = quar_new(&conf);
	ck_assert_ptr_nonnull(nq);
	nq->be.push = fake_push;
	nq->be.allowed = fake_allowed;
	nq->be.arg = &cookie;
	return nq;
}

static void
setup(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	conf.timeout_s = 3600;
	conf.escalation = 4;
	conf.max_timeout_s = 86400;
	conf.forget_s = 7 * 86400;
	conf.per_hour = 10;
	conf.max_hosts = 50;
	conf.max_burst = 0;	/* the breaker has its own tests */
	conf.burst_window_s = 600;
	ck_assert_int_eq(netlist_add_str(&conf.allow, "192.168.0.0/16"), 0);
	ck_assert_int_eq(netlist_add_str(&conf.allow, "2001:db8:1::/48"), 0);
	memset(pushed, 0, sizeof(pushed));
	npushed = 0;
	push_calls = 0;
	refuse = unreachable = false;
	allow_answer = 0;
	allow_calls = 0;
	note[0] = '\0';
	q = new_quar();
	q2 = NULL;
	t_mkdtemp(dir, sizeof(dir), "check_quar");
	snprintf(path, sizeof(path), "%s/quarantine", dir);
}

static void
teardown(void)
{
	quar_free(q);
	quar_free(q2);
	netlist_clear(&conf.allow);
	t_rmtree(dir);
}

/* The address s, which must parse. */
static struct addr
addr_of(const char *s)
{
	struct addr	a;

	ck_assert_msg(addr_parse(s, strlen(s), &a) == 0, "parse %s", s);
	return a;
}

/* A verdict of the scan detector on s; its note in note. */
static int
verdict_of(struct quar *qq, const char *s, bool dry_run, bool learning,
    uint64_t now)
{
	struct addr	a = addr_of(s);

	note[0] = '\0';
	return quar_verdict(qq, &a, "scan", (dry_run ? QV_DRYRUN : 0) |
	    (learning ? QV_LEARNING : 0), now, note, sizeof(note));
}

static int
verdict(const char *s, uint64_t now)
{
	return verdict_of(q, s, false, false, now);
}

static int
add(const char *s, uint32_t timeout_s, uint64_t now)
{
	struct addr	a = addr_of(s);

	note[0] = '\0';
	return quar_add(q, &a, false, timeout_s, now, note, sizeof(note));
}

static int
del(const char *s, uint64_t now)
{
	struct addr	a = addr_of(s);

	return quar_del(q, &a, false, now);
}

static struct qhost *
host_of(struct quar *qq, const char *s)
{
	struct addr	a = addr_of(s);

	return quar_find(qq, &a);
}

static void
has_note(const char *want)
{
	ck_assert_msg(strstr(note, want) != NULL, "note \"%s\", not \"%s\"",
	    note, want);
}

/* The last element pushed is op on s with timeout_ms. */
static void
last_pushed(const char *s, int op, uint64_t timeout_ms)
{
	struct addr	a = addr_of(s);

	ck_assert_uint_gt(npushed, 0);
	ck_assert_msg(addr_cmp(&pushed[npushed - 1].addr, &a) == 0,
	    "pushed another address than %s", s);
	ck_assert_int_eq(pushed[npushed - 1].op, op);
	ck_assert_uint_eq(pushed[npushed - 1].timeout_ms, timeout_ms);
}

/* A first verdict blocks: one add with the first timeout. */
START_TEST(test_quar_block)
{
	struct qhost	*h;

	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	has_note("blocked for 3600 s (offence 1)");
	ck_assert_uint_eq(npushed, 1);
	last_pushed("10.0.0.5", NFTQ_ADD, 3600 * SEC);
	ck_assert_int_eq(allow_calls, 1);
	ck_assert_int_eq(addr_cmp(&allow_asked, &pushed[0].addr), 0);
	h = host_of(q, "10.0.0.5");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->since_ms, T0);
	ck_assert_uint_eq(h->until_ms, T0 + 3600 * SEC);
	ck_assert_uint_eq(h->last_ms, T0);
	ck_assert_uint_eq(h->offences, 1);
	ck_assert_uint_eq(h->timeout_s, 3600);
	ck_assert(!h->manual);
	ck_assert_str_eq(h->detector, "scan");
	ck_assert(q->dirty);
	ck_assert_uint_eq(quar_active(q, T0), 1);
	ck_assert_uint_eq(quar_active(q, T0 + 3600 * SEC - 1), 1);
	ck_assert_uint_eq(quar_active(q, T0 + 3600 * SEC), 0);
	ck_assert_uint_eq(q->results[QR_BLOCKED], 1);
	ck_assert_ptr_null(host_of(q, "10.0.0.6"));

	/* IPv6 the same */
	ck_assert_int_eq(verdict("2001:db8::99", T0), QR_BLOCKED);
	last_pushed("2001:db8::99", NFTQ_ADD, 3600 * SEC);
	ck_assert_uint_eq(quar_active(q, T0), 2);
}
END_TEST

/*
 * The same incident (within a minute of the last offence) changes
 * nothing; a repeat offence refreshes for 4 times longer each time, up to
 * max_timeout.  A repeat after the block ended is a new block, still
 * escalated; after forget_s without an offence, it starts over.
 */
START_TEST(test_quar_escalation)
{
	struct qhost	*h;
	uint64_t	 t;

	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 30 * SEC), QR_ALREADY);
	has_note("already blocked (the same incident): 3570 s left");
	ck_assert_uint_eq(npushed, 1);
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->offences, 1);
	ck_assert_uint_eq(h->last_ms, T0);

	ck_assert_int_eq(verdict("10.0.0.5", T0 + 10 * MIN), QR_REFRESHED);
	has_note("refreshed: blocked for 14400 s (offence 2)");
	ck_assert_uint_eq(npushed, 2);
	last_pushed("10.0.0.5", NFTQ_REFRESH, 4 * 3600 * SEC);
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->offences, 2);
	ck_assert_uint_eq(h->timeout_s, 4 * 3600);
	ck_assert_uint_eq(h->since_ms, T0);
	ck_assert_uint_eq(h->until_ms, T0 + 10 * MIN + 4 * 3600 * SEC);

	ck_assert_int_eq(verdict("10.0.0.5", T0 + 20 * MIN), QR_REFRESHED);
	last_pushed("10.0.0.5", NFTQ_REFRESH, 16 * 3600 * SEC);
	ck_assert_uint_eq(h->timeout_s, 16 * 3600);
	/* 64 hours: capped at max_timeout, and stays there */
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 30 * MIN), QR_REFRESHED);
	has_note("refreshed: blocked for 86400 s (offence 4)");
	last_pushed("10.0.0.5", NFTQ_REFRESH, 86400 * SEC);
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 40 * MIN), QR_REFRESHED);
	last_pushed("10.0.0.5", NFTQ_REFRESH, 86400 * SEC);
	ck_assert_uint_eq(h->offences, 5);
	ck_assert_uint_eq(h->until_ms, T0 + 40 * MIN + DAY);
	ck_assert_uint_eq(h->since_ms, T0);
	ck_assert_uint_eq(quar_active(q, T0 + 40 * MIN), 1);
	ck_assert_uint_eq(q->results[QR_BLOCKED], 1);
	ck_assert_uint_eq(q->results[QR_ALREADY], 1);
	ck_assert_uint_eq(q->results[QR_REFRESHED], 4);

	/* ended, offended again within forget: a new block, escalated */
	t = T0 + 40 * MIN + DAY + HOUR;
	ck_assert_uint_eq(quar_tick(q, t), 1);
	ck_assert_int_eq(verdict("10.0.0.5", t), QR_BLOCKED);
	has_note("blocked for 86400 s (offence 6)");
	last_pushed("10.0.0.5", NFTQ_ADD, 86400 * SEC);
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->since_ms, t);

	/* forget_s later: a first offence again */
	t += 7 * DAY;
	ck_assert_int_eq(verdict("10.0.0.5", t), QR_BLOCKED);
	has_note("blocked for 3600 s (offence 1)");
	last_pushed("10.0.0.5", NFTQ_ADD, 3600 * SEC);
	ck_assert_uint_eq(host_of(q, "10.0.0.5")->offences, 1);
}
END_TEST

/* quarantine.allow refuses, names the network, and pushes nothing. */
START_TEST(test_quar_allow_conf)
{
	ck_assert_int_eq(verdict("192.168.3.4", T0), QR_ALLOW_CONF);
	has_note("refused: in quarantine.allow (192.168.0.0/16)");
	ck_assert_int_eq(verdict("2001:db8:1:2::5", T0), QR_ALLOW_CONF);
	has_note("refused: in quarantine.allow (2001:db8:1::/48)");
	/* a dry run is refused the same */
	ck_assert_int_eq(verdict_of(q, "192.168.0.1", true, false, T0),
	    QR_ALLOW_CONF);
	ck_assert_uint_eq(npushed, 0);
	ck_assert_int_eq(allow_calls, 0);	/* not asked further */
	ck_assert_uint_eq(q->n, 0);
	ck_assert_uint_eq(q->results[QR_ALLOW_CONF], 3);
	/* next door is not allowed */
	ck_assert_int_eq(verdict("192.169.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("2001:db8:2::1", T0), QR_BLOCKED);
	ck_assert_uint_eq(npushed, 2);
}
END_TEST

/* The allow4 / allow6 sets refuse when they hold it; unknown does not. */
START_TEST(test_quar_allow_set)
{
	allow_answer = 1;
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_ALLOW_SET);
	has_note("refused: in the nftables set " NFTQ_ALLOW4);
	ck_assert_int_eq(addr_cmp(&allow_asked, &(struct addr){
	    .b = { [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 5 } }), 0);
	ck_assert_int_eq(verdict("2001:db8::5", T0), QR_ALLOW_SET);
	has_note("refused: in the nftables set " NFTQ_ALLOW6);
	ck_assert_uint_eq(npushed, 0);
	ck_assert_uint_eq(q->n, 0);
	ck_assert_uint_eq(q->results[QR_ALLOW_SET], 2);

	allow_answer = -1;		/* the set could not be read */
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	allow_answer = 0;
	ck_assert_int_eq(verdict("10.0.0.6", T0), QR_BLOCKED);
	ck_assert_uint_eq(npushed, 2);
	ck_assert_int_eq(allow_calls, 4);
}
END_TEST

/* While the gateway learns, nobody is blocked. */
START_TEST(test_quar_learning)
{
	ck_assert_int_eq(verdict_of(q, "10.0.0.5", false, true, T0),
	    QR_LEARNING);
	has_note("still learning");
	ck_assert_uint_eq(npushed, 0);
	ck_assert_uint_eq(q->n, 0);
	ck_assert_uint_eq(quar_active(q, T0), 0);
	ck_assert_uint_eq(q->results[QR_LEARNING], 1);
	ck_assert_int_eq(verdict_of(q, "10.0.0.5", false, false, T0),
	    QR_BLOCKED);
}
END_TEST

/*
 * per_hour 3: the 4th new host within the hour is refused, a repeat
 * offence of one blocked is not; an hour after, new hosts go in again.
 * Manual blocks are not counted.
 */
START_TEST(test_quar_hourly)
{
	struct addr	a = addr_of("10.0.0.9");

	conf.per_hour = 3;
	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.2", T0 + 1 * MIN), QR_BLOCKED);
	ck_assert_int_eq(verdict("2001:db8::3", T0 + 2 * MIN), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.4", T0 + 3 * MIN), QR_HOURLY);
	has_note("refused: 3 quarantines in the last hour "
	    "(quarantine.max_per_hour)");
	ck_assert_uint_eq(npushed, 3);
	ck_assert_ptr_null(host_of(q, "10.0.0.4"));
	ck_assert_int_eq(verdict("10.0.0.1", T0 + 4 * MIN), QR_REFRESHED);
	ck_assert_uint_eq(npushed, 4);
	/* by hand: not refused, not counted */
	ck_assert_int_eq(quar_add(q, &a, false, 0, T0 + 5 * MIN, note, sizeof(note)),
	    QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.4", T0 + 5 * MIN), QR_HOURLY);
	ck_assert_uint_eq(q->results[QR_HOURLY], 2);

	/* 10.0.0.1's hour is over: one more */
	ck_assert_int_eq(verdict("10.0.0.4", T0 + HOUR), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.5", T0 + HOUR), QR_HOURLY);
	/* every one of them is over */
	ck_assert_int_eq(verdict("10.0.0.5", T0 + HOUR + 3 * MIN), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.6", T0 + HOUR + 3 * MIN), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.7", T0 + HOUR + 3 * MIN), QR_HOURLY);
	ck_assert_uint_eq(q->results[QR_BLOCKED], 6);
	ck_assert_uint_eq(q->results[QR_REFRESHED], 1);
	ck_assert_uint_eq(q->results[QR_HOURLY], 4);
}
END_TEST

/* max_hosts 2: a third is refused until one is released or expires. */
START_TEST(test_quar_max_hosts)
{
	conf.max_hosts = 2;
	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("2001:db8::2", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.3", T0 + MIN), QR_MAX_HOSTS);
	has_note("refused: 2 hosts are quarantined already "
	    "(quarantine.max_hosts)");
	ck_assert_ptr_null(host_of(q, "10.0.0.3"));
	ck_assert_int_eq(verdict("10.0.0.1", T0 + 2 * MIN), QR_REFRESHED);
	ck_assert_uint_eq(npushed, 3);
	ck_assert_int_eq(del("10.0.0.1", T0 + 3 * MIN), 0);
	ck_assert_int_eq(verdict("10.0.0.3", T0 + 3 * MIN), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.4", T0 + 3 * MIN), QR_MAX_HOSTS);
	/* an hour on, 2001:db8::2 and 10.0.0.3 have expired */
	ck_assert_int_eq(verdict("10.0.0.4", T0 + 3 * MIN + HOUR),
	    QR_BLOCKED);
	ck_assert_uint_eq(q->results[QR_MAX_HOSTS], 2);
}
END_TEST

/*
 * A dry run, asked for or configured, decides and says what it would do,
 * but pushes and records nothing.
 */
START_TEST(test_quar_dry_run)
{
	struct qhost	*h;

	ck_assert_int_eq(verdict_of(q, "10.0.0.5", true, false, T0),
	    QR_DRYRUN);
	has_note("dry run: would block for 3600 s (offence 1)");
	ck_assert_uint_eq(npushed, 0);
	ck_assert_uint_eq(q->n, 0);

	ck_assert_int_eq(verdict("10.0.0.6", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict_of(q, "10.0.0.6", true, false, T0 + 10 * MIN),
	    QR_DRYRUN);
	has_note("dry run: would refresh the block for 14400 s (offence 2)");
	h = host_of(q, "10.0.0.6");
	ck_assert_uint_eq(h->offences, 1);
	ck_assert_uint_eq(h->until_ms, T0 + 3600 * SEC);
	ck_assert_uint_eq(npushed, 1);

	conf.dry_run = true;
	ck_assert_int_eq(verdict("10.0.0.7", T0), QR_DRYRUN);
	ck_assert_int_eq(verdict("10.0.0.6", T0 + 20 * MIN), QR_DRYRUN);
	ck_assert_uint_eq(npushed, 1);
	ck_assert_ptr_null(host_of(q, "10.0.0.7"));
	ck_assert_uint_eq(q->results[QR_DRYRUN], 4);
	/* the caps hold in a dry run too */
	conf.per_hour = 1;
	ck_assert_int_eq(verdict("10.0.0.8", T0 + 20 * MIN), QR_HOURLY);
}
END_TEST

/* enabled false: refused, but for dry runs. */
START_TEST(test_quar_disabled)
{
	conf.enabled = false;
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_DISABLED);
	has_note("refused: quarantine.enabled is false");
	ck_assert_uint_eq(npushed, 0);
	ck_assert_uint_eq(q->n, 0);
	ck_assert_int_eq(verdict_of(q, "10.0.0.5", true, false, T0),
	    QR_DRYRUN);
	conf.dry_run = true;
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_DRYRUN);
	ck_assert_uint_eq(npushed, 0);
	ck_assert_uint_eq(q->n, 0);
	ck_assert_uint_eq(q->results[QR_DISABLED], 1);
	ck_assert_uint_eq(q->results[QR_DRYRUN], 2);
}
END_TEST

/*
 * The kernel refuses the element: QR_KERNEL, nobody quarantined, and the
 * hourly cap not used up; a refused refresh leaves the block as it was.
 */
START_TEST(test_quar_kernel_refuses)
{
	struct qhost	*h, old;

	conf.per_hour = 1;
	refuse = true;
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_KERNEL);
	has_note("refused: the kernel refused the element (");
	has_note(strerror(EINVAL));
	ck_assert_uint_eq(npushed, 1);
	ck_assert_uint_eq(quar_active(q, T0), 0);
	h = host_of(q, "10.0.0.5");
	ck_assert(h == NULL || (h->until_ms == 0 && h->offences == 0));
	ck_assert_uint_eq(q->results[QR_KERNEL], 1);

	refuse = false;
	ck_assert_int_eq(verdict("10.0.0.6", T0 + MIN), QR_BLOCKED);
	has_note("offence 1");
	h = host_of(q, "10.0.0.6");
	old = *h;
	refuse = true;
	ck_assert_int_eq(verdict("10.0.0.6", T0 + 10 * MIN), QR_KERNEL);
	last_pushed("10.0.0.6", NFTQ_REFRESH, 4 * 3600 * SEC);
	h = host_of(q, "10.0.0.6");
	ck_assert_uint_eq(h->until_ms, old.until_ms);
	ck_assert_uint_eq(h->offences, old.offences);
	ck_assert_uint_eq(h->timeout_s, old.timeout_s);
	ck_assert_uint_eq(h->last_ms, old.last_ms);
	ck_assert_uint_eq(quar_active(q, T0 + 10 * MIN), 1);
	ck_assert_uint_eq(q->results[QR_KERNEL], 2);
	ck_assert_uint_eq(q->results[QR_REFRESHED], 0);
}
END_TEST

/*
 * The kernel unreachable: the block is made all the same and pushed
 * later by quar_repush(), with the time it has left.
 */
START_TEST(test_quar_unreachable)
{
	unreachable = true;
	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	has_note("blocked for 3600 s");
	ck_assert_uint_eq(q->unreachable, 1);
	ck_assert_uint_eq(quar_active(q, T0), 1);
	ck_assert_int_eq(add("2001:db8::6", 60, T0), QR_BLOCKED);
	ck_assert_uint_eq(q->unreachable, 2);
	ck_assert_int_eq(quar_repush(q, T0 + MIN), -1);

	unreachable = false;
	npushed = 0;
	/* 2001:db8::6's minute is over: only 10.0.0.5 is due */
	ck_assert_int_eq(quar_repush(q, T0 + 10 * MIN), 1);
	ck_assert_uint_eq(npushed, 1);
	last_pushed("10.0.0.5", NFTQ_ADD, 3600 * SEC - 10 * MIN);

	/* refused on the way back: not counted as pushed */
	refuse = true;
	ck_assert_int_eq(quar_repush(q, T0 + 20 * MIN), 0);
	/* nothing due: nothing pushed */
	refuse = false;
	push_calls = 0;
	ck_assert_int_eq(quar_repush(q, T0 + 2 * HOUR), 0);
	ck_assert_int_eq(push_calls, 0);
	/* no kernel at all */
	q->be.push = NULL;
	ck_assert_int_eq(verdict("10.0.0.7", T0), QR_BLOCKED);
	ck_assert_int_eq(quar_repush(q, T0), 0);
}
END_TEST

static int	notes_adopted, notes_released;

static void
count_note(void *arg, const struct qhost *h, bool adopted)
{
	if (adopted)
		notes_adopted++;
	else
		notes_released++;
}

/*
 * The sets against the blocks: a block whose element is gone was released
 * by hand (not one just made, nor one about to end, nor one whose push
 * never arrived: that one is pushed again); an unexplained element with a
 * timeout is adopted, one without is left alone.
 */
START_TEST(test_quar_reconcile)
{
	struct nftq_elem	k[3];

	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.2", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.3", T0 + 10 * MIN), QR_BLOCKED);
	unreachable = true;
	ck_assert_int_eq(verdict("10.0.0.4", T0), QR_BLOCKED);
	unreachable = false;
	memset(k, 0, sizeof(k));
	k[0].addr = addr_of("10.0.0.1");	/* still there */
	k[0].expires_ms = 30 * MIN;
	k[1].addr = addr_of("10.0.0.9");	/* added with nft */
	k[1].timeout_ms = 15 * MIN;
	k[1].expires_ms = 14 * MIN;
	k[2].addr = addr_of("10.0.0.10");	/* no timeout: not ours */
	npushed = 0;
	/* 10.0.0.3 was blocked 1 s ago: its element may be on its way */
	ck_assert_uint_eq(quar_reconcile(q, k, 3, T0 + 10 * MIN + SEC,
	    count_note, NULL), 2);
	ck_assert_int_eq(notes_adopted, 1);
	ck_assert_int_eq(notes_released, 1);
	ck_assert_uint_eq(q->released, 1);
	ck_assert_uint_eq(host_of(q, "10.0.0.2")->until_ms, 0);
	ck_assert_uint_eq(host_of(q, "10.0.0.2")->offences, 0);
	ck_assert_uint_gt(host_of(q, "10.0.0.1")->until_ms, 0);
	ck_assert_uint_gt(host_of(q, "10.0.0.3")->until_ms, 0);
	ck_assert_uint_eq(host_of(q, "10.0.0.9")->until_ms,
	    T0 + 10 * MIN + SEC + 14 * MIN);
	ck_assert(host_of(q, "10.0.0.9")->manual);
	ck_assert_ptr_null(host_of(q, "10.0.0.10"));
	/* the push that never arrived is made again, not released */
	ck_assert_uint_gt(host_of(q, "10.0.0.4")->until_ms, 0);
	ck_assert(!host_of(q, "10.0.0.4")->pending);
	ck_assert_uint_eq(npushed, 1);
	last_pushed("10.0.0.4", NFTQ_ADD, 3600 * SEC - 10 * MIN - SEC);
}
END_TEST

/*
 * A dump that lists an unknown element many times (the kernel does not,
 * a corrupted reply could): adopted once, and the table's own marks stay
 * within it (this wrote past them; ASan in build-san).
 */
START_TEST(test_quar_reconcile_twice)
{
	struct nftq_elem	k[40];
	size_t			i;

	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	memset(k, 0, sizeof(k));
	for (i = 0; i < 40; i++) {
		k[i].addr = addr_of(i % 2 ? "10.0.0.9" : "10.0.0.8");
		k[i].timeout_ms = 15 * MIN;
		k[i].expires_ms = 14 * MIN;
	}
	/* 10.0.0.1's element is not listed: released by hand */
	ck_assert_uint_eq(quar_reconcile(q, k, 40, T0 + 10 * MIN,
	    count_note, NULL), 3);
	ck_assert_int_eq(notes_adopted, 2);
	ck_assert_ptr_nonnull(host_of(q, "10.0.0.8"));
	ck_assert_ptr_nonnull(host_of(q, "10.0.0.9"));
}
END_TEST

/*
 * By hand: the caps do not hold (nor learning, which quar_add does not
 * take), the allowlists do; a timeout of 0 is the next offence's.
 */
START_TEST(test_quar_manual)
{
	struct qhost	*h;

	conf.max_hosts = 1;
	conf.per_hour = 1;
	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.2", T0), QR_MAX_HOSTS);
	ck_assert_int_eq(add("10.0.0.2", 600, T0), QR_BLOCKED);
	has_note("blocked for 600 s (offence 1)");
	last_pushed("10.0.0.2", NFTQ_ADD, 600 * SEC);
	h = host_of(q, "10.0.0.2");
	ck_assert(h->manual);
	ck_assert_str_eq(h->detector, "manual");
	ck_assert_uint_eq(h->timeout_s, 600);
	ck_assert_uint_eq(h->until_ms, T0 + 600 * SEC);
	ck_assert_int_eq(add("2001:db8::3", 0, T0), QR_BLOCKED);
	last_pushed("2001:db8::3", NFTQ_ADD, 3600 * SEC);
	ck_assert_uint_eq(quar_active(q, T0), 3);
	/* again by hand: a refresh */
	ck_assert_int_eq(add("10.0.0.2", 0, T0 + 10 * SEC), QR_REFRESHED);
	last_pushed("10.0.0.2", NFTQ_REFRESH, 4 * 3600 * SEC);
	/* the allowlists hold */
	ck_assert_int_eq(add("192.168.1.1", 600, T0), QR_ALLOW_CONF);
	has_note("192.168.0.0/16");
	allow_answer = 1;
	ck_assert_int_eq(add("10.0.0.4", 600, T0), QR_ALLOW_SET);
	ck_assert_uint_eq(npushed, 4);
	/* only verdicts are counted */
	ck_assert_uint_eq(q->results[QR_BLOCKED], 1);
	ck_assert_uint_eq(q->results[QR_MAX_HOSTS], 1);
	ck_assert_uint_eq(q->results[QR_ALLOW_CONF], 0);

	/* manual blocks do not count in the hourly cap */
	quar_free(q);
	q = new_quar();
	conf.max_hosts = 50;
	allow_answer = 0;
	ck_assert_int_eq(add("10.0.0.1", 0, T0), QR_BLOCKED);
	ck_assert_int_eq(add("10.0.0.2", 0, T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.3", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.4", T0), QR_HOURLY);
}
END_TEST

/* Released by hand: a delete pushed, the offences forgotten. */
START_TEST(test_quar_del)
{
	struct qhost	*h;

	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 2 * MIN), QR_REFRESHED);
	q->dirty = false;
	ck_assert_int_eq(del("10.0.0.5", T0 + 3 * MIN), 0);
	ck_assert_uint_eq(npushed, 3);
	last_pushed("10.0.0.5", NFTQ_DEL, 0);
	ck_assert_uint_eq(quar_active(q, T0 + 3 * MIN), 0);
	ck_assert_uint_eq(q->released, 1);
	ck_assert(q->dirty);
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->until_ms, 0);
	ck_assert_uint_eq(h->offences, 0);
	/* twice, unknown, expired: -1, nothing pushed */
	ck_assert_int_eq(del("10.0.0.5", T0 + 3 * MIN), -1);
	ck_assert_int_eq(del("10.0.0.6", T0 + 3 * MIN), -1);
	ck_assert_int_eq(verdict("2001:db8::7", T0), QR_BLOCKED);
	ck_assert_int_eq(del("2001:db8::7", T0 + HOUR), -1);
	ck_assert_uint_eq(npushed, 4);
	ck_assert_uint_eq(q->released, 1);
	/* blocked again: a first offence */
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 4 * MIN), QR_BLOCKED);
	has_note("blocked for 3600 s (offence 1)");
	last_pushed("10.0.0.5", NFTQ_ADD, 3600 * SEC);
	/* an IPv6 release */
	ck_assert_int_eq(del("2001:db8::7", T0 + 5 * MIN), 0);
	last_pushed("2001:db8::7", NFTQ_DEL, 0);
}
END_TEST

/*
 * quar_tick ends the blocks whose time is up, keeps their offences until
 * forget_s and every entry for an hour (the hourly cap), then forgets.
 */
START_TEST(test_quar_tick)
{
	uint64_t	t1 = T0 + 20 * DAY;

	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("2001:db8::2", T0 + 10 * MIN), QR_BLOCKED);
	ck_assert_int_eq(add("10.0.0.3", 60, T0), QR_BLOCKED);
	q->dirty = false;
	ck_assert_uint_eq(quar_tick(q, T0 + 59 * SEC), 0);
	ck_assert(!q->dirty);
	ck_assert_uint_eq(quar_tick(q, T0 + 60 * SEC), 1);
	ck_assert(q->dirty);
	ck_assert_uint_eq(q->expired, 1);
	ck_assert_uint_eq(quar_active(q, T0 + 60 * SEC), 2);
	ck_assert_uint_eq(host_of(q, "10.0.0.3")->until_ms, 0);
	ck_assert_uint_eq(host_of(q, "10.0.0.3")->offences, 1);
	ck_assert_uint_eq(quar_tick(q, T0 + HOUR), 1);
	ck_assert_uint_eq(quar_active(q, T0 + HOUR), 1);
	ck_assert_uint_eq(quar_tick(q, T0 + 10 * MIN + HOUR), 1);
	ck_assert_uint_eq(quar_active(q, T0 + 10 * MIN + HOUR), 0);
	ck_assert_uint_eq(q->expired, 3);
	ck_assert_uint_eq(q->n, 3);		/* the offences are kept */
	ck_assert_uint_eq(quar_tick(q, T0 + 7 * DAY - 1), 0);
	ck_assert_uint_eq(q->n, 3);
	/* forget_s after their last offence, two are forgotten */
	ck_assert_uint_eq(quar_tick(q, T0 + 7 * DAY), 0);
	ck_assert_uint_eq(q->n, 1);
	ck_assert_ptr_null(host_of(q, "10.0.0.1"));
	ck_assert_ptr_null(host_of(q, "10.0.0.3"));
	ck_assert_ptr_nonnull(host_of(q, "2001:db8::2"));
	ck_assert_uint_eq(quar_tick(q, T0 + 10 * MIN + 7 * DAY), 0);
	ck_assert_uint_eq(q->n, 0);
	ck_assert_ptr_null(host_of(q, "2001:db8::2"));
	ck_assert_uint_eq(q->expired, 3);

	/* released (no offence left): kept for the hour, then forgotten */
	ck_assert_int_eq(verdict("10.0.0.4", t1), QR_BLOCKED);
	ck_assert_int_eq(del("10.0.0.4", t1 + MIN), 0);
	quar_tick(q, t1 + 2 * MIN);
	ck_assert_ptr_nonnull(host_of(q, "10.0.0.4"));
	quar_tick(q, t1 + HOUR);
	ck_assert_ptr_null(host_of(q, "10.0.0.4"));

	/* many hosts, half forgotten: the index still finds the rest */
	{
		char		a[32];
		int		i;

		for (i = 0; i < 300; i++) {
			snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250);
			ck_assert_int_eq(add(a, 60, i % 2 ? t1 : t1 + DAY),
			    QR_BLOCKED);
		}
		ck_assert_uint_eq(quar_tick(q, t1 + 7 * DAY), 300);
		ck_assert_uint_eq(q->n, 150);
		for (i = 0; i < 300; i++) {
			snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250);
			if (i % 2)
				ck_assert_ptr_null(host_of(q, a));
			else
				ck_assert_ptr_nonnull(host_of(q, a));
		}
	}
}
END_TEST

/*
 * Elements found in the kernel: an unknown one is adopted (by hand, by
 * "nft", with the kernel's expiry), one without a timeout is not ours,
 * a known block takes the kernel's expiry.
 */
START_TEST(test_quar_adopt)
{
	struct nftq_elem	 v[3];
	struct qhost		*h;
	uint64_t		 now = T0 + MIN;

	ck_assert_int_eq(verdict("10.0.0.3", T0), QR_BLOCKED);
	memset(v, 0, sizeof(v));
	v[0].addr = addr_of("10.0.0.1");
	v[0].timeout_ms = 3600 * SEC;
	v[0].expires_ms = 1000 * SEC;
	v[1].addr = addr_of("2001:db8::2");	/* no timeout */
	v[2].addr = addr_of("10.0.0.3");
	v[2].timeout_ms = 3600 * SEC;
	v[2].expires_ms = 100 * SEC;
	q->dirty = false;
	quar_adopt(q, v, 3, now);
	ck_assert(q->dirty);
	ck_assert_uint_eq(npushed, 1);
	ck_assert_uint_eq(quar_active(q, now), 2);
	h = host_of(q, "10.0.0.1");
	ck_assert_ptr_nonnull(h);
	ck_assert(h->manual);
	ck_assert_str_eq(h->detector, "nft");
	ck_assert_uint_eq(h->offences, 1);
	ck_assert_uint_eq(h->timeout_s, 3600);
	ck_assert_uint_eq(h->since_ms, now);
	ck_assert_uint_eq(h->until_ms, now + 1000 * SEC);
	ck_assert_ptr_null(host_of(q, "2001:db8::2"));
	h = host_of(q, "10.0.0.3");
	ck_assert_uint_eq(h->until_ms, now + 100 * SEC);
	ck_assert_uint_eq(h->since_ms, T0);
	ck_assert(!h->manual);
	ck_assert_str_eq(h->detector, "scan");

	/* a host whose block ended keeps its offences */
	ck_assert_int_eq(verdict("2001:db8::9", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("2001:db8::9", T0 + 2 * MIN), QR_REFRESHED);
	quar_tick(q, T0 + DAY);
	ck_assert_uint_eq(host_of(q, "2001:db8::9")->until_ms, 0);
	v[0].addr = addr_of("2001:db8::9");
	quar_adopt(q, v, 1, T0 + DAY);
	h = host_of(q, "2001:db8::9");
	ck_assert_uint_eq(h->offences, 2);
	ck_assert_uint_eq(h->until_ms, T0 + DAY + 1000 * SEC);
	ck_assert_str_eq(h->detector, "nft");
}
END_TEST

/* Drops count and sample for quarantined hosts only. */
START_TEST(test_quar_drop)
{
	struct qsample	 s;
	struct qhost	*h;
	struct addr	 a = addr_of("10.0.0.5"), b = addr_of("10.0.0.6");
	int		 i;

	ck_assert_int_eq(verdict("10.0.0.5", T0), QR_BLOCKED);
	memset(&s, 0, sizeof(s));
	s.dst = addr_of("198.51.100.7");
	s.proto = IPPROTO_TCP;
	for (i = 0; i < 6; i++) {
		s.ts_ms = T0 + (uint64_t)i;
		s.dport = (uint16_t)(22 + i);
		quar_drop(q, &a, &s);
	}
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->drops, 6);
	ck_assert_uint_eq(h->nsample, 6);
	/* a ring of QSAMPLES: the 5th and 6th over the 1st and 2nd */
	ck_assert_uint_eq(h->sample[0].dport, 26);
	ck_assert_uint_eq(h->sample[1].dport, 27);
	ck_assert_uint_eq(h->sample[2].dport, 24);
	ck_assert_uint_eq(h->sample[3].dport, 25);
	ck_assert_uint_eq(h->sample[1].ts_ms, T0 + 5);
	ck_assert_int_eq(addr_cmp(&h->sample[1].dst, &s.dst), 0);
	ck_assert_uint_eq(q->nflog_unknown, 0);

	/* unknown, and ended: counted apart */
	quar_drop(q, &b, &s);
	ck_assert_uint_eq(q->nflog_unknown, 1);
	quar_tick(q, T0 + HOUR);
	quar_drop(q, &a, &s);
	ck_assert_uint_eq(q->nflog_unknown, 2);
	ck_assert_uint_eq(host_of(q, "10.0.0.5")->drops, 6);

	/* a new block starts counting again */
	ck_assert_int_eq(verdict("10.0.0.5", T0 + 2 * HOUR), QR_BLOCKED);
	h = host_of(q, "10.0.0.5");
	ck_assert_uint_eq(h->drops, 0);
	ck_assert_uint_eq(h->nsample, 0);
	quar_drop(q, &a, &s);
	ck_assert_uint_eq(h->drops, 1);
}
END_TEST

/* results[] counts every verdict once, by its result; names for each. */
START_TEST(test_quar_results)
{
	uint64_t	want[QR_NRESULTS] = { 0 }, sum = 0;
	int		r;

	conf.per_hour = 2;
	want[verdict("10.0.0.1", T0)]++;
	want[verdict("10.0.0.1", T0 + SEC)]++;
	want[verdict("10.0.0.1", T0 + 2 * MIN)]++;
	want[verdict("10.0.0.2", T0)]++;
	want[verdict("10.0.0.3", T0)]++;
	want[verdict("192.168.1.1", T0)]++;
	want[verdict_of(q, "10.0.0.4", true, false, T0)]++;
	want[verdict_of(q, "10.0.0.5", false, true, T0)]++;
	allow_answer = 1;
	want[verdict("10.0.0.6", T0)]++;
	ck_assert_uint_eq(want[QR_BLOCKED], 2);
	ck_assert_uint_eq(want[QR_ALREADY], 1);
	ck_assert_uint_eq(want[QR_REFRESHED], 1);
	ck_assert_uint_eq(want[QR_HOURLY], 2);	/* 10.0.0.3, 10.0.0.4 */
	ck_assert_uint_eq(want[QR_ALLOW_CONF], 1);
	ck_assert_uint_eq(want[QR_LEARNING], 1);
	ck_assert_uint_eq(want[QR_ALLOW_SET], 1);
	for (r = 0; r < QR_NRESULTS; r++) {
		ck_assert_msg(q->results[r] == want[r], "%s: %llu, not %llu",
		    quar_result_name(r), (unsigned long long)q->results[r],
		    (unsigned long long)want[r]);
		sum += q->results[r];
		ck_assert_str_ne(quar_result_name(r), "unknown");
	}
	ck_assert_uint_eq(sum, 9);
	ck_assert_str_eq(quar_result_name(QR_BLOCKED), "blocked");
	ck_assert_str_eq(quar_result_name(QR_KERNEL), "kernel");
	ck_assert_str_eq(quar_result_name(QR_NRESULTS), "unknown");
	ck_assert_str_eq(quar_result_name(-1), "unknown");
}
END_TEST

/* quarantine.file */

static void
save(struct quar *qq, const char *p)
{
	char	err[512] = "";

	ck_assert_msg(quar_save(qq, p, err, sizeof(err)) == 0, "quar_save: %s",
	    err);
}

/* quar_load into a fresh q2; its messages in *ret_msg. */
static int
load(const char *p, uint64_t now, char **ret_msg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 r;

	quar_free(q2);
	q2 = new_quar();
	fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	r = quar_load(q2, p, now, fp);
	ck_assert_int_eq(fclose(fp), 0);
	*ret_msg = buf;
	return r;
}

static void
has(const char *msg, const char *want)
{
	ck_assert_msg(strstr(msg, want) != NULL, "\"%s\" not in \"%s\"", want,
	    msg);
}

/* msg reports text at line of the file at path */
static void
has_at(const char *msg, int line, const char *text)
{
	char	want[512];

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, text);
	has(msg, want);
}

/*
 * Three hosts: 10.0.0.1 by scan, refreshed, with drops; 2001:db8::2 by
 * hand; 10.0.0.3, blocked two hours before and ended, remembered.
 */
static void
scenario(void)
{
	struct qsample	s;
	struct addr	a = addr_of("10.0.0.1");

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(verdict("10.0.0.3", T0 - 2 * HOUR), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.1", T0 + 10 * MIN), QR_REFRESHED);
	ck_assert_int_eq(add("2001:db8::2", 3600, T0), QR_BLOCKED);
	quar_drop(q, &a, &s);
	quar_drop(q, &a, &s);
	quar_drop(q, &a, &s);
	ck_assert_uint_eq(quar_tick(q, T0 + 11 * MIN), 1);
	ck_assert_uint_eq(q->n, 3);
}

static void
same_host(const struct qhost *h, const struct qhost *w)
{
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(addr_cmp(&h->addr, &w->addr), 0);
	ck_assert_uint_eq(h->since_ms, w->since_ms);
	ck_assert_uint_eq(h->until_ms, w->until_ms);
	ck_assert_uint_eq(h->last_ms, w->last_ms);
	ck_assert_uint_eq(h->offences, w->offences);
	ck_assert_uint_eq(h->timeout_s, w->timeout_s);
	ck_assert_int_eq(h->manual, w->manual);
	ck_assert_str_eq(h->detector, w->detector);
	ck_assert_uint_eq(h->drops, w->drops);
}

/*
 * Saved and loaded into a fresh quar: the same hosts, and saved again
 * the same bytes; the save leaves no temporary file behind.
 */
START_TEST(test_quar_save_load)
{
	char		*msg, *b1, *b2, p2[160];
	size_t		 i, l1, l2, files = 0;
	DIR		*d;
	struct dirent	*de;

	scenario();
	ck_assert(q->dirty);
	save(q, path);
	ck_assert(!q->dirty);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			ck_assert_str_eq(de->d_name, "quarantine");
			files++;
		}
	closedir(d);
	ck_assert_uint_eq(files, 1);

	ck_assert_int_eq(load(path, T0 + 11 * MIN, &msg), 0);
	has(msg, "3 quarantine records read, 2 still due");
	free(msg);
	ck_assert_uint_eq(q2->n, 3);
	for (i = 0; i < q->n; i++)
		same_host(quar_find(q2, &q->v[i].addr), &q->v[i]);
	ck_assert_uint_eq(host_of(q2, "10.0.0.1")->offences, 2);
	ck_assert_uint_eq(host_of(q2, "10.0.0.1")->drops, 3);
	ck_assert(host_of(q2, "2001:db8::2")->manual);
	ck_assert_str_eq(host_of(q2, "2001:db8::2")->detector, "manual");
	ck_assert_uint_eq(host_of(q2, "10.0.0.3")->until_ms, 0);
	ck_assert_uint_eq(quar_active(q2, T0 + 11 * MIN), 2);

	/* saved again: the same bytes */
	snprintf(p2, sizeof(p2), "%s/again", dir);
	save(q2, p2);
	b1 = t_slurp(path, &l1);
	b2 = t_slurp(p2, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_int_eq(memcmp(b1, b2, l1), 0);
	ck_assert_int_eq(strncmp(b1, "ephemd-quarantine 1 ~", 21), 0);
	free(b1);
	free(b2);

	/* an empty one */
	quar_free(q);
	q = new_quar();
	save(q, path);
	ck_assert_int_eq(load(path, T0, &msg), 0);
	has(msg, "0 quarantine records read, 0 still due");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);
}
END_TEST

/* A flipped character: that line reported and skipped, the rest loaded. */
START_TEST(test_quar_flipped)
{
	char	*buf, *msg;
	size_t	 len, at;
	int	 line;

	scenario();
	save(q, path);
	buf = t_slurp(path, &len);
	for (line = 2; line <= 4; line++) {
		at = t_line_at(buf, line) + 4;
		buf[at] ^= 0x01;
		t_spew(path, buf, len);
		ck_assert_int_eq(load(path, T0 + 11 * MIN, &msg), 1);
		has_at(msg, line, "checksum mismatch");
		has(msg, "2 quarantine records read");
		ck_assert_msg(strstr(msg, "truncated") == NULL, "%s", msg);
		ck_assert_msg(strstr(msg, "announced") == NULL, "%s", msg);
		free(msg);
		ck_assert_uint_eq(q2->n, 2);
		ck_assert_ptr_null(quar_find(q2, &q->v[line - 2].addr));
		buf[at] ^= 0x01;
	}
	/* a flipped checksum is damage too */
	at = t_line_at(buf, 3) - 2;
	buf[at] = buf[at] == '0' ? '1' : '0';
	t_spew(path, buf, len);
	ck_assert_int_eq(load(path, T0 + 11 * MIN, &msg), 1);
	has_at(msg, 2, "checksum mismatch");
	free(msg);
	free(buf);
}
END_TEST

/* No end line: "truncated", and what was read is kept. */
START_TEST(test_quar_truncated)
{
	char	*buf, *msg;
	size_t	 len, end;

	scenario();
	save(q, path);
	buf = t_slurp(path, &len);
	end = t_line_at(buf, 5);
	ck_assert_int_eq(strncmp(buf + end, "end 3 ~", 7), 0);
	t_spew(path, buf, end);
	ck_assert_int_eq(load(path, T0 + 11 * MIN, &msg), 1);
	has_at(msg, 4, "truncated: no end line");
	has(msg, "3 quarantine records read, 2 still due");
	free(msg);
	ck_assert_uint_eq(q2->n, 3);

	/* cut inside the last record: that one is lost too */
	t_spew(path, buf, end - 10);
	ck_assert_int_eq(load(path, T0 + 11 * MIN, &msg), 2);
	has_at(msg, 4, "a line without its end "
	    "(truncated)");
	has(msg, "truncated");
	free(msg);
	ck_assert_uint_eq(q2->n, 2);

	/* the header alone */
	t_spew(path, buf, t_line_at(buf, 2));
	ck_assert_int_eq(load(path, T0, &msg), 1);
	has(msg, "truncated");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);
	free(buf);
}
END_TEST

/* Not a quarantine file, or none: -1 and nothing loaded. */
START_TEST(test_quar_foreign)
{
	char	*msg;
	FILE	*fp;

	t_spew(path, "hello world\n", 12);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	has_at(msg, 1, "not an ephemd-quarantine file");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);

	/* a good checksum, another magic; records after it */
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	t_put_record(fp, "ephemd-state 1");
	t_put_record(fp, "q 10.0.0.1 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "end 1");
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	has_at(msg, 1, "not an ephemd-quarantine file");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);

	/* a record first, no header */
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	t_put_record(fp, "q 10.0.0.1 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "end 1");
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	free(msg);
	ck_assert_uint_eq(q2->n, 0);

	t_spew(path, "", 0);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	has_at(msg, 1, "not an ephemd-quarantine file");
	free(msg);

	unlink(path);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	has(msg, strerror(ENOENT));
	free(msg);
	ck_assert_uint_eq(q2->n, 0);
}
END_TEST

/* Another version: refused, nothing loaded. */
START_TEST(test_quar_version)
{
	char	*msg;
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	t_put_record(fp, "ephemd-quarantine 2");
	t_put_record(fp, "q 10.0.0.1 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "end 1");
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(load(path, T0, &msg), -1);
	has_at(msg, 1, "version 2, this ephemd reads 1: not loaded");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);
}
END_TEST

/*
 * Records with a good checksum but bad content, a wrong count, text
 * after the end: reported, skipped, the good ones loaded.
 */
START_TEST(test_quar_bad_records)
{
	char	*msg;
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	t_put_record(fp, "ephemd-quarantine 1");
	t_put_record(fp, "q 10.0.0.1 1 2 3 1 3600 0 scan 0");
	/* 3: no address; 4: manual 2; 5: a field short; 6: one too many */
	t_put_record(fp, "q 10.0.0.300 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "q 10.0.0.2 1 2 3 1 3600 2 scan 0");
	t_put_record(fp, "q 10.0.0.3 1 2 3 1 3600 0 scan");
	t_put_record(fp, "q 10.0.0.4 1 2 3 1 3600 0 scan 0 x");
	t_put_record(fp, "q ::ffff:10.0.0.5 1 2 3 1 3600 1 - 7");
	t_put_record(fp, "end 9");
	t_put_record(fp, "q 10.0.0.6 1 2 3 1 3600 0 scan 0");	/* 9 */
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(load(path, T0, &msg), 5);
	has_at(msg, 3, "not a quarantine record");
	has_at(msg, 6, "not a quarantine record");
	has_at(msg, 8, "the end line counts 9 records, 6 "
	    "were read");
	has_at(msg, 9, "a record after the end line");
	free(msg);
	ck_assert_uint_eq(q2->n, 2);
	ck_assert_ptr_nonnull(host_of(q2, "10.0.0.1"));
	ck_assert_ptr_null(host_of(q2, "10.0.0.6"));
	/* v4-mapped is IPv4; "-" is no detector */
	ck_assert(host_of(q2, "10.0.0.5")->manual);
	ck_assert_str_eq(host_of(q2, "10.0.0.5")->detector, "");
	ck_assert_uint_eq(host_of(q2, "10.0.0.5")->drops, 7);
}
END_TEST

/*
 * The circuit breaker: a detector that blocked max_burst hosts within the
 * window blocks no more (the blocks stay), another detector still does;
 * a window without its verdicts closes it.
 */
START_TEST(test_quar_breaker)
{
	char		a[32];
	struct addr	x;
	int		i, r;

	conf.max_burst = 3;
	conf.burst_window_s = 600;
	for (i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d", 10 + i);
		ck_assert_int_eq(verdict_of(q, a, false, false, T0 + i * MIN),
		    QR_BLOCKED);
		ck_assert_ptr_null(q->opened);
	}
	r = verdict_of(q, "10.0.0.20", false, false, T0 + 4 * MIN);
	ck_assert_int_eq(r, QR_BREAKER);
	ck_assert_ptr_nonnull(q->opened);
	ck_assert_str_eq(q->opened->detector, "scan");
	has(note, "scan blocked 3 hosts within 600 s (quarantine.max_burst)");
	/* told once: the next refusal does not open it again */
	ck_assert_int_eq(verdict_of(q, "10.0.0.21", false, false,
	    T0 + 5 * MIN), QR_BREAKER);
	ck_assert_ptr_null(q->opened);
	/* the blocks made stay */
	ck_assert_uint_eq(quar_active(q, T0 + 5 * MIN), 3);
	/* another detector is not held back */
	x = addr_of("10.0.0.30");
	ck_assert_int_eq(quar_verdict(q, &x, "fixed_port", 0, T0 + 5 * MIN,
	    note, sizeof(note)), QR_BLOCKED);
	/* a refresh of a host already blocked is not a new block */
	ck_assert_int_eq(verdict_of(q, "10.0.0.10", false, false,
	    T0 + 6 * MIN), QR_REFRESHED);
	/* quiet for a window: it closes, and blocks again */
	quar_tick(q, T0 + 5 * MIN + 599 * SEC);
	ck_assert_ptr_null(q->closed);
	quar_tick(q, T0 + 15 * MIN);
	ck_assert_ptr_nonnull(q->closed);
	ck_assert_int_eq(verdict_of(q, "10.0.0.22", false, false,
	    T0 + 16 * MIN), QR_BLOCKED);
	ck_assert_uint_eq(q->results[QR_BREAKER], 2);
}
END_TEST

/* Failure-based evidence while the network fails: never a block. */
START_TEST(test_quar_network)
{
	struct addr	x = addr_of("10.0.0.40");

	ck_assert_int_eq(quar_verdict(q, &x, "scan", QV_NETWORK, T0, note,
	    sizeof(note)), QR_NETWORK);
	has(note, "the network itself is failing");
	ck_assert_uint_eq(quar_active(q, T0), 0);
	ck_assert_int_eq(npushed, 0);
}
END_TEST

/*
 * A /64's host: refused unless quarantine.prefix64; then blocked as the
 * /64 (net64, its first address, in its own set), beside the block of
 * the address that is its first; never when it holds an address of
 * quarantine.allow.  Its addresses' drops count against it; it is
 * released by hand, saved as ADDR/64 and read back, adopted from the
 * kernel's quarantine64; another prefix length is refused.
 */
START_TEST(test_quar_prefix64)
{
	struct addr	 net = addr_of("2001:db8:5:6::"),
			 in = addr_of("2001:db8:5:6::77"),
			 out = addr_of("2001:db8:5:7::1");
	struct qsample	 s;
	struct qhost	*h;
	struct nftq_elem e;
	char		*msg, *file, want[256];
	size_t		 len;
	FILE		*fp;

	ck_assert_int_eq(quar_verdict(q, &in, "scan", QV_PREFIX, T0, note,
	    sizeof(note)), QR_PREFIX);
	has_note("block by hand or set quarantine.prefix64");
	ck_assert_uint_eq(npushed, 0);

	conf.prefix64 = true;
	allow_calls = 0;
	ck_assert_int_eq(quar_verdict(q, &in, "scan", QV_PREFIX, T0, note,
	    sizeof(note)), QR_BLOCKED);
	ck_assert_uint_eq(npushed, 1);
	ck_assert(pushed[0].net64);
	ck_assert_int_eq(addr_cmp(&pushed[0].addr, &net), 0);
	ck_assert_int_eq(allow_calls, 0);	/* allow6 passes first */
	ck_assert_ptr_null(quar_find(q, &net));
	ck_assert_ptr_nonnull(h = quar_find_net(q, &in, true));
	ck_assert(h->net64);
	ck_assert_int_eq(addr_cmp(&h->addr, &net), 0);
	ck_assert_ptr_eq(quar_blocking(q, &in, false, T0), h);
	ck_assert_ptr_eq(quar_blocking(q, &net, true, T0), h);
	ck_assert_ptr_null(quar_blocking(q, &out, false, T0));
	ck_assert_ptr_null(quar_blocking(q, &in, false, T0 + HOUR));
	addr_fmt64(&h->addr, h->net64, want, sizeof(want));
	ck_assert_str_eq(want, "2001:db8:5:6::/64");
	/* the same incident; the address that is its first apart */
	ck_assert_int_eq(quar_verdict(q, &in, "scan", QV_PREFIX, T0 + SEC,
	    note, sizeof(note)), QR_ALREADY);
	ck_assert_int_eq(verdict("2001:db8:5:6::", T0), QR_BLOCKED);
	ck_assert(!pushed[1].net64);
	ck_assert_uint_eq(q->n, 2);
	ck_assert_ptr_ne(quar_find(q, &net), h);

	/* quarantine.allow inside the /64, or around it */
	ck_assert_int_eq(netlist_add_str(&conf.allow, "2001:db8:9:9::7"), 0);
	in = addr_of("2001:db8:9:9::1");
	ck_assert_int_eq(quar_verdict(q, &in, "scan", QV_PREFIX, T0, note,
	    sizeof(note)), QR_ALLOW_CONF);
	in = addr_of("2001:db8:1:2::1");
	ck_assert_int_eq(quar_verdict(q, &in, "scan", QV_PREFIX, T0, note,
	    sizeof(note)), QR_ALLOW_CONF);
	ck_assert_uint_eq(npushed, 2);

	/* drops from any address of it */
	memset(&s, 0, sizeof(s));
	in = addr_of("2001:db8:5:6:abcd::1");
	quar_drop(q, &in, &s);
	ck_assert_uint_eq(h->drops, 1);
	quar_drop(q, &out, &s);
	ck_assert_uint_eq(q->nflog_unknown, 1);

	/* saved as ADDR/64, read back as a /64 */
	save(q, path);
	ck_assert_ptr_nonnull(file = t_slurp(path, &len));
	has(file, "\nq 2001:db8:5:6::/64 ");
	has(file, "\nq 2001:db8:5:6:: ");
	free(file);
	ck_assert_int_eq(load(path, T0 + MIN, &msg), 0);
	free(msg);
	ck_assert_uint_eq(q2->n, 2);
	same_host(quar_find_net(q2, &net, true), h);
	ck_assert(quar_find_net(q2, &net, true)->net64);
	ck_assert(!quar_find(q2, &net)->net64);

	/* released by hand: one delete of the /64 */
	ck_assert_int_eq(quar_del(q, &net, true, T0 + MIN), 0);
	ck_assert(pushed[npushed - 1].net64);
	ck_assert_int_eq(pushed[npushed - 1].op, NFTQ_DEL);
	ck_assert_ptr_nonnull(quar_find(q, &net));
	ck_assert_int_eq(quar_del(q, &net, true, T0 + MIN), -1);

	/* adopted from quarantine64 */
	memset(&e, 0, sizeof(e));
	e.addr = addr_of("2001:db8:7:8::");
	e.net64 = true;
	e.expires_ms = e.timeout_ms = 10 * MIN;
	quar_adopt(q, &e, 1, T0 + MIN);
	ck_assert_ptr_nonnull(quar_blocking(q, &(struct addr){ .b = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 7, 0, 8, [15] = 9 } }, false,
	    T0 + 2 * MIN));

	/* another prefix length, or an IPv4 /64, is damage */
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	t_put_record(fp, "ephemd-quarantine 1");
	t_put_record(fp, "q 2001:db8:5:6::/48 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "q 10.0.0.0/64 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "q 2001:db8:5:6::/64 1 2 3 1 3600 0 scan 0");
	t_put_record(fp, "end 3");
	ck_assert_int_eq(fclose(fp), 0);
	quar_free(q2);
	q2 = NULL;
	ck_assert_int_eq(load(path, T0, &msg), 2);
	has_at(msg, 2, "not a quarantine record");
	has_at(msg, 3, "not a quarantine record");
	free(msg);
	ck_assert_uint_eq(q2->n, 1);
	ck_assert(q2->v[0].net64);

	/* without quarantine.prefix64 (its set may be missing): left out */
	conf.prefix64 = false;
	ck_assert_int_eq(load(path, T0, &msg), 3);
	has_at(msg, 4, "a /64's block while "
	    "quarantine.prefix64 is false: left out");
	free(msg);
	ck_assert_uint_eq(q2->n, 0);
}
END_TEST

/*
 * A reload: the policy is the new one; quarantine.enabled and
 * quarantine.prefix64 are carried over, and the notes say they wait.
 */
START_TEST(test_quar_reconfigure)
{
	struct quar_conf nc = conf;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;

	nc.enabled = false;
	nc.prefix64 = true;
	nc.per_hour = 1;
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	quar_reconfigure(q, &nc, fp);
	ck_assert_int_eq(fclose(fp), 0);
	has(buf, "quarantine.enabled takes effect at the next start\n");
	has(buf, "quarantine.prefix64 takes effect at the next start\n");
	free(buf);
	ck_assert(nc.enabled);
	ck_assert(!nc.prefix64);
	ck_assert_int_eq(verdict("10.0.0.1", T0), QR_BLOCKED);
	ck_assert_int_eq(verdict("10.0.0.2", T0), QR_HOURLY);

	/* nothing changed that waits: no note */
	buf = NULL;
	ck_assert_ptr_nonnull(fp = open_memstream(&buf, &len));
	quar_reconfigure(q, &conf, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_eq(len, 0);
	free(buf);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "quar", setup, teardown, {
		    test_quar_block, test_quar_escalation,
		    test_quar_allow_conf, test_quar_allow_set,
		    test_quar_learning, test_quar_hourly, test_quar_max_hosts,
		    test_quar_dry_run, test_quar_disabled,
		    test_quar_kernel_refuses, test_quar_unreachable,
		    test_quar_manual, test_quar_del, test_quar_tick,
		    test_quar_adopt, test_quar_drop, test_quar_results,
		    test_quar_save_load, test_quar_flipped,
		    test_quar_truncated, test_quar_reconcile,
		    test_quar_reconcile_twice,
		    test_quar_foreign, test_quar_version, test_quar_breaker,
		    test_quar_network, test_quar_prefix64,
		    test_quar_reconfigure,
		    test_quar_bad_records, NULL } },
	};

	return t_main("quar", tcases, T_N(tcases));
}
