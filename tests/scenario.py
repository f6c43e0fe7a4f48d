#!/usr/bin/env python3
"""Score ephemd's alerts against the ground truth of a gencap scenario.

usage: scenario.py [--markdown-out FILE] [--describe TEXT] [--ll-min-age S]
                   [--grace S] [--scenario NAME]
                   GROUNDTRUTH ALERTS [GROUNDTRUTH ALERTS ...]

GROUNDTRUTH is what `gencap -G` writes: one tab-separated line per injected
anomaly and per benign look-alike host,

    host  kind  start_epoch  end_epoch  expected_detectors

where expected_detectors is a comma list (a trailing '?' marks a secondary
detector) or '-' for a look-alike.  host is an address; or a prefix
(ADDR/LEN): an anomaly of a whole /64 is credited by an alert on any host
inside or equal to it, and a look-alike prefix row makes every host inside
it a look-alike from start to end (an outage); or the gateway's own view,
"*", "ipv4" or "ipv6", in a row that expects `gateway` (credited by a
`gateway` alert whose host is "*" or that family; "*" takes any), while
"*" in a look-alike row covers every host.  ALERTS is what `ephemd
--alerts` writes: one JSON object per line with ts, host, detector,
severity, action, summary and evidence.  Several pairs (one per seed) are
scored together.

Prints markdown tables (per detector, per anomaly, per look-alike, false
positives) and exits 1 when a required detection is missing or late, or when
a look-alike host raised an alert other than `gateway`, `identity` or one of
severity info; 2 on unreadable input; 0 otherwise.  The scoring rule is in
SCORING below and in tests/detection.md.
"""

import argparse
import ipaddress
import json
import statistics
import sys

# How long after an anomaly's start each detector may take to report it, in
# seconds.  long_lived cannot fire before the flow is as old as its threshold,
# max(10 x the service's p99, min_age) checked every 10 s: its bound is
# min_age (15 min by default; --ll-min-age) plus 15 min.
LL_MIN_AGE = 15 * 60
BOUNDS = {
    "scan": 5 * 60,
    "fixed_port": 5 * 60,
    "port_range": 5 * 60,
    "rate": 5 * 60,
    "exhaustion": 5 * 60,
    "allocator_change": 30 * 60,
    "long_lived": None,             # LL_MIN_AGE + 15 min, set in main()
}
DEFAULT_BOUND = 5 * 60              # a detector not listed above
GRACE = 10 * 60                     # an anomaly's effects outlive its end

# Bounds of the gateway's own events: an unanswered SYN reaches DESTROY
# 120 s after its NEW, so an outage is seen two minutes after it began;
# three more to judge it.  Listed with the others only when a scenario
# has such rows.
GATEWAY_BOUNDS = {
    "gateway": 5 * 60,
}

# Alerts a look-alike may raise: the gateway's view, a device's identity,
# and anything of severity info.  They are not host verdicts.
ACCEPTED = ("gateway", "identity")
VIEWS = ("*", "ipv4", "ipv6")

# The daemon's own incidents (a table full): about no host, never an FP,
# counted as incidental.
OWN = ("limits", "intake")

SCORING = """\
- **Detected (TP).** An anomaly is detected by a detector it lists when that
  detector raises an alert on the anomaly's host between its start and start
  plus the detector's bound. The time to detect (TTD) is the first such alert's
  time minus the start. The TTD columns cover every detection, required or
  secondary.
- **Missed (FN).** A required (primary) detector with no alert within the bound
  is missed. This includes a *late* one, which alerted after the bound but
  before the anomaly's end plus the grace. Missing one fails the test.
- **Secondary.** A secondary detector (`?` in the ground truth) is credited in
  its own column when it fires within the bound. It is never required.
- **Incidental.** An alert on an anomaly's host from a detector the anomaly
  does not list, between its start and its end plus the grace, is neither a
  TP nor an FP. An nmap scan that also trips `allocator_change` is reported,
  not punished.
- **False positive (FP).** Any other alert is an FP: on an ordinary host, on an
  anomaly's host outside its window, or on a look-alike host. An alert on a
  look-alike host fails the test. FPs elsewhere only lower the precision.
- **Precision** = matched alerts / (matched + FP alerts) of that detector. An
  alert is matched when it falls in the window of an anomaly that lists the
  detector; repeats and escalations count. Incidental alerts are left out.
  **Recall** = detected / required."""

SCORING_REALNET = """\
- **Prefixes.** An anomaly of a whole /64 (`PREFIX::/64` in the ground truth:
  a scanner rotating its address, a host-table flood) is credited by an alert
  on any host inside or equal to the prefix.
- **The gateway's view.** An outage or a dead server has a row whose host is
  `ipv4`, `ipv6` or `*` and which expects `gateway`: a `gateway` alert with
  host `*` or that family, within the bound after the start, detects it.
  `gateway` alerts are not host verdicts: they are never FPs and have no
  precision.
- **Look-alike windows.** An outage's or a dead server's second row, with
  host `0.0.0.0/0`, `::/0` or `*` and no detector, makes every host it
  covers a look-alike from the start of the fault until its end plus the
  grace. Alerts there fail the test like alerts on a look-alike host.
- **Accepted alerts.** On a look-alike host or window, `gateway` and
  `identity` alerts and any alert of severity `info` are accepted: listed,
  never a failure.
- **The daemon's own incidents.** A `limits` alert (host `*`: a table full)
  is about no host: counted as incidental, never a false positive."""


class Row:
    """One ground-truth line: an injected anomaly or a look-alike host."""

    def __init__(self, run, host, kind, start, end, expected):
        self.run = run
        self.host = host
        self.kind = kind
        self.start = start
        self.end = end
        self.benign = expected == "-"
        self.primary = []
        self.secondary = []
        if not self.benign:
            for d in expected.split(","):
                if d.endswith("?"):
                    self.secondary.append(d[:-1])
                else:
                    self.primary.append(d)
        self.hits = {}          # detector -> TTD of the first in-bound alert
        self.late = {}          # detector -> delay of the first late alert
        self.incidental = {}    # detector -> number of alerts
        self.alerts = []        # on a look-alike host
        self.accepted = []      # ... that a look-alike may raise
        # the gateway's own view, a prefix, or one host
        self.view = host in VIEWS and not self.benign
        self.net = None
        if host == "*" and self.benign:
            self.net = "*"
        elif "/" in host:
            try:
                self.net = ipaddress.ip_network(host, strict=False)
            except ValueError:
                raise ValueError(host)
        # a look-alike for every host of a prefix, for a time
        self.window = self.benign and self.net is not None

    def expects(self, det):
        return det in self.primary or det in self.secondary

    def covers(self, net):
        """Is the alert's host (an ip_network or None) inside this row?"""
        if self.net == "*":
            return True
        if self.net is None or net is None or \
                net.version != self.net.version:
            return False
        return net.subnet_of(self.net)

    def sees(self, host):
        """Is a gateway alert's host ("*", "ipv4", "ipv6") this view's?"""
        return self.host == "*" or host in ("*", self.host)


class Input(Exception):
    pass


def bound(det):
    b = BOUNDS.get(det, GATEWAY_BOUNDS.get(det))
    return DEFAULT_BOUND if b is None else b


def alert_net(host):
    """An alert's host as a network (an address is a /32 or /128)."""
    try:
        return ipaddress.ip_network(host, strict=False)
    except (ValueError, TypeError):
        return None


def accepted(a):
    return a["detector"] in ACCEPTED or a["severity"] == "info"


def read_truth(path, run):
    rows = []
    try:
        fp = open(path, encoding="utf-8")
    except OSError as e:
        raise Input("%s: %s" % (path, e.strerror))
    with fp:
        for n, line in enumerate(fp, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            try:
                if len(f) != 5 or not f[4]:
                    raise ValueError
                rows.append(Row(run, f[0], f[1], int(f[2]), int(f[3]),
                                f[4]))
            except ValueError:
                raise Input("%s:%d: want host, kind, start, end, expected "
                            "separated by tabs" % (path, n))
    return rows


ALERT_KEYS = ("ts", "host", "detector", "severity", "action", "summary",
              "evidence")


def read_alerts(path):
    alerts = []
    try:
        fp = open(path, encoding="utf-8")
    except OSError as e:
        raise Input("%s: %s" % (path, e.strerror))
    with fp:
        for n, line in enumerate(fp, 1):
            if not line.strip():
                continue
            try:
                a = json.loads(line)
            except ValueError as e:
                raise Input("%s:%d: not JSON: %s" % (path, n, e))
            if not isinstance(a, dict) or any(k not in a for k in
                                               ALERT_KEYS):
                raise Input("%s:%d: an alert needs %s" %
                            (path, n, ", ".join(ALERT_KEYS)))
            if (not isinstance(a["ts"], (int, float)) or
                    a["severity"] not in ("info", "warning", "critical") or
                    a["action"] not in ("log", "quarantine", "dry-run")):
                raise Input("%s:%d: bad ts, severity or action" % (path, n))
            alerts.append(a)
    alerts.sort(key=lambda a: a["ts"])
    return alerts


def score_run(rows, alerts, fps):
    """Match one run's alerts to its rows; count per-detector alerts."""
    by_host = {}
    prefixed = []   # anomalies of a prefix (a /64)
    windows = []    # look-alikes of a prefix or of every host, for a time
    views = []      # the gateway's own events
    for r in rows:
        if r.view:
            views.append(r)
        elif r.window:
            windows.append(r)
        elif r.net is not None:
            prefixed.append(r)
        else:
            by_host.setdefault(r.host, []).append(r)
    run = rows[0].run if rows else ""
    counts = {}     # detector -> [alerts, matched, incidental, fp]
    for a in alerts:
        det, ts = a["detector"], a["ts"]
        c = counts.setdefault(det, [0, 0, 0, 0])
        c[0] += 1
        if det in GATEWAY_BOUNDS:
            # the gateway's view: matched to its rows, never an FP
            mine = [r for r in views if r.expects(det) and
                    r.sees(a["host"])]
            hit = [r for r in mine if r.start <= ts <= r.start + bound(det)]
            for r in hit:
                r.hits.setdefault(det, ts - r.start)
            late = [r for r in mine if r.start <= ts <= r.end + GRACE]
            for r in late:
                if det not in r.hits:
                    r.late.setdefault(det, ts - r.start)
            c[1 if hit or late else 2] += 1
            continue
        if det in OWN and a["host"] == "*":
            c[2] += 1
            continue
        mine = by_host.get(a["host"], [])
        look = [r for r in mine if r.benign]
        if look:
            if accepted(a):
                look[0].accepted.append(a)
                continue
            look[0].alerts.append(a)
            fps.append((run, look[0], a))
            c[3] += 1
            continue
        net = alert_net(a["host"]) if prefixed or windows else None
        if prefixed:
            mine = mine + [r for r in prefixed if r.covers(net)]
        hit = [r for r in mine if r.expects(det) and
               r.start <= ts <= r.start + bound(det)]
        for r in hit:
            r.hits.setdefault(det, ts - r.start)
        late = [r for r in mine if r.expects(det) and
                r.start <= ts <= r.end + GRACE]
        if hit or late:
            for r in late:
                if det not in r.hits:
                    r.late.setdefault(det, ts - r.start)
            c[1] += 1
            continue
        inc = [r for r in mine if r.start <= ts <= r.end + GRACE]
        if inc:
            for r in inc:
                r.incidental[det] = r.incidental.get(det, 0) + 1
            c[2] += 1
            continue
        win = [r for r in windows if r.covers(net) and
               r.start <= ts <= r.end + GRACE]
        if win:
            if accepted(a):
                win[0].accepted.append(a)
                continue
            win[0].alerts.append(a)
            fps.append((run, win[0], a))
            c[3] += 1
            continue
        fps.append((run, None, a))
        c[3] += 1
    return counts


def fmt_s(s):
    if s is None:
        return "-"
    if s < 120:
        return "%d s" % s
    if s < 7200:
        return "%.1f min" % (s / 60)
    return "%.1f h" % (s / 3600)


def fmt_ratio(a, b):
    return "-" if b == 0 else "%.2f" % (a / b)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(out)


def detector_table(all_rows, counts):
    dets = list(BOUNDS)
    extra = set(counts)
    for r in all_rows:
        extra.update(r.primary, r.secondary)
    dets += sorted(extra - set(dets))
    out = []
    for d in dets:
        req = [r for r in all_rows if d in r.primary]
        sec = [r for r in all_rows if d in r.secondary]
        tp = sum(1 for r in req if d in r.hits)
        late = sum(1 for r in req if d in r.late)
        shit = sum(1 for r in sec if d in r.hits)
        ttd = [r.hits[d] for r in req + sec if d in r.hits]
        n, matched, inc, fp = counts.get(d, [0, 0, 0, 0])
        out.append([
            "`%s`" % d, fmt_s(bound(d)), len(req), tp, len(req) - tp, late,
            "%d/%d" % (shit, len(sec)) if sec else "-", n, inc, fp,
            "-" if d in GATEWAY_BOUNDS else fmt_ratio(matched, matched + fp),
            fmt_ratio(tp, len(req)),
            fmt_s(statistics.median(ttd)) if ttd else "-",
            fmt_s(max(ttd)) if ttd else "-"])
    return table(["detector", "bound", "required", "TP", "FN", "late",
                  "secondary", "alerts", "incidental", "FP", "precision",
                  "recall", "TTD median", "TTD max"], out)


def anomaly_table(all_rows, t0):
    out = []
    for r in all_rows:
        if r.benign:
            continue

        def cell(d, opt):
            if d in r.hits:
                return "%s%s %s" % (d, "?" if opt else "", fmt_s(r.hits[d]))
            if d in r.late:
                return "%s%s **late** %s" % (d, "?" if opt else "",
                                             fmt_s(r.late[d]))
            return "%s%s %s" % (d, "?" if opt else "",
                                "-" if opt else "**missed**")
        got = [cell(d, False) for d in r.primary]
        got += [cell(d, True) for d in r.secondary]
        inc = ", ".join("%s (%d)" % (d, n)
                        for d, n in sorted(r.incidental.items()))
        out.append([r.run, r.host, r.kind, rel(r.start, t0.get(r.run)),
                    fmt_s(r.end - r.start), "; ".join(got), inc or "-"])
    return table(["run", "host", "anomaly", "start", "length",
                  "expected: time to detect", "incidental alerts"], out)


def lookalike_table(all_rows):
    out = []
    for r in all_rows:
        if not r.benign:
            continue
        dets = {}
        for a in r.alerts:
            dets[a["detector"]] = dets.get(a["detector"], 0) + 1
        ok = {}
        for a in r.accepted:
            k = "%s %s" % (a["detector"], a["severity"])
            ok[k] = ok.get(k, 0) + 1
        cell = ", ".join("%s (%d)" % kv for kv in sorted(dets.items()))
        if ok:
            cell += "%saccepted: %s" % ("; " if cell else "", ", ".join(
                "%s (%d)" % kv for kv in sorted(ok.items())))
        out.append([r.run, r.host, r.kind, len(r.alerts), cell or "-"])
    return table(["run", "host", "look-alike", "alerts", "detectors"], out)


def rel(ts, t0):
    if t0 is None:
        return "%.0f" % ts
    s = int(ts - t0)
    return "+%d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def fp_list(fps, t0, limit=25):
    out = []
    for run, look, a in fps[:limit]:
        summary = a["summary"].replace("|", "/")
        if len(summary) > 110:
            summary = summary[:107] + "..."
        out.append([run, a["host"], look.kind if look else "-",
                    "`%s`" % a["detector"], a["severity"],
                    rel(a["ts"], t0.get(run)), summary])
    text = table(["run", "host", "look-alike", "detector", "severity",
                  "time", "summary"], out)
    if len(fps) > limit:
        text += "\n\n(%d more)" % (len(fps) - limit)
    return text


def bounds_table(gateway=False):
    extra = list(GATEWAY_BOUNDS.items()) if gateway else []
    return table(["detector", "bound after the anomaly's start"],
                 [["`%s`" % d, fmt_s(b) + (" (min_age %s + 15 min)" %
                                            fmt_s(LL_MIN_AGE)
                                            if d == "long_lived" else "")]
                  for d, b in list(BOUNDS.items()) + extra] +
                 [["any other", fmt_s(DEFAULT_BOUND)]])


MD_INTRO = """\
# Detection scenario results

This file is written by `tests/scenario.py --markdown-out` (as run by
`tests/scenario.test` with `SCENARIO_MD=...`). Do not edit it by hand.

## The scenario

%s

## Bounds

A detection counts only when it comes within its detector's bound after the
anomaly's start. The grace after an anomaly's end, for late and incidental
alerts, is %s.

%s

## Scoring

%s
"""

SCENARIOS = {
    "default": """\
`gencap -S default` (tests/gencap.md, "Scenarios") simulates a NAT gateway's
conntrack events for a population of hosts. After a quiet learning phase of
3 h, eight anomalies start one after another, each on its own otherwise normal
IPv4 host: nmap_syn, masscan, hping3, fixed_sport, raw_range, exhaustion,
reverse_shell and nat_behind. Six more hosts carry benign look-alikes from the
start of the capture: p2p, sip, resolver, long_ssh, push and update_burst. They
must raise no alert. ephemd replays the capture with `--learning-period 2h`
and writes its alerts (`--alerts`). `tests/scenario.py` matches them against
the ground truth that gencap writes (`-G`).""",
    "realnet": """\
`gencap -S realnet` (tests/gencap.md, "Real networks") simulates what real
networks do around a NAT gateway (issue 12). After a quiet learning phase of
3 h, one after another: an uplink outage of 6 min (IPv4), an address handed
by DHCP to a device of another stack, an IPv6 upstream outage of 10 min, a
dead popular server for 15 min, a scanner rotating its address inside its
/64, a host-table flood from one /64 followed 10 min later by a SYN scan from
an IPv4 host that has just joined the network, and an `nmap -p-` that fills
the service table followed by a C2 session held an hour on a new service. Ten hosts carry real-network
look-alikes: a game console, a heavy BitTorrent client, WireGuard, OpenVPN and
IPsec clients, FreeBSD under load, parallel connects, IPv6 temporary
addresses, Happy Eyeballs and a Kubernetes node. Outages and the dead server
must raise one `gateway` event each and nothing on the hosts; look-alikes may
raise only `gateway`, `identity` and `info` events. ephemd replays the
capture with `--learning-period 2h` (`tests/scenario-realnet.sh`).""",
    "churn": """\
`gencap -S churn` (tests/gencap.md, "Real networks") sends a million distinct
client addresses of 172.16.0.0/12 through the gateway after a quiet learning
phase of 3 h, each with one short flow (they must raise nothing), then an
ordinary host runs a SYN scan that must still be found. ephemd replays the
capture with `--learning-period 2h` (`tests/scenario-realnet.sh` with
`SCENARIO_KIND=churn`).""",
}


def main():
    ap = argparse.ArgumentParser(
        description="Score ephemd alerts against gencap -G ground truth.")
    ap.add_argument("files", nargs="+", metavar="GROUNDTRUTH ALERTS")
    ap.add_argument("--markdown-out", metavar="FILE",
                    help="also write the results as a markdown document")
    ap.add_argument("--describe", metavar="TEXT",
                    help="how the runs were made, for --markdown-out")
    ap.add_argument("--ll-min-age", type=int, default=LL_MIN_AGE,
                    metavar="S", help="long_lived.min_age in seconds "
                    "(default %d)" % LL_MIN_AGE)
    ap.add_argument("--grace", type=int, default=GRACE, metavar="S",
                    help="seconds after an anomaly's end (default %d)" %
                    GRACE)
    ap.add_argument("--scenario", default="default", choices=SCENARIOS,
                    help="the gencap scenario, for --markdown-out "
                    "(default: default)")
    args = ap.parse_args()
    if len(args.files) % 2 != 0:
        ap.error("give GROUNDTRUTH ALERTS pairs")
    globals()["LL_MIN_AGE"] = args.ll_min_age
    globals()["GRACE"] = args.grace
    BOUNDS["long_lived"] = LL_MIN_AGE + 15 * 60

    all_rows, counts, fps, t0 = [], {}, [], {}
    try:
        for i in range(0, len(args.files), 2):
            run = str(i // 2 + 1)
            rows = read_truth(args.files[i], run)
            alerts = read_alerts(args.files[i + 1])
            if not rows:
                raise Input("%s: no anomalies or look-alikes" %
                            args.files[i])
            t0[run] = min(r.start for r in rows)
            for d, c in score_run(rows, alerts, fps).items():
                s = counts.setdefault(d, [0, 0, 0, 0])
                for k in range(4):
                    s[k] += c[k]
            all_rows += rows
    except Input as e:
        print("scenario.py: %s" % e, file=sys.stderr)
        return 2

    missed = [(r, d) for r in all_rows for d in r.primary if d not in r.hits]
    benign_alerts = [f for f in fps if f[1] is not None]
    other_fps = [f for f in fps if f[1] is None]
    nreq = sum(len(r.primary) for r in all_rows)
    verdict = "FAIL" if missed or benign_alerts else "PASS"

    runs = len(args.files) // 2
    body = []
    body.append("## Per detector\n\n%d run%s, %d anomalies, %d look-alike "
                "hosts.\n\n%s" % (
                    runs, "" if runs == 1 else "s",
                    sum(1 for r in all_rows if not r.benign),
                    sum(1 for r in all_rows if r.benign),
                    detector_table(all_rows, counts)))
    body.append("## Per anomaly\n\nStart is from the capture start; times "
                "are from the anomaly's start.\n\n%s" %
                anomaly_table(all_rows, t0))
    body.append("## Look-alikes\n\n%s" % lookalike_table(all_rows))
    body.append("## False positives\n\n%s" % (
        fp_list(benign_alerts + other_fps, t0) if fps else "None."))
    summary = ("scenario: %s: %d required detections, %d missed; %d alerts "
               "on look-alike hosts; %d false positives on other hosts" % (
                   verdict, nreq, len(missed), len(benign_alerts),
                   len(other_fps)))
    text = "\n\n".join(body)
    print(text)
    print()
    for r, d in missed:
        print("scenario: run %s %s %s: %s %s" % (
            r.run, r.host, r.kind, d,
            "late (%s)" % fmt_s(r.late[d]) if d in r.late else "missed"))
    for run, look, a in benign_alerts:
        print("scenario: run %s look-alike %s %s: %s alert" % (
            run, look.host, look.kind, a["detector"]))
    print(summary)

    if args.markdown_out:
        other = args.scenario != "default"
        doc = MD_INTRO % (SCENARIOS[args.scenario], fmt_s(GRACE),
                          bounds_table(other), SCORING +
                          ("\n" + SCORING_REALNET if other else ""))
        doc += "\n## Results\n\n"
        if args.describe:
            doc += "%s\n\n" % args.describe
        doc += "Verdict: **%s**: %d required detections, %d missed; %d " \
               "alerts on look-alike hosts; %d false positives on other " \
               "hosts.\n\n" % (verdict, nreq, len(missed),
                              len(benign_alerts), len(other_fps))
        doc += text.replace("\n## ", "\n### ").replace("## ", "### ", 1)
        doc += "\n"
        with open(args.markdown_out, "w", encoding="utf-8") as fp:
            fp.write(doc)
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
