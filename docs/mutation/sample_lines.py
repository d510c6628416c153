#!/usr/bin/env python3
"""Seeded random line sample for Stryker's -m line spans (docs/mutation/kernels-graph.md).

Frame: the code lines of a file (not blank, not a comment, not only braces, not using/namespace/attribute),
optionally only lines LO..HI (FILE:LO-HI). Each frame line is drawn without replacement with the file's
fraction. Stryker.NET's spans {a..b} are character offsets (Roslyn TextSpan, UTF-16 units), not lines, so
each drawn line becomes the span from its first non-blank character to its end: it admits the mutants whose
original node lies wholly on that line. Usage: sample_lines.py SEED FRACTION FILE[:LO-HI]...
-> "pattern<TAB>frame size<TAB>drawn<TAB>drawn lines" per file.
"""
import random
import re
import sys

def frame(path, lo, hi):
    lines = []
    for i, text in enumerate(open(path, encoding="utf-8-sig"), start=1):
        if not lo <= i <= hi:
            continue
        s = text.strip()
        if not s or s.startswith("//") or re.fullmatch(r"[{}();,]*", s):
            continue
        if s.startswith(("using ", "namespace ", "[")):
            continue
        lines.append(i)
    return lines

def main():
    seed, fraction, files = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
    for arg in files:
        path, _, rng_text = arg.partition(":")
        lo, hi = (int(x) for x in rng_text.split("-")) if rng_text else (1, 10**9)
        rng = random.Random(f"{seed}:{path.split('/')[-1]}")
        f = frame(path, lo, hi)
        k = max(1, round(fraction * len(f)))
        chosen = sorted(rng.sample(f, k))
        starts, text = offsets(path)
        spans = ""
        for l in chosen:
            line = text[l - 1]
            first = len(line) - len(line.lstrip())
            spans += f"{{{starts[l - 1] + utf16(line[:first])}..{starts[l - 1] + utf16(line.rstrip())}}}"
        print(f"**/{'/'.join(path.split('/')[-2:])}{spans}\t{len(f)}\t{k}\t{','.join(map(str, chosen))}")

def utf16(s):
    return len(s.encode("utf-16-le")) // 2

def offsets(path):
    """UTF-16 offset of each line's start (lines split on \\n, the \\r kept in the line)."""
    text = open(path, encoding="utf-8-sig", newline="").read().split("\n")
    starts, pos = [], 0
    for line in text:
        starts.append(pos)
        pos += utf16(line) + 1
    return starts, [t.rstrip("\r") for t in text]

main()
