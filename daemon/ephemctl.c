/*
 * ephemctl - ask the running ephemd: one request on its control socket,
 * its response on stdout (an error on stderr), its code as exit status.
 * The protocol is in ctl.c and ephemctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "ctl.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ephemctl [-j] [-s socket] command [argument ...]\n"
	    "commands: status, quarantine list | add ADDR [--timeout D] | "
	    "del ADDR, reload\n");
	exit(CTL_USAGE);
}

static int
read_all(int fd, void *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < len) {
		r = read(fd, (char *)buf + got, len - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un	 sun;
	const char		*path = CTL_SOCKET;
	char			 req[4 + CTL_REQ_MAX + 1], *body, *nl;
	size_t			 len = 0;
	uint32_t		 n;
	bool			 json = false;
	int			 ch, fd, i, code, sent_errno = 0;
	ssize_t			 sent;

	/* options before the command; the command's own after it */
	while ((ch = getopt_long(argc, argv, "+js:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	/* room for the request and snprintf's NUL after it */
	len = (size_t)snprintf(req + 4, CTL_REQ_MAX + 1, "%s", json ? "json" :
	    "text");
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i],
		    "-j") == 0) {
			memcpy(req + 4, "json", 4);
			json = true;
			continue;
		}
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\n") != NULL) {
			fprintf(stderr, "ephemctl: argument \"%s\" is empty or "
			    "has blanks\n", argv[i]);
			return CTL_USAGE;
		}
		if (len + 1 + strlen(argv[i]) > CTL_REQ_MAX) {
			fprintf(stderr, "ephemctl: request too long\n");
			return CTL_USAGE;
		}
		len += (size_t)snprintf(req + 4 + len, CTL_REQ_MAX + 1 - len,
		    " %s", argv[i]);
	}
	n = htonl((uint32_t)len);
	memcpy(req, &n, 4);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ephemctl: socket path too long: %s\n", path);
		return CTL_USAGE;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "ephemctl: no ephemd listening on %s: "
			    "is it running (systemctl status ephemd)? Is "
			    "control.socket in ephemd.conf the same path (-s "
			    "to name another)?\n", path);
		else if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "ephemctl: %s: permission denied: run "
			    "as root, or as a member of the socket's group "
			    "(control.group in ephemd.conf; ls -l %s)\n", path,
			    path);
		else
			fprintf(stderr, "ephemctl: %s: %s\n", path,
			    strerror(errno));
		return CTL_UNREACHABLE;
	}
	/*
	 * A daemon with control.max_clients busy answers "busy" and closes
	 * before it reads the request: the send then fails (EPIPE, with no
	 * SIGPIPE), and the answer is still there to read.
	 */
	if ((sent = send(fd, req, 4 + len, MSG_NOSIGNAL)) != (ssize_t)(4 + len))
		sent_errno = sent == -1 ? errno : EIO;
	if (read_all(fd, &n, 4) == -1) {
		if (sent_errno != 0)
			fprintf(stderr, "ephemctl: %s: sending: %s\n", path,
			    strerror(sent_errno));
		else
			fprintf(stderr, "ephemctl: %s: no response\n", path);
		return CTL_UNREACHABLE;
	}
	n = ntohl(n);
	if (n < 9 || n > CTL_OUT_MAX + 32 || (body = malloc(n + 1)) == NULL ||
	    read_all(fd, body, n) == -1) {
		fprintf(stderr, "ephemctl: %s: a malformed response\n", path);
		return CTL_UNREACHABLE;
	}
	body[n] = '\0';
	if (sscanf(body, "ephemd %d", &code) != 1 || code < 0 || code > 99 ||
	    (nl = strchr(body, '\n')) == NULL) {
		fprintf(stderr, "ephemctl: %s: a malformed response\n", path);
		return CTL_UNREACHABLE;
	}
	nl++;
	fwrite(nl, 1, n - (size_t)(nl - body), code == CTL_OK || json ?
	    stdout : stderr);
	free(body);
	close(fd);
	if (fflush(stdout) == EOF)
		return CTL_FAILED;
	return code;
}
