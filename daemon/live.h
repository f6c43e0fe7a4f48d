/*
 * live.h: what only the live daemon (and the replay mode's reports) use:
 * configuration, the event loop, conntrack, nftables, the quarantine,
 * NFLOG, the control socket, metrics, reports, the doctor, privileges.
 */
#ifndef EPHEMD_LIVE_H
#define EPHEMD_LIVE_H

#include "detect.h"
#include "ctl.h"

/* nftq.c: table inet ephemd in the kernel (nft/ephemd.nft) */
#define NFTQ_TABLE	"ephemd"
#define NFTQ_CHAIN	"forward"
#define NFTQ_SET4	"quarantine4"
#define NFTQ_SET6	"quarantine6"
#define NFTQ_SET64	"quarantine64"	/* /64s, matched by their first half */
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
	bool		net64;		/* addr is a /64 (set quarantine64) */
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
int	 nftq_acks(const char *, size_t, uint32_t, struct nftq_elem *, size_t);
int	 nftq_dump_parse(const char *, size_t, struct nftq_elem **, size_t *,
	    size_t *);
bool	 nftq_in_ranges(struct nftq_elem *, size_t, const struct addr *);
struct nftq *nftq_open(bool);
void	 nftq_close(struct nftq *);
int	 nftq_push(struct nftq *, struct nftq_elem *, size_t);
int	 nftq_check(struct nftq *, char *, size_t);
uint64_t nftq_ident(const struct nftq *);
bool	 nftq_has_chain(struct nftq *, const char *);
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
	uint32_t	max_burst;	/* by one detector within burst_window */
	uint32_t	burst_window_s;
	bool		prefix64;	/* a /64's host is blocked as a /64 */
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
	QR_NETWORK,		/* the failures are the network's (gateway) */
	QR_BREAKER,		/* the detector's circuit breaker is open */
	QR_PREFIX,		/* the host is a /64's addresses */
	QR_KERNEL,		/* the kernel refused the element */
	QR_NRESULTS
};

/* what a verdict rests on, for quar_verdict */
#define QV_DRYRUN	0x01	/* decide, block nothing */
#define QV_LEARNING	0x02	/* the gateway is still learning */
#define QV_NETWORK	0x04	/* failure-based, and the gateway says the
				   failures are the network's */
#define QV_PREFIX	0x08	/* the host is a /64 (limits.hosts_per_prefix) */

/*
 * A detector's circuit breaker: it opens when the detector blocked more
 * than quarantine.max_burst hosts within quarantine.burst_window, and
 * closes a window after the last verdict it refused.
 */
#define QBREAKERS	16
struct qbreaker {
	char		detector[24];
	bool		open;
	uint64_t	opened_ms;
	uint64_t	last_ms;	/* the last verdict it refused */
	uint32_t	blocked;	/* in the window when it opened */
	uint64_t	refused;	/* verdicts refused while open */
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
	struct addr	addr;		/* or a /64, its last 8 bytes 0 */
	bool		net64;		/* the /64 of addr is blocked */
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
	struct qbreaker		 breaker[QBREAKERS];
	const struct qbreaker	*opened;	/* by the last verdict, or NULL */
	const struct qbreaker	*closed;	/* by the last quar_tick */
	struct nftq_stats	 nft;		/* copies, for the report */
	struct drops_stats	 nflog;
};

struct quar *quar_new(const struct quar_conf *);
void	 quar_reconfigure(struct quar *, struct quar_conf *, FILE *);
void	 quar_free(struct quar *);
struct qhost *quar_find(struct quar *, const struct addr *);
struct qhost *quar_find_net(struct quar *, const struct addr *, bool);
struct qhost *quar_blocking(struct quar *, const struct addr *, bool,
	    uint64_t);
struct qhost *quar_of_host(struct quar *, const struct host *);
int	 quar_verdict(struct quar *, const struct addr *, const char *, int,
	    uint64_t, char *, size_t);
int	 quar_also(struct quar *, const struct addr *, const struct addr *,
	    uint64_t, char *, size_t);
int	 quar_add(struct quar *, const struct addr *, bool, uint32_t,
	    uint64_t, char *, size_t);
int	 quar_del(struct quar *, const struct addr *, bool, uint64_t);
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

/* drops.c: the ruleset's NFLOG group, packets dropped from quarantined hosts */
struct drops;
struct loop;

struct drops *drops_new(struct quar *);
struct drops *drops_open(uint16_t, struct quar *, struct loop *);
void	 drops_input(struct drops *, const void *, size_t);
void	 drops_close(struct drops *);
void	 drops_reconfigure(const struct quar_conf *, struct quar_conf *,
	    FILE *);
void	 drops_get_stats(const struct drops *, struct drops_stats *);
int	 drops_parse_packet(const uint8_t *, size_t, struct addr *,
	    struct qsample *);

/* nl.c: netlink datagrams checked before libmnl walks them */
bool	 nl_datagram_ok(const void *, size_t);

/* file.c: files replaced whole (quarantine.file, report.file, metrics.file) */
int	 file_replace(const char *, mode_t, bool, void (*)(FILE *, void *),
	    void *, char *, size_t);
int	 file_clean(const char *);


/* conf.c: the configuration file (libconfig), documented in ephemd.conf(5) */
/* a list of names (internal_interfaces) */
struct strlist {
	char	**v;
	size_t	  n;
};

struct conf {
	char			*path;		/* the file it was read from */
	struct strlist		 internal_ifaces;	/* names, or "auto" */
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
	int			 report_format;	/* enum report_format */
	uint32_t		 report_interval_s;	/* 0: on SIGUSR2, at exit */
	struct quar_conf	 quar;		/* quarantine.*, nflog.* */
	char			*ctl_socket;	/* control.socket, NULL: none */
	char			*ctl_group;	/* control.group */
	char			*ctl_admin_group;	/* control.admin_group */
	uint32_t		 ctl_clients;	/* control.max_clients */
	char			*metrics_file;	/* metrics.file, NULL: none */
	uint32_t		 metrics_interval_s;
	bool			 metrics_per_host;
};

#define CONF_FILE	"/etc/ephemd/ephemd.conf"
#define STATE_FILE	"/var/lib/ephemd/state"
#define QUAR_FILE	"/var/lib/ephemd/quarantine"

void	 strlist_clear(struct strlist *);
int	 strlist_add(struct strlist *, const char *);
struct conf *conf_new(void);
void	 conf_free(struct conf *);
int	 conf_load(const char *, struct conf **, FILE *);
void	 conf_print(FILE *, const struct conf *);
int	 conf_duration_parse(const char *, uint32_t *);

/* ctl.c: the control socket (ephemctl(8)) */
struct ctl_stats {
	uint64_t	clients;	/* connections accepted */
	uint64_t	requests;	/* well-formed requests run */
	uint64_t	errors;		/* responses other than ok */
	uint64_t	busy;		/* turned away: too many clients */
	uint64_t	timeouts;	/* too slow to ask or to read */
	uint64_t	oversized;	/* responses over CTL_OUT_MAX, refused */
	uint64_t	denied;		/* changes asked by a reader */
	uint64_t	accept_errors;	/* accept() failed: no fd, no memory */
};

/* who is asking: the peer's credentials (SO_PEERCRED, SO_PEERGROUPS) */
struct ctl_peer {
	uint32_t	uid, gid;
	int32_t		pid;
	bool		admin;		/* root, ephemd's user, or a member of
					   control.admin_group: may change */
};

/* a command: argv[0] is its name; writes its payload, returns a code */
typedef int	(*ctl_handler)(void *, const struct ctl_peer *, int, char **,
		    bool, FILE *);

struct ctl;
struct ctl *ctl_open(const char *, const char *, const char *, size_t,
	    struct loop *, ctl_handler, void *);
void	 ctl_close(struct ctl *);
void	 ctl_reconfigure(struct ctl *, const char *, const char *,
	    const char *, size_t, FILE *);
void	 ctl_get_stats(const struct ctl *, struct ctl_stats *);
int	 ctl_parse(const uint8_t *, size_t, char *, char **, int *, char *,
	    size_t);
void	 ctl_error(FILE *, bool, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 ctl_json_quote(char *, size_t, const char *);

/* devices.c: one device's IPv6 addresses, by the MAC behind them */
struct devices;
struct devices *devices_new(struct core *);
void	 devices_free(struct devices *);
uint32_t devices_neigh(struct devices *, const struct addr *, const uint8_t *,
	    uint64_t);
bool	 devices_mac_of(const struct devices *, uint32_t, uint8_t *);
uint64_t devices_routers(const struct devices *);

/* journal.c: alerts as structured journal entries (under systemd) */
bool	 journal_wanted(void);
int	 journal_alert(const struct alert *, const char *, const char *);

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

/* metrics.file's writer: fills a source (and the event socket's counters) */
typedef void	(*metrics_src_fn)(void *, struct metrics_src *,
		    struct ct_stats *);
struct metrics;
struct conf;

struct metrics *metrics_new(const struct conf *, struct loop *,
	    metrics_src_fn, void *);
void	 metrics_reconfigure(struct metrics *, const struct conf *);
void	 metrics_flush(struct metrics *);
void	 metrics_free(struct metrics *);

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
uint64_t loop_wall_ms(void);
uint64_t loop_clock_ms(void);
uint64_t loop_clock_to_wall(uint64_t);
uint64_t loop_wall_to_clock(uint64_t);

/* rtnl.c: interfaces, addresses, default routes, neighbours (rtnetlink) */
#define RTNL_NEXTHOPS	8

struct rtnl_link {
	int		ifindex;
	char		name[16];	/* IFNAMSIZ */
	uint8_t		mac[6];
	bool		has_mac;
	bool		loopback;
	bool		del;
};

struct rtnl_addr {
	int		ifindex;
	struct addr	local;		/* the gateway's address */
	struct net	net;		/* its prefix */
	uint32_t	flags;		/* IFA_F_* */
	uint8_t		scope;
	bool		del;
};

struct rtnl_route {			/* a default route */
	uint8_t		family;
	uint8_t		table;
	uint32_t	metric;
	int		oif[RTNL_NEXTHOPS];
	size_t		noif;
	bool		del;
};

struct rtnl_neigh {
	int		ifindex;
	struct addr	addr;
	uint8_t		mac[6];
	bool		has_mac;
	uint16_t	state;		/* NUD_* */
	bool		del;
};

/* an internal prefix and where it came from: an interface, "configuration" */
struct rtnl_prefix {
	struct net	net;
	char		source[24];
};

struct rtnl_stats {
	uint64_t	events;		/* datagrams of events read */
	uint64_t	dumps;		/* full reads of the state */
	uint64_t	overruns;	/* events lost (ENOBUFS) */
	uint64_t	bad;		/* messages that did not parse */
	uint64_t	changes;	/* the prefixes computed again */
	uint64_t	neigh_events;
	size_t		links, addrs, default_routes, retired;
	bool		full;		/* a table refused an entry */
};

struct nlmsghdr;
struct rtnl;
typedef void	(*rtnl_change_fn)(void *);
typedef void	(*rtnl_neigh_fn)(void *, const struct rtnl_neigh *);

int	 rtnl_parse_link(const struct nlmsghdr *, struct rtnl_link *);
int	 rtnl_parse_addr(const struct nlmsghdr *, struct rtnl_addr *);
int	 rtnl_parse_route(const struct nlmsghdr *, struct rtnl_route *);
int	 rtnl_parse_neigh(const struct nlmsghdr *, struct rtnl_neigh *);
struct rtnl *rtnl_new(const struct conf *, struct core *);
struct rtnl *rtnl_open(const struct conf *, struct core *, struct loop *,
	    rtnl_change_fn, void *);
void	 rtnl_close(struct rtnl *);
void	 rtnl_on_neigh(struct rtnl *, rtnl_neigh_fn, void *);
void	 rtnl_input(struct rtnl *, const void *, size_t);
int	 rtnl_resync(struct rtnl *);
void	 rtnl_reconfigure(struct rtnl *, const struct conf *);
size_t	 rtnl_prefixes(const struct rtnl *, const struct rtnl_prefix **);
int	 rtnl_filter(const struct rtnl *, struct netlist *);
void	 rtnl_get_stats(const struct rtnl *, struct rtnl_stats *);
bool	 rtnl_link_internal(const struct rtnl *, int);
bool	 rtnl_link_default(const struct rtnl *, int);
size_t	 rtnl_links(const struct rtnl *, const struct rtnl_link **);

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

int	 ct_parse(const struct nlmsghdr *, bool, uint64_t, struct flow_event *);
struct ct *ct_open(const struct conf *, struct core *, struct loop *);
void	 ct_close(struct ct *);
void	 ct_reconfigure(struct ct *, const struct conf *);
void	 ct_filter(struct ct *, const struct netlist *);
int	 ct_probe(void);
int	 ct_query(struct ct *, const struct flow *, struct flow_event *);
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

/* replay_main.c: the replay mode (ephemd --replay) */
struct replay_opts {
	const char	*capture;	/* a file, or "-" for stdin */
	const char	*flow_log;	/* --flow-log, or NULL */
	const char	*alerts;	/* --alerts, "-" for stdout, or NULL */
	const char	*load_state;	/* --load-state, or NULL */
	const char	*save_state;	/* --save-state, or NULL */
	int		 format;	/* --report, -1: the configuration's */
	uint32_t	 max_jump_s;	/* --max-jump, 0: no bound */
};

int	 replay_main(struct conf *, const struct replay_opts *);

/* report.c: the measurement report, text and JSON, and the flow log */
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_HTML };

#define REPORT_LIFE_BINS	8	/* bins of lifetime histograms */
extern const uint64_t report_life_edges[REPORT_LIFE_BINS - 1];
extern const char *const report_life_names[REPORT_LIFE_BINS];

void	 report_flow(FILE *, const struct flow_event *, uint64_t, uint64_t,
	    bool);
void	 report_flow_hook(void *, const struct flow_event *, uint64_t,
	    uint64_t, bool);
void	 report_snapshot(const struct core *, const struct host *,
	    struct host *);
void	 report_ports(const struct host *, long *, long *);
uint32_t *report_svc_order(const struct core *);
void	 report_time(uint64_t, char *, size_t);
void	 report_svc_row(FILE *, const struct svc *);
void	 report_host_json(FILE *, const struct core *, const struct host *);
void	 report_text(FILE *, struct core *, const struct replay_stats *,
	    const struct ct_stats *, const struct quar *);
void	 report_json(FILE *, struct core *, const struct replay_stats *,
	    const struct ct_stats *, const struct quar *);
uint32_t *report_hosts(struct core *, size_t *);
int	 report_format_parse(const char *);
const char *report_format_name(int);

/* report_html.c: the HTML report, one self-contained page */
#define REPORT_PANELS	100	/* hosts drawn in full, the rest rows */
#define REPORT_SERVICES	25	/* services drawn */
#define REPORT_ALERTS	1024	/* alerts a replay keeps for it */

struct report_src {
	struct core			*core;
	const struct detect		*detect;	/* NULL: none ran */
	const struct replay_stats	*st;		/* the time span */
	const struct ct_stats		*ls;		/* live, or NULL */
	struct quar			*quar;		/* live, or NULL */
	const struct alert		*alerts;	/* a ring of the last */
	size_t				 alerts_cap;
	uint64_t			 alerts_n;	/* ever put in it */
	uint32_t			 block_s;	/* a dry run's span */
	int64_t				 wall_skew_ms;	/* the wall clock
							   (alerts, blocks)
							   less pipeline time */
	const char			*source;	/* a capture, "live" */
	uint64_t			 made_ms;	/* wall; 0: replay */
};

void	 report_html(FILE *, const struct report_src *);

#endif /* EPHEMD_LIVE_H */
