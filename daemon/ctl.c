/*
 * The control socket: a Unix stream socket, one request and one response
 * per connection, both framed (ephemctl(8), PROTOCOL):
 *
 *	request		u32 length (network order, 1..CTL_REQ_MAX), then that
 *			many bytes of printable ASCII: fields separated by
 *			single spaces, at most CTL_FIELDS; the first is the
 *			format, "text" or "json", the second the command
 *	response	u32 length, then "ephemd CODE\n" and the payload
 *
 * Every request is checked before it reaches a command: its length, its
 * bytes, its fields.  A client that sends too little within CTL_TIMEOUT_MS
 * gets "truncated request"; one that does not read its response within
 * that time is dropped; a response over CTL_OUT_MAX bytes is refused with
 * an error, never cut.  At most control.max_clients connections are
 * served at once; one more gets "busy".  Nothing here blocks the daemon:
 * sockets are non-blocking, and each wake-up moves a bounded number of
 * bytes and connections, so no client stalls the events.
 *
 * Two levels: whoever may connect (the socket is 0660, control.group) may
 * read; a change (quarantine add and del, baseline save and reset,
 * reload) needs root, ephemd's own user or control.admin_group, told by
 * the peer's credentials from the kernel (SO_PEERCRED, SO_PEERGROUPS).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "live.h"
#include "log.h"

#define CTL_TIMEOUT_MS	2000
#define CTL_ACCEPTS	32		/* connections accepted a wake-up */
#define CTL_SEND_MAX	(1 << 20)	/* bytes sent to a client a wake-up */
#define CTL_DRAIN_MAX	65536		/* bytes read and dropped a wake-up */
#define CTL_GROUPS	64		/* a peer's groups looked at */

struct ctl_client {
	int		 fd;		/* -1: free */
	uint64_t	 deadline;	/* monotonic ms */
	uint8_t		 in[4 + CTL_REQ_MAX];
	size_t		 inlen;
	char		*out;		/* the framed response */
	size_t		 outlen, outoff;
	bool		 draining;	/* sent: reading to the client's end */
	struct ctl_peer	 peer;
};

struct ctl {
	int			 fd;
	char			*path;
	struct loop		*loop;
	ctl_handler		 handler;
	void			*arg;
	struct ctl_client	*c;
	size_t			 max;		/* slots in c */
	size_t			 limit;		/* control.max_clients */
	char			*group;		/* control.group, or NULL */
	bool			 has_admin_gid;	/* control.admin_group */
	gid_t			 admin_gid;
	struct timer		 sweep;
	bool			 paused;	/* accept failed: not watched */
	uint64_t		 refused_ms;	/* the last accept failure logged */
	struct ctl_stats	 st;
};

/* src as the inside of a JSON string: quotes, backslashes, controls. */
void
ctl_json_quote(char *dst, size_t len, const char *src)
{
	size_t	o = 0;

	for (; *src != '\0' && o + 7 < len; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20)
			o += (size_t)snprintf(dst + o, len - o, "\\u%04x", ch);
		else
			dst[o++] = (char)ch;
	}
	dst[o] = '\0';
}

/* A command's error: one line of text, or {"error": "..."}. */
void
ctl_error(FILE *out, bool json, const char *fmt, ...)
{
	char	msg[512], q[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!json) {
		fprintf(out, "%s\n", msg);
		return;
	}
	ctl_json_quote(q, sizeof(q), msg);
	fprintf(out, "{\"error\": \"%s\"}\n", q);
}

/* Split a checked request into fields; -1 with the reason in err. */
int
ctl_parse(const uint8_t *req, size_t len, char *buf, char **field,
    int *nfield, char *err, size_t errlen)
{
	size_t	i;
	int	n = 0;

	if (len == 0 || len > CTL_REQ_MAX) {
		snprintf(err, errlen, "request length %zu: must be 1 to %d",
		    len, CTL_REQ_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (req[i] < 0x20 || req[i] > 0x7e) {
			snprintf(err, errlen, "byte %zu of the request is not "
			    "printable ASCII (0x%02x)", i + 1, req[i]);
			return -1;
		}
	memcpy(buf, req, len);
	buf[len] = '\0';
	for (i = 0; i <= len; i++) {
		if (i == 0 || buf[i - 1] == '\0') {
			if (buf[i] == ' ' || buf[i] == '\0') {
				snprintf(err, errlen, "empty field at byte "
				    "%zu (fields are separated by one space)",
				    i + 1);
				return -1;
			}
			if (n == CTL_FIELDS) {
				snprintf(err, errlen, "more than %d fields",
				    CTL_FIELDS);
				return -1;
			}
			field[n++] = &buf[i];
		}
		if (buf[i] == ' ')
			buf[i] = '\0';
	}
	if (n < 2) {
		snprintf(err, errlen, "a request is a format (text or json) "
		    "and a command");
		return -1;
	}
	if (strcmp(field[0], "text") != 0 && strcmp(field[0], "json") != 0) {
		snprintf(err, errlen, "unknown format \"%.32s\": text or json",
		    field[0]);
		return -1;
	}
	*nfield = n;
	return 0;
}

static void
client_close(struct ctl *c, struct ctl_client *cl)
{
	loop_del_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/* Frame code and payload as the client's response, and start sending. */
static void
respond(struct ctl *c, struct ctl_client *cl, int code, const char *payload,
    size_t plen)
{
	char		head[32], big[160];
	int		hlen;
	uint32_t	n;

	if (plen > CTL_OUT_MAX) {
		/* an error the client can act on, never a cut response */
		c->st.oversized++;
		snprintf(big, sizeof(big), code == CTL_OK && plen > 0 &&
		    payload[0] == '{' ? "{\"error\": \"the response is %zu "
		    "bytes, over the %d-byte cap: ask for less (--limit, "
		    "--offset)\"}\n" : "the response is %zu bytes, over the "
		    "%d-byte cap: ask for less (--limit, --offset)\n", plen,
		    CTL_OUT_MAX);
		payload = big;
		plen = strlen(big);
		code = CTL_FAILED;
	}
	hlen = snprintf(head, sizeof(head), "ephemd %d\n", code);
	n = htonl((uint32_t)(hlen + plen));
	free(cl->out);
	if ((cl->out = malloc(4 + (size_t)hlen + plen)) == NULL) {
		client_close(c, cl);
		return;
	}
	memcpy(cl->out, &n, 4);
	memcpy(cl->out + 4, head, (size_t)hlen);
	memcpy(cl->out + 4 + hlen, payload, plen);
	cl->outlen = 4 + (size_t)hlen + plen;
	cl->outoff = 0;
	cl->deadline = loop_now_ms() + CTL_TIMEOUT_MS;
	if (code != CTL_OK)
		c->st.errors++;
	loop_mod_fd(c->loop, cl->fd, EPOLLOUT);
}

static void
respond_error(struct ctl *c, struct ctl_client *cl, int code, bool json,
    const char *msg)
{
	char	 buf[1100];
	FILE	*mem;
	long	 n;

	if ((mem = fmemopen(buf, sizeof(buf), "w")) == NULL) {
		client_close(c, cl);
		return;
	}
	ctl_error(mem, json, "%s", msg);
	n = ftell(mem);
	fclose(mem);
	respond(c, cl, code, buf, n > 0 ? (size_t)n : 0);
}

/* A whole request arrived: check it, run it, respond. */
static void
dispatch(struct ctl *c, struct ctl_client *cl, size_t len)
{
	char		 buf[CTL_REQ_MAX + 1], err[160];
	char		*field[CTL_FIELDS];
	char		*text = NULL;
	size_t		 tlen = 0, slot = (size_t)(cl - c->c);
	struct ctl_peer	 peer = cl->peer;
	FILE		*mem;
	int		 n, code;
	bool		 json;

	if (ctl_parse(cl->in + 4, len, buf, field, &n, err,
	    sizeof(err)) == -1) {
		respond_error(c, cl, CTL_USAGE, len >= 5 &&
		    memcmp(cl->in + 4, "json ", 5) == 0, err);
		return;
	}
	json = strcmp(field[0], "json") == 0;
	if ((mem = open_memstream(&text, &tlen)) == NULL) {
		respond_error(c, cl, CTL_FAILED, json, "out of memory");
		return;
	}
	c->st.requests++;
	/* a reload that raises control.max_clients moves the clients */
	code = c->handler(c->arg, &peer, n - 1, field + 1, json, mem);
	cl = &c->c[slot];
	if (code == CTL_DENIED)
		c->st.denied++;
	if (fclose(mem) == EOF) {
		free(text);
		respond_error(c, cl, CTL_FAILED, json, "out of memory");
		return;
	}
	respond(c, cl, code, text, tlen);
	free(text);
}

static void
client_io(int fd, uint32_t events, void *arg)
{
	struct ctl		*c = arg;
	struct ctl_client	*cl = NULL;
	uint32_t		 want;
	ssize_t			 r;
	size_t			 i;

	for (i = 0; i < c->max; i++)
		if (c->c[i].fd == fd)
			cl = &c->c[i];
	if (cl == NULL)
		return;
	if (cl->draining) {
		char	junk[4096];
		size_t	got = 0;

		/*
		 * Unread bytes at close() would reset the response; a client
		 * that keeps sending gets another wake-up, not all of them.
		 */
		while (got < CTL_DRAIN_MAX &&
		    (r = recv(fd, junk, sizeof(junk), 0)) > 0)
			got += (size_t)r;
		if (got < CTL_DRAIN_MAX && (r == 0 || errno != EAGAIN))
			client_close(c, cl);
		return;
	}
	if (cl->out != NULL) {
		size_t	sent = 0;

		while (cl->outoff < cl->outlen) {
			if (sent >= CTL_SEND_MAX)
				return;		/* the rest at the next wake-up */
			r = send(fd, cl->out + cl->outoff,
			    cl->outlen - cl->outoff, MSG_NOSIGNAL);
			if (r == -1 && errno == EAGAIN)
				return;
			if (r <= 0) {
				client_close(c, cl);
				return;
			}
			cl->outoff += (size_t)r;
			sent += (size_t)r;
		}
		shutdown(fd, SHUT_WR);
		cl->draining = true;
		cl->deadline = loop_now_ms() + CTL_TIMEOUT_MS;
		loop_mod_fd(c->loop, fd, EPOLLIN);
		return;
	}
	for (;;) {
		size_t need = cl->inlen < 4 ? 4 : 4 + CTL_REQ_MAX;

		if (cl->inlen >= 4) {
			memcpy(&want, cl->in, 4);
			want = ntohl(want);
			if (want == 0 || want > CTL_REQ_MAX) {
				char msg[96];

				snprintf(msg, sizeof(msg), "request length %u: "
				    "must be 1 to %d", want, CTL_REQ_MAX);
				respond_error(c, cl, CTL_USAGE, false, msg);
				return;
			}
			need = 4 + want;
			if (cl->inlen == need) {
				dispatch(c, cl, want);
				return;
			}
		}
		r = recv(fd, cl->in + cl->inlen, need - cl->inlen, 0);
		if (r == -1 && errno == EAGAIN)
			return;
		if (r <= 0) {
			/* the client went away, or half-closed early */
			if (r == 0 && cl->inlen > 0) {
				respond_error(c, cl, CTL_USAGE, false,
				    "truncated request");
				return;
			}
			client_close(c, cl);
			return;
		}
		cl->inlen += (size_t)r;
	}
}

/*
 * Who is on the other end, from the kernel: root, ephemd's own user and
 * members of control.admin_group (primary or supplementary) may change
 * things; anyone else who could connect may read.  Credentials that
 * cannot be read make a reader.
 */
static void
ctl_peer(const struct ctl *c, int fd, struct ctl_peer *p)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);
	gid_t		groups[CTL_GROUPS];
	size_t		i, n;

	memset(p, 0, sizeof(*p));
	p->uid = p->gid = UINT32_MAX;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;
	if (cred.uid == 0 || cred.uid == geteuid()) {
		p->admin = true;
		return;
	}
	if (!c->has_admin_gid)
		return;
	if (cred.gid == c->admin_gid) {
		p->admin = true;
		return;
	}
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return;		/* ERANGE: more groups than we look at */
	for (i = 0, n = len / sizeof(groups[0]); i < n; i++)
		if (groups[i] == c->admin_gid)
			p->admin = true;
}

/* control.admin_group as a gid; false when unset or unknown (logged). */
static bool
ctl_admin_gid(const char *name, gid_t *ret)
{
	struct group	*gr;

	if (name == NULL || name[0] == '\0')
		return false;
	if ((gr = getgrnam(name)) == NULL) {
		log_warnx("control.admin_group %s: no such group: only root "
		    "and ephemd's user may change things", name);
		return false;
	}
	*ret = gr->gr_gid;
	return true;
}

static void
ctl_accept(int fd, uint32_t events, void *arg)
{
	struct ctl		*c = arg;
	struct ctl_client	*cl = NULL;
	size_t			 i, busy_n, accepted = 0;
	int			 s = 0;

	while (accepted++ < CTL_ACCEPTS && (s = accept4(fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		for (i = 0, busy_n = 0; i < c->max; i++)
			if (c->c[i].fd != -1)
				busy_n++;
			else if (cl == NULL)
				cl = &c->c[i];
		if (busy_n >= c->limit)
			cl = NULL;
		if (cl == NULL) {
			char		 busy[64];
			uint32_t	 n;
			int		 len;

			len = snprintf(busy + 4, sizeof(busy) - 4, "ephemd %d\n"
			    "busy: too many control clients\n", CTL_BUSY);
			n = htonl((uint32_t)len);
			memcpy(busy, &n, 4);
			c->st.busy++;
			(void)send(s, busy, 4 + (size_t)len, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
			/* what the client already sent, so close() does not
			 * reset the answer */
			shutdown(s, SHUT_WR);
			while (recv(s, busy, sizeof(busy), MSG_DONTWAIT) > 0)
				;
			close(s);
			continue;
		}
		cl->fd = s;
		ctl_peer(c, s, &cl->peer);
		cl->deadline = loop_now_ms() + CTL_TIMEOUT_MS;
		if (loop_add_fd(c->loop, s, EPOLLIN, client_io, c) == -1) {
			close(s);
			cl->fd = -1;
		}
		c->st.clients++;
		cl = NULL;
	}
	/*
	 * Out of descriptors or memory: the connection stays queued, and
	 * the socket stays readable, so watching it would spin.  The sweep
	 * watches it again (at most half a second); the clients wait.
	 */
	if (s == -1 && errno != EAGAIN && errno != EINTR &&
	    errno != ECONNABORTED) {
		c->st.accept_errors++;
		if (c->refused_ms == 0 ||
		    loop_now_ms() - c->refused_ms >= 60000) {
			log_warn("control socket: cannot accept clients, "
			    "trying every 0.5 s");
			c->refused_ms = loop_now_ms();
		}
		if (loop_mod_fd(c->loop, fd, 0) == 0)
			c->paused = true;
	}
}

/* Clients past their deadline: a late request, or a response unread. */
static void
ctl_sweep(void *arg)
{
	struct ctl	*c = arg;
	uint64_t	 now = loop_now_ms();
	size_t		 i;

	for (i = 0; i < c->max; i++) {
		struct ctl_client *cl = &c->c[i];

		if (cl->fd == -1 || cl->deadline > now)
			continue;
		if (!cl->draining)
			c->st.timeouts++;
		if (cl->out == NULL) {
			respond_error(c, cl, CTL_USAGE, false, cl->inlen ?
			    "truncated request" : "no request");
			cl->deadline = now + CTL_TIMEOUT_MS;
		} else
			client_close(c, cl);
	}
	if (c->paused && loop_mod_fd(c->loop, c->fd, EPOLLIN) == 0)
		c->paused = false;
	timer_set(c->loop, &c->sweep, 500);
}

/*
 * Listen on path (a stale socket is replaced), mode 0660, group group
 * when set.  NULL with the reason logged.
 */
struct ctl *
ctl_open(const char *path, const char *group, const char *admin_group,
    size_t max, struct loop *loop, ctl_handler handler, void *arg)
{
	struct sockaddr_un	 sun;
	struct ctl		*c;
	struct group		*gr;
	size_t			 i;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control.socket %s: name too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control socket");
		return NULL;
	}
	c->fd = -1;
	if ((c->c = calloc(max, sizeof(*c->c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		log_warn("control socket");
		goto fail;
	}
	for (i = 0; i < max; i++)
		c->c[i].fd = -1;
	c->max = c->limit = max;
	if (group != NULL && (c->group = strdup(group)) == NULL) {
		log_warn("control socket");
		goto fail;
	}
	c->loop = loop;
	c->handler = handler;
	c->arg = arg;
	c->has_admin_gid = ctl_admin_gid(admin_group, &c->admin_gid);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control socket");
		goto fail;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("control.socket %s", path);
		goto fail;
	}
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			log_warnx("control.group %s: no such group", group);
			goto fail;
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
			if (errno == EPERM && geteuid() != 0)
				log_warnx("control.group %s: uid %u is not a "
				    "member; add SupplementaryGroups=%s to the "
				    "unit (systemctl edit ephemd)", group,
				    (unsigned)geteuid(), group);
			else
				log_warn("control.socket %s: chown to group %s",
				    path, group);
			goto fail;
		}
	}
	if (chmod(path, 0660) == -1 || listen(c->fd, 16) == -1 ||
	    loop_add_fd(loop, c->fd, EPOLLIN, ctl_accept, c) == -1) {
		log_warn("control.socket %s", path);
		goto fail;
	}
	c->sweep.cb = ctl_sweep;
	c->sweep.arg = c;
	timer_set(loop, &c->sweep, 500);
	return c;
fail:
	if (c->fd != -1)
		close(c->fd);
	free(c->c);
	free(c->path);
	free(c->group);
	free(c);
	return NULL;
}

/*
 * A reloaded configuration: control.max_clients and control.admin_group
 * apply at once (clients beyond a lower limit finish); control.socket and
 * control.group wait for a restart, the socket being made before the
 * privileges go.
 */
void
ctl_reconfigure(struct ctl *c, const char *path, const char *group,
    const char *admin_group, size_t max, FILE *notes)
{
	struct ctl_client	*n;
	size_t			 i;

	c->has_admin_gid = ctl_admin_gid(admin_group, &c->admin_gid);
	if (strcmp(path, c->path) != 0 || (group == NULL) != (c->group ==
	    NULL) || (group != NULL && strcmp(group, c->group) != 0))
		fprintf(notes, "control.socket and control.group take effect "
		    "at the next start\n");
	if (max > c->max) {
		if ((n = reallocarray(c->c, max, sizeof(*n))) == NULL) {
			fprintf(notes, "control.max_clients %zu: out of memory, "
			    "%zu kept\n", max, c->limit);
			return;
		}
		for (i = c->max; i < max; i++) {
			memset(&n[i], 0, sizeof(n[i]));
			n[i].fd = -1;
		}
		c->c = n;
		c->max = max;
	}
	c->limit = max;
}

void
ctl_close(struct ctl *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->max; i++)
		if (c->c[i].fd != -1)
			client_close(c, &c->c[i]);
	timer_stop(c->loop, &c->sweep);
	loop_del_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->c);
	free(c->path);
	free(c->group);
	free(c);
}

void
ctl_get_stats(const struct ctl *c, struct ctl_stats *st)
{
	*st = c->st;
}
