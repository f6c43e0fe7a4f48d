#!/usr/bin/env python3
"""Replay throughput benchmark (DESIGN section 4: >= 2 M events/s).

Generates a synthetic capture of at least 2 million events with gencap
(once; reused when present), then replays it with ephemd and times it next
to `wc -l` on the same file, best of several runs each.  Prints events per
second, MB/s and ephemd's peak RSS.

usage: tests/bench-replay.py [--events N] [--runs N] [--file PATH]
       (EPHEMD and GENCAP select the binaries; default build/...)
"""
import argparse, json, os, resource, subprocess, sys, time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--events", type=int, default=2_000_000)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--file", default="/tmp/ephemd-bench.conntrack")
args = ap.parse_args()
ephemd = os.environ.get("EPHEMD", os.path.join(top, "build/daemon/ephemd"))
gencap = os.environ.get("GENCAP", os.path.join(top, "build/tests/gencap"))

if not os.path.exists(args.file):
    with open(args.file, "wb") as f:
        subprocess.run([gencap, "-s", "1", "-n", "2000", "-e",
                        str(args.events)], stdout=f, check=True)
size = os.path.getsize(args.file)


def best(cmd):
    """Best wall time of several runs, the last run's stdout, peak RSS."""
    times, out = [], b""
    for _ in range(args.runs):
        with open(args.file, "rb") as f:
            t = time.perf_counter()
            out = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE,
                                 check=True).stdout
            times.append(time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return min(times), out, rss


wc_t, wc_out, _ = best(["wc", "-l"])
lines = int(wc_out.split()[0])
ep_t, ep_out, rss = best([ephemd, "--replay", "-", "--report", "json"])
events = json.loads(ep_out)["input"]["events"]
# the same with the detectors judging after 10 minutes of learning
DETECT = ["--alerts", "/dev/null", "--learning-period", "10m"]
dt_t, _, dt_rss = best([ephemd, "--replay", "-", "--report", "json"] + DETECT)

print("capture       %s: %d lines, %.1f MB" % (args.file, lines, size / 1e6))
print("wc -l         %.3f s  %6.1f M lines/s  %7.1f MB/s" %
      (wc_t, lines / wc_t / 1e6, size / wc_t / 1e6))
print("ephemd replay %.3f s  %6.2f M events/s %7.1f MB/s  peak RSS %.1f MiB" %
      (ep_t, events / ep_t / 1e6, size / ep_t / 1e6, rss / 1024))
print("  + detectors %.3f s  %6.2f M events/s %7.1f MB/s  peak RSS %.1f MiB" %
      (dt_t, events / dt_t / 1e6, size / dt_t / 1e6, dt_rss / 1024))
print("budget        2.00 M events/s: %s" %
      ("met" if events / dt_t >= 2e6 else "NOT MET"))

# Memory: 262 144 flows open at once from 4096 hosts (DESIGN section 4:
# <= 96 B per active flow with its tuple, <= 4 KiB per host, RSS <= 48 MiB).
def capture(nflows):
    lines = []
    for i in range(nflows):
        h = i % 4096
        lines.append("[%d.%06d]\t    [NEW] tcp      6 120 SYN_SENT "
                     "src=10.%d.%d.%d dst=198.51.%d.%d sport=%d dport=443 "
                     "[UNREPLIED] src=198.51.%d.%d dst=203.0.113.1 "
                     "sport=443 dport=%d\n" % (
                         1795000000 + i // 1000, i % 1000 * 1000,
                         h >> 8, h & 255, 1, (i >> 8) & 255, i & 255,
                         32768 + i // 4096 * 2, (i >> 8) & 255, i & 255,
                         32768 + i // 4096 * 2))
    return "".join(lines).encode()


def rss_of(data, extra=()):
    """(VmRSS, VmHWM) in KiB of ephemd holding everything data opened:
    the capture is fed through a pipe kept open, and the memory is read
    once ephemd has consumed all of it and waits for more."""
    p = subprocess.Popen([ephemd, "--replay", "-", "--report", "json"] +
                         list(extra), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    p.stdin.write(data)
    p.stdin.flush()
    deadline = time.time() + 120
    while time.time() < deadline:
        with open("/proc/%d/io" % p.pid) as f:
            rchar = int(f.read().split("rchar:")[1].split()[0])
        with open("/proc/%d/stat" % p.pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if rchar >= len(data) and state == "S":
            break
        time.sleep(0.01)
    mem = {}
    with open("/proc/%d/status" % p.pid) as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                mem[line.split(":")[0]] = int(line.split()[1])
    p.stdin.close()
    p.wait()
    return mem["VmRSS"], mem["VmHWM"]


base, _ = rss_of(capture(1), DETECT)
rss, hwm = rss_of(capture(262144), DETECT)
print("memory        262144 active flows from 4096 hosts: RSS %.1f MiB, "
      "peak %.1f MiB (budget 48); %.1f B per flow with its share of the "
      "hosts (budget 96 + 4096 x 4096 / 262144 = 160)" %
      (rss / 1024, hwm / 1024, (rss - base) * 1024 / 262144))
