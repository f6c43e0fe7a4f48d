/*
 * ctl.h: the control protocol, shared by the daemon (ctl.c) and ephemctl
 * (ephemctl(8), PROTOCOL):
 *
 *	request		u32 length (network order, 1..CTL_REQ_MAX), then that
 *			many bytes of printable ASCII: fields separated by
 *			single spaces, at most CTL_FIELDS; the first is the
 *			format, "text" or "json", the second the command
 *	response	u32 length, then "ephemd CODE\n" and the payload
 */
#ifndef EPHEMD_CTL_H
#define EPHEMD_CTL_H

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
	CTL_DENIED = 7,		/* a change, and the caller may only read */
};

#endif /* EPHEMD_CTL_H */
