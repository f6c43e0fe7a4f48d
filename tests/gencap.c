/*
 * gencap -- write a synthetic conntrack(8) event capture for ephemd tests.
 *
 * The output is what `conntrack -E -e NEW,DESTROY -o timestamp,extended,id`
 * prints on a masquerading gateway in front of a simulated population of
 * client hosts (Windows, macOS, Linux, Android, lwIP IoT, FreeBSD, OpenBSD,
 * Windows XP), each with its own TCP and UDP source-port allocator, on/off
 * browsing sessions, page-load bursts and background traffic.  The models
 * and their sources are described in tests/gencap.md.  A scenario (-S, -I,
 * -B) adds anomaly injectors and benign look-alike hosts, with their
 * ground truth (-G), to score the detectors.
 *
 * The program is a discrete-event simulation: one binary min-heap holds every
 * future event (session changes, bursts, flow starts and conntrack DESTROYs),
 * so lines come out in timestamp order.  It is deterministic for a given
 * seed: all randomness comes from xoshiro256** streams seeded by splitmix64,
 * one per host plus one for the gateway.  Only libc and libm are used.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	EV_INJ,			/* an injector or look-alike; aux: see x_at */
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
	XK_COUNT
};

#define XK_FIRST_BENIGN		XK_P2P

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

static const struct model_info models[M_COUNT] = {
	[M_WINDOWS] = { "windows", "iana", "sequential", 0.35,
	    ALLOC_SEQ, 49152, 65535, ALLOC_RANDOM, 49152, 65535, 0, 0, 443 },
	[M_MACOS] = { "macos", "iana", "sequential", 0.20,
	    ALLOC_SEQ, 49152, 65535, ALLOC_RANDOM, 49152, 65535, 0, 0, 5223 },
	[M_LINUX] = { "linux", "linux", "per-destination", 0.12,
	    ALLOC_DHPS, 32768, 60999, ALLOC_RANDOM, 32768, 60999, 0, 0, 443 },
	[M_ANDROID] = { "android", "linux", "per-destination", 0.13,
	    ALLOC_DHPS, 32768, 60999, ALLOC_RANDOM, 32768, 60999,
	    1024, 65535, 5228 },
	[M_IOT] = { "iot", "iana", "sequential", 0.08,
	    ALLOC_SEQ, 49152, 65534, ALLOC_SEQ, 49152, 65535,
	    1024, 65535, 8883 },
	[M_FREEBSD] = { "freebsd", "freebsd", "random", 0.04,
	    ALLOC_RANDOM, 10000, 65535, ALLOC_RANDOM, 10000, 65535, 0, 0, 443 },
	[M_OPENBSD] = { "openbsd", "openbsd", "random", 0.04,
	    ALLOC_RANDOM, 1024, 49151, ALLOC_RANDOM, 1024, 49151, 0, 0, 443 },
	[M_WINXP] = { "winxp", "legacy", "sequential", 0.04,
	    ALLOC_SEQ, 1025, 5000, ALLOC_SEQ, 1025, 5000, 0, 0, 443 },
};

#define MB(m)			(1U << (m))
#define MODELS_DESKTOP		(MB(M_WINDOWS) | MB(M_MACOS) | MB(M_LINUX))

/*
 * What each scenario kind is, the detectors that should report it (a
 * trailing '?' marks a secondary one: credited when it fires, not
 * required; "-" marks a look-alike that must raise nothing), and the host
 * models it is placed on.
 */
static const struct xkind_info {
	const char	*name;
	const char	*expected;
	uint32_t	 models;
} xkinds[XK_COUNT] = {
	[XK_NMAP_SYN] = { "nmap_syn", "scan,fixed_port,rate?",
	    MODELS_DESKTOP },
	[XK_MASSCAN] = { "masscan", "scan,fixed_port,rate?", MODELS_DESKTOP },
	[XK_HPING3] = { "hping3", "port_range,rate?", MODELS_DESKTOP },
	[XK_REVERSE_SHELL] = { "reverse_shell", "long_lived",
	    MODELS_DESKTOP },
	[XK_EXHAUSTION] = { "exhaustion", "exhaustion,rate",
	    MODELS_DESKTOP | MB(M_ANDROID) },
	[XK_RAW_RANGE] = { "raw_range", "port_range,rate?",
	    MB(M_WINDOWS) | MB(M_LINUX) },
	[XK_FIXED_SPORT] = { "fixed_sport", "fixed_port", MODELS_DESKTOP },
	[XK_NAT_BEHIND] = { "nat_behind", "allocator_change",
	    MB(M_WINDOWS) | MB(M_LINUX) },
	[XK_P2P] = { "p2p", "-", MODELS_DESKTOP },
	[XK_SIP] = { "sip", "-", MODELS_DESKTOP | MB(M_IOT) },
	[XK_RESOLVER] = { "resolver", "-",
	    MB(M_LINUX) | MB(M_FREEBSD) | MB(M_OPENBSD) },
	[XK_LONG_SSH] = { "long_ssh", "-", MODELS_DESKTOP },
	[XK_PUSH] = { "push", "-",
	    MB(M_WINDOWS) | MB(M_MACOS) | MB(M_ANDROID) | MB(M_IOT) },
	[XK_UPDATE_BURST] = { "update_burst", "-",
	    MODELS_DESKTOP | MB(M_ANDROID) },
};

/* --scenario default: the anomalies in the order they are started */
static const uint8_t default_anomalies[] = {
	XK_NMAP_SYN, XK_MASSCAN, XK_HPING3, XK_FIXED_SPORT, XK_RAW_RANGE,
	XK_EXHAUSTION, XK_REVERSE_SHELL, XK_NAT_BEHIND,
};

static const uint16_t bg_ports[] = { 5223, 5228, 8883, 443 };
static const uint16_t other_ports[] = { 8080, 22, 993, 5223 };
static const uint32_t idle_timers_s[] = { 5, 60, 115, 300 };
static const uint32_t ntp_polls_s[] = { 64, 128, 256, 512, 1024 };

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

struct heap {
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
	uint8_t		 kind;
	bool		 has_start;
	bool		 has_dur;
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
	struct heap	 heap;
	struct kset	 held;		/* (host, proto, port) in use */
	struct kset	 nat;		/* live NAT reply tuples */
	struct kset	 tuples;	/* live original tuples of K_RAW */
	struct inj	*inj;
	struct tele	*tele;
	struct rng	 xrng;		/* scenario set-up */
	uint64_t	 connect_failed;
	uint32_t	 ninj;
	uint32_t	 nvirt;		/* nat_behind devices after the hosts */
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
};

static void	fatalx(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
static void	xflow_start(struct gen *, struct flow *, uint64_t);
static uint64_t	tuple_key(const struct gen *, const struct flow *);
static void	x_event(struct gen *, struct inj *, uint64_t, unsigned int,
		    unsigned int);
static void	tele_event(struct gen *, uint32_t, uint64_t);
static void	scenario_init(struct gen *);

static void
fatalx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("gencap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * Random numbers: splitmix64 for seeding and hashing, xoshiro256** streams.
 */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
splitmix64(uint64_t *x)
{
	*x += 0x9e3779b97f4a7c15ULL;
	return mix64(*x);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result, t;

	result = rotl64(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
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

static double
rng_exp(struct rng *r, double mean)
{
	return -mean * log(1.0 - rng_unif(r));
}

static double
rng_normal(struct rng *r)
{
	double u1, u2;

	u1 = 1.0 - rng_unif(r);
	u2 = rng_unif(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double
rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

/* number of failures before the first success, given the mean */
static uint32_t
rng_geometric(struct rng *r, double mean)
{
	double p = 1.0 / (1.0 + mean), x;

	x = floor(log(1.0 - rng_unif(r)) / log(1.0 - p));
	return x > 1e6 ? 1000000 : (uint32_t)x;
}

static uint32_t
rng_poisson(struct rng *r, double lambda)
{
	double l = exp(-lambda), p = 1.0;
	uint32_t k = 0;

	for (;;) {
		p *= rng_unif(r);
		if (p <= l)
			return k;
		k++;
	}
}

static uint64_t
sec_to_us(double s)
{
	return s <= 0 ? 0 : (uint64_t)(s * 1e6 + 0.5);
}

/*
 * Multiset of 64-bit keys: linear probing, backward-shift deletion.
 */

static void
kset_init(struct kset *s, size_t cap)
{
	s->keys = calloc(cap, sizeof(*s->keys));
	s->counts = calloc(cap, sizeof(*s->counts));
	if (s->keys == NULL || s->counts == NULL)
		fatalx("out of memory");
	s->mask = cap - 1;
	s->used = 0;
}

static void
kset_free(struct kset *s)
{
	free(s->keys);
	free(s->counts);
	s->keys = NULL;
	s->counts = NULL;
}

static inline size_t
kset_slot(const struct kset *s, uint64_t key)
{
	size_t i = mix64(key) & s->mask;

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

static void
kset_grow(struct kset *s)
{
	struct kset n;
	size_t i, j;

	kset_init(&n, (s->mask + 1) * 2);
	for (i = 0; i <= s->mask; i++) {
		if (s->keys[i] == 0)
			continue;
		j = kset_slot(&n, s->keys[i]);
		n.keys[j] = s->keys[i];
		n.counts[j] = s->counts[i];
		n.used++;
	}
	kset_free(s);
	*s = n;
}

static void
kset_add(struct kset *s, uint64_t key)
{
	size_t i;

	if ((s->used + 1) * 2 > s->mask + 1)
		kset_grow(s);
	i = kset_slot(s, key);
	if (s->keys[i] == 0) {
		s->keys[i] = key;
		s->counts[i] = 0;
		s->used++;
	}
	s->counts[i]++;
}

static void
kset_del(struct kset *s, uint64_t key)
{
	size_t i, j, k;

	i = kset_slot(s, key);
	if (s->keys[i] == 0 || --s->counts[i] > 0)
		return;
	for (j = i;;) {
		j = (j + 1) & s->mask;
		if (s->keys[j] == 0)
			break;
		k = mix64(s->keys[j]) & s->mask;
		/* move the entry back unless its home lies in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->keys[i] = s->keys[j];
		s->counts[i] = s->counts[j];
		i = j;
	}
	s->keys[i] = 0;
	s->used--;
}

/*
 * Event queue: binary min-heap ordered by (time, insertion sequence).
 */

static inline bool
ev_before(const struct ev *a, const struct ev *b)
{
	return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

static void
heap_push(struct heap *h, const struct ev *e)
{
	struct ev *nv;
	size_t i, parent;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 4096;
		nv = reallocarray(h->v, h->cap, sizeof(*h->v));
		if (nv == NULL)
			fatalx("out of memory");
		h->v = nv;
	}
	i = h->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!ev_before(e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = *e;
}

static bool
heap_pop(struct heap *h, struct ev *ret_ev)
{
	struct ev last;
	size_t i, c;

	if (h->n == 0)
		return false;
	*ret_ev = h->v[0];
	last = h->v[--h->n];
	i = 0;
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!ev_before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
	return true;
}

static void
sched(struct gen *g, uint64_t t_us, enum ev_type type, uint32_t host,
    uint32_t aux, struct flow *f)
{
	struct ev e;

	e.t_us = t_us;
	e.seq = g->seq++;
	e.flow = f;
	e.host = host;
	e.aux = aux;
	e.type = (uint8_t)type;
	heap_push(&g->heap, &e);
}

/*
 * Flow pool: flows are recycled through a free list, never freed one by one.
 */

static struct flow *
flow_get(struct gen *g)
{
	struct flow_chunk *c;
	struct flow *f;
	size_t i;

	if (g->free_flows == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			fatalx("out of memory");
		c->next = g->chunks;
		g->chunks = c;
		for (i = 0; i < FLOW_CHUNK; i++) {
			c->flows[i].next = g->free_flows;
			g->free_flows = &c->flows[i];
		}
	}
	f = g->free_flows;
	g->free_flows = f->next;
	memset(f, 0, sizeof(*f));
	return f;
}

static void
flow_put(struct gen *g, struct flow *f)
{
	f->next = g->free_flows;
	g->free_flows = f;
}

/*
 * Output: lines are formatted by hand into one large buffer.
 */

static void
out_flush(struct gen *g)
{
	if (g->olen > 0 && fwrite(g->obuf, 1, g->olen, stdout) != g->olen)
		fatalx("stdout: %s", strerror(errno));
	g->olen = 0;
}

static inline char *
put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT_LIT(p, s)	put_str((p), (s), sizeof(s) - 1)

/*
 * An address from an ADDR_BUF-sized buffer: copying the whole buffer is a
 * few vector moves, much cheaper than a variable-length memcpy; the bytes
 * past len land in the line reserve and are overwritten.
 */
static inline char *
put_addr(char *p, const char *buf, size_t len)
{
	memcpy(p, buf, ADDR_BUF);
	return p + len;
}

static inline char *
put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* six digits, zero-padded, as printf("%.6ld") */
static inline char *
put_usec(char *p, uint32_t v)
{
	int i;

	for (i = 5; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + 6;
}

static inline char *
put_ports(char *p, uint16_t sport, uint16_t dport)
{
	p = PUT_LIT(p, "sport=");
	p = put_u64(p, sport);
	p = PUT_LIT(p, " dport=");
	p = put_u64(p, dport);
	*p++ = ' ';
	return p;
}

static inline char *
put_icmp(char *p, unsigned int type, uint16_t id)
{
	p = PUT_LIT(p, "type=");
	p = put_u64(p, type);
	p = PUT_LIT(p, " code=0 id=");
	p = put_u64(p, id);
	*p++ = ' ';
	return p;
}

/* a dotted quad, host byte order, into an ADDR_BUF-sized buffer */
static uint8_t
fmt_ip4(char *buf, uint32_t a)
{
	char *p = buf;
	int i;

	for (i = 24; i >= 0; i -= 8) {
		p = put_u64(p, (a >> i) & 0xff);
		*p++ = '.';
	}
	p[-1] = '\0';
	return (uint8_t)(p - 1 - buf);
}

/* One NEW or DESTROY line, as libnetfilter_conntrack's default output. */
static void
out_flow(struct gen *g, const struct flow *f, uint64_t t_us, bool destroy)
{
	static const char *states[] = {
		[TE_TIME_WAIT] = "TIME_WAIT ",
		[TE_CLOSE] = "CLOSE ",
		[TE_SYN_SENT] = "SYN_SENT ",
	};
	const struct host *h = &g->hosts[f->host];
	const struct server *sv = &g->servers[f->server];
	const char *dst, *rdst;
	size_t dst_len, rdst_len;
	uint64_t us;
	char *p, dbuf[ADDR_BUF];

	if (OBUF_SIZE - g->olen < LINE_MAX_LEN)
		out_flush(g);
	p = g->obuf + g->olen;

	if (f->flags & F_LOCAL) {
		dst = h->gw;
		dst_len = h->gw_len;
		rdst = h->addr;
		rdst_len = h->addr_len;
	} else if (f->flags & F_DST4) {
		dst = dbuf;
		dst_len = fmt_ip4(dbuf, f->dst4);
		rdst = g->public4;
		rdst_len = g->public4_len;
	} else {
		dst = h->v6 ? sv->v6 : sv->v4;
		dst_len = h->v6 ? sv->v6_len : sv->v4_len;
		rdst = h->v6 ? g->public6 : g->public4;
		rdst_len = h->v6 ? g->public6_len : g->public4_len;
	}

	if (g->o.fmt & FMT_TS) {
		us = g->o.start_epoch * US_PER_S + t_us;
		*p++ = '[';
		p = put_u64(p, us / US_PER_S);
		*p++ = '.';
		p = put_usec(p, (uint32_t)(us % US_PER_S));
		*p++ = ']';
		*p++ = '\t';
	}
	p = destroy ? PUT_LIT(p, "[DESTROY] ") : PUT_LIT(p, "    [NEW] ");
	if (g->o.fmt & FMT_EXT)
		p = h->v6 ? PUT_LIT(p, "ipv6     10 ") :
		    PUT_LIT(p, "ipv4     2 ");
	switch (f->proto) {
	case PROTO_TCP:
		p = PUT_LIT(p, "tcp      6 ");
		break;
	case PROTO_UDP:
		p = PUT_LIT(p, "udp      17 ");
		break;
	case PROTO_ICMP:
		p = PUT_LIT(p, "icmp     1 ");
		break;
	default:
		p = PUT_LIT(p, "icmpv6   58 ");
		break;
	}
	if (!destroy) {
		if (f->proto == PROTO_TCP)
			p = PUT_LIT(p, "120 SYN_SENT ");
		else
			p = PUT_LIT(p, "30 ");
	} else if (f->proto == PROTO_TCP)
		p = put_str(p, states[f->end_state],
		    strlen(states[f->end_state]));

	p = PUT_LIT(p, "src=");
	p = put_addr(p, h->addr, h->addr_len);
	p = PUT_LIT(p, " dst=");
	p = put_addr(p, dst, dst_len);
	*p++ = ' ';
	if (f->proto == PROTO_ICMP)
		p = put_icmp(p, 8, f->sport);
	else if (f->proto == PROTO_ICMPV6)
		p = put_icmp(p, 128, f->sport);
	else
		p = put_ports(p, f->sport, f->dport);
	if (!destroy || !(f->flags & F_REPLIED))
		p = PUT_LIT(p, "[UNREPLIED] ");

	p = PUT_LIT(p, "src=");
	p = put_addr(p, dst, dst_len);
	p = PUT_LIT(p, " dst=");
	p = put_addr(p, rdst, rdst_len);
	*p++ = ' ';
	if (f->proto == PROTO_ICMP)
		p = put_icmp(p, 0, f->nat_port);
	else if (f->proto == PROTO_ICMPV6)
		p = put_icmp(p, 129, f->nat_port);
	else
		p = put_ports(p, f->dport, f->nat_port);
	if (destroy && (f->flags & F_ASSURED))
		p = PUT_LIT(p, "[ASSURED] ");
	if (g->o.fmt & FMT_ID) {
		p = PUT_LIT(p, "id=");
		p = put_u64(p, f->ct_id);
		*p++ = ' ';
	}
	p[-1] = '\n';
	g->olen = (size_t)(p - g->obuf);
	g->lines++;
}

/*
 * Source-port allocators (ports.md sections 1 and 2).
 */

static inline uint64_t
held_key(uint32_t host, uint8_t proto, uint16_t port)
{
	return (1ULL << 63) | ((uint64_t)host << 24) |
	    ((uint64_t)proto << 16) | port;
}

static inline bool
port_held(const struct gen *g, uint32_t host, uint8_t proto, uint16_t port)
{
	return kset_count(&g->held, held_key(host, proto, port)) != 0;
}

/* Windows, macOS TCP, lwIP, XP: one +1 counter, wraps, skips held ports */
static uint16_t
alloc_seq(struct gen *g, uint32_t hidx, uint8_t proto, uint16_t *next,
    uint16_t lo, uint16_t hi)
{
	uint32_t i, n = (uint32_t)hi - lo + 1;
	uint16_t p = *next;

	for (i = 0; i < n; i++) {
		p = *next;
		*next = *next >= hi ? lo : *next + 1;
		if (!port_held(g, hidx, proto, p))
			break;
	}
	return p;
}

/* RFC 6056 algorithm 1: random start, probe upwards until free */
static uint16_t
alloc_random(struct gen *g, struct host *h, uint32_t hidx, uint8_t proto,
    uint16_t lo, uint16_t hi)
{
	uint32_t i, n = (uint32_t)hi - lo + 1;
	uint32_t p = lo + rng_below(&h->rng, n);

	for (i = 0; i < n; i++) {
		if (!port_held(g, hidx, proto, (uint16_t)p))
			break;
		p = p >= hi ? lo : p + 1;
	}
	return (uint16_t)p;
}

/*
 * Linux >= 5.19 __inet_hash_connect() (RFC 6056 alg. 4, double hash): the
 * keyed hash of (host, dst, dport, 10-s epoch) picks a perturbation-table
 * slot and an offset; even ports are scanned upwards from there; the slot
 * then advances by 2 * (1 + max(i, U{0..7})).  Inside one epoch successive
 * connects to one destination therefore step +2..+16.
 */
static uint16_t
alloc_dhps(struct gen *g, struct host *h, uint32_t hidx,
    const struct flow *f, uint64_t now_us, uint16_t lo, uint16_t hi)
{
	uint64_t epoch, hv;
	uint32_t remaining = (uint32_t)hi - lo + 1;
	uint32_t idx, offset, port, i, step;

	epoch = (now_us + h->epoch_phase_us) / DHPS_PERIOD_US;
	hv = mix64(h->dhps_key ^ mix64(((uint64_t)f->server << 32) |
	    ((uint64_t)f->dport << 16) | (f->flags & F_LOCAL)) ^
	    mix64(epoch + 0x5bd1e995ULL));
	if (f->flags & F_DST4)
		hv ^= mix64(f->dst4 ^ 0x6473743400000000ULL);
	idx = (uint32_t)(hv & (PERTURB_SIZE - 1));
	offset = (g->perturb[idx] + (uint32_t)(hv >> 32)) % remaining;
	offset &= ~1U;
	port = lo + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		if (port > hi)
			port -= remaining;
		if (!port_held(g, hidx, PROTO_TCP, (uint16_t)port))
			break;
	}
	if (i >= remaining) {
		i = 0;
		port = lo + offset;
	}
	step = 2 * rng_below(&h->rng, 8);
	if (step < i)
		step = i;
	g->perturb[idx] += step + 2;
	return (uint16_t)port;
}

static uint16_t
alloc_tcp(struct gen *g, struct host *h, uint32_t hidx, const struct flow *f,
    uint64_t now_us)
{
	const struct model_info *mi = &models[h->model];

	switch (mi->tcp_alloc) {
	case ALLOC_SEQ:
		return alloc_seq(g, hidx, PROTO_TCP, &h->tcp_next,
		    mi->tcp_lo, mi->tcp_hi);
	case ALLOC_DHPS:
		return alloc_dhps(g, h, hidx, f, now_us, mi->tcp_lo,
		    mi->tcp_hi);
	default:
		return alloc_random(g, h, hidx, PROTO_TCP, mi->tcp_lo,
		    mi->tcp_hi);
	}
}

static uint16_t
alloc_udp(struct gen *g, struct host *h, uint32_t hidx, const struct flow *f)
{
	const struct model_info *mi = &models[h->model];

	if (f->kind == K_NTP && h->ntp_fixed)
		return 123;
	if (f->kind == K_DNS && mi->dns_lo != 0)
		return alloc_random(g, h, hidx, PROTO_UDP, mi->dns_lo,
		    mi->dns_hi);
	if (mi->udp_alloc == ALLOC_SEQ)
		return alloc_seq(g, hidx, PROTO_UDP, &h->udp_next,
		    mi->udp_lo, mi->udp_hi);
	return alloc_random(g, h, hidx, PROTO_UDP, mi->udp_lo, mi->udp_hi);
}

/*
 * Masquerading: keep the source port unless the reply tuple is taken by
 * another live flow, then pick a random free port in 1024-65535.
 */

static inline uint64_t
nat_key(const struct host *h, const struct flow *f, uint16_t port)
{
	uint64_t k;

	if (f->flags & F_DST4) {
		k = mix64(((uint64_t)f->dst4 << 24) |
		    ((uint64_t)f->proto << 16) | f->dport);
		return (1ULL << 63) | (k & 0x7fffffffffff0000ULL) | port;
	}
	return (1ULL << 63) | ((uint64_t)h->v6 << 56) |
	    ((uint64_t)f->proto << 48) | ((uint64_t)f->server << 32) |
	    ((uint64_t)f->dport << 16) | port;
}

static uint16_t
nat_pick(struct gen *g, const struct host *h, const struct flow *f)
{
	uint16_t port = f->sport;
	int tries;

	for (tries = 0; tries < 100000; tries++) {
		if (kset_count(&g->nat, nat_key(h, f, port)) == 0)
			break;
		port = (uint16_t)(1024 + rng_below(&g->rng, 65536 - 1024));
	}
	kset_add(&g->nat, nat_key(h, f, port));
	return port;
}

/* unique 32-bit conntrack ids: a bijective mix of a counter */
static uint32_t
ct_id_next(struct gen *g)
{
	uint32_t x;

	do {
		x = g->ct_counter++ + g->ct_key;
		x ^= x >> 16;
		x *= 0x7feb352dU;
		x ^= x >> 15;
		x *= 0x846ca68bU;
		x ^= x >> 16;
	} while (x == 0);
	return x;
}

/*
 * Flow life cycle.
 */

/* TCP active duration mixture, seconds (ports.md (b), section 5.1) */
static double
tcp_active_s(struct rng *r)
{
	double u = rng_unif(r), d, x;
	int i;

	if (u < 0.45) {
		for (i = 0; i < 16; i++) {
			d = rng_lognormal(r, 0.3, 1.0);
			if (d < 2.0)
				return d;
		}
		return rng_range(r, 0.0, 2.0);
	}
	if (u < 0.90) {
		d = rng_lognormal(r, 0.3, 1.0);
		if (d > 30.0)
			d = 30.0;
		return idle_timers_s[rng_below(r, 4)] + d;
	}
	if (u < 0.98)
		return rng_range(r, 120.0, 900.0);
	x = 900.0 * pow(1.0 - rng_unif(r), -1.0 / 1.2);
	return x > 86400.0 ? 86400.0 : x;
}

static void
flow_plan(struct gen *g, uint32_t hidx, enum kind kind, uint8_t proto,
    uint16_t server, uint16_t dport, uint8_t flags, uint8_t slot,
    uint64_t t_us)
{
	struct flow *f = flow_get(g);

	f->host = hidx;
	f->kind = (uint8_t)kind;
	f->proto = proto;
	f->server = server;
	f->dport = dport;
	f->flags = flags;
	f->slot = slot;
	sched(g, t_us, EV_FLOW_NEW, hidx, 0, f);
}

/* TCP close: 85 % FIN, 12 % RST, 3 % never answered */
static uint64_t
flow_tcp_close(struct flow *f, struct rng *r, uint64_t now_us,
    double active_s)
{
	double u = rng_unif(r);

	if (u >= 0.97) {
		f->end_state = TE_SYN_SENT;
		f->active_end_us = now_us;
		return now_us + TO_TCP_SYN_SENT * US_PER_S;
	}
	f->flags |= F_REPLIED | F_ASSURED;
	f->active_end_us = now_us + sec_to_us(active_s);
	if (u < 0.85) {
		f->end_state = TE_TIME_WAIT;
		return f->active_end_us + TO_TCP_TIME_WAIT * US_PER_S;
	}
	f->end_state = TE_CLOSE;
	return f->active_end_us + TO_TCP_CLOSE * US_PER_S;
}

/* request/response UDP or ICMP: 2 % never answered */
static uint64_t
flow_rr_close(struct flow *f, struct rng *r, uint64_t now_us,
    double active_s, uint64_t timeout_us)
{
	if (rng_unif(r) < 0.02) {
		f->active_end_us = now_us;
		return now_us + timeout_us;
	}
	f->flags |= F_REPLIED;
	f->active_end_us = now_us + sec_to_us(active_s);
	return f->active_end_us + timeout_us;
}

static void
flow_start(struct gen *g, struct flow *f, uint64_t now_us)
{
	struct host *h = &g->hosts[f->host];
	struct rng *r = &h->rng;
	uint64_t destroy_us;
	double rtt;

	if (f->kind >= K_RAW) {
		xflow_start(g, f, now_us);
		return;
	}
	switch (f->proto) {
	case PROTO_TCP:
		f->sport = alloc_tcp(g, h, h->space, f, now_us);
		break;
	case PROTO_UDP:
		f->sport = alloc_udp(g, h, h->space, f);
		break;
	default:
		f->sport = (uint16_t)rng_below(r, 65536);
		break;
	}
	if (f->flags & F_LOCAL)
		f->nat_port = f->sport;
	else {
		f->nat_port = nat_pick(g, h, f);
		f->flags |= F_NAT;
	}
	kset_add(&g->held, held_key(h->space, f->proto, f->sport));
	if (f->proto == PROTO_TCP)
		g->hosts[h->space].tcp_held++;
	f->ct_id = ct_id_next(g);

	rtt = rng_range(r, 0.002, 0.080);
	switch (f->kind) {
	case K_WEB:
		destroy_us = flow_tcp_close(f, r, now_us, tcp_active_s(r));
		break;
	case K_BG:
		/* log-uniform 30 min .. 24 h */
		destroy_us = flow_tcp_close(f, r, now_us,
		    1800.0 * pow(48.0, rng_unif(r)));
		sched(g, f->active_end_us +
		    sec_to_us(rng_range(r, 1.0, 60.0)), EV_BG, f->host,
		    f->slot, NULL);
		break;
	case K_QUIC:
		f->flags |= F_REPLIED | F_ASSURED;
		f->active_end_us = now_us + sec_to_us(rng_range(r, 5.0,
		    120.0));
		destroy_us = f->active_end_us + TO_UDP_STREAM * US_PER_S;
		break;
	case K_PING:
		/* ping -c 1..4: one entry, 1 s between requests */
		destroy_us = flow_rr_close(f, r, now_us,
		    rng_below(r, 4) + rtt, TO_ICMP * US_PER_S);
		break;
	default:
		destroy_us = flow_rr_close(f, r, now_us, rtt,
		    TO_UDP * US_PER_S);
		break;
	}
	h->flows++;
	if (f->proto == PROTO_TCP)
		h->tcp_flows++;
	out_flow(g, f, now_us, false);
	sched(g, destroy_us, EV_FLOW_DESTROY, f->host, 0, f);
}

static void
flow_destroy(struct gen *g, struct flow *f, uint64_t now_us)
{
	const struct host *h = &g->hosts[f->host];

	out_flow(g, f, now_us, true);
	if (f->flags & F_RAW)
		kset_del(&g->tuples, tuple_key(g, f));
	else {
		kset_del(&g->held, held_key(h->space, f->proto, f->sport));
		if (f->proto == PROTO_TCP)
			g->hosts[h->space].tcp_held--;
	}
	if (f->flags & F_NAT)
		kset_del(&g->nat, nat_key(h, f, f->nat_port));
	flow_put(g, f);
}

/*
 * Host activity (ports.md (b), "Activity model per host").
 */

static uint16_t
zipf_draw(const struct gen *g, struct rng *r)
{
	double u = rng_unif(r);
	uint32_t lo = 0, hi = NPOP_SERVERS - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return g->zipf_map[lo];
}

static uint16_t
web_dport(struct rng *r)
{
	double u = rng_unif(r);

	if (u < 0.85)
		return 443;
	if (u < 0.95)
		return 80;
	return other_ports[rng_below(r, 4)];
}

static double
session_len_s(struct rng *r, bool on)
{
	return rng_lognormal(r, on ? 1200.0 : 2400.0, 1.0);
}

static void
burst_dns(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	uint32_t i, n;

	n = h->model == M_IOT ? 1 : 1 + rng_below(&h->rng, 4);
	for (i = 0; i < n; i++)
		flow_plan(g, hidx, K_DNS, PROTO_UDP, h->resolver, 53,
		    h->local_dns ? F_LOCAL : 0, 0,
		    now_us + sec_to_us(rng_range(&h->rng, 0.0, 0.030)));
}

/*
 * One page load: DNS, then N TCP connections to D destinations (at most 6
 * per destination) spread over 0.2-2 s; 10 % of loads use one QUIC flow.
 * IoT devices make small check-ins instead of page loads.
 */
static void
burst_make(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	struct rng *r = &h->rng;
	uint16_t dst[MAX_BURST_DESTS], dport[MAX_BURST_DESTS];
	uint8_t used[MAX_BURST_DESTS];
	uint32_t d, n, i, j, k;
	uint64_t t0;
	double spread;

	burst_dns(g, h, hidx, now_us);
	t0 = now_us + sec_to_us(rng_range(r, 0.020, 0.150));
	dst[0] = zipf_draw(g, r);
	if (h->model != M_IOT && rng_unif(r) < 0.10) {
		flow_plan(g, hidx, K_QUIC, PROTO_UDP, dst[0], 443, 0, 0, t0);
		return;
	}
	if (h->model == M_IOT) {
		d = 1 + rng_poisson(r, 0.5);
		n = 1 + rng_geometric(r, 2.0);
	} else {
		d = 1 + rng_poisson(r, 5.0);
		/* negative binomial, r = 2, mean 12 */
		n = 1 + rng_geometric(r, 6.0) + rng_geometric(r, 6.0);
	}
	if (d > MAX_BURST_DESTS)
		d = MAX_BURST_DESTS;
	if (n > d * PER_DEST_CAP)
		n = d * PER_DEST_CAP;
	for (i = 0; i < d; i++) {
		if (i > 0) {
			for (k = 0; k < 4; k++) {
				dst[i] = zipf_draw(g, r);
				for (j = 0; j < i && dst[j] != dst[i]; j++)
					;
				if (j == i)
					break;
			}
		}
		dport[i] = h->model == M_IOT ? 443 : web_dport(r);
		used[i] = 0;
	}
	spread = rng_range(r, 0.2, 2.0);
	for (i = 0; i < n; i++) {
		if (i == 0)
			j = 0;
		else {
			j = rng_below(r, d);
			while (used[j] >= PER_DEST_CAP)
				j = (j + 1) % d;
		}
		used[j]++;
		flow_plan(g, hidx, K_WEB, PROTO_TCP, dst[j], dport[j], 0, 0,
		    i == 0 ? t0 : t0 + sec_to_us(rng_range(r, 0.0, spread)));
	}
}

static void
host_session(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	h->on = !h->on;
	h->session_gen++;
	sched(g, now_us + sec_to_us(session_len_s(&h->rng, h->on)),
	    EV_SESSION, hidx, 0, NULL);
	if (h->on)
		sched(g, now_us + sec_to_us(rng_exp(&h->rng,
		    h->burst_mean_s)), EV_BURST, hidx, h->session_gen, NULL);
}

static void
host_burst(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us,
    uint32_t gen)
{
	if (!h->on || gen != h->session_gen)
		return;
	burst_make(g, h, hidx, now_us);
	sched(g, now_us + sec_to_us(rng_exp(&h->rng, h->burst_mean_s)),
	    EV_BURST, hidx, gen, NULL);
}

static void
host_ntp(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	flow_plan(g, hidx, K_NTP, PROTO_UDP, h->ntp_server, 123, 0, 0,
	    now_us);
	sched(g, now_us + sec_to_us(h->ntp_interval_s +
	    rng_range(&h->rng, -2.0, 2.0)), EV_NTP, hidx, 0, NULL);
}

static void
host_ping(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	flow_plan(g, hidx, K_PING, h->v6 ? PROTO_ICMPV6 : PROTO_ICMP,
	    zipf_draw(g, &h->rng), 0, 0, 0, now_us);
	sched(g, now_us + sec_to_us(rng_exp(&h->rng, h->ping_mean_s)),
	    EV_PING, hidx, 0, NULL);
}

static void
host_bg(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us,
    uint32_t slot)
{
	flow_plan(g, hidx, K_BG, PROTO_TCP, h->bg_server[slot],
	    h->bg_dport[slot], 0, (uint8_t)slot, now_us);
}

/* lwIP: the port counters restart at every boot */
static void
host_boot(struct host *h)
{
	const struct model_info *mi = &models[h->model];

	if (h->iot_fixed_start) {
		h->tcp_next = mi->tcp_lo + 1;
		h->udp_next = mi->udp_lo + 1;
	} else {
		h->tcp_next = (uint16_t)(mi->tcp_lo + rng_below(&h->rng,
		    (uint32_t)mi->tcp_hi - mi->tcp_lo + 1));
		h->udp_next = (uint16_t)(mi->udp_lo + rng_below(&h->rng,
		    (uint32_t)mi->udp_hi - mi->udp_lo + 1));
	}
}

static void
host_reboot(struct gen *g, struct host *h, uint32_t hidx, uint64_t now_us)
{
	host_boot(h);
	sched(g, now_us + sec_to_us(rng_range(&h->rng, 2 * 3600.0,
	    6 * 3600.0)), EV_REBOOT, hidx, 0, NULL);
}

/*
 * Set-up: servers, hosts, initial events.
 */

static void
addr_string(int af, const void *a, char *buf, uint8_t *ret_len)
{
	if (inet_ntop(af, a, buf, ADDR_BUF) == NULL)
		fatalx("inet_ntop: %s", strerror(errno));
	*ret_len = (uint8_t)strlen(buf);
}

/* a built-in address pair, normalised through inet_pton/inet_ntop */
static void
addr_fixed(const char *v4, const char *v6, char *buf4, uint8_t *ret_len4,
    char *buf6, uint8_t *ret_len6)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, v4, &a4) != 1 ||
	    inet_pton(AF_INET6, v6, &a6) != 1)
		fatalx("bad built-in address %s / %s", v4, v6);
	addr_string(AF_INET, &a4, buf4, ret_len4);
	addr_string(AF_INET6, &a6, buf6, ret_len6);
}

/*
 * Popular servers: distinct IPv4 addresses in the benchmark range
 * 198.18.0.0/15, IPv6 in 2001:db8::/32; Zipf popularity over a random
 * permutation.  Then the external resolvers and NTP servers.
 */
static void
servers_init(struct gen *g)
{
	static const char *fixed[NRESOLVERS + NNTP][2] = {
		{ "198.51.100.53", "2001:db8:53::53" },
		{ "192.0.2.53", "2001:db8:53::153" },
		{ "198.51.100.153", "2001:db8:53:1::53" },
		{ "192.0.2.153", "2001:db8:53:1::153" },
		{ "192.0.2.123", "2001:db8:123::1" },
		{ "198.51.100.123", "2001:db8:123::2" },
		{ "192.0.2.223", "2001:db8:123::3" },
		{ "198.51.100.223", "2001:db8:123::4" },
	};
	struct server *sv;
	uint8_t *seen;
	unsigned char a6[16];
	uint32_t i, j, x, a4;
	uint16_t tmp;
	double sum;

	g->nservers = NPOP_SERVERS + NRESOLVERS + NNTP;
	g->servers = calloc(g->nservers, sizeof(*g->servers));
	g->zipf_cdf = calloc(NPOP_SERVERS, sizeof(*g->zipf_cdf));
	g->zipf_map = calloc(NPOP_SERVERS, sizeof(*g->zipf_map));
	seen = calloc(1 << 17, 1);
	if (g->servers == NULL || g->zipf_cdf == NULL ||
	    g->zipf_map == NULL || seen == NULL)
		fatalx("out of memory");

	for (i = 0; i < NPOP_SERVERS; i++) {
		do {
			x = rng_below(&g->rng, 1 << 17);
		} while ((x & 0xff) == 0 || (x & 0xff) == 0xff || seen[x]);
		seen[x] = 1;
		a4 = htonl((198U << 24) | (18U << 16) | x);
		addr_string(AF_INET, &a4, g->servers[i].v4,
		    &g->servers[i].v4_len);
		memset(a6, 0, sizeof(a6));
		a6[0] = 0x20;
		a6[1] = 0x01;
		a6[2] = 0x0d;
		a6[3] = 0xb8;
		x = 1 + rng_below(&g->rng, 0xfffe);
		a6[4] = (unsigned char)(x >> 8);
		a6[5] = (unsigned char)x;
		a6[6] = (unsigned char)((i + 1) >> 8);
		a6[7] = (unsigned char)(i + 1);
		x = 1 + rng_below(&g->rng, 0xfffe);
		a6[14] = (unsigned char)(x >> 8);
		a6[15] = (unsigned char)x;
		addr_string(AF_INET6, a6, g->servers[i].v6,
		    &g->servers[i].v6_len);
	}
	free(seen);
	for (i = 0; i < NRESOLVERS + NNTP; i++) {
		sv = &g->servers[NPOP_SERVERS + i];
		addr_fixed(fixed[i][0], fixed[i][1], sv->v4, &sv->v4_len,
		    sv->v6, &sv->v6_len);
	}

	sum = 0;
	for (i = 0; i < NPOP_SERVERS; i++) {
		sum += pow(i + 1.0, -ZIPF_S);
		g->zipf_cdf[i] = sum;
	}
	for (i = 0; i < NPOP_SERVERS; i++)
		g->zipf_cdf[i] /= sum;
	g->zipf_cdf[NPOP_SERVERS - 1] = 2.0;	/* guard against rounding */
	for (i = 0; i < NPOP_SERVERS; i++)
		g->zipf_map[i] = (uint16_t)i;
	for (i = NPOP_SERVERS - 1; i > 0; i--) {
		j = rng_below(&g->rng, i + 1);
		tmp = g->zipf_map[i];
		g->zipf_map[i] = g->zipf_map[j];
		g->zipf_map[j] = tmp;
	}
}

/*
 * Client addresses.  IPv4: 192.168.1.10 upwards, 240 per /24; every tenth
 * host lives in 10.20.0.0/16 and another tenth in 100.64.0.0/10.  IPv6:
 * fd00:1::<n>.  The gateway (the LAN resolver) is .1 / fd00:1::1.
 */
static void
host_addr(struct host *h, uint32_t *n4, uint32_t pool_n[3], uint32_t *n6)
{
	unsigned char a6[16], g6[16];
	uint32_t a4, g4, j, pool, v;

	if (h->v6) {
		memset(a6, 0, sizeof(a6));
		a6[0] = 0xfd;
		a6[3] = 0x01;
		memcpy(g6, a6, sizeof(g6));
		g6[15] = 1;
		v = 2 + (*n6)++;
		a6[12] = (unsigned char)(v >> 24);
		a6[13] = (unsigned char)(v >> 16);
		a6[14] = (unsigned char)(v >> 8);
		a6[15] = (unsigned char)v;
		addr_string(AF_INET6, a6, h->addr, &h->addr_len);
		addr_string(AF_INET6, g6, h->gw, &h->gw_len);
		return;
	}
	pool = *n4 % 10 == 7 ? 1 : *n4 % 10 == 9 ? 2 : 0;
	(*n4)++;
	j = pool_n[pool]++;
	switch (pool) {
	case 0:
		a4 = (192U << 24) | (168U << 16) | ((1 + j / 240) << 8) |
		    (10 + j % 240);
		g4 = (192U << 24) | (168U << 16) | ((1 + j / 240) << 8) | 1;
		break;
	case 1:
		a4 = (10U << 24) | (20U << 16) | ((j / 240) << 8) |
		    (10 + j % 240);
		g4 = (10U << 24) | (20U << 16) | 1;
		break;
	default:
		a4 = (100U << 24) | ((64 + j / 240 / 256) << 16) |
		    (((j / 240) % 256) << 8) | (10 + j % 240);
		g4 = (100U << 24) | (64U << 16) | 1;
		break;
	}
	a4 = htonl(a4);
	g4 = htonl(g4);
	addr_string(AF_INET, &a4, h->addr, &h->addr_len);
	addr_string(AF_INET, &g4, h->gw, &h->gw_len);
}

/* first 8 hosts one per model, the rest drawn by share */
static enum model
model_pick(struct gen *g, uint32_t i)
{
	double u, acc = 0;
	int m;

	if (i < M_COUNT)
		return (enum model)i;
	u = rng_unif(&g->rng);
	for (m = 0; m < M_COUNT - 1; m++) {
		acc += models[m].share;
		if (u < acc)
			break;
	}
	return (enum model)m;
}

/*
 * A host's streams and first events, t0_us into the capture (0 except for
 * a nat_behind device, which appears then, in use for an hour at least
 * when force_on).
 */
static void
host_init(struct gen *g, uint32_t i, uint64_t t0_us, bool force_on)
{
	struct host *h = &g->hosts[i];
	const struct model_info *mi = &models[h->model];
	struct rng *r = &h->rng;
	uint32_t k;

	rng_seed(r, mix64(g->o.seed) ^ mix64(0x686f7374ULL + i));
	h->dhps_key = rng_next(r);
	h->epoch_phase_us = rng_below(r, DHPS_PERIOD_US);
	h->burst_mean_s = rng_range(r, 20.0, 60.0) / g->o.activity;
	h->ping_mean_s = rng_range(r, 20.0, 120.0) * 60.0;
	h->ntp_interval_s = ntp_polls_s[rng_below(r, 5)];
	h->ntp_fixed = rng_unif(r) < 0.20;
	h->ntp_server = NPOP_SERVERS + NRESOLVERS + rng_below(r, NNTP);
	h->local_dns = rng_unif(r) < 0.70;
	h->resolver = NPOP_SERVERS + rng_below(r, NRESOLVERS);
	h->iot_fixed_start = rng_unif(r) < 0.5;
	h->tcp_next = (uint16_t)(mi->tcp_lo + rng_below(r,
	    (uint32_t)mi->tcp_hi - mi->tcp_lo + 1));
	h->udp_next = (uint16_t)(mi->udp_lo + rng_below(r,
	    (uint32_t)mi->udp_hi - mi->udp_lo + 1));
	if (h->model == M_IOT)
		host_boot(h);

	/* background connections: platform push port first */
	h->nbg = (uint8_t)(3 + rng_below(r, 6));
	for (k = 0; k < h->nbg; k++) {
		h->bg_server[k] = zipf_draw(g, r);
		h->bg_dport[k] = k == 0 ? mi->push_port :
		    bg_ports[rng_below(r, 4)];
		sched(g, t0_us + sec_to_us(rng_range(r, 0.0, 300.0)), EV_BG,
		    i, k, NULL);
	}

	/* ~60 % start in an ON period, at a random point of it */
	h->on = rng_unif(r) < 0.60;
	if (force_on) {
		/* in use for an hour and a session at least */
		h->on = true;
		sched(g, t0_us + sec_to_us(3600.0 + session_len_s(r, true)),
		    EV_SESSION, i, 0, NULL);
	} else
		sched(g, t0_us + sec_to_us(rng_unif(r) *
		    session_len_s(r, h->on)), EV_SESSION, i, 0, NULL);
	if (h->on)
		sched(g, t0_us + sec_to_us(rng_exp(r, h->burst_mean_s)),
		    EV_BURST, i, h->session_gen, NULL);
	sched(g, t0_us + sec_to_us(rng_unif(r) * h->ntp_interval_s), EV_NTP,
	    i, 0, NULL);
	sched(g, t0_us + sec_to_us(rng_exp(r, h->ping_mean_s)), EV_PING, i,
	    0, NULL);
	if (h->model == M_IOT)
		sched(g, t0_us + sec_to_us(rng_range(r, 2 * 3600.0,
		    6 * 3600.0)), EV_REBOOT, i, 0, NULL);
}

static void
gen_init(struct gen *g)
{
	uint32_t i, j, n6, n4, nv6, pool_n[3] = { 0, 0, 0 };
	uint32_t *order;

	rng_seed(&g->rng, g->o.seed);
	g->ct_key = (uint32_t)rng_next(&g->rng);
	g->obuf = malloc(OBUF_SIZE);
	g->perturb = calloc(PERTURB_SIZE, sizeof(*g->perturb));
	g->nvirt = 0;
	for (i = 0; i < g->o.nspecs; i++)
		if (g->o.specs[i].kind == XK_NAT_BEHIND)
			g->nvirt += 2;
	g->hosts = calloc(g->o.nhosts + g->nvirt, sizeof(*g->hosts));
	order = calloc(g->o.nhosts, sizeof(*order));
	if (g->obuf == NULL || g->perturb == NULL || g->hosts == NULL ||
	    order == NULL)
		fatalx("out of memory");
	for (i = 0; i < PERTURB_SIZE; i++)
		g->perturb[i] = (uint32_t)rng_next(&g->rng);
	addr_fixed(PUBLIC4, PUBLIC6, g->public4, &g->public4_len,
	    g->public6, &g->public6_len);
	kset_init(&g->held, 1 << 12);
	kset_init(&g->nat, 1 << 12);
	servers_init(g);

	for (i = 0; i < g->o.nhosts; i++)
		g->hosts[i].model = (uint8_t)model_pick(g, i);

	/* exactly round(share * n) IPv6 hosts, chosen at random */
	nv6 = (uint32_t)floor(g->o.v6_share * g->o.nhosts + 0.5);
	for (i = 0; i < g->o.nhosts; i++)
		order[i] = i;
	for (i = 0; i < nv6; i++) {
		j = i + rng_below(&g->rng, g->o.nhosts - i);
		n6 = order[i];
		order[i] = order[j];
		order[j] = n6;
		g->hosts[order[i]].v6 = true;
	}
	free(order);

	n4 = n6 = 0;
	for (i = 0; i < g->o.nhosts; i++) {
		g->hosts[i].space = i;
		g->hosts[i].stop_us = UINT64_MAX;
		host_addr(&g->hosts[i], &n4, pool_n, &n6);
		host_init(g, i, 0, false);
	}
	if (g->o.nspecs > 0)
		scenario_init(g);
}

static void
gen_free(struct gen *g)
{
	struct flow_chunk *c;
	uint32_t i;

	while ((c = g->chunks) != NULL) {
		g->chunks = c->next;
		free(c);
	}
	kset_free(&g->held);
	kset_free(&g->nat);
	if (g->inj != NULL) {
		for (i = 0; i < g->ninj; i++)
			free(g->inj[i].ports);
		kset_free(&g->tuples);
	}
	free(g->inj);
	free(g->tele);
	free(g->heap.v);
	free(g->hosts);
	free(g->servers);
	free(g->zipf_cdf);
	free(g->zipf_map);
	free(g->perturb);
	free(g->obuf);
}

/*
 * Scenarios (gencap.md, "Scenarios"): anomaly injectors, each on its own
 * otherwise normal IPv4 host from a given time on, and benign look-alike
 * hosts from the start of the capture.  Each has its own random stream
 * and so has the telemetry of every host, so the rest of the population
 * draws what it would draw without them.
 */

#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))

enum xwhat {
	XW_TICK,		/* the next probe, packet, query or burst */
	XW_CHAIN,		/* a session of chain `sub` */
	XW_SIDE			/* a side activity: SIP call, short ssh */
};

/* conntrack's view of a scenario flow (xflow_start) */
#define SH_UNREPLIED		TE_SYN_SENT, 0	/* SYN never answered */
#define SH_REFUSED		TE_CLOSE, F_REPLIED	/* RST, or SYN-ACK
							   reset by a raw
							   sender's kernel */
#define SH_FIN			TE_TIME_WAIT, F_REPLIED | F_ASSURED
#define SH_RST			TE_CLOSE, F_REPLIED | F_ASSURED

static uint64_t
tuple_key(const struct gen *g, const struct flow *f)
{
	uint64_t d;

	d = f->flags & F_DST4 ? f->dst4 : (1ULL << 32) | f->server;
	return (1ULL << 63) | mix64(mix64((uint64_t)
	    g->hosts[f->host].space << 33 ^ d) ^ ((uint64_t)f->proto << 32 |
	    (uint64_t)f->dport << 16 | f->sport));
}

/* how many TCP ports the stack can hand out */
static uint32_t
tcp_capacity(const struct model_info *mi)
{
	uint32_t n = (uint32_t)mi->tcp_hi - mi->tcp_lo + 1;

	return mi->tcp_alloc == ALLOC_DHPS ? (n + 1) / 2 : n;
}

/*
 * A scenario flow starts.  K_RAW keeps its given port, unless its original
 * tuple is still live in conntrack: then the packet joins that entry and no
 * NEW is written.  K_SHAPED takes a port from the host's stack; when every
 * port is held, connect() fails (EADDRNOTAVAIL) and no flow appears.  The
 * final state, replied bits and active time were fixed when it was planned.
 */
static void
xflow_start(struct gen *g, struct flow *f, uint64_t now_us)
{
	struct host *h = &g->hosts[f->host];
	struct host *sp = &g->hosts[h->space];
	uint64_t active_us = f->active_end_us, destroy_us, to_s;

	if (f->flags & F_RAW) {
		if (kset_count(&g->tuples, tuple_key(g, f)) != 0) {
			flow_put(g, f);
			return;
		}
		kset_add(&g->tuples, tuple_key(g, f));
	} else {
		if (f->proto == PROTO_TCP) {
			if (sp->tcp_held >= tcp_capacity(&models[h->model]))
				goto fail;
			f->sport = alloc_tcp(g, h, h->space, f, now_us);
		} else
			f->sport = alloc_udp(g, h, h->space, f);
		if (port_held(g, h->space, f->proto, f->sport))
			goto fail;
		kset_add(&g->held, held_key(h->space, f->proto, f->sport));
		if (f->proto == PROTO_TCP)
			sp->tcp_held++;
	}
	f->nat_port = nat_pick(g, h, f);
	f->flags |= F_NAT;
	f->ct_id = ct_id_next(g);

	if (f->proto == PROTO_TCP && f->end_state == TE_SYN_SENT) {
		f->flags &= (uint8_t)~(F_REPLIED | F_ASSURED);
		f->active_end_us = now_us;
		destroy_us = now_us + TO_TCP_SYN_SENT * US_PER_S;
	} else {
		f->active_end_us = now_us + active_us;
		if (f->proto == PROTO_TCP)
			to_s = f->end_state == TE_CLOSE ? TO_TCP_CLOSE :
			    TO_TCP_TIME_WAIT;
		else if (f->proto != PROTO_UDP)
			to_s = TO_ICMP;
		else
			to_s = f->flags & F_ASSURED ? TO_UDP_STREAM : TO_UDP;
		destroy_us = f->active_end_us + to_s * US_PER_S;
	}
	h->flows++;
	if (f->proto == PROTO_TCP)
		h->tcp_flows++;
	out_flow(g, f, now_us, false);
	sched(g, destroy_us, EV_FLOW_DESTROY, f->host, 0, f);
	return;
fail:
	g->connect_failed++;
	flow_put(g, f);
}

/*
 * Plan a scenario flow at t_us: from sport (K_RAW; 0: the stack's
 * allocator, K_SHAPED) to dst4 (0: to the server), with conntrack's final
 * state, replied bits and active time.  UDP still flowing after 2 s is a
 * stream (ASSURED, 120-s timeout).
 */
static void
x_flow(struct gen *g, uint32_t hidx, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t server, uint16_t dport,
    uint8_t end, uint8_t flags, double active_s)
{
	struct flow *f = flow_get(g);

	f->host = hidx;
	f->kind = sport != 0 ? K_RAW : K_SHAPED;
	f->proto = proto;
	f->sport = sport;
	f->dst4 = dst4;
	f->server = server;
	f->dport = dport;
	f->end_state = end;
	if (proto == PROTO_UDP && (flags & F_REPLIED) && active_s >= 2.0)
		flags |= F_ASSURED;
	f->flags = flags | (dst4 != 0 ? F_DST4 : 0) |
	    (sport != 0 ? F_RAW : 0);
	f->active_end_us = sec_to_us(active_s);
	sched(g, t_us, EV_FLOW_NEW, hidx, 0, f);
}

/* x_flow for an injector, which remembers its last activity */
static void
x_plan(struct gen *g, struct inj *x, uint64_t t_us, uint8_t proto,
    uint16_t sport, uint32_t dst4, uint16_t server, uint16_t dport,
    uint8_t end, uint8_t flags, double active_s)
{
	x_flow(g, x->host, t_us, proto, sport, dst4, server, dport, end,
	    flags, active_s);
	if (t_us > x->last_us)
		x->last_us = t_us;
}

/* the injector's next event; aux: index, what << 16, sub << 24 */
static void
x_at(struct gen *g, struct inj *x, uint64_t t_us, enum xwhat what,
    unsigned int sub)
{
	sched(g, t_us, EV_INJ, x->host, (uint32_t)(x - g->inj) |
	    (uint32_t)what << 16 | (uint32_t)sub << 24, NULL);
}

/* the next tick gap_s later (times jitter), unless past stop or done */
static void
x_again(struct gen *g, struct inj *x, uint64_t now_us, double gap_s)
{
	uint64_t t = now_us + sec_to_us(gap_s);

	if (x->i < x->n && t < x->stop_us)
		x_at(g, x, t, XW_TICK, 0);
}

static double
rng_logu(struct rng *r, double lo, double hi)
{
	return lo * pow(hi / lo, rng_unif(r));
}

/* an address in 198.18.0.0/15, last octet 1..254 */
static uint32_t
ext4_from(uint64_t m)
{
	return IP4(198, 18, 0, 0) | (uint32_t)(m & 0x1ff00) |
	    (uint32_t)(1 + (m >> 17) % 254);
}

static uint32_t
rng_ext4(struct rng *r)
{
	return ext4_from(rng_next(r));
}

/* probe order: i -> (a * i + b) mod n, a bijection of [0, n) */
static void
perm_init(struct inj *x, uint64_t n)
{
	uint64_t a, b, t;

	x->perm_n = n;
	do {
		a = 1 + rng_below(&x->rng, n);
		for (b = n, t = a; t != 0; ) {	/* gcd(a, n) */
			uint64_t m = b % t;

			b = t;
			t = m;
		}
	} while (b != 1 && n > 1);
	x->perm_a = a;
	x->perm_b = rng_below(&x->rng, n);
}

static inline uint32_t
perm_at(const struct inj *x, uint64_t i)
{
	return (uint32_t)((x->perm_a * i + x->perm_b) % x->perm_n);
}

/*
 * nmap -sS (ports.md 4): one base port 33000 + rand % 32261 per scan
 * phase, base + try number on retransmissions, +256 (mod 32261) for the
 * next phase.  Phase 0 is host discovery (ICMP echo and SYN to 443 per
 * target), phase 1 the top-1000 ports on 1..16 consecutive targets in a
 * random order.  A port is filtered (90 %: unanswered, retransmitted from
 * base+1, then 30 % base+2, then a third of those base+3), closed (8 %:
 * RST) or open (2 %: SYN-ACK, which the scanner's own kernel resets);
 * conntrack sees CLOSE for both.
 */
static void
nmap_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const uint16_t top[] = {
		80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135,
		3306, 8080, 1723, 111, 995, 993, 5900, 1025, 587, 8888, 199,
		1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026,
		2000, 8443, 8000, 32768, 554, 26, 1433, 49152, 2001, 515,
		8008, 49154, 1027, 5666, 646,
	};
	struct rng *r = &x->rng;
	uint8_t *seen;
	uint32_t k, p;
	double pps;

	x->sport = (uint16_t)(33000 + rng_below(r, 32261));
	x->span = 1 + rng_below(r, 16);
	x->dst4 = (rng_ext4(r) & ~0xffU) | (1 + rng_below(r, 255 - x->span));
	x->nports = NMAP_PORTS;
	x->ports = calloc(NMAP_PORTS, sizeof(*x->ports));
	seen = calloc(65536, 1);
	if (x->ports == NULL || seen == NULL)
		fatalx("out of memory");
	for (k = 0; k < NMAP_PORTS; k++) {
		if (k < sizeof(top) / sizeof(top[0]))
			p = top[k];
		else
			do {
				p = 1 + rng_below(r, 10000);
			} while (seen[p]);
		seen[p] = 1;
		x->ports[k] = (uint16_t)p;
	}
	free(seen);
	perm_init(x, (uint64_t)x->span * NMAP_PORTS);
	x->n = 2 * x->span + (uint32_t)x->perm_n;
	pps = sp->has_dur ? x->n / (double)sp->dur_s :
	    rng_logu(r, 100.0, 1000.0);
	x->gap_s = 1.0 / pps;
	x->stop_us = UINT64_MAX;
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
nmap_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t j, tgt, tries;
	uint64_t t;
	uint16_t port;
	double u;

	if (x->i < 2 * x->span) {
		tgt = x->dst4 + x->i / 2;
		if (x->i % 2 == 0)
			x_plan(g, x, now_us, PROTO_ICMP,
			    (uint16_t)(1 + rng_below(r, 65535)), tgt, 0, 0, 0,
			    F_REPLIED, rng_range(r, 0.005, 0.1));
		else
			x_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0, 443,
			    SH_REFUSED, 0);
	} else {
		if (x->i == 2 * x->span)	/* the port scan: a new phase */
			x->sport = (uint16_t)(33000 +
			    (x->sport - 33000 + 256) % 32261);
		j = perm_at(x, x->i - 2 * x->span);
		tgt = x->dst4 + j % x->span;
		port = x->ports[j / x->span];
		u = rng_unif(r);
		if (u < 0.90) {
			x_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0, port,
			    SH_UNREPLIED, 0);
			t = now_us;
			for (tries = 1; tries <= 3; tries++) {
				if (tries > 1 &&
				    rng_unif(r) >= (tries == 2 ? 0.3 : 0.33))
					break;
				t += sec_to_us(tries * rng_range(r, 0.5, 2.0));
				x_plan(g, x, t, PROTO_TCP,
				    (uint16_t)(x->sport + tries), tgt, 0, port,
				    SH_UNREPLIED, 0);
			}
		} else
			x_plan(g, x, now_us, PROTO_TCP, x->sport, tgt, 0, port,
			    SH_REFUSED, 0);
	}
	x->i++;
	x_again(g, x, now_us, x->gap_s * rng_range(r, 0.5, 1.5));
}

/*
 * masscan (ports.md 4): source port P = 40000 + (start time mod 20000),
 * every probe from P or P+16; a random order without repeats over a block
 * of 1024..16384 addresses times 1..8 ports; --rate 100..500 pps; no
 * retransmissions; 97 % unanswered, the rest RST or reset by the sender.
 */
static void
masscan_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const uint16_t list[] = {
		80, 443, 22, 8080, 3389, 23, 21, 25, 445, 8443, 3306, 5900,
		110, 143, 53, 139,
	};
	struct rng *r = &x->rng;
	uint32_t k, j, nl = sizeof(list) / sizeof(list[0]);
	uint16_t pick[sizeof(list) / sizeof(list[0])], tmp;
	double pps, dur;

	x->sport = (uint16_t)(40000 + (g->o.start_epoch + sp->start_s) %
	    20000);
	x->span = 1024U << rng_below(r, 5);
	x->dst4 = IP4(198, 18, 0, 0) +
	    rng_below(r, (1U << 17) / x->span) * x->span;
	x->nports = (uint16_t)(1 + rng_below(r, 8));
	x->ports = calloc(x->nports, sizeof(*x->ports));
	if (x->ports == NULL)
		fatalx("out of memory");
	memcpy(pick, list, sizeof(pick));
	for (k = 0; k < x->nports; k++) {
		j = k + rng_below(r, nl - k);
		tmp = pick[k];
		pick[k] = pick[j];
		pick[j] = tmp;
		x->ports[k] = pick[k];
	}
	perm_init(x, (uint64_t)x->span * x->nports);
	pps = rng_logu(r, 100.0, 500.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 180.0);
	x->n = (uint32_t)fmin((double)x->perm_n, ceil(pps * dur));
	x->gap_s = 1.0 / pps;
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
masscan_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t j = perm_at(x, x->i);
	uint16_t sport = (uint16_t)(x->sport + 16 * rng_below(r, 2));

	if (rng_unif(r) < 0.97)
		x_plan(g, x, now_us, PROTO_TCP, sport, x->dst4 + j % x->span,
		    0, x->ports[j / x->span], SH_UNREPLIED, 0);
	else
		x_plan(g, x, now_us, PROTO_TCP, sport, x->dst4 + j % x->span,
		    0, x->ports[j / x->span], SH_REFUSED, 0);
	x->i++;
	x_again(g, x, now_us, x->gap_s * rng_range(r, 0.9, 1.1));
}

/*
 * hping3 -S (ports.md 4): first source port 1024 + rand % 2000, +1 per
 * packet, to one dst:dport at a fixed interval (1..100 pps, log-uniform)
 * for 2..5 min; the target either never answers or resets every SYN.
 */
static void
hping3_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const uint16_t dports[] = { 80, 443, 22, 8080 };
	struct rng *r = &x->rng;
	double pps, dur;

	x->sport = (uint16_t)(1024 + rng_below(r, 2000));
	x->dst4 = rng_ext4(r);
	x->dport = dports[rng_below(r, 4)];
	x->mode = (uint8_t)rng_below(r, 2);
	pps = rng_logu(r, 1.0, 100.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 120.0, 300.0);
	x->n = (uint32_t)fmax(1.0, floor(pps * dur));
	x->gap_s = 1.0 / pps;
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
hping3_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	uint16_t sport = (uint16_t)(1024 + (x->sport - 1024 + x->i) % 64512);

	if (x->mode == 0)
		x_plan(g, x, now_us, PROTO_TCP, sport, x->dst4, 0, x->dport,
		    SH_UNREPLIED, 0);
	else
		x_plan(g, x, now_us, PROTO_TCP, sport, x->dst4, 0, x->dport,
		    SH_REFUSED, 0);
	x->i++;
	x_again(g, x, now_us, x->gap_s);
}

/*
 * A reverse shell (ports.md 3.4, (b)): one TCP connection from the
 * stack's allocator to an address no other host uses (in 192.0.2.0/24),
 * on TELE_PORT, which every host uses for second-long telemetry check-ins
 * (tele_event), open for 30 min .. 8 h (log-uniform), closed with FIN.
 */
static void
reverse_shell_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t o;
	double life;

	do {
		o = 2 + rng_below(r, 249);
	} while (o == 53 || o == 123 || o == 153 || o == 223);
	x->dst4 = IP4(192, 0, 2, o);
	life = sp->has_dur ? (double)sp->dur_s :
	    rng_logu(r, 1800.0, 8 * 3600.0);
	x_plan(g, x, x->start_us, PROTO_TCP, 0, x->dst4, 0, TELE_PORT,
	    SH_FIN, life);
	x->last_us = x->start_us + sec_to_us(life);
}

/*
 * A port-exhaustion storm (ports.md 6, (b)): one client to one dst:443 at
 * 500..3000 connection attempts/s (log-uniform, Poisson) for 1..5 min,
 * each from the host's own allocator, closed with FIN (120 s TIME_WAIT).
 * Once every port of the range is held, connect() fails and the NEW rate
 * falls to the rate at which TIME_WAIT entries expire.
 */
static void
exhaustion_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	double dur;

	x->dst4 = rng_ext4(r);
	x->dport = 443;
	x->gap_s = 1.0 / rng_logu(r, 500.0, 3000.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 300.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->n = UINT32_MAX;
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
exhaustion_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;

	x_plan(g, x, now_us, PROTO_TCP, 0, x->dst4, 0, x->dport, SH_FIN,
	    fmin(rng_lognormal(r, 0.05, 0.7), 2.0));
	x_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Raw-socket or bind() tool out of the stack's range (ports.md 4, (b)):
 * TCP SYNs at 10..100 pps for 1..5 min to 1..8 popular servers, from
 * random ports in 1024-32767 or 61000-65535 on a Linux host, in 1024-49151
 * on a Windows host; 85 % are answered and reset at once.
 */
static void
raw_range_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	struct rng *r = &x->rng;
	uint32_t k;
	double dur;

	x->mode = g->hosts[x->host].model == M_LINUX ? 0 : 1;
	x->gap_s = 1.0 / rng_logu(r, 10.0, 100.0);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 60.0, 300.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->n = UINT32_MAX;
	x->nsrv = (uint8_t)(1 + rng_below(r, MAX_XSRV));
	for (k = 0; k < x->nsrv; k++) {
		x->srv[k] = zipf_draw(g, r);
		x->srv_dport[k] = rng_unif(r) < 0.8 ? 443 : 80;
	}
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
raw_range_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t p, k = rng_below(r, x->nsrv);

	if (x->mode == 0) {
		p = rng_below(r, (32768 - 1024) + (65536 - 61000));
		p = p < 32768 - 1024 ? 1024 + p : 61000 + p - (32768 - 1024);
	} else
		p = 1024 + rng_below(r, 49152 - 1024);
	if (rng_unif(r) < 0.85)
		x_plan(g, x, now_us, PROTO_TCP, (uint16_t)p, 0, x->srv[k],
		    x->srv_dport[k], SH_REFUSED, rng_range(r, 0.0, 0.2));
	else
		x_plan(g, x, now_us, PROTO_TCP, (uint16_t)p, 0, x->srv[k],
		    x->srv_dport[k], SH_UNREPLIED, 0);
	x_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Fixed-source-port malware (ports.md 4, (b)): TCP from port 1337, 53 or
 * 443 (SO_REUSEADDR or raw) to 20..500 distinct addresses over about
 * 10 min, mostly on one dport; 60 % complete and close with FIN, 10 % are
 * reset, 30 % never answered.
 */
static void
fixed_sport_setup(struct gen *g, struct inj *x, const struct spec *sp)
{
	static const uint16_t sports[] = { 1337, 53, 443 };
	struct rng *r = &x->rng;
	double dur;

	x->sport = sports[rng_below(r, 3)];
	x->mode = (uint8_t)rng_below(r, 3);
	x->n = 20 + rng_below(r, 481);
	dur = sp->has_dur ? (double)sp->dur_s : rng_range(r, 480.0, 720.0);
	x->stop_us = x->start_us + sec_to_us(dur);
	x->gap_s = dur / x->n;
	x_at(g, x, x->start_us, XW_TICK, 0);
}

static void
fixed_sport_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	static const uint16_t dports[] = { 443, 80, 8080 };
	struct rng *r = &x->rng;
	uint32_t dst = rng_ext4(r);
	uint16_t dport;
	double u;

	dport = dports[rng_unif(r) < 0.8 ? x->mode : rng_below(r, 3)];
	u = rng_unif(r);
	if (u < 0.6)
		x_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_FIN, rng_range(r, 0.2, 5.0));
	else if (u < 0.7)
		x_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_RST, rng_range(r, 0.1, 2.0));
	else
		x_plan(g, x, now_us, PROTO_TCP, x->sport, dst, 0, dport,
		    SH_UNREPLIED, 0);
	x->i++;
	x_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * NAT behind the host (tethering, a VM host, an inner router; ports.md
 * (b)): from the start on, two more complete devices send through the
 * host's address, so that a Windows sequential, a Linux DHPS and an lwIP
 * stack interleave (the host is one of the first two).  They start in an
 * ON period, so the address carries about three times its traffic.  The
 * inner NAT keeps ports unless taken: the devices share the host's held
 * ports.
 */
static void
nat_behind_setup(struct gen *g, struct inj *x, const struct spec *sp,
    uint32_t *vnext)
{
	static const uint8_t trio[] = { M_WINDOWS, M_LINUX, M_IOT };
	struct host *c = &g->hosts[x->host], *v;
	uint32_t k, vi;

	x->stop_us = sp->has_dur ? x->start_us + sp->dur_s * US_PER_S :
	    UINT64_MAX;
	for (k = 0; k < 3; k++) {
		if (trio[k] == c->model)
			continue;
		vi = g->o.nhosts + (*vnext)++;
		v = &g->hosts[vi];
		memcpy(v->addr, c->addr, sizeof(v->addr));
		memcpy(v->gw, c->gw, sizeof(v->gw));
		v->addr_len = c->addr_len;
		v->gw_len = c->gw_len;
		v->model = trio[k];
		v->space = x->host;
		v->stop_us = x->stop_us;
		host_init(g, vi, x->start_us, true);
	}
	x->last_us = x->stop_us;
}

/*
 * Benign look-alikes.  BitTorrent (ports.md 1.10, (b)): one fixed UDP port
 * (6881, 51413 or random at install) to 50..500 peers an hour from a pool
 * of 4 hours' worth; 75 % of peers answer and talk for 30 s .. 10 min.
 */
static void
p2p_setup(struct gen *g, struct inj *x)
{
	struct rng *r = &x->rng;
	double u = rng_unif(r), peers_h;

	x->sport = u < 1 / 3.0 ? 6881 : u < 2 / 3.0 ? 51413 :
	    (uint16_t)(10000 + rng_below(r, 50000));
	peers_h = rng_range(r, 50.0, 500.0);
	x->gap_s = 3600.0 / peers_h;
	x->span = (uint32_t)(4 * peers_h);
	x->dst4 = (uint32_t)rng_next(r);	/* the pool's key */
	x->n = UINT32_MAX;
	x_at(g, x, sec_to_us(rng_range(r, 0.0, 120.0)), XW_TICK, 0);
}

static void
p2p_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint64_t m = mix64(x->dst4 ^ ((uint64_t)rng_below(r, x->span) << 32));
	uint16_t dport = (uint16_t)(1024 + (m >> 40) % 64512);

	if (rng_unif(r) < 0.75)
		x_plan(g, x, now_us, PROTO_UDP, x->sport, ext4_from(m), 0,
		    dport, 0, F_REPLIED, rng_range(r, 30.0, 600.0));
	else
		x_plan(g, x, now_us, PROTO_UDP, x->sport, ext4_from(m), 0,
		    dport, 0, 0, 0);
	x_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * SIP (ports.md 1.10, (b)): UDP 5060 to the registrar's 5060.  Half the
 * phones send a keep-alive every 15..30 s, so one conntrack entry lives
 * all day; the others REGISTER every 5..60 min, one short entry each.
 * Calls, about every 90 min: an INVITE (a new entry for the second kind)
 * and RTP plus RTCP from an even port in 10000-19998 to a media server,
 * for 1..20 min.
 */
static void
sip_setup(struct gen *g, struct inj *x)
{
	struct rng *r = &x->rng;

	x->dst4 = IP4(198, 51, 100, 60 + rng_below(r, 10));
	x->mode = (uint8_t)rng_below(r, 2);
	x->period_s = rng_range(r, 300.0, 3600.0);
	x->n = UINT32_MAX;
	if (x->mode == 0)
		x_plan(g, x, sec_to_us(rng_range(r, 0.0, 60.0)), PROTO_UDP,
		    5060, x->dst4, 0, 5060, 0, F_REPLIED, FOREVER_S);
	else
		x_at(g, x, sec_to_us(rng_range(r, 0.0, 60.0)), XW_TICK, 0);
	x_at(g, x, sec_to_us(rng_exp(r, 5400.0)), XW_SIDE, 0);
}

static void
sip_event(struct gen *g, struct inj *x, uint64_t now_us, enum xwhat what)
{
	struct rng *r = &x->rng;
	uint32_t media = IP4(198, 51, 100, 100 + rng_below(r, 100));
	uint16_t rtp, peer;
	double len;

	if (what == XW_TICK) {
		x_plan(g, x, now_us, PROTO_UDP, 5060, x->dst4, 0, 5060, 0,
		    F_REPLIED, rng_range(r, 0.05, 0.5));
		x_at(g, x, now_us + sec_to_us(x->period_s *
		    rng_range(r, 0.95, 1.05)), XW_TICK, 0);
		return;
	}
	if (x->mode == 1)
		x_plan(g, x, now_us, PROTO_UDP, 5060, x->dst4, 0, 5060, 0,
		    F_REPLIED, rng_range(r, 2.0, 10.0));
	rtp = (uint16_t)(10000 + 2 * rng_below(r, 5000));
	peer = (uint16_t)(16384 + 2 * rng_below(r, 8192));
	len = rng_range(r, 60.0, 1200.0);
	x_plan(g, x, now_us + 2 * US_PER_S, PROTO_UDP, rtp, media, 0, peer,
	    0, F_REPLIED, len);
	x_plan(g, x, now_us + 2 * US_PER_S, PROTO_UDP, (uint16_t)(rtp + 1),
	    media, 0, (uint16_t)(peer + 1), 0, F_REPLIED, len);
	x_at(g, x, now_us + sec_to_us(len + rng_exp(r, 5400.0)), XW_SIDE, 0);
}

/*
 * A DNS resolver on a client (ports.md 1.10): 0.2..2 queries/s, each from
 * a random port in 1024-65535, to a pool of 3000 authoritative servers of
 * skewed popularity; 2 % unanswered; 1 % retried over TCP from the stack.
 */
static void
resolver_setup(struct gen *g, struct inj *x)
{
	struct rng *r = &x->rng;

	x->gap_s = 1.0 / rng_range(r, 0.2, 2.0);
	x->dst4 = (uint32_t)rng_next(r);
	x->n = UINT32_MAX;
	x_at(g, x, sec_to_us(rng_range(r, 0.0, 10.0)), XW_TICK, 0);
}

static void
resolver_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t k = (uint32_t)floor(pow(3000.0, rng_unif(r))) - 1;
	uint32_t dst = ext4_from(mix64(x->dst4 ^ ((uint64_t)k << 32)));
	double u = rng_unif(r);

	if (u < 0.01)
		x_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 53, SH_FIN,
		    rng_range(r, 0.05, 0.5));
	else if (u < 0.03)
		x_plan(g, x, now_us, PROTO_UDP,
		    (uint16_t)(1024 + rng_below(r, 64512)), dst, 0, 53, 0, 0,
		    0);
	else
		x_plan(g, x, now_us, PROTO_UDP,
		    (uint16_t)(1024 + rng_below(r, 64512)), dst, 0, 53, 0,
		    F_REPLIED, rng_range(r, 0.005, 0.15));
	x_again(g, x, now_us, rng_exp(r, x->gap_s));
}

/*
 * Long ssh sessions: one or two chains of sessions of 1..10 h
 * (log-uniform) to 1..3 servers, 5..60 min apart, and a short ssh, scp or
 * git connection (1..30 s) about every 30 min.
 */
static void
long_ssh_setup(struct gen *g, struct inj *x)
{
	struct rng *r = &x->rng;
	uint32_t k, chains = 1 + rng_below(r, 2);

	x->nsrv = (uint8_t)(1 + rng_below(r, 3));
	for (k = 0; k < x->nsrv; k++)
		x->dsts[k] = rng_ext4(r);
	for (k = 0; k < chains; k++)
		x_at(g, x, sec_to_us(rng_range(r, 0.0, 1800.0)), XW_CHAIN, k);
	x_at(g, x, sec_to_us(rng_exp(r, 1800.0)), XW_SIDE, 0);
}

static void
long_ssh_event(struct gen *g, struct inj *x, uint64_t now_us,
    enum xwhat what, unsigned int chain)
{
	struct rng *r = &x->rng;
	uint32_t dst = x->dsts[rng_below(r, x->nsrv)];
	double life;

	if (what == XW_SIDE) {
		x_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 22, SH_FIN,
		    rng_range(r, 1.0, 30.0));
		x_at(g, x, now_us + sec_to_us(rng_exp(r, 1800.0)), XW_SIDE,
		    0);
		return;
	}
	life = rng_logu(r, 3600.0, 36000.0);
	x_plan(g, x, now_us, PROTO_TCP, 0, dst, 0, 22, SH_FIN, life);
	x_at(g, x, now_us + sec_to_us(life + rng_range(r, 300.0, 3600.0)),
	    XW_CHAIN, chain);
}

/*
 * Push and messaging channels (ports.md (b) background, heavier): 4..8
 * chains to popular servers on 5223, 5228 or 8883, each connection open
 * 30 min .. 24 h (log-uniform), reconnecting 1..60 s after it ends.
 */
static void
push_setup(struct gen *g, struct inj *x)
{
	static const uint16_t dports[] = { 5223, 5228, 8883 };
	struct rng *r = &x->rng;
	uint32_t k;

	x->nsrv = (uint8_t)(4 + rng_below(r, 5));
	for (k = 0; k < x->nsrv; k++) {
		x->srv[k] = zipf_draw(g, r);
		x->srv_dport[k] = dports[rng_below(r, 3)];
		x_at(g, x, sec_to_us(rng_range(r, 0.0, 300.0)), XW_CHAIN, k);
	}
}

static void
push_event(struct gen *g, struct inj *x, uint64_t now_us, unsigned int k)
{
	struct rng *r = &x->rng;
	double life = rng_logu(r, 1800.0, 86400.0);

	if (rng_unif(r) < 0.8)
		x_plan(g, x, now_us, PROTO_TCP, 0, 0, x->srv[k],
		    x->srv_dport[k], SH_FIN, life);
	else
		x_plan(g, x, now_us, PROTO_TCP, 0, 0, x->srv[k],
		    x->srv_dport[k], SH_RST, life);
	x_at(g, x, now_us + sec_to_us(life + rng_range(r, 1.0, 60.0)),
	    XW_CHAIN, k);
}

/*
 * Software-update bursts: every 40..120 min (first within 30 min), 2..5
 * waves 10..60 s apart, each of 10..40 parallel TCP/443 connections spread
 * over 1..5 s to 1..4 of the 8 most popular servers (CDNs), each
 * downloading for 1..60 s and closed with FIN.
 */
static void
update_burst_setup(struct gen *g, struct inj *x)
{
	struct rng *r = &x->rng;

	x->period_s = rng_range(r, 2400.0, 7200.0);
	x->n = UINT32_MAX;
	x_at(g, x, sec_to_us(rng_range(r, 60.0, 1800.0)), XW_TICK, 0);
}

static void
update_burst_tick(struct gen *g, struct inj *x, uint64_t now_us)
{
	struct rng *r = &x->rng;
	uint32_t waves = 2 + rng_below(r, 4), ncdn = 1 + rng_below(r, 4);
	uint32_t w, k, nconn;
	uint16_t cdn[4];
	uint64_t t = now_us;
	double spread;

	for (k = 0; k < ncdn; k++)
		cdn[k] = g->zipf_map[rng_below(r, 8)];
	for (w = 0; w < waves; w++) {
		nconn = 10 + rng_below(r, 31);
		spread = rng_range(r, 1.0, 5.0);
		for (k = 0; k < nconn; k++)
			x_plan(g, x, t + sec_to_us(rng_range(r, 0.0, spread)),
			    PROTO_TCP, 0, 0, cdn[rng_below(r, ncdn)], 443,
			    SH_FIN, rng_range(r, 1.0, 60.0));
		t += sec_to_us(spread + rng_range(r, 10.0, 60.0));
	}
	x_at(g, x, now_us + sec_to_us(x->period_s * rng_range(r, 0.8, 1.2)),
	    XW_TICK, 0);
}

static void
x_event(struct gen *g, struct inj *x, uint64_t now_us, unsigned int what,
    unsigned int sub)
{
	switch (x->kind) {
	case XK_NMAP_SYN:
		nmap_tick(g, x, now_us);
		break;
	case XK_MASSCAN:
		masscan_tick(g, x, now_us);
		break;
	case XK_HPING3:
		hping3_tick(g, x, now_us);
		break;
	case XK_EXHAUSTION:
		exhaustion_tick(g, x, now_us);
		break;
	case XK_RAW_RANGE:
		raw_range_tick(g, x, now_us);
		break;
	case XK_FIXED_SPORT:
		fixed_sport_tick(g, x, now_us);
		break;
	case XK_P2P:
		p2p_tick(g, x, now_us);
		break;
	case XK_SIP:
		sip_event(g, x, now_us, (enum xwhat)what);
		break;
	case XK_RESOLVER:
		resolver_tick(g, x, now_us);
		break;
	case XK_LONG_SSH:
		long_ssh_event(g, x, now_us, (enum xwhat)what, sub);
		break;
	case XK_PUSH:
		push_event(g, x, now_us, sub);
		break;
	case XK_UPDATE_BURST:
		update_burst_tick(g, x, now_us);
		break;
	default:		/* reverse_shell, nat_behind: set up once */
		break;
	}
}

/*
 * Telemetry (ports.md (b), "periodic telemetry every 5-60 min"): in a
 * scenario every host checks in with one of NTELE servers on TELE_PORT
 * every 5..60 min (per host, +-10 %), for 0.3 s typically (at most 3 s),
 * so that the port has a population of short flows (reverse_shell).
 */
static void
tele_event(struct gen *g, uint32_t hidx, uint64_t now_us)
{
	struct tele *t = &g->tele[hidx];
	struct rng *r = &t->rng;
	double active = fmin(rng_lognormal(r, 0.3, 0.6), 3.0);

	if (rng_unif(r) < 0.95)
		x_flow(g, hidx, now_us, PROTO_TCP, 0, 0, t->server, TELE_PORT,
		    SH_FIN, active);
	else
		x_flow(g, hidx, now_us, PROTO_TCP, 0, 0, t->server, TELE_PORT,
		    SH_RST, active);
	sched(g, now_us + sec_to_us(t->interval_s * rng_range(r, 0.9, 1.1)),
	    EV_TELE, hidx, 0, NULL);
}

static void
tele_init(struct gen *g)
{
	static const char *addrs[NTELE][2] = {
		{ "198.51.100.80", "2001:db8:8443::1" },
		{ "198.51.100.81", "2001:db8:8443::2" },
		{ "198.51.100.82", "2001:db8:8443::3" },
		{ "198.51.100.83", "2001:db8:8443::4" },
	};
	struct server *sv;
	struct tele *t;
	uint32_t i;

	sv = reallocarray(g->servers, g->nservers + NTELE, sizeof(*sv));
	g->tele = calloc(g->o.nhosts, sizeof(*g->tele));
	if (sv == NULL || g->tele == NULL)
		fatalx("out of memory");
	g->servers = sv;
	g->tele_server = g->nservers;
	for (i = 0; i < NTELE; i++) {
		sv = &g->servers[g->nservers++];
		addr_fixed(addrs[i][0], addrs[i][1], sv->v4, &sv->v4_len,
		    sv->v6, &sv->v6_len);
	}
	for (i = 0; i < g->o.nhosts; i++) {
		t = &g->tele[i];
		rng_seed(&t->rng, mix64(g->o.seed) ^ mix64(0x74656c65ULL + i));
		t->interval_s = rng_range(&t->rng, 300.0, 3600.0);
		t->server = (uint16_t)(g->tele_server +
		    rng_below(&t->rng, NTELE));
		sched(g, sec_to_us(rng_unif(&t->rng) * t->interval_s),
		    EV_TELE, i, 0, NULL);
	}
}

/* a random free IPv4 host of one of the kind's models */
static uint32_t
x_pick_host(struct gen *g, enum xkind kind, uint8_t *taken)
{
	uint32_t i, n = 0, k;

	for (i = 0; i < g->o.nhosts; i++)
		if (!taken[i] && !g->hosts[i].v6 &&
		    (xkinds[kind].models & MB(g->hosts[i].model)))
			n++;
	if (n == 0)
		fatalx("%s: no free IPv4 host of a fitting model; use more "
		    "hosts (-n) or fewer scenarios", xkinds[kind].name);
	k = rng_below(&g->xrng, n);
	for (i = 0;; i++)
		if (!taken[i] && !g->hosts[i].v6 &&
		    (xkinds[kind].models & MB(g->hosts[i].model)) && k-- == 0)
			break;
	taken[i] = 1;
	return i;
}

static void
scenario_init(struct gen *g)
{
	const struct spec *sp;
	struct inj *x;
	uint8_t *taken;
	uint32_t i, vnext = 0;

	rng_seed(&g->xrng, mix64(g->o.seed) ^ 0x7363656e6172696fULL);
	kset_init(&g->tuples, 1 << 12);
	g->inj = calloc(g->o.nspecs, sizeof(*g->inj));
	taken = calloc(g->o.nhosts, 1);
	if (g->inj == NULL || taken == NULL)
		fatalx("out of memory");
	tele_init(g);
	for (i = 0; i < g->o.nspecs; i++) {
		sp = &g->o.specs[i];
		x = &g->inj[g->ninj++];
		x->kind = sp->kind;
		x->host = x_pick_host(g, (enum xkind)sp->kind, taken);
		rng_seed(&x->rng, mix64(g->o.seed) ^ mix64(0x696e6a00ULL + i));
		x->start_us = sp->start_s * US_PER_S;
		x->stop_us = sp->has_dur ? x->start_us + sp->dur_s * US_PER_S :
		    UINT64_MAX;
		x->last_us = x->start_us;
		x->has_dur = sp->has_dur;
		switch (sp->kind) {
		case XK_NMAP_SYN:
			nmap_setup(g, x, sp);
			break;
		case XK_MASSCAN:
			masscan_setup(g, x, sp);
			break;
		case XK_HPING3:
			hping3_setup(g, x, sp);
			break;
		case XK_REVERSE_SHELL:
			reverse_shell_setup(g, x, sp);
			break;
		case XK_EXHAUSTION:
			exhaustion_setup(g, x, sp);
			break;
		case XK_RAW_RANGE:
			raw_range_setup(g, x, sp);
			break;
		case XK_FIXED_SPORT:
			fixed_sport_setup(g, x, sp);
			break;
		case XK_NAT_BEHIND:
			nat_behind_setup(g, x, sp, &vnext);
			break;
		case XK_P2P:
			p2p_setup(g, x);
			break;
		case XK_SIP:
			sip_setup(g, x);
			break;
		case XK_RESOLVER:
			resolver_setup(g, x);
			break;
		case XK_LONG_SSH:
			long_ssh_setup(g, x);
			break;
		case XK_PUSH:
			push_setup(g, x);
			break;
		default:
			update_burst_setup(g, x);
			break;
		}
	}
	free(taken);
}

/*
 * The scenario's ground truth (-G): per injected anomaly and per look-alike
 * host, "address kind start end expected", epoch seconds; a look-alike
 * spans the whole capture.
 */
static void
gt_write(const struct gen *g, const char *path)
{
	const struct inj *x;
	uint64_t start_us, end_us;
	FILE *fp;
	uint32_t i;

	if ((fp = fopen(path, "w")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	for (i = 0; i < g->ninj; i++) {
		x = &g->inj[i];
		if (x->kind >= XK_FIRST_BENIGN) {
			start_us = 0;
			end_us = g->end_us;
		} else {
			start_us = x->start_us;
			end_us = x->last_us < g->end_us ? x->last_us :
			    g->end_us;
			if (end_us < start_us)
				end_us = start_us;
		}
		fprintf(fp, "%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
		    g->hosts[x->host].addr, xkinds[x->kind].name,
		    (uint64_t)(g->o.start_epoch + start_us / US_PER_S),
		    (uint64_t)(g->o.start_epoch + (end_us + US_PER_S - 1) /
		    US_PER_S),
		    xkinds[x->kind].expected);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		fatalx("%s: write error", path);
}

/*
 * After the simulated end no flow starts; DESTROYs of flows that finished
 * before the end are still written, flows still active stay open.
 */
static void
gen_drain(struct gen *g, const struct ev *e)
{
	if (e->flow == NULL)
		return;
	if (e->type == EV_FLOW_DESTROY && e->flow->active_end_us <= g->end_us)
		flow_destroy(g, e->flow, e->t_us);
	else
		flow_put(g, e->flow);
}

static void
gen_run(struct gen *g)
{
	struct host *h;
	struct ev e;
	uint64_t dur_us = g->o.duration_s * US_PER_S;

	g->end_us = dur_us;
	while (heap_pop(&g->heap, &e)) {
		while (!g->draining && e.t_us >= g->end_us) {
			if (g->lines < g->o.min_events)
				g->end_us += dur_us;
			else
				g->draining = true;
		}
		if (g->draining) {
			gen_drain(g, &e);
			continue;
		}
		h = &g->hosts[e.host];
		if (e.t_us >= h->stop_us && e.type != EV_FLOW_DESTROY) {
			/* a nat_behind device has left */
			if (e.flow != NULL)
				flow_put(g, e.flow);
			continue;
		}
		switch (e.type) {
		case EV_FLOW_NEW:
			flow_start(g, e.flow, e.t_us);
			break;
		case EV_FLOW_DESTROY:
			flow_destroy(g, e.flow, e.t_us);
			break;
		case EV_SESSION:
			host_session(g, h, e.host, e.t_us);
			break;
		case EV_BURST:
			host_burst(g, h, e.host, e.t_us, e.aux);
			break;
		case EV_NTP:
			host_ntp(g, h, e.host, e.t_us);
			break;
		case EV_PING:
			host_ping(g, h, e.host, e.t_us);
			break;
		case EV_BG:
			host_bg(g, h, e.host, e.t_us, e.aux);
			break;
		case EV_REBOOT:
			host_reboot(g, h, e.host, e.t_us);
			break;
		case EV_INJ:
			x_event(g, &g->inj[e.aux & 0xffff], e.t_us,
			    (e.aux >> 16) & 0xff, e.aux >> 24);
			break;
		case EV_TELE:
			tele_event(g, e.host, e.t_us);
			break;
		}
	}
	out_flush(g);
}

static void
truth_write(const struct gen *g, const char *path)
{
	const struct model_info *mi;
	const struct host *h;
	FILE *fp;
	uint32_t i;

	if ((fp = fopen(path, "w")) == NULL)
		fatalx("%s: %s", path, strerror(errno));
	for (i = 0; i < g->o.nhosts; i++) {
		h = &g->hosts[i];
		if (h->flows == 0)
			continue;
		mi = &models[h->model];
		fprintf(fp, "%s\t%s\t%s\t%s\t%" PRIu64 "\n", h->addr,
		    mi->name, mi->range_family, mi->allocator, h->tcp_flows);
	}
	if (ferror(fp) | (fclose(fp) != 0))
		fatalx("%s: write error", path);
}

/*
 * Command line.
 */

static void
usage(FILE *fp)
{
	fputs("usage: gencap [-s SEED] [-n HOSTS] [-d SECONDS] "
	    "[-t START_EPOCH] [-o FORMAT]\n"
	    "              [-T TRUTHFILE] [-e MIN_EVENTS] [-6 SHARE] "
	    "[-a FACTOR]\n"
	    "              [-S default] [-I KIND[:START[:DURATION]]]... "
	    "[-B KIND[:COUNT]]...\n"
	    "              [-G GROUNDTRUTH]\n"
	    "  -s, --seed N          PRNG seed (default 1)\n"
	    "  -n, --hosts N         number of client hosts (default 50)\n"
	    "  -d, --duration S      simulated seconds (default 3600)\n"
	    "  -t, --start EPOCH     capture start (default 1795000000)\n"
	    "  -o, --format F        timestamp[,extended][,id] or none\n"
	    "                        (default timestamp,extended,id)\n"
	    "  -T, --truth FILE      write per-host ground truth to FILE\n"
	    "  -e, --min-events N    extend the run until N lines written\n"
	    "  -6, --ipv6-share P    fraction of IPv6 hosts (default 0.1)\n"
	    "  -a, --activity F      page-load rate factor (default 1)\n"
	    "  -S, --scenario NAME   \"default\": every anomaly once, from 3 h "
	    "on,\n"
	    "                        and one host of every look-alike\n"
	    "  -I, --inject SPEC     an anomaly; START and DURATION in s, or "
	    "with\n"
	    "                        m, h or d (default start: half the "
	    "duration)\n"
	    "  -B, --benign SPEC     COUNT hosts with a benign look-alike "
	    "(default 1)\n"
	    "  -G, --ground-truth F  write the scenario's ground truth to F\n"
	    "  -h, --help            show this help\n"
	    "anomalies: nmap_syn masscan hping3 reverse_shell exhaustion "
	    "raw_range\n"
	    "           fixed_sport nat_behind\n"
	    "look-alikes: p2p sip resolver long_ssh push update_burst\n", fp);
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_v)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*ret_v = v;
	return true;
}

/* seconds, or a number with s, m, h or d */
static bool
parse_dur(const char *s, size_t len, uint64_t *ret_s)
{
	uint64_t v = 0, mul = 1;
	size_t i;

	if (len == 0)
		return false;
	switch (s[len - 1]) {
	case 's':
		len--;
		break;
	case 'm':
		mul = 60;
		len--;
		break;
	case 'h':
		mul = 3600;
		len--;
		break;
	case 'd':
		mul = 86400;
		len--;
		break;
	}
	if (len == 0 || len > 9)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret_s = v * mul;
	return true;
}

static struct spec *
spec_add(struct opts *o)
{
	if (o->nspecs >= MAX_SPECS)
		fatalx("at most %d anomalies and look-alike hosts", MAX_SPECS);
	memset(&o->specs[o->nspecs], 0, sizeof(o->specs[0]));
	return &o->specs[o->nspecs++];
}

/* -I KIND[:START[:DURATION]] or -B KIND[:COUNT] */
static void
parse_spec(struct opts *o, const char *arg, bool benign)
{
	const char *f[3], *end;
	size_t flen[3];
	uint64_t count = 1;
	struct spec *sp;
	int k, nf = 0, kind = -1;

	for (f[0] = arg; nf < 3; nf++) {
		end = strchr(f[nf], ':');
		flen[nf] = end != NULL ? (size_t)(end - f[nf]) : strlen(f[nf]);
		if (end == NULL) {
			nf++;
			break;
		}
		if (nf < 2)
			f[nf + 1] = end + 1;
		else
			fatalx("too many fields: %s", arg);
	}
	for (k = 0; k < XK_COUNT; k++)
		if (strlen(xkinds[k].name) == flen[0] &&
		    strncmp(xkinds[k].name, f[0], flen[0]) == 0)
			kind = k;
	if (kind < 0 || (kind >= XK_FIRST_BENIGN) != benign)
		fatalx("unknown %s: %s (see -h)", benign ? "look-alike" :
		    "anomaly", arg);
	if (benign) {
		if (nf > 2 || (nf == 2 && (!parse_dur(f[1], flen[1], &count) ||
		    f[1][flen[1] - 1] < '0' || f[1][flen[1] - 1] > '9' ||
		    count < 1 || count > MAX_SPECS)))
			fatalx("bad look-alike (KIND[:COUNT]): %s", arg);
		while (count-- > 0)
			spec_add(o)->kind = (uint8_t)kind;
		return;
	}
	sp = spec_add(o);
	sp->kind = (uint8_t)kind;
	if (nf >= 2 && flen[1] > 0) {
		if (!parse_dur(f[1], flen[1], &sp->start_s))
			fatalx("bad start: %s", arg);
		sp->has_start = true;
	}
	if (nf >= 3) {
		if (!parse_dur(f[2], flen[2], &sp->dur_s) || sp->dur_s == 0)
			fatalx("bad duration: %s", arg);
		sp->has_dur = true;
	}
}

/*
 * --scenario default: after a quiet learning phase of LEARN_QUIET_S, the
 * anomalies start one after another, evenly over the time left but the
 * last hour, on the minute; then one host of every look-alike.
 */
static void
scenario_default(struct opts *o, uint32_t first)
{
	struct spec tail[MAX_SPECS];
	uint64_t step;
	uint32_t k, ntail = o->nspecs - first, n = sizeof(default_anomalies);

	if (o->duration_s < 6 * 3600)
		fatalx("--scenario default needs at least 6 h (-d 21600)");
	memcpy(tail, &o->specs[first], ntail * sizeof(tail[0]));
	o->nspecs = first;
	step = (o->duration_s - LEARN_QUIET_S - 3600) / n / 60 * 60;
	for (k = 0; k < n; k++) {
		struct spec *sp = spec_add(o);

		sp->kind = default_anomalies[k];
		sp->start_s = LEARN_QUIET_S + k * step;
		sp->has_start = true;
	}
	for (k = XK_FIRST_BENIGN; k < XK_COUNT; k++)
		spec_add(o)->kind = (uint8_t)k;
	if (o->nspecs + ntail > MAX_SPECS)
		fatalx("at most %d anomalies and look-alike hosts", MAX_SPECS);
	memcpy(&o->specs[o->nspecs], tail, ntail * sizeof(tail[0]));
	o->nspecs += ntail;
}

static bool
parse_format(const char *s, unsigned int *ret_fmt)
{
	char buf[64], *tok, *save;
	unsigned int fmt = 0;

	if (strcmp(s, "none") == 0) {
		*ret_fmt = 0;
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "timestamp") == 0)
			fmt |= FMT_TS;
		else if (strcmp(tok, "extended") == 0)
			fmt |= FMT_EXT;
		else if (strcmp(tok, "id") == 0)
			fmt |= FMT_ID;
		else
			return false;
	}
	if (fmt == 0)
		return false;
	*ret_fmt = fmt;
	return true;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "hosts", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'o' },
		{ "truth", required_argument, NULL, 'T' },
		{ "min-events", required_argument, NULL, 'e' },
		{ "ipv6-share", required_argument, NULL, '6' },
		{ "activity", required_argument, NULL, 'a' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "inject", required_argument, NULL, 'I' },
		{ "benign", required_argument, NULL, 'B' },
		{ "ground-truth", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	uint32_t i, scen_at = 0;
	char *end;
	int ch;

	o->seed = 1;
	o->nhosts = 50;
	o->duration_s = 3600;
	o->start_epoch = 1795000000;
	o->fmt = FMT_TS | FMT_EXT | FMT_ID;
	o->truth_path = NULL;
	o->min_events = 0;
	o->v6_share = 0.1;
	o->activity = 1.0;
	o->gt_path = NULL;
	o->scenario = NULL;
	o->nspecs = 0;

	while ((ch = getopt_long(argc, argv, "s:n:d:t:o:T:e:6:a:S:I:B:G:h",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!parse_u64(optarg, 0, UINT64_MAX, &o->seed))
				fatalx("bad seed: %s", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, MAX_HOSTS, &v))
				fatalx("hosts must be 1..%d: %s", MAX_HOSTS,
				    optarg);
			o->nhosts = (uint32_t)v;
			break;
		case 'd':
			/* up to ~10 years of simulated time */
			if (!parse_u64(optarg, 1, 315360000, &o->duration_s))
				fatalx("bad duration: %s", optarg);
			break;
		case 't':
			if (!parse_u64(optarg, 0, 4000000000ULL,
			    &o->start_epoch))
				fatalx("bad start epoch: %s", optarg);
			break;
		case 'o':
			if (!parse_format(optarg, &o->fmt))
				fatalx("bad format (timestamp[,extended]"
				    "[,id] or none): %s", optarg);
			break;
		case 'T':
			o->truth_path = optarg;
			break;
		case 'e':
			if (!parse_u64(optarg, 0, UINT64_MAX, &o->min_events))
				fatalx("bad event count: %s", optarg);
			break;
		case '6':
			errno = 0;
			o->v6_share = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->v6_share >= 0.0 && o->v6_share <= 1.0))
				fatalx("IPv6 share must be 0..1: %s", optarg);
			break;
		case 'a':
			errno = 0;
			o->activity = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->activity > 0.0 && o->activity <= 100.0))
				fatalx("activity must be in (0, 100]: %s",
				    optarg);
			break;
		case 'S':
			if (strcmp(optarg, "default") != 0)
				fatalx("unknown scenario (default): %s",
				    optarg);
			o->scenario = optarg;
			scen_at = o->nspecs;
			break;
		case 'I':
			parse_spec(o, optarg, false);
			break;
		case 'B':
			parse_spec(o, optarg, true);
			break;
		case 'G':
			o->gt_path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (o->scenario != NULL)
		scenario_default(o, scen_at);
	for (i = 0; i < o->nspecs; i++) {
		if (o->specs[i].kind >= XK_FIRST_BENIGN)
			continue;
		if (!o->specs[i].has_start)
			o->specs[i].start_s = o->duration_s / 2;
		if (o->specs[i].start_s >= o->duration_s)
			fatalx("%s starts at %" PRIu64 " s, after the end of "
			    "the capture", xkinds[o->specs[i].kind].name,
			    o->specs[i].start_s);
	}
}

int
main(int argc, char *argv[])
{
	static struct gen g;

	parse_args(argc, argv, &g.o);
	if (setvbuf(stdout, NULL, _IOFBF, OBUF_SIZE) != 0)
		fatalx("setvbuf failed");
	gen_init(&g);
	gen_run(&g);
	if (fflush(stdout) != 0 || ferror(stdout))
		fatalx("stdout: %s", strerror(errno));
	if (g.o.truth_path != NULL)
		truth_write(&g, g.o.truth_path);
	if (g.o.gt_path != NULL)
		gt_write(&g, g.o.gt_path);
	gen_free(&g);
	return 0;
}
