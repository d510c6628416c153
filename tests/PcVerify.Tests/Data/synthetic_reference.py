#!/usr/bin/env python3
"""Independent reference for DataMutationTests' synthetic known answers (run: python3 synthetic_reference.py).

Follows the recipes in Synthetic.cs's XML documentation ("The recipe, exactly") with the generator of
../Network/rng_reference.py (SplitMix64 + xoshiro256** from Vigna's C reference), not the C# code:
classification: centres c[m,i] = N·2.7/√width (stream 0), labels r mod classes shuffled (stream 1),
x[r,i] = c[label r, i] + N (stream 2); regression: W1 (16 × width) = N·√(2/width), W2 (outputs × 16) =
N·√(2/16) (stream 0), x = N (stream 1), y = W2·tanh(W1·x) + 0.01·N (stream 2), sums in ascending order.
Streams are Rng.Derive(seed, RngDomain.Data = 0, k).
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Network"))
from rng_reference import derive_domain  # noqa: E402

DATA = 0


def classification(count, width, classes, seed):
    c = derive_domain(seed, DATA, 0)
    scale = 2.7 / math.sqrt(width)
    centres = [c.normal() * scale for _ in range(classes * width)]
    labels = [r % classes for r in range(count)]
    s = derive_domain(seed, DATA, 1)
    for i in range(count - 1, 0, -1):
        j = s.int(i + 1)
        labels[i], labels[j] = labels[j], labels[i]
    noise = derive_domain(seed, DATA, 2)
    inputs = [centres[labels[r] * width + i] + noise.normal() for r in range(count) for i in range(width)]
    return labels, inputs


def regression(count, width, outputs, seed):
    t = derive_domain(seed, DATA, 0)
    s1, s2 = math.sqrt(2.0 / width), math.sqrt(2.0 / 16)
    w1 = [t.normal() * s1 for _ in range(16 * width)]
    w2 = [t.normal() * s2 for _ in range(outputs * 16)]
    g = derive_domain(seed, DATA, 1)
    x = [g.normal() for _ in range(count * width)]
    noise = derive_domain(seed, DATA, 2)
    y = []
    for r in range(count):
        h = []
        for j in range(16):
            a = 0.0
            for i in range(width):
                a += w1[j * width + i] * x[r * width + i]
            h.append(math.tanh(a))
        for k in range(outputs):
            acc = 0.0
            for j in range(16):
                acc += w2[k * 16 + j] * h[j]
            y.append(acc + 0.01 * noise.normal())
    return x, y


if __name__ == "__main__":
    labels, inputs = classification(5, 3, 2, 11)
    print("Classification(5, 3, 2, seed 11) labels:", labels)
    print("inputs:", ", ".join(repr(v) for v in inputs))
    x, y = regression(2, 3, 2, 11)
    print("Regression(2, 3, 2, seed 11) inputs:", ", ".join(repr(v) for v in x))
    print("targets:", ", ".join(repr(v) for v in y))
