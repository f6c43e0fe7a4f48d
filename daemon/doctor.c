/*
 * ephemd --doctor: check what the live path depends on and say, for each
 * problem, the exact command that fixes it.  Reads /proc only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

#define NF_SYS	"/proc/sys/net/netfilter/"

struct doctor {
	FILE	*fp;
	int	 problems;
};

static void
ok(struct doctor *d, const char *what)
{
	fprintf(d->fp, "ok      %s\n", what);
}

static void
problem(struct doctor *d, const char *what, const char *why,
    const char *fix)
{
	fprintf(d->fp, "PROBLEM %s\n        %s\n        fix: %s\n", what, why,
	    fix);
	d->problems++;
}

static void
advice(struct doctor *d, const char *what, const char *why, const char *fix)
{
	fprintf(d->fp, "advice  %s\n        %s\n        fix: %s\n", what, why,
	    fix);
}

/* Returns the number of problems found (0: ready to run). */
int
doctor_run(FILE *fp, const struct conf *conf)
{
	struct doctor	 d = { fp, 0 };
	uint64_t	 count, max, events, ts, rmem;
	char		 msg[256];

	if (sys_read_u64(NF_SYS "nf_conntrack_count", &count) == -1 ||
	    sys_read_u64(NF_SYS "nf_conntrack_max", &max) == -1) {
		problem(&d, "connection tracking is not loaded in this network "
		    "namespace", "ephemd listens to conntrack events",
		    "modprobe nf_conntrack nf_conntrack_netlink");
		return d.problems;
	}
	if (ct_probe() == -1) {
		snprintf(msg, sizeof(msg), "conntrack netlink does not answer: "
		    "%s", strerror(errno));
		if (errno == EPERM)
			problem(&d, msg, "listening to conntrack needs "
			    "CAP_NET_ADMIN", "run ephemd --doctor as root");
		else
			problem(&d, msg, "conntrack events reach user space "
			    "through nf_conntrack_netlink",
			    "modprobe nf_conntrack_netlink");
	} else
		ok(&d, "conntrack netlink answers");

	if (count == 0)
		advice(&d, "the conntrack table is empty", "a network "
		    "namespace tracks nothing until a rule uses conntrack (a "
		    "NAT rule or a ct expression does); on a gateway that "
		    "forwards traffic this is a problem",
		    "nft add table inet ct; nft add chain inet ct fwd "
		    "'{ type filter hook forward priority 0; }'; "
		    "nft add rule inet ct fwd ct state new counter");
	else {
		snprintf(msg, sizeof(msg), "conntrack is in use: %llu "
		    "entries", (unsigned long long)count);
		ok(&d, msg);
	}
	if (max > 0 && count * 10 > max * 8) {
		snprintf(msg, sizeof(msg), "the table is %llu%% full (%llu of "
		    "%llu)", (unsigned long long)(count * 100 / max),
		    (unsigned long long)count, (unsigned long long)max);
		problem(&d, msg, "at 100% the kernel drops new connections",
		    "sysctl -w net.netfilter.nf_conntrack_max=<2x the current "
		    "value>");
	} else {
		snprintf(msg, sizeof(msg), "the table has room: %llu of %llu",
		    (unsigned long long)count, (unsigned long long)max);
		ok(&d, msg);
	}

	if (sys_read_u64(NF_SYS "nf_conntrack_events", &events) == -1)
		problem(&d, "net.netfilter.nf_conntrack_events is unreadable",
		    strerror(errno), "check that /proc/sys is mounted");
	else if (events == 0)
		problem(&d, "net.netfilter.nf_conntrack_events is 0",
		    "the kernel sends no conntrack events at all",
		    "sysctl -w net.netfilter.nf_conntrack_events=1");
	else if (events == 2)
		advice(&d, "net.netfilter.nf_conntrack_events is 2",
		    "flows created while no listener existed never send "
		    "DESTROY; ephemd expires them with its periodic dump "
		    "(netlink.reconcile_interval)",
		    "sysctl -w net.netfilter.nf_conntrack_events=1");
	else
		ok(&d, "net.netfilter.nf_conntrack_events is 1");

	if (sys_read_u64(NF_SYS "nf_conntrack_timestamp", &ts) == 0 &&
	    ts == 0)
		advice(&d, "net.netfilter.nf_conntrack_timestamp is 0",
		    "start and stop then come from event arrival, which a "
		    "busy system delays; the kernel's own timestamps are exact",
		    "sysctl -w net.netfilter.nf_conntrack_timestamp=1");
	else
		ok(&d, "net.netfilter.nf_conntrack_timestamp is 1");

	if (sys_read_u64("/proc/sys/net/core/rmem_max", &rmem) == 0) {
		if (rmem < conf->rcvbuf && geteuid() != 0) {
			snprintf(msg, sizeof(msg), "net.core.rmem_max is %llu, "
			    "below netlink.rcvbuf %zu",
			    (unsigned long long)rmem, conf->rcvbuf);
			advice(&d, msg, "without CAP_NET_ADMIN the receive "
			    "buffer is capped there and bursts of events are "
			    "lost", "sysctl -w net.core.rmem_max=<netlink.rcvbuf>");
		} else {
			snprintf(msg, sizeof(msg), "receive buffer: netlink."
			    "rcvbuf %zu bytes (net.core.rmem_max %llu; "
			    "CAP_NET_ADMIN may exceed it)", conf->rcvbuf,
			    (unsigned long long)rmem);
			ok(&d, msg);
		}
	}
	fprintf(fp, "%d problem%s\n", d.problems, d.problems == 1 ? "" : "s");
	return d.problems;
}
