/*
 * The world around the hosts: the popular servers and their Zipf
 * popularity, the external resolvers and NTP servers, and the client
 * population's models and addresses (gencap.md, "Activity model" and
 * "NAT").
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

void
world_addr_string(int af, const void *a, char *buf, uint8_t *ret_len)
{
	if (inet_ntop(af, a, buf, ADDR_BUF) == NULL)
		fatalx("inet_ntop: %s", strerror(errno));
	*ret_len = (uint8_t)strlen(buf);
}

/* a built-in address pair, normalised through inet_pton/inet_ntop */
void
world_addr_fixed(const char *v4, const char *v6, char *buf4, uint8_t *ret_len4,
    char *buf6, uint8_t *ret_len6)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, v4, &a4) != 1 ||
	    inet_pton(AF_INET6, v6, &a6) != 1)
		fatalx("bad built-in address %s / %s", v4, v6);
	world_addr_string(AF_INET, &a4, buf4, ret_len4);
	world_addr_string(AF_INET6, &a6, buf6, ret_len6);
}

/*
 * Popular servers: distinct IPv4 addresses in the benchmark range
 * 198.18.0.0/15, IPv6 in 2001:db8::/32; Zipf popularity over a random
 * permutation.  Then the external resolvers and NTP servers.
 */
void
world_servers_init(struct gen *g)
{
	static const char *fixed[NRESOLVERS + NNTP][2] = {
		{ "198.51.100.53", "2001:db8:53::53" },
		{ "192.0.2.53", "2001:db8:53::153" },
		{ "198.51.100.153", "2001:db8:53:1::53" },
		{ "192.0.2.153", "2001:db8:53:1::153" },
		{ "192.0.2.123", "2001:db8:123::1" },
		{ "198.51.100.123", "2001:db8:123::2" },
		{ "192.0.2.223", "2001:db8:123::3" },
		{ "198.51.100.223", "2001:db8:123::4" },
	};
	struct server *sv;
	uint8_t *seen;
	unsigned char a6[16];
	uint32_t i, j, x, a4;
	uint16_t tmp;
	double sum;

	g->nservers = NPOP_SERVERS + NRESOLVERS + NNTP;
	g->servers = calloc(g->nservers, sizeof(*g->servers));
	g->zipf_cdf = calloc(NPOP_SERVERS, sizeof(*g->zipf_cdf));
	g->zipf_map = calloc(NPOP_SERVERS, sizeof(*g->zipf_map));
	seen = calloc(1 << 17, 1);
	if (g->servers == NULL || g->zipf_cdf == NULL ||
	    g->zipf_map == NULL || seen == NULL)
		fatalx("out of memory");

	for (i = 0; i < NPOP_SERVERS; i++) {
		do {
			x = rng_below(&g->rng, 1 << 17);
		} while ((x & 0xff) == 0 || (x & 0xff) == 0xff || seen[x]);
		seen[x] = 1;
		a4 = htonl((198U << 24) | (18U << 16) | x);
		world_addr_string(AF_INET, &a4, g->servers[i].v4,
		    &g->servers[i].v4_len);
		memset(a6, 0, sizeof(a6));
		a6[0] = 0x20;
		a6[1] = 0x01;
		a6[2] = 0x0d;
		a6[3] = 0xb8;
		x = 1 + rng_below(&g->rng, 0xfffe);
		a6[4] = (unsigned char)(x >> 8);
		a6[5] = (unsigned char)x;
		a6[6] = (unsigned char)((i + 1) >> 8);
		a6[7] = (unsigned char)(i + 1);
		x = 1 + rng_below(&g->rng, 0xfffe);
		a6[14] = (unsigned char)(x >> 8);
		a6[15] = (unsigned char)x;
		world_addr_string(AF_INET6, a6, g->servers[i].v6,
		    &g->servers[i].v6_len);
	}
	free(seen);
	for (i = 0; i < NRESOLVERS + NNTP; i++) {
		sv = &g->servers[NPOP_SERVERS + i];
		world_addr_fixed(fixed[i][0], fixed[i][1], sv->v4, &sv->v4_len,
		    sv->v6, &sv->v6_len);
	}

	sum = 0;
	for (i = 0; i < NPOP_SERVERS; i++) {
		sum += pow(i + 1.0, -ZIPF_S);
		g->zipf_cdf[i] = sum;
	}
	for (i = 0; i < NPOP_SERVERS; i++)
		g->zipf_cdf[i] /= sum;
	g->zipf_cdf[NPOP_SERVERS - 1] = 2.0;	/* guard against rounding */
	for (i = 0; i < NPOP_SERVERS; i++)
		g->zipf_map[i] = (uint16_t)i;
	for (i = NPOP_SERVERS - 1; i > 0; i--) {
		j = rng_below(&g->rng, i + 1);
		tmp = g->zipf_map[i];
		g->zipf_map[i] = g->zipf_map[j];
		g->zipf_map[j] = tmp;
	}
}

uint16_t
world_zipf(const struct gen *g, struct rng *r)
{
	double u = rng_unif(r);
	uint32_t lo = 0, hi = NPOP_SERVERS - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return g->zipf_map[lo];
}

/*
 * Client addresses.  IPv4: 192.168.1.10 upwards, 240 per /24; every tenth
 * host lives in 10.20.0.0/16 and another tenth in 100.64.0.0/10.  IPv6:
 * fd00:1::<n>.  The gateway (the LAN resolver) is .1 / fd00:1::1.
 */
void
world_host_addr(struct host *h, uint32_t *n4, uint32_t pool_n[3], uint32_t *n6)
{
	unsigned char a6[16], g6[16];
	uint32_t a4, g4, j, pool, v;

	h->pfx64 = LAN6_PFX;	/* also a dual-stack host's */
	if (h->v6) {
		memset(a6, 0, sizeof(a6));
		a6[0] = 0xfd;
		a6[3] = 0x01;
		memcpy(g6, a6, sizeof(g6));
		g6[15] = 1;
		v = 2 + (*n6)++;
		a6[12] = (unsigned char)(v >> 24);
		a6[13] = (unsigned char)(v >> 16);
		a6[14] = (unsigned char)(v >> 8);
		a6[15] = (unsigned char)v;
		world_addr_string(AF_INET6, a6, h->addr, &h->addr_len);
		world_addr_string(AF_INET6, g6, h->gw, &h->gw_len);
		return;
	}
	pool = *n4 % 10 == 7 ? 1 : *n4 % 10 == 9 ? 2 : 0;
	(*n4)++;
	j = pool_n[pool]++;
	switch (pool) {
	case 0:
		a4 = (192U << 24) | (168U << 16) | ((1 + j / 240) << 8) |
		    (10 + j % 240);
		g4 = (192U << 24) | (168U << 16) | ((1 + j / 240) << 8) | 1;
		break;
	case 1:
		a4 = (10U << 24) | (20U << 16) | ((j / 240) << 8) |
		    (10 + j % 240);
		g4 = (10U << 24) | (20U << 16) | 1;
		break;
	default:
		a4 = (100U << 24) | ((64 + j / 240 / 256) << 16) |
		    (((j / 240) % 256) << 8) | (10 + j % 240);
		g4 = (100U << 24) | (64U << 16) | 1;
		break;
	}
	a4 = htonl(a4);
	g4 = htonl(g4);
	world_addr_string(AF_INET, &a4, h->addr, &h->addr_len);
	world_addr_string(AF_INET, &g4, h->gw, &h->gw_len);
}

/* first 8 hosts one per model, the rest drawn by share */
enum model
world_model_pick(struct gen *g, uint32_t i)
{
	double u, acc = 0;
	int m;

	if (i < M_COUNT)
		return (enum model)i;
	u = rng_unif(&g->rng);
	for (m = 0; m < M_COUNT - 1; m++) {
		acc += stack_models[m].share;
		if (u < acc)
			break;
	}
	return (enum model)m;
}

/*
 * Move an IPv6 host into a /64 of its own (a segment of the LAN where it
 * is alone: a guest network, a VLAN), keeping its interface identifier;
 * the gateway is ::1 of that /64.
 */
void
world_host_move64(struct host *h, uint64_t pfx64)
{
	unsigned char a6[16];
	int i;

	if (inet_pton(AF_INET6, h->addr, a6) != 1)
		fatalx("bad host address %s", h->addr);
	for (i = 0; i < 8; i++)
		a6[i] = (unsigned char)(pfx64 >> (56 - 8 * i));
	h->pfx64 = pfx64;
	world_addr_string(AF_INET6, a6, h->addr, &h->addr_len);
	memset(a6 + 8, 0, 8);
	a6[15] = 1;
	world_addr_string(AF_INET6, a6, h->gw, &h->gw_len);
}

/* an IPv6 address as text: a /64 and an interface identifier */
void
world_addr6(uint64_t pfx64, uint64_t iid, char *buf)
{
	unsigned char a6[16];
	uint8_t len;
	int i;

	for (i = 0; i < 8; i++) {
		a6[i] = (unsigned char)(pfx64 >> (56 - 8 * i));
		a6[8 + i] = (unsigned char)(iid >> (56 - 8 * i));
	}
	world_addr_string(AF_INET6, a6, buf, &len);
}

/*
 * A server of a scenario's own (telemetry, a VPN concentrator, an
 * application): appended to the table, with both families' addresses.
 */
uint16_t
world_server_add(struct gen *g, const char *v4, const char *v6)
{
	struct server *sv;

	sv = reallocarray(g->servers, g->nservers + 1, sizeof(*sv));
	if (sv == NULL)
		fatalx("out of memory");
	g->servers = sv;
	sv = &g->servers[g->nservers];
	world_addr_fixed(v4, v6, sv->v4, &sv->v4_len, sv->v6, &sv->v6_len);
	return (uint16_t)g->nservers++;
}
