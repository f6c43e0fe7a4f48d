/*
 * Netlink datagrams as they arrive, before libmnl walks them.  libmnl
 * 1.0.4's mnl_nlmsg_ok() compares a message's length as an int: a length
 * of 2 GiB or more reads as negative, passes, and the walk hands the
 * message on and steps that far past the datagram.  The kernel never
 * sends one, and besides it only a process with CAP_NET_ADMIN may send to
 * a netlink socket's port; still, one datagram must not end the daemon,
 * so every datagram ct.c, drops.c, rtnl.c and nftq.c read is checked
 * here first.
 */
#include <linux/netlink.h>

#include "live.h"

/* Whether every message header of buf lies within its len bytes. */
bool
nl_datagram_ok(const void *buf, size_t len)
{
	const struct nlmsghdr	*nlh;
	size_t			 off = 0, step;

	while (len - off >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			return false;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len - off)
			break;
		off += step;
	}
	return true;
}
