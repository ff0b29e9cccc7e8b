#!/usr/bin/env python3
"""Counts test results from meson testlog.json files and prints one line,
"N passed, N failed, N skipped". Inside a suite, doctest cases and TAP
subtests are counted one by one; any other test counts as one. A path ending
in .tap is the TAP output of a script run outside meson (its "ok"/"not ok"
lines count; a missing plan line "1..N" counts as one failure). Exits 1 if
anything failed."""
import json
import re
import sys

DOCTEST = re.compile(r"\[doctest\] test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed \|\s*(\d+) skipped")
TAP = re.compile(r"^(not ok|ok)\b(.*)$", re.M)


def count(entry):
    out = entry.get("stdout", "") or ""
    result = entry.get("result", "")
    m = DOCTEST.search(out)
    if m:
        _, ok, bad, skip = map(int, m.groups())
        if result not in ("OK", "EXPECTEDFAIL") and bad == 0:
            bad = 1  # crashed or timed out after its summary
        return ok, bad, skip
    taps = TAP.findall(out)
    if taps:
        ok = sum(1 for s, rest in taps if s == "ok" and "# SKIP" not in rest.upper())
        skip = sum(1 for s, rest in taps if "# SKIP" in rest.upper())
        bad = sum(1 for s, _ in taps if s == "not ok")
        if result not in ("OK", "SKIP") and bad == 0:
            bad = 1
        return ok, bad, skip
    if result == "SKIP":
        return 0, 0, 1
    return (1, 0, 0) if result in ("OK", "EXPECTEDFAIL") else (0, 1, 0)


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        if path.endswith(".tap"):
            try:
                text = open(path, encoding="utf-8", errors="replace").read()
            except OSError as e:
                print(f"test-summary: {e}", file=sys.stderr)
                failed += 1
                continue
            entry = {"stdout": text, "result": "OK" if re.search(r"^1\.\.\d+", text, re.M) else "FAIL"}
            p, f, s = count(entry)
            passed, failed, skipped = passed + p, failed + f, skipped + s
            continue
        try:
            lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
        except OSError as e:
            print(f"test-summary: {e}", file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            if not line.strip():
                continue
            p, f, s = count(json.loads(line))
            passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
