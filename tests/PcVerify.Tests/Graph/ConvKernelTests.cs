using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Graph;

/// <summary>
/// The fast conv and pooling kernels (im2col + GEMM; clipped windows) against their naive direct-loop twins in
/// <see cref="ReferenceConv"/>, over a sweep of geometries: 1–3 input and output channels, square and odd
/// rectangular images, kernels 1–3, strides 1–2, paddings 0–1, batches 1 and 3, in float and double.
/// </summary>
/// <remarks>
/// Where the two compute a sum in different orders, each is within γ_n·Σ|terms| of the exact sum (Higham §3.1,
/// n = the number of terms plus one for the bias), so they are compared within 2·γ_n·Σ|terms|; Σ|terms| is
/// computed by running the naive twin on the absolute values in double. Where the orders are the same (pooling
/// forward, max pooling's gradient) the comparison is bit-for-bit.
/// </remarks>
public class ConvKernelTests
{
    /// <summary>The geometry sweep; pooling cases keep padding ≤ kernel/2.</summary>
    public static IEnumerable<Window2d> Geometries()
    {
        (int H, int W)[] sizes = [(4, 4), (5, 7), (7, 5), (3, 3)];
        foreach (int c in new[] { 1, 2, 3 })
        {
            foreach ((int h, int w) in sizes)
            {
                foreach (int k in new[] { 1, 2, 3 })
                {
                    foreach (int s in new[] { 1, 2 })
                    {
                        foreach (int p in new[] { 0, 1 })
                        {
                            Window2d g = new(c, h, w, k, k == 3 ? 2 : k, s, s, p, p);
                            if (h + (2 * p) >= k && w + (2 * p) >= g.KernelW)
                            {
                                yield return g;
                            }
                        }
                    }
                }
            }
        }
    }

    private static T[] Data<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T> => Numeric.Normal<T>(n, seed);

    private static double[] Abs<T>(T[] v)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. v.Select(x => Math.Abs(double.CreateTruncating(x)))];

    private static void AssertWithin<T>(T[] expected, T[] actual, double[] sumAbs, int terms, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double gamma = Numeric.Gamma<T>(terms + 1);
        for (int i = 0; i < expected.Length; i++)
        {
            new Tolerance(2 * gamma * sumAbs[i], 0, $"two summation orders of ≤ {terms + 1} terms: 2·γ_n·Σ|terms|")
                .Assert(double.CreateTruncating(expected[i]), double.CreateTruncating(actual[i]), $"{what}[{i}]");
        }
    }

    private static void ConvMatchesTwin<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong seed = 1;
        int cases = 0;
        foreach (Window2d g in Geometries())
        {
            foreach (int cout in new[] { 1, 3 })
            {
                foreach (int batch in new[] { 1, 3 })
                {
                    string what = $"{typeof(T).Name} {g} out={cout} B={batch}";
                    int ny = batch * cout * g.Positions;
                    T[] x = Data<T>(batch * g.InputSize, seed++), w = Data<T>(cout * g.FieldSize, seed++), bias = Data<T>(cout, seed++), e = Data<T>(ny, seed++);
                    T[] scratch = new T[Math.Max(Conv2d.Scratch(g, cout), Conv2d.GradientScratch(g, cout, batch))];

                    T[] fast = new T[ny], naive = new T[ny];
                    double[] abs = new double[ny];
                    Conv2d.Forward<T>(x, batch, g, w, cout, bias, fast, scratch);
                    ReferenceConv.Conv2dForward<T>(x, batch, g, w, cout, bias, naive);
                    ReferenceConv.Conv2dForward<double>(Abs(x), batch, g, Abs(w), cout, Abs(bias), abs);
                    AssertWithin(naive, fast, abs, g.FieldSize, what + " forward");

                    T[] dxFast = new T[x.Length], dxNaive = new T[x.Length];
                    double[] dxAbs = new double[x.Length];
                    Conv2d.InputGradient<T>(e, batch, g, w, cout, dxFast, scratch);
                    ReferenceConv.Conv2dInputGradient<T>(e, batch, g, w, cout, dxNaive);
                    ReferenceConv.Conv2dInputGradient<double>(Abs(e), batch, g, Abs(w), cout, dxAbs);
                    AssertWithin(dxNaive, dxFast, dxAbs, cout * g.KernelH * g.KernelW, what + " input gradient");

                    // The update from a non-zero start, so "+=" is tested too; s = 0.5 is exact in both types.
                    T s = T.CreateTruncating(0.5);
                    T[] wFast = Data<T>(w.Length, seed++), bFast = Data<T>(cout, seed++);
                    T[] wNaive = (T[])wFast.Clone(), bNaive = (T[])bFast.Clone();
                    double[] wAbs = Abs(wFast), bAbs = Abs(bFast);
                    Conv2d.WeightGradient<T>(x, batch, g, e, cout, s, wFast, bFast, scratch);
                    ReferenceConv.Conv2dWeightGradient<T>(x, batch, g, e, cout, s, wNaive, bNaive);
                    ReferenceConv.Conv2dWeightGradient<double>(Abs(x), batch, g, Abs(e), cout, 0.5, wAbs, bAbs);
                    AssertWithin(wNaive, wFast, wAbs, batch * g.Positions + 1, what + " weight update");
                    AssertWithin(bNaive, bFast, bAbs, batch * g.Positions + 1, what + " bias update");
                    cases++;
                }
            }
        }

        Assert.True(cases > 300, $"only {cases} cases");
    }

    [Fact]
    public void Conv2d_fast_path_equals_the_direct_loop_twin_within_the_summation_order_bound_double() => ConvMatchesTwin<double>();

    [Fact]
    public void Conv2d_fast_path_equals_the_direct_loop_twin_within_the_summation_order_bound_float() => ConvMatchesTwin<float>();

    private static void PoolsMatchTwin<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong seed = 100;
        foreach (Window2d g in Geometries().Where(g => 2 * g.PadH <= g.KernelH && 2 * g.PadW <= g.KernelW))
        {
            foreach (int batch in new[] { 1, 3 })
            {
                string what = $"{typeof(T).Name} {g} B={batch}";
                int ny = batch * g.Channels * g.Positions;
                T[] x = Data<T>(batch * g.InputSize, seed++), e = Data<T>(ny, seed++);
                foreach (bool includePad in new[] { true, false })
                {
                    T[] fast = new T[ny], naive = new T[ny];
                    AvgPool2d.Forward<T>(x, batch, g, includePad, fast);
                    ReferenceConv.AvgPool2dForward<T>(x, batch, g, includePad, naive);
                    Tolerance.Exact.Assert<T>(naive, fast, what + $" avg forward (pad counts: {includePad}), same order");

                    T[] dxFast = new T[x.Length], dxNaive = new T[x.Length];
                    double[] dxAbs = new double[x.Length];
                    AvgPool2d.InputGradient<T>(e, batch, g, includePad, dxFast);
                    ReferenceConv.AvgPool2dInputGradient<T>(e, batch, g, includePad, dxNaive);
                    ReferenceConv.AvgPool2dInputGradient<double>(Abs(e), batch, g, includePad, dxAbs);
                    AssertWithin(dxNaive, dxFast, dxAbs, g.KernelH * g.KernelW, what + " avg input gradient");
                }

                T[] mFast = new T[ny], mNaive = new T[ny];
                MaxPool2d.Forward<T>(x, batch, g, mFast);
                ReferenceConv.MaxPool2dForward<T>(x, batch, g, mNaive);
                Tolerance.Exact.Assert<T>(mNaive, mFast, what + " max forward");

                T[] gFast = new T[x.Length], gNaive = new T[x.Length];
                MaxPool2d.InputGradient<T>(x, e, batch, g, gFast);
                ReferenceConv.MaxPool2dInputGradient<T>(x, e, batch, g, gNaive);
                Tolerance.Exact.Assert<T>(gNaive, gFast, what + " max input gradient (windows added in output order by both)");
            }
        }
    }

    [Fact]
    public void Pooling_fast_paths_equal_their_direct_loop_twins_double() => PoolsMatchTwin<double>();

    [Fact]
    public void Pooling_fast_paths_equal_their_direct_loop_twins_float() => PoolsMatchTwin<float>();

    [Fact]
    public void Max_pooling_takes_the_first_maximum_in_row_major_window_order_and_padding_never_wins()
    {
        // One 1×2×3 image of ties and negatives; a 2×2 window, stride 1, padding 1 (so the corner windows hold one cell).
        Window2d g = new(1, 2, 3, 2, 2, 1, 1, 1, 1);
        double[] x = [-5, 7, 7, 7, -1, -2];
        double[] y = new double[g.Positions];
        MaxPool2d.Forward<double>(x, 1, g, y);
        // Windows (3×4): corner (0,0) reads only x[0,0] = −5 (padding 0 would win if it took part).
        Assert.Equal(-5.0, y[0]);
        double[] e = new double[g.Positions];
        e[1] = 1; // window (0,1) reads x[0,0], x[0,1]: the maximum 7 at x[0,1]
        e[6] = 10; // window (1,2) reads x[0,1], x[0,2], x[1,1], x[1,2]: ties at 7; the first in row-major order is x[0,1]
        double[] dx = new double[x.Length];
        MaxPool2d.InputGradient<double>(x, e, 1, g, dx);
        Assert.Equal([0.0, 11.0, 0.0, 0.0, 0.0, 0.0], dx);
    }

    [Fact]
    public void Average_pooling_divides_by_the_window_or_by_the_cells_inside_the_image()
    {
        // A 1×2×2 image, 2×2 window, stride 2, padding 1: every window holds exactly one cell of the image.
        Window2d g = new(1, 2, 2, 2, 2, 2, 2, 1, 1);
        double[] x = [4, 8, 12, 16];
        double[] withPad = new double[4], without = new double[4];
        AvgPool2d.Forward<double>(x, 1, g, true, withPad);
        AvgPool2d.Forward<double>(x, 1, g, false, without);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], withPad);
        Assert.Equal([4.0, 8.0, 12.0, 16.0], without);
    }

    [Fact]
    public void A_convolution_by_hand_matches_the_cross_correlation_definition()
    {
        // x = 1×3×3 = 1..9, θ = 1×1×2×2 = [[1, 0], [0, −1]], stride 1, no padding: y[i,j] = x[i,j] − x[i+1,j+1] = −4 everywhere, plus β = 0.5.
        Window2d g = new(1, 3, 3, 2, 2, 1, 1, 0, 0);
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9], w = [1, 0, 0, -1], y = new double[4];
        Conv2d.Forward<double>(x, 1, g, w, 1, [0.5], y, new double[Conv2d.Scratch(g, 1)]);
        Assert.Equal([-3.5, -3.5, -3.5, -3.5], y);
    }
}
