/*
 * Quarantine: who is blocked, until when, and the safety policy that
 * decides whether a detector's verdict may block anybody (DESIGN
 * section 6).  The kernel is behind struct quar_backend, so the policy is
 * tested without one.
 *
 * A verdict is refused, in this order, for an address in
 * quarantine.allow, in the allow4 / allow6 sets, while the gateway
 * learns, when quarantine.max_hosts are blocked already, and when
 * quarantine.max_per_hour new automatic quarantines were made in the last
 * hour.  An address already blocked is not a new quarantine: a verdict
 * within a minute of its last offence is the same incident and changes
 * nothing; a later one is a repeat offence and its block is refreshed, longer by quarantine.escalation per offence up to
 * quarantine.max_timeout.  Every block has a kernel timeout, so a crash
 * never leaves one behind.
 *
 * A host that is a /64's addresses (limits.hosts_per_prefix) is blocked
 * as the /64, in the set quarantine64, only with quarantine.prefix64: on
 * a LAN that is one /64, the /64 is everybody.  A /64 is a block of its
 * own beside its addresses' (net64), keyed by its first half.
 *
 * quarantine.file keeps the blocks and the offences across restarts:
 *
 *	ephemd-quarantine 1 ~crc
 *	q ADDR[/64] SINCE UNTIL LAST OFFENCES TIMEOUT MANUAL DETECTOR DROPS ~crc
 *	end COUNT ~crc
 *
 * times in wall-clock milliseconds, UNTIL 0 for an ended block whose
 * offences are remembered.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

#define QUAR_MAGIC	"ephemd-quarantine"
#define QUAR_VERSION	1
#define HOUR_MS		3600000ULL
/*
 * Verdicts this close to a host's last offence are the same incident: the
 * detectors escalate one incident (a scan's warning, then critical), and
 * flows in flight when the block began end after it.  They do not count
 * as a repeat offence.
 */
#define INCIDENT_MS	60000ULL

const char *
quar_result_name(int r)
{
	static const char *const names[QR_NRESULTS] = {
		"blocked", "refreshed", "already", "dry-run", "allowlisted",
		"allow-set", "learning", "hourly-cap", "max-hosts",
		"disabled", "network", "breaker", "prefix", "kernel",
	};

	return r >= 0 && r < QR_NRESULTS ? names[r] : "unknown";
}

/*
 * A reloaded configuration: the policy (allowlist, caps, timeouts, dry
 * run) applies to the next verdict.  quarantine.enabled and
 * quarantine.prefix64 wait for a restart, since the kernel side (and
 * the sets it needs) is opened at start only: they are carried over,
 * and notes says so.
 */
void
quar_reconfigure(struct quar *q, struct quar_conf *conf, FILE *notes)
{
	if (conf->enabled != q->conf->enabled)
		fprintf(notes, "quarantine.enabled takes effect at the next "
		    "start\n");
	if (conf->prefix64 != q->conf->prefix64)
		fprintf(notes, "quarantine.prefix64 takes effect at the next "
		    "start\n");
	conf->enabled = q->conf->enabled;
	conf->prefix64 = q->conf->prefix64;
	q->conf = conf;
}

struct quar *
quar_new(const struct quar_conf *conf)
{
	struct quar	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->conf = conf;
	return q;
}

void
quar_free(struct quar *q)
{
	if (q == NULL)
		return;
	free(q->v);
	free(q->idx);
	free(q);
}

/* The slot to look at first for a, or its /64 (net64). */
static size_t
slot_of(const struct addr *a, bool net64, size_t cap)
{
	return (addr_hash(a) + net64) & (cap - 1);
}

static int
reindex(struct quar *q, size_t cap)
{
	uint32_t	*idx;
	size_t		 i, j;

	if ((idx = calloc(cap, sizeof(*idx))) == NULL)
		return -1;
	for (i = 0; i < q->n; i++) {
		j = slot_of(&q->v[i].addr, q->v[i].net64, cap);
		while (idx[j] != 0)
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(q->idx);
	q->idx = idx;
	q->idx_cap = cap;
	return 0;
}

/* a's /64: its first half */
static struct addr
net64_of(const struct addr *a)
{
	struct addr	n = *a;

	memset(n.b + 8, 0, 8);
	return n;
}

/* The record of address a, or of its /64 (net64), or NULL. */
struct qhost *
quar_find_net(struct quar *q, const struct addr *a, bool net64)
{
	struct addr	key = net64 ? net64_of(a) : *a;
	size_t		j;

	if (q->idx_cap == 0)
		return NULL;
	j = slot_of(&key, net64, q->idx_cap);
	while (q->idx[j] != 0) {
		struct qhost *h = &q->v[q->idx[j] - 1];

		if (h->net64 == net64 && addr_cmp(&h->addr, &key) == 0)
			return h;
		j = (j + 1) & (q->idx_cap - 1);
	}
	return NULL;
}

struct qhost *
quar_find(struct quar *q, const struct addr *a)
{
	return quar_find_net(q, a, false);
}

/*
 * The block in force on address a, or on the /64 a (net64): its own, or
 * for an IPv6 address its /64's.  NULL when none is.
 */
struct qhost *
quar_blocking(struct quar *q, const struct addr *a, bool net64, uint64_t now)
{
	struct qhost	*h = quar_find_net(q, a, net64);

	if ((h == NULL || h->until_ms <= now) && !net64 && !addr_is_v4(a))
		h = quar_find_net(q, a, true);
	return h != NULL && h->until_ms > now ? h : NULL;
}

/* The record of host h: of its address, or of its /64 for a /64's host. */
struct qhost *
quar_of_host(struct quar *q, const struct host *h)
{
	return quar_find_net(q, &h->addr, (h->hflags & HF_PREFIX) != 0);
}

static struct qhost *
get(struct quar *q, const struct addr *a, bool net64)
{
	struct qhost	*h;
	size_t		 j;

	if ((h = quar_find_net(q, a, net64)) != NULL)
		return h;
	if (q->n == q->cap) {
		size_t		 cap = q->cap ? q->cap * 2 : 64;
		struct qhost	*v;

		if ((v = realloc(q->v, cap * sizeof(*v))) == NULL)
			return NULL;
		q->v = v;
		q->cap = cap;
	}
	if ((q->n + 1) * 2 > q->idx_cap &&
	    reindex(q, q->idx_cap ? q->idx_cap * 2 : 128) == -1)
		return NULL;
	h = &q->v[q->n];
	memset(h, 0, sizeof(*h));
	h->addr = net64 ? net64_of(a) : *a;
	h->net64 = net64;
	j = slot_of(&h->addr, net64, q->idx_cap);
	while (q->idx[j] != 0)
		j = (j + 1) & (q->idx_cap - 1);
	q->idx[j] = (uint32_t)++q->n;
	return h;
}

static bool
active(const struct qhost *h, uint64_t now)
{
	return h->until_ms > now;
}

size_t
quar_active(const struct quar *q, uint64_t now)
{
	size_t	i, n = 0;

	for (i = 0; i < q->n; i++)
		n += active(&q->v[i], now);
	return n;
}

/* Automatic quarantines that began within the last hour. */
static size_t
last_hour(const struct quar *q, uint64_t now)
{
	size_t	i, n = 0;

	for (i = 0; i < q->n; i++)
		n += !q->v[i].manual && q->v[i].since_ms + HOUR_MS > now;
	return n;
}

/* The block for offence number n: timeout x escalation^(n-1), capped. */
static uint32_t
block_for(const struct quar_conf *c, uint32_t n)
{
	double	t = c->timeout_s;

	if (n > 1)
		t *= pow(c->escalation, n - 1);
	return t > c->max_timeout_s ? c->max_timeout_s : (uint32_t)t;
}

/* Push one element; the kernel's refusal ends the block. */
static int
push_one(struct quar *q, struct qhost *h, int op, uint64_t now,
    char *note, size_t len)
{
	struct nftq_elem	e;
	int			r;

	if (q->be.push == NULL)
		return 0;
	memset(&e, 0, sizeof(e));
	e.addr = h->addr;
	e.net64 = h->net64;
	e.op = op;
	if (op != NFTQ_DEL)
		e.timeout_ms = h->until_ms > now ? h->until_ms - now : 1;
	h->pending = false;
	if ((r = q->be.push(q->be.arg, &e, 1)) == -1) {
		/* due all the same: pushed again with the table or the sets */
		h->pending = op != NFTQ_DEL;
		q->unreachable++;
		return 0;
	}
	if (r > 0) {
		snprintf(note, len, "refused: the kernel refused the element "
		    "(%s)", strerror(e.err));
		return -1;
	}
	return 0;
}

/* Does the /64 of a hold an address of n, or n the /64? */
static bool
net64_meets(const struct net *n, const struct addr *a)
{
	struct addr	base = net64_of(a);

	return net_contains(n, &base) || (n->plen >= 64 &&
	    memcmp(n->addr.b, base.b, 8) == 0);
}

/*
 * The allowlists: quarantine.allow, then the kernel's allow4 / allow6.
 * A /64 (net64) is refused when it holds an address of quarantine.allow;
 * the chain accepts the allow6 set's addresses before it looks at
 * quarantine64, so those pass whatever their /64.  QR_ALLOW_CONF or
 * QR_ALLOW_SET with the note, or -1: not listed.
 */
static int
allowlisted(struct quar *q, const struct addr *a, bool net64, char *note,
    size_t len)
{
	char	net[ADDR_STRLEN];
	size_t	i;

	for (i = 0; i < q->conf->allow.n; i++)
		if (net64 ? net64_meets(&q->conf->allow.v[i], a) :
		    net_contains(&q->conf->allow.v[i], a)) {
			const struct net *n = &q->conf->allow.v[i];

			addr_fmt(&n->addr, net, sizeof(net));
			snprintf(note, len, "refused: in quarantine.allow "
			    "(%s/%u)", net, addr_is_v4(&n->addr) ?
			    n->plen - 96 : n->plen);
			return QR_ALLOW_CONF;
		}
	if (!net64 && q->be.allowed != NULL &&
	    q->be.allowed(q->be.arg, a) == 1) {
		snprintf(note, len, "refused: in the nftables set %s",
		    addr_is_v4(a) ? NFTQ_ALLOW4 : NFTQ_ALLOW6);
		return QR_ALLOW_SET;
	}
	return -1;
}

/* The number h's next offence would have (h may be NULL). */
static uint32_t
next_offence(const struct quar *q, const struct qhost *h, uint64_t now)
{
	if (h == NULL || h->offences == 0 ||
	    h->last_ms + q->conf->forget_s * 1000ULL <= now)
		return 1;
	return h->offences + 1;
}

/* Begin or refresh h's block for one more offence. */
static int
block(struct quar *q, struct qhost *h, const char *who, bool manual,
    uint32_t timeout_s, uint64_t now, char *note, size_t len)
{
	bool	was = active(h, now);
	struct qhost old = *h;

	h->offences = next_offence(q, h, now);
	h->last_ms = now;
	h->timeout_s = timeout_s ? timeout_s : block_for(q->conf, h->offences);
	if (!was) {
		h->since_ms = now;
		h->manual = manual;
		h->drops = h->drops_noted = 0;
		h->nsample = 0;
	}
	h->until_ms = now + h->timeout_s * 1000ULL;
	snprintf(h->detector, sizeof(h->detector), "%s", who);
	q->dirty = true;
	if (push_one(q, h, was ? NFTQ_REFRESH : NFTQ_ADD, now, note,
	    len) == -1) {
		*h = old;
		return QR_KERNEL;
	}
	snprintf(note, len, "%s for %" PRIu32 " s (offence %" PRIu32 ")",
	    was ? "refreshed: blocked" : "blocked", h->timeout_s, h->offences);
	return was ? QR_REFRESHED : QR_BLOCKED;
}

/* The breaker of a detector, made on first use; NULL when all are used. */
static struct qbreaker *
breaker_of(struct quar *q, const char *detector)
{
	size_t	i;

	for (i = 0; i < QBREAKERS; i++) {
		struct qbreaker *b = &q->breaker[i];

		if (strcmp(b->detector, detector) == 0)
			return b;
		if (b->detector[0] == '\0') {
			snprintf(b->detector, sizeof(b->detector), "%s",
			    detector);
			return b;
		}
	}
	return NULL;
}

/* Hosts the detector blocked (new blocks, not refreshes) in the window. */
static uint32_t
burst_of(const struct quar *q, const char *detector, uint64_t now)
{
	uint64_t	win = q->conf->burst_window_s * 1000ULL;
	uint32_t	n = 0;
	size_t		i;

	for (i = 0; i < q->n; i++)
		n += !q->v[i].manual && q->v[i].since_ms + win > now &&
		    strcmp(q->v[i].detector, detector) == 0;
	return n;
}

/*
 * Whether the detector's circuit breaker lets this verdict block: it
 * opens when the detector already blocked max_burst hosts within the
 * window (something is wrong with it or with the network, not with all
 * of them), and stays open until a window passes without a verdict from
 * it.  Existing blocks stay.
 */
static bool
breaker_lets(struct quar *q, const char *detector, uint64_t now, char *note,
    size_t len)
{
	const struct quar_conf	*c = q->conf;
	struct qbreaker		*b;
	uint32_t		 n;

	if (c->max_burst == 0 || (b = breaker_of(q, detector)) == NULL)
		return true;
	if (!b->open) {
		if ((n = burst_of(q, detector, now)) < c->max_burst)
			return true;
		b->open = true;
		b->opened_ms = now;
		b->blocked = n;
		b->refused = 0;
		q->opened = b;
	}
	b->last_ms = now;
	b->refused++;
	snprintf(note, len, "refused: %s blocked %" PRIu32 " hosts within %"
	    PRIu32 " s (quarantine.max_burst): its circuit breaker is open, "
	    "blocks held until %" PRIu32 " s pass without its verdicts",
	    detector, b->blocked, c->burst_window_s, c->burst_window_s);
	return false;
}

/*
 * A detector's verdict on a: block it, or say why not.  flags: QV_DRYRUN,
 * decide but block nothing; QV_LEARNING, the gateway is still learning;
 * QV_NETWORK, the evidence is failed contacts and the gateway says the
 * network is failing; QV_PREFIX, the host is a /64's addresses, which
 * may be more than one device's: refused, or with quarantine.prefix64 a
 * verdict on the /64.  note gets one line for the alert.  Returns an
 * enum qresult, counted; q->opened names a breaker this verdict opened.
 */
int
quar_verdict(struct quar *q, const struct addr *a, const char *detector,
    int flags, uint64_t now, char *note, size_t len)
{
	const struct quar_conf	*c = q->conf;
	bool			 net64 = (flags & QV_PREFIX) && c->prefix64;
	struct qhost		*h = quar_find_net(q, a, net64);
	bool			 refresh = h != NULL && active(h, now);
	bool			 dry_run = (flags & QV_DRYRUN) || c->dry_run;
	int			 r;

	q->opened = NULL;
	if (!c->enabled && !dry_run) {
		snprintf(note, len, "refused: quarantine.enabled is false");
		r = QR_DISABLED;
	} else if ((r = allowlisted(q, a, net64, note, len)) != -1) {
		/* the note says which list */
	} else if (flags & QV_LEARNING) {
		snprintf(note, len, "refused: the gateway is still learning "
		    "(learning_period)");
		r = QR_LEARNING;
	} else if (flags & QV_NETWORK) {
		snprintf(note, len, "refused: the evidence is failed contacts "
		    "and the network itself is failing (detector gateway)");
		r = QR_NETWORK;
	} else if ((flags & QV_PREFIX) && !net64) {
		snprintf(note, len, "refused: the host is a /64 whose "
		    "addresses are counted together (limits.hosts_per_prefix) "
		    "and may be more than one device's; block by hand or set "
		    "quarantine.prefix64");
		r = QR_PREFIX;
	} else if (refresh && h->last_ms + INCIDENT_MS > now) {
		snprintf(note, len, "already blocked (the same incident): "
		    "%" PRIu64 " s left", (h->until_ms - now + 999) / 1000);
		r = QR_ALREADY;
	} else if (!refresh && !breaker_lets(q, detector, now, note, len)) {
		r = QR_BREAKER;
	} else if (!refresh && quar_active(q, now) >= c->max_hosts) {
		snprintf(note, len, "refused: %" PRIu32 " hosts are "
		    "quarantined already (quarantine.max_hosts)", c->max_hosts);
		r = QR_MAX_HOSTS;
	} else if (!refresh && last_hour(q, now) >= c->per_hour) {
		snprintf(note, len, "refused: %" PRIu32 " quarantines in the "
		    "last hour (quarantine.max_per_hour)", c->per_hour);
		r = QR_HOURLY;
	} else if (dry_run) {
		uint32_t n = next_offence(q, h, now);

		snprintf(note, len, "dry run: would %s for %" PRIu32 " s "
		    "(offence %" PRIu32 ")", refresh ? "refresh the block" :
		    "block", block_for(c, n), n);
		r = QR_DRYRUN;
	} else if ((h = get(q, a, net64)) == NULL) {
		snprintf(note, len, "refused: out of memory");
		r = QR_KERNEL;
	} else
		r = block(q, h, detector, false, 0, now, note, len);
	q->results[r]++;
	return r;
}

/*
 * Block a, another address of the device whose address of is blocked
 * (its IPv6 temporary addresses), until of's block ends: the same
 * incident, so no offence is counted and no cap is used; the allowlists
 * still hold.
 */
int
quar_also(struct quar *q, const struct addr *a, const struct addr *of,
    uint64_t now, char *note, size_t len)
{
	struct qhost	*h, *src = quar_find(q, of);
	int		 r;

	if (src == NULL || !active(src, now)) {
		snprintf(note, len, "refused: %s", "the device is not blocked");
		return QR_DISABLED;
	}
	if ((r = allowlisted(q, a, false, note, len)) != -1)
		return r;
	if ((h = get(q, a, false)) == NULL) {
		snprintf(note, len, "refused: out of memory");
		return QR_KERNEL;
	}
	/* as long as the device's block, under its detector, no offence */
	return block(q, h, src->detector, false, (uint32_t)((src->until_ms -
	    now + 999) / 1000), now, note, len);
}

/*
 * By hand: block a, or its /64 (net64), for timeout_s (0: as for its next
 * offence).  The allowlists still hold; learning and the caps do not.
 */
int
quar_add(struct quar *q, const struct addr *a, bool net64,
    uint32_t timeout_s, uint64_t now, char *note, size_t len)
{
	struct qhost	*h;
	int		 r;

	if ((r = allowlisted(q, a, net64, note, len)) != -1) {
		/* the note says which list */
	} else if ((h = get(q, a, net64)) == NULL) {
		snprintf(note, len, "refused: out of memory");
		r = QR_KERNEL;
	} else
		r = block(q, h, "manual", true, timeout_s, now, note, len);
	return r;
}

/*
 * Release a, or its /64 (net64), by hand.  Its offences are forgotten
 * too: whoever releases it has judged the verdict wrong.  0, or -1 when
 * it was not blocked.
 */
int
quar_del(struct quar *q, const struct addr *a, bool net64, uint64_t now)
{
	struct qhost	*h = quar_find_net(q, a, net64);
	char		 note[160];

	if (h == NULL || !active(h, now))
		return -1;
	h->until_ms = 0;
	h->offences = 0;
	q->released++;
	q->dirty = true;
	push_one(q, h, NFTQ_DEL, now, note, sizeof(note));
	return 0;
}

/*
 * Ended blocks (the kernel removed their elements itself) and forgotten
 * offences.  Returns the number of blocks that ended.
 */
size_t
quar_tick(struct quar *q, uint64_t now)
{
	size_t	i, j, ended = 0;

	q->closed = NULL;
	for (i = 0; i < QBREAKERS; i++) {
		struct qbreaker *b = &q->breaker[i];

		if (b->open && b->last_ms + q->conf->burst_window_s * 1000ULL <=
		    now) {
			b->open = false;
			q->closed = b;	/* one a tick is enough to tell */
		}
	}

	for (i = 0, j = 0; i < q->n; i++) {
		struct qhost *h = &q->v[i];

		if (h->until_ms != 0 && h->until_ms <= now) {
			h->until_ms = 0;
			ended++;
			q->expired++;
			q->dirty = true;
		}
		if (h->until_ms == 0 && (h->offences == 0 || h->last_ms +
		    q->conf->forget_s * 1000ULL <= now) &&
		    h->since_ms + HOUR_MS <= now) {
			q->dirty = true;
			continue;		/* forgotten */
		}
		if (i != j)
			q->v[j] = *h;
		j++;
	}
	if (j != q->n) {
		q->n = j;
		reindex(q, q->idx_cap);
	}
	return ended;
}

/*
 * Push every block still due, with the time it has left: after start-up
 * and after the table came back.  Returns the number pushed, or -1 when
 * the kernel could not be reached.
 */
ssize_t
quar_repush(struct quar *q, uint64_t now)
{
	struct nftq_elem	*v;
	size_t			 i, n = 0;
	int			 r;

	if (q->be.push == NULL)
		return 0;
	if ((v = calloc(q->n ? q->n : 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < q->n; i++) {
		if (!active(&q->v[i], now))
			continue;
		v[n].addr = q->v[i].addr;
		v[n].net64 = q->v[i].net64;
		v[n].op = NFTQ_ADD;
		v[n].timeout_ms = q->v[i].until_ms - now;
		n++;
	}
	r = n > 0 ? q->be.push(q->be.arg, v, n) : 0;
	free(v);
	if (r == -1)
		return -1;
	for (i = 0; i < q->n; i++)
		q->v[i].pending = false;
	return (ssize_t)n - r;
}

/*
 * Elements found in the kernel's set at start-up: a block the file does
 * not know (put there by hand with nft, or saved too late) is adopted
 * with the kernel's expiry; a known one takes the kernel's expiry.
 */
void
quar_adopt(struct quar *q, const struct nftq_elem *v, size_t n,
    uint64_t now)
{
	struct qhost	*h;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (v[i].expires_ms == 0)
			continue;		/* no timeout: not ours */
		if ((h = get(q, &v[i].addr, v[i].net64)) == NULL)
			return;
		if (!active(h, now)) {
			h->since_ms = now;
			h->manual = true;
			h->offences = h->offences ? h->offences : 1;
			h->last_ms = now;
			h->timeout_s = (uint32_t)(v[i].timeout_ms / 1000);
			snprintf(h->detector, sizeof(h->detector), "nft");
		}
		h->until_ms = now + v[i].expires_ms;
		q->dirty = true;
	}
}

/*
 * The kernel's sets against the table, while the table is whole: a block
 * whose element is gone (an administrator ran "nft delete element") was
 * released by hand, and an element with a timeout that no block explains
 * (added by hand with nft) is adopted.  Blocks about to end are left to
 * quar_tick().  note, when set, hears of each.  Returns the changes.
 */
size_t
quar_reconcile(struct quar *q, const struct nftq_elem *v, size_t n,
    uint64_t now, void (*note)(void *, const struct qhost *, bool),
    void *arg)
{
	uint8_t		*seen;
	struct qhost	*h;
	size_t		 i, changes = 0, before = q->n;

	if ((seen = calloc(before ? before : 1, 1)) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		h = quar_find_net(q, &v[i].addr, v[i].net64);
		if (h != NULL && active(h, now)) {
			/* one adopted above, when the dump lists it twice */
			if ((size_t)(h - q->v) < before)
				seen[h - q->v] = 1;
			continue;
		}
		if (v[i].expires_ms == 0)
			continue;
		quar_adopt(q, &v[i], 1, now);
		if ((h = quar_find_net(q, &v[i].addr, v[i].net64)) != NULL) {
			if ((size_t)(h - q->v) < before)
				seen[h - q->v] = 1;
			changes++;
			if (note != NULL)
				note(arg, h, true);
		}
	}
	for (i = 0; i < before; i++) {
		h = &q->v[i];
		if (seen[i] || !active(h, now) || h->until_ms < now + 2000 ||
		    h->since_ms + 2000 > now)
			continue;
		if (h->pending) {
			/* never arrived: not a release, push it again */
			struct nftq_elem e;

			memset(&e, 0, sizeof(e));
			e.addr = h->addr;
			e.net64 = h->net64;
			e.op = NFTQ_ADD;
			e.timeout_ms = h->until_ms - now;
			if (q->be.push != NULL && q->be.push(q->be.arg, &e,
			    1) == 0)
				h->pending = false;
			continue;
		}
		h->until_ms = 0;
		h->offences = 0;
		q->released++;
		q->dirty = true;
		changes++;
		if (note != NULL)
			note(arg, h, false);
	}
	free(seen);
	return changes;
}

/*
 * NFLOG saw a packet from a dropped: count it against a's block, or its
 * /64's.
 */
void
quar_drop(struct quar *q, const struct addr *a, const struct qsample *s)
{
	struct qhost	*h = quar_find(q, a);

	/* a block still on its list until quar_tick() ends it */
	if ((h == NULL || h->until_ms == 0) && !addr_is_v4(a))
		h = quar_find_net(q, a, true);
	if (h == NULL || h->until_ms == 0) {
		q->nflog_unknown++;
		return;
	}
	h->drops++;
	h->sample[h->nsample++ % QSAMPLES] = *s;
}

static void
quar_write(FILE *fp, void *arg)
{
	const struct quar	*q = arg;
	char			 a[HOST_STRLEN];
	size_t			 i;

	record_put(fp, "%s %d", QUAR_MAGIC, QUAR_VERSION);
	for (i = 0; i < q->n; i++) {
		const struct qhost *h = &q->v[i];

		addr_fmt64(&h->addr, h->net64, a, sizeof(a));
		record_put(fp, "q %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu32
		    " %" PRIu32 " %d %s %" PRIu64, a, h->since_ms, h->until_ms,
		    h->last_ms, h->offences, h->timeout_s, h->manual,
		    h->detector[0] ? h->detector : "-", h->drops);
	}
	record_put(fp, "end %zu", q->n);
}

/*
 * Write quarantine.file atomically and durably, mode 0600.  0, or -1 with
 * the reason in err.
 */
int
quar_save(struct quar *q, const char *path, char *err, size_t len)
{
	if (file_replace(path, 0600, true, quar_write, q, err, len) == -1)
		return -1;
	q->dirty = false;
	return 0;
}

/*
 * One "q" record into q; -1 when it does not parse, -2 for a /64's block
 * while quarantine.prefix64 is false (the set may not exist).
 */
static int
load_record(struct quar *q, char *rec)
{
	char		 a[64], det[24];
	struct addr	 addr;
	struct qhost	*h;
	uint64_t	 since, until, last, drops;
	uint32_t	 off, tmo;
	int		 manual, used = 0;
	bool		 net64;

	if (sscanf(rec, "q %63s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu32
	    " %" SCNu32 " %d %23s %" SCNu64 "%n", a, &since, &until, &last,
	    &off, &tmo, &manual, det, &drops, &used) != 9 ||
	    rec[used] != '\0' || (manual != 0 && manual != 1))
		return -1;
	if (addr_parse64(a, &addr, &net64) == -1)
		return -1;
	if (net64 && !q->conf->prefix64)
		return -2;
	if ((h = get(q, &addr, net64)) == NULL)
		return -1;
	h->since_ms = since;
	h->until_ms = until;
	h->last_ms = last;
	h->offences = off;
	h->timeout_s = tmo;
	h->manual = manual;
	h->drops = h->drops_noted = drops;
	snprintf(h->detector, sizeof(h->detector), "%s",
	    strcmp(det, "-") == 0 ? "" : det);
	return 0;
}

/*
 * Read quarantine.file.  Damaged lines are reported as FILE:LINE on msgs
 * and skipped; blocks that ended while ephemd was down are dropped by
 * the next quar_tick().  Returns the number of damaged lines, or -1 when
 * the file is unreadable or not a quarantine file (nothing loaded).
 */
int
quar_load(struct quar *q, const char *path, uint64_t now, FILE *msgs)
{
	struct record_reader	 r;
	char			*rec;
	size_t			 records;
	int			 problems;

	if (record_open(&r, path, QUAR_MAGIC, QUAR_VERSION, msgs) == -1)
		return -1;
	while ((rec = record_read(&r)) != NULL)
		switch (load_record(q, rec)) {
		case -1:
			record_bad(&r, "not a quarantine record");
			break;
		case -2:
			record_bad(&r, "a /64's block while quarantine.prefix64 "
			    "is false: left out");
			break;
		}
	records = r.records;
	problems = record_close(&r);
	fprintf(msgs, "%s: %zu quarantine records read, %zu still due\n",
	    path, records, quar_active(q, now));
	return problems;
}

/* h's last samples, oldest first, as JSON objects separated by commas. */
void
quar_samples_json(FILE *fp, const struct qhost *h)
{
	char	dst[ADDR_STRLEN];
	size_t	k, m = h->nsample < QSAMPLES ? h->nsample : QSAMPLES;

	for (k = 0; k < m; k++) {
		const struct qsample *s =
		    &h->sample[(h->nsample - m + k) % QSAMPLES];

		addr_fmt(&s->dst, dst, sizeof(dst));
		fprintf(fp, "%s{\"ts\": %.3f, \"dst\": \"%s\", \"proto\": "
		    "\"%s\", \"dport\": %u}", k ? ", " : "", s->ts_ms / 1000.0,
		    dst, timeouts_proto_name(s->proto), s->dport);
	}
}

/* The report's "quarantine" member: counters and every block due. */
void
quar_report_json(FILE *fp, const struct quar *q, uint64_t now)
{
	char	a[HOST_STRLEN];
	size_t	i;
	bool	first = true;
	int	r;

	fprintf(fp, ",\n  \"quarantine\": {\"enabled\": %s, \"dry_run\": %s, "
	    "\"table_ok\": %s, \"active\": %zu,\n    \"results\": {",
	    q->kernel ? "true" : "false", q->conf->dry_run ? "true" : "false",
	    q->table_ok ? "true" : "false", quar_active(q, now));
	for (r = 0; r < QR_NRESULTS; r++)
		fprintf(fp, "%s\"%s\": %" PRIu64, r ? ", " : "",
		    quar_result_name(r), q->results[r]);
	fprintf(fp, "},\n    \"released\": %" PRIu64 ", \"expired\": %" PRIu64
	    ", \"unreachable\": %" PRIu64 ", \"kernel_added\": %" PRIu64
	    ", \"kernel_deleted\": %" PRIu64 ", \"kernel_refused\": %" PRIu64
	    ", \"batches\": %" PRIu64 ",\n    \"nflog\": {\"packets\": %"
	    PRIu64 ", \"lost\": %" PRIu64 ", \"overruns\": %" PRIu64
	    ", \"bad\": %" PRIu64 ", \"unknown_source\": %" PRIu64 "},\n"
	    "    \"hosts\": [", q->released, q->expired, q->unreachable,
	    q->nft.added, q->nft.deleted, q->nft.refused, q->nft.batches,
	    q->nflog.packets, q->nflog.lost, q->nflog.overruns, q->nflog.bad,
	    q->nflog_unknown);
	for (i = 0; i < q->n; i++) {
		const struct qhost *h = &q->v[i];

		if (h->until_ms <= now)
			continue;
		addr_fmt64(&h->addr, h->net64, a, sizeof(a));
		fprintf(fp, "%s\n      {\"host\": \"%s\", \"since\": %.3f, "
		    "\"until\": %.3f, \"timeout\": %" PRIu32 ", \"offences\": %"
		    PRIu32 ", \"by\": \"%s\", \"manual\": %s, \"dropped\": %"
		    PRIu64 ", \"samples\": [", first ? "" : ",", a,
		    h->since_ms / 1000.0, h->until_ms / 1000.0, h->timeout_s,
		    h->offences, h->detector, h->manual ? "true" : "false",
		    h->drops);
		first = false;
		quar_samples_json(fp, h);
		fprintf(fp, "]}");
	}
	fprintf(fp, "%s]}", first ? "" : "\n    ");
}

void
quar_report_text(FILE *fp, const struct quar *q, uint64_t now)
{
	char	a[HOST_STRLEN];
	size_t	i;
	int	r;

	fprintf(fp, "\nquarantine%s%s: %zu hosts blocked\n",
	    q->kernel ? "" : " (not enabled)",
	    q->conf->dry_run ? " (dry run)" : "", quar_active(q, now));
	fprintf(fp, "  verdicts        ");
	for (r = 0; r < QR_NRESULTS; r++)
		fprintf(fp, " %s %" PRIu64, quar_result_name(r), q->results[r]);
	fprintf(fp, "\n  NFLOG           packets %" PRIu64 ", lost %" PRIu64
	    ", not quarantined %" PRIu64 "\n", q->nflog.packets,
	    q->nflog.lost, q->nflog_unknown);
	for (i = 0; i < q->n; i++) {
		const struct qhost *h = &q->v[i];

		if (h->until_ms <= now)
			continue;
		addr_fmt64(&h->addr, h->net64, a, sizeof(a));
		fprintf(fp, "  %-39s by %s, offence %" PRIu32 ", %" PRIu64
		    " s left, %" PRIu64 " packets dropped\n", a, h->detector,
		    h->offences, (h->until_ms - now) / 1000, h->drops);
	}
}
