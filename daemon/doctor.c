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

/*
 * Can a client send from another's address?  Strict reverse-path
 * filtering stops it: rp_filter 1 on every LAN interface (the larger of
 * "all" and the interface's own counts), IPv4 only, or the antispoof
 * chain of nft/antispoof.nft, both families.  Advice, not a problem:
 * many gateways filter elsewhere.
 */
static void
doctor_spoof(struct doctor *d, struct rtnl *r)
{
	const struct rtnl_link	*l;
	struct nftq		*q;
	char			 path[96], loose[256] = "";
	uint64_t		 all = 0, one;
	size_t			 i, n, used = 0;
	bool			 chain = false;

	if ((q = nftq_open(false)) != NULL) {
		chain = nftq_has_chain(q, "antispoof");
		nftq_close(q);
	}
	if (chain) {
		ok(d, "spoofed sources are dropped: chain antispoof of table "
		    "inet ephemd");
		return;
	}
	(void)sys_read_u64("/proc/sys/net/ipv4/conf/all/rp_filter", &all);
	n = rtnl_links(r, &l);
	for (i = 0; i < n; i++) {
		if (l[i].loopback || !rtnl_link_internal(r, l[i].ifindex))
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/"
		    "rp_filter", l[i].name);
		if (sys_read_u64(path, &one) == -1)
			one = 0;
		if ((one > all ? one : all) != 1 && used < sizeof(loose) - 20)
			used += (size_t)snprintf(loose + used, sizeof(loose) -
			    used, "%s%s", used ? ", " : "", l[i].name);
	}
	if (used > 0) {
		char	msg[320];

		snprintf(msg, sizeof(msg), "clients may send from other "
		    "addresses: no strict reverse-path filter on %s", loose);
		advice(d, msg, "a client could have its flows counted against "
		    "another's address, and that address quarantined",
		    "nft -f /usr/share/ephemd/antispoof.nft (IPv4 and IPv6), "
		    "or sysctl net.ipv4.conf.<interface>.rp_filter=1 (IPv4)");
	} else
		advice(d, "IPv4 sources are checked (rp_filter 1), IPv6 ones "
		    "are not", "a client could send from another's IPv6 "
		    "address", "nft -f /usr/share/ephemd/antispoof.nft");
}

/*
 * The clients: the internal prefixes and where each comes from (the LAN
 * interfaces, the configuration), read from the kernel as the daemon
 * would; IPv6 forwarded with no IPv6 prefix internal means IPv6 clients
 * are not measured.
 */
static void
doctor_clients(struct doctor *d, const struct conf *conf)
{
	const struct rtnl_prefix	*p;
	const struct rtnl_link		*l;
	struct rtnl			*r;
	struct core			*core;
	char				 line[1024], a[ADDR_STRLEN];
	size_t				 i, n, used = 0, wan = 0;
	uint64_t			 fwd6 = 0;
	bool				 v6 = false;

	if ((core = core_new(&conf->core)) == NULL ||
	    (r = rtnl_new(conf, core)) == NULL) {
		core_free(core);
		problem(d, "out of memory", "", "");
		return;
	}
	if (rtnl_resync(r) == -1) {
		problem(d, "the interfaces cannot be read over rtnetlink",
		    strerror(errno), "run ephemd --doctor on the gateway");
		goto out;
	}
	n = rtnl_links(r, &l);
	for (i = 0; i < n; i++)
		if (rtnl_link_default(r, l[i].ifindex)) {
			used += (size_t)snprintf(line + used, sizeof(line) -
			    used, "%s%s", wan++ ? ", " : "", l[i].name);
			if (used >= sizeof(line))
				break;
		}
	if (wan == 0)
		advice(d, "no interface carries a default route",
		    "with internal_interfaces \"auto\" every interface then "
		    "counts as the LAN side", "name the LAN interfaces in "
		    "internal_interfaces, or add the default route");
	else {
		char	msg[1100];

		snprintf(msg, sizeof(msg), "the WAN side (default routes): %s",
		    line);
		ok(d, msg);
	}
	n = rtnl_prefixes(r, &p);
	for (i = 0, used = 0; i < n && used < sizeof(line) - 80; i++) {
		int plen = p[i].net.plen - (addr_is_v4(&p[i].net.addr) ? 96 : 0);

		v6 |= !addr_is_v4(&p[i].net.addr);
		addr_fmt(&p[i].net.addr, a, sizeof(a));
		used += (size_t)snprintf(line + used, sizeof(line) - used,
		    "%s%s/%d (%s)", i ? ", " : "", a, plen, p[i].source);
	}
	if (n == 0)
		problem(d, "no internal prefix: no client would be measured "
		    "but NATed ones", "internal_interfaces and "
		    "internal_networks give none", "set internal_interfaces "
		    "to the LAN interfaces (or \"auto\")");
	else {
		char	msg[1200];

		snprintf(msg, sizeof(msg), "clients are the sources in: %s%s",
		    line, i < n ? ", ..." : "");
		ok(d, msg);
	}
	if (sys_read_u64("/proc/sys/net/ipv6/conf/all/forwarding", &fwd6) ==
	    0 && fwd6 == 1 && !v6)
		problem(d, "IPv6 is forwarded but no IPv6 prefix is internal",
		    "IPv6 clients use global addresses, not NATed: none of "
		    "their flows would be measured", "add the LAN interface to "
		    "internal_interfaces (\"auto\" finds it when it carries no "
		    "default route), or its prefix to internal_networks");
	doctor_spoof(d, r);
out:
	rtnl_close(r);
	core_free(core);
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

	if (max > conf->core.max_flows) {
		snprintf(msg, sizeof(msg), "limits.flows (%zu) is below "
		    "nf_conntrack_max (%llu)", conf->core.max_flows,
		    (unsigned long long)max);
		advice(&d, msg, "when the kernel tracks more flows than "
		    "ephemd may hold, the rest are refused and counted (flow "
		    "table full)", "set limits.flows to nf_conntrack_max");
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
	doctor_clients(&d, conf);
	fprintf(fp, "%d problem%s\n", d.problems, d.problems == 1 ? "" : "s");
	return d.problems;
}
