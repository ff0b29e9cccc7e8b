#!/usr/bin/env python3
"""Helpers for tunnel-bench.sh (not a test; no third-party modules).

  tunnel-bench-lib.py tree PID...            descendants of the PIDs (and the
                                             PIDs), one per line
  tunnel-bench-lib.py ticks PID...           "pid starttime ticks" for every
                                             process in the PIDs' trees
                                             (ticks = utime + stime, all threads)
  tunnel-bench-lib.py cpu BEFORE AFTER SECS  % of one core used between two
                                             `ticks` snapshots SECS apart
  tunnel-bench-lib.py gbps IPERF3.json       received Gbit/s of an iperf3 -J run
  tunnel-bench-lib.py iperf-cpu IPERF3.json  CPU of iperf3 client + server, % of one core
  tunnel-bench-lib.py machine                busy ticks of the whole machine (/proc/stat)
  tunnel-bench-lib.py others B A SECS USED   % of one core used by everything else
                                             (machine busy between B and A, minus USED)
  tunnel-bench-lib.py strays TEXT           PIDs (and their descendants) whose
                                             command line contains TEXT
  tunnel-bench-lib.py record FILE k=v...     append a result row (JSON line)
  tunnel-bench-lib.py table FILE [MD_OUT]    print the table; MD_OUT gets it as
                                             Markdown with the run's notes
"""
import json
import os
import sys


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        # Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
        rest = s[s.rindex(")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
    return kids


def tree(roots):
    kids = children_map()
    out, todo = [], [int(r) for r in roots]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime = field 14, stime = field 15, starttime = field 22.
    return int(rest[19]), int(rest[11]) + int(rest[12])


def read_snapshot(path):
    snap = {}
    with open(path) as f:
        for line in f:
            pid, start, t = line.split()
            snap[(int(pid), int(start))] = int(t)
    return snap


def cpu(before, after, secs):
    b, a = read_snapshot(before), read_snapshot(after)
    used = sum(t - b.get(k, 0) for k, t in a.items())
    # A process that exited during the run is lost; say so on stderr.
    gone = [k for k in b if k not in a]
    if gone:
        print("note: %d process(es) exited during the measurement" % len(gone), file=sys.stderr)
    hz = os.sysconf("SC_CLK_TCK")
    return 100.0 * used / hz / float(secs)


def gbps(path):
    with open(path) as f:
        j = json.load(f)
    if "error" in j:
        raise SystemExit("iperf3: %s" % j["error"])
    return j["end"]["sum_received"]["bits_per_second"] / 1e9


def iperf_cpu(path):
    # iperf3 reports each side's CPU time (getrusage) as % of the run's wall time.
    with open(path) as f:
        c = json.load(f)["end"]["cpu_utilization_percent"]
    return c["host_total"] + c["remote_total"]


def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # all but idle and iowait (guest time is inside user)


def fmt(v, spec):
    return "-" if v is None or v == "" else spec % float(v)


COLUMNS = ["tunnel", "MTU", "1 stream Gbit/s", "4 streams Gbit/s", "ping avg/max ms",
           "CPU% sender", "CPU% receiver", "ours-direct / this, 1 stream", "ours-direct / this, 4 streams", "rest of machine CPU%"]


def ratio(ours, other):
    try:
        return "%.2fx" % (float(ours) / float(other))
    except (TypeError, ValueError, ZeroDivisionError):
        return "-"


def best_of(runs):
    """One row per tunnel: with --repeat, the run with the best 1-stream figure
    (other load on the machine only ever slows a run down); "runs" lists every
    run's 1-stream figure."""
    by_key = {}
    for r in runs:
        by_key.setdefault(r.get("key"), []).append(r)
    rows = []
    for key, rs in by_key.items():
        ok = [r for r in rs if not r.get("na")]
        if not ok:
            rows.append(rs[-1])
            continue
        def g1(r):
            try:
                return float(r.get("g1"))
            except (TypeError, ValueError):
                return -1.0
        best = dict(max(ok, key=g1))
        best["runs"] = [r.get("g1") or "failed" for r in ok] + ["failed"] * (len(rs) - len(ok))
        rows.append(best)
    return rows


def table(path, md_out=None):
    runs = []
    with open(path) as f:
        for line in f:
            if line.strip():
                runs.append(json.loads(line))
    rows = best_of(runs)
    ours = next((r for r in rows if r.get("key") == "ours" and not r.get("na")), None)
    lines = []
    for r in rows:
        if r.get("na"):
            lines.append([r["name"], "-", r["na"], "", "", "", "", "", "", ""])
            continue
        ping = "-" if r.get("ping_avg") in (None, "") else "%s / %s" % (fmt(r.get("ping_avg"), "%.3f"), fmt(r.get("ping_max"), "%.3f"))
        is_ours, is_veth = r.get("key") == "ours", r.get("key") == "veth"
        lines.append([
            r["name"], str(r.get("mtu") or "-"), fmt(r.get("g1"), "%.3f"), fmt(r.get("g4"), "%.3f"), ping,
            fmt(r.get("cpu_s"), "%.0f"), fmt(r.get("cpu_r"), "%.0f"),
            "-" if is_ours or is_veth or not ours else ratio(ours.get("g1"), r.get("g1")),
            "-" if is_ours or is_veth or not ours else ratio(ours.get("g4"), r.get("g4")),
            fmt(r.get("others"), "%.0f"),
        ])
    # Column widths from the measured rows; a skipped row's reason runs across.
    full = [l for l, r in zip(lines, rows) if not r.get("na")]
    widths = [max([len(COLUMNS[i])] + [len(l[i]) for l in full] + [len(l[i]) for l in lines if i < 2])
              for i in range(len(COLUMNS))]
    def text_row(cells):
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()
    out = [text_row(COLUMNS), text_row(["-" * w for w in widths])] + [text_row(l) for l in lines]
    summary = []
    if ours:
        for r in rows:
            if r.get("na") or r is ours or r.get("key") == "veth":
                continue
            summary.append("ours/%s %s (1 stream), %s (4 streams)" % (r.get("short", r["name"]),
                           ratio(ours.get("g1"), r.get("g1")), ratio(ours.get("g4"), r.get("g4"))))
    if any(len(r.get("runs", [])) > 1 for r in rows):
        summary.append("best of %d runs; 1-stream Gbit/s of every run: %s" % (
            max(len(r.get("runs", [])) for r in rows),
            "; ".join("%s %s" % (r.get("short", r["name"]), " ".join(fmt(g, "%.3f") if g != "failed" else g for g in r["runs"]))
                      for r in rows if r.get("runs"))))
    print("\n".join(out))
    if summary:
        print()
        print("\n".join(summary))
    if md_out:
        md = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
        md += ["| " + " | ".join(c if c else " " for c in l) + " |" for l in lines]
        if summary:
            md += [""] + ["- " + s for s in summary]
        with open(md_out, "w") as f:
            f.write("\n".join(md) + "\n")


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "tree":
        print("\n".join(str(p) for p in tree(args)))
    elif cmd == "ticks":
        for p in tree(args):
            t = ticks(p)
            if t:
                print(p, t[0], t[1])
    elif cmd == "cpu":
        print("%.1f" % cpu(args[0], args[1], args[2]))
    elif cmd == "gbps":
        print("%.4f" % gbps(args[0]))
    elif cmd == "strays":
        # A daemon that forked into the background is no longer our child; it
        # is found by our unique temporary directory on its command line.
        me, found = os.getpid(), []
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != me:
                try:
                    with open("/proc/%s/cmdline" % d, "rb") as f:
                        if args[0].encode() in f.read():
                            found.append(d)
                except OSError:
                    pass
        if found:
            print("\n".join(str(p) for p in tree(found)))
    elif cmd == "iperf-cpu":
        print("%.1f" % iperf_cpu(args[0]))
    elif cmd == "machine":
        print(machine())
    elif cmd == "others":
        hz = os.sysconf("SC_CLK_TCK")
        busy = 100.0 * (int(args[1]) - int(args[0])) / hz / float(args[2])
        print("%.1f" % max(0.0, busy - float(args[3])))
    elif cmd == "record":
        row = {}
        for kv in args[1:]:
            k, _, v = kv.partition("=")
            row[k] = v
        with open(args[0], "a") as f:
            f.write(json.dumps(row) + "\n")
    elif cmd == "table":
        table(args[0], args[1] if len(args) > 1 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
