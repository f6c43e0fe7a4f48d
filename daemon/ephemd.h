/*
 * ephemd - ephemeral source-port behaviour of NATed clients.
 *
 *  conntrack netlink --+                      +-> per-host stats --+
 *  (live, libmnl)      +-> struct flow_event -+                    +-> detectors -> verdicts
 *  conntrack(8) text --+   (one event type)   +-> per-service -----+
 *  (replay)                     |
 *                               v
 *                      flow table (active flows)
 *
 * One normalised event type crosses from the inputs into the core; nothing
 * downstream knows about netlink or text.  The core (flow.c, host.c, svc.c,
 * core.c) is pure: no I/O, no clock reads.  Time comes in with the events,
 * so a replay is deterministic.  All times are milliseconds (_ms) on one
 * time base: the capture's clock in replay, the kernel's in live mode.
 */
#ifndef EPHEMD_H
#define EPHEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* An IPv4 or IPv6 address; IPv4 is stored v4-mapped (::ffff:a.b.c.d). */
struct addr {
	uint8_t		b[16];
};

enum ev_type {
	EV_NEW = 1,
	EV_DESTROY = 2,
	EV_DUMP = 3,		/* an entry of a table dump (live mode) */
};

/* Final state of a flow, used to subtract the state's timeout. */
enum ct_state {
	CTS_NONE = 0,		/* protocol without states (udp, icmp...) */
	CTS_SYN_SENT,
	CTS_SYN_RECV,
	CTS_ESTABLISHED,
	CTS_FIN_WAIT,
	CTS_CLOSE_WAIT,
	CTS_LAST_ACK,
	CTS_TIME_WAIT,
	CTS_CLOSE,
	CTS_SYN_SENT2,
	CTS_OTHER,		/* a state name we do not know (sctp, dccp) */
	CTS_MAX
};

#define EVF_UNREPLIED	0x0001	/* no packet seen in the reply direction */
#define EVF_ASSURED	0x0002
#define EVF_USERSPACE	0x0004	/* destroyed from user space (flush, -D) */
#define EVF_PORTS	0x0008	/* protocol carries ports */
#define EVF_TIMEOUT	0x0010	/* timeout_s is valid */

/* The one event type that crosses from the inputs into the core. */
struct flow_event {
	uint64_t	ts_ms;		/* event time: arrival, or the capture's */
	uint64_t	kstart_ms;	/* the kernel's start timestamp, or 0 */
	uint64_t	kstop_ms;	/* the kernel's stop timestamp, or 0 */
	uint32_t	ct_id;		/* conntrack id, 0 when unknown */
	uint32_t	timeout_s;	/* remaining timeout in the event */
	uint16_t	flags;		/* EVF_* */
	uint16_t	zone;
	uint8_t		type;		/* enum ev_type */
	uint8_t		proto;		/* IPPROTO_* */
	uint8_t		state;		/* enum ct_state */
	uint8_t		pad;
	uint16_t	sport;		/* original direction */
	uint16_t	dport;
	uint16_t	nat_port;	/* reply direction destination port */
	struct addr	src;		/* original direction */
	struct addr	dst;
	struct addr	nat_addr;	/* reply direction destination */
	uint64_t	key;		/* the flow's key once known (core), or 0 */
};

/* addr.c: addresses and networks */
struct net {
	struct addr	addr;
	uint8_t		plen;		/* prefix length on the v6 scale */
};

struct netlist {
	struct net	*v;
	size_t		 n;
};

int	 addr_parse(const char *, size_t, struct addr *);
int	 addr_scan_v4(const char *, const char *, struct addr *,
	    const char **);
void	 addr_fmt(const struct addr *, char *, size_t);
void	 addr_fmt64(const struct addr *, bool, char *, size_t);
int	 addr_parse64(const char *, struct addr *, bool *);
int	 addr_cmp(const struct addr *, const struct addr *);
uint64_t addr_hash(const struct addr *);
int	 net_parse(const char *, struct net *);
bool	 net_contains(const struct net *, const struct addr *);
void	 net_mask(struct net *);
int	 netlist_add(struct netlist *, const struct net *);
int	 netlist_add_str(struct netlist *, const char *);
bool	 netlist_contains(const struct netlist *, const struct addr *);
void	 netlist_clear(struct netlist *);
int	 netlist_default_internal(struct netlist *);

#define ADDR_STRLEN	46

/*
 * Every event asks these, several times: inline, and the v4-mapped prefix
 * compared as two words (memcmp may stay a call).
 */
static inline bool
addr_is_v4(const struct addr *a)
{
	static const uint8_t	v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	uint64_t		hi, mhi;
	uint32_t		mid, mmid;

	memcpy(&hi, a->b, 8);
	memcpy(&mid, a->b + 8, 4);
	memcpy(&mhi, v4mapped, 8);
	memcpy(&mmid, v4mapped + 8, 4);
	return hi == mhi && mid == mmid;
}

static inline void
addr_from_v4(struct addr *a, uint32_t host_order)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	a->b[12] = host_order >> 24;
	a->b[13] = host_order >> 16;
	a->b[14] = host_order >> 8;
	a->b[15] = host_order;
}

/* hash.c: hashing for the tables, keyed at start */
void	 hash_init(void);
void	 hash_randomize(void);
uint64_t hash_sip(const void *, size_t);
uint64_t hash_mix64(uint64_t);
uint64_t hash_mum(uint64_t, uint64_t);
uint64_t hash_fast(const struct addr *, uint64_t);

/* stats.c: bounded streaming statistics */

/*
 * Log-bucket histogram of durations in ms: 4 buckets per power of two
 * (about 19 % resolution, ports.md section 7), 1 ms to 2^31 ms (24 days).
 */
#define LHIST_BUCKETS	126
struct lhist {
	uint32_t	c[LHIST_BUCKETS];
	uint32_t	n;
	uint64_t	min, max;	/* quantiles are clamped to these */
};

void	 lhist_add(struct lhist *, uint64_t);
uint64_t lhist_quantile(const struct lhist *, double);
void	 lhist_bins(const struct lhist *, const uint64_t *, size_t,
	    uint64_t *);

/*
 * Time-weighted histogram of a level (ports held at once): exact for
 * 0..31, then 4 buckets per power of two.
 */
#define CHIST_BUCKETS	96
struct chist {
	uint64_t	w[CHIST_BUCKETS];	/* ms spent at the level */
	uint64_t	total;
};

void	 chist_add(struct chist *, uint32_t, uint64_t);
uint32_t chist_quantile(const struct chist *, double);

/* Distinct-count sketch (linear counting) for fan-out per minute. */
#define LCOUNT_BITS	512
struct lcount {
	uint64_t	w[LCOUNT_BITS / 64];
};

void	 lcount_add(struct lcount *, uint64_t);
uint32_t lcount_estimate(const struct lcount *);
void	 lcount_clear(struct lcount *);

/* Per-minute counts in log buckets, weights decayed (1 = 256). */
#define RATE_BUCKETS	48
struct rhist {
	uint32_t	w[RATE_BUCKETS];
};

void	 rhist_add(struct rhist *, uint32_t);
void	 rhist_decay(struct rhist *, double);
uint32_t rhist_limit(const struct rhist *, double, uint32_t, uint32_t *,
	    uint32_t *);
uint32_t rhist_quantile(const struct rhist *, double);
void	 lhist_decay(struct lhist *, double, uint64_t);

/* timeouts.c: conntrack state timeouts (seconds), kernel defaults */
struct ct_timeouts {
	uint32_t	tcp[CTS_MAX];
	uint32_t	udp;
	uint32_t	udp_stream;
	uint32_t	icmp;
	uint32_t	generic;
};

void	 timeouts_default(struct ct_timeouts *);
uint32_t timeouts_final(const struct ct_timeouts *, const struct flow_event *);
int	 timeouts_state_parse(const char *, size_t);
const char *timeouts_state_name(int);
const char *timeouts_proto_name(uint8_t);

/*
 * dindex.c: an open-addressing index over a dense array (hosts, services):
 * slots hold array index + 1, 0 is empty.  The caller supplies the hash of
 * each element and an equality test.
 */
struct dindex {
	uint32_t	*slot;
	size_t		 mask;
};

typedef bool	(*dindex_eq_fn)(const void *, uint32_t, const void *);
typedef uint64_t (*dindex_hash_fn)(const void *, uint32_t);

int	 dindex_init(struct dindex *, size_t);
void	 dindex_free(struct dindex *);
uint32_t *dindex_find(struct dindex *, uint64_t, dindex_eq_fn, const void *,
	    const void *);
int	 dindex_reserve(struct dindex *, size_t, dindex_hash_fn, const void *);
void	 dindex_remove(struct dindex *, uint32_t *, dindex_hash_fn,
	    const void *);

/* flow.c: the table of active flows */
struct flow {
	uint64_t	key;		/* keyed hash of the tuple; 0: free */
	uint64_t	start_ms;
	struct addr	src, dst;	/* the original tuple */
	uint32_t	host;		/* index into the host table */
	uint32_t	svc;		/* index into the service table */
	uint32_t	ct_id;		/* conntrack id, 0 when unknown */
	uint16_t	sport;		/* original source port (or icmp id) */
	uint16_t	dport;		/* (or icmp type << 8 | code) */
	uint16_t	zone;
	uint8_t		proto;
	uint8_t		gen;		/* last dump that listed it */
	uint8_t		fflags;		/* FF_* */
	uint16_t	sample;		/* its point in the host's sample */
};

_Static_assert(sizeof(struct flow) == 72, "a flow is 72 bytes");

#define FF_START_UNKNOWN	0x01	/* start not seen (dump, pickup) */
#define FF_PORTS		0x02
#define FF_NO_SVC		0x04
#define FF_FIRST		0x08	/* the host's first contact (scan) */
#define FF_COUNTED		0x10	/* in the exhaustion counts */
#define FF_FALLBACK		0x20	/* IPv6, followed by the same connect
					   over IPv4 (Happy Eyeballs) */
#define FF_WITNESSED		0x40	/* a contact the gateway view counted */

#define FLOWTAB_MAX	(1U << 25)	/* flows at most (limits.flows) */

struct flowtab {
	struct flow	*v;		/* records, indices stable */
	size_t		 nv, vcap;	/* records used (some free), room */
	uint32_t	 free;		/* free records: index + 1, 0 none */
	uint64_t	*slot;		/* the index, 0 empty */
	size_t		 cap;		/* its slots */
	size_t		 n;		/* flows */
	size_t		 max;		/* refuse beyond this many flows */
};

int	 flowtab_init(struct flowtab *, size_t);
void	 flowtab_free(struct flowtab *);
uint64_t flow_key(const struct flow_event *);
size_t	 flow_home(const struct flowtab *, uint64_t);
struct flow *flow_lookup(struct flowtab *, uint64_t, const struct flow_event *);
const struct flow *flow_peek(const struct flowtab *, uint64_t);
void	 flow_prefetch(const struct flowtab *, uint64_t);
struct flow *flow_insert(struct flowtab *, uint64_t, const struct flow_event *);
void	 flow_remove(struct flowtab *, struct flow *);
struct flow *flowtab_at(struct flowtab *, size_t);
size_t	 flowtab_bytes(const struct flowtab *);

/*
 * sample.c: a host's last flows as points (time, port, protocol, outcome),
 * those before its last alert, and the ports it held over time, for the
 * HTML report's pictures
 */
#define SAMPLE_POINTS	48	/* recent flows with ports */
#define SAMPLE_PINNED	16	/* flows up to the last alert */
#define SAMPLE_HELD	16	/* ports held over time: buckets */

enum sample_proto { SP_TCP, SP_UDP, SP_OTHER };
enum sample_outcome {
	SO_OPEN,		/* not ended yet */
	SO_ANSWERED,		/* TCP established, others replied */
	SO_REFUSED,		/* TCP replied but never established (RST) */
	SO_UNANSWERED,		/* no reply */
	SO_GONE,		/* ended unseen (a dump found it gone) */
	SO_NOUTCOMES
};

struct sample {
	uint64_t	last_ms;	/* the newest point's time, as coded */
	uint64_t	pin_ms;		/* ... of the newest pinned point */
	uint16_t	pt[SAMPLE_POINTS][2];	/* port; step << 4 | kind */
	uint16_t	pin[SAMPLE_PINNED][2];	/* the last before an alert */
	uint16_t	held[SAMPLE_HELD];	/* most held in a bucket */
	uint16_t	seq;		/* the newest point's number, not 0 */
	uint16_t	pin_seq;	/* ... of the newest pinned point */
	uint8_t		head;		/* the next point's slot */
	uint8_t		n;		/* points kept */
	uint8_t		pin_n;		/* points pinned */
	uint8_t		held_shift;	/* a bucket is 2^(16 + shift) ms */
	uint8_t		held_n;		/* buckets begun */
};

struct sample_point {
	uint64_t	ts_ms;
	uint16_t	port;
	uint8_t		proto;		/* enum sample_proto */
	uint8_t		outcome;	/* enum sample_outcome */
};

uint16_t sample_add(struct sample *, const struct flow_event *, uint64_t);
void	 sample_end(struct sample *, const struct flow *, int);
void	 sample_pin(struct sample *);
size_t	 sample_points(const struct sample *, struct sample_point *);
size_t	 sample_pinned(const struct sample *, struct sample_point *);
void	 sample_held(struct sample *, uint64_t, uint32_t, uint32_t, uint64_t);
size_t	 sample_held_series(const struct sample *, uint64_t, uint32_t,
	    uint64_t, uint16_t *, uint64_t *);

/* host.c: per-client measurements */
enum range_family {
	RF_UNKNOWN = 0,
	RF_LINUX,
	RF_IANA,
	RF_FREEBSD,
	RF_OPENBSD,
	RF_LEGACY,
	RF_CUSTOM,
};

enum allocator {
	AL_UNKNOWN = 0,
	AL_SEQUENTIAL,
	AL_PER_DEST,
	AL_RANDOM,
	AL_FIXED,
	AL_MIXED,
};

#define HOST_RECENT	16	/* recent destinations for per-dst steps */
#define HOST_SEGS	8	/* port segments split at the family edges */

struct host_recent {
	uint32_t	dst;		/* hash of (dst, dport) */
	uint16_t	port;
	uint16_t	pad;
	uint64_t	ts_ms;
};

#define HF_PREFIX	0x0001	/* the /64 of addresses aggregated under it */
#define HF_LEARNED	0x0002	/* its baseline is learned: evicted last */

struct host {
	struct addr	addr;		/* or a /64 with HF_PREFIX */
	uint64_t	lru_ms;		/* when it last moved in the table's
					   recency list */
	uint32_t	gen;		/* slot reuses: an alias to it is of
					   this generation */
	uint32_t	gen_pad;
	uint64_t	first_ms;
	uint64_t	last_ms;
	uint32_t	flows;		/* NEW events seen */
	uint32_t	tcp_flows;
	uint32_t	udp_flows;
	uint32_t	other_flows;	/* protocols without ports */
	uint32_t	held;		/* flows with ports in the table now */
	uint32_t	held_max;
	uint32_t	ended;		/* flows seen ending */
	uint32_t	unreplied;	/* ... that never saw a reply */

	/* range: TCP source ports (all port protocols while no TCP) */
	uint16_t	port_min, port_max;
	uint16_t	any_min, any_max;
	uint32_t	seg[HOST_SEGS];	/* TCP ports per segment */
	uint32_t	useg[HOST_SEGS];	/* other protocols' ports */
	uint16_t	hist[256];	/* 256 TCP ports per bin; all halved
					   when one would overflow */

	/* allocator features over successive TCP connects */
	uint16_t	last_port;
	uint16_t	hflags;		/* HF_* */
	uint32_t	n_delta, n_unit, n_small, n_zero;
	uint32_t	n_even, n_tcp_ports;
	uint32_t	n_pair, n_pair_small;
	struct host_recent recent[HOST_RECENT];

	/* concurrency, time weighted */
	uint64_t	held_since_ms;
	struct chist	conc;

	/* lifetime of flows with a known start */
	struct lhist	life;
	uint32_t	under_1m, under_3m;

	/* fan-out and rate per minute of activity */
	uint64_t	minute;
	uint32_t	min_flows;
	uint32_t	minutes;
	struct lcount	min_dst, min_dport;
	uint64_t	sum_dst, sum_dport;
	uint32_t	max_flows, max_dst, max_dport;

	/* recent flows and ports held over time, for pictures */
	struct sample	sample;
};

struct host_report {
	int		 family;
	int		 allocator;
	double		 f_unit;	/* share of +1 steps */
	double		 f_small;	/* share of steps in 1..16 */
	double		 f_pair_small;	/* share of per-destination steps in 1..16 */
	double		 even_ratio;
	uint32_t	 conc_p50, conc_p95, conc_max;
	double		 life_p50, life_p90, life_p99;	/* seconds */
	double		 under_1m, under_3m;
	double		 flows_per_min, dsts_per_min, dports_per_min;
	uint32_t	 flows_per_min_max, dsts_per_min_max, dports_per_min_max;
	double		 unreplied;
};

/* classifier thresholds, from ports.md section 2.1 */
struct classify_conf {
	uint32_t	min_samples;	/* TCP connects before a verdict */
	double		fixed_share;	/* share of zero steps: fixed */
	double		unit_share;	/* share of +1 steps: sequential */
	double		even_share;	/* even ports: per-destination */
	double		pair_share;	/* small same-destination steps */
	uint32_t	min_pairs;
	double		random_small;	/* at most this share of small steps */
	double		random_even_lo, random_even_hi;
	double		family_slack;	/* share of ports allowed outside */
};

/* the allocator's features, to classify a window of a host's connects */
struct alloc_feat {
	uint32_t	n_delta, n_unit, n_small, n_zero;
	uint32_t	n_even, n_tcp_ports, n_pair, n_pair_small;
};

void	 host_classify_default(struct classify_conf *);
void	 host_alloc_feat(const struct host *, struct alloc_feat *);
int	 host_alloc_classify(const struct alloc_feat *, const struct alloc_feat *,
	    const struct classify_conf *, double *);
bool	 host_family_holds(int, uint16_t);
uint32_t host_family_size(int);
void	 host_init(struct host *, const struct addr *, uint64_t);
void	 host_new_flow(struct host *, const struct flow_event *, uint64_t);
void	 host_adopt_flow(struct host *, uint64_t);
void	 host_end_flow(struct host *, const struct flow *, bool, uint64_t,
	    uint64_t, bool);
void	 host_finish(struct host *, uint64_t);
void	 host_report(const struct host *, const struct classify_conf *,
	    struct host_report *);
const char *host_family_name(int);
const char *host_allocator_name(int);

/* A host's neighbours in the recency list: index + 1, 0 none. */
struct host_link {
	uint32_t	prev, next;
};

struct hosttab {
	struct host	*v;		/* dense array, index stable */
	struct host_link *lru;		/* beside it: the recency list */
	size_t		 n, cap, max;
	struct dindex	 idx;
	uint32_t	 lru_head, lru_tail;	/* index + 1: least, most recent */
};

int	 hosttab_init(struct hosttab *, size_t);
void	 hosttab_free(struct hosttab *);
struct host *hosttab_get(struct hosttab *, const struct addr *, uint64_t,
	    uint32_t *);
struct host *hosttab_find(struct hosttab *, const struct addr *, uint32_t *);
#define HOST_STRLEN	(ADDR_STRLEN + 3)

void	 host_fmt(const struct host *, char *, size_t);
#define HOST_PROBE	64	/* hosts looked at for one to evict */

void	 hosttab_touch(struct hosttab *, uint32_t);
int64_t	 hosttab_victim(struct hosttab *, uint64_t, uint64_t, size_t);
struct host *hosttab_replace(struct hosttab *, uint32_t, const struct addr *,
	    uint64_t);

/* svc.c: per-service (protocol + destination port) lifetimes */
struct svc {
	uint8_t		proto;
	uint8_t		pad;
	uint16_t	port;
	uint32_t	flows;
	uint32_t	open;		/* flows in the flow table */
	uint64_t	last_ms;	/* its last NEW */
	uint32_t	under_1m, under_3m;
	uint64_t	max_ms;
	struct lhist	life;
};

struct svctab {
	struct svc	*v;
	size_t		 n, cap, max;
	struct dindex	 idx;
	size_t		 hand;		/* where the search for a victim goes on */
};

int	 svctab_init(struct svctab *, size_t);
void	 svctab_free(struct svctab *);
struct svc *svctab_get(struct svctab *, uint8_t, uint16_t, uint32_t *);
void	 svc_end_flow(struct svc *, uint64_t);
#define SVC_PROBE	64	/* services looked at for one to evict */

int64_t	 svctab_victim(struct svctab *, uint64_t, uint64_t, uint32_t, size_t);
struct svc *svctab_replace(struct svctab *, uint32_t, uint8_t, uint16_t);

/* core.c: the pipeline, events in, measurements out */
struct core_conf {
	struct netlist		internal;	/* client networks */
	struct ct_timeouts	timeouts;
	struct classify_conf	classify;
	size_t			max_flows;
	size_t			max_hosts;
	size_t			max_services;
	uint32_t		host_idle_s;	/* evictable when full */
	uint32_t		svc_idle_s;
	uint32_t		svc_known;	/* ended flows: evicted last */
	uint32_t		per_prefix;	/* IPv6 hosts of a /64 before
						   the rest share its host */
	bool			prefix64;	/* every /64 one host at once */
};

struct core_counters {
	uint64_t	events;		/* NEW + DESTROY handed to the core */
	uint64_t	new;
	uint64_t	destroy;
	uint64_t	client_flows;
	uint64_t	non_client;	/* flows of hosts outside the networks */
	uint64_t	portless;	/* client flows without ports */
	uint64_t	orphan_destroy;	/* DESTROY for a flow never seen */
	uint64_t	duplicate_new;	/* NEW for a flow already open */
	uint64_t	flows_full;	/* NEW refused: flow table full */
	uint64_t	hosts_full;	/* NEW refused: host table full */
	uint64_t	hosts_evicted;	/* idle hosts given up for new ones */
	uint64_t	svcs_evicted;
	uint64_t	aggregated;	/* NEW of an address counted in its /64 */
	uint64_t	aliased;	/* NEW of an address counted in its
					   device's host */
	uint64_t	svcs_full;	/* flow without service: table full */
	uint64_t	time_backwards;	/* event older than the previous one */
	uint64_t	dumps;		/* table dumps reconciled */
	uint64_t	adopted;	/* flows known only from a dump */
	uint64_t	adopted_started;	/* ... with the kernel's start */
	uint64_t	expired;	/* flows a dump showed gone, unseen */
	uint64_t	lost;		/* events the kernel could not deliver */
	uint64_t	incomplete;	/* windows marked incomplete by loss */
};

void	 core_conf_default(struct core_conf *);
void	 core_conf_free(struct core_conf *);

#define CORE_GAPS	16	/* incomplete windows remembered */

struct core_gap {
	uint64_t	from_ms, to_ms;
};

/* Called for every flow a DESTROY ended: the event, its start, lifetime. */
typedef void	(*core_end_fn)(void *, const struct flow_event *, uint64_t,
		    uint64_t, bool);

/*
 * The detectors' view of client flows: a NEW once the flow is in the
 * table, a DESTROY before it leaves it (with its lifetime when known).
 */
typedef void	(*core_obs_new_fn)(void *, const struct flow_event *,
		    struct flow *);
typedef void	(*core_obs_end_fn)(void *, const struct flow_event *,
		    const struct flow *, uint64_t, bool);
/* a table's slot i goes to another entry: whatever followed it forgets */
enum core_table { CORE_T_HOSTS, CORE_T_SERVICES };
typedef void	(*core_obs_evict_fn)(void *, enum core_table, uint32_t);

#define CORE_V6SEEN	16	/* unmeasured IPv6 /64s followed */

/*
 * An IPv6 address counted in another address's host: one device's
 * addresses (its temporary ones), by the MAC behind them (live).
 */
#define CORE_ALIAS_WAYS	4

struct core_alias {
	struct addr	addr;
	uint32_t	hi;		/* the device's host */
	uint32_t	gen;		/* the host slot's generation, + 1 */
};

/* The IPv6 hosts of one /64 in the host table. */
struct core_p64 {
	uint64_t	prefix;		/* its first 8 bytes; 0: empty */
	uint32_t	hosts;		/* hosts of single addresses */
	bool		aggregated;	/* new addresses go to its /64 host */
	bool		has_host;	/* which is in the table */
};

/* a /64 whose global sources were neither internal nor NATed */
struct core_v6seen {
	struct addr	prefix;
	uint64_t	flows;		/* NEW, an upper bound */
};

struct core {
	const struct core_conf	*conf;
	core_end_fn		 on_end;	/* optional */
	void			*on_end_arg;
	core_obs_new_fn		 obs_before;	/* before the host counts it */
	core_obs_new_fn		 obs_new;	/* optional: the detectors */
	core_obs_end_fn		 obs_end;
	core_obs_evict_fn	 obs_evict;
	void			*obs_arg;
	struct flowtab		 flows;
	struct hosttab		 hosts;
	struct svctab		 svcs;
	struct core_counters	 cnt;
	uint64_t		 first_ms;
	uint64_t		 now_ms;
	bool			 started;
	bool			 finished;
	uint8_t			 dump_gen;	/* the dump in progress */
	uint8_t			 verified_gen;	/* a dump after the last gap */
	uint64_t		 dump_start_ms;
	struct core_gap		 gaps[CORE_GAPS];	/* a ring */
	size_t			 ngaps;
	struct netlist		 internal;	/* client networks in force */
	struct netlist		 local;		/* the gateway's addresses */
	struct core_v6seen	 v6seen[CORE_V6SEEN];
	size_t			 nv6seen;
	struct core_p64		*p64;		/* IPv6 hosts per /64 */
	size_t			 p64_cap;	/* a power of two */
	struct core_alias	*alias;		/* buckets of CORE_ALIAS_WAYS */
	size_t			 alias_buckets;	/* a power of two, 0: none */
	size_t			 naliases;	/* set ever (0: skip the lookup) */
};

struct core *core_new(const struct core_conf *);
void	 core_free(struct core *);
void	 core_reconfigure(struct core *, struct core_conf *);
void	 core_event(struct core *, const struct flow_event *);
struct host *core_host_load(struct core *, const struct addr *, bool,
	    uint64_t, uint32_t *);
int	 core_alias_set(struct core *, const struct addr *, uint32_t);
bool	 core_alias_of(const struct core *, const struct addr *, uint32_t *);
size_t	 core_aliases(const struct core *, uint32_t, struct addr *, size_t);
void	 core_prefetch(const struct core *, struct flow_event *);
void	 core_prefetch_flow(const struct core *, const struct flow_event *);
void	 core_prefetch_host(const struct core *, const struct flow_event *);
void	 core_finish(struct core *);
int	 core_set_internal(struct core *, const struct netlist *,
	    const struct netlist *);
bool	 core_is_client(const struct core *, const struct flow_event *);
void	 core_dump_begin(struct core *, uint64_t);
void	 core_dump_end(struct core *, uint64_t);
void	 core_loss(struct core *, uint64_t, uint64_t, uint64_t);
bool	 core_complete(const struct core *, uint64_t, uint64_t);
bool	 core_flow_complete(const struct core *, const struct flow *,
	    uint64_t);

/* replay.c: conntrack(8) text captures */
enum parse_status {
	PARSE_OK = 0,
	PARSE_IGNORED,		/* a line that carries no event (UPDATE, ...) */
	PARSE_NO_TIMESTAMP,	/* an event without the timestamp option */
	PARSE_BAD,
};

#define REPLAY_BAD_KEEP	10	/* bad line numbers kept for the report */

struct replay_stats {
	uint64_t	lines;
	uint64_t	events;
	uint64_t	ignored;
	uint64_t	bad;
	uint64_t	bad_line[REPLAY_BAD_KEEP];
	const char	*bad_why[REPLAY_BAD_KEEP];
	uint64_t	first_ms, last_ms;
	uint64_t	bytes;
	uint64_t	max_jump_ms;	/* a line further from the one before
					   is bad (0: no bound) */
};

/* The latest time a capture may hold: the end of the year 9999. */
#define REPLAY_MAX_TS_MS	253402300799999ULL

/* a + b, at most UINT64_MAX: deadlines from a clock that may jump */
static inline uint64_t
time_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int	 replay_parse_line(const char *, size_t, struct flow_event *,
	    const char **);
int	 replay_parse_general(const char *, size_t, struct flow_event *,
	    const char **);
/* called after every event with the capture's clock: the detectors */
typedef void	(*replay_tick_fn)(void *, uint64_t);

int	 replay_fd(int, const char *, struct core *, replay_tick_fn, void *,
	    struct replay_stats *);

#endif /* EPHEMD_H */
