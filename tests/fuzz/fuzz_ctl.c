/*
 * The control socket (ctl.c, control.c): the bytes a client sends, whole,
 * through a real connection to ctl.c's reader, which frames and checks
 * them (ctl_parse) and runs the command on a daemon without a kernel
 * side: a core, detectors with a few alerts and a quarantined host.  The
 * client then half-closes, as ephemctl does, and must get a framed
 * response or a plain close, never silence.
 *
 * "reload" is left out: it reads the configuration file and reopens the
 * kernel side, which this daemon has not got (conf.c has its own
 * harness).  Nothing is saved: the daemon has no state or quarantine
 * file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "daemon.h"

#define FUZZ_MAX_INPUT	(2 * (4 + CTL_REQ_MAX))

static struct daemon	 d;
static struct ctl	*ctl;
static char		 dir[32], sock[64];

struct client {
	int		 fd;
	char		 in[1 << 20];	/* the start of the response */
	size_t		 len;
	bool		 closed;
};

static struct client	 cl;
static struct timer	 guard;

/* A TCP event from 10.0.0.h to 198.51.100.7, not NATed. */
static struct flow_event
event(uint8_t type, uint32_t src, uint16_t sport, uint16_t dport,
    uint16_t flags, uint64_t ts)
{
	struct flow_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	ev.type = type;
	ev.proto = IPPROTO_TCP;
	ev.flags = EVF_PORTS | flags;
	ev.state = type == EV_NEW ? CTS_SYN_SENT : CTS_TIME_WAIT;
	ev.sport = ev.nat_port = sport;
	ev.dport = dport;
	addr_from_v4(&ev.src, src);
	addr_from_v4(&ev.dst, 0xc6336407u);
	ev.nat_addr = ev.dst;
	return ev;
}

static void
alert_ring(void *arg, const struct alert *a)
{
	d.ring[d.nring++ % ALERT_RING] = *a;
}

static int
handler(void *arg, const struct ctl_peer *peer, int argc, char **argv,
    bool json, FILE *out)
{
	if (strcmp(argv[0], "reload") == 0) {
		ctl_error(out, json, "reload: not in the fuzzer");
		return CTL_REFUSED;
	}
	return control_command(arg, peer, argc, argv, json, out);
}

static void
cleanup(void)
{
	ctl_close(ctl);
	rmdir(dir);
}

/* A daemon with something in every table the commands read. */
static void
setup(void)
{
	struct flow_event	ev;
	struct addr		a;
	char			note[160];
	uint64_t		t = loop_wall_ms() - 3600 * 1000;
	uint32_t		h, p;

	d.conf = fuzz_conf();
	free(d.conf->state_file);
	free(d.conf->quar.file);
	d.conf->state_file = d.conf->quar.file = NULL;
	d.conf->metrics_per_host = true;
	if ((d.loop = loop_new()) == NULL ||
	    (d.core = core_new(&d.conf->core)) == NULL ||
	    (d.ring = calloc(ALERT_RING, sizeof(*d.ring))) == NULL ||
	    (d.detect = detect_new(d.core, &d.conf->detect, alert_ring,
	    NULL)) == NULL || (d.quar = quar_new(&d.conf->quar)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	d.started_ms = t;
	/* five hosts browsing, then one walking ports nobody answers */
	for (p = 0; p < 40; p++)
		for (h = 1; h <= 5; h++) {
			ev = event(EV_NEW, 0x0a000000u | h,
			    (uint16_t)(40000 + 2 * p), 443, 0, t);
			core_event(d.core, &ev);
			ev.type = EV_DESTROY;
			ev.flags |= EVF_ASSURED;
			ev.ts_ms = t += 1000;
			core_event(d.core, &ev);
			detect_tick(d.detect, t);
		}
	for (p = 1; p < 200; p++) {
		ev = event(EV_NEW, 0x0a000009u, 61000, (uint16_t)p,
		    EVF_UNREPLIED, t += 10);
		core_event(d.core, &ev);
		detect_tick(d.detect, t);
	}
	addr_from_v4(&a, 0x0a000009u);
	quar_add(d.quar, &a, false, 3600, loop_wall_ms(), note, sizeof(note));

	snprintf(dir, sizeof(dir), "/tmp/fuzz_ctl.XXXXXX");
	if (mkdtemp(dir) == NULL)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	if ((ctl = ctl_open(sock, NULL, NULL, d.conf->ctl_clients, d.loop,
	    handler, &d)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "ctl_open");
	atexit(cleanup);
}

static void
client_read(int fd, uint32_t events, void *arg)
{
	char	junk[4096];
	ssize_t	r;

	for (;;) {
		if (cl.len < sizeof(cl.in))
			r = recv(fd, cl.in + cl.len, sizeof(cl.in) - cl.len,
			    MSG_DONTWAIT);
		else
			r = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (r == -1 && errno == EAGAIN)
			return;
		if (r <= 0)
			break;
		if (cl.len < sizeof(cl.in))
			cl.len += (size_t)r;
	}
	cl.closed = true;
	loop_stop(d.loop);
}

static void
hang(void *arg)
{
	fuzz_fail(__FILE__, __LINE__, "no response within 5 s");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un	sun;
	uint32_t		n;
	size_t			off = 0;
	ssize_t			w;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (d.conf == NULL)
		setup();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	cl.len = 0;
	cl.closed = false;
	if ((cl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(cl.fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	/* the whole request fits the socket's buffer: no reader needed */
	while (off < size) {
		if ((w = send(cl.fd, data + off, size - off,
		    MSG_NOSIGNAL)) <= 0)
			break;	/* the daemon closed early: it may */
		off += (size_t)w;
	}
	shutdown(cl.fd, SHUT_WR);
	if (loop_add_fd(d.loop, cl.fd, EPOLLIN, client_read, NULL) == -1)
		fuzz_fail(__FILE__, __LINE__, "loop_add_fd");
	guard.cb = hang;
	timer_set(d.loop, &guard, 5000);
	loop_run(d.loop);
	timer_stop(d.loop, &guard);
	loop_del_fd(d.loop, cl.fd);
	close(cl.fd);
	fuzz_assert(cl.closed);
	/* a response is framed: its length, then "ephemd CODE\n" */
	if (cl.len > 0) {
		fuzz_assert(cl.len >= 4 + 9);
		memcpy(&n, cl.in, 4);
		n = ntohl(n);
		fuzz_assert(n <= CTL_OUT_MAX + 32);
		fuzz_assert(cl.len == sizeof(cl.in) || cl.len == 4 + n);
		fuzz_assert(memcmp(cl.in + 4, "ephemd ", 7) == 0);
	}
	return 0;
}
