#!/usr/bin/env python3
"""Per-file counts, score and 95 % Wilson interval from Stryker JSON reports (docs/mutation/kernels-graph.md).

Usage: score.py REPORT.json... -> a Markdown table row per mutated file, then the survivors and no-coverage mutants.
Score = (killed + timeout) / (killed + timeout + survived + no coverage); compile errors and ignored are not scored.
"""
import json
import math
import sys

def wilson(k, n, z=1.96):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (c - h, c + h)

rows, odd = [], []
for path in sys.argv[1:]:
    report = json.load(open(path))
    for name, f in sorted(report["files"].items()):
        c = {}
        for m in f["mutants"]:
            c[m["status"]] = c.get(m["status"], 0) + 1
            if m["status"] in ("Survived", "NoCoverage"):
                src = f["source"].split("\n")
                s, e = m["location"]["start"], m["location"]["end"]
                text = src[s["line"] - 1].strip() if s["line"] == e["line"] else src[s["line"] - 1].strip() + " …"
                odd.append(f"{name.split('PcVerify.Engine/')[-1]}:{s['line']}.{s['column']} {m['status']} {m['mutatorName']} "
                           f"-> {m.get('replacement', '')!r} | {text}")
        k, t, s_, nc = (c.get(x, 0) for x in ("Killed", "Timeout", "Survived", "NoCoverage"))
        n = k + t + s_ + nc
        lo, hi = wilson(k + t, n)
        score = 100 * (k + t) / n if n else float("nan")
        rows.append(f"| {name.split('PcVerify.Engine/')[-1]} | {n} | {k} | {t} | {s_} | {nc} | {c.get('CompileError', 0)} | "
                    f"{score:.1f} % | {100 * lo:.1f}–{100 * hi:.1f} % |")
print("| File | Scored | Killed | Timeout | Survived | No cov. | Compile err. | Score | Wilson 95 % |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
print()
print("\n".join(odd))
