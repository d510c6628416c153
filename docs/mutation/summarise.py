#!/usr/bin/env python3
"""Per-file counts, scores and 95 % Wilson intervals from Stryker.NET JSON reports (mutation-report.json).

Usage: python3 summarise.py REPORT.json [REPORT.json ...]   prints a Markdown table, then every survivor and
no-coverage mutant (file:line, mutator, replacement). score = (killed + timeout) / (killed + timeout + survived +
no coverage); compile errors and ignored mutants are not scored. When several reports hold the same mutant
(same file, location, mutator, replacement) the last report's status wins (a re-run with new tests).
"""
import json
import math
import sys
from collections import defaultdict


def wilson(k, n, z=1.959964):
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


mutants = {}
for report in sys.argv[1:]:
    data = json.load(open(report, encoding="utf-8"))
    for path, f in data["files"].items():
        short = path.split("PcVerify.Engine/")[-1]
        for m in f["mutants"]:
            loc = m["location"]
            key = (short, loc["start"]["line"], loc["start"]["column"], loc["end"]["line"], loc["end"]["column"],
                   m["mutatorName"], m.get("replacement", ""))
            mutants[key] = m["status"]

rows = defaultdict(lambda: defaultdict(int))
for key, status in mutants.items():
    rows[key[0]][status] += 1

print("| File | Mutants | Killed | Timeout | Survived | No cov. | Compile err. | Ignored | Score | 95 % Wilson |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in sorted(rows):
    r = rows[path]
    k, t, s, nc = r["Killed"], r["Timeout"], r["Survived"], r["NoCoverage"]
    n = k + t + s + nc
    lo, hi = wilson(k + t, n)
    score = f"{100 * (k + t) / n:.1f} %" if n else "—"
    interval = f"{100 * lo:.0f}–{100 * hi:.0f} %" if n else "—"
    print(f"| {path} | {n} | {k} | {t} | {s} | {nc} | {r['CompileError']} | {r['Ignored']} | {score} | {interval} |")

print()
for key, status in sorted(mutants.items()):
    if status in ("Survived", "NoCoverage"):
        path, line, col, eline, ecol, mutator, replacement = key
        print(f"{status}\t{path}:{line}:{col}-{eline}:{ecol}\t{mutator}\t{replacement!r}")
