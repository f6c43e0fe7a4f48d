#!/usr/bin/env python3
"""Hash flooding benchmark (DESIGN section 4: crafted <= 2 x random).

Replays two captures of N flows held open (NEW lines only), one source
port towards N IPv6 destinations: in one, every destination's low 64
bits are the value that zeroed a factor of the flow table's old unkeyed
hash (so every tuple had one hash, and each NEW replaced the flow held
before it); in the other they are random.  Both must hold all N flows at
the end, at about the same cost.  Prints each replay's best time of
several runs and the ratio.  Keyed (SipHash) and matched on the
whole tuple, the two cost the same and hold every flow.

usage: tests/bench-collide.py [--flows N] [--runs N]
       (EPHEMD selects the binary; default build/daemon/ephemd)
"""
import argparse, json, os, random, subprocess, sys, time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--flows", type=int, default=60000)
ap.add_argument("--runs", type=int, default=3)
args = ap.parse_args()
ephemd = os.environ.get("EPHEMD", os.path.join(top, "build/daemon/ephemd"))

LINE = ("[%d.%06d]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT "
        "src=fd00:1::2 dst=%s sport=%d dport=443 [UNREPLIED] "
        "src=%s dst=fd00:1::2 sport=443 dport=%d id=%d\n")


def v6(hi, lo):
    w = [(hi >> 48) & 0xffff, (hi >> 32) & 0xffff, (hi >> 16) & 0xffff,
         hi & 0xffff, (lo >> 48) & 0xffff, (lo >> 32) & 0xffff,
         (lo >> 16) & 0xffff, lo & 0xffff]
    return ":".join("%x" % x for x in w)


def capture(crafted):
    rnd = random.Random(1)
    out = []
    t = 1795000000
    for i in range(args.flows):
        if crafted:
            # any /64, the low 64 bits fixed to the bytes that, loaded
            # as a little-endian word, zeroed the old hash's factor
            dst = v6(0x20010db800000000 | i,
                     int.from_bytes((0x589965cc75374cc3).to_bytes(8,
                                    "little"), "big"))
        else:
            dst = v6(0x20010db800000000 | i, rnd.getrandbits(64))
        sport = 40000		# one source port to every destination
        out.append(LINE % (t + i // 1000, (i % 1000) * 1000, dst, sport,
                           dst, sport, i + 1))
    return "".join(out).encode()


def best(data):
    """Best time of several runs, and the flows held at the end."""
    times, held = [], 0
    for _ in range(args.runs):
        t = time.perf_counter()
        out = subprocess.run([ephemd, "--replay", "-", "--internal",
                              "fd00::/8", "--report", "json"], input=data,
                             stdout=subprocess.PIPE, check=True).stdout
        times.append(time.perf_counter() - t)
        held = json.loads(out)["input"]["open_at_end"]
    return min(times), held


crafted, rand = capture(True), capture(False)
(tc, hc), (tr, hr) = best(crafted), best(rand)
print("flows         %d opened, one host" % args.flows)
print("random        %.3f s, %d flows held at the end" % (tr, hr))
print("crafted       %.3f s, %d flows held at the end%s" % (tc, hc,
      "" if hc == args.flows else " (flows replaced each other!)"))
print("ratio         %.2f (budget 2.00): %s" % (tc / tr,
      "met" if tc / tr <= 2.0 else "MISSED"))
