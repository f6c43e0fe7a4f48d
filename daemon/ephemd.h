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

bool	 addr_is_v4(const struct addr *);
void	 addr_from_v4(struct addr *, uint32_t);
int	 addr_parse(const char *, size_t, struct addr *);
int	 addr_scan_v4(const char *, const char *, struct addr *,
	    const char **);
void	 addr_fmt(const struct addr *, char *, size_t);
int	 addr_cmp(const struct addr *, const struct addr *);
uint64_t addr_hash(const struct addr *);
int	 net_parse(const char *, struct net *);
bool	 net_contains(const struct net *, const struct addr *);
int	 netlist_add(struct netlist *, const struct net *);
int	 netlist_add_str(struct netlist *, const char *);
bool	 netlist_contains(const struct netlist *, const struct addr *);
void	 netlist_clear(struct netlist *);
int	 netlist_default_internal(struct netlist *);
uint64_t hash64(uint64_t);
uint64_t hash_mum(uint64_t, uint64_t);

#define ADDR_STRLEN	46

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
int	 ct_state_parse(const char *, size_t);
const char *ct_state_name(int);
const char *proto_name(uint8_t);

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

/* flow.c: the table of active flows */
struct flow {
	uint64_t	key;		/* tuple hash, 0 = empty slot */
	uint64_t	start_ms;
	uint32_t	host;		/* index into the host table */
	uint32_t	svc;		/* index into the service table */
	uint32_t	ct_id;		/* conntrack id, 0 when unknown */
	uint16_t	sport;		/* original source port (or icmp id) */
	uint8_t		gen;		/* last dump that listed it */
	uint8_t		fflags;		/* FF_* */
};

_Static_assert(sizeof(struct flow) == 32, "a flow is 32 bytes");

#define FF_START_UNKNOWN	0x01	/* start not seen (dump, pickup) */
#define FF_PORTS		0x02
#define FF_NO_SVC		0x04
#define FF_FIRST		0x08	/* the host's first contact (scan) */
#define FF_COUNTED		0x10	/* in the exhaustion counts */

struct flowtab {
	struct flow	*slot;
	size_t		 cap;		/* slots */
	size_t		 n;
	size_t		 max;		/* refuse beyond this many flows */
};

int	 flowtab_init(struct flowtab *, size_t);
void	 flowtab_free(struct flowtab *);
uint64_t flow_key(const struct flow_event *);
size_t	 flow_home(const struct flowtab *, uint64_t);
struct flow *flow_lookup(struct flowtab *, uint64_t);
struct flow *flow_insert(struct flowtab *, uint64_t);
void	 flow_remove(struct flowtab *, struct flow *);
size_t	 flowtab_bytes(const struct flowtab *);

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

struct host {
	struct addr	addr;
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
	uint32_t	hist[256];	/* 256 TCP ports per bin */

	/* allocator features over successive TCP connects */
	uint16_t	last_port;
	uint16_t	pad0;
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

void	 classify_default(struct classify_conf *);
void	 host_alloc_feat(const struct host *, struct alloc_feat *);
int	 alloc_classify(const struct alloc_feat *, const struct alloc_feat *,
	    const struct classify_conf *, double *);
bool	 range_family_holds(int, uint16_t);
uint32_t range_family_size(int);
void	 host_init(struct host *, const struct addr *, uint64_t);
void	 host_new_flow(struct host *, const struct flow_event *, uint64_t);
void	 host_adopt_flow(struct host *, uint64_t);
void	 host_end_flow(struct host *, const struct flow *, bool, uint64_t,
	    uint64_t, bool);
void	 host_finish(struct host *, uint64_t);
void	 host_report(const struct host *, const struct classify_conf *,
	    struct host_report *);
const char *range_family_name(int);
const char *allocator_name(int);

struct hosttab {
	struct host	*v;		/* dense array, index stable */
	size_t		 n, cap, max;
	struct dindex	 idx;
};

int	 hosttab_init(struct hosttab *, size_t);
void	 hosttab_free(struct hosttab *);
struct host *hosttab_get(struct hosttab *, const struct addr *, uint64_t,
	    uint32_t *);
struct host *hosttab_find(struct hosttab *, const struct addr *, uint32_t *);

/* svc.c: per-service (protocol + destination port) lifetimes */
struct svc {
	uint8_t		proto;
	uint8_t		pad;
	uint16_t	port;
	uint32_t	flows;
	uint32_t	under_1m, under_3m;
	uint64_t	max_ms;
	struct lhist	life;
};

struct svctab {
	struct svc	*v;
	size_t		 n, cap, max;
	struct dindex	 idx;
};

int	 svctab_init(struct svctab *, size_t);
void	 svctab_free(struct svctab *);
struct svc *svctab_get(struct svctab *, uint8_t, uint16_t, uint32_t *);
void	 svc_end_flow(struct svc *, uint64_t);

/* core.c: the pipeline, events in, measurements out */
struct core_conf {
	struct netlist		internal;	/* client networks */
	struct ct_timeouts	timeouts;
	struct classify_conf	classify;
	size_t			max_flows;
	size_t			max_hosts;
	size_t			max_services;
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
	uint64_t	svcs_full;	/* flow without service: table full */
	uint64_t	time_backwards;	/* event older than the previous one */
	uint64_t	dumps;		/* table dumps reconciled */
	uint64_t	adopted;	/* flows known only from a dump */
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

struct core {
	const struct core_conf	*conf;
	core_end_fn		 on_end;	/* optional */
	void			*on_end_arg;
	core_obs_new_fn		 obs_before;	/* before the host counts it */
	core_obs_new_fn		 obs_new;	/* optional: the detectors */
	core_obs_end_fn		 obs_end;
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
};

struct core *core_new(const struct core_conf *);
void	 core_free(struct core *);
void	 core_event(struct core *, const struct flow_event *);
void	 core_prefetch(const struct core *, const struct flow_event *);
void	 core_finish(struct core *);
bool	 core_is_client(const struct core *, const struct flow_event *);
void	 core_dump_begin(struct core *, uint64_t);
void	 core_dump_end(struct core *, uint64_t);
void	 core_loss(struct core *, uint64_t, uint64_t, uint64_t);
bool	 core_complete(const struct core *, uint64_t, uint64_t);
bool	 core_flow_complete(const struct core *, const struct flow *,
	    uint64_t);

/*
 * detect.c: detectors behind one small interface.  Pure like the core:
 * they read the core's tables on ticks (time from the events, virtual in
 * replay) and hand alerts to a sink; alert.c writes them.
 */
enum severity {
	SEV_INFO = 0,
	SEV_WARNING,
	SEV_CRITICAL,
};

enum action {
	ACT_LOG = 0,
	ACT_QUARANTINE,
	ACT_DRYRUN,
};

#define ALERT_SUMMARY	320
#define ALERT_EVIDENCE	1024

struct alert {
	uint64_t	 ts_ms;
	struct addr	 host;
	uint32_t	 hidx;		/* the host's index in the core */
	const char	*detector;
	int		 severity;	/* enum severity */
	int		 action;	/* enum action */
	char		 summary[ALERT_SUMMARY];
	char		 evidence[ALERT_EVIDENCE];	/* a JSON object */
	char		 quarantine[160];	/* the policy's answer, or "" */
};

/* long_lived: a flow open far longer than its service's lifetimes */
struct ll_conf {
	bool		enabled;
	int		action;
	uint32_t	min_samples;	/* ended flows before a service is known */
	double		factor;		/* x the service's p99 */
	uint32_t	min_age_s;	/* and at least this old */
	uint32_t	max_p99_s;	/* services with longer p99 are skipped */
	uint32_t	critical_s;	/* this old: critical */
};

/* scan: fan-out over destination ports, failed first contacts (TRW) */
struct scan_conf {
	bool		enabled;
	int		action;
	uint32_t	window_s;	/* fan-out window */
	uint32_t	min_ports;	/* distinct destination ports in it */
	double		theta0, theta1;	/* P(success): benign, scanner */
	double		p_detect, p_false;
	uint32_t	min_failures;	/* failed first contacts in the walk */
	uint32_t	idle_s;		/* the walk restarts after this */
};

/* port_range: TCP source ports outside the learned range and family */
struct pr_conf {
	bool		enabled;
	int		action;
	uint32_t	slack;		/* ports beside the learned range */
	uint32_t	min_ports;	/* such connects in the window */
	uint32_t	window_s;
	bool		privileged;	/* TCP from ports below 1024 */
};

/* fixed_port: one source port towards many destinations */
struct fp_conf {
	bool		enabled;
	int		action;
	uint32_t	window_s;
	uint32_t	min_dsts;	/* TCP: distinct destinations */
	uint32_t	udp_min_dsts;	/* UDP, a port not learned as fixed */
	uint32_t	learn_dsts;	/* a UDP port this wide is learned */
};

/* allocator_change: the allocator or parity leaves the learned one */
struct ac_conf {
	bool		enabled;
	int		action;
	uint32_t	window;		/* TCP connects per window */
	uint32_t	min_windows;	/* consecutive windows */
	double		odd_share;	/* odd ports from an even-port host */
};

/* exhaustion: ports held at once against the range they come from */
struct ex_conf {
	bool		enabled;
	int		action;
	double		warning;	/* share of the range */
	double		critical;
	uint32_t	nat_range;	/* NAT ports per public address */
};

/* rate: new flows a minute against the host's own baseline */
struct rate_conf {
	bool		enabled;
	int		action;
	double		z;		/* modified z-score */
	uint32_t	min_rate;	/* and at least this many a minute */
	uint32_t	min_minutes;	/* active minutes in the baseline */
};

struct detect_conf {
	uint32_t	learning_s;	/* learning period */
	uint32_t	learn_flows;	/* and this many flows, for a host */
	uint32_t	half_life_s;	/* baselines decay */
	uint32_t	cooldown_s;	/* one alert per host and detector */
	uint32_t	tick_s;		/* detectors run this often */
	struct ll_conf	long_lived;
	struct scan_conf scan;
	struct pr_conf	port_range;
	struct fp_conf	fixed_port;
	struct ac_conf	allocator_change;
	struct ex_conf	exhaustion;
	struct rate_conf rate;
};

typedef void	(*alert_fn)(void *, const struct alert *);

struct detect;
struct hdet;

/*
 * A detector: all hooks optional.  flow_new and flow_end see every client
 * flow with ports of a host (learning or not: they keep their windows);
 * judge tells them whether they may raise.  tick runs every tick_s.
 */
struct detector_ops {
	const char	 *name;
	void		(*flow_new)(struct detect *, struct hdet *,
			    const struct flow_event *, struct flow *);
	void		(*flow_end)(struct detect *, struct hdet *,
			    const struct flow_event *, const struct flow *);
	void		(*tick)(struct detect *, uint64_t);
	void		(*learned)(struct detect *, struct hdet *);
};

#define NDETECTORS	7
#define HD_FIXED	8	/* learned fixed UDP source ports */
#define HD_FP_SLOTS	8	/* source ports followed for fixed_port */
#define RATE_BUCKETS	48
#define EX_ROWS		2	/* exhaustion count sketches: rows */
#define EX_WIDTH	16384	/* ... and counters a row */

/* A source port followed by fixed_port: its destinations in a window. */
struct fp_slot {
	uint64_t	since_ms;
	uint64_t	dsts;		/* 64-bit linear counting */
	uint16_t	port;
	uint8_t		proto;
	uint8_t		pad;
	uint32_t	hits;
};

/* Per-minute counts, log buckets, weights decayed (1 = 256). */
struct rhist {
	uint32_t	w[RATE_BUCKETS];
};

/*
 * A host's baseline and the detectors' windows, beside struct host (same
 * index).  Host plus this stays within DESIGN's 4 KiB.
 */
struct hdet {
	uint64_t	learned_ms;	/* when its baseline was taken, 0: not */
	uint64_t	cool_until[NDETECTORS];
	uint8_t		cool_sev[NDETECTORS];
	uint8_t		family;		/* learned */
	uint8_t		allocator;	/* learned */
	uint16_t	port_min, port_max;	/* learned TCP range */
	float		even_ratio;	/* learned */
	uint16_t	fixed[HD_FIXED];	/* learned fixed UDP ports */

	/* rate */
	struct rhist	rate;
	uint64_t	rate_minute;
	uint32_t	rate_count;
	uint32_t	rate_limit;	/* for this minute, 0: none */
	uint32_t	rate_minutes;
	bool		rate_own;	/* rate_limit is from its own minutes */
	uint32_t	rate_med, rate_mad;	/* behind rate_limit */

	/* scan */
	uint64_t	scan_since_ms;
	struct lcount	scan_dports;
	uint64_t	seen[2][16];	/* contacted (dst, dport): 2 Blooms */
	uint64_t	seen_since_ms;
	uint64_t	trw_last_ms;
	uint64_t	trw_since_ms;
	float		trw;		/* log likelihood ratio */
	uint16_t	trw_fail, trw_ok;
	uint32_t	first_contacts;
	uint32_t	scan_news;	/* NEW in the fan-out window */

	/* port_range */
	uint64_t	pr_since_ms;
	uint32_t	pr_count;
	uint16_t	pr_first, pr_last;

	/* fixed_port */
	struct fp_slot	fp[HD_FP_SLOTS];

	/* allocator_change */
	struct alloc_feat ac_snap;
	uint64_t	ac_since_ms;
	uint8_t		ac_run;		/* changed windows in a row */
	uint8_t		ac_orig;	/* the class it first learned */
	uint16_t	ac_pad;
	float		ac_orig_even;
};

/* long_lived's view of a service on its last pass */
struct ll_svc {
	uint64_t	limit_ms;	/* 0: not judged */
	uint64_t	p99_ms;
	uint32_t	old;		/* open flows at least limit_ms old */
};

struct detect {
	struct core			*core;
	const struct detect_conf	*conf;
	alert_fn			 sink;
	void				*sink_arg;
	uint64_t			 next_tick_ms;
	uint64_t			 next_decay_ms;
	struct hdet			*hd;	/* beside core->hosts.v */
	size_t				 hd_cap;
	bool				 baselined;	/* gateway learned */
	bool				 judge;	/* may raise on this event */
	uint64_t			 dkey;	/* this event's (dst, proto, dport) */
	struct rhist			 pop_rate;	/* all hosts' minutes */
	uint32_t			 pop_minutes;
	uint32_t			 pop_limit;
	uint64_t			 pop_limit_minute;
	uint32_t			 pop_med, pop_mad;
	double				 trw_for[4];	/* theta0..p_false */
	double				 trw_fail_step, trw_ok_step;
	double				 trw_low, trw_high;
	uint64_t			 decays;
	uint16_t			*ex_host;	/* count sketches */
	uint16_t			*ex_nat;
	struct ex_cool {		/* NAT incidents: one alert each */
		uint64_t	key, until_ms;
		int		severity;
	}				 ex_cool[32];
	struct ll_svc			*ll;	/* by service index */
	size_t				 ll_cap;
	uint32_t			*ll_cand;	/* flow slots */
	size_t				 ll_ncand, ll_candcap;
	uint64_t			 ll_next_ms;
	uint64_t			 raised, suppressed;
	uint64_t			 by_detector[NDETECTORS];
	uint64_t			 learn_from_ms;	/* baseline reset */
};

void	 detect_conf_default(struct detect_conf *);
struct detect *detect_new(struct core *, const struct detect_conf *,
	    alert_fn, void *);
void	 detect_free(struct detect *);
void	 detect_tick(struct detect *, uint64_t);
bool	 detect_learning(const struct detect *, uint64_t);
const char *detect_name(size_t);
void	 detect_reset_host(struct detect *, uint32_t, uint64_t);
void	 detect_reset_all(struct detect *, uint64_t);
struct hdet *detect_hdet(struct detect *, uint32_t);
void	 detect_alert_init(struct alert *, const struct detect *, uint32_t,
	    uint64_t, int, int);
void	 detect_raise(struct detect *, const struct detector_ops *,
	    struct alert *);
const char *severity_name(int);
const char *action_name(int);
uint32_t rhist_limit(const struct rhist *, double, uint32_t, uint32_t *,
	    uint32_t *);
void	 rhist_add(struct rhist *, uint32_t);
void	 rhist_decay(struct rhist *, double);
void	 lhist_decay(struct lhist *, double, uint64_t);

extern const struct detector_ops detect_long_lived;
extern const struct detector_ops detect_scan;
extern const struct detector_ops detect_port_range;
extern const struct detector_ops detect_fixed_port;
extern const struct detector_ops detect_allocator_change;
extern const struct detector_ops detect_exhaustion;
extern const struct detector_ops detect_rate;

/* state.c: the baselines on disk */
int	 state_save(const struct detect *, const char *, uint64_t, char *,
	    size_t);
int	 state_load(struct detect *, const char *, FILE *);

/* alert.c: alerts as JSON lines and one-line log messages */
void	 alert_json(FILE *, const struct alert *);
void	 alert_line(const struct alert *, char *, size_t);
void	 alert_hook(void *, const struct alert *);

/* conf.c: the configuration file (libconfig), documented in ephemd.conf(5) */
/* nftq.c: table inet ephemd in the kernel (nft/ephemd.nft) */
#define NFTQ_TABLE	"ephemd"
#define NFTQ_CHAIN	"forward"
#define NFTQ_SET4	"quarantine4"
#define NFTQ_SET6	"quarantine6"
#define NFTQ_ALLOW4	"allow4"
#define NFTQ_ALLOW6	"allow6"

enum nftq_op {
	NFTQ_ADD,		/* with a timeout */
	NFTQ_DEL,
	NFTQ_REFRESH,		/* delete and add again: a new timeout */
};

struct nftq_elem {
	struct addr	addr;
	uint64_t	timeout_ms;	/* ADD, REFRESH; 0: none */
	uint64_t	expires_ms;	/* dumps: time left */
	int		op;		/* enum nftq_op */
	int		err;		/* the kernel's errno, 0: done */
	bool		skip_del;	/* REFRESH: the element had expired */
	bool		end;		/* dumps of interval sets: range end */
};

struct nftq_stats {
	uint64_t	batches;	/* sendmsg() calls */
	uint64_t	added;		/* elements added or refreshed */
	uint64_t	deleted;
	uint64_t	refused;	/* elements the kernel refused */
	uint64_t	overruns;	/* error replies lost (ENOBUFS) */
};

struct nftq;
size_t	 nftq_batch_build(char *, size_t, uint32_t, const struct nftq_elem *,
	    size_t);
ssize_t	 nftq_batch_parse(const char *, size_t, struct nftq_elem *, size_t);
bool	 nftq_in_ranges(struct nftq_elem *, size_t, const struct addr *);
struct nftq *nftq_open(void);
void	 nftq_close(struct nftq *);
int	 nftq_push(struct nftq *, struct nftq_elem *, size_t);
int	 nftq_check(struct nftq *, char *, size_t);
ssize_t	 nftq_dump(struct nftq *, const char *, struct nftq_elem **);
int	 nftq_load(const char *, char *, size_t);
void	 nftq_get_stats(const struct nftq *, struct nftq_stats *);

/* quar.c: who is quarantined, the safety policy, quarantine.file */
struct quar_conf {
	bool		enabled;	/* the kernel side is used */
	bool		dry_run;	/* every quarantine is a dry run */
	uint32_t	timeout_s;	/* a first offence */
	double		escalation;	/* x per repeat offence */
	uint32_t	max_timeout_s;
	uint32_t	forget_s;	/* offences older are forgotten */
	uint32_t	per_hour;	/* new automatic quarantines an hour */
	uint32_t	max_hosts;	/* quarantined at once */
	struct netlist	allow;		/* never quarantined */
	char		*ruleset;	/* loaded when the table is missing */
	char		*file;		/* quarantine.file, NULL: none */
	bool		nflog;		/* bind the NFLOG group */
	uint32_t	nflog_group;
};

enum qresult {
	QR_BLOCKED,		/* a new quarantine */
	QR_REFRESHED,		/* already quarantined: longer now */
	QR_ALREADY,		/* blocked, and this is the same incident */
	QR_DRYRUN,		/* would have been blocked */
	QR_ALLOW_CONF,		/* refusals: quarantine.allow */
	QR_ALLOW_SET,		/* the allow4 / allow6 sets */
	QR_LEARNING,
	QR_HOURLY,		/* quarantine.max_per_hour */
	QR_MAX_HOSTS,		/* quarantine.max_hosts */
	QR_DISABLED,		/* quarantine.enabled is false */
	QR_KERNEL,		/* the kernel refused the element */
	QR_NRESULTS
};

#define QSAMPLES	4

/* a dropped packet NFLOG reported */
struct qsample {
	uint64_t	ts_ms;
	struct addr	dst;
	uint16_t	dport;
	uint8_t		proto;
};

struct qhost {
	struct addr	addr;
	uint64_t	since_ms;	/* this quarantine began (wall) */
	uint64_t	until_ms;	/* it ends; 0: not quarantined */
	uint64_t	last_ms;	/* the last offence */
	uint32_t	offences;	/* within quarantine.forget */
	uint32_t	timeout_s;	/* of the current block */
	bool		manual;		/* by hand, not by a detector */
	bool		pending;	/* due, but its push did not arrive */
	char		detector[24];	/* who asked */
	uint64_t	drops;		/* packets NFLOG reported dropped */
	uint64_t	drops_noted;	/* ... when last told in an alert */
	struct qsample	sample[QSAMPLES];
	uint32_t	nsample;	/* samples ever taken */
};

struct drops_stats {
	uint64_t	packets;
	uint64_t	lost;		/* gaps in NFLOG's sequence numbers */
	uint64_t	overruns;	/* ENOBUFS: the socket overflowed */
	uint64_t	bad;		/* messages that could not be parsed */
};

/* The kernel as quar.c sees it; tests give their own. */
struct quar_backend {
	/* push elements; refused count, or -1: the kernel is unreachable */
	int	(*push)(void *, struct nftq_elem *, size_t);
	/* in allow4 / allow6: 1 yes, 0 no, -1 unknown */
	int	(*allowed)(void *, const struct addr *);
	void	 *arg;
};

struct quar {
	const struct quar_conf	*conf;
	struct quar_backend	 be;
	struct qhost		*v;
	size_t			 n, cap;
	uint32_t		*idx;		/* hash: index + 1, 0 empty */
	size_t			 idx_cap;	/* a power of two */
	bool			 dirty;		/* quarantine.file is stale */
	uint64_t		 results[QR_NRESULTS];
	uint64_t		 released;	/* by hand */
	uint64_t		 expired;
	uint64_t		 unreachable;	/* pushes that found no table */
	uint64_t		 nflog_unknown;	/* drops of no quarantined host */
	bool			 kernel;	/* the kernel side is in use */
	bool			 table_ok;	/* ... and the table is whole */
	struct nftq_stats	 nft;		/* copies, for the report */
	struct drops_stats	 nflog;
};

struct quar *quar_new(const struct quar_conf *);
void	 quar_free(struct quar *);
struct qhost *quar_find(struct quar *, const struct addr *);
int	 quar_verdict(struct quar *, const struct addr *, const char *,
	    bool, bool, uint64_t, char *, size_t);
int	 quar_add(struct quar *, const struct addr *, uint32_t, uint64_t,
	    char *, size_t);
int	 quar_del(struct quar *, const struct addr *, uint64_t);
size_t	 quar_tick(struct quar *, uint64_t);
size_t	 quar_active(const struct quar *, uint64_t);
ssize_t	 quar_repush(struct quar *, uint64_t);
void	 quar_adopt(struct quar *, const struct nftq_elem *, size_t,
	    uint64_t);
size_t	 quar_reconcile(struct quar *, const struct nftq_elem *, size_t,
	    uint64_t, void (*)(void *, const struct qhost *, bool), void *);
void	 quar_drop(struct quar *, const struct addr *, const struct qsample *);
int	 quar_save(struct quar *, const char *, char *, size_t);
int	 quar_load(struct quar *, const char *, uint64_t, FILE *);
const char *quar_result_name(int);
void	 quar_samples_json(FILE *, const struct qhost *);
void	 quar_report_json(FILE *, const struct quar *, uint64_t);
void	 quar_report_text(FILE *, const struct quar *, uint64_t);
uint32_t crc32_text(const char *, size_t);
void	 record_put(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 file_replace(const char *, mode_t, bool, void (*)(FILE *, void *),
	    void *, char *, size_t);

/* nflog.c: the ruleset's NFLOG group */
struct drops;
struct loop;


struct drops *drops_open(uint16_t, struct quar *, struct loop *);
void	 drops_close(struct drops *);
void	 drops_get_stats(const struct drops *, struct drops_stats *);
int	 drops_parse_packet(const uint8_t *, size_t, struct addr *,
	    struct qsample *);

struct conf {
	char			*path;		/* the file it was read from */
	struct core_conf	 core;		/* networks, timeouts, limits */
	struct detect_conf	 detect;	/* learning and detectors */
	char			*alerts_file;	/* JSON lines, appended */
	char			*state_file;	/* baselines, NULL: none */
	uint32_t		 state_interval_s;	/* saved this often */
	char			*user;		/* run as this user, NULL: stay */
	size_t			 rcvbuf;	/* netlink receive buffer, bytes */
	uint32_t		 batch;		/* messages per wake-up */
	bool			 kernel_filter;	/* filter events in the kernel */
	uint32_t		 reconcile_s;	/* reconciliation dump period */
	char			*report_file;	/* report written here */
	char			*flow_log;	/* one JSON line per ended flow */
	bool			 report_json;
	uint32_t		 report_interval_s;	/* 0: on SIGUSR2, at exit */
	struct quar_conf	 quar;		/* quarantine.*, nflog.* */
	char			*ctl_socket;	/* control.socket, NULL: none */
	char			*ctl_group;	/* control.group */
	uint32_t		 ctl_clients;	/* control.max_clients */
	char			*metrics_file;	/* metrics.file, NULL: none */
	uint32_t		 metrics_interval_s;
	bool			 metrics_per_host;
};

#define CONF_FILE	"/etc/ephemd/ephemd.conf"
#define STATE_FILE	"/var/lib/ephemd/state"
#define QUAR_FILE	"/var/lib/ephemd/quarantine"

struct conf *conf_new(void);
void	 conf_free(struct conf *);
int	 conf_load(const char *, struct conf **, FILE *);
void	 conf_print(FILE *, const struct conf *);
int	 duration_parse(const char *, uint32_t *);

/* ctl.c: the control socket (ephemctl(8)) */
#define CTL_REQ_MAX	4096		/* bytes of a request */
#define CTL_FIELDS	16		/* fields of a request */
#define CTL_OUT_MAX	(16 << 20)	/* bytes of a response */
#define CTL_SOCKET	"/run/ephemd/ephemd.sock"

/* response codes, also ephemctl's exit status */
enum ctl_code {
	CTL_OK = 0,
	CTL_FAILED = 1,		/* the command could not be done */
	CTL_USAGE = 2,		/* a malformed or unknown request */
	CTL_NOTFOUND = 3,	/* no such host */
	CTL_REFUSED = 4,	/* the safety policy or the daemon said no */
	CTL_BUSY = 5,		/* too many clients */
	CTL_UNREACHABLE = 6,	/* ephemctl: no daemon at the socket */
};

struct ctl_stats {
	uint64_t	clients;	/* connections accepted */
	uint64_t	requests;	/* well-formed requests run */
	uint64_t	errors;		/* responses other than ok */
	uint64_t	busy;		/* turned away: too many clients */
	uint64_t	timeouts;	/* too slow to ask or to read */
	uint64_t	truncated;	/* responses cut at CTL_OUT_MAX */
};

/* a command: argv[0] is its name; writes its payload, returns a code */
typedef int	(*ctl_handler)(void *, int, char **, bool, FILE *);

struct ctl;
struct ctl *ctl_open(const char *, const char *, size_t, struct loop *,
	    ctl_handler, void *);
void	 ctl_close(struct ctl *);
void	 ctl_get_stats(const struct ctl *, struct ctl_stats *);
int	 ctl_parse(const uint8_t *, size_t, char *, char **, int *, char *,
	    size_t);
void	 ctl_error(FILE *, bool, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 json_quote(char *, size_t, const char *);

/* metrics.c: Prometheus text exposition (ephemd(8) METRICS) */
struct metrics_src {
	const struct core	*core;
	const struct detect	*detect;
	struct quar		*quar;		/* its nft, nflog copies fresh */
	const struct ct_stats	*ct;		/* NULL: no event socket */
	uint64_t		 started_ms;	/* wall clock */
	uint64_t		 now_ms;
	bool			 per_host;	/* metrics.per_host */
};

void	 metrics_write(FILE *, const struct metrics_src *, bool);
int	 metrics_file(const char *, const struct metrics_src *, char *,
	    size_t);

/* loop.c: the epoll loop, its fd registry and timers */
struct loop;
typedef void	(*loop_fd_cb)(int, uint32_t, void *);

struct timer {
	uint64_t	  due_ms;	/* monotonic */
	bool		  armed;
	void		(*cb)(void *);
	void		 *arg;
};

struct loop *loop_new(void);
void	 loop_free(struct loop *);
int	 loop_add_fd(struct loop *, int, uint32_t, loop_fd_cb, void *);
void	 loop_del_fd(struct loop *, int);
int	 loop_mod_fd(struct loop *, int, uint32_t);
void	 loop_timers_arm(struct loop *);
void	 timer_set(struct loop *, struct timer *, uint64_t);
void	 timer_stop(struct loop *, struct timer *);
int	 loop_run(struct loop *);
void	 loop_stop(struct loop *);
uint64_t loop_now_ms(void);
uint64_t wall_now_ms(void);

/* ct.c: live conntrack events and dumps over netlink */
struct ct;

struct ct_stats {
	uint64_t	msgs;		/* datagrams received */
	uint64_t	events;		/* NEW and DESTROY handed to the core */
	uint64_t	dump_entries;
	uint64_t	dumps;		/* dumps asked for */
	uint64_t	dump_errors;
	uint64_t	overruns;	/* ENOBUFS seen */
	uint64_t	drops;		/* the socket's drop counter */
	uint64_t	parse_errors;	/* messages without a usable tuple */
	int		rcvbuf;		/* bytes, as the kernel reports it */
	int		fd;		/* the event socket */
	bool		filtered;	/* kernel filter attached */
	bool		dumping;
};

struct ct *ct_open(const struct conf *, struct core *, struct loop *);
void	 ct_close(struct ct *);
void	 ct_reconfigure(struct ct *, const struct conf *);
int	 ct_probe(void);
int	 ct_dump(struct ct *);
void	 ct_get_stats(const struct ct *, struct ct_stats *);

/* sys.c: /proc/sys */
int	 sys_read_u64(const char *, uint64_t *);
int	 sys_read_timeouts(struct ct_timeouts *);

/* doctor.c: what the live path depends on */
int	 doctor_run(FILE *, const struct conf *);

/* priv.c: the switch to an unprivileged user (libcap-ng) */
int	 priv_drop(const char *);

/* daemon.c: the live daemon's life: start, signals, reload, shutdown */
int	 daemon_run(struct conf *, bool);

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
};

int	 replay_parse_line(const char *, size_t, struct flow_event *,
	    const char **);
int	 replay_fd(int, const char *, struct core *, struct detect *,
	    struct replay_stats *);

/* report.c */
void	 report_flow(FILE *, const struct flow_event *, uint64_t, uint64_t,
	    bool);
void	 report_flow_hook(void *, const struct flow_event *, uint64_t,
	    uint64_t, bool);
void	 report_snapshot(const struct core *, const struct host *,
	    struct host *);
void	 report_ports(const struct host *, long *, long *);
uint32_t *report_svc_order(const struct core *);
void	 report_time(uint64_t, char *, size_t);
void	 report_host_json(FILE *, const struct core *, const struct host *);
void	 report_text(FILE *, struct core *, const struct replay_stats *,
	    const struct ct_stats *, const struct quar *);
void	 report_json(FILE *, struct core *, const struct replay_stats *,
	    const struct ct_stats *, const struct quar *);

#endif /* EPHEMD_H */
