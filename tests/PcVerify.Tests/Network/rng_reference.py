#!/usr/bin/env python3
"""Independent reference for NetworkMutationTests' Rng known answers (run: python3 rng_reference.py).

SplitMix64 and xoshiro256** are transcribed from Vigna's public C reference (prng.di.unimi.it: splitmix64.c,
xoshiro256starstar.c) in Python's unbounded integers masked to 64 bits, not from the C# code. SplitMix64 from
state 0 must give the published first outputs 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4 (asserted below). The
seeding (state words = four SplitMix64 outputs), Derive's stream/domain mixing, the 53-bit double, the
unbiased integer (reject r < 2^64 mod n) and Box–Muller (cos first, sin second, u1 redrawn while <= 2^-1074)
follow Rng.cs's XML documentation.
"""
import math

M = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro:
    def __init__(self, seed):
        st, self.s = seed, []
        for _ in range(4):
            st, out = splitmix(st)
            self.s.append(out)
        self.spare = None

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def double(self):
        return (self.next() >> 11) * 2.0 ** -53

    def int(self, n):
        threshold = (1 << 64) % n
        while True:
            r = self.next()
            if r >= threshold:
                return r % n

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u1 = self.double()
        while u1 <= 5e-324:
            u1 = self.double()
        u2 = self.double()
        r = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)


def derive(seed, stream):
    _, out = splitmix(seed ^ ((0x9E3779B97F4A7C15 * (stream + 1)) & M))
    return Xoshiro(out)


def derive_domain(seed, domain, stream):  # domain: Data 0, Initialisation 1, Shuffle 2, Noise 3, Feedback 4
    if domain == 1:
        return derive(seed, stream)
    _, out = splitmix(seed ^ ((0xD1B54A32D192ED03 * (domain + 1)) & M))
    return derive(out, stream)


if __name__ == "__main__":
    st, a = splitmix(0)
    st, b = splitmix(st)
    assert (a, b) == (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4)

    g = Xoshiro(0)
    print("Rng(0).NextUInt64 x4:", ", ".join(f"0x{g.next():016X}UL" for _ in range(4)))
    g = Xoshiro(12345)
    print("Rng(12345).NextUInt64 x3:", ", ".join(f"0x{g.next():016X}UL" for _ in range(3)))
    print("Derive(7, 3).NextUInt64:", f"0x{derive(7, 3).next():016X}UL")
    for d, name in enumerate(["Data", "Initialisation", "Shuffle", "Noise", "Feedback"]):
        print(f"Derive(7, {name}, 3).NextUInt64:", f"0x{derive_domain(7, d, 3).next():016X}UL")
    g = Xoshiro(42)
    print("Rng(42).NextDouble x3:", ", ".join(repr(g.double()) for _ in range(3)))
    g = Xoshiro(42)
    print("Rng(42).NextInt(10) x8:", ", ".join(str(g.int(10)) for _ in range(8)))
    g = Xoshiro(42)
    print("Rng(42).NextInt(2^31-1) x3:", ", ".join(str(g.int(2**31 - 1)) for _ in range(3)))
    g = Xoshiro(42)
    print("Rng(42).NextNormal x4:", ", ".join(repr(g.normal()) for _ in range(4)))
    g = Xoshiro(9)
    items = list(range(6))
    for i in range(len(items) - 1, 0, -1):
        j = g.int(i + 1)
        items[i], items[j] = items[j], items[i]
    print("Rng(9).Shuffle([0..5]):", items)
