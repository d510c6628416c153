using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Kernels;

/// <summary>Tests that change <see cref="Parallelism.MaxThreads"/> run alone, so each sees the thread count it set.</summary>
[CollectionDefinition(nameof(ThreadCountCollection), DisableParallelization = true)]
public sealed class ThreadCountCollection;

/// <summary>
/// The determinism contract of docs/determinism.md: results do not depend on the thread count (every output
/// element is computed by one thread in a fixed order), and a batched product's row b is the single-sample
/// product of sample b, bit for bit. Oracles: the single-threaded run and the per-sample kernels; the bit
/// comparison itself has a negative control (one ulp must be detected).
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class ThreadingTests
{
    // Shapes chosen so that every kernel splits into several blocks (work ≥ 2 · WorkPerBlock multiply–adds) and
    // every remainder path runs: batch 4k+3, rows 4k+3, columns not a multiple of 3·Count nor of Count.
    private const int Batch = 7, M = 203, K = 1037;

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

    /// <summary>Asserts bit equality (so +0 and −0 differ), naming the first differing index with G17 values.</summary>
    internal static void AssertBits<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? failure = FirstBitDifference(expected, actual, what);
        Assert.True(failure is null, failure);
    }

    internal static string? FirstBitDifference<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (expected.Length != actual.Length)
        {
            return $"{what}: length {actual.Length}, expected {expected.Length}";
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            bool same = typeof(T) == typeof(float)
                ? BitConverter.SingleToInt32Bits(float.CreateTruncating(expected[i])) == BitConverter.SingleToInt32Bits(float.CreateTruncating(actual[i]))
                : BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a);
            if (!same)
            {
                return $"{what}[{i}]: expected {e.ToString("G17", System.Globalization.CultureInfo.InvariantCulture)}, actual {a.ToString("G17", System.Globalization.CultureInfo.InvariantCulture)} (bit-identical required)";
            }
        }

        return null;
    }

    internal static TOut WithThreads<TOut>(int threads, Func<TOut> run)
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

    [Fact]
    public void The_chosen_shapes_split_into_several_blocks()
    {
        Assert.True(Parallelism.Blocks((long)Batch * M * K, Parallelism.MaxBlocks) >= 2);
        Assert.True(Parallelism.Blocks((long)M * K * 8, Parallelism.MaxBlocks) >= 2);
    }

    [Fact]
    public void The_bit_comparison_detects_one_ulp_and_a_signed_zero()
    {
        double[] a = Data<double>(50, 1), b = (double[])a.Clone();
        b[17] = Math.BitIncrement(b[17]);
        Assert.NotNull(FirstBitDifference<double>(a, b, "x"));
        float[] z = [0f], nz = [-0f];
        Assert.NotNull(FirstBitDifference<float>(z, nz, "x"));
    }

    public static TheoryData<int> ThreadCounts => new() { 2, 3, 5 };

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Every_matrix_kernel_gives_the_same_bits_for_any_thread_count_float(int threads) => KernelsAgree<float>(threads);

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void Every_matrix_kernel_gives_the_same_bits_for_any_thread_count_double(int threads) => KernelsAgree<double>(threads);

    private static void KernelsAgree<T>(int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Data<T>(Batch * K, 2), w = Data<T>(M * K, 3), e = Data<T>(Batch * M, 4), big = Data<T>(8 * M * K, 5);
        T s = T.CreateTruncating(0.01);
        T[][] Run() =>
        [
            Do(() => { T[] c = new T[Batch * M]; Gemm.MultiplyNT<T>(a, Batch, K, w, M, c); return c; }),
            Do(() => { T[] g = new T[Batch * K]; Gemm.MultiplyNN<T>(e, Batch, M, w, K, g); return g; }),
            Do(() => { T[] u = (T[])w.Clone(); Gemm.AccumulateTN<T>(u, M, K, s, e, a, Batch, new T[K]); return u; }),
            Do(() => { T[] y = new T[8 * M]; Gemv.Compute<T>(big, 8 * M, K, a.AsSpan(0, K), y); return y; }),
            Do(() => { T[] y = new T[K]; GemvTransposed.Compute<T>(big, 8 * M, K, Data<T>(8 * M, 6), y); return y; }),
            Do(() => { T[] u = (T[])big.Clone(); Rank1Update.Apply<T>(u, 8 * M, K, s, Data<T>(8 * M, 7), a.AsSpan(0, K)); return u; }),
        ];
        T[][] one = WithThreads(1, Run), many = WithThreads(threads, Run);
        string[] names = ["MultiplyNT", "MultiplyNN", "AccumulateTN", "Gemv", "GemvTransposed", "Rank1Update"];
        for (int q = 0; q < names.Length; q++)
        {
            AssertBits<T>(one[q], many[q], $"{names[q]} with {threads} threads vs 1");
        }
    }

    private static T[] Do<T>(Func<T[]> f) => f();

    [Theory]
    [InlineData("tanh")]
    [InlineData("softplus")]
    [InlineData("logistic")]
    public void A_long_activation_map_split_across_threads_equals_the_scalar_formula(string name)
    {
        Activation f = Activation.Parse(name);
        float[] x = Data<float>(5 * 4096 + 3, 15);
        Assert.True(x.Length / 4096 >= 2, "the span must split into several blocks");
        float[] expected = x.Select(f.Value).ToArray(), expectedD = x.Select(f.Derivative).ToArray();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[x.Length], d = new float[x.Length];
            WithThreads(threads, () =>
            {
                f.Apply<float>(x, y);
                f.ApplyDerivative<float>(x, d);
                return 0;
            });
            AssertBits<float>(expected, y, $"{name}(x) with {threads} threads");
            AssertBits<float>(expectedD, d, $"{name}'(x) with {threads} threads");
        }
    }

    [Fact]
    public void A_batched_forward_row_is_bit_identical_to_the_single_sample_gemv()
    {
        float[] a = Data<float>(Batch * K, 8), w = Data<float>(M * K, 9), c = new float[Batch * M], y = new float[M];
        Gemm.MultiplyNT<float>(a, Batch, K, w, M, c);
        for (int b = 0; b < Batch; b++)
        {
            Gemv.Compute<float>(w, M, K, a.AsSpan(b * K, K), y);
            AssertBits<float>(y, c.AsSpan(b * M, M), $"row {b} of A Wᵀ vs W a_b");
            Assert.Equal(BitConverter.SingleToInt32Bits(y[5]), BitConverter.SingleToInt32Bits(Dot.Compute<float>(w.AsSpan(5 * K, K), a.AsSpan(b * K, K))));
        }
    }

    [Fact]
    public void A_batched_backward_row_is_bit_identical_to_the_single_sample_transposed_gemv_and_its_naive_twin()
    {
        double[] e = Data<double>(Batch * M, 10), w = Data<double>(M * K, 11), g = new double[Batch * K];
        double[] y = new double[K], naive = new double[K];
        Gemm.MultiplyNN<double>(e, Batch, M, w, K, g);
        for (int b = 0; b < Batch; b++)
        {
            GemvTransposed.Compute<double>(w, M, K, e.AsSpan(b * M, M), y);
            Reference.GemvTransposed<double>(w, M, K, e.AsSpan(b * M, M), naive);
            AssertBits<double>(y, g.AsSpan(b * K, K), $"row {b} of E W vs Wᵀ e_b");
            AssertBits<double>(naive, y, $"Wᵀ e_{b} vs naive twin");
        }
    }

    [Fact]
    public void The_batched_update_is_bit_identical_to_its_naive_twin()
    {
        float[] w = Data<float>(M * K, 12), e = Data<float>(Batch * M, 13), f = Data<float>(Batch * K, 14);
        float[] fast = (float[])w.Clone(), naive = (float[])w.Clone();
        Gemm.AccumulateTN<float>(fast, M, K, 0.003f, e, f, Batch, new float[K]);
        Reference.AccumulateTN<float>(naive, M, K, 0.003f, e, f, Batch);
        AssertBits<float>(naive, fast, "W + s Σ_b e_b f_bᵀ");
    }

    // A batch update is the mean of per-pair updates, summed in a different order than B separate steps would
    // be: float64 rounding of a 16-term sum of O(1) products, ~16 · 2^-53 relative to the largest term.
    private static readonly Tolerance MeanOfPairs = new(1e-13, 1e-12, "float64 rounding of a 16-term mean vs per-pair sums");

    [Fact]
    public void A_BP_batch_update_is_the_mean_of_the_per_pair_updates()
    {
        NetworkSpec spec = TestNets.Spec("40,33,29,5", "tanh", true);
        Parameters<double> p = TestNets.Params(spec, 21);
        const int B = 16;
        double[] sIn = TestNets.Normal(B * spec.InputWidth, 22), sOut = TestNets.Normal(B * spec.OutputWidth, 23);
        BpTrace<double> batched = new();
        new Backprop<double>(spec, 0.1, B).Step(p.Clone(), sIn, sOut, B, batched);
        for (int l = 1; l <= spec.L; l++)
        {
            double[] mean = new double[batched.DeltaW[l]!.Data.Length];
            for (int b = 0; b < B; b++)
            {
                BpTrace<double> single = new();
                new Backprop<double>(spec, 0.1).Step(
                    p.Clone(), sIn.AsSpan(b * spec.InputWidth, spec.InputWidth), sOut.AsSpan(b * spec.OutputWidth, spec.OutputWidth), 1, single);
                for (int q = 0; q < mean.Length; q++)
                {
                    mean[q] += single.DeltaW[l]!.Data[q] / B;
                }
            }

            MeanOfPairs.Assert<double>(mean, batched.DeltaW[l]!.Data, $"Δw^{l}: batch of {B} vs mean of single pairs");
        }
    }

    [Theory]
    [InlineData("bp", 1)]
    [InlineData("zil", 1)]
    [InlineData("zil-sync", 1)]
    [InlineData("fazil", 1)]
    [InlineData("fazil-faithful", 1)]
    [InlineData("il", 1)]
    [InlineData("bp", 2)]
    [InlineData("zil", 2)]
    [InlineData("fazil", 2)]
    public void A_training_step_allocates_nothing_after_warm_up(string algorithm, int threads)
    {
        NetworkSpec spec = TestNets.Spec("784,256,256,10", "tanh", true);
        Parameters<float> p = Initialisation<float>.Create(spec, InitScheme.HeNormal, 41);
        const int B = 16;
        float[] sIn = TestNets.Normal(B * spec.InputWidth, 42).Select(v => (float)v).ToArray();
        float[] sOut = TestNets.Normal(B * spec.OutputWidth, 43).Select(v => (float)v).ToArray();
        LearnerOptions o = new()
        {
            Algorithm = LearnerOptions.ParseAlgorithm(algorithm.Split('-')[0]),
            Synchronous = algorithm.EndsWith("-sync", StringComparison.Ordinal) || algorithm.EndsWith("-faithful", StringComparison.Ordinal),
            Alpha = 1e-3,
            T = 3,
        };
        ILearner<float> learner = o.Create<float>(spec, B);
        long[] allocated = WithThreads(threads, () =>
        {
            for (int warm = 0; warm < 3; warm++)
            {
                learner.Step(p, sIn, sOut, B);
            }

            // Two windows of 20 steps: a per-step allocation shows in both, while a one-time allocation of the
            // runtime's first blocking wait on this thread (which happens only when a worker is descheduled, i.e.
            // under load) shows in at most one. The steady state is the smaller of the two.
            long[] windows = new long[2];
            for (int w = 0; w < windows.Length; w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int step = 0; step < 20; step++)
                {
                    learner.Step(p, sIn, sOut, B);
                }

                windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
            }

            return windows;
        });
        Assert.True(allocated.Min() == 0, $"{algorithm} with {threads} threads allocated {allocated[0]} and {allocated[1]} bytes in two windows of 20 steps");
    }

    public static TheoryData<string> Algorithms => new() { "bp", "zil", "zil-sync", "fazil", "il" };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_training_step_gives_the_same_bits_for_one_and_two_threads(string algorithm)
    {
        NetworkSpec spec = TestNets.Spec("784,256,256,10", "relu", true);
        Parameters<float> init = Initialisation<float>.Create(spec, InitScheme.HeNormal, 31, biasScale: 0.1);
        const int B = 16;
        float[] sIn = TestNets.Normal(B * spec.InputWidth, 32).Select(v => (float)v).ToArray();
        float[] sOut = TestNets.Normal(B * spec.OutputWidth, 33).Select(v => (float)v).ToArray();
        Parameters<float> Train(int threads) => WithThreads(threads, () =>
        {
            LearnerOptions o = new()
            {
                Algorithm = LearnerOptions.ParseAlgorithm(algorithm == "zil-sync" ? "zil" : algorithm),
                Synchronous = algorithm == "zil-sync",
                Alpha = 0.01,
                T = 3,
            };
            ILearner<float> learner = o.Create<float>(spec, B);
            Parameters<float> p = init.Clone();
            learner.Step(p, sIn, sOut, B);
            learner.Step(p, sIn, sOut, B);
            return p;
        });
        Parameters<float> one = Train(1), two = Train(2);
        for (int l = 1; l <= spec.L; l++)
        {
            AssertBits<float>(one.Theta[l].Data, two.Theta[l].Data, $"{algorithm}: θ^{l}, 2 threads vs 1");
            AssertBits<float>(one.Beta[l], two.Beta[l], $"{algorithm}: β^{l}, 2 threads vs 1");
        }
    }
}
