using System.Numerics;
using BenchmarkDotNet.Attributes;
using PcVerify.Engine.Kernels;

namespace PcVerify.Benchmarks;

/// <summary>
/// The matrix products of one batch-64 step of 784-256-256-10, by kind, on one thread (issue 15, item 3): the
/// forward products <c>μ = f(x) θᵀ</c> of the three layers, the backward products <c>E θ</c> of the two layers whose
/// input is not clamped (256 ← 10, 256 ← 256), and the three batch-mean updates. ratios.py turns each time into
/// GFLOP/s (2 flops per multiply–add) and a share of <see cref="FmaPeakBenchmarks"/>' single-thread peak measured in
/// the same run, so run both classes together.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class NetworkGemmBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The batch.</summary>
    public const int Batch = 64;

    /// <summary>Layer widths, input first.</summary>
    public static readonly int[] Widths = [784, 256, 256, 10];

    private readonly T[][] _f = new T[4][], _e = new T[4][], _out = new T[4][], _theta = new T[4][];
    private T[] _scratch = [];
    private T _s;

    /// <summary>Seeded data, one thread; a tiny rate so that repeated updates stay finite.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        for (int l = 0; l < 4; l++)
        {
            _f[l] = Data.Normal<T>(Batch * Widths[l], (ulong)(20 + l));
            _e[l] = Data.Normal<T>(Batch * Widths[l], (ulong)(30 + l));
            _out[l] = new T[Batch * Widths[l]];
            if (l > 0)
            {
                _theta[l] = Data.Normal<T>(Widths[l] * Widths[l - 1], (ulong)(40 + l), 0.05);
            }
        }

        _scratch = new T[Widths.Max()];
        _s = T.CreateTruncating(1e-9);
    }

    /// <summary>The three forward products (2·64·(784·256 + 256·256 + 256·10) flops).</summary>
    [Benchmark]
    public T Forward()
    {
        for (int l = 1; l < 4; l++)
        {
            Gemm.MultiplyNT<T>(_f[l - 1], Batch, Widths[l - 1], _theta[l], Widths[l], _out[l]);
        }

        return _out[3][0];
    }

    /// <summary>The two backward products (2·64·(10·256 + 256·256) flops).</summary>
    [Benchmark]
    public T Backward()
    {
        for (int l = 3; l >= 2; l--)
        {
            Gemm.MultiplyNN<T>(_e[l], Batch, Widths[l], _theta[l], Widths[l - 1], _out[l - 1]);
        }

        return _out[1][0];
    }

    /// <summary>The three updates (2·64·(784·256 + 256·256 + 256·10) flops).</summary>
    [Benchmark]
    public T Update()
    {
        for (int l = 1; l < 4; l++)
        {
            Gemm.AccumulateTN<T>(_theta[l], Widths[l], Widths[l - 1], _s, _e[l], _f[l - 1], Batch, _scratch);
        }

        return _theta[1][0];
    }
}
