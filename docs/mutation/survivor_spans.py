#!/usr/bin/env python3
"""-m patterns that select exactly the survived and no-coverage mutants of Stryker JSON reports (for a re-run
that confirms their kills). Stryker.NET spans are UTF-16 character offsets; the report gives 1-based lines and
columns. Usage: survivor_spans.py REPORT.json... -> one -m pattern per file.
"""
import json
import sys

spans = {}
for path in sys.argv[1:]:
    report = json.load(open(path))
    for name, f in report["files"].items():
        lines = f["source"].split("\n")
        starts, pos = [], 0
        for line in lines:
            starts.append(pos)
            pos += len(line.encode("utf-16-le")) // 2 + 1

        def offset(p):
            line = lines[p["line"] - 1]
            return starts[p["line"] - 1] + len(line[: p["column"] - 1].encode("utf-16-le")) // 2

        for m in f["mutants"]:
            if m["status"] in ("Survived", "NoCoverage"):
                loc = m["location"]
                spans.setdefault(name.split("PcVerify.Engine/")[-1], set()).add((offset(loc["start"]), offset(loc["end"])))
for name, s in sorted(spans.items()):
    print("**/" + name + "".join(f"{{{a}..{b}}}" for a, b in sorted(s)))
