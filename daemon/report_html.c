/*
 * The HTML report: one self-contained page (inline SVG and CSS, a little
 * script for sorting and filtering; nothing fetched, so it opens offline
 * and reads without the script), made of the same measurements as the
 * text and JSON reports (report.c) and each host's sample (sample.c):
 *
 *	overview	events, loss, hosts by range family and allocator,
 *			alerts and quarantines over time
 *	hosts		a sortable table, then a panel for each of the
 *			REPORT_PANELS most interesting hosts: source port
 *			against time for its last flows, its range against
 *			the stacks' default ranges, ports held over time,
 *			its lifetimes, the numbers behind its verdicts
 *	services	each one's lifetimes as a CDF with the 1 and 3 minute
 *			marks and long_lived's limit
 *	alerts		the alerts kept, newest first
 *
 * Colours are Okabe and Ito's, safe for the common colour deficiencies,
 * and never alone: protocols are shapes too, outcomes fills, alerts
 * dashed lines, quarantines hatching.  A print stylesheet drops what
 * only a screen needs.  The page holds no URL: the only references are
 * to its own anchors and patterns (tests/html.test checks it).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live.h"

#define TABLE_SERVICES	500	/* rows of the services table */
#define ALERT_ROWS	200	/* rows of the alerts table */
#define HOST_ALERT_ROWS	10	/* alerts listed in a host's panel */
#define CDF_STEPS	64	/* points of a service's CDF */
#define OVERVIEW_SERVICES 10	/* the busiest, in the overview */

/* What the page knows of a host beyond its measurements. */
struct hinfo {
	uint32_t	 alerts;	/* in the kept alerts */
	int		 severity;	/* the worst of them, -1: none */
	bool		 blocked;	/* quarantined now (live) */
	bool		 panel;		/* drawn in full */
};

struct page {
	FILE			*fp;
	const struct report_src	*src;
	struct core		*c;
	struct hinfo		*hi;	/* by host index */
	const struct alert	**al;	/* kept alerts, oldest first */
	size_t			 nal;
	uint64_t		 t0, t1;	/* the report's time span */
};

/*
 * A wall-clock time (alerts, quarantines) on the pipeline's clock, that
 * of the measurements: they differ live after the wall clock stepped.
 */
static uint64_t
on_clock(const struct page *pg, uint64_t wall_ms)
{
	int64_t	t = (int64_t)wall_ms - pg->src->wall_skew_ms;

	return t > 0 ? (uint64_t)t : 0;
}

/*
 * Text into HTML: the characters that could end an element or an
 * attribute are escaped.
 */
static void
esc(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
}

/*
 * A host's anchor: its address with the dots, colons and slash made
 * dashes and underscores, which every tool takes in a fragment.  Still
 * one address one anchor: IPv4 has three dots, IPv6 seven colons or two
 * in a row.
 */
static void
anchor(const struct host *h, char *buf, size_t len)
{
	char	*p;

	host_fmt(h, buf, len);
	for (p = buf; *p != '\0'; p++)
		if (*p == '.' || *p == ':')
			*p = '-';
		else if (*p == '/')
			*p = '_';
}

/* Clock time in UTC, as precise as the axis needs. */
static void
clock_fmt(uint64_t ms, uint64_t step_ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (step_ms >= 86400000)
		strftime(buf, len, "%m-%d", &tm);
	else if (step_ms >= 60000)
		strftime(buf, len, "%H:%M", &tm);
	else if (step_ms >= 1000)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		snprintf(buf, len, ":%02d.%03u", tm.tm_sec,
		    (unsigned)(ms % 1000));
}

/* A duration for people: "850 ms", "42 s", "12 min", "3.5 h", "9 d". */
static void
dur_fmt(uint64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	else if (ms < 100000)
		snprintf(buf, len, "%.3g s", ms / 1000.0);
	else if (ms < 6000000)
		snprintf(buf, len, "%.3g min", ms / 60000.0);
	else if (ms < 172800000)
		snprintf(buf, len, "%.3g h", ms / 3600000.0);
	else
		snprintf(buf, len, "%.3g d", ms / 86400000.0);
}

/* --- pictures ------------------------------------------------------- */

/* A plot's box in the SVG and the data it spans. */
struct frame {
	int	w, h;		/* the SVG's size */
	int	l, r, t, b;	/* margins */
	double	x0, x1;		/* data at the left and right edges */
	double	y0, y1;		/* data at the bottom and top */
	bool	logx;
};

static double
fx(const struct frame *f, double v)
{
	double	lo = f->x0, hi = f->x1, x;

	if (f->logx) {
		v = log10(v > lo ? v : lo);
		lo = log10(lo);
		hi = log10(hi);
	}
	x = hi > lo ? (v - lo) / (hi - lo) : 0.5;
	x = x < 0 ? 0 : x > 1 ? 1 : x;
	return f->l + x * (f->w - f->l - f->r);
}

static double
fy(const struct frame *f, double v)
{
	double	y = f->y1 > f->y0 ? (v - f->y0) / (f->y1 - f->y0) : 0.5;

	y = y < 0 ? 0 : y > 1 ? 1 : y;
	return f->h - f->b - y * (f->h - f->t - f->b);
}

static void
svg_open(FILE *fp, const struct frame *f, const char *label)
{
	fprintf(fp, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
	    f->w, f->h);
	esc(fp, label);
	fprintf(fp, "\">");
}

/* The plot's box, light grid lines at the y ticks. */
static void
svg_box(FILE *fp, const struct frame *f)
{
	fprintf(fp, "<rect class=\"bx\" x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\"/>", f->l, f->t, f->w - f->l - f->r,
	    f->h - f->t - f->b);
}

/* 1, 2 or 5 times a power of ten, about span / n. */
static double
nice_step(double span, int n)
{
	double	raw = span / n, p, m;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* A tick on the x axis at pixel x, labelled below it. */
static void
tick_x(FILE *fp, const struct frame *f, double x, const char *label)
{
	fprintf(fp, "<path class=\"tk\" d=\"M%.1f %dv4\"/><text x=\"%.1f\" "
	    "y=\"%d\" class=\"cx\">%s</text>", x, f->h - f->b, x,
	    f->h - f->b + 14, label);
}

/* The y axis: ticks at nice values, each with a grid line and a label. */
static void
axis_y(FILE *fp, const struct frame *f, int n, const char *unit,
    bool labels)
{
	double	step = nice_step(f->y1 - f->y0, n), v, y;

	if (step < 1)
		step = 1;
	for (v = ceil(f->y0 / step) * step; v <= f->y1 + step / 1e6;
	    v += step) {
		y = fy(f, v);
		fprintf(fp, "<path class=\"gr\" d=\"M%d %.1fH%d\"/>", f->l, y,
		    f->w - f->r);
		if (labels)
			fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"ry\">"
			    "%.0f</text>", f->l - 3, y + 3, v);
	}
	if (unit != NULL)
		fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"ry\">%s</text>",
		    f->l - 3, f->t - 4, unit);
}

/* The x axis in clock time (UTC): steps from a millisecond to a month. */
static void
axis_time(FILE *fp, const struct frame *f, int n)
{
	static const uint64_t steps[] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
		15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000,
		3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
		172800000, 604800000, 2592000000ULL
	};
	uint64_t	lo = (uint64_t)f->x0, hi = (uint64_t)f->x1, step = 0, v;
	char		lab[32];
	size_t		i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if ((hi - lo) / step <= (uint64_t)n)
			break;
	}
	for (v = (lo + step - 1) / step * step; v <= hi; v += step) {
		clock_fmt(v, step, lab, sizeof(lab));
		tick_x(fp, f, fx(f, (double)v), lab);
	}
}

/* The x axis of durations on a log scale, 10 ms to a day. */
static void
axis_dur(FILE *fp, const struct frame *f)
{
	static const uint64_t ticks[] = {
		10, 100, 1000, 10000, 600000, 3600000, 21600000, 86400000
	};
	char	lab[32];
	size_t	i;

	for (i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		if ((double)ticks[i] < f->x0 || (double)ticks[i] > f->x1)
			continue;
		dur_fmt(ticks[i], lab, sizeof(lab));
		tick_x(fp, f, fx(f, (double)ticks[i]), lab);
	}
}

/*
 * A marked duration: a line across the plot, labelled at the top, row
 * by row so that labels close together do not overlap; on the left of
 * the line near the right edge.
 */
static void
mark_dur(FILE *fp, const struct frame *f, double ms, const char *cls,
    const char *label, int row)
{
	double	x = fx(f, ms);
	bool	left = x > f->l + 0.7 * (f->w - f->l - f->r);

	fprintf(fp, "<path class=\"%s\" d=\"M%.1f %dV%d\"/><text x=\"%.1f\" "
	    "y=\"%d\" class=\"ml%s\">", cls, x, f->t, f->h - f->b,
	    left ? x - 2 : x + 2, f->t + 9 + 11 * row, left ? " ri" : "");
	esc(fp, label);
	fputs("</text>", fp);
}

/* One sample point: its protocol's shape, its outcome's fill. */
static void
point(FILE *fp, double x, double y, const struct sample_point *p,
    bool title)
{
	static const char *const pc[] = { "t", "u", "x" };
	static const char *const oc[] = { "o", "a", "r", "n", "g" };
	static const char *const pn[] = { "tcp", "udp", "other" };
	static const char *const on[] = { "open", "answered", "refused",
		"unanswered", "ended unseen" };
	char	when[32];

	clock_fmt(p->ts_ms, 1000, when, sizeof(when));
	switch (p->proto) {
	case SP_TCP:
		fprintf(fp, "<circle class=\"p %s %s\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"3\">", pc[p->proto], oc[p->outcome], x, y);
		break;
	case SP_UDP:
		fprintf(fp, "<rect class=\"p %s %s\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"6\" height=\"6\">", pc[p->proto], oc[p->outcome],
		    x - 3, y - 3);
		break;
	default:
		fprintf(fp, "<path class=\"p %s %s\" d=\"M%.1f %.1fl4 4-4 4-4-"
		    "4z\">", pc[SP_OTHER], oc[p->outcome], x, y - 4);
		break;
	}
	if (title)
		fprintf(fp, "<title>%s.%03u %s %u %s</title>", when,
		    (unsigned)(p->ts_ms % 1000), pn[p->proto], p->port,
		    on[p->outcome]);
	fprintf(fp, "</%s>", p->proto == SP_TCP ? "circle" : p->proto ==
	    SP_UDP ? "rect" : "path");
}

/* An alert's mark at the top of a plot: its severity's shape. */
static void
alert_mark(FILE *fp, double x, double y, const struct alert *a)
{
	char	host[sizeof(a->label)], when[32];

	switch (a->severity) {
	case SEV_CRITICAL:
		fprintf(fp, "<path class=\"sc\" d=\"M%.1f %.1fl5 5-5 5-5-5z\">",
		    x, y - 5);
		break;
	case SEV_WARNING:
		fprintf(fp, "<path class=\"sw\" d=\"M%.1f %.1fl5 9h-10z\">", x,
		    y - 5);
		break;
	default:
		fprintf(fp, "<circle class=\"si\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"4\">", x, y);
		break;
	}
	alert_host(a, host, sizeof(host));
	report_time(a->ts_ms, when, sizeof(when));
	fprintf(fp, "<title>%s %s %s %s: ", when, host, a->detector,
	    alert_severity_name(a->severity));
	esc(fp, a->summary);
	fprintf(fp, "</title></%s>", a->severity == SEV_INFO ? "circle" :
	    "path");
}

/* --- the host's numbers ------------------------------------------------- */

static bool
alert_of(const struct alert *a, const struct host *h)
{
	/* a labelled alert is the gateway's or a family's, or a /64's */
	return (a->label[0] == '\0' || a->prefix) &&
	    addr_cmp(&a->host, &h->addr) == 0;
}

/*
 * A host's quarantine spans: the block in force or the last one (live),
 * and what the alerts asked for when nothing was blocked (dry runs, a
 * replay: their first timeout).  Calls fn for each.
 */
static void
spans(const struct page *pg, const struct host *h,
    void (*fn)(void *, uint64_t, uint64_t, bool), void *arg)
{
	const struct qhost	*q;
	size_t			 i;

	if (pg->src->quar != NULL &&
	    (q = quar_of_host(pg->src->quar, h)) != NULL &&
	    q->since_ms != 0 && q->until_ms != 0)
		fn(arg, on_clock(pg, q->since_ms), on_clock(pg, q->until_ms),
		    true);
	for (i = 0; i < pg->nal; i++)
		if (pg->al[i]->action == ACT_DRYRUN && alert_of(pg->al[i], h))
			fn(arg, on_clock(pg, pg->al[i]->ts_ms),
			    on_clock(pg, pg->al[i]->ts_ms) +
			    (uint64_t)pg->src->block_s * 1000, false);
}

struct span_ctx {
	FILE			*fp;
	const struct frame	*f;
};

static void
span_draw(void *arg, uint64_t from, uint64_t to, bool real)
{
	struct span_ctx	*s = arg;
	double		 x0, x1;

	if ((double)to < s->f->x0 || (double)from > s->f->x1)
		return;
	x0 = fx(s->f, (double)from);
	x1 = fx(s->f, (double)to);
	fprintf(s->fp, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
	    "height=\"%d\"><title>%s</title></rect>", real ? "qs" : "qd", x0,
	    s->f->t, x1 - x0 > 1 ? x1 - x0 : 1, s->f->h - s->f->t - s->f->b,
	    real ? "quarantined" : "quarantine asked for, nothing blocked "
	    "(dry run or replay)");
}

/*
 * The port scale of one strip, TCP or the other protocols, over the
 * points of both windows: each group on its own scale, so that a
 * sequential TCP allocator is a diagonal even beside random UDP ports
 * all over the range.
 */
static void
strip_scale(struct frame *f, const struct sample_point *p, size_t n,
    const struct sample_point *q, size_t m, bool tcp)
{
	uint16_t	lo = UINT16_MAX, hi = 0;
	double		pad;
	size_t		i;

	for (i = 0; i < n + m; i++) {
		const struct sample_point *x = i < n ? &p[i] : &q[i - n];

		if ((x->proto == SP_TCP) == tcp) {
			lo = x->port < lo ? x->port : lo;
			hi = x->port > hi ? x->port : hi;
		}
	}
	pad = (hi - lo) * 0.06 + 8;
	f->y0 = lo - pad < 0 ? 0 : lo - pad;
	f->y1 = hi + pad > 65535 ? 65535 : hi + pad;
}

/* The time scale of a window: its points, a little room either side. */
static void
window_scale(struct frame *f, const struct sample_point *p, size_t n)
{
	double	pad = (double)(p[n - 1].ts_ms - p[0].ts_ms) * 0.03 + 50;

	f->x0 = (double)p[0].ts_ms - pad;
	f->x1 = (double)p[n - 1].ts_ms + pad;
}

/*
 * One window of the port picture: its strips (TCP above, the others
 * below, those present), quarantine spans and alerts across both, the
 * time axis below, the points (a group "pts" for the recent ones, "pin"
 * for those up to the last alert).  Only the leftmost window labels
 * ports.
 */
static void
port_window(const struct page *pg, const struct host *h, struct frame *ft,
    struct frame *fu, bool tcp, bool other, const struct sample_point *p,
    size_t n, bool first, bool pinned)
{
	FILE			*fp = pg->fp;
	struct frame		 all = tcp ? *ft : *fu;
	struct span_ctx		 sc = { fp, &all };
	size_t			 i, run;
	double			 x, y, t;

	all.b = other ? fu->b : ft->b;
	if (tcp) {
		svg_box(fp, ft);
		axis_y(fp, ft, 5, first ? "TCP" : NULL, first);
	}
	if (other) {
		svg_box(fp, fu);
		axis_y(fp, fu, 3, first ? "UDP" : NULL, first);
	}
	spans(pg, h, span_draw, &sc);
	for (i = 0; i < pg->nal; i++) {
		const struct alert *a = pg->al[i];

		t = (double)on_clock(pg, a->ts_ms);
		if (!alert_of(a, h) || t < all.x0 || t > all.x1)
			continue;
		x = fx(&all, t);
		fprintf(fp, "<path class=\"al\" d=\"M%.1f %dV%d\"/>", x, all.t,
		    all.h - all.b);
		alert_mark(fp, x, 8, a);
	}
	axis_time(fp, &all, (all.w - all.l - all.r) / 100);
	fprintf(fp, "<g class=\"%s\">", pinned ? "pin" : "pts");
	for (i = 0; i < n; i++)
		point(fp, fx(&all, (double)p[i].ts_ms), fy(p[i].proto ==
		    SP_TCP ? ft : fu, p[i].port), &p[i], true);
	fputs("</g>", fp);
	/* points on one spot (a scan from one port) say how many they are */
	for (i = 0, run = 1; i < n; i++) {
		x = fx(&all, (double)p[i].ts_ms);
		y = fy(p[i].proto == SP_TCP ? ft : fu, p[i].port);
		if (i + 1 < n && fabs(fx(&all, (double)p[i + 1].ts_ms) - x) <
		    1 && fabs(fy(p[i + 1].proto == SP_TCP ? ft : fu,
		    p[i + 1].port) - y) < 1) {
			run++;
			continue;
		}
		if (run >= 3)
			fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" class=\"st\">"
			    "&#215;%zu</text>", x + 5, y - 4, run);
		run = 1;
	}
}

/*
 * Source port against time for the host's last flows, the picture of
 * its allocator; on the left, when they are older, the flows up to its
 * last alert.  Alerts are dashed lines, quarantines hatched.
 */
static void
plot_ports(const struct page *pg, const struct host *h)
{
	FILE			*fp = pg->fp;
	struct sample_point	 p[SAMPLE_POINTS], q[SAMPLE_PINNED];
	struct frame		 ft = { 640, 0, 48, 10, 18, 0, 0, 0, 0, 0,
				    false }, fu, lt, lu;
	char			 t0[32], t1[32], span[32];
	size_t			 n = sample_points(&h->sample, p), i, nt = 0;
	size_t			 m = sample_pinned(&h->sample, q);
	bool			 tcp, other;

	fprintf(fp, "<figure class=\"wide\">");
	if (n == 0) {
		fprintf(fp, "<figcaption>No flow with ports yet: nothing to "
		    "draw.</figcaption></figure>");
		return;
	}
	for (i = 0; i < n + m; i++)
		nt += (i < n ? p[i].proto : q[i - n].proto) == SP_TCP;
	tcp = nt > 0;
	other = nt < n + m;
	/* strips of 150 (TCP) and 100 pixels, the time axis below both */
	ft.h = 18 + (tcp ? 150 : 0) + (other ? 100 : 0) + (tcp && other ?
	    12 : 0) + 30;
	ft.b = ft.h - 18 - 150;
	fu = ft;
	fu.t = ft.h - 30 - 100;
	fu.b = 30;
	strip_scale(&ft, p, n, q, m, true);
	strip_scale(&fu, p, n, q, m, false);
	window_scale(&ft, p, n);
	fu.x0 = ft.x0;
	fu.x1 = ft.x1;
	svg_open(fp, &ft, "source port against time, last flows");
	if (m > 0) {
		/* the pinned window left, 180 pixels; the recent one right */
		lt = ft;
		lu = fu;
		lt.r = lu.r = ft.w - ft.l - 180;
		window_scale(&lt, q, m);
		lu.x0 = lt.x0;
		lu.x1 = lt.x1;
		ft.l = fu.l = ft.l + 180 + 40;
		port_window(pg, h, &lt, &lu, tcp, other, q, m, true, true);
		fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"wt\">at the last "
		    "alert</text><text x=\"%d\" y=\"%d\" class=\"wt\">recent"
		    "</text>", lt.w - lt.r, 12, ft.w - ft.r, 12);
	}
	port_window(pg, h, &ft, &fu, tcp, other, p, n, m == 0, false);
	fputs("</svg>", fp);
	report_time(p[0].ts_ms, t0, sizeof(t0));
	report_time(p[n - 1].ts_ms, t1, sizeof(t1));
	dur_fmt(p[n - 1].ts_ms - p[0].ts_ms, span, sizeof(span));
	fprintf(fp, "<figcaption>Source port against time (UTC) of its last "
	    "%zu flows with ports, %s to %s (%s)", n, t0, t1, span);
	if (m > 0) {
		report_time(q[0].ts_ms, t0, sizeof(t0));
		report_time(q[m - 1].ts_ms, t1, sizeof(t1));
		fprintf(fp, ", and on the left %zu up to its last alert, %s to "
		    "%s", m, t0, t1);
	}
	fprintf(fp, "; TCP above, other protocols below, each on its own "
	    "scale.  A sequential allocator draws a diagonal, per-destination "
	    "short ramps, random a cloud, a fixed port a flat line, a scan a "
	    "wall.</figcaption></figure>");
}

/* The stacks' default ranges (ports.md 1.11) and ephemd's family of each. */
static const struct {
	int		 family;
	const char	*name;
	uint16_t	 lo, hi;
} stacks[] = {
	{ RF_LINUX, "Linux, Android", 32768, 60999 },
	{ RF_IANA, "Windows, macOS, iOS, lwIP", 49152, 65535 },
	{ RF_FREEBSD, "FreeBSD", 10000, 65535 },
	{ RF_OPENBSD, "OpenBSD", 1024, 49151 },
	{ RF_LEGACY, "Windows XP", 1025, 5000 },
};

/*
 * The host's ports (TCP, 256 to a bar) above the default ranges of the
 * stacks; its own family's range is drawn solid, the others light.
 */
static void
plot_range(const struct page *pg, const struct host *h,
    const struct host_report *r)
{
	FILE		*fp = pg->fp;
	struct frame	 f = { 640, 150, 170, 20, 8, 22, 0, 65535, 0, 1,
			    false };
	uint32_t	 top = 1;
	double		 x0, x1, y;
	size_t		 b, i;
	long		 pmin, pmax;

	for (b = 0; b < 256; b++)
		top = h->hist[b] > top ? h->hist[b] : top;
	fprintf(fp, "<figure class=\"wide\">");
	svg_open(fp, &f, "the host's source ports against the stacks' "
	    "default ranges");
	/* the histogram: a bar's height is the square root of its count */
	fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"rl\">TCP ports "
	    "(this host)</text><path class=\"hb\" d=\"", f.l - 6, f.t + 20);
	for (b = 0; b < 256; b++) {
		if (h->hist[b] == 0)
			continue;
		x0 = fx(&f, (double)(b << 8));
		y = 30.0 * sqrt((double)h->hist[b] / top);
		fprintf(fp, "M%.1f %dv-%.1fh%.1fv%.1fz", x0, f.t + 32, y > 1 ?
		    y : 1, fx(&f, (double)((b + 1) << 8)) - x0, y > 1 ? y : 1);
	}
	fprintf(fp, "\"/>");
	report_ports(h, &pmin, &pmax);
	if (pmin >= 0) {
		x0 = fx(&f, (double)pmin);
		x1 = fx(&f, (double)pmax);
		fprintf(fp, "<path class=\"hr\" d=\"M%.1f %dv6M%.1f %dv6M%.1f "
		    "%dH%.1f\"><title>%ld-%ld</title></path>", x0, f.t + 34,
		    x1, f.t + 34, x0, f.t + 37, x1, pmin, pmax);
	}
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		bool	its = stacks[i].family == r->family;

		y = f.t + 50 + 14 * (double)i;
		x0 = fx(&f, stacks[i].lo);
		x1 = fx(&f, stacks[i].hi);
		fprintf(fp, "<text x=\"%d\" y=\"%.1f\" class=\"rl%s\">%s%s"
		    "</text><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"8\"><title>%u-%u</title></rect>",
		    f.l - 6, y + 7, its ? " its" : "", its ? "&#9654; " : "",
		    stacks[i].name, its ? "fi" : "fo", x0, y, x1 - x0,
		    stacks[i].lo, stacks[i].hi);
	}
	for (i = 0; i <= 4; i++) {
		unsigned v = i == 4 ? 65535 : 16384 * (unsigned)i;
		char lab[8];

		snprintf(lab, sizeof(lab), "%u", v);
		tick_x(fp, &f, fx(&f, v), lab);
	}
	fprintf(fp, "</svg><figcaption>Its TCP source ports (bars: square "
	    "root of the count in each 256 ports; bracket: lowest to highest, "
	    "of every protocol while it has no TCP) against the default "
	    "ranges of the stacks (ports.md 1.11).  Range family: <b>%s</b>."
	    "</figcaption></figure>", host_family_name(r->family));
}

/* The most ports the host held at once, bucket by bucket over its life. */
static void
plot_held(const struct page *pg, const struct host *h,
    const struct host_report *r)
{
	FILE		*fp = pg->fp;
	struct frame	 f = { 320, 150, 36, 8, 14, 22, 0, 0, 0, 0, false };
	uint16_t	 v[SAMPLE_HELD], top = 1;
	uint64_t	 w, end = pg->c->now_ms;
	char		 ws[32];
	size_t		 n, i;
	double		 x0, x1;

	n = sample_held_series(&h->sample, h->first_ms, h->held, end, v, &w);
	for (i = 0; i < n; i++)
		top = v[i] > top ? v[i] : top;
	f.x0 = (double)h->first_ms;
	f.x1 = (double)(h->first_ms + n * w);
	f.y1 = top + top / 10 + 1;
	fprintf(fp, "<figure>");
	svg_open(fp, &f, "ports held at once over time");
	svg_box(fp, &f);
	axis_y(fp, &f, 4, NULL, true);
	axis_time(fp, &f, 3);
	fprintf(fp, "<path class=\"hl\" d=\"");
	for (i = 0; i < n; i++) {
		x0 = fx(&f, (double)(h->first_ms + i * w));
		x1 = fx(&f, (double)(h->first_ms + (i + 1) * w));
		fprintf(fp, "M%.1f %dV%.1fH%.1fV%d", x0, f.h - f.b,
		    fy(&f, v[i]), x1, f.h - f.b);
	}
	fprintf(fp, "\"/><path class=\"q5\" d=\"M%d %.1fH%d\"/><path "
	    "class=\"q9\" d=\"M%d %.1fH%d\"/>", f.l, fy(&f, r->conc_p50),
	    f.w - f.r, f.l, fy(&f, r->conc_p95), f.w - f.r);
	dur_fmt(w, ws, sizeof(ws));
	fprintf(fp, "</svg><figcaption>Ports held at once: the most in each "
	    "%s, since it was first seen; dashed p50 (%u), dotted p95 (%u), "
	    "now %u.</figcaption></figure>", ws, r->conc_p50, r->conc_p95,
	    h->held);
}

/* Its flows' lifetimes in the bins of ephemctl host, 1 and 3 min marked. */
static void
plot_life(const struct page *pg, const struct host *h,
    const struct host_report *r)
{
	FILE		*fp = pg->fp;
	struct frame	 f = { 320, 150, 36, 8, 14, 22, 0, REPORT_LIFE_BINS, 0,
			    0, false };
	static const char *const edge_names[REPORT_LIFE_BINS - 1] = {
		"1s", "10s", "1m", "3m", "10m", "1h", "6h"
	};
	uint64_t	 bins[REPORT_LIFE_BINS], top = 1;
	size_t		 i;
	double		 x0, x1;

	lhist_bins(&h->life, report_life_edges, REPORT_LIFE_BINS - 1, bins);
	for (i = 0; i < REPORT_LIFE_BINS; i++)
		top = bins[i] > top ? bins[i] : top;
	f.y1 = (double)top * 1.1;
	fprintf(fp, "<figure>");
	svg_open(fp, &f, "lifetime histogram");
	svg_box(fp, &f);
	axis_y(fp, &f, 4, NULL, true);
	for (i = 0; i < REPORT_LIFE_BINS; i++) {
		x0 = fx(&f, (double)i);
		x1 = fx(&f, (double)i + 1);
		fprintf(fp, "<rect class=\"lb\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"><title>%s: %" PRIu64
		    "</title></rect>", x0 + 2, fy(&f, (double)bins[i]),
		    x1 - x0 - 4, f.h - f.b - fy(&f, (double)bins[i]),
		    report_life_names[i], bins[i]);
		if (i > 0)
			tick_x(fp, &f, x0, edge_names[i - 1]);
	}
	/* 1 min and 3 min are bin edges: 10s-1m | 1-3m | 3-10m */
	fprintf(fp, "<path class=\"m1\" d=\"M%.1f %dV%d\"/><path class=\"m3\" "
	    "d=\"M%.1f %dV%d\"/>", fx(&f, 3), f.t, f.h - f.b, fx(&f, 4), f.t,
	    f.h - f.b);
	fprintf(fp, "</svg><figcaption>Lifetimes of its %u ended flows "
	    "(active time, the final state's timeout taken off): %.0f %% under "
	    "1 min (dashed), %.0f %% under 3 min (dotted); p50 %.1f s, p90 "
	    "%.1f s, p99 %.1f s.</figcaption></figure>", h->life.n,
	    r->under_1m * 100, r->under_3m * 100, r->life_p50, r->life_p90,
	    r->life_p99);
}

/* A share as a row of the evidence table. */
static void
row_pct(FILE *fp, const char *name, double v)
{
	fprintf(fp, "<tr><th>%s</th><td>%.0f %%</td></tr>", name, v * 100);
}

/* The numbers the verdicts rest on, beside the pictures. */
static void
evidence(const struct page *pg, uint32_t hidx, const struct host *h,
    const struct host_report *r)
{
	FILE			*fp = pg->fp;
	const struct detect	*d = pg->src->detect;
	const struct hdet	*hd = d != NULL && hidx < d->hd_cap ?
				    &d->hd[hidx] : NULL;
	const struct qhost	*q = pg->src->quar != NULL ?
				    quar_of_host(pg->src->quar, h) : NULL;
	char			 t[32];
	long			 pmin, pmax;

	report_ports(h, &pmin, &pmax);
	fprintf(fp, "<table class=\"ev\"><caption>Evidence</caption>");
	fprintf(fp, "<tr><th>flows</th><td>%u (TCP %u, UDP %u, other %u)"
	    "</td></tr>", h->flows, h->tcp_flows, h->udp_flows,
	    h->other_flows);
	if (pmin >= 0)
		fprintf(fp, "<tr><th>ports</th><td>%ld-%ld (%s)</td></tr>",
		    pmin, pmax, host_family_name(r->family));
	else
		fprintf(fp, "<tr><th>ports</th><td>none yet</td></tr>");
	fprintf(fp, "<tr><th>allocator</th><td><b>%s</b></td></tr>",
	    host_allocator_name(r->allocator));
	fprintf(fp, "<tr><th>TCP connects, steps</th><td>%u, %u</td></tr>",
	    h->n_tcp_ports, h->n_delta);
	row_pct(fp, "+1 steps", r->f_unit);
	row_pct(fp, "steps of 1..16", r->f_small);
	fprintf(fp, "<tr><th>same-destination steps of 1..16</th><td>%.0f %% "
	    "of %u</td></tr>", r->f_pair_small * 100, h->n_pair);
	row_pct(fp, "even ports", r->even_ratio);
	fprintf(fp, "<tr><th>held p50/p95/max</th><td>%u/%u/%u (now %u)"
	    "</td></tr>", r->conc_p50, r->conc_p95, r->conc_max, h->held);
	fprintf(fp, "<tr><th>lifetime p50/p90/p99</th><td>%.1f/%.1f/%.1f s"
	    "</td></tr>", r->life_p50, r->life_p90, r->life_p99);
	fprintf(fp, "<tr><th>under 1 min, 3 min</th><td>%.0f %%, %.0f %%"
	    "</td></tr>", r->under_1m * 100, r->under_3m * 100);
	fprintf(fp, "<tr><th>new flows a minute</th><td>%.1f (max %u)"
	    "</td></tr>", r->flows_per_min, r->flows_per_min_max);
	fprintf(fp, "<tr><th>destinations a minute</th><td>%.1f (max %u)"
	    "</td></tr>", r->dsts_per_min, r->dsts_per_min_max);
	row_pct(fp, "unanswered", r->unreplied);
	if (hd == NULL)
		;
	else if (hd->learned_ms == 0)
		fprintf(fp, "<tr><th>baseline</th><td>learning</td></tr>");
	else {
		report_time(hd->learned_ms, t, sizeof(t));
		fprintf(fp, "<tr><th>baseline</th><td>%s %u-%u, %s, even %.0f "
		    "%% (learned %s)</td></tr>", host_family_name(hd->family),
		    hd->port_min, hd->port_max,
		    host_allocator_name(hd->allocator), hd->even_ratio * 100.0,
		    t);
	}
	if (q != NULL && on_clock(pg, q->until_ms) > pg->c->now_ms)
		fprintf(fp, "<tr><th>quarantine</th><td class=\"hot\">yes, by "
		    "%s, %u offences, %" PRIu64 " packets dropped</td></tr>",
		    q->detector, q->offences, q->drops);
	fputs("</table>", fp);
}

/* The host's alerts among those kept, newest first. */
static void
host_alerts(const struct page *pg, const struct host *h)
{
	FILE	*fp = pg->fp;
	char	 t[32];
	size_t	 i, n = 0;

	for (i = pg->nal; i-- > 0 && n < HOST_ALERT_ROWS; ) {
		const struct alert *a = pg->al[i];

		if (!alert_of(a, h))
			continue;
		if (n++ == 0)
			fputs("<ul class=\"al\">", fp);
		report_time(a->ts_ms, t, sizeof(t));
		fprintf(fp, "<li class=\"s%d\">%s <b>%s</b> %s: ", a->severity,
		    t, a->detector, alert_severity_name(a->severity));
		esc(fp, a->summary);
		if (a->quarantine[0] != '\0') {
			fputs(" (quarantine: ", fp);
			esc(fp, a->quarantine);
			fputs(")", fp);
		}
		fputs("</li>", fp);
	}
	if (n > 0)
		fputs("</ul>", fp);
}

static void
host_panel(const struct page *pg, uint32_t hidx)
{
	FILE			*fp = pg->fp;
	struct host		 snap;
	struct host_report	 r;
	char			 a[HOST_STRLEN], id[HOST_STRLEN];

	report_snapshot(pg->c, &pg->c->hosts.v[hidx], &snap);
	host_report(&snap, &pg->c->conf->classify, &r);
	host_fmt(&snap, a, sizeof(a));
	anchor(&snap, id, sizeof(id));
	fprintf(fp, "<section class=\"host\" id=\"h-%s\"><h3>%s <small>%s, "
	    "%s, %u flows%s</small> <a class=\"up\" href=\"#hosts\">table"
	    "</a></h3>", id, a, host_family_name(r.family),
	    host_allocator_name(r.allocator), snap.flows,
	    pg->hi[hidx].alerts ? ", alerts" : "");
	fputs("<div class=\"pn\"><div class=\"pics\">", fp);
	plot_ports(pg, &snap);
	plot_range(pg, &snap, &r);
	fputs("<div class=\"two\">", fp);
	plot_held(pg, &snap, &r);
	plot_life(pg, &snap, &r);
	fputs("</div></div><div class=\"nums\">", fp);
	evidence(pg, hidx, &snap, &r);
	host_alerts(pg, &snap);
	fputs("</div></div></section>\n", fp);
}

/* --- sections ------------------------------------------------------- */

static const char css[] =
":root{--tcp:#0072B2;--udp:#E69F00;--oth:#CC79A7;--al:#D55E00;"
"--ok:#009E73;--ink:#1a1a1a;--mute:#666}\n"
"body{font:14px/1.45 system-ui,sans-serif;color:var(--ink);"
"background:#fff;margin:0 auto;max-width:1180px;padding:0 12px}\n"
"h1{font-size:1.45em;margin:.6em 0 .2em}h2{font-size:1.25em;"
"border-bottom:2px solid #bbb;margin-top:1.8em}h3{font-size:1.05em;"
"margin:.3em 0}small{color:var(--mute);font-weight:normal}\n"
"nav a{margin-right:1em}.up{font-size:12px;font-weight:normal}\n"
"table{border-collapse:collapse;font-variant-numeric:tabular-nums}\n"
"th,td{padding:2px 7px;border-bottom:1px solid #ddd;text-align:right;"
"vertical-align:top;white-space:nowrap}\n"
".ev td,.alt td:last-child{white-space:normal}.scroll{overflow-x:auto}\n"
".alt td,.alt th{text-align:left}\n"
"th:first-child,td:first-child{text-align:left}\n"
"caption{text-align:left;font-weight:bold}\n"
"thead th{background:#f2f2f2;position:sticky;top:0}\n"
".js thead th{cursor:pointer}.js thead th[aria-sort=ascending]::after"
"{content:\" \\25B2\"}.js thead th[aria-sort=descending]::after"
"{content:\" \\25BC\"}\n"
"tr.hot td:first-child,td.hot,p.hot{font-weight:bold;color:var(--al)}\n"
".cards{display:flex;flex-wrap:wrap;gap:6px 18px}.cards div{min-width:9em}"
".cards b{display:block;font-size:1.3em}\n"
".duo{display:flex;flex-wrap:wrap;gap:8px 32px;align-items:flex-start}\n"
".host{border-top:1px solid #999;margin-top:1.2em;padding-top:.3em;"
"content-visibility:auto;contain-intrinsic-size:auto 900px}\n"
".pn{display:flex;flex-wrap:wrap;gap:10px}.pics{flex:3 1 600px}"
".nums{flex:1 1 260px;font-size:13px}\n"
".two{display:flex;flex-wrap:wrap;gap:8px}.two figure{flex:1 1 300px}\n"
"figure{margin:4px 0}figcaption{font-size:12px;color:#333}\n"
"svg{display:block;width:100%;height:auto;max-width:760px;"
"font:10px sans-serif}\n"
".bx{fill:none;stroke:#999}.gr{stroke:#e4e4e4}.tk{stroke:#666}\n"
".ry{text-anchor:end;fill:#333}.cx{text-anchor:middle;fill:#333}"
".rl{text-anchor:end;fill:#333}.rl.its{font-weight:bold;fill:#000}"
".st{font-weight:bold;fill:#000}.ml{fill:#000}.ri{text-anchor:end}"
".wt{text-anchor:end;font-weight:bold}\n"
".p{stroke-width:1.2}.p.t{fill:var(--tcp);stroke:var(--tcp)}"
".p.u{fill:var(--udp);stroke:var(--udp)}"
".p.x{fill:var(--oth);stroke:var(--oth)}"
".p.r{fill-opacity:.35}.p.n{fill:#fff}.p.o{stroke:#000}"
".p.g{fill:#fff;stroke:#888;stroke-dasharray:2 1}\n"
".al{stroke:var(--al);stroke-width:1.5;stroke-dasharray:5 3}"
".sc{fill:var(--al);stroke:#000}.sw{fill:var(--udp);stroke:#000}"
".si{fill:#fff;stroke:#000}\n"
".qs{fill:url(#hatch);stroke:#555}.qd{fill:url(#hatch2);stroke:#999;"
"stroke-dasharray:3 2}\n"
".hb{fill:var(--tcp)}.hr{stroke:#000;stroke-width:1.5;fill:none}"
".fi{fill:var(--tcp)}.fo{fill:#ccc}\n"
".hl{fill:#9ecae1;stroke:var(--tcp)}.lb{fill:var(--ok)}"
".q5{stroke:#000;stroke-dasharray:6 3}.q9{stroke:#000;stroke-dasharray:1 2}"
".m1{stroke:#000;stroke-dasharray:6 3}.m3{stroke:#000;"
"stroke-dasharray:1 2}.ll{stroke:var(--al);stroke-width:2;"
"stroke-dasharray:8 3 2 3}\n"
".cdf{fill:none;stroke:var(--tcp);stroke-width:2}\n"
".ev th{font-weight:normal;color:#333;text-align:left}.ev td{text-align:left}\n"
"ul.al{padding-left:1.2em;font-size:12px}.s2{color:var(--al)}\n"
".svcs{display:flex;flex-wrap:wrap;gap:6px 14px}.svc{flex:1 1 420px;"
"max-width:560px}summary{cursor:pointer;margin:.6em 0}\n"
".lane{fill:#f6f6f6}.mx td.z{color:#bbb}\n"
"#filterbox{margin:.5em 0}\n"
"@media print{nav,#filterbox,.up{display:none}body{max-width:none;"
"font-size:10.5px;padding:0}thead th{position:static;background:none}"
"a{color:inherit;text-decoration:none}.host,figure,tr{break-inside:avoid}"
"h2{break-after:avoid}.js thead th::after{content:none}"
".scroll{overflow:visible}#hosttab{font-size:9px}.pn{flex-wrap:nowrap}"
".pics{flex:1 1 68%}.nums{flex:1 1 32%;font-size:9px}.two figure"
"{flex:1 1 45%}}\n";

/* Sorting the tables and filtering the hosts: nothing needs it to read. */
static const char script[] =
"(function(){var d=document;d.documentElement.className+=' js';\n"
"function val(r,c){var s=r.cells[c].textContent,v=parseFloat(s);"
"return c===0?r.idx:isNaN(v)?s:v;}\n"
"function cmp(a,b){if(typeof a===typeof b)return a<b?-1:a>b?1:0;"
"return typeof a==='number'?-1:1;}\n"
"[].forEach.call(d.querySelectorAll('table.sort'),function(t){"
"var b=t.tBodies[0],rows=[].slice.call(b.rows);"
"rows.forEach(function(r,i){r.idx=i;});"
"[].forEach.call(t.tHead.rows[0].cells,function(th,c){"
"th.tabIndex=0;th.setAttribute('aria-sort','none');"
"function go(){var up=th.getAttribute('aria-sort')==='descending';"
"[].forEach.call(t.tHead.rows[0].cells,function(o){"
"o.setAttribute('aria-sort','none');});"
"th.setAttribute('aria-sort',up?'ascending':'descending');"
"rows.sort(function(x,y){var k=cmp(val(x,c),val(y,c));"
"return (up?k:-k)||x.idx-y.idx;});"
"rows.forEach(function(r){b.appendChild(r);});}\n"
"th.addEventListener('click',go);th.addEventListener('keydown',"
"function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});"
"});});\n"
"var box=d.getElementById('filterbox'),f=d.getElementById('filter'),"
"only=d.getElementById('onlyal'),ht=d.getElementById('hosttab');"
"if(!box||!ht)return;box.hidden=false;\n"
"function apply(){var q=f.value.trim().toLowerCase(),n=0;"
"[].forEach.call(ht.tBodies[0].rows,function(r){"
"var hide=!!((q&&r.textContent.toLowerCase().indexOf(q)<0)||"
"(only.checked&&!r.classList.contains('hot')));"
"if(r.hidden!==hide)r.hidden=hide;if(!hide)n++;});"
"d.getElementById('shown').textContent=n;}\n"
"f.addEventListener('input',apply);only.addEventListener('change',apply);"
"d.getElementById('shown').textContent=ht.tBodies[0].rows.length;})();\n";

/* The hatching of quarantines, defined once for every picture. */
static void
defs(FILE *fp)
{
	fputs("<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden="
	    "\"true\" style=\"position:absolute\"><defs><pattern id=\"hatch\" "
	    "width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
	    "fill=\"#ddd\" fill-opacity=\".5\"/><path d=\"M0 0V6\" "
	    "stroke=\"#555\" stroke-width=\"2\"/></pattern><pattern "
	    "id=\"hatch2\" width=\"10\" height=\"10\" patternUnits="
	    "\"userSpaceOnUse\" patternTransform=\"rotate(-45)\"><path "
	    "d=\"M0 0V10\" stroke=\"#bbb\" stroke-width=\"1\"/></pattern>"
	    "</defs></svg>\n", fp);
}

/* What the shapes, fills and lines mean: once, above the panels. */
static void
legend(FILE *fp)
{
	static const struct sample_point lp[] = {
		{ 0, 0, SP_TCP, SO_ANSWERED }, { 0, 0, SP_UDP, SO_ANSWERED },
		{ 0, 0, SP_OTHER, SO_ANSWERED }, { 0, 0, SP_TCP, SO_REFUSED },
		{ 0, 0, SP_TCP, SO_UNANSWERED }, { 0, 0, SP_TCP, SO_OPEN },
		{ 0, 0, SP_TCP, SO_GONE },
	};
	static const char *const names[] = {
		"TCP (circle)", "UDP (square)", "other (diamond)",
		"refused (pale)", "unanswered (hollow)", "still open (black "
		"ring)", "ended unseen (dashed)",
	};
	struct alert	a;
	size_t		i;
	int		x;

	fputs("<figure><svg viewBox=\"0 0 760 44\" role=\"img\" aria-label="
	    "\"legend\">", fp);
	for (i = 0; i < sizeof(lp) / sizeof(lp[0]); i++) {
		x = 8 + (int)(i % 4) * 190;
		fputs("<g>", fp);
		point(fp, x, i < 4 ? 10 : 30, &lp[i], false);
		fprintf(fp, "</g><text x=\"%d\" y=\"%d\">%s</text>", x + 8,
		    i < 4 ? 14 : 34, names[i]);
	}
	memset(&a, 0, sizeof(a));
	a.detector = "legend";
	a.severity = SEV_WARNING;
	snprintf(a.summary, sizeof(a.summary), "an alert");
	snprintf(a.label, sizeof(a.label), "-");
	fprintf(fp, "<path class=\"al\" d=\"M578 22V40\"/>");
	alert_mark(fp, 578, 28, &a);
	fputs("<text x=\"588\" y=\"34\">alert</text><rect class=\"qs\" "
	    "x=\"630\" y=\"24\" width=\"22\" height=\"14\"/><text x=\"656\" "
	    "y=\"34\">quarantined</text>", fp);
	fputs("</svg><figcaption>Legend of the source-port pictures: shape is "
	    "the protocol, fill the outcome (solid: answered).  Alerts: dashed "
	    "lines with a circle (info), triangle (warning) or diamond "
	    "(critical); quarantines hatched, a blocked host's densely, a dry "
	    "run's or a replay's lightly.</figcaption></figure>\n", fp);
}

static void
card(FILE *fp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
card(FILE *fp, const char *name, const char *fmt, ...)
{
	va_list	ap;

	fprintf(fp, "<div><b>");
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fprintf(fp, "</b>%s</div>", name);
}

/* Hosts by range family (rows) and allocator (columns). */
static void
family_matrix(const struct page *pg, const uint32_t *ho, size_t nh)
{
	FILE			*fp = pg->fp;
	struct host		 snap;
	struct host_report	 r;
	uint32_t		 m[RF_CUSTOM + 1][AL_MIXED + 1];
	size_t			 i;
	int			 fa, al;

	memset(m, 0, sizeof(m));
	for (i = 0; i < nh; i++) {
		report_snapshot(pg->c, &pg->c->hosts.v[ho[i]], &snap);
		host_report(&snap, &pg->c->conf->classify, &r);
		m[r.family][r.allocator]++;
	}
	fprintf(fp, "<table class=\"mx\"><caption>Hosts by range family and "
	    "allocator</caption><thead><tr><th>family</th>");
	for (al = 0; al <= AL_MIXED; al++)
		fprintf(fp, "<th>%s</th>", host_allocator_name(al));
	fprintf(fp, "</tr></thead><tbody>");
	for (fa = 0; fa <= RF_CUSTOM; fa++) {
		fprintf(fp, "<tr><td>%s</td>", host_family_name(fa));
		for (al = 0; al <= AL_MIXED; al++)
			fprintf(fp, "<td%s>%u</td>", m[fa][al] ? "" :
			    " class=\"z\"", m[fa][al]);
		fprintf(fp, "</tr>");
	}
	fprintf(fp, "</tbody></table>\n");
}

/* The busiest services, linked to their pictures when drawn. */
static void
top_services(const struct page *pg)
{
	FILE			*fp = pg->fp;
	const struct svc	*s;
	uint32_t		*so = report_svc_order(pg->c);
	const char		*pn;
	size_t			 i, drawn = 0;

	if (so == NULL)
		return;
	fprintf(fp, "<table class=\"mx\"><caption>Busiest services</caption>"
	    "<thead><tr><th>service</th><th>flows</th><th>p50 s</th>"
	    "<th>&lt;1m</th><th>&lt;3m</th></tr></thead><tbody>");
	for (i = 0; i < pg->c->svcs.n && i < OVERVIEW_SERVICES; i++) {
		s = &pg->c->svcs.v[so[i]];
		pn = timeouts_proto_name(s->proto);
		/* the same choice as services(): the busiest with lifetimes */
		if (s->life.n > 0 && drawn++ < REPORT_SERVICES)
			fprintf(fp, "<tr><td><a href=\"#s-%s-%u\">%s/%u</a></td>",
			    pn, s->port, pn, s->port);
		else
			fprintf(fp, "<tr><td>%s/%u</td>", pn, s->port);
		fprintf(fp, "<td>%u</td><td>%.1f</td><td>%.2f</td><td>%.2f</td>"
		    "</tr>", s->flows, lhist_quantile(&s->life, 0.5) / 1000.0,
		    s->life.n ? (double)s->under_1m / s->life.n : 0.0,
		    s->life.n ? (double)s->under_3m / s->life.n : 0.0);
	}
	fprintf(fp, "</tbody></table>\n");
	free(so);
}

struct lane_ctx {
	FILE			*fp;
	const struct frame	*f;
	double			 y;
};

static void
lane_span(void *arg, uint64_t from, uint64_t to, bool real)
{
	struct lane_ctx	*l = arg;
	double		 x0, x1;

	if ((double)to < l->f->x0 || (double)from > l->f->x1)
		return;
	x0 = fx(l->f, (double)from);
	x1 = fx(l->f, (double)to);
	fprintf(l->fp, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
	    "width=\"%.1f\" height=\"10\"/>", real ? "qs" : "qd", x0, l->y - 5,
	    x1 - x0 > 1 ? x1 - x0 : 1);
}

/*
 * Alerts and quarantines over the report's time: a lane per detector
 * with a mark per alert, and one of every quarantine span.
 */
static void
timeline(const struct page *pg, const uint32_t *ho, size_t nh)
{
	FILE		*fp = pg->fp;
	const char	*det[NDETECTORS + 8];
	struct frame	 f = { 760, 0, 110, 10, 10, 24, 0, 0, 0, 0, false };
	struct lane_ctx	 lc = { fp, &f, 0 };
	size_t		 nd = 0, i, k;
	double		 y;

	for (i = 0; i < pg->nal; i++) {
		for (k = 0; k < nd; k++)
			if (strcmp(det[k], pg->al[i]->detector) == 0)
				break;
		if (k == nd && nd < sizeof(det) / sizeof(det[0]))
			det[nd++] = pg->al[i]->detector;
	}
	f.h = f.t + f.b + 18 * ((int)nd + 1);
	f.x0 = (double)pg->t0;
	f.x1 = (double)(pg->t1 > pg->t0 ? pg->t1 : pg->t0 + 1000);
	fprintf(fp, "<figure>");
	svg_open(fp, &f, "alerts and quarantines over time");
	for (k = 0; k <= nd; k++) {
		y = f.t + 18 * (double)k + 9;
		fprintf(fp, "<rect class=\"lane\" x=\"%d\" y=\"%.1f\" width="
		    "\"%d\" height=\"16\"/><text x=\"%d\" y=\"%.1f\" "
		    "class=\"rl\">%s</text>", f.l, y - 8, f.w - f.l - f.r,
		    f.l - 6, y + 3, k < nd ? det[k] : "quarantines");
	}
	svg_box(fp, &f);
	axis_time(fp, &f, 8);
	for (i = 0; i < pg->nal; i++) {
		for (k = 0; k < nd; k++)
			if (strcmp(det[k], pg->al[i]->detector) == 0)
				break;
		alert_mark(fp, fx(&f, (double)on_clock(pg, pg->al[i]->ts_ms)),
		    f.t + 18 * (double)k + 9, pg->al[i]);
	}
	lc.y = f.t + 18 * (double)nd + 9;
	for (i = 0; i < nh; i++)
		spans(pg, &pg->c->hosts.v[ho[i]], lane_span, &lc);
	fprintf(fp, "</svg><figcaption>Alerts and quarantines over the "
	    "report's time (UTC), a lane per detector%s.</figcaption>"
	    "</figure>\n", pg->nal == 0 ? ": none" : "");
}

static void
overview(const struct page *pg, const uint32_t *ho, size_t nh)
{
	FILE				*fp = pg->fp;
	const struct core		*c = pg->c;
	const struct replay_stats	*st = pg->src->st;
	const struct ct_stats		*ls = pg->src->ls;
	uint64_t			 sev[3] = { 0, 0, 0 };
	size_t				 i, blocked = 0;

	for (i = 0; i < pg->nal; i++)
		sev[pg->al[i]->severity <= SEV_CRITICAL ?
		    pg->al[i]->severity : 0]++;
	for (i = 0; i < c->hosts.n; i++)
		blocked += pg->hi[i].blocked;
	fprintf(fp, "<section id=\"overview\"><h2>Overview</h2>"
	    "<div class=\"cards\">");
	card(fp, "events", "%" PRIu64, c->cnt.events);
	card(fp, "NEW / DESTROY", "%" PRIu64 " / %" PRIu64, c->cnt.new,
	    c->cnt.destroy);
	if (ls != NULL)
		card(fp, "events lost", "%" PRIu64, c->cnt.lost);
	else
		card(fp, "bad lines", "%" PRIu64, st->bad);
	card(fp, "incomplete windows", "%" PRIu64, c->cnt.incomplete);
	card(fp, "hosts", "%zu", nh);
	card(fp, "services", "%zu", c->svcs.n);
	card(fp, "client flows", "%" PRIu64, c->cnt.client_flows);
	card(fp, "open now", "%zu", c->flows.n);
	card(fp, "alerts: critical / warning / info", "%" PRIu64 " / %"
	    PRIu64 " / %" PRIu64, sev[2], sev[1], sev[0]);
	if (pg->src->quar != NULL)
		card(fp, "quarantined now", "%zu", blocked);
	fprintf(fp, "</div>");
	if (c->cnt.flows_full + c->cnt.hosts_full + c->cnt.svcs_full > 0)
		fprintf(fp, "<p class=\"hot\">Tables refused entries: flows %"
		    PRIu64 ", hosts %" PRIu64 ", services %" PRIu64 " (see "
		    "limits in ephemd.conf(5)).</p>", c->cnt.flows_full,
		    c->cnt.hosts_full, c->cnt.svcs_full);
	fputs("<div class=\"duo\">", fp);
	family_matrix(pg, ho, nh);
	if (pg->c->svcs.n > 0)
		top_services(pg);
	fputs("</div>", fp);
	timeline(pg, ho, nh);
	fprintf(fp, "</section>\n");
}

/* The host table: every host, sortable; the drawn ones link to a panel. */
static void
host_table(const struct page *pg, const uint32_t *ho, size_t nh,
    size_t npanels)
{
	FILE			*fp = pg->fp;
	struct host		 snap;
	struct host_report	 r;
	char			 a[HOST_STRLEN], id[HOST_STRLEN];
	long			 pmin, pmax;
	size_t			 i;

	if (nh == 0) {
		fputs("<section id=\"hosts\"><h2>Hosts</h2><p>No client was "
		    "seen.</p></section>\n", fp);
		return;
	}
	fprintf(fp, "<section id=\"hosts\"><h2>Hosts</h2><p>%zu hosts; the "
	    "%zu with alerts, quarantines or the most flows are drawn in full "
	    "below the table (their address links to the panel).  Click a "
	    "heading to sort.</p><p id=\"filterbox\" hidden><label>Filter "
	    "<input type=\"search\" id=\"filter\"></label> <label><input "
	    "type=\"checkbox\" id=\"onlyal\"> only hosts with alerts</label> "
	    "<span id=\"shown\"></span> shown</p>", nh, npanels);
	fprintf(fp, "<div class=\"scroll\"><table class=\"sort\" "
	    "id=\"hosttab\"><thead><tr><th>host"
	    "</th><th>flows</th><th>TCP</th><th>UDP</th><th>family</th>"
	    "<th>ports</th><th>allocator</th><th>+1</th><th>even</th>"
	    "<th>held p95</th><th>held max</th><th>life p50 s</th>"
	    "<th>&lt;1m</th><th>new/min</th><th>unanswered</th>"
	    "<th>alerts</th></tr></thead><tbody>\n");
	for (i = 0; i < nh; i++) {
		const struct hinfo *hi = &pg->hi[ho[i]];

		report_snapshot(pg->c, &pg->c->hosts.v[ho[i]], &snap);
		host_report(&snap, &pg->c->conf->classify, &r);
		host_fmt(&snap, a, sizeof(a));
		report_ports(&snap, &pmin, &pmax);
		fprintf(fp, "<tr%s><td>", hi->alerts || hi->blocked ?
		    " class=\"hot\"" : "");
		if (hi->panel) {
			anchor(&snap, id, sizeof(id));
			fprintf(fp, "<a href=\"#h-%s\">%s</a>", id, a);
		} else
			fputs(a, fp);
		fprintf(fp, "%s</td><td>%u</td><td>%u</td><td>%u</td><td>%s"
		    "</td>", hi->blocked ? " (quarantined)" : "", snap.flows,
		    snap.tcp_flows, snap.udp_flows, host_family_name(r.family));
		if (pmin >= 0)
			fprintf(fp, "<td>%ld-%ld</td>", pmin, pmax);
		else
			fputs("<td>-</td>", fp);
		fprintf(fp, "<td>%s</td><td>%.2f</td><td>%.2f</td><td>%u</td>"
		    "<td>%u</td><td>%.1f</td><td>%.2f</td><td>%.1f</td>"
		    "<td>%.2f</td><td>%u</td></tr>\n",
		    host_allocator_name(r.allocator), r.f_unit, r.even_ratio,
		    r.conc_p95, r.conc_max, r.life_p50, r.under_1m,
		    r.flows_per_min, r.unreplied, hi->alerts);
	}
	fprintf(fp, "</tbody></table></div>\n");
	if (npanels > 0)
		legend(fp);
	for (i = 0; i < nh; i++)
		if (pg->hi[ho[i]].panel)
			host_panel(pg, ho[i]);
	fprintf(fp, "</section>\n");
}

/*
 * A service's lifetimes as a CDF (from its log-bucket histogram, about
 * 19 % wide), with the 1 and 3 minute marks and long_lived's limit.
 */
static void
svc_panel(const struct page *pg, uint32_t si)
{
	FILE			*fp = pg->fp;
	const struct svc	*s = &pg->c->svcs.v[si];
	const struct detect	*d = pg->src->detect;
	struct frame		 f = { 480, 170, 36, 10, 14, 22, 10, 0, 0, 1,
				    true };
	uint64_t		 limit = 0, v;
	char			 lab[48], ls[32];
	size_t			 i;

	if (d != NULL && si < d->ll_cap)
		limit = d->ll[si].limit_ms;
	f.x1 = (double)(s->max_ms > 180000 ? s->max_ms : 180000) * 1.5;
	if ((double)limit * 1.2 > f.x1)
		f.x1 = (double)limit * 1.2;
	fprintf(fp, "<figure class=\"svc\" id=\"s-%s-%u\"><figcaption><b>%s/%u"
	    "</b>: %u flows, %u ended with an answer", timeouts_proto_name(
	    s->proto), s->port, timeouts_proto_name(s->proto), s->port,
	    s->flows, s->life.n);
	if (s->life.n == 0) {
		fputs("; no lifetime yet.</figcaption></figure>", fp);
		return;
	}
	fputs("</figcaption>", fp);
	snprintf(lab, sizeof(lab), "lifetimes of %s/%u",
	    timeouts_proto_name(s->proto), s->port);
	svg_open(fp, &f, lab);
	svg_box(fp, &f);
	f.y1 = 100;
	axis_y(fp, &f, 4, NULL, true);
	f.y1 = 1;
	axis_dur(fp, &f);
	mark_dur(fp, &f, 60000, "m1", "1 min", 0);
	mark_dur(fp, &f, 180000, "m3", "3 min", 1);
	if (limit > 0) {
		dur_fmt(limit, ls, sizeof(ls));
		snprintf(lab, sizeof(lab), "long_lived %s", ls);
		mark_dur(fp, &f, (double)limit, "ll", lab, 2);
	}
	fprintf(fp, "<path class=\"cdf\" d=\"M%.1f %.1f", fx(&f, f.x0),
	    fy(&f, 0));
	for (i = 1; i <= CDF_STEPS; i++) {
		double q = (double)i / CDF_STEPS;

		v = lhist_quantile(&s->life, q);
		fprintf(fp, "H%.1fV%.1f", fx(&f, v > 0 ? (double)v : f.x0),
		    fy(&f, q));
	}
	fprintf(fp, "H%.1f\"/></svg><figcaption>", fx(&f, f.x1));
	fprintf(fp, "Share (%%) of its answered flows that ended within a "
	    "time: "
	    "%.0f %% under 1 min, %.0f %% under 3 min, longest ", 100.0 *
	    s->under_1m / s->life.n, 100.0 * s->under_3m / s->life.n);
	dur_fmt(s->max_ms, ls, sizeof(ls));
	fputs(ls, fp);
	if (limit > 0)
		fputs("; a flow open past the dash-dot line is long-lived", fp);
	else if (d != NULL && s->life.n < d->conf->long_lived.min_samples)
		fprintf(fp, "; long_lived judges it from %u ended flows",
		    d->conf->long_lived.min_samples);
	else if (d != NULL)
		fputs("; long_lived does not judge it (p99 above "
		    "long_lived.max_service_p99, or no pass yet)", fp);
	fputs(".</figcaption></figure>\n", fp);
}

static void
services(const struct page *pg)
{
	FILE			*fp = pg->fp;
	const struct detect	*d = pg->src->detect;
	const struct svc	*s;
	uint32_t		*so = report_svc_order(pg->c);
	const char		*pn;
	char			 ls[32];
	size_t			 i, k, n = pg->c->svcs.n;

	fprintf(fp, "<section id=\"services\"><h2>Services</h2><p>%zu services "
	    "(protocol and destination port).  The %d busiest of those with "
	    "ended flows are drawn; lifetimes are those of answered flows."
	    "</p><div class=\"svcs\">", n, REPORT_SERVICES);
	if (n == 0) {
		fputs("</div></section>\n", fp);
		return;
	}
	for (i = k = 0; so != NULL && i < n && k < REPORT_SERVICES; i++)
		if (pg->c->svcs.v[so[i]].life.n > 0) {
			svc_panel(pg, so[i]);
			k++;
		}
	fprintf(fp, "</div><details%s><summary>All services, busiest first"
	    "%s</summary><table class=\"sort\"><thead><tr><th>service</th>"
	    "<th>flows</th><th>ended</th><th>p50 s</th><th>p90 s</th>"
	    "<th>p99 s</th><th>max s</th><th>&lt;1m</th><th>&lt;3m</th>"
	    "<th>long_lived limit</th></tr></thead><tbody>\n",
	    n <= 50 ? " open" : "", n > TABLE_SERVICES ? " (the first 500)" :
	    "");
	for (i = 0; so != NULL && i < n && i < TABLE_SERVICES; i++) {
		uint64_t limit = 0;

		s = &pg->c->svcs.v[so[i]];
		pn = timeouts_proto_name(s->proto);
		if (d != NULL && so[i] < d->ll_cap)
			limit = d->ll[so[i]].limit_ms;
		if (limit > 0)
			dur_fmt(limit, ls, sizeof(ls));
		else
			snprintf(ls, sizeof(ls), "-");
		fprintf(fp, "<tr><td>%s/%u</td><td>%u</td><td>%u</td><td>%.1f"
		    "</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.2f</td>"
		    "<td>%.2f</td><td>%s</td></tr>\n", pn, s->port, s->flows,
		    s->life.n, lhist_quantile(&s->life, 0.5) / 1000.0,
		    lhist_quantile(&s->life, 0.9) / 1000.0,
		    lhist_quantile(&s->life, 0.99) / 1000.0, s->max_ms / 1000.0,
		    s->life.n ? (double)s->under_1m / s->life.n : 0.0,
		    s->life.n ? (double)s->under_3m / s->life.n : 0.0, ls);
	}
	fprintf(fp, "</tbody></table></details></section>\n");
	free(so);
}

/* The alerts kept, newest first. */
static void
alerts(const struct page *pg)
{
	FILE			*fp = pg->fp;
	const struct alert	*a;
	const struct host	*h;
	uint32_t		 hidx;
	char			 t[32], host[sizeof(a->label)], id[HOST_STRLEN];
	size_t			 i, n = 0;

	fprintf(fp, "<section id=\"alerts\"><h2>Alerts</h2>");
	if (pg->nal == 0) {
		fprintf(fp, "<p>None%s.</p></section>\n", pg->src->detect ==
		    NULL ? ": no detector ran" : "");
		return;
	}
	fprintf(fp, "<p>The %zu alerts kept%s, newest first", pg->nal,
	    pg->src->alerts_n > pg->nal ? " (older ones are in the alerts "
	    "file)" : "");
	if (pg->nal > ALERT_ROWS)
		fprintf(fp, ", the first %d", ALERT_ROWS);
	fputs(".</p>", fp);
	fprintf(fp, "<table class=\"sort alt\"><thead><tr><th>time</th><th>host"
	    "</th><th>detector</th><th>severity</th><th>action</th><th>"
	    "summary</th></tr></thead><tbody>\n");
	for (i = pg->nal; i-- > 0 && n < ALERT_ROWS; n++) {
		a = pg->al[i];
		report_time(a->ts_ms, t, sizeof(t));
		alert_host(a, host, sizeof(host));
		fprintf(fp, "<tr class=\"s%d\"><td>%s</td><td>", a->severity,
		    t);
		h = hosttab_find(&pg->c->hosts, &a->host, &hidx);
		if (h != NULL && alert_of(a, h) && pg->hi[hidx].panel) {
			anchor(h, id, sizeof(id));
			fprintf(fp, "<a href=\"#h-%s\">%s</a>", id, host);
		} else
			esc(fp, host);
		fprintf(fp, "</td><td>%s</td><td>%s</td><td>%s</td><td>",
		    a->detector, alert_severity_name(a->severity),
		    alert_action_name(a->action));
		esc(fp, a->summary);
		fputs("</td></tr>\n", fp);
	}
	fprintf(fp, "</tbody></table></section>\n");
}

static const char guide[] =
"<section id=\"guide\"><h2>How to read the pictures</h2>\n"
"<dl><dt>Source port against time</dt><dd>Each point is one of the host's "
"last flows with ports (ephemd keeps 64 a host): where it started and "
"the source port its stack gave it.  Shape is the protocol (circle TCP, "
"square UDP, diamond other), fill the outcome: solid answered, pale "
"refused (TCP reset), hollow unanswered, black ring still open.  A "
"sequential allocator (Windows, macOS) draws a rising diagonal that "
"wraps at the range's end; Linux's per-destination allocator short "
"ramps, one for each destination; a random one (FreeBSD, OpenBSD, "
"Linux UDP) a cloud; a tool with a fixed source port a flat line; a "
"scan a wall of points in a short time.  Alerts are dashed lines, "
"quarantines hatched spans.</dd>\n"
"<dt>Range against the stacks</dt><dd>The host's TCP source ports (the "
"bars, 256 ports each) above the default ranges of the common stacks.  "
"Ports outside the host's family are what port_range alerts on.</dd>\n"
"<dt>Ports held over time</dt><dd>The most source ports the host held at "
"once in each interval of its life; the lines are the time-weighted "
"median and 95th percentile.  Exhaustion shows as a plateau near the "
"size of its range.</dd>\n"
"<dt>Lifetimes</dt><dd>How long the host's flows were active: most "
"flows of ordinary clients end within a minute and nearly all within "
"three (ports.md 3.1); a long tail is what long_lived looks at.</dd>\n"
"<dt>Service CDF</dt><dd>For one protocol and destination port across "
"all hosts, the share of answered flows that ended within each time, "
"on a log scale, with 1 min and 3 min marked and long_lived's limit for "
"the service when it judges it.</dd></dl>\n"
"<p>Times are UTC.  Every number is also in the JSON report "
"(ephemd --report json, ephemctl -j host ADDRESS).</p></section>\n";

/*
 * The hosts to draw in full, at most REPORT_PANELS: quarantined first,
 * then those with the worst alerts, then the busiest.
 */
static int
panel_cmp(const void *a, const void *b, void *arg)
{
	const struct page	*pg = arg;
	uint32_t		 x = *(const uint32_t *)a;
	uint32_t		 y = *(const uint32_t *)b;
	const struct hinfo	*p = &pg->hi[x], *q = &pg->hi[y];
	const struct host	*h = &pg->c->hosts.v[x];
	const struct host	*k = &pg->c->hosts.v[y];

	if (p->blocked != q->blocked)
		return p->blocked ? -1 : 1;
	if (p->severity != q->severity)
		return p->severity > q->severity ? -1 : 1;
	if (h->flows != k->flows)
		return h->flows > k->flows ? -1 : 1;
	return addr_cmp(&h->addr, &k->addr);
}

/* Which host each kept alert is about, and who is blocked now. */
static void
host_info(struct page *pg, const uint32_t *ho, size_t nh)
{
	const struct host	*h;
	uint32_t		*o, hidx;
	size_t			 i;

	for (i = 0; i < pg->c->hosts.n; i++)
		pg->hi[i].severity = -1;
	for (i = 0; i < pg->nal; i++) {
		h = hosttab_find(&pg->c->hosts, &pg->al[i]->host, &hidx);
		if (h == NULL || !alert_of(pg->al[i], h))
			continue;
		pg->hi[hidx].alerts++;
		if (pg->al[i]->severity > pg->hi[hidx].severity)
			pg->hi[hidx].severity = pg->al[i]->severity;
	}
	for (i = 0; pg->src->quar != NULL && i < nh; i++) {
		const struct qhost *q = quar_of_host(pg->src->quar,
		    &pg->c->hosts.v[ho[i]]);

		pg->hi[ho[i]].blocked = q != NULL &&
		    on_clock(pg, q->until_ms) > pg->t1;
	}
	if (nh <= REPORT_PANELS) {
		for (i = 0; i < nh; i++)
			pg->hi[ho[i]].panel = true;
		return;
	}
	if ((o = calloc(nh, sizeof(*o))) == NULL)
		return;		/* no panels: the table still reads */
	memcpy(o, ho, nh * sizeof(*o));
	qsort_r(o, nh, sizeof(*o), panel_cmp, pg);
	for (i = 0; i < REPORT_PANELS; i++)
		pg->hi[o[i]].panel = true;
	free(o);
}

/* The kept alerts in time order: the ring from its oldest. */
static size_t
alerts_kept(const struct report_src *src, const struct alert **v)
{
	size_t		n = 0;
	uint64_t	i, kept;

	if (src->alerts == NULL || src->alerts_cap == 0)
		return 0;
	kept = src->alerts_n < src->alerts_cap ? src->alerts_n :
	    src->alerts_cap;
	for (i = src->alerts_n - kept; i < src->alerts_n; i++)
		v[n++] = &src->alerts[i % src->alerts_cap];
	return n;
}

void
report_html(FILE *fp, const struct report_src *src)
{
	struct page	 pg;
	uint32_t	*ho;
	char		 t0[32], t1[32], span[32], made[32];
	size_t		 nh, npanels = 0, i;

	memset(&pg, 0, sizeof(pg));
	pg.fp = fp;
	pg.src = src;
	pg.c = src->core;
	pg.t0 = src->st->first_ms;
	pg.t1 = src->st->last_ms;
	ho = report_hosts(pg.c, &nh);
	pg.hi = calloc(pg.c->hosts.n + 1, sizeof(*pg.hi));
	pg.al = calloc(src->alerts_cap + 1, sizeof(*pg.al));
	if (pg.hi == NULL || pg.al == NULL || (ho == NULL && nh > 0)) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
		    "\"utf-8\"><title>ephemd report</title></head><body><p>"
		    "ephemd: out of memory making the report</p></body>"
		    "</html>\n", fp);
		goto out;
	}
	pg.nal = alerts_kept(src, pg.al);
	host_info(&pg, ho, nh);
	for (i = 0; i < nh; i++)
		npanels += pg.hi[ho[i]].panel;

	report_time(pg.t0, t0, sizeof(t0));
	report_time(pg.t1, t1, sizeof(t1));
	dur_fmt(pg.t1 - pg.t0, span, sizeof(span));
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	    "charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\">\n<title>ephemd report: ");
	esc(fp, src->source);
	fprintf(fp, ", %s to %s</title>\n<style>\n%s</style>\n</head>\n"
	    "<body>\n", t0, t1, css);
	defs(fp);
	fprintf(fp, "<header><h1>ephemd: ephemeral ports of the gateway's "
	    "clients</h1><p>");
	esc(fp, src->source);
	fprintf(fp, ": %s to %s (%s), %zu hosts, %zu services", t0, t1, span,
	    nh, pg.c->svcs.n);
	if (src->made_ms != 0) {
		report_time(src->made_ms, made, sizeof(made));
		fprintf(fp, "; made %s", made);
	}
	fprintf(fp, ".</p><nav><a href=\"#overview\">Overview</a><a href="
	    "\"#hosts\">Hosts</a><a href=\"#services\">Services</a><a href="
	    "\"#alerts\">Alerts</a><a href=\"#guide\">How to read it</a>"
	    "</nav></header>\n<main>\n");
	overview(&pg, ho, nh);
	host_table(&pg, ho, nh, npanels);
	services(&pg);
	alerts(&pg);
	fputs(guide, fp);
	fprintf(fp, "</main>\n<script>\n%s</script>\n</body>\n</html>\n",
	    script);
out:
	free(ho);
	free(pg.hi);
	free(pg.al);
}
