using System.Numerics;
using BenchmarkDotNet.Attributes;

namespace PcVerify.Benchmarks;

/// <summary>
/// The machine's memory bandwidth: the STREAM triad <c>a_i = b_i + s·c_i</c> over three float32 arrays of 2^25
/// elements (128 MB each, far beyond the 32 MB L3). Bytes per operation, STREAM convention: 3 · 4 · 2^25 =
/// 402,653,184 (the write-allocate read of <c>a</c> is not counted). Threads split the arrays into equal halves.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Machine)]
public class MemoryBandwidthBenchmarks
{
    /// <summary>Elements per array.</summary>
    public const int Length = 1 << 25;

    private float[] _a = [], _b = [], _c = [];

    /// <summary>Threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Seeded arrays, touched once so the pages exist.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _a = new float[Length];
        _b = Data.Normal<float>(Length, 11);
        _c = Data.Normal<float>(Length, 12);
    }

    /// <summary>One triad pass over the arrays.</summary>
    [Benchmark]
    public float Triad()
    {
        if (Threads == 1)
        {
            Run(0, Length);
        }
        else
        {
            int per = Length / Threads;
            Parallel.For(0, Threads, t => Run(t * per, t == Threads - 1 ? Length : (t + 1) * per));
        }

        return _a[^1];
    }

    private void Run(int from, int to)
    {
        Span<float> a = _a.AsSpan(from, to - from);
        ReadOnlySpan<float> b = _b.AsSpan(from, to - from), c = _c.AsSpan(from, to - from);
        Vector<float> s = new(3f);
        int i = 0, n = a.Length, count = Vector<float>.Count;
        for (; i <= n - count; i += count)
        {
            (new Vector<float>(b[i..]) + (s * new Vector<float>(c[i..]))).CopyTo(a[i..]);
        }

        for (; i < n; i++)
        {
            a[i] = b[i] + (3f * c[i]);
        }
    }
}

/// <summary>
/// The single-thread arithmetic peak: 12 independent <see cref="Vector{T}"/> accumulator chains, each step
/// <c>acc = acc·x + y</c>, all in registers. The reported time is per vector operation (OperationsPerInvoke), so
/// flops per second = 2 · Count / time. <c>MulAdd</c> is the unfused <c>acc·x + y</c> (two roundings), the form
/// every engine kernel uses so that SIMD and scalar paths agree bit for bit.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Machine)]
public class FmaPeakBenchmarks
{
    private const int Steps = 1 << 16;
    private const int Chains = 12;

    /// <summary>Vector&lt;float&gt; fused multiply–add.</summary>
    [Benchmark(OperationsPerInvoke = Steps * Chains)]
    public float FmaFloat() => Fused(0.999f, 1e-3f);

    /// <summary>Vector&lt;double&gt; fused multiply–add.</summary>
    [Benchmark(OperationsPerInvoke = Steps * Chains)]
    public double FmaDouble() => Fused(0.999, 1e-3);

    /// <summary>Vector&lt;float&gt; multiply then add (unfused).</summary>
    [Benchmark(OperationsPerInvoke = Steps * Chains)]
    public float MulAddFloat() => Unfused(0.999f, 1e-3f);

    private static float Fused(float xs, float ys)
    {
        Vector<float> x = new(xs), y = new(ys);
        Vector<float> a0 = Vector<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Steps; i++)
        {
            a0 = Vector.FusedMultiplyAdd(a0, x, y);
            a1 = Vector.FusedMultiplyAdd(a1, x, y);
            a2 = Vector.FusedMultiplyAdd(a2, x, y);
            a3 = Vector.FusedMultiplyAdd(a3, x, y);
            a4 = Vector.FusedMultiplyAdd(a4, x, y);
            a5 = Vector.FusedMultiplyAdd(a5, x, y);
            a6 = Vector.FusedMultiplyAdd(a6, x, y);
            a7 = Vector.FusedMultiplyAdd(a7, x, y);
            a8 = Vector.FusedMultiplyAdd(a8, x, y);
            a9 = Vector.FusedMultiplyAdd(a9, x, y);
            a10 = Vector.FusedMultiplyAdd(a10, x, y);
            a11 = Vector.FusedMultiplyAdd(a11, x, y);
        }

        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static double Fused(double xs, double ys)
    {
        Vector<double> x = new(xs), y = new(ys);
        Vector<double> a0 = Vector<double>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Steps; i++)
        {
            a0 = Vector.FusedMultiplyAdd(a0, x, y);
            a1 = Vector.FusedMultiplyAdd(a1, x, y);
            a2 = Vector.FusedMultiplyAdd(a2, x, y);
            a3 = Vector.FusedMultiplyAdd(a3, x, y);
            a4 = Vector.FusedMultiplyAdd(a4, x, y);
            a5 = Vector.FusedMultiplyAdd(a5, x, y);
            a6 = Vector.FusedMultiplyAdd(a6, x, y);
            a7 = Vector.FusedMultiplyAdd(a7, x, y);
            a8 = Vector.FusedMultiplyAdd(a8, x, y);
            a9 = Vector.FusedMultiplyAdd(a9, x, y);
            a10 = Vector.FusedMultiplyAdd(a10, x, y);
            a11 = Vector.FusedMultiplyAdd(a11, x, y);
        }

        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static T Unfused<T>(T xs, T ys)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> x = new(xs), y = new(ys);
        Vector<T> a0 = Vector<T>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Steps; i++)
        {
            a0 = (a0 * x) + y;
            a1 = (a1 * x) + y;
            a2 = (a2 * x) + y;
            a3 = (a3 * x) + y;
            a4 = (a4 * x) + y;
            a5 = (a5 * x) + y;
            a6 = (a6 * x) + y;
            a7 = (a7 * x) + y;
            a8 = (a8 * x) + y;
            a9 = (a9 * x) + y;
            a10 = (a10 * x) + y;
            a11 = (a11 * x) + y;
        }

        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
