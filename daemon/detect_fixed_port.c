/*
 * fixed_port: one source port towards many destinations (ports.md 1.10, 4
 * and (a) D3, D10).  A TCP 4-tuple must be unique and TIME_WAIT holds it,
 * so allocators move on: min_dsts distinct (dst, dport) from one TCP port
 * within window_s is a crafted sender (nmap's base port, masscan's P and
 * P+16, malware bound to 1337, 53 or 443).
 *
 * UDP ports are often fixed on purpose (BitTorrent 6881/51413, SIP 5060,
 * Xbox 3074, NTP 123, IKE 500/4500): a UDP port the host used towards
 * learn_dsts destinations within a window while it learned is normal for
 * it; another towards udp_min_dsts destinations raises.  A UDP flow whose
 * source and destination ports are equal is a protocol's own port (NTP,
 * SIP, IKE) and is left alone.
 *
 * Answers are evidence (ports.md 8): a fixed UDP port that its peers
 * answer is a protocol (P2P, a console, a VPN, SIP); a spray from a fixed
 * port mostly goes unanswered.  So a UDP port wide enough waits for its
 * flows' ends: it raises once at least half its threshold of them ended
 * and no more than max_answered of those were replied to.  TCP needs no
 * wait: no stack connects from one port to many destinations, answered
 * or not (ports.md (a) D10).
 *
 * The host's ports are followed in HD_FP_SLOTS slots: a port seen again
 * keeps its slot, a new one takes the slot with the fewest hits.  The
 * destinations of a slot are counted in a 64-bit linear-counting sketch.
 */
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"

#define FP_CEILING	200	/* a 64-bit sketch reads up to about 266 */

/* Distinct destinations of a slot: never more than its flows. */
static uint32_t
fp_dsts(const struct fp_slot *s)
{
	int		set = __builtin_popcountll(s->dsts);
	uint32_t	n;

	if (set >= 64)
		set = 63;
	/* rounded down: never above the set bits' count plus the
	 * collisions the estimate corrects for */
	n = (uint32_t)(64 * log(64.0 / (64 - set)));
	return n < s->hits ? n : s->hits;
}

static bool
fp_learned(const struct hdet *hd, uint16_t port)
{
	size_t	i;

	for (i = 0; i < HD_FIXED; i++)
		if (hd->fixed[i] == port && port != 0)
			return true;
	return false;
}

/* While the host learns: a UDP port used widely is one of its own. */
static void
fp_learn(struct detect *d, struct hdet *hd, const struct fp_slot *s)
{
	size_t	i;

	if (hd->learned_ms != 0 || s->proto != IPPROTO_UDP ||
	    fp_dsts(s) < d->conf->fixed_port.learn_dsts ||
	    fp_learned(hd, s->port))
		return;
	for (i = 0; i < HD_FIXED; i++)
		if (hd->fixed[i] == 0) {
			hd->fixed[i] = s->port;
			return;
		}
}

/* A slot's port and protocol as hd->fp_key keeps them. */
static uint32_t
fp_key(const struct flow_event *ev)
{
	return ev->sport | (uint32_t)ev->proto << 16;
}

static struct fp_slot *
fp_slot(struct detect *d, struct hdet *hd, const struct flow_event *ev)
{
	uint64_t	 win = (uint64_t)d->conf->fixed_port.window_s * 1000;
	struct fp_slot	*s, *low = NULL;
	uint32_t	 hits, low_hits = UINT32_MAX;
	size_t		 i;

	for (i = 0; i < HD_FP_SLOTS; i++) {
		s = &hd->fp[i];
		if (s->hits != 0 && s->port == ev->sport &&
		    s->proto == ev->proto)
			return s;
		/* a slot whose window passed counts as empty */
		hits = ev->ts_ms - s->since_ms >= win ? 0 : s->hits;
		if (hits < low_hits || (hits == low_hits &&
		    s->since_ms < low->since_ms)) {
			low = s;
			low_hits = hits;
		}
	}
	fp_learn(d, hd, low);
	memset(low, 0, sizeof(*low));
	low->port = ev->sport;
	low->proto = ev->proto;
	low->since_ms = ev->ts_ms;
	hd->fp_key[low - hd->fp] = fp_key(ev);
	return low;
}

static void
fp_alert(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    uint32_t hidx, const struct fp_slot *s, uint32_t dsts, uint32_t min)
{
	const struct fp_conf	*fc = &d->conf->fixed_port;
	struct alert		 a;
	char			 addr[ADDR_STRLEN];

	if (!core_complete(d->core, s->since_ms, ev->ts_ms))
		return;
	/* critical at 5 x the threshold, within the sketch's reach */
	detect_alert_init(&a, d, hidx, ev->ts_ms,
	    dsts >= (5 * min < FP_CEILING ? 5 * min : FP_CEILING) ?
	    SEV_CRITICAL : SEV_WARNING, fc->action);
	addr_fmt(&a.host, addr, sizeof(addr));
	if (s->proto == IPPROTO_UDP)
		snprintf(a.summary, sizeof(a.summary), "host %s sent from udp "
		    "port %u to %u destinations in %.0f s (threshold %u), and "
		    "%u of the %u flows that ended were answered: a spray, not "
		    "a protocol", addr, s->port, dsts, (ev->ts_ms -
		    s->since_ms) / 1000.0, min, s->answered, s->ended);
	else
		snprintf(a.summary, sizeof(a.summary), "host %s sent from tcp "
		    "port %u to %u destinations in %.0f s (threshold %u): no "
		    "stack connects so", addr, s->port, dsts, (ev->ts_ms -
		    s->since_ms) / 1000.0, min);
	snprintf(a.evidence, sizeof(a.evidence), "{\"proto\": \"%s\", "
	    "\"sport\": %u, \"destinations\": %u, \"flows\": %u, "
	    "\"window\": %.3f, \"threshold\": %u, \"ended\": %u, "
	    "\"answered\": %u, \"max_answered\": %.2f, \"last_dport\": %u, "
	    "\"learned_fixed_udp\": [%u, %u, %u, %u, %u, %u, %u, %u]}",
	    timeouts_proto_name(s->proto), s->port, dsts, s->hits,
	    (ev->ts_ms - s->since_ms) / 1000.0, min, s->ended, s->answered,
	    fc->max_answered, ev->dport,
	    hd->fixed[0], hd->fixed[1], hd->fixed[2], hd->fixed[3],
	    hd->fixed[4], hd->fixed[5], hd->fixed[6], hd->fixed[7]);
	detect_raise(d, &detect_fixed_port, &a);
}

/* The threshold for s's port, or 0 when it is not judged. */
static uint32_t
fp_min(const struct detect *d, const struct hdet *hd,
    const struct flow_event *ev)
{
	const struct fp_conf	*fc = &d->conf->fixed_port;

	if (ev->proto == IPPROTO_TCP)
		return fc->min_dsts;
	if (hd->learned_ms == 0 || ev->sport == ev->dport ||
	    fp_learned(hd, ev->sport))
		return 0;
	return fc->udp_min_dsts;
}

/*
 * A wide port raises once enough of its flows ended and few of those were
 * answered; a port its peers answer is left alone.
 */
static void
fp_judge(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    uint32_t hidx, struct fp_slot *s, uint32_t min)
{
	const struct fp_conf	*fc = &d->conf->fixed_port;
	uint32_t		 need = min / 2 > 2 ? min / 2 : 2;

	if (!s->pending || (s->proto == IPPROTO_UDP && (s->ended < need ||
	    s->answered > fc->max_answered * s->ended)))
		return;
	fp_alert(d, hd, ev, hidx, s, fp_dsts(s), min);
}

static void
fp_new(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    struct flow *f)
{
	const struct fp_conf	*fc = &d->conf->fixed_port;
	struct fp_slot		*s;
	uint32_t		 min;

	if (!fc->enabled || (ev->proto != IPPROTO_TCP &&
	    ev->proto != IPPROTO_UDP))
		return;
	s = fp_slot(d, hd, ev);
	if (ev->ts_ms - s->since_ms >= (uint64_t)fc->window_s * 1000) {
		fp_learn(d, hd, s);
		s->since_ms = ev->ts_ms;
		s->dsts = 0;
		s->hits = 0;
		s->ended = s->answered = 0;
		s->pending = false;
	}
	s->hits++;
	s->dsts |= 1ULL << (d->dkey >> 58);
	if (!d->judge || s->hits < 2 || (min = fp_min(d, hd, ev)) == 0)
		return;
	if (s->hits >= min && fp_dsts(s) >= min)
		s->pending = true;
	fp_judge(d, hd, ev, f->host, s, min);
}

/* A flow of a followed port ended: answered or not. */
static void
fp_end(struct detect *d, struct hdet *hd, const struct flow_event *ev,
    const struct flow *f)
{
	struct fp_slot	*s;
	uint32_t	 min, key = fp_key(ev);
	size_t		 i;

	if (!d->conf->fixed_port.enabled || (f->fflags & FF_START_UNKNOWN))
		return;
	/* the slots' keys first: a DESTROY's port has mostly left them */
	for (i = 0; i < HD_FP_SLOTS; i++) {
		if (hd->fp_key[i] != key)
			continue;
		s = &hd->fp[i];
		if (s->hits == 0 || f->start_ms < s->since_ms)
			continue;
		if (s->ended < UINT16_MAX)
			s->ended++;
		if (!(ev->flags & EVF_UNREPLIED) && s->answered < UINT16_MAX)
			s->answered++;
		if (d->judge && (min = fp_min(d, hd, ev)) != 0)
			fp_judge(d, hd, ev, f->host, s, min);
		return;
	}
}

/* The baseline is taken: keep the wide UDP ports of the current slots. */
static void
fp_learned_hook(struct detect *d, struct hdet *hd)
{
	uint64_t	when = hd->learned_ms;
	size_t		i;

	hd->learned_ms = 0;	/* fp_learn learns while this is 0 */
	for (i = 0; i < HD_FP_SLOTS; i++)
		if (hd->fp[i].hits != 0)
			fp_learn(d, hd, &hd->fp[i]);
	hd->learned_ms = when;
}

const struct detector_ops detect_fixed_port = {
	.name = "fixed_port",
	.flow_new = fp_new,
	.flow_end = fp_end,
	.learned = fp_learned_hook,
};
