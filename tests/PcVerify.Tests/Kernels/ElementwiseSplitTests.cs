using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// Long elementwise loops (a conv layer's batch of maps) are split across the worker pool in blocks of
/// <see cref="Elementwise.CheapBlock"/> elements (docs/determinism.md). The oracle is the same call on one thread, bit
/// for bit, on a length that splits into several blocks with a ragged end; the first-non-finite search is also checked
/// against the index planted in the data (in a late block, then also in an early one, which must win).
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class ElementwiseSplitTests
{
    private const int N = (3 * Elementwise.CheapBlock) + 12345;

    public static TheoryData<int> ThreadCounts => new() { 2, 3 };

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Split_elementwise_loops_give_the_bits_of_one_thread_float(int threads) => SplitMatchesOneThread<float>(threads);

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Split_elementwise_loops_give_the_bits_of_one_thread_double(int threads) => SplitMatchesOneThread<double>(threads);

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void The_split_search_finds_the_first_non_finite_element(int threads)
    {
        Assert.True(N >= 2 * Elementwise.CheapBlock, "the length must split");
        double[] v = Data<double>(N, 1);
        Assert.Equal(-1, WithThreads(threads, () => Elementwise.FirstNonFinite<double>(v)));
        int late = N - 7, early = Elementwise.CheapBlock / 2;
        v[late] = double.PositiveInfinity;
        Assert.Equal(late, WithThreads(threads, () => Elementwise.FirstNonFinite<double>(v)));
        Assert.Equal(late, WithThreads(threads, () => Elementwise.CopyFirstNonFinite<double>(v, new double[N])));
        v[early] = double.NaN;
        Assert.Equal(early, WithThreads(threads, () => Elementwise.FirstNonFinite<double>(v)));
        double[] copy = new double[N];
        Assert.Equal(early, WithThreads(threads, () => Elementwise.CopyFirstNonFinite<double>(v, copy)));
        Assert.Equal(v, copy);
    }

    private static void SplitMatchesOneThread<T>(int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Data<T>(N, 2), b = Data<T>(N, 3), c = Data<T>(N, 4);
        b.AsSpan(0, N / 4).CopyTo(a); // exact zeros of a − b
        T gamma = T.CreateTruncating(0.1);
        T[][] Run() =>
        [
            Do<T>(r => Elementwise.Subtract<T>(a, b, r)),
            Do<T>(r => Elementwise.Multiply<T>(a, b, r)),
            Do<T>(r => Elementwise.Copy<T>(a, r)),
            Do<T>(r => ActivationMaps.Relu<T>(a, r)),
            Do<T>(r => ActivationMaps.LeakyRelu<T>(a, r, T.CreateTruncating(0.01))),
            Do<T>(r => ActivationMaps.Step<T>(a, r, T.Zero)),
            Do<T>(r => Elementwise.InferenceIncrement<T>(gamma, a, b, c, r)),
            Do<T>(d => Elementwise.ErrorAndIncrement<T>(gamma, a, b, c, d)),
            Do2<T>((e, x) => { a.CopyTo(x, 0); Elementwise.ApplyAndError<T>(c, x, e); }),
            Do2<T>((e, x) => { a.CopyTo(x, 0); Elementwise.IncrementAndApply<T>(gamma, b, c, x, e); }),
        ];
        T[][] one = WithThreads(1, Run), many = WithThreads(threads, Run);
        Assert.Equal(one.Length, many.Length);
        for (int q = 0; q < one.Length; q++)
        {
            ThreadingTests.AssertBits<T>(one[q], many[q], $"elementwise output {q} with {threads} threads vs 1");
        }
    }

    private static T[] Do<T>(Action<T[]> f)
    {
        T[] r = new T[N];
        f(r);
        return r;
    }

    private static T[] Do2<T>(Action<T[], T[]> f)
    {
        T[] r = new T[N], s = new T[N];
        f(r, s);
        return [.. r, .. s];
    }

    private static TOut WithThreads<TOut>(int threads, Func<TOut> run)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            return run();
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static T[] Data<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Rng rng = new(seed);
        T[] v = new T[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = T.CreateTruncating(rng.NextNormal());
        }

        return v;
    }
}
