/*
 * detect.h: the detectors and their per-host state, alerts, and the
 * baselines on disk.  Built on the pipeline (ephemd.h); the live daemon's
 * header (live.h) builds on this one.  Pure like the core: no I/O but the
 * state file's, no clock reads.
 */
#ifndef EPHEMD_DETECT_H
#define EPHEMD_DETECT_H

#include "ephemd.h"

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
	char		 label[48];	/* the host as shown, when not an
					   address: "*", "ipv4", a prefix */
	bool		 network_failing;	/* failure-based evidence while
					   the gateway says the network fails */
	bool		 prefix;	/* host is a /64 (label says which) */
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
	uint32_t	probe_age_s;	/* live: ask the kernel from this age */
	uint32_t	probe_idle_s;	/* ... live when idle at most this */
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
	double		min_failed_share;	/* ... and this share of them */
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
	double		max_answered;	/* answered share of a spray at most */
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
	double		busiest;	/* x the busiest ordinary minutes */
	uint32_t	min_fanout;	/* destinations or ports in the minute */
};

/* gateway: the network itself failing (ports.md 8) */
struct gw_conf {
	bool		enabled;
	uint32_t	min_hosts;	/* other hosts failing at once */
	double		failed_share;	/* of the hosts with contacts */
	uint32_t	dead_hosts;	/* other hosts failing to a destination */
};

/* identity: another device behind an address */
enum idmode {
	ID_MAC = 0,	/* live: one device's IPv6 addresses, by its MAC */
	ID_ADDRESS,	/* every address alone */
	ID_PREFIX64,	/* every IPv6 /64 one host */
};

struct id_conf {
	int		mode;		/* enum idmode */
	bool		enabled;
	uint32_t	silence_s;	/* back after this long: check its ports */
	bool		neighbours;	/* live: MACs from the neighbour table */
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
	struct gw_conf	gateway;
	struct id_conf	identity;
};

typedef void	(*alert_fn)(void *, const struct alert *);

/*
 * The kernel's view of an open flow, for long_lived (live only): 1 with
 * its TCP state (CTS_*, CTS_NONE for others) and the seconds since its
 * last packet, 0 when the kernel has no such flow, -1 when it cannot say.
 */
struct flow;
typedef int	(*flow_probe_fn)(void *, const struct flow *, int *,
		    uint32_t *);

struct detect;
struct hdet;

/*
 * A detector: all hooks optional.  flow_new and flow_end see every client
 * flow with ports of a host (learning or not: they keep their windows);
 * judge tells them whether they may raise.  tick runs every tick_s.
 */
typedef void	(*detect_new_fn)(struct detect *, struct hdet *,
		    const struct flow_event *, struct flow *);
typedef void	(*detect_end_fn)(struct detect *, struct hdet *,
		    const struct flow_event *, const struct flow *);

struct detector_ops {
	const char	 *name;
	detect_new_fn	  flow_new;
	detect_end_fn	  flow_end;
	void		(*tick)(struct detect *, uint64_t);
	void		(*learned)(struct detect *, struct hdet *);
};

#define NDETECTORS	9
#define GW_BUCKET_MS	10000	/* the population view's time step */
#define GW_BUCKETS	32	/* 320 s: an unanswered SYN's 120 s and more */
#define GW_DSTS		4096	/* destinations (a /24, a /48) followed */
#define HD_FIXED	8	/* learned fixed UDP source ports */
#define HD_FP_SLOTS	8	/* source ports followed for fixed_port */
#define EX_ROWS		2	/* exhaustion count sketches: rows */
#define EX_WIDTH	16384	/* ... and counters a row */

/* Contacts that started in one GW_BUCKET_MS, of one address family. */
struct gw_bucket {
	uint32_t	id;		/* start time / GW_BUCKET_MS */
	uint32_t	hosts;		/* hosts with a contact in it */
	uint32_t	failed_hosts;	/* ... half of whose went unanswered */
	uint32_t	any_failed;	/* ... one of whose went unanswered */
	uint32_t	ok_hosts;	/* ... one of whose was answered */
	uint32_t	contacts, failed;
};

/* The population view of one address family, and its outage. */
struct gw_family {
	struct gw_bucket b[GW_BUCKETS];
	uint32_t	settled;	/* the last bucket judged */
	bool		down;		/* its contacts fail for most hosts */
	uint64_t	down_since_ms;
	uint64_t	contacts, failed;	/* since it went down */
	uint32_t	hosts;		/* ... most hosts failing in a bucket */
	uint32_t	outages;
	uint32_t	up_id;		/* the bucket it came back, 0: never */
};

/* A destination prefix and who failed to reach it lately. */
struct gw_dst {
	uint64_t	key;		/* of the prefix, 0: empty */
	uint64_t	since_ms;
	uint64_t	hosts;		/* hosts failing: 64-bit linear counting */
	uint32_t	failed, ok;
	uint64_t	fail_from_ms;	/* start of its first failed contact */
	uint32_t	ok_after;	/* answered contacts started after it */
	uint32_t	top, top_n;	/* the host failing most (Misra-Gries:
					   top_n is a lower bound of its lead) */
};

#define ID_WINDOW	16	/* connects that tell one stack from another */
#define INTAKE_WINDOWS	4	/* loss windows in INTAKE_MS: an incident */
#define INTAKE_MS	600000

/* IPv6 connects followed for an IPv4 fallback: by port, the latest few */
#define HE_SLOTS	256
#define HE_WAYS		8
#define HE_MIN_MS	10	/* RFC 8305 5: Connection Attempt Delay, */
#define HE_MAX_MS	2000	/* 250 ms advised, 100 ms to 2 s */
#define HE_PEERS	4	/* IPv4 followers scored per IPv6 host */
#define HE_ONE		16	/* a follow's score; 7/8 kept a connect */
#define HE_DEVICE	80	/* one device: 8 in a row, or 63 % of all */

/* A destination found dead, until it answers again. */
#define GW_DEAD		16

enum { GWD_DEAD, GWD_ALIVE, GWD_UNTRIED };

struct gw_dead {
	struct addr	prefix;		/* its /24 or /48 */
	struct addr	addrs[4];	/* the first addresses that failed */
	uint32_t	naddrs;
	uint64_t	since_ms, last_ms;	/* its window, last failure */
	uint64_t	minute;		/* of m_ok, m_fail */
	uint32_t	found_id;	/* the bucket of the contact found it */
	uint32_t	hosts, failed, ok;	/* at most, since */
	uint32_t	m_ok, m_fail;	/* this minute */
	bool		used, reported;
};

/* A source port followed by fixed_port: its destinations in a window. */
struct fp_slot {
	uint64_t	since_ms;
	uint64_t	dsts;		/* 64-bit linear counting */
	uint16_t	port;
	uint8_t		proto;
	bool		pending;	/* wide enough: waiting for answers */
	uint32_t	hits;
	uint16_t	ended, answered;	/* its flows' outcomes */
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
	uint8_t		rate_raised;	/* this minute: 1 warning, 2 critical */
	uint32_t	rate_med, rate_mad;	/* behind rate_limit */
	uint32_t	rate_busy;	/* the busiest minutes behind it */

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
	uint32_t	trw_excused;	/* failures the network took */
	uint32_t	he_peer[HE_PEERS];	/* IPv4 hosts that followed
					   its IPv6 connects, index + 1 */
	uint16_t	he_score[HE_PEERS];	/* ... x16, 7/8 a connect */

	/* gateway: its contacts in the last 32 buckets, from base */
	uint32_t	gw_base;
	uint32_t	gw_failed, gw_ok;	/* counted failing, answered */
	uint32_t	gw_anyfail;	/* ... with a contact unanswered */
	uint8_t		gw_n[32], gw_nf[32];	/* contacts, unanswered */
	bool		gw_witness;	/* answered once: it may testify */

	/* identity */
	uint64_t	id_last_ms;	/* its last NEW */
	uint64_t	id_gap_ms;	/* the silence before the window */
	uint8_t		id_mac[6];
	bool		id_has_mac;
	bool		id_probe;	/* back from silence: its ports tell */
	uint8_t		id_n, id_out, id_even;
	uint16_t	id_ports[ID_WINDOW];

	/* port_range */
	uint64_t	pr_since_ms;
	uint32_t	pr_count;
	uint16_t	pr_first, pr_last;

	/* fixed_port */
	uint32_t	fp_key[HD_FP_SLOTS];	/* port | proto << 16 of each
					   slot: one line to look through */
	struct fp_slot	fp[HD_FP_SLOTS];

	/* allocator_change */
	struct alloc_feat ac_snap;
	uint64_t	ac_since_ms;
	uint8_t		ac_run;		/* changed windows in a row */
	uint8_t		ac_orig;	/* the class it first learned */
	uint8_t		ac_classes;	/* 1 << class: the classes its windows
					   had while it learned, and since */
	uint8_t		ac_pad;
	float		ac_orig_even;
};

/* long_lived's view of a service on its last pass */
struct ll_svc {
	uint64_t	limit_ms;	/* 0: not judged */
	uint64_t	p99_ms;
	uint32_t	old;		/* open flows at least limit_ms old */
	uint32_t	old_live;	/* ... the kernel's sessions among them,
					   those min_age old, unknown starts */
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
	/* the registry's flow hooks, without its NULLs */
	detect_new_fn			 on_new[NDETECTORS];
	detect_end_fn			 on_end[NDETECTORS];
	size_t				 n_new, n_end;
	struct rhist			 pop_rate;	/* all hosts' minutes */
	uint32_t			 pop_minutes;
	uint32_t			 pop_limit;
	uint64_t			 pop_limit_minute;
	uint32_t			 pop_med, pop_mad;
	uint32_t			 pop_busy;	/* its p99.9 minute */
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
	uint32_t			*ll_idle;	/* their idle seconds by
							   the kernel, or none */
	size_t				 ll_ncand, ll_candcap;
	uint64_t			 ll_next_ms;
	flow_probe_fn			 probe;		/* live: the kernel */
	void				*probe_arg;
	uint64_t			 probes;	/* questions asked */
	uint64_t			 raised, suppressed;
	uint64_t			 by_detector[NDETECTORS];
	uint64_t			 learn_from_ms;	/* baseline reset */
	struct gw_family		 gw[2];	/* IPv4, IPv6 */
	struct gw_dst			*gw_dst;
	struct gw_dead			 gw_dead[GW_DEAD];
	uint32_t			 gw_ndead;	/* used of them */
	struct he_recent {		/* IPv6 connects, for their fallback */
		uint64_t	key, start_ms;
		uint32_t	rec;	/* flow record */
		uint32_t	host;	/* its host */
		uint32_t	followers;	/* hosts, a bit each (mod 32) */
		uint16_t	dport;
	}				 he[HE_SLOTS][HE_WAYS];
	uint64_t			 he_excused;
	uint64_t			 he_last_ms;	/* latest IPv6 connect */
	uint64_t			 gw_excused;	/* failures excused */
	struct det_limit {		/* a table refusing new entries */
		uint64_t	seen;	/* its refusals counted so far */
		uint64_t	since_ms, last_ms;	/* 0: not refusing */
		uint64_t	at_start;
	}				 limit[3];	/* flows, hosts, services */
	uint64_t			 limit_alerts;
	struct det_intake {		/* loss windows, for "intake" */
		uint64_t	seen;	/* core's incomplete windows so far */
		uint64_t	at[INTAKE_WINDOWS];	/* when, a ring */
		uint64_t	since_ms, last_ms;	/* the incident, 0: none */
		uint64_t	windows;	/* in it */
		uint64_t	lost;		/* events lost when it began */
	}				 intake;
	uint64_t			 intake_alerts;
};

void	 detect_conf_default(struct detect_conf *);
struct detect *detect_new(struct core *, const struct detect_conf *,
	    alert_fn, void *);
void	 detect_free(struct detect *);
void	 detect_reconfigure(struct detect *, const struct detect_conf *);
void	 detect_set_probe(struct detect *, flow_probe_fn, void *);
void	 detect_tick(struct detect *, uint64_t);
bool	 detect_learning(const struct detect *, uint64_t);
const char *detect_name(size_t);
void	 detect_reset_host(struct detect *, uint32_t, uint64_t);
void	 detect_identity_mac(struct detect *, uint32_t, const uint8_t *,
	    uint64_t);
void	 detect_reset_all(struct detect *, uint64_t);
struct hdet *detect_hdet_grow(struct detect *, uint32_t);

/* The detectors' state of host i, NULL when out of memory. */
static inline struct hdet *
detect_hdet(struct detect *d, uint32_t i)
{
	return i < d->hd_cap ? &d->hd[i] : detect_hdet_grow(d, i);
}
uint64_t detect_dst_key(const struct addr *, uint8_t, uint16_t);
void	 detect_raise_gateway(struct detect *, struct alert *);
bool	 gw_excused(struct detect *, struct hdet *, const struct flow *,
	    const struct flow_event *);
bool	 gw_down(const struct detect *, bool);
void	 detect_alert_init(struct alert *, const struct detect *, uint32_t,
	    uint64_t, int, int);
void	 detect_raise(struct detect *, const struct detector_ops *,
	    struct alert *);

extern const struct detector_ops detect_gateway;
extern const struct detector_ops detect_identity;
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
void	 alert_host(const struct alert *, char *, size_t);
void	 alert_json(FILE *, const struct alert *);
void	 alert_line(const struct alert *, char *, size_t);
void	 alert_hook(void *, const struct alert *);
const char *alert_severity_name(int);
const char *alert_action_name(int);

/*
 * record.c: files of checksummed records (state.file, quarantine.file):
 *
 *	MAGIC VERSION [~CRC]
 *	TEXT ~CRC		a record: its text, " ~", the CRC-32 of the text
 *	...
 *	end COUNT ~CRC		the number of records before it
 *
 * The reader reports every damaged line as FILE:LINE on its messages
 * stream and skips it; its callers see only whole records.
 */
#define RECORD_LINE	4096	/* the longest line, its checksum included */

struct record_reader {
	FILE		*fp;
	const char	*path;
	FILE		*msgs;		/* FILE:LINE messages */
	char		*line;
	size_t		 cap;
	size_t		 lineno;	/* of the record last returned */
	size_t		 records;	/* whole records returned */
	size_t		 damaged;	/* lines reported and skipped */
	unsigned long	 announced;	/* the end line's count */
	bool		 ended;		/* the end line was read */
};

uint32_t record_crc(const char *, size_t);
void	 record_put(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 record_open(struct record_reader *, const char *, const char *, int,
	    FILE *);
char	*record_read(struct record_reader *);
void	 record_bad(struct record_reader *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 record_close(struct record_reader *);

#endif /* EPHEMD_DETECT_H */
