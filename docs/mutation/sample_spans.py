#!/usr/bin/env python3
"""Seeded random sample of code lines for a Stryker.NET run (docs/mutation/data-onnx-network.md).

Stryker's `-m "glob{start..end}"` takes character spans (Roslyn TextSpan: 0-based offsets into the file text,
end exclusive) and mutates only the mutants whose whole node lies inside one span. This script lists the code
lines of each file (not blank, not a comment, not only braces, not `using`/`namespace`), draws a fraction of
them with a fixed seed, and prints one -m argument per file with one span per drawn line. The unit sampled is
the line: mutants spanning several lines (a removed block or multi-line statement) are never drawn, and the
mutants of one line are correlated, so the Wilson interval reported for a sample is approximate.

Usage: python3 sample_spans.py SEED FRACTION MIN FILE...   (paths relative to src/PcVerify.Engine; run from the
repository root). Each file gets max(MIN, round(FRACTION * code lines)) lines, or all of them if it has fewer.
"""
import random
import sys

seed, fraction, least, files = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
for path in files:
    text = open("src/PcVerify.Engine/" + path, encoding="utf-8").read()
    assert not text.startswith("\ufeff") and "\r" not in text
    lines, offset = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        s = line.strip()
        code = s and not s.startswith("//") and s not in ("{", "}", "};", "{ }") \
            and not s.startswith(("using ", "namespace "))
        if code:
            lines.append((number, offset, offset + len(line)))
        offset += len(line) + 1
    rng = random.Random(f"{seed}:{path}")
    k = min(len(lines), max(least, round(fraction * len(lines))))
    picked = sorted(rng.sample(lines, k))
    spans = "".join(f"{{{a}..{b}}}" for _, a, b in picked)
    print(f"{path}\t{len(lines)}\t{k}\t{','.join(str(n) for n, _, _ in picked)}\t**/{path}{spans}")
