#!/usr/bin/env python3
"""metricnames.py: every metric a dashboard or a rule file names is one the
exporters really export.

  metricnames.py --ephemd FILE [--exporter FILE]... [--dashboard JSON]...
                 [--rules YAML]... [--require NAME]...

--ephemd is ephemd's exposition (ephemctl metrics), --exporter another
exposition the expressions may use (node_exporter's, which carries ephemd's
metrics.file through its textfile collector and adds
node_textfile_mtime_seconds).  Every PromQL expression of the dashboards
(panel targets, template variables) and of the rules is taken apart:

 - each metric name must be in an exposition; an ephemd_* name must be in
   ephemd's, and in every --exporter given (the textfile path carries it)
 - each equality matcher on a metric (label="value") must name a label and
   value that a sample of that metric has; a regex matcher must match (as
   Prometheus does, anchored) at least one value of a label of that metric;
   instance and job come from the scrape and are not checked
 - a dashboard must have the template variable "instance", and every
   selector of an ephemd_* metric in it must filter on instance=~"$instance"
 - --require NAME: the dashboards must use NAME

Prints one line per problem and exits 1 if there is any.  Needs python3-yaml
for --rules.
"""
import argparse
import json
import re
import sys

KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan"}
TARGET_LABELS = {"instance", "job"}
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
IDENT = re.compile(r'(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+')


def exposition(path):
    """{name: [ {label: value} per sample ]} of a text exposition."""
    fams = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# TYPE "):
            fams.setdefault(line.split()[2], [])
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            continue
        labels = {k: bytes(v, "utf-8").decode("unicode_escape")
                  for k, _, v in MATCHER.findall(m.group(3) or "")}
        fams.setdefault(m.group(1), []).append(labels)
    return fams


def unescape(v):
    return bytes(v, "utf-8").decode("unicode_escape")


def selectors(expr):
    """(metric names, [(name, [(label, op, value)])]) of a PromQL expression."""
    sels = []
    # a selector: a name with or without {matchers}
    rest = expr
    out = []
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(rest) and rest[j] != c:
                j += 2 if rest[j] == "\\" else 1
            out.append(" ")
            i = j + 1
            continue
        if c == "{":
            j = rest.index("}", i)
            # the name right before the brace, if any
            m = re.search(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$', "".join(out))
            name = m.group(1) if m else None
            sels.append((name, MATCHER.findall(rest[i + 1:j])))
            out.append(" ")
            i = j + 1
            continue
        if c == "[":
            j = rest.index("]", i)
            out.append(" ")
            i = j + 1
            continue
        out.append(c)
        i += 1
    flat = "".join(out)
    flat = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)',
                  " ", flat)
    names = []
    for m in IDENT.finditer(flat):
        word = m.group(1)
        after = flat[m.end():].lstrip()
        if word in KEYWORDS or after.startswith("("):
            continue
        names.append(word)
    bare = [n for n in names if n not in {s[0] for s in sels if s[0]}]
    return names, sels + [(n, []) for n in bare]


def dashboard_exprs(path):
    """(where, expr) of every query of a Grafana dashboard, and its
    template variable names."""
    d = json.load(open(path, encoding="utf-8"))
    found = []
    variables = []

    def panels(ps):
        for p in ps:
            for t in p.get("targets", []):
                if t.get("expr"):
                    found.append(("panel %r" % p.get("title"), t["expr"]))
            panels(p.get("panels", []))
    panels(d.get("panels", []))
    for v in d.get("templating", {}).get("list", []):
        variables.append(v.get("name"))
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and isinstance(q, str):
            m = re.match(r'\s*label_values\((.*?)(?:,\s*[a-zA-Z_]\w*)?\)\s*$', q)
            found.append(("variable %r" % v.get("name"), m.group(1) if m else q))
    return found, variables


def rules_exprs(path):
    import yaml
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    found = []
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            found.append(("rule %s" % (r.get("alert") or r.get("record")), r["expr"]))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ephemd", required=True)
    ap.add_argument("--exporter", action="append", default=[])
    ap.add_argument("--dashboard", action="append", default=[])
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--require", action="append", default=[])
    a = ap.parse_args()

    eph = exposition(a.ephemd)
    exporters = [exposition(p) for p in a.exporter]
    known = dict(eph)
    for e in exporters:
        for k, v in e.items():
            known.setdefault(k, []).extend(v)
    problems = []
    used = {}
    exprs = []
    for path in a.dashboard:
        found, variables = dashboard_exprs(path)
        if "instance" not in variables:
            problems.append("%s: no template variable 'instance'" % path)
        exprs += [(path, w, e, True) for w, e in found]
    for path in a.rules:
        exprs += [(path, w, e, False) for w, e in rules_exprs(path)]
    if not exprs:
        problems.append("no expression found")

    for path, where, expr, is_dash in exprs:
        names, sels = selectors(expr)
        if not names:
            problems.append("%s: %s: no metric in %r" % (path, where, expr))
        for name, matchers in sels:
            if name is None:
                continue
            used.setdefault(name, set()).add(path)
            if name not in known:
                problems.append("%s: %s: %s is exported by nobody" % (path, where, name))
                continue
            if name.startswith("ephemd_"):
                if name not in eph:
                    problems.append("%s: %s: %s is not in ephemd's exposition" % (path, where, name))
                for p, e in zip(a.exporter, exporters):
                    if name not in e:
                        problems.append("%s: %s: %s is not in %s" % (path, where, name, p))
                if is_dash and "variable" not in where and not any(
                        l == "instance" and op == "=~" and v == "$instance"
                        for l, op, v in matchers):
                    problems.append('%s: %s: %s does not filter on instance=~"$instance"'
                                    % (path, where, name))
            samples = known[name]
            for label, op, value in matchers:
                if label in TARGET_LABELS:
                    continue
                values = {s[label] for s in samples if label in s}
                if not values:
                    problems.append("%s: %s: %s has no label %s" % (path, where, name, label))
                elif op == "=" and unescape(value) not in values:
                    problems.append("%s: %s: %s{%s} has no value %r (it has %s)" % (
                        path, where, name, label, unescape(value), sorted(values)))
                elif op == "=~" and not any(re.fullmatch(unescape(value), v) for v in values):
                    problems.append("%s: %s: %s{%s=~%r} matches none of %s" % (
                        path, where, name, label, unescape(value), sorted(values)))
    for r in a.require:
        if not any(r in used and p in a.dashboard for p in used.get(r, ())):
            problems.append("the dashboard does not show %s" % r)

    for p in problems:
        print("metricnames: " + p)
    n = sum(1 for x in exprs)
    print("metricnames: %d expressions, %d metric names, %d problems" % (
        n, len(used), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
