/*
 * Conntrack state timeouts.  The estimate of a port's active lifetime is
 * stop - start - timeout(final state): the kernel keeps an entry for the
 * timeout of its last state before it sends DESTROY (DESIGN section 1,
 * ports.md section 5.2 and 5.3).  Also the protocols' and states' names.
 */
#include <string.h>
#include <netinet/in.h>

#include "ephemd.h"

#define S(name, state)	{ name, sizeof(name) - 1, state }
static const struct {
	const char	*name;
	size_t		 len;
	int		 state;
} state_names[] = {
	S("TIME_WAIT", CTS_TIME_WAIT),
	S("SYN_SENT", CTS_SYN_SENT),
	S("CLOSE", CTS_CLOSE),
	S("ESTABLISHED", CTS_ESTABLISHED),
	S("SYN_RECV", CTS_SYN_RECV),
	S("FIN_WAIT", CTS_FIN_WAIT),
	S("CLOSE_WAIT", CTS_CLOSE_WAIT),
	S("LAST_ACK", CTS_LAST_ACK),
	S("SYN_SENT2", CTS_SYN_SENT2),
};
#undef S

/* Linux defaults, Documentation/networking/nf_conntrack-sysctl.rst. */
void
timeouts_default(struct ct_timeouts *t)
{
	memset(t, 0, sizeof(*t));
	t->tcp[CTS_SYN_SENT] = 120;
	t->tcp[CTS_SYN_RECV] = 60;
	t->tcp[CTS_ESTABLISHED] = 432000;
	t->tcp[CTS_FIN_WAIT] = 120;
	t->tcp[CTS_CLOSE_WAIT] = 60;
	t->tcp[CTS_LAST_ACK] = 30;
	t->tcp[CTS_TIME_WAIT] = 120;
	t->tcp[CTS_CLOSE] = 10;
	t->tcp[CTS_SYN_SENT2] = 120;
	t->udp = 30;
	t->udp_stream = 120;
	t->icmp = 30;
	t->generic = 600;
}

/*
 * The time the flow spent in its final state before DESTROY, in seconds.
 * An entry that expired spent the whole timeout there.  One deleted from
 * user space (conntrack -F, -D) spent timeout - remaining when the event
 * carries the remaining timeout, else nothing is subtracted.
 */
uint32_t
timeouts_final(const struct ct_timeouts *t, const struct flow_event *ev)
{
	uint32_t	to;

	switch (ev->proto) {
	case IPPROTO_TCP:
		if (ev->state == CTS_NONE || ev->state >= CTS_OTHER)
			return 0;
		to = t->tcp[ev->state];
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		to = (ev->flags & EVF_ASSURED) ? t->udp_stream : t->udp;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		to = t->icmp;
		break;
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		/* state timeouts of these are not tracked: no correction */
		return 0;
	default:
		to = t->generic;
		break;
	}
	if (ev->flags & EVF_USERSPACE) {
		if (!(ev->flags & EVF_TIMEOUT) || ev->timeout_s > to)
			return 0;
		return to - ev->timeout_s;
	}
	return to;
}

int
timeouts_state_parse(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i].len == len &&
		    memcmp(state_names[i].name, s, len) == 0)
			return state_names[i].state;
	return CTS_OTHER;
}

const char *
timeouts_state_name(int state)
{
	size_t	i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i].state == state)
			return state_names[i].name;
	return state == CTS_NONE ? "" : "OTHER";
}

const char *
timeouts_proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:	return "tcp";
	case IPPROTO_UDP:	return "udp";
	case IPPROTO_UDPLITE:	return "udplite";
	case IPPROTO_SCTP:	return "sctp";
	case IPPROTO_DCCP:	return "dccp";
	case IPPROTO_ICMP:	return "icmp";
	case IPPROTO_ICMPV6:	return "icmpv6";
	default:		return "other";
	}
}
