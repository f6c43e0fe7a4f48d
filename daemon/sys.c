/*
 * Reading the kernel's settings from /proc/sys: the per-namespace
 * conntrack timeouts for the lifetime correction, and what --doctor
 * checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

#define NF_SYS	"/proc/sys/net/netfilter/"

/* The first number in a /proc/sys file; -1 with errno when unreadable. */
int
sys_read_u64(const char *path, uint64_t *ret)
{
	FILE			*fp;
	unsigned long long	 v;
	int			 n;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	n = fscanf(fp, "%llu", &v);
	fclose(fp);
	if (n != 1) {
		errno = EINVAL;
		return -1;
	}
	*ret = v;
	return 0;
}

/*
 * The timeouts of this network namespace; a value that cannot be read
 * keeps its default.  Returns how many were read.
 */
int
sys_read_timeouts(struct ct_timeouts *t)
{
	static const struct {
		const char	*file;
		size_t		 off;
	} files[] = {
#define T(file, field)	{ NF_SYS file, offsetof(struct ct_timeouts, field) }
		T("nf_conntrack_tcp_timeout_syn_sent", tcp[CTS_SYN_SENT]),
		T("nf_conntrack_tcp_timeout_syn_recv", tcp[CTS_SYN_RECV]),
		T("nf_conntrack_tcp_timeout_established", tcp[CTS_ESTABLISHED]),
		T("nf_conntrack_tcp_timeout_fin_wait", tcp[CTS_FIN_WAIT]),
		T("nf_conntrack_tcp_timeout_close_wait", tcp[CTS_CLOSE_WAIT]),
		T("nf_conntrack_tcp_timeout_last_ack", tcp[CTS_LAST_ACK]),
		T("nf_conntrack_tcp_timeout_time_wait", tcp[CTS_TIME_WAIT]),
		T("nf_conntrack_tcp_timeout_close", tcp[CTS_CLOSE]),
		T("nf_conntrack_udp_timeout", udp),
		T("nf_conntrack_udp_timeout_stream", udp_stream),
		T("nf_conntrack_icmp_timeout", icmp),
		T("nf_conntrack_generic_timeout", generic),
#undef T
	};
	uint64_t	v;
	size_t		i;
	int		n = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (sys_read_u64(files[i].file, &v) == -1 || v > UINT32_MAX)
			continue;
		*(uint32_t *)((char *)t + files[i].off) = v;
		n++;
	}
	t->tcp[CTS_SYN_SENT2] = t->tcp[CTS_SYN_SENT];
	return n;
}
