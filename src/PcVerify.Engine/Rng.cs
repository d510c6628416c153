namespace PcVerify.Engine;

/// <summary>The consumers of a seed; each draws from its own family of streams (see <see cref="Rng.Derive(ulong, RngDomain, ulong)"/>).</summary>
public enum RngDomain
{
    /// <summary>Synthetic data sets (stream 0: teacher or class centres, 1: inputs or label order, 2: noise).</summary>
    Data,

    /// <summary>Initial parameters (stream l+1: θ^{l+1} and β^{l+1}).</summary>
    Initialisation,

    /// <summary>Shuffling the training pairs (stream e: epoch e).</summary>
    Shuffle,

    /// <summary>The σ noise of the relaxed C1 initialisation.</summary>
    Noise,

    /// <summary>Random feedback matrices (stream l: B^l of hidden layer l; docs/math.md §12).</summary>
    Feedback,
}

/// <summary>
/// A small, fully specified pseudo-random generator (xoshiro256** seeded through SplitMix64) so that every
/// seeded quantity in PcVerify — initial parameters, σ noise, synthetic data, shuffles — is reproducible
/// bit for bit on every machine and every .NET version. <see cref="System.Random"/> makes no such promise.
/// </summary>
/// <remarks>
/// Normal deviates use the Box–Muller transform with both outputs used in turn. The stream for a layer is
/// derived with <see cref="Derive(ulong, RngDomain, ulong)"/> so that adding a layer never shifts another layer's numbers.
/// </remarks>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public Rng(ulong seed)
    {
        ulong sm = seed;
        _s0 = SplitMix(ref sm);
        _s1 = SplitMix(ref sm);
        _s2 = SplitMix(ref sm);
        _s3 = SplitMix(ref sm);
    }

    /// <summary>
    /// A generator for sub-stream <paramref name="stream"/> of <paramref name="seed"/> within one
    /// <paramref name="domain"/>. Every consumer of a user's seed (data, initial parameters, shuffles, σ noise) has
    /// its own domain, so one <c>--seed</c> never feeds the same random numbers to two of them.
    /// </summary>
    /// <remarks>
    /// <see cref="RngDomain.Initialisation"/> keeps the plain <see cref="Derive(ulong, ulong)"/> layout that initial
    /// parameters have always used, so every recorded counterexample (the proofs' replays) still rebuilds the same
    /// network; the other domains mix the domain into the seed first.
    /// </remarks>
    public static Rng Derive(ulong seed, RngDomain domain, ulong stream)
    {
        if (domain == RngDomain.Initialisation)
        {
            return Derive(seed, stream);
        }

        ulong sm = seed ^ (0xD1B54A32D192ED03UL * ((ulong)domain + 1));
        return Derive(SplitMix(ref sm), stream);
    }

    /// <summary>A generator for sub-stream <paramref name="stream"/> of <paramref name="seed"/> (e.g. one per layer).</summary>
    public static Rng Derive(ulong seed, ulong stream)
    {
        ulong sm = seed ^ (0x9E3779B97F4A7C15UL * (stream + 1));
        return new Rng(SplitMix(ref sm));
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [lo, hi).</summary>
    public double NextUniform(double lo, double hi) => lo + ((hi - lo) * NextDouble());

    /// <summary>A uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold)
            {
                return (int)(r % bound);
            }
        }
    }

    /// <summary>A standard normal deviate N(0, 1) (Box–Muller).</summary>
    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }

        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        _spareNormal = r * Math.Sin(theta);
        _hasSpare = true;
        return r * Math.Cos(theta);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<TItem>(Span<TItem> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
