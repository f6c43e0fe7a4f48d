/*
 * The switch to an unprivileged user keeping only CAP_NET_ADMIN, which
 * the netlink sockets (receive buffer, dumps) and later nftables need.
 * libcap-ng is included here only.  A failure is fatal for the caller:
 * a daemon that believes it dropped privileges and did not is worse than
 * one that does not start.
 */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "live.h"
#include "log.h"

int
priv_drop(const char *user)
{
	struct passwd	*pw;
	int		 rv;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("user %s: %s", user, errno ? strerror(errno) :
		    "no such user (create it, or remove user from the "
		    "configuration)");
		return -1;
	}
	/*
	 * Started as that user already (the unit's User=, with the
	 * capability ambient): nothing to switch, as long as nothing more
	 * than CAP_NET_ADMIN came with it.
	 */
	if (geteuid() != 0 && getuid() == pw->pw_uid &&
	    geteuid() == pw->pw_uid) {
		capng_get_caps_process();
		if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) ||
		    capng_have_capability(CAPNG_PERMITTED, CAP_SYS_ADMIN)) {
			log_warnx("user %s: already running as it, but with "
			    "more than CAP_NET_ADMIN (remove user from the "
			    "configuration: the unit sets User=)", user);
			return -1;
		}
		log_info("already running as %s", user);
		return 0;
	}
	if (geteuid() != 0) {
		log_warnx("user %s: running as uid %u, which cannot switch "
		    "users (remove user from the configuration: the unit "
		    "sets User=)", user, (unsigned)geteuid());
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN) != 0) {
		log_warnx("user %s: cannot keep CAP_NET_ADMIN", user);
		return -1;
	}
	rv = capng_change_id(pw->pw_uid, pw->pw_gid,
	    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rv != 0) {
		log_warnx("user %s: switching to uid %u failed (libcap-ng "
		    "error %d)", user, (unsigned)pw->pw_uid, rv);
		return -1;
	}
	/* check what we got rather than trust it */
	capng_get_caps_process();
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN) ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETUID)) {
		log_warnx("user %s: the switch left the wrong ids or "
		    "capabilities", user);
		return -1;
	}
	log_info("running as %s with CAP_NET_ADMIN only", user);
	return 0;
}
