/*
 * Output: NEW and DESTROY lines as conntrack -E -o timestamp,extended,id
 * prints them (libnetfilter_conntrack's default format, conntrack-tools
 * 1.4.7; gencap.md, "Output format"), formatted by hand into one large
 * buffer, without printf or malloc per line.
 */

#include <errno.h>
#include <string.h>

#include "gen.h"

void
out_flush(struct gen *g)
{
	if (g->olen > 0 && fwrite(g->obuf, 1, g->olen, stdout) != g->olen)
		fatalx("stdout: %s", strerror(errno));
	g->olen = 0;
}

static inline char *
put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT_LIT(p, s)	put_str((p), (s), sizeof(s) - 1)

/*
 * An address from an ADDR_BUF-sized buffer: copying the whole buffer is a
 * few vector moves, much cheaper than a variable-length memcpy; the bytes
 * past len land in the line reserve and are overwritten.
 */
static inline char *
put_addr(char *p, const char *buf, size_t len)
{
	memcpy(p, buf, ADDR_BUF);
	return p + len;
}

static inline char *
put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* six digits, zero-padded, as printf("%.6ld") */
static inline char *
put_usec(char *p, uint32_t v)
{
	int i;

	for (i = 5; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + 6;
}

static inline char *
put_ports(char *p, uint16_t sport, uint16_t dport)
{
	p = PUT_LIT(p, "sport=");
	p = put_u64(p, sport);
	p = PUT_LIT(p, " dport=");
	p = put_u64(p, dport);
	*p++ = ' ';
	return p;
}

static inline char *
put_icmp(char *p, unsigned int type, uint16_t id)
{
	p = PUT_LIT(p, "type=");
	p = put_u64(p, type);
	p = PUT_LIT(p, " code=0 id=");
	p = put_u64(p, id);
	*p++ = ' ';
	return p;
}

/* a dotted quad, host byte order, into an ADDR_BUF-sized buffer */
static uint8_t
fmt_ip4(char *buf, uint32_t a)
{
	char *p = buf;
	int i;

	for (i = 24; i >= 0; i -= 8) {
		p = put_u64(p, (a >> i) & 0xff);
		*p++ = '.';
	}
	p[-1] = '\0';
	return (uint8_t)(p - 1 - buf);
}

/*
 * A flow's own source address (F_ALTSRC): an IPv4 address, or an IPv6
 * interface identifier in the host's /64.
 */
static uint8_t
fmt_altsrc(char *buf, const struct host *h, const struct flow *f, bool v6)
{
	if (!v6)
		return fmt_ip4(buf, (uint32_t)f->src_id);
	world_addr6(h->pfx64, f->src_id, buf);
	return (uint8_t)strlen(buf);
}

/* One NEW or DESTROY line, as libnetfilter_conntrack's default output. */
void
out_flow(struct gen *g, const struct flow *f, uint64_t t_us, bool destroy)
{
	static const char *states[] = {
		[TE_TIME_WAIT] = "TIME_WAIT ",
		[TE_CLOSE] = "CLOSE ",
		[TE_SYN_SENT] = "SYN_SENT ",
	};
	const struct host *h = &g->hosts[f->host];
	const struct server *sv = &g->servers[f->server];
	const char *src = h->addr, *dst, *rdst;
	size_t src_len = h->addr_len, dst_len, rdst_len;
	uint64_t us;
	char *p, dbuf[ADDR_BUF], sbuf[ADDR_BUF];
	bool v6 = h->v6;

	if (OBUF_SIZE - g->olen < LINE_MAX_LEN)
		out_flush(g);
	p = g->obuf + g->olen;

	if (f->flags & (F_ALTSRC | F_FAM)) {
		v6 = flow_v6(h, f);
		if (f->flags & F_ALTSRC) {
			src = sbuf;
			src_len = fmt_altsrc(sbuf, h, f, v6);
		}
	}
	if (f->flags & F_LOCAL) {
		dst = h->gw;
		dst_len = h->gw_len;
		rdst = src;
		rdst_len = src_len;
	} else if (f->flags & F_DST4) {
		dst = dbuf;
		dst_len = fmt_ip4(dbuf, f->dst4);
		rdst = g->public4;
		rdst_len = g->public4_len;
	} else {
		dst = v6 ? sv->v6 : sv->v4;
		dst_len = v6 ? sv->v6_len : sv->v4_len;
		rdst = v6 ? g->public6 : g->public4;
		rdst_len = v6 ? g->public6_len : g->public4_len;
	}

	if (g->o.fmt & FMT_TS) {
		us = g->o.start_epoch * US_PER_S + t_us;
		*p++ = '[';
		p = put_u64(p, us / US_PER_S);
		*p++ = '.';
		p = put_usec(p, (uint32_t)(us % US_PER_S));
		*p++ = ']';
		*p++ = '\t';
	}
	p = destroy ? PUT_LIT(p, "[DESTROY] ") : PUT_LIT(p, "    [NEW] ");
	if (g->o.fmt & FMT_EXT)
		p = v6 ? PUT_LIT(p, "ipv6     10 ") :
		    PUT_LIT(p, "ipv4     2 ");
	switch (f->proto) {
	case PROTO_TCP:
		p = PUT_LIT(p, "tcp      6 ");
		break;
	case PROTO_UDP:
		p = PUT_LIT(p, "udp      17 ");
		break;
	case PROTO_ICMP:
		p = PUT_LIT(p, "icmp     1 ");
		break;
	default:
		p = PUT_LIT(p, "icmpv6   58 ");
		break;
	}
	if (!destroy) {
		if (f->proto == PROTO_TCP)
			p = PUT_LIT(p, "120 SYN_SENT ");
		else
			p = PUT_LIT(p, "30 ");
	} else if (f->proto == PROTO_TCP)
		p = put_str(p, states[f->end_state],
		    strlen(states[f->end_state]));

	p = PUT_LIT(p, "src=");
	p = put_addr(p, src, src_len);
	p = PUT_LIT(p, " dst=");
	p = put_addr(p, dst, dst_len);
	*p++ = ' ';
	if (f->proto == PROTO_ICMP)
		p = put_icmp(p, 8, f->sport);
	else if (f->proto == PROTO_ICMPV6)
		p = put_icmp(p, 128, f->sport);
	else
		p = put_ports(p, f->sport, f->dport);
	if (!destroy || !(f->flags & F_REPLIED))
		p = PUT_LIT(p, "[UNREPLIED] ");

	p = PUT_LIT(p, "src=");
	p = put_addr(p, dst, dst_len);
	p = PUT_LIT(p, " dst=");
	p = put_addr(p, rdst, rdst_len);
	*p++ = ' ';
	if (f->proto == PROTO_ICMP)
		p = put_icmp(p, 0, f->nat_port);
	else if (f->proto == PROTO_ICMPV6)
		p = put_icmp(p, 129, f->nat_port);
	else
		p = put_ports(p, f->dport, f->nat_port);
	if (destroy && (f->flags & F_ASSURED))
		p = PUT_LIT(p, "[ASSURED] ");
	if (g->o.fmt & FMT_ID) {
		p = PUT_LIT(p, "id=");
		p = put_u64(p, f->ct_id);
		*p++ = ' ';
	}
	p[-1] = '\n';
	g->olen = (size_t)(p - g->obuf);
	g->lines++;
}
