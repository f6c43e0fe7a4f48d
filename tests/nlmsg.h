/*
 * nlmsg.h: netlink messages built as the kernel sends them (libmnl), for
 * the suites that parse them back (check_ct, check_drops, check_rtnl) and
 * for the fuzz corpora's seeds (fuzz/mkseeds); and the quarantine that
 * NFLOG drops are counted against (check_drops, fuzz/fuzz_drops).  No
 * Check here, so that the fuzz harnesses link it too: an address that
 * does not parse aborts.  Built into libnlmsg.a.
 */
#ifndef EPHEMD_NLMSG_H
#define EPHEMD_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct quar;

/* One datagram: each builder appends its message at len. */
struct nlmsg_buf {
	char	b[65536];
	size_t	len;
};

/* ctnetlink */
struct nlmsg_tuple {
	const char	*src, *dst;
	uint16_t	 sport, dport;		/* icmp: id, type << 8 | code */
};

struct nlmsg_ct {
	uint16_t	 msg;		/* IPCTNL_MSG_* */
	uint8_t		 subsys;	/* 0: NFNL_SUBSYS_CTNETLINK */
	uint8_t		 family;
	uint8_t		 proto;
	struct nlmsg_tuple orig, reply;
	bool		 no_reply;	/* leave the reply tuple out */
	bool		 no_ports;	/* leave the ports out */
	uint32_t	 status;
	int		 state;		/* TCP_CONNTRACK_*, -1: none */
	uint32_t	 timeout;	/* 0: none */
	uint32_t	 id;
	uint64_t	 tstart, tstop;	/* ns, 0: none */
	uint16_t	 zone;
	uint32_t	 pid;		/* the sender: not 0 for user space */
};

struct nlmsghdr *nlmsg_ct(struct nlmsg_buf *, const struct nlmsg_ct *);

/*
 * NFLOG: an NFULNL_MSG_PACKET of the quarantine's prefix with the packet
 * (none when NULL) and its sequence number (none when < 0).
 */
struct nlmsghdr *nlmsg_nflog(struct nlmsg_buf *, const uint8_t *, size_t,
	    int);

/*
 * The quarantine the drops are counted against: 10.0.0.66 and fd00::66
 * held for an hour from now_ms; NULL when out of memory.
 */
struct quar	*nlmsg_drops_quar(uint64_t);

/*
 * rtnetlink: a link (its name, IFF_* flags), an address (v4 or v6 by its
 * text, with its prefix length), a route (destination prefix length,
 * RTA_PRIORITY when not 0, one output interface or two next hops when
 * oif2 is not 0), a neighbour (its MAC when not NULL).
 */
struct nlmsghdr *nlmsg_link(struct nlmsg_buf *, uint16_t, int, const char *,
	    unsigned);
struct nlmsghdr *nlmsg_addr(struct nlmsg_buf *, uint16_t, int, const char *,
	    int);
struct nlmsghdr *nlmsg_route(struct nlmsg_buf *, uint16_t, uint8_t, int,
	    uint32_t, int, int);
struct nlmsghdr *nlmsg_neigh(struct nlmsg_buf *, uint16_t, int, const char *,
	    const uint8_t *);

#endif /* EPHEMD_NLMSG_H */
