/*
 * flowstorm -- create many new conntrack flows through a NAT gateway, fast.
 *
 * Run inside a client namespace of the test harness (tests/nslib.sh).  Every
 * packet is one new flow at the gateway: a UDP datagram (or, with -t, a TCP
 * SYN) with its own (source address, source port) pair, sent through a raw
 * IPPROTO_RAW socket with sendmmsg() in batches and paced to a target rate
 * with absolute clock_nanosleep() deadlines.  Nothing is received; the
 * program stops by itself after COUNT packets.  See tests/flowstorm.md.
 *
 * Flow i uses source port FIRSTPORT + s, where s = i mod NPORTS (NPORTS =
 * 65536 - FIRSTPORT), in "round" r = i / NPORTS, from source address number
 * (s + r) mod K and to destination port PORT + (r mod NDPORTS).  So the
 * addresses take turns, a round never repeats a source port (masquerade to
 * one public address keeps every port, no search for a free one), and the
 * (address, port) pairs stay distinct for K * NPORTS flows.
 *
 * Only libc is used.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH			64
#define MAX_SRC			256
#define MAX_COUNT		10000000ULL
#define MAX_PLAN_S		300	/* longest COUNT / RATE accepted */
#define MAX_RUN_S		600	/* wall-clock limit of one run */
#define PACE_HZ			1000	/* paced batches a second, at most */
#define NS_PER_S		1000000000ULL
#define NOBUFS_WAIT_NS		100000ULL	/* pause after ENOBUFS */
#define NOBUFS_GIVEUP_S		2	/* ENOBUFS, no progress: give up */
#define SNDTIMEO_S		1	/* longest blocking sendmmsg() */

#define IP_HLEN			20
#define UDP_HLEN		8
#define TCP_HLEN		20
#define PKT_MAX			(IP_HLEN + TCP_HLEN)

#define PROTO_TCP		6
#define PROTO_UDP		17

struct opts {
	struct in_addr	 src[MAX_SRC];
	uint32_t	 nsrc;
	struct in_addr	 dst;
	uint16_t	 dport;		/* first destination port */
	uint32_t	 ndports;	/* 0 until -p */
	uint64_t	 count;
	uint64_t	 rate;		/* flows per second, 0: no pacing */
	uint16_t	 first_sport;
	bool		 quiet;
	bool		 tcp;
};

struct storm {
	const struct opts *o;
	int		 fd;
	uint32_t	 nsports;
	unsigned int	 batch;		/* packets per sendmmsg, <= BATCH */
	size_t		 pkt_len;
	struct sockaddr_in sin;
	uint8_t		 pkt[BATCH][PKT_MAX];
	struct iovec	 iov[BATCH];
	struct mmsghdr	 msgs[BATCH];
	uint64_t	 sent;
	uint64_t	 nobufs;	/* ENOBUFS retries */
	uint64_t	 start_ns;
};

/* destinations flowstorm may send to: test and private space only */
static const struct {
	const char	*net;
	unsigned int	 len;
} dst_allowed[] = {
	{ "10.0.0.0", 8 },
	{ "172.16.0.0", 12 },
	{ "192.168.0.0", 16 },
	{ "198.18.0.0", 15 },
	{ "100.64.0.0", 10 },
	{ "127.0.0.0", 8 },
};

static void	fatalx(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
static void	fatal(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

static void
fatalx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("flowstorm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* like fatalx, with ": strerror(errno)" appended */
static void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fflush(stdout);
	fputs("flowstorm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts;
	int rc;

	ts.tv_sec = (time_t)(t_ns / NS_PER_S);
	ts.tv_nsec = (long)(t_ns % NS_PER_S);
	/* returns the error number itself, not -1 and errno */
	while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL)) != 0) {
		if (rc != EINTR)
			fatalx("clock_nanosleep: %s", strerror(rc));
	}
}

/*
 * Packets.
 */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* one's complement sum of big-endian 16-bit words; len is even */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (uint16_t)~sum;
}

/*
 * Write flow number i into buf: IPv4 header with its checksum, then a UDP
 * header without payload (checksum 0: none, which IPv4 allows) or a TCP SYN
 * without options (with its checksum: conntrack marks a TCP packet with a
 * bad checksum INVALID and makes no entry for it).
 */
static void
storm_fill(const struct storm *st, uint8_t *buf, uint64_t i)
{
	const struct opts *o = st->o;
	uint8_t *l4 = buf + IP_HLEN;
	uint64_t s, r;
	uint32_t a, sum;
	uint16_t sport, dport;

	s = i % st->nsports;
	r = i / st->nsports;
	a = (uint32_t)((s + r) % o->nsrc);
	sport = (uint16_t)(o->first_sport + s);
	dport = (uint16_t)(o->dport + r % o->ndports);

	buf[0] = 0x45;				/* version 4, 5 words */
	buf[1] = 0;				/* tos */
	put16(buf + 2, (uint16_t)st->pkt_len);
	put16(buf + 4, (uint16_t)(i % 0xffff + 1)); /* id, never 0 */
	put16(buf + 6, 0x4000);			/* DF */
	buf[8] = 64;				/* ttl */
	buf[9] = o->tcp ? PROTO_TCP : PROTO_UDP;
	put16(buf + 10, 0);
	memcpy(buf + 12, &o->src[a].s_addr, 4);	/* network order */
	memcpy(buf + 16, &o->dst.s_addr, 4);
	put16(buf + 10, csum_fold(csum_add(0, buf, IP_HLEN)));

	put16(l4, sport);
	put16(l4 + 2, dport);
	if (!o->tcp) {
		put16(l4 + 4, UDP_HLEN);
		put16(l4 + 6, 0);
		return;
	}
	put32(l4 + 4, (uint32_t)(i * 2654435761U));	/* seq */
	put32(l4 + 8, 0);				/* ack */
	l4[12] = (TCP_HLEN / 4) << 4;			/* data offset */
	l4[13] = 0x02;					/* SYN */
	put16(l4 + 14, 64240);				/* window */
	put16(l4 + 16, 0);
	put16(l4 + 18, 0);				/* urgent */
	/* pseudo header: addresses, protocol, TCP length */
	sum = csum_add(0, buf + 12, 8);
	sum += PROTO_TCP + TCP_HLEN;
	sum = csum_add(sum, l4, TCP_HLEN);
	put16(l4 + 16, csum_fold(sum));
}

/*
 * The socket blocks on purpose: when the packets in flight fill its send
 * buffer, sendmmsg() waits for the kernel instead of spinning, for at most
 * SNDTIMEO_S, after which it counts as ENOBUFS (EAGAIN).
 */
static void
storm_open(struct storm *st)
{
	struct timeval tv = { .tv_sec = SNDTIMEO_S, .tv_usec = 0 };
	int one = 1;

	st->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (st->fd == -1) {
		if (errno == EPERM || errno == EACCES)
			fatal("raw socket: run as root (needs CAP_NET_RAW)");
		fatal("raw socket");
	}
	/*
	 * Without IP_RECVERR a raw socket hides ENOBUFS (a qdisc or a full
	 * device backlog dropped the packet, yet sendmsg reports success);
	 * with it the drop is reported and the packet is sent again.
	 */
	if (setsockopt(st->fd, IPPROTO_IP, IP_RECVERR, &one,
	    sizeof(one)) == -1)
		fatal("setsockopt IP_RECVERR");
	if (setsockopt(st->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) == -1)
		fatal("setsockopt SO_SNDTIMEO");
}

/* a source address must be configured here: bind() a UDP socket to it */
static void
src_check_local(struct in_addr a)
{
	struct sockaddr_in sin;
	char buf[INET_ADDRSTRLEN];
	int fd;

	if (inet_ntop(AF_INET, &a, buf, sizeof(buf)) == NULL)
		fatal("inet_ntop");
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (errno == EADDRNOTAVAIL)
			fatalx("source address %s is not configured in this "
			    "network namespace", buf);
		fatal("source address %s: bind", buf);
	}
	if (close(fd) == -1)
		fatal("close");
}

/*
 * Send packets [st->sent, st->sent + n) and return once all went out.
 * ENOBUFS (the device backlog was full and dropped the packet) is not
 * counted: wait a little and send the rest again.
 */
static void
storm_send(struct storm *st, unsigned int n)
{
	unsigned int off = 0;
	uint64_t stall_ns = 0, t;
	int rc;

	while (off < n) {
		rc = sendmmsg(st->fd, st->msgs + off, n - off, 0);
		if (rc > 0) {
			off += (unsigned int)rc;
			stall_ns = 0;
			continue;
		}
		if (rc == 0)
			fatalx("sendmmsg sent nothing");
		switch (errno) {
		case EINTR:
			continue;
		case ENOBUFS:
		case EAGAIN:
			st->nobufs++;
			t = now_ns();
			if (stall_ns == 0)
				stall_ns = t;
			else if (t - stall_ns > NOBUFS_GIVEUP_S * NS_PER_S)
				fatalx("sendmmsg: no buffer space for %d s "
				    "after %" PRIu64 " flows, giving up",
				    NOBUFS_GIVEUP_S, st->sent + off);
			sleep_until_ns(t + NOBUFS_WAIT_NS);
			continue;
		case EPERM:
		case EACCES:
			fatal("sendmmsg: a firewall rule in this namespace "
			    "refuses the packets, or not root");
		default:
			fatal("sendmmsg after %" PRIu64 " flows",
			    st->sent + off);
		}
	}
	st->sent += n;
}

/* when flow number i is due: sent <= 1e7, so i * 1e9 fits in 64 bits */
static uint64_t
storm_due_ns(const struct storm *st, uint64_t i)
{
	return st->start_ns + i * NS_PER_S / st->o->rate;
}

/*
 * Send all flows.  Paced, a batch of rate / PACE_HZ packets (1..BATCH)
 * waits for the due time of its first flow and the run ends at the due time
 * of flow COUNT, so it lasts COUNT / RATE seconds.  Behind schedule, the
 * batches go out back to back until the run has caught up.
 */
static void
storm_run(struct storm *st)
{
	const struct opts *o = st->o;
	uint64_t left, due_ns, limit_ns;
	unsigned int k, n;

	st->batch = BATCH;
	if (o->rate != 0 && o->rate / PACE_HZ < BATCH)
		st->batch = o->rate < PACE_HZ ? 1 :
		    (unsigned int)(o->rate / PACE_HZ);

	for (k = 0; k < BATCH; k++) {
		st->iov[k].iov_base = st->pkt[k];
		st->iov[k].iov_len = st->pkt_len;
		memset(&st->msgs[k], 0, sizeof(st->msgs[k]));
		st->msgs[k].msg_hdr.msg_name = &st->sin;
		st->msgs[k].msg_hdr.msg_namelen = sizeof(st->sin);
		st->msgs[k].msg_hdr.msg_iov = &st->iov[k];
		st->msgs[k].msg_hdr.msg_iovlen = 1;
	}
	st->start_ns = now_ns();
	limit_ns = st->start_ns + MAX_RUN_S * NS_PER_S;
	while (st->sent < o->count) {
		left = o->count - st->sent;
		n = left < st->batch ? (unsigned int)left : st->batch;
		for (k = 0; k < n; k++)
			storm_fill(st, st->pkt[k], st->sent + k);
		if (o->rate != 0) {
			due_ns = storm_due_ns(st, st->sent);
			if (due_ns > now_ns())
				sleep_until_ns(due_ns);
		}
		storm_send(st, n);
		if (now_ns() > limit_ns)
			fatalx("still running after %d s (%" PRIu64 " flows "
			    "sent), giving up", MAX_RUN_S, st->sent);
	}
	if (o->rate != 0) {
		due_ns = storm_due_ns(st, o->count);
		if (due_ns > now_ns())
			sleep_until_ns(due_ns);
	}
}

/*
 * Command line.
 */

static void
usage(FILE *fp)
{
	fputs("usage: flowstorm [-qt] -s ADDR [-s ADDR ...] -d ADDR "
	    "-p PORT[-LAST]\n"
	    "                 [-n COUNT] [-r RATE] [-P FIRSTPORT]\n"
	    "  -s ADDR         source address, configured here "
	    "(repeatable)\n"
	    "  -d ADDR         destination address (private or test "
	    "space)\n"
	    "  -p PORT[-LAST]  destination port; with a range, round r of "
	    "the source\n"
	    "                  ports goes to PORT + r mod (LAST - PORT + "
	    "1)\n"
	    "  -n COUNT        flows (packets) to send, 1..10000000 "
	    "(default 1000)\n"
	    "  -r RATE         flows per second, 0: as fast as possible "
	    "(default 0)\n"
	    "  -P FIRSTPORT    first source port (default 1024)\n"
	    "  -t              TCP SYN packets instead of UDP datagrams\n"
	    "  -q              quiet: no summary line, no notes\n"
	    "  -h              show this help\n", fp);
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

static bool
parse_ports(const char *s, uint16_t *ret_first, uint32_t *ret_n)
{
	char buf[16], *dash;
	uint64_t lo, hi;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	if (!parse_u64(buf, 1, 65535, &lo))
		return false;
	hi = lo;
	if (dash != NULL && !parse_u64(dash, lo, 65535, &hi))
		return false;
	*ret_first = (uint16_t)lo;
	*ret_n = (uint32_t)(hi - lo + 1);
	return true;
}

static bool
dst_is_allowed(struct in_addr a)
{
	struct in_addr net;
	uint32_t mask;
	size_t i;

	for (i = 0; i < sizeof(dst_allowed) / sizeof(dst_allowed[0]); i++) {
		if (inet_pton(AF_INET, dst_allowed[i].net, &net) != 1)
			fatalx("bad built-in network %s", dst_allowed[i].net);
		mask = htonl(~0U << (32 - dst_allowed[i].len));
		if ((a.s_addr & mask) == net.s_addr)
			return true;
	}
	return false;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	const char *dst_str = NULL;
	struct in_addr a;
	uint64_t v;
	uint32_t i;
	int ch;

	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->first_sport = 1024;

	while ((ch = getopt(argc, argv, "s:d:p:n:r:P:qth")) != -1) {
		switch (ch) {
		case 's':
			if (inet_pton(AF_INET, optarg, &a) != 1 ||
			    a.s_addr == htonl(INADDR_ANY))
				fatalx("bad source address: %s", optarg);
			if (o->nsrc == MAX_SRC)
				fatalx("at most %d source addresses", MAX_SRC);
			for (i = 0; i < o->nsrc; i++)
				if (o->src[i].s_addr == a.s_addr)
					fatalx("source address given twice: "
					    "%s", optarg);
			o->src[o->nsrc++] = a;
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst) != 1)
				fatalx("bad destination address: %s", optarg);
			dst_str = optarg;
			break;
		case 'p':
			if (!parse_ports(optarg, &o->dport, &o->ndports))
				fatalx("bad destination port (PORT or "
				    "PORT-LAST, 1..65535): %s", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, MAX_COUNT, &o->count))
				fatalx("count must be 1..%llu: %s", MAX_COUNT,
				    optarg);
			break;
		case 'r':
			if (!parse_u64(optarg, 0, 100000000, &o->rate))
				fatalx("bad rate (flows per second, 0 for "
				    "no limit): %s", optarg);
			break;
		case 'P':
			if (!parse_u64(optarg, 1, 65535, &v))
				fatalx("first source port must be 1..65535: "
				    "%s", optarg);
			o->first_sport = (uint16_t)v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 't':
			o->tcp = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || o->nsrc == 0 || dst_str == NULL ||
	    o->ndports == 0) {
		usage(stderr);
		exit(2);
	}
	if (!dst_is_allowed(o->dst))
		fatalx("destination %s is outside the private and test "
		    "networks (10/8, 172.16/12, 192.168/16, 198.18/15, "
		    "100.64/10, 127/8): refused", dst_str);
	if (o->rate != 0 && o->count > MAX_PLAN_S * o->rate)
		fatalx("%" PRIu64 " flows at %" PRIu64 "/s would take longer "
		    "than %d s: refused", o->count, o->rate, MAX_PLAN_S);
}

int
main(int argc, char *argv[])
{
	static struct opts o;
	static struct storm st;
	uint64_t npairs, rounds, end_ns;
	double secs;
	uint32_t i;

	parse_args(argc, argv, &o);
	st.o = &o;
	st.nsports = 65536U - o.first_sport;
	npairs = (uint64_t)o.nsrc * st.nsports;
	if (o.count > npairs)
		fatalx("%" PRIu64 " flows need more than the %" PRIu64
		    " distinct pairs of %u source addresses and ports "
		    "%u..65535: add -s addresses or lower -P", o.count,
		    npairs, o.nsrc, o.first_sport);
	rounds = (o.count + st.nsports - 1) / st.nsports;
	if (rounds > o.ndports && !o.quiet)
		fprintf(stderr, "flowstorm: note: %" PRIu64 " rounds of source "
		    "ports share %u destination port(s); a masquerading "
		    "gateway with one public address cannot translate more "
		    "than ~%u flows per destination port (use -p PORT-LAST "
		    "with %" PRIu64 " ports)\n", rounds, o.ndports,
		    st.nsports, rounds);
	for (i = 0; i < o.nsrc; i++)
		src_check_local(o.src[i]);
	st.pkt_len = IP_HLEN + (o.tcp ? TCP_HLEN : UDP_HLEN);
	st.sin.sin_family = AF_INET;
	st.sin.sin_addr = o.dst;
	storm_open(&st);

	storm_run(&st);

	end_ns = now_ns();
	if (close(st.fd) == -1)
		fatal("close");
	secs = (double)(end_ns - st.start_ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	if (!o.quiet) {
		if (st.nobufs != 0)
			fprintf(stderr, "flowstorm: %" PRIu64 " sends retried "
			    "after ENOBUFS\n", st.nobufs);
		printf("flowstorm: sent %" PRIu64 " flows in %.3f s (%.0f "
		    "flows/s) from %u addresses\n", st.sent, secs,
		    (double)st.sent / secs,
		    o.count < o.nsrc ? (unsigned int)o.count : o.nsrc);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		fatal("stdout");
	return 0;
}
