using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// Tests written to kill surviving Stryker mutants of <c>src/PcVerify.Engine/Kernels</c> (docs/findings.md, "Mutation
/// testing — whole engine"). Each states a rule of the kernels' contracts; the expected values are the rule itself
/// (which argument is rejected, which geometry is valid by the output-size formula), never what the code printed.
/// </summary>
/// <remarks>In the thread-count collection: one test reads <see cref="Parallelism.MaxThreads"/> and must not see
/// ThreadingTests change it meanwhile.</remarks>
[Collection(nameof(ThreadCountCollection))]
public class KernelMutationTests
{
    private static void ThrowsNaming(string param, Action act)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Equal(param, e.ParamName);
    }

    [Fact]
    public void A_negative_dimension_is_rejected_even_when_the_element_count_matches()
    {
        // (−1)·0 = 0 elements: only the sign test can reject it, and it names the matrix, not a later vector.
        ThrowsNaming("a", () => Gemv.Compute<double>([], -1, 0, [], []));
        ThrowsNaming("a", () => Gemv.Compute<double>([], 0, -1, [], []));
    }

    /// <summary>Geometries with exactly one invalid field: each must be rejected on its own.</summary>
    public static TheoryData<string, Window2d> InvalidWindows() => new()
    {
        { "channels", new Window2d(0, 3, 3, 1, 1, 1, 1, 0, 0) },
        { "height", new Window2d(1, 0, 3, 1, 1, 1, 1, 0, 0) },
        { "width", new Window2d(1, 3, 0, 1, 1, 1, 1, 0, 0) },
        { "kernel height", new Window2d(1, 3, 3, 0, 1, 1, 1, 0, 0) },
        { "kernel width", new Window2d(1, 3, 3, 1, 0, 1, 1, 0, 0) },
        // A zero stride once threw DivideByZeroException: the message formatted the record, whose OutH/OutW divide
        // by the stride (docs/findings.md, mutation testing: K1).
        { "stride height", new Window2d(1, 3, 3, 1, 1, 0, 1, 0, 0) },
        { "stride width", new Window2d(1, 3, 3, 1, 1, 1, 0, 0, 0) },
        { "pad height", new Window2d(1, 3, 3, 1, 1, 1, 1, -1, 0) },
        { "pad width", new Window2d(1, 3, 3, 1, 1, 1, 1, 0, -1) },
        { "empty output rows", new Window2d(1, 2, 3, 3, 1, 1, 1, 0, 0) },
        { "empty output columns", new Window2d(1, 3, 2, 1, 3, 1, 1, 0, 0) },
    };

    [Theory]
    [MemberData(nameof(InvalidWindows))]
    public void A_window_with_one_invalid_field_is_rejected(string what, Window2d g)
    {
        Assert.ThrowsAny<ArgumentException>(g.Validate);
        Assert.ThrowsAny<ArgumentException>(() => Conv2d.Scratch(g, 1));
        Assert.ThrowsAny<ArgumentException>(() => Conv2d.GradientScratch(g, 1, 1));
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void A_window_exactly_as_large_as_the_padded_image_is_valid_and_has_one_output()
    {
        // ⌊(n + 2p − k)/s⌋ + 1 = 1 when n + 2p = k: the boundary of "non-empty output".
        Window2d g = new(1, 2, 3, 4, 5, 1, 1, 1, 1);
        g.Validate();
        Assert.Equal(1, g.OutH);
        Assert.Equal(1, g.OutW);
        Window2d unpadded = new(2, 3, 2, 3, 2, 2, 3, 0, 0);
        unpadded.Validate();
        Assert.Equal(1, unpadded.Positions);
    }

    [Fact]
    public void Pooling_padding_of_more_than_half_the_kernel_is_rejected_and_exactly_half_is_accepted()
    {
        // PyTorch's rule 2p ≤ k, separately for rows and columns.
        double[] x = new double[9];
        Window2d half = new(1, 3, 3, 2, 2, 1, 1, 1, 1);
        double[] y = new double[half.Positions];
        AvgPool2d.Forward<double>(x, 1, half, countIncludePad: true, y);
        MaxPool2d.Forward<double>(x, 1, half, y);
        Window2d rows = new(1, 3, 3, 1, 2, 1, 1, 1, 0), cols = new(1, 3, 3, 2, 1, 1, 1, 0, 1);
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.Forward<double>(x, 1, rows, true, new double[rows.Positions]));
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.Forward<double>(x, 1, cols, true, new double[cols.Positions]));
        Assert.ThrowsAny<ArgumentException>(() => MaxPool2d.Forward<double>(x, 1, rows, new double[rows.Positions]));
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.Forward<double>(x, -1, half, true, y));
    }

    [Fact]
    public void Convolution_rejects_each_wrong_argument_by_name()
    {
        Window2d g = new(2, 3, 3, 2, 2, 1, 1, 0, 0);
        int cout = 3, batch = 2;
        double[] x = new double[batch * g.InputSize], w = new double[cout * g.FieldSize], b = new double[cout];
        double[] y = new double[batch * cout * g.Positions], scratch = new double[Conv2d.Scratch(g, cout)];
        Conv2d.Forward<double>(x, batch, g, w, cout, b, y, scratch);
        Conv2d.Forward<double>(x, batch, g, w, cout, [], y, scratch);
        ThrowsNaming("x", () => Conv2d.Forward<double>(x.AsSpan(1).ToArray(), batch, g, w, cout, b, y, scratch));
        ThrowsNaming("weight", () => Conv2d.Forward<double>(x, batch, g, w.AsSpan(1).ToArray(), cout, b, y, scratch));
        ThrowsNaming("bias", () => Conv2d.Forward<double>(x, batch, g, w, cout, new double[cout - 1], y, scratch));
        ThrowsNaming("y", () => Conv2d.Forward<double>(x, batch, g, w, cout, b, y.AsSpan(1).ToArray(), scratch));
        ThrowsNaming("scratch", () => Conv2d.Forward<double>(x, batch, g, w, cout, b, y, scratch.AsSpan(1).ToArray()));
        Assert.ThrowsAny<ArgumentException>(() => Conv2d.Forward<double>(x, batch, g, [], 0, [], [], scratch));
        Assert.ThrowsAny<ArgumentException>(() => Conv2d.Forward<double>([], -1, g, w, cout, b, [], scratch));
        Assert.ThrowsAny<ArgumentException>(() => Conv2d.Forward<double>(x, batch, g with { PadW = -1 }, w, cout, b, y, scratch));

        // The weight gradient needs one image's im2col rows, every pair's transposed errors and the running sums.
        double[] gradScratch = new double[Conv2d.GradientScratch(g, cout, batch)];
        Assert.Equal((g.Positions * g.FieldSize) + (batch * g.Positions * cout) + (cout * g.FieldSize), gradScratch.Length);
        Conv2d.WeightGradient<double>(x, batch, g, y, cout, 0.5, w, b, gradScratch);
        ThrowsNaming("scratch", () => Conv2d.WeightGradient<double>(x, batch, g, y, cout, 0.5, w, b, gradScratch.AsSpan(1).ToArray()));
        ThrowsNaming("scratch", () => Conv2d.InputGradient<double>(y, batch, g, w, cout, x, scratch.AsSpan(1).ToArray()));
    }

    [Fact]
    public void MaxThreads_below_one_is_rejected_and_the_setting_is_kept()
    {
        int before = Parallelism.MaxThreads;
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
        Assert.Equal(before, Parallelism.MaxThreads);
    }

    // A shape whose single-sample products split into several blocks (m·n ≥ 2·WorkPerBlock multiply–adds): 1203 rows
    // (not a multiple of 4) × 1037 columns. ThreadingTests compares these split products only with themselves on one
    // thread, and KernelTests compares them with their naive twins only at sizes that do not split, so a partition
    // that drops or repeats rows would pass both.
    private const int SplitRows = 1203, SplitCols = 1037;

    [Fact]
    public void The_split_single_sample_products_equal_their_naive_twins()
    {
        Assert.True(Parallelism.Blocks((long)SplitRows * SplitCols, Parallelism.MaxBlocks) >= 2, "the shape must split");
        double[] a = Numeric.Normal<double>(SplitRows * SplitCols, 31), x = Numeric.Normal<double>(SplitCols, 32);
        double[] u = Numeric.Normal<double>(SplitRows, 33);

        // Gemv: each row is a dot product in another order than the naive loop: within 2·γ_n·Σ|a_j x_j|.
        double[] fast = new double[SplitRows], naive = new double[SplitRows];
        Gemv.Compute<double>(a, SplitRows, SplitCols, x, fast);
        Reference.Gemv<double>(a, SplitRows, SplitCols, x, naive);
        for (int i = 0; i < SplitRows; i++)
        {
            ReadOnlySpan<double> row = a.AsSpan(i * SplitCols, SplitCols);
            Numeric.DotOrderBound<double>(SplitCols, Numeric.SumAbsProducts<double>(row, x)).Assert(naive[i], fast[i], $"split gemv row {i}");
        }

        // GemvTransposed and Rank1Update promise the naive order: bit for bit.
        double[] yt = new double[SplitCols], ytNaive = new double[SplitCols];
        GemvTransposed.Compute<double>(a, SplitRows, SplitCols, u, yt);
        Reference.GemvTransposed<double>(a, SplitRows, SplitCols, u, ytNaive);
        Tolerance.Exact.Assert<double>(ytNaive, yt, "split gemvT");

        double[] r = (double[])a.Clone(), rNaive = (double[])a.Clone();
        Rank1Update.Apply<double>(r, SplitRows, SplitCols, 0.01, u, x);
        Reference.Rank1Update<double>(rNaive, SplitRows, SplitCols, 0.01, u, x);
        Tolerance.Exact.Assert<double>(rNaive, r, "split rank-1 update");
    }

    /// <summary>Lengths covering zero, a tail alone, whole vectors alone and vectors plus a tail.</summary>
    private static IEnumerable<int> ElementwiseLengths<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => Enumerable.Range(0, (3 * Vector<T>.Count) + 3);

    private static void ElementwiseStepsAreTheirScalarFormulas<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T gamma = T.CreateTruncating(0.3);
        foreach (int n in ElementwiseLengths<T>())
        {
            T[] a = Numeric.Normal<T>(n, (ulong)n + 40), b = Numeric.Normal<T>(n, (ulong)n + 41), c = Numeric.Normal<T>(n, (ulong)n + 42);
            T[] sub = new T[n], mul = new T[n], inc = new T[n];
            Elementwise.Subtract<T>(a, b, sub);
            Elementwise.Multiply<T>(a, b, mul);
            Elementwise.InferenceIncrement<T>(gamma, a, b, c, inc);
            for (int k = 0; k < n; k++)
            {
                // The formulas of the summaries, evaluated one operation at a time (no fused multiply–add).
                T fg = b[k] * c[k];
                T expectedInc = gamma * ((-a[k]) + fg);
                Assert.True(sub[k] == a[k] - b[k], $"{typeof(T).Name} subtract n={n} k={k}");
                Assert.True(mul[k] == a[k] * b[k], $"{typeof(T).Name} multiply n={n} k={k}");
                Assert.True(inc[k] == expectedInc, $"{typeof(T).Name} dx = γ(−ε + f'·g) n={n} k={k}: expected {expectedInc}, found {inc[k]}");
            }
        }
    }

    [Fact]
    public void Elementwise_steps_equal_their_scalar_formulas_at_every_length_double() => ElementwiseStepsAreTheirScalarFormulas<double>();

    [Fact]
    public void Elementwise_steps_equal_their_scalar_formulas_at_every_length_float() => ElementwiseStepsAreTheirScalarFormulas<float>();

    private static void FirstNonFiniteFindsTheFirst<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] bad = [T.NaN, T.PositiveInfinity, T.NegativeInfinity];
        foreach (int n in ElementwiseLengths<T>())
        {
            T[] v = Numeric.Normal<T>(n, (ulong)n + 50);
            Assert.Equal(-1, Elementwise.FirstNonFinite<T>(v));
            for (int i = 0; i < n; i++)
            {
                foreach (T x in bad)
                {
                    T[] w = (T[])v.Clone();
                    w[i] = x;
                    Assert.Equal(i, Elementwise.FirstNonFinite<T>(w));
                    if (i + 1 < n)
                    {
                        w[n - 1] = T.NaN;
                        Assert.Equal(i, Elementwise.FirstNonFinite<T>(w));
                    }
                }
            }
        }
    }

    [Fact]
    public void FirstNonFinite_returns_the_first_NaN_or_infinity_in_the_vector_part_and_the_tail_double() => FirstNonFiniteFindsTheFirst<double>();

    [Fact]
    public void FirstNonFinite_returns_the_first_NaN_or_infinity_in_the_vector_part_and_the_tail_float() => FirstNonFiniteFindsTheFirst<float>();

    [Fact]
    public void Elementwise_steps_reject_a_length_mismatch_by_name()
    {
        double[] v2 = new double[2], v3 = new double[3];
        ThrowsNaming("a", () => Elementwise.Subtract<double>(v3, v2, v2));
        ThrowsNaming("b", () => Elementwise.Multiply<double>(v2, v3, v2));
        ThrowsNaming("eps", () => Elementwise.InferenceIncrement<double>(1.0, v3, v2, v2, v2));
        ThrowsNaming("fp", () => Elementwise.InferenceIncrement<double>(1.0, v2, v3, v2, v2));
        ThrowsNaming("g", () => Elementwise.InferenceIncrement<double>(1.0, v2, v2, v3, v2));
    }

    [Fact]
    public void Max_pooling_gradient_overwrites_dx_and_rejects_wrong_lengths()
    {
        // The summary: dx = 0, then dx[argmax] += e. A dx holding old values must come out as the naive twin's
        // gradient written into a fresh array (2 channels, 5 × 4, kernel 2, stride 1, padding 1: overlapping windows).
        Window2d g = new(2, 5, 4, 2, 2, 1, 1, 1, 1);
        const int batch = 2;
        double[] x = Numeric.Normal<double>(batch * g.InputSize, 60), e = Numeric.Normal<double>(batch * g.Channels * g.Positions, 61);
        double[] dx = Enumerable.Repeat(7.0, x.Length).ToArray(), naive = new double[x.Length];
        MaxPool2d.InputGradient<double>(x, e, batch, g, dx);
        ReferenceConv.MaxPool2dInputGradient<double>(x, e, batch, g, naive);
        Tolerance.Exact.Assert<double>(naive, dx, "max-pooling gradient into a dirty dx");

        Assert.ThrowsAny<ArgumentException>(() => MaxPool2d.InputGradient<double>(x, [.. e, 0.0], batch, g, dx));
        Assert.ThrowsAny<ArgumentException>(() => MaxPool2d.InputGradient<double>(x, e, batch, g, new double[x.Length + 1]));
        Assert.ThrowsAny<ArgumentException>(() => MaxPool2d.InputGradient<double>(x, e, batch, g with { PadH = 2, KernelH = 3 }, dx));
    }

    [Fact]
    public void Average_pooling_gradient_overwrites_dx_with_the_hand_computed_shares()
    {
        // One 3 × 3 channel, kernel 2, stride 1, no padding: four windows, each spreading e/4 over its four cells.
        // e = 4, 8, 12, 16 gives shares 1, 2, 3, 4; a cell's gradient is the sum of the shares of the windows covering
        // it (the corners one window, the edges two, the centre all four) — exact in binary, so compared bit for bit.
        // dx starts dirty: the summary says it is overwritten.
        Window2d g = new(1, 3, 3, 2, 2, 1, 1, 0, 0);
        double[] e = [4, 8, 12, 16];
        double[] expected = [1, 3, 2, 4, 10, 6, 3, 7, 4];
        foreach (bool countIncludePad in new[] { true, false })
        {
            double[] dx = Enumerable.Repeat(7.0, 9).ToArray();
            AvgPool2d.InputGradient<double>(e, 1, g, countIncludePad, dx);
            Tolerance.Exact.Assert<double>(expected, dx, "average-pooling gradient into a dirty dx");
        }
    }

    [Fact]
    public void Average_pooling_rejects_each_wrong_argument_in_the_forward_and_the_gradient()
    {
        Window2d g = new(1, 3, 3, 2, 2, 1, 1, 0, 0);
        double[] x = new double[9], y = new double[4];
        ThrowsNaming("x", () => AvgPool2d.Forward<double>(new double[10], 1, g, true, y));
        ThrowsNaming("y", () => AvgPool2d.Forward<double>(x, 1, g, true, new double[5]));
        ThrowsNaming("batch", () => AvgPool2d.Forward<double>(x, -1, g, true, y));

        // The gradient validates like the forward (dx has the input's shape, e the output's): one element too many in
        // either, or padding above half the kernel, is refused rather than ignored.
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.InputGradient<double>(y, 1, g, true, new double[10]));
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.InputGradient<double>(new double[5], 1, g, true, x));
        Window2d wide = new(1, 3, 3, 1, 1, 1, 1, 1, 0);
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.InputGradient<double>(new double[wide.Positions], 1, wide, true, x));

        // Geometries that are invalid yet whose sizes the length checks accept (no channels; a negative padding that
        // leaves no output): only the window's own validation can refuse them.
        Window2d noChannels = new(0, 3, 3, 2, 2, 1, 1, 0, 0), negativePad = new(1, 3, 3, 2, 2, 1, 1, -1, 0);
        Assert.Equal(0, negativePad.Positions);
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.Forward<double>([], 1, noChannels, true, []));
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.Forward<double>(x, 1, negativePad, true, []));
        Assert.ThrowsAny<ArgumentException>(() => AvgPool2d.InputGradient<double>([], 1, negativePad, true, x));
    }

    [Fact]
    public void Leaky_relu_with_a_negative_slope_keeps_the_sign_of_zero()
    {
        // y = x < 0 ? a·x : x: both zeros are not below 0, so they pass through with their sign even when a·0 would
        // flip it (a < 0; Activation.LeakyRelu only asks for a finite slope). Length 1 is all scalar tail; length
        // Count + 1 has a vector part too. Compared as bits, since −0 == +0.
        foreach (int n in new[] { 1, Vector<double>.Count + 1 })
        {
            foreach (double zero in new[] { 0.0, -0.0 })
            {
                double[] x = Enumerable.Repeat(zero, n).ToArray(), y = new double[n];
                ActivationMaps.LeakyRelu<double>(x, y, -0.5);
                Assert.All(y, v => Assert.Equal(BitConverter.DoubleToInt64Bits(zero), BitConverter.DoubleToInt64Bits(v)));
            }
        }
    }

    [Fact]
    public void A_custom_activation_map_is_the_users_function_element_by_element()
    {
        // f(x) = x³, f'(x) = 3x², evaluated in double by the user's functions: for doubles the map must equal them
        // exactly, in the vector part (lane by lane) and the tail, with the derivative flag choosing f'.
        Activation cube = Activation.Custom("cube", v => v * v * v, v => 3 * v * v);
        int n = (3 * Vector<double>.Count) + 2;
        double[] x = Numeric.Normal<double>(n, 71), y = new double[n], dy = new double[n];
        ActivationMaps.Custom<double>(cube, derivative: false, x, y);
        ActivationMaps.Custom<double>(cube, derivative: true, x, dy);
        Tolerance.Exact.Assert<double>(x.Select(v => v * v * v).ToArray(), y, "custom f");
        Tolerance.Exact.Assert<double>(x.Select(v => 3 * v * v).ToArray(), dy, "custom f'");
    }

    [Fact]
    public void A_long_activation_map_rejects_an_output_of_another_length()
    {
        // Spans long enough to be split into blocks (≥ 2·MapBlock) are checked before the split, not only by the
        // per-block loop (which sees blocks of equal length and cannot notice).
        int n = (3 * ActivationMaps.MapBlock) + 5;
        ThrowsNaming("y", () => ActivationMaps.Tanh<double>(new double[n], new double[n + 1]));
        ThrowsNaming("y", () => ActivationMaps.Logistic<double>(new double[n], new double[n + 1]));
    }
}
