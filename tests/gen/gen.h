/*
 * gencap's internal header: the simulation's state, shared by every file
 * of tests/gen/.
 *
 * gencap is a discrete-event simulation of a masquerading gateway in front
 * of a population of client hosts.  The files, in the order the simulation
 * uses them:
 *
 *   rng.c        random streams (xoshiro256** seeded by splitmix64) and
 *                the distributions drawn from them
 *   kset.c       open-addressing multiset of 64-bit keys (held ports,
 *                NAT tuples, live conntrack tuples)
 *   queue.c      the event queue: a binary min-heap on (time, sequence)
 *   world.c      servers, their popularity, client addresses and models
 *   stacks.c     host models and their source-port allocators
 *   activity.c   each host's sessions, page loads and background traffic
 *   flow.c       flow records and their conntrack life cycle
 *   net.c        the network's own failures: uplink and upstream outages,
 *                dead servers (faults that make flows go unanswered)
 *   nat.c        the gateway: masquerade ports, conntrack ids and tuples
 *   output.c     conntrack(8) lines
 *   scenario.c   scenarios: the kinds table, hosts, specs, dispatch
 *   inject.c     anomaly injectors
 *   lookalike.c  benign look-alike hosts
 *   realnet.c    look-alikes from real networks: consoles, VPNs, heavy
 *                P2P, FreeBSD under load, parallel connects, DHCP
 *                reassignment, IPv6 temporary addresses, Happy Eyeballs,
 *                Kubernetes nodes
 *   evade.c      attacks that hide in them: a scanner rotating addresses
 *                in its /64, a host-table flood, a service-table flood
 *                then C2, address churn
 *   tele.c       telemetry check-ins of every host in a scenario
 *   truth.c      the ground-truth files (-T, -G)
 *   gen.c        set-up, the event loop and teardown
 *   main.c       the command line
 *
 * Every line of output depends only on the arguments: no clock is read and
 * all randomness comes from the streams of rng.c.
 */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define US_PER_S		1000000ULL
#define OBUF_SIZE		(1U << 20)
#define LINE_MAX_LEN		512
#define ADDR_BUF		48	/* >= INET6_ADDRSTRLEN, copied whole */
#define MAX_HOSTS		50000
#define NPOP_SERVERS		2000
#define NRESOLVERS		4
#define NNTP			4
#define ZIPF_S			1.0
#define MAX_BURST_DESTS		16
#define PER_DEST_CAP		6	/* Chromium: 6 connections per host */
#define MAX_BG			8
#define FLOW_CHUNK		4096
#define PERTURB_SIZE		65536	/* Linux table_perturb, 2^16 */
#define DHPS_PERIOD_US		(10 * US_PER_S)
#define BSD_RANDOMCPS		10	/* FreeBSD portrange.randomcps */
#define BSD_RANDOMTIME		45	/* FreeBSD portrange.randomtime */
#define LAN6_PFX		0xfd00000100000000ULL	/* fd00:1::/64 */

/* scenarios: anomaly injectors and benign look-alikes */
#define MAX_SPECS		256
#define MAX_XSRV		8
#define NMAP_PORTS		1000
#define NTELE			4
#define TELE_PORT		8443	/* telemetry; reverse_shell too */
#define FOREVER_S		(400.0 * 86400)
#define LEARN_QUIET_S		(3 * 3600)	/* --scenario default */

/* conntrack timeouts, seconds (nf_conntrack-sysctl.rst defaults) */
#define TO_TCP_SYN_SENT		120
#define TO_TCP_TIME_WAIT	120
#define TO_TCP_CLOSE		10
#define TO_UDP			30
#define TO_UDP_STREAM		120
#define TO_ICMP			30

/* the gateway's masquerade addresses */
#define PUBLIC4			"203.0.113.1"
#define PUBLIC6			"2001:db8:ffff::1"

#define PROTO_ICMP		1
#define PROTO_TCP		6
#define PROTO_UDP		17
#define PROTO_ICMPV6		58

/* output format options, as conntrack -o */
#define FMT_TS			0x01
#define FMT_EXT			0x02
#define FMT_ID			0x04

/* flow flags */
#define F_LOCAL			0x01	/* to the gateway itself, not NATed */
#define F_REPLIED		0x02
#define F_ASSURED		0x04
#define F_NAT			0x08	/* holds an entry in the NAT table */
#define F_DST4			0x10	/* to dst4, not to a server */
#define F_RAW			0x20	/* given port, not held by the stack */
#define F_ALTSRC		0x40	/* source address from src_id */
#define F_FAM			0x80	/* its host's other family */

/* host flags: stack and addressing variants of a look-alike */
#define HS_BSD_LOAD		0x01	/* FreeBSD randomcps/randomtime */
#define HS_TEMP6		0x02	/* IPv6 temporary addresses */

/* address families a fault hits */
#define FAM4			0x01
#define FAM6			0x02
#define MAX_FAULTS		16

#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))

enum model {
	M_WINDOWS,
	M_MACOS,
	M_LINUX,
	M_ANDROID,
	M_IOT,
	M_FREEBSD,
	M_OPENBSD,
	M_WINXP,
	M_COUNT
};

#define MB(m)			(1U << (m))
#define MODELS_DESKTOP		(MB(M_WINDOWS) | MB(M_MACOS) | MB(M_LINUX))

enum alloc {
	ALLOC_SEQ,		/* global +1 counter, skip held ports */
	ALLOC_DHPS,		/* RFC 6056 alg. 4, Linux 2022 variant */
	ALLOC_RANDOM		/* RFC 6056 alg. 1: random start, +1 probe */
};

enum kind {
	K_WEB,			/* TCP connection of a page-load burst */
	K_BG,			/* long-lived background TCP connection */
	K_DNS,
	K_NTP,
	K_QUIC,
	K_PING,
	K_RAW,			/* scenario flow from a given port */
	K_SHAPED		/* scenario flow from the stack's allocator */
};

enum tcp_end {
	TE_TIME_WAIT,
	TE_CLOSE,
	TE_SYN_SENT
};

enum ev_type {
	EV_FLOW_NEW,
	EV_FLOW_DESTROY,
	EV_SESSION,
	EV_BURST,
	EV_NTP,
	EV_PING,
	EV_BG,
	EV_REBOOT,
	EV_INJ,			/* an injector or look-alike: scenario_at */
	EV_TELE			/* a telemetry check-in (scenarios) */
};

/* scenario kinds: the anomaly injectors, then the benign look-alikes */
enum xkind {
	XK_NMAP_SYN,
	XK_MASSCAN,
	XK_HPING3,
	XK_REVERSE_SHELL,
	XK_EXHAUSTION,
	XK_RAW_RANGE,
	XK_FIXED_SPORT,
	XK_NAT_BEHIND,
	XK_P2P,
	XK_SIP,
	XK_RESOLVER,
	XK_LONG_SSH,
	XK_PUSH,
	XK_UPDATE_BURST,
	XK_UPLINK_OUTAGE,	/* real networks: events and look-alikes */
	XK_IPV6_OUTAGE,
	XK_DEAD_SERVER,
	XK_DHCP_REASSIGN,
	XK_CONSOLE,
	XK_P2P_HEAVY,
	XK_WIREGUARD,
	XK_OPENVPN,
	XK_IPSEC,
	XK_FREEBSD_LOAD,
	XK_PARALLEL,
	XK_IPV6_TEMP,
	XK_HAPPY_EYEBALLS,
	XK_K8S_NODE,
	XK_SCAN6_ROTATE,	/* ... and the attacks that hide in them */
	XK_FLOOD6,
	XK_SVCFLOOD_C2,
	XK_CHURN,
	XK_COUNT
};

/* what a scenario kind is (struct xkind_info) */
#define XF_BENIGN		0x01	/* a look-alike: nothing may report */
#define XF_TIMED		0x02	/* -I, with START[:DURATION]; else -B */
#define XF_NOHOST		0x04	/* the network's, on no host */
#define XF_V6			0x08	/* on an IPv6 host */
#define XF_PERIOD		0x10	/* -B KIND:COUNT:START:PERIOD */

/* what an injector's event is (scenario_at) */
enum xwhat {
	XW_TICK,		/* the next probe, packet, query or burst */
	XW_CHAIN,		/* a session of chain `sub` */
	XW_SIDE			/* a side activity: SIP call, short ssh */
};

/* conntrack's view of a scenario flow (flow_script) */
#define SH_UNREPLIED		TE_SYN_SENT, 0	/* SYN never answered */
#define SH_REFUSED		TE_CLOSE, F_REPLIED	/* RST, or SYN-ACK
							   reset by a raw
							   sender's kernel */
#define SH_FIN			TE_TIME_WAIT, F_REPLIED | F_ASSURED
#define SH_RST			TE_CLOSE, F_REPLIED | F_ASSURED

struct model_info {
	const char	*name;
	const char	*range_family;
	const char	*allocator;
	double		 share;
	enum alloc	 tcp_alloc;
	uint16_t	 tcp_lo;
	uint16_t	 tcp_hi;
	enum alloc	 udp_alloc;
	uint16_t	 udp_lo;
	uint16_t	 udp_hi;
	uint16_t	 dns_lo;	/* 0: DNS uses the UDP allocator */
	uint16_t	 dns_hi;
	uint16_t	 push_port;	/* first background connection */
};

struct rng {
	uint64_t	 s[4];
};

struct host {
	struct rng	 rng;
	uint64_t	 dhps_key;
	uint64_t	 epoch_phase_us;
	uint64_t	 tcp_flows;
	uint64_t	 flows;
	uint64_t	 stop_us;	/* a nat_behind device: last event */
	uint64_t	 leave_us;	/* dhcp_reassign: its flows end then */
	uint64_t	 pfx64;		/* its IPv6 /64 (the LAN's, if IPv4) */
	uint64_t	 alt_iid;	/* HS_TEMP6: the temporary address */
	uint64_t	 bsd_sec;	/* HS_BSD_LOAD: ipport_tick's second */
	uint32_t	 bsd_allocs;	/* ... allocations in that second */
	uint16_t	 bsd_stop;	/* ... seconds left sequential */
	uint16_t	 bsd_last;	/* ... TCP lastport */
	uint8_t		 hs;		/* HS_* */
	uint32_t	 space;		/* whose ports: itself, or its NAT */
	uint32_t	 tcp_held;	/* TCP ports held in this space */
	double		 burst_mean_s;
	double		 ping_mean_s;
	uint32_t	 ntp_interval_s;
	uint32_t	 session_gen;
	uint16_t	 tcp_next;
	uint16_t	 udp_next;
	uint16_t	 resolver;
	uint16_t	 ntp_server;
	uint16_t	 bg_server[MAX_BG];
	uint16_t	 bg_dport[MAX_BG];
	uint8_t		 nbg;
	uint8_t		 model;
	uint8_t		 addr_len;
	uint8_t		 gw_len;
	bool		 v6;
	bool		 on;
	bool		 ntp_fixed;
	bool		 local_dns;
	bool		 iot_fixed_start;
	char		 addr[ADDR_BUF];
	char		 gw[ADDR_BUF];
};

struct server {
	char		 v4[ADDR_BUF];
	char		 v6[ADDR_BUF];
	uint8_t		 v4_len;
	uint8_t		 v6_len;
};

struct flow {
	struct flow	*next;		/* free list */
	uint64_t	 active_end_us;	/* K_RAW, K_SHAPED: before start, the
					   active duration */
	uint64_t	 src_id;	/* F_ALTSRC: IPv4 address or IPv6 IID */
	uint32_t	 host;
	uint32_t	 ct_id;
	uint32_t	 dst4;		/* with F_DST4, host byte order */
	uint16_t	 server;
	uint16_t	 sport;
	uint16_t	 dport;
	uint16_t	 nat_port;
	uint8_t		 kind;
	uint8_t		 proto;
	uint8_t		 end_state;
	uint8_t		 flags;
	uint8_t		 slot;
};

struct flow_chunk {
	struct flow_chunk *next;
	struct flow	 flows[FLOW_CHUNK];
};

struct ev {
	uint64_t	 t_us;
	uint64_t	 seq;
	struct flow	*flow;
	uint32_t	 host;
	uint32_t	 aux;
	uint8_t		 type;
};

struct queue {
	struct ev	*v;
	size_t		 n;
	size_t		 cap;
};

/* open-addressing multiset of 64-bit keys (key 0 = empty slot) */
struct kset {
	uint64_t	*keys;
	uint32_t	*counts;
	size_t		 mask;
	size_t		 used;
};

/* one -I or -B (a -B with a count is that many specs) */
struct spec {
	uint64_t	 start_s;
	uint64_t	 dur_s;
	uint64_t	 period_s;
	uint8_t		 kind;
	bool		 has_start;
	bool		 has_dur;
	bool		 has_period;
	bool		 fresh;		/* KIND+new: on a device of its own */
};

struct opts {
	uint64_t	 seed;
	uint64_t	 duration_s;
	uint64_t	 start_epoch;
	uint64_t	 min_events;
	double		 v6_share;
	double		 activity;
	const char	*truth_path;
	const char	*gt_path;
	const char	*scenario;
	struct spec	 specs[MAX_SPECS];
	uint32_t	 nspecs;
	uint32_t	 nhosts;
	unsigned int	 fmt;
};

/* one injected anomaly or benign look-alike host, with its own stream */
struct inj {
	struct rng	 rng;
	uint64_t	 start_us;
	uint64_t	 stop_us;	/* nothing new from here */
	uint64_t	 last_us;	/* last activity so far */
	uint64_t	 perm_a;	/* probe order: (a * i + b) mod n */
	uint64_t	 perm_b;
	uint64_t	 perm_n;
	uint16_t	*ports;
	double		 gap_s;		/* mean time between events */
	double		 period_s;
	uint32_t	 host;
	uint32_t	 n;		/* probes or flows to send */
	uint32_t	 i;		/* ... sent */
	uint32_t	 dst4;		/* target, first target or peer base */
	uint32_t	 span;		/* number of targets or peers */
	uint16_t	 nports;
	uint16_t	 sport;
	uint16_t	 dport;
	uint32_t	 dsts[MAX_XSRV];
	uint16_t	 srv[MAX_XSRV];
	uint16_t	 srv_dport[MAX_XSRV];
	uint8_t		 nsrv;
	uint8_t		 kind;
	uint8_t		 mode;
	bool		 has_dur;
	uint64_t	 t1_us;		/* a phase: an outage's end, ... */
	uint64_t	 t2_us;		/* ... a C2 session's start */
	uint64_t	 t3_us;		/* ... and end */
	double		 gap2_s;	/* a second process's mean gap */
	uint64_t	*vals;		/* addresses made (IIDs), for -G */
	uint64_t	*val_us;	/* ... and when */
	uint32_t	 nvals;
	uint32_t	 vhost;		/* a device of its own (nvirt) */
	uint64_t	 iid;		/* the source in use (evade.c) */
};

/* a fault of the network: flows it hits go unanswered */
struct fault {
	uint64_t	 start_us;
	uint64_t	 end_us;
	int32_t		 server;	/* -1: every external destination */
	uint8_t		 fam;		/* FAM4, FAM6 */
};

/* periodic telemetry check-ins of every host, in scenarios */
struct tele {
	struct rng	 rng;
	double		 interval_s;
	uint16_t	 server;
};

struct gen {
	struct opts	 o;
	struct rng	 rng;		/* gateway: NAT ports, set-up */
	struct host	*hosts;
	struct server	*servers;
	double		*zipf_cdf;
	uint16_t	*zipf_map;
	uint32_t	*perturb;
	struct queue	 queue;
	struct kset	 held;		/* (host, proto, port) in use */
	struct kset	 nat;		/* live NAT reply tuples */
	struct kset	 tuples;	/* live original tuples of K_RAW */
	struct inj	*inj;
	struct tele	*tele;
	struct rng	 xrng;		/* scenario set-up */
	uint64_t	 connect_failed;
	uint32_t	 ninj;
	uint32_t	 nvirt;		/* devices after the hosts (nvirt) */
	uint32_t	 vnext;		/* ... placed so far */
	uint32_t	 nfresh;	/* ... of them new to the network */
	uint32_t	 tele_server;	/* first telemetry server */
	struct flow	*free_flows;
	struct flow_chunk *chunks;
	uint64_t	 seq;
	uint64_t	 lines;
	uint64_t	 end_us;
	char		*obuf;
	size_t		 olen;
	char		 public4[ADDR_BUF];
	char		 public6[ADDR_BUF];
	uint8_t		 public4_len;
	uint8_t		 public6_len;
	uint32_t	 nservers;
	uint32_t	 ct_counter;
	uint32_t	 ct_key;
	bool		 draining;
	struct fault	 faults[MAX_FAULTS];
	uint32_t	 nfaults;
};

/* a scenario kind: its name, what should report it, where it runs */
struct xkind_info {
	const char	*name;
	const char	*expected;	/* "-": a look-alike */
	uint32_t	 models;
	void		(*setup)(struct gen *, struct inj *,
			    const struct spec *);
	void		(*event)(struct gen *, struct inj *, uint64_t,
			    unsigned int, unsigned int);
	uint8_t		 flags;		/* XF_* */
	uint8_t		 nvirt;		/* devices it adds after the hosts */
	void		(*truth)(const struct gen *, const struct inj *,
			    FILE *);	/* its -G rows; NULL: one row */
};

/* the flow's address family: its host's, or the other one (F_FAM) */
static inline bool
flow_v6(const struct host *h, const struct flow *f)
{
	return h->v6 != ((f->flags & F_FAM) != 0);
}

/* seconds to microseconds, rounded, never negative */
static inline uint64_t
sec_to_us(double s)
{
	return s <= 0 ? 0 : (uint64_t)(s * 1e6 + 0.5);
}

/* rng.c */
static inline uint64_t
rng_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rng_rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result, t;

	result = rng_rotl64(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl64(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
static inline double
rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* uniform in [0, n), n <= 2^32 (Lemire's multiply-shift) */
static inline uint32_t
rng_below(struct rng *r, uint64_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static inline double
rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unif(r);
}

void		 rng_seed(struct rng *, uint64_t);
double		 rng_exp(struct rng *, double);
double		 rng_lognormal(struct rng *, double, double);
uint32_t	 rng_geometric(struct rng *, double);
uint32_t	 rng_poisson(struct rng *, double);
double		 rng_logu(struct rng *, double, double);

/* kset.c */
static inline size_t
kset_slot(const struct kset *s, uint64_t key)
{
	size_t i = rng_mix64(key) & s->mask;

	while (s->keys[i] != 0 && s->keys[i] != key)
		i = (i + 1) & s->mask;
	return i;
}

static inline uint32_t
kset_count(const struct kset *s, uint64_t key)
{
	size_t i = kset_slot(s, key);

	return s->keys[i] != 0 ? s->counts[i] : 0;
}

void		 kset_init(struct kset *, size_t);
void		 kset_free(struct kset *);
void		 kset_add(struct kset *, uint64_t);
void		 kset_del(struct kset *, uint64_t);

/* queue.c */
void		 queue_at(struct gen *, uint64_t, enum ev_type, uint32_t,
		    uint32_t, struct flow *);
bool		 queue_pop(struct queue *, struct ev *);
void		 queue_free(struct queue *);

/* world.c */
void		 world_addr_string(int, const void *, char *, uint8_t *);
void		 world_addr_fixed(const char *, const char *, char *,
		    uint8_t *, char *, uint8_t *);
void		 world_servers_init(struct gen *);
uint16_t	 world_zipf(const struct gen *, struct rng *);
void		 world_host_addr(struct host *, uint32_t *, uint32_t[3],
		    uint32_t *);
enum model	 world_model_pick(struct gen *, uint32_t);
void		 world_host_move64(struct host *, uint64_t);
void		 world_addr6(uint64_t, uint64_t, char *);
uint16_t	 world_server_add(struct gen *, const char *, const char *);

/* stacks.c */
extern const struct model_info stack_models[M_COUNT];

static inline uint64_t
stack_held_key(uint32_t host, uint8_t proto, uint16_t port)
{
	return (1ULL << 63) | ((uint64_t)host << 24) |
	    ((uint64_t)proto << 16) | port;
}

static inline bool
stack_port_held(const struct gen *g, uint32_t host, uint8_t proto,
    uint16_t port)
{
	return kset_count(&g->held, stack_held_key(host, proto, port)) != 0;
}

/* the port is in use from now on, in h's port space */
static inline void
stack_hold(struct gen *g, const struct host *h, uint8_t proto, uint16_t port)
{
	kset_add(&g->held, stack_held_key(h->space, proto, port));
	if (proto == PROTO_TCP)
		g->hosts[h->space].tcp_held++;
}

static inline void
stack_release(struct gen *g, const struct host *h, uint8_t proto,
    uint16_t port)
{
	kset_del(&g->held, stack_held_key(h->space, proto, port));
	if (proto == PROTO_TCP)
		g->hosts[h->space].tcp_held--;
}

uint16_t	 stack_alloc_tcp(struct gen *, struct host *, uint32_t,
		    const struct flow *, uint64_t);
uint16_t	 stack_alloc_udp(struct gen *, struct host *, uint32_t,
		    const struct flow *, uint64_t);
uint32_t	 stack_tcp_capacity(const struct model_info *);
void		 stack_boot(struct host *);

/* activity.c */
void		 activity_init(struct gen *, uint32_t, uint64_t, bool);
void		 activity_session(struct gen *, struct host *, uint32_t,
		    uint64_t);
void		 activity_burst(struct gen *, struct host *, uint32_t,
		    uint64_t, uint32_t);
void		 activity_ntp(struct gen *, struct host *, uint32_t, uint64_t);
void		 activity_ping(struct gen *, struct host *, uint32_t,
		    uint64_t);
void		 activity_bg(struct gen *, struct host *, uint32_t, uint64_t,
		    uint32_t);
void		 activity_reboot(struct gen *, struct host *, uint32_t,
		    uint64_t);

/* flow.c */
struct flow	*flow_get(struct gen *);
void		 flow_put(struct gen *, struct flow *);
void		 flow_pool_free(struct gen *);
void		 flow_plan(struct gen *, uint32_t, enum kind, uint8_t,
		    uint16_t, uint16_t, uint8_t, uint8_t, uint64_t);
struct flow	*flow_script(struct gen *, uint32_t, uint64_t, uint8_t,
		    uint16_t, uint32_t, uint16_t, uint16_t, uint8_t, uint8_t,
		    double);
void		 flow_start(struct gen *, struct flow *, uint64_t);
void		 flow_destroy(struct gen *, struct flow *, uint64_t);

/* net.c */
bool		 net_down(const struct gen *, const struct host *,
		    const struct flow *, uint64_t);
uint64_t	 net_fail(struct flow *, uint64_t);
void		 net_outage_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 net_outage_truth(const struct gen *, const struct inj *,
		    FILE *);

/* nat.c */
uint16_t	 nat_pick(struct gen *, const struct host *,
		    const struct flow *);
void		 nat_release(struct gen *, const struct host *,
		    const struct flow *);
uint32_t	 nat_ct_id(struct gen *);
bool		 nat_tuple_live(const struct gen *, const struct flow *);
void		 nat_tuple_add(struct gen *, const struct flow *);
void		 nat_tuple_del(struct gen *, const struct flow *);

/* output.c */
void		 out_flush(struct gen *);
void		 out_flow(struct gen *, const struct flow *, uint64_t, bool);

/* scenario.c */
extern const struct xkind_info scenario_kinds[XK_COUNT];

void		 scenario_init(struct gen *);
void		 scenario_free(struct gen *);
void		 scenario_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
struct spec	*scenario_spec_add(struct opts *);
bool		 scenario_named(struct opts *, const char *, uint32_t);
uint32_t	 scenario_device(struct gen *, uint32_t, uint8_t);
struct flow	*scenario_plan(struct gen *, struct inj *, uint64_t, uint8_t,
		    uint16_t, uint32_t, uint16_t, uint16_t, uint8_t, uint8_t,
		    double);
void		 scenario_at(struct gen *, struct inj *, uint64_t,
		    enum xwhat, unsigned int);
void		 scenario_again(struct gen *, struct inj *, uint64_t, double);
uint32_t	 scenario_ext4(uint64_t);
uint32_t	 scenario_rand_ext4(struct rng *);
void		 scenario_perm_init(struct inj *, uint64_t);

/* probe order: i -> (a * i + b) mod n, a bijection of [0, n) */
static inline uint32_t
scenario_perm_at(const struct inj *x, uint64_t i)
{
	return (uint32_t)((x->perm_a * i + x->perm_b) % x->perm_n);
}

/* inject.c */
void		 inject_top_ports(struct inj *);
void		 inject_nmap_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_nmap_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 inject_masscan_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_masscan_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 inject_hping3_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_hping3_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 inject_reverse_shell_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_exhaustion_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_exhaustion_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 inject_raw_range_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_raw_range_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 inject_fixed_sport_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 inject_fixed_sport_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);
void		 inject_nat_behind_setup(struct gen *, struct inj *,
		    const struct spec *);

/* lookalike.c */
void		 lookalike_p2p_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_p2p_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 lookalike_sip_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_sip_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 lookalike_resolver_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_resolver_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);
void		 lookalike_long_ssh_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_long_ssh_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);
void		 lookalike_push_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_push_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 lookalike_update_burst_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 lookalike_update_burst_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);

/* realnet.c */
void		 realnet_console_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_console_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_p2p_heavy_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_p2p_heavy_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_vpn_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_vpn_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_freebsd_load_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_freebsd_load_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);
void		 realnet_parallel_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_parallel_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_ipv6_temp_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_ipv6_temp_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_ipv6_temp_truth(const struct gen *,
		    const struct inj *, FILE *);
void		 realnet_happy_eyeballs_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_happy_eyeballs_event(struct gen *, struct inj *,
		    uint64_t, unsigned int, unsigned int);
void		 realnet_happy_eyeballs_truth(const struct gen *,
		    const struct inj *, FILE *);
void		 realnet_k8s_node_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_k8s_node_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 realnet_dhcp_reassign_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 realnet_dhcp_reassign_truth(const struct gen *,
		    const struct inj *, FILE *);

/* evade.c */
void		 evade_prefix_truth(const struct gen *, const struct inj *,
		    FILE *);
void		 evade_scan6_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 evade_scan6_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 evade_flood6_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 evade_flood6_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 evade_svcflood_c2_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 evade_svcflood_c2_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 evade_svcflood_c2_truth(const struct gen *,
		    const struct inj *, FILE *);
void		 evade_churn_setup(struct gen *, struct inj *,
		    const struct spec *);
void		 evade_churn_event(struct gen *, struct inj *, uint64_t,
		    unsigned int, unsigned int);
void		 evade_churn_truth(const struct gen *, const struct inj *,
		    FILE *);

/* tele.c */
void		 tele_init(struct gen *);
void		 tele_event(struct gen *, uint32_t, uint64_t);

/* truth.c */
void		 truth_write(const struct gen *, const char *);
void		 truth_write_scenario(const struct gen *, const char *);
void		 truth_row(const struct gen *, FILE *, const char *,
		    const char *, uint64_t, uint64_t, const char *);

/* gen.c */
void		 fatalx(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
void		 gen_init(struct gen *);
void		 gen_run(struct gen *);
void		 gen_free(struct gen *);

#endif /* GEN_H */
