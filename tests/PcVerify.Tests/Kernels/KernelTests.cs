using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// Every <see cref="Vector{T}"/> kernel against its naive scalar twin (<see cref="Reference"/>), in float and double,
/// over every length 0..256 and the lengths around multiples of <c>Vector&lt;T&gt;.Count</c> (k·Count − 1, k·Count,
/// k·Count + 1) and 6·512 + 7, so the 4-accumulator block loop, the 1-accumulator loop and the scalar tail are each
/// hit alone and in every combination (the TensorPrimitives test sweep, STYLE.md).
/// </summary>
/// <remarks>
/// Where a kernel's documentation promises the naive summation order (GemvTransposed, Axpy, Rank1Update, the
/// Gemm products that are built from them, BiasUpdate) the comparison is bit-for-bit (<see cref="Tolerance.Exact"/>).
/// Where the order differs (Dot and everything built on it: Gemv, Gemm.MultiplyNT) each computation is within
/// γ_n Σ|a_i b_i| of the exact dot product (Higham §3.1), so the two are compared within 2·γ_n Σ|a_i b_i|.
/// </remarks>
public class KernelTests
{
    private static readonly int[] Ks = [1, 2, 3, 4, 5, 7, 8, 16, 33, 64];

    /// <summary>0..256, k·Count ± 1 and k·Count for several k, and 6·512 + 7 (the benchmark's remainder size).</summary>
    internal static int[] Lengths<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = Vector<T>.Count;
        SortedSet<int> set = [.. Enumerable.Range(0, 257), (6 * 512) + 7];
        foreach (int k in Ks)
        {
            set.Add((k * c) - 1);
            set.Add(k * c);
            set.Add((k * c) + 1);
        }

        return [.. set];
    }

    private static ulong Seed(int n, int salt) => ((ulong)n * 1000003UL) + (ulong)salt;

    // ---------------------------------------------------------------- Dot, Gemv, MultiplyNT (order differs)

    private static void DotMatchesNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int n in Lengths<T>())
        {
            T[] a = Numeric.Normal<T>(n, Seed(n, 1)), b = Numeric.Normal<T>(n, Seed(n, 2));
            T fast = Dot.Compute<T>(a, b);
            T naive = Reference.Dot<T>(a, b);
            Numeric.DotOrderBound<T>(n, Numeric.SumAbsProducts<T>(a, b)).Assert(double.CreateTruncating(naive), double.CreateTruncating(fast), $"{typeof(T).Name} dot n={n}");
        }
    }

    [Fact]
    public void Dot_equals_the_naive_sum_within_the_dot_product_error_bound_double() => DotMatchesNaive<double>();

    [Fact]
    public void Dot_equals_the_naive_sum_within_the_dot_product_error_bound_float() => DotMatchesNaive<float>();

    private static void GemvMatchesNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int m in new[] { 1, 3, 7 })
        {
            foreach (int n in Lengths<T>())
            {
                T[] a = Numeric.Normal<T>(m * n, Seed(n, 10 + m)), x = Numeric.Normal<T>(n, Seed(n, 20 + m));
                T[] fast = Numeric.Normal<T>(m, 99), naive = new T[m];
                Gemv.Compute<T>(a, m, n, x, fast);
                Reference.Gemv<T>(a, m, n, x, naive);
                for (int i = 0; i < m; i++)
                {
                    ReadOnlySpan<T> row = a.AsSpan(i * n, n);
                    Numeric.DotOrderBound<T>(n, Numeric.SumAbsProducts<T>(row, x))
                        .Assert(double.CreateTruncating(naive[i]), double.CreateTruncating(fast[i]), $"{typeof(T).Name} gemv m={m} n={n} row {i}");

                    // The documented contract: row i is exactly Dot(row_i, x).
                    Tolerance.Exact.Assert(double.CreateTruncating(Dot.Compute<T>(row, x)), double.CreateTruncating(fast[i]), $"{typeof(T).Name} gemv row {i} vs Dot, n={n}");
                }
            }
        }
    }

    [Fact]
    public void Gemv_equals_the_naive_product_within_the_dot_product_error_bound_double() => GemvMatchesNaive<double>();

    [Fact]
    public void Gemv_equals_the_naive_product_within_the_dot_product_error_bound_float() => GemvMatchesNaive<float>();

    private static void MultiplyNTMatchesNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 3;
        foreach (int batch in new[] { 1, 2, 5 })
        {
            foreach (int k in Lengths<T>())
            {
                T[] a = Numeric.Normal<T>(batch * k, Seed(k, 30 + batch)), w = Numeric.Normal<T>(m * k, Seed(k, 40 + batch));
                T[] fast = Numeric.Normal<T>(batch * m, 7), naive = new T[batch * m], perSample = new T[m];
                Gemm.MultiplyNT<T>(a, batch, k, w, m, fast);
                Reference.MultiplyNT<T>(a, batch, k, w, m, naive);
                for (int b = 0; b < batch; b++)
                {
                    ReadOnlySpan<T> ab = a.AsSpan(b * k, k);
                    for (int i = 0; i < m; i++)
                    {
                        Numeric.DotOrderBound<T>(k, Numeric.SumAbsProducts<T>(ab, w.AsSpan(i * k, k)))
                            .Assert(double.CreateTruncating(naive[(b * m) + i]), double.CreateTruncating(fast[(b * m) + i]), $"{typeof(T).Name} MultiplyNT B={batch} k={k} [{b},{i}]");
                    }

                    // Documented: row b of the batched product is bit-identical to the single-sample Gemv.
                    Gemv.Compute<T>(w, m, k, ab, perSample);
                    Tolerance.Exact.Assert<T>(perSample, fast.AsSpan(b * m, m), $"{typeof(T).Name} MultiplyNT row {b} vs Gemv, B={batch} k={k}");
                }
            }
        }
    }

    [Fact]
    public void Gemm_MultiplyNT_equals_the_naive_product_within_the_bound_and_each_row_is_Gemv_bit_for_bit_double() => MultiplyNTMatchesNaive<double>();

    [Fact]
    public void Gemm_MultiplyNT_equals_the_naive_product_within_the_bound_and_each_row_is_Gemv_bit_for_bit_float() => MultiplyNTMatchesNaive<float>();

    // ---------------------------------------------------------------- kernels promising the naive order (exact)

    private static void GemvTransposedIsNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (int m in new[] { 1, 2, 5, 9 })
        {
            foreach (int n in Lengths<T>())
            {
                T[] a = Numeric.Normal<T>(m * n, Seed(n, 50 + m)), x = Numeric.Normal<T>(m, Seed(n, 60 + m));
                T[] fast = Numeric.Normal<T>(n, 3), naive = new T[n];
                GemvTransposed.Compute<T>(a, m, n, x, fast);
                Reference.GemvTransposed<T>(a, m, n, x, naive);
                Tolerance.Exact.Assert<T>(naive, fast, $"{typeof(T).Name} gemvT m={m} n={n}");
            }
        }
    }

    [Fact]
    public void GemvTransposed_is_bit_identical_to_the_naive_loop_double() => GemvTransposedIsNaive<double>();

    [Fact]
    public void GemvTransposed_is_bit_identical_to_the_naive_loop_float() => GemvTransposedIsNaive<float>();

    private static void AxpyIsNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(-0.731);
        foreach (int n in Lengths<T>())
        {
            T[] x = Numeric.Normal<T>(n, Seed(n, 70)), y = Numeric.Normal<T>(n, Seed(n, 71));
            T[] expected = new T[n];
            for (int j = 0; j < n; j++)
            {
                expected[j] = y[j] + (s * x[j]);
            }

            Axpy.Compute<T>(s, x, y);
            Tolerance.Exact.Assert<T>(expected, y, $"{typeof(T).Name} axpy n={n}");
        }
    }

    [Fact]
    public void Axpy_is_bit_identical_to_y_plus_s_times_x_without_fma_double() => AxpyIsNaive<double>();

    [Fact]
    public void Axpy_is_bit_identical_to_y_plus_s_times_x_without_fma_float() => AxpyIsNaive<float>();

    private static void Rank1IsNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T alpha = T.CreateTruncating(0.37);
        foreach (int m in new[] { 1, 3 })
        {
            foreach (int n in Lengths<T>())
            {
                T[] fast = Numeric.Normal<T>(m * n, Seed(n, 80 + m)), naive = (T[])fast.Clone();
                T[] u = Numeric.Normal<T>(m, Seed(n, 90 + m)), v = Numeric.Normal<T>(n, Seed(n, 100 + m));
                Rank1Update.Apply<T>(fast, m, n, alpha, u, v);
                Reference.Rank1Update<T>(naive, m, n, alpha, u, v);
                Tolerance.Exact.Assert<T>(naive, fast, $"{typeof(T).Name} rank-1 m={m} n={n}");
            }
        }
    }

    [Fact]
    public void Rank1Update_is_bit_identical_to_the_naive_loop_double() => Rank1IsNaive<double>();

    [Fact]
    public void Rank1Update_is_bit_identical_to_the_naive_loop_float() => Rank1IsNaive<float>();

    private static void MultiplyNNIsGemvTransposedPerSample<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 4;
        foreach (int batch in new[] { 1, 2, 5 })
        {
            foreach (int k in Lengths<T>())
            {
                T[] e = Numeric.Normal<T>(batch * m, Seed(k, 110 + batch)), w = Numeric.Normal<T>(m * k, Seed(k, 120 + batch));
                T[] fast = Numeric.Normal<T>(batch * k, 5), naive = new T[batch * k], perSample = new T[k];
                Gemm.MultiplyNN<T>(e, batch, m, w, k, fast);
                Reference.MultiplyNN<T>(e, batch, m, w, k, naive);
                Tolerance.Exact.Assert<T>(naive, fast, $"{typeof(T).Name} MultiplyNN B={batch} k={k}");
                for (int b = 0; b < batch; b++)
                {
                    GemvTransposed.Compute<T>(w, m, k, e.AsSpan(b * m, m), perSample);
                    Tolerance.Exact.Assert<T>(perSample, fast.AsSpan(b * k, k), $"{typeof(T).Name} MultiplyNN row {b} vs GemvTransposed, k={k}");
                }
            }
        }
    }

    [Fact]
    public void Gemm_MultiplyNN_is_bit_identical_to_GemvTransposed_per_sample_and_to_the_naive_loop_double() => MultiplyNNIsGemvTransposedPerSample<double>();

    [Fact]
    public void Gemm_MultiplyNN_is_bit_identical_to_GemvTransposed_per_sample_and_to_the_naive_loop_float() => MultiplyNNIsGemvTransposedPerSample<float>();

    private static void AccumulateTNIsNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 3;
        T s = T.CreateTruncating(0.05) / T.CreateTruncating(3);
        foreach (int batch in new[] { 1, 2, 5 })
        {
            foreach (int k in Lengths<T>())
            {
                T[] fast = Numeric.Normal<T>(m * k, Seed(k, 130 + batch)), naive = (T[])fast.Clone();
                T[] e = Numeric.Normal<T>(batch * m, Seed(k, 140 + batch)), f = Numeric.Normal<T>(batch * k, Seed(k, 150 + batch));
                Gemm.AccumulateTN<T>(fast, m, k, s, e, f, batch, new T[k + 3]);
                Reference.AccumulateTN<T>(naive, m, k, s, e, f, batch);
                Tolerance.Exact.Assert<T>(naive, fast, $"{typeof(T).Name} AccumulateTN B={batch} k={k}");
                if (batch == 1)
                {
                    // Documented: for B = 1 the batch update is exactly the rank-1 update with α = s.
                    T[] rank1 = Numeric.Normal<T>(m * k, Seed(k, 130 + batch));
                    Rank1Update.Apply<T>(rank1, m, k, s, e, f);
                    Tolerance.Exact.Assert<T>(rank1, fast, $"{typeof(T).Name} AccumulateTN B=1 vs Rank1Update k={k}");
                }
            }
        }
    }

    [Fact]
    public void Gemm_AccumulateTN_is_bit_identical_to_the_naive_batch_sum_and_to_Rank1Update_for_one_pair_double() => AccumulateTNIsNaive<double>();

    [Fact]
    public void Gemm_AccumulateTN_is_bit_identical_to_the_naive_batch_sum_and_to_Rank1Update_for_one_pair_float() => AccumulateTNIsNaive<float>();

    private static void BiasUpdateIsNaive<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(0.1) / T.CreateTruncating(5);
        foreach (int batch in new[] { 1, 2, 5 })
        {
            foreach (int m in Lengths<T>())
            {
                T[] beta = Numeric.Normal<T>(m, Seed(m, 160 + batch)), e = Numeric.Normal<T>(batch * m, Seed(m, 170 + batch));

                // The documented rule: β_i + s·e_i for one pair; β_i + s·(Σ_b E[b,i], ascending b) for a batch.
                T[] expected = new T[m];
                for (int i = 0; i < m; i++)
                {
                    T r = batch == 1 ? e[i] : T.Zero;
                    for (int b = 0; batch > 1 && b < batch; b++)
                    {
                        r += e[(b * m) + i];
                    }

                    expected[i] = beta[i] + (s * r);
                }

                BiasUpdate.Apply<T>(beta, s, e, batch);
                Tolerance.Exact.Assert<T>(expected, beta, $"{typeof(T).Name} bias update B={batch} m={m}");
            }
        }
    }

    [Fact]
    public void BiasUpdate_is_bit_identical_to_the_naive_batch_sum_double() => BiasUpdateIsNaive<double>();

    [Fact]
    public void BiasUpdate_is_bit_identical_to_the_naive_batch_sum_float() => BiasUpdateIsNaive<float>();

    // ---------------------------------------------------------------- empty inputs and shape errors

    [Fact]
    public void Length_zero_works_and_gives_zero_sums()
    {
        Assert.Equal(0.0, Dot.Compute<double>([], []));
        Assert.True(double.IsPositive(Dot.Compute<double>([], [])), "the empty sum is +0");
        double[] y = [7, 7];
        Gemv.Compute<double>([], 2, 0, [], y);
        Tolerance.Exact.Assert<double>([0.0, 0.0], y, "gemv 2×0");
        Gemv.Compute<double>([], 0, 3, [1.0, 2, 3], []);
        double[] yt = [7, 7, 7];
        GemvTransposed.Compute<double>([], 0, 3, [], yt);
        Tolerance.Exact.Assert<double>([0.0, 0.0, 0.0], yt, "gemvT 0×3");
        Axpy.Compute<double>(2.0, [], []);
        Rank1Update.Apply<double>([], 0, 0, 1.0, [], []);
        double[] c = [7, 7];
        Gemm.MultiplyNT<double>([], 2, 0, [], 1, c);
        Tolerance.Exact.Assert<double>([0.0, 0.0], c, "MultiplyNT k=0");
        double[] g = [7, 7];
        Gemm.MultiplyNN<double>([], 2, 0, [], 1, g);
        Tolerance.Exact.Assert<double>([0.0, 0.0], g, "MultiplyNN m=0");
        Gemm.AccumulateTN<double>([], 0, 0, 1.0, [], [], 3, []);
        BiasUpdate.Apply<double>([], 1.0, [], 4);
        ActivationMaps.Relu<float>([], []);
    }

    private static void ThrowsNaming(string param, Action act)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Equal(param, e.ParamName);
        Assert.Contains(param, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_errors_throw_ArgumentException_naming_the_argument()
    {
        double[] a6 = new double[6], v2 = new double[2], v3 = new double[3], v4 = new double[4];
        ThrowsNaming("b", () => Dot.Compute<double>(v2, v3));
        ThrowsNaming("a", () => Gemv.Compute<double>(a6, 2, 4, v4, v2));
        ThrowsNaming("x", () => Gemv.Compute<double>(a6, 2, 3, v2, v2));
        ThrowsNaming("y", () => Gemv.Compute<double>(a6, 2, 3, v3, v3));
        ThrowsNaming("a", () => Gemv.Compute<double>(a6, -2, -3, v3, v2));
        ThrowsNaming("a", () => GemvTransposed.Compute<double>(a6, 3, 3, v3, v3));
        ThrowsNaming("x", () => GemvTransposed.Compute<double>(a6, 2, 3, v3, v3));
        ThrowsNaming("y", () => GemvTransposed.Compute<double>(a6, 2, 3, v2, v2));
        ThrowsNaming("y", () => Axpy.Compute<double>(1.0, v2, v3));
        ThrowsNaming("a", () => Rank1Update.Apply<double>(a6, 4, 2, 1.0, v4, v2));
        ThrowsNaming("u", () => Rank1Update.Apply<double>(a6, 2, 3, 1.0, v3, v3));
        ThrowsNaming("v", () => Rank1Update.Apply<double>(a6, 2, 3, 1.0, v2, v2));
        ThrowsNaming("a", () => Gemm.MultiplyNT<double>(v3, 2, 2, v4, 2, v4));
        ThrowsNaming("w", () => Gemm.MultiplyNT<double>(v4, 2, 2, a6, 2, v4));
        ThrowsNaming("c", () => Gemm.MultiplyNT<double>(v4, 2, 2, v4, 2, a6));
        ThrowsNaming("e", () => Gemm.MultiplyNN<double>(v3, 2, 2, v4, 2, v4));
        ThrowsNaming("w", () => Gemm.MultiplyNN<double>(v4, 2, 2, a6, 2, v4));
        ThrowsNaming("g", () => Gemm.MultiplyNN<double>(v4, 2, 2, v4, 2, v3));
        ThrowsNaming("w", () => Gemm.AccumulateTN<double>(v3, 2, 2, 1.0, v4, v4, 2, v2));
        ThrowsNaming("e", () => Gemm.AccumulateTN<double>(v4, 2, 2, 1.0, v3, v4, 2, v2));
        ThrowsNaming("f", () => Gemm.AccumulateTN<double>(v4, 2, 2, 1.0, v4, v3, 2, v2));
        ThrowsNaming("scratch", () => Gemm.AccumulateTN<double>(a6, 2, 3, 1.0, v4, a6, 2, v2));
        ThrowsNaming("e", () => BiasUpdate.Apply<double>(v2, 1.0, v3, 2));
        ThrowsNaming("y", () => ActivationMaps.Relu<double>(v2, v3));
        ThrowsNaming("y", () => ActivationMaps.LeakyRelu<double>(v2, v3, 0.1));
        ThrowsNaming("y", () => ActivationMaps.Step<double>(v2, v3, 0.0));
    }
}
