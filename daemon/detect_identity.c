/*
 * identity: another device behind a client's address (ports.md section
 * 8, "addresses are not devices").  DHCP hands an address to another
 * device, a phone comes back with a new MAC; judged against the old
 * device's baseline, the new one looks like an attack on every count that
 * rests on a baseline (port range, allocator, rate).  Two signs:
 *
 *  - its MAC (live: the kernel's neighbour table, rtnetlink RTM_NEWNEIGH,
 *    through detect_identity_mac) is another than the one seen before;
 *  - it comes back after silence_s without a flow, and its first
 *    ID_WINDOW TCP connects come from another stack: half from outside
 *    both its learned port range and its family's default range (a
 *    sequential allocator walks the whole of it) and all but one inside
 *    the default range of another modern stack (Linux 32768-60999, IANA
 *    49152-65535, FreeBSD 10000-65535; ports.md 1.11), or all but one
 *    even where it had both parities: Linux's connect() (ports.md 1.1).
 *    A tool that binds its own ports (hping3 from 1024) is no stack: the
 *    host stays itself and port_range judges it.
 *
 * Either way one info alert says so and the host learns again.  Until the
 * window decides, port_range holds its verdict and allocator_change does
 * not judge a host back from silence; the same MAC ends that wait.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"


static void
id_mac_fmt(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/* Another device on host hi: say why, and learn it again. */
static void
id_change(struct detect *d, uint32_t hi, uint64_t now, const char *why,
    const char *evidence, const uint8_t *mac)
{
	struct hdet	*hd;
	struct alert	 a;
	char		 addr[HOST_STRLEN];
	bool		 learned;

	if ((hd = detect_hdet(d, hi)) == NULL)
		return;
	learned = hd->learned_ms != 0;
	host_fmt(&d->core->hosts.v[hi], addr, sizeof(addr));
	detect_alert_init(&a, d, hi, now, SEV_INFO, ACT_LOG);
	snprintf(a.summary, sizeof(a.summary), "host %s: another device on "
	    "the address: %s; %s", addr, why, learned ? "its baseline is "
	    "learned again" : "its measurements start again");
	snprintf(a.evidence, sizeof(a.evidence), "%s", evidence);
	detect_raise(d, &detect_identity, &a);
	detect_reset_host(d, hi, now);
	if ((hd = detect_hdet(d, hi)) == NULL)
		return;
	hd->id_last_ms = now;
	if (mac != NULL) {
		memcpy(hd->id_mac, mac, 6);
		hd->id_has_mac = true;
	}
}

/*
 * The neighbour table says address of host hi is at mac: the first MAC is
 * remembered; the same one ends a wait after silence; another one is
 * another device.
 */
void
detect_identity_mac(struct detect *d, uint32_t hi, const uint8_t *mac,
    uint64_t now_ms)
{
	const struct id_conf	*ic = &d->conf->identity;
	struct hdet		*hd;
	char			 was[18], is[18], why[96], ev[160];

	if (!ic->enabled || !ic->neighbours ||
	    (hd = detect_hdet(d, hi)) == NULL)
		return;
	if (!hd->id_has_mac) {
		memcpy(hd->id_mac, mac, 6);
		hd->id_has_mac = true;
		return;
	}
	if (memcmp(hd->id_mac, mac, 6) == 0) {
		hd->id_probe = false;	/* the same device came back */
		return;
	}
	id_mac_fmt(hd->id_mac, was, sizeof(was));
	id_mac_fmt(mac, is, sizeof(is));
	snprintf(why, sizeof(why), "its MAC is %s, was %s", is, was);
	snprintf(ev, sizeof(ev), "{\"sign\": \"mac\", \"mac\": \"%s\", "
	    "\"was\": \"%s\"}", is, was);
	id_change(d, hi, now_ms, why, ev, mac);
}

/* Whether the family's default range holds all the window's ports but one. */
static bool
id_holds(const struct hdet *hd, int family)
{
	uint32_t	i, in = 0;

	for (i = 0; i < hd->id_n && i < ID_WINDOW; i++)
		if (host_family_holds(family, hd->id_ports[i]))
			in++;
	return in + 1 >= hd->id_n;
}

/* The modern stack whose default range holds the window, or RF_UNKNOWN. */
static int
id_stack(const struct hdet *hd)
{
	static const int stacks[] = { RF_IANA, RF_LINUX, RF_FREEBSD };
	size_t		 i;

	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++)
		if (id_holds(hd, stacks[i]))
			return stacks[i];
	return RF_UNKNOWN;
}

static void
id_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct id_conf	*ic = &d->conf->identity;
	uint32_t		 slack = d->conf->port_range.slack;
	uint64_t		 now = ev->ts_ms, last = hd->id_last_ms;
	double			 even;
	char			 why[160], evi[320];
	int			 fam;
	bool			 out, parity;

	hd->id_last_ms = now;
	if (!ic->enabled || ic->silence_s == 0 || hd->learned_ms == 0)
		return;
	if (last != 0 && now - last >= (uint64_t)ic->silence_s * 1000) {
		hd->id_probe = true;	/* back from silence */
		hd->id_gap_ms = now - last;
		hd->id_n = hd->id_out = hd->id_even = 0;
	}
	if (!hd->id_probe || ev->proto != IPPROTO_TCP || ev->sport < 1024)
		return;
	if (hd->id_n < ID_WINDOW)
		hd->id_ports[hd->id_n] = ev->sport;
	hd->id_n++;
	if (((uint32_t)ev->sport + slack < hd->port_min ||
	    ev->sport > (uint32_t)hd->port_max + slack) &&
	    !host_family_holds(hd->family, ev->sport))
		hd->id_out++;
	if (ev->sport % 2 == 0)
		hd->id_even++;
	if (hd->id_n < ID_WINDOW)
		return;
	hd->id_probe = false;
	even = (double)hd->id_even / hd->id_n;
	fam = id_stack(hd);
	out = hd->id_out * 2 >= hd->id_n && fam != RF_UNKNOWN &&
	    fam != hd->family;
	parity = hd->even_ratio <= 0.6 && hd->id_even + 1 >= hd->id_n &&
	    id_holds(hd, RF_LINUX);
	if (!out && !parity)
		return;
	snprintf(why, sizeof(why), "back after %llu min, %u of its first %u "
	    "TCP ports outside %u-%u (%s) and %.0f %% even (learned %.0f %%)",
	    (unsigned long long)(hd->id_gap_ms / 60000), hd->id_out,
	    hd->id_n, hd->port_min, hd->port_max,
	    host_family_name(hd->family), even * 100,
	    hd->even_ratio * 100.0);
	snprintf(evi, sizeof(evi), "{\"sign\": \"ports\", \"silence\": %.3f, "
	    "\"connects\": %u, \"outside\": %u, \"learned_range\": "
	    "\"%u-%u\", \"even_ratio\": %.4f, \"learned_even_ratio\": %.4f, "
	    "\"silence_threshold\": %u}", hd->id_gap_ms / 1000.0, hd->id_n,
	    hd->id_out, hd->port_min, hd->port_max, even, hd->even_ratio,
	    ic->silence_s);
	id_change(d, f->host, now, why, evi, NULL);
}

const struct detector_ops detect_identity = {
	.name = "identity",
	.flow_new = id_new,
};
