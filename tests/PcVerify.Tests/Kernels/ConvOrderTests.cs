using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The weight gradient's summation-order contract (docs/determinism.md): <c>θ[o, j] + s · r</c> with
/// <c>r = Σ_{b,p} e[b,o,p] · col[(b,p), j]</c> from +0 in ascending (b, p), padding cells contributing their exact zero
/// products. The kernel carries the sums image by image through a buffer; the oracle is that sum written out as one
/// scalar loop per element, so the two must agree bit for bit. Negative control: the same oracle summed in
/// descending order differs in some element (so the comparison can see an order change).
/// </summary>
public class ConvOrderTests
{
    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        // batch, channels, side, kernel, stride, padding
        { 3, 2, 7, 3, 1, 1 },
        { 2, 3, 9, 3, 2, 1 },
        { 4, 1, 8, 2, 2, 0 },
        { 2, 3, 17, 3, 1, 1 }, // 289 positions per image: more rows than one chunk of the running sums
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_weight_gradient_sums_over_images_and_positions_in_ascending_order_float(int batch, int channels, int side, int kernel, int stride, int pad) =>
        WeightGradientMatchesOrder<float>(batch, channels, side, kernel, stride, pad);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void The_weight_gradient_sums_over_images_and_positions_in_ascending_order_double(int batch, int channels, int side, int kernel, int stride, int pad) =>
        WeightGradientMatchesOrder<double>(batch, channels, side, kernel, stride, pad);

    [Fact]
    public void The_oracle_detects_a_changed_summation_order()
    {
        Window2d g = new(3, 9, 9, 3, 3, 1, 1, 1, 1);
        (float[] x, float[] e, float[] w) = Data<float>(4, g, 5);
        float s = 0.37f;
        float[] ascending = Expected(x, e, w, 4, g, 5, s, descending: false);
        float[] descending = Expected(x, e, w, 4, g, 5, s, descending: true);
        Assert.NotNull(ThreadingTests.FirstBitDifference<float>(ascending, descending, "order"));
    }

    private static void WeightGradientMatchesOrder<T>(int batch, int channels, int side, int kernel, int stride, int pad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Out = 5;
        Window2d g = new(channels, side, side, kernel, kernel, stride, stride, pad, pad);
        (T[] x, T[] e, T[] w) = Data<T>(batch, g, Out);
        T s = T.CreateTruncating(0.37);
        T[] expected = Expected(x, e, w, batch, g, Out, s, descending: false);
        T[] actual = (T[])w.Clone(), bias = new T[Out];
        Conv2d.WeightGradient<T>(x, batch, g, e, Out, s, actual, bias, new T[Conv2d.GradientScratch(g, Out, batch)]);
        ThreadingTests.AssertBits<T>(expected, actual, $"conv weight gradient {g}, batch {batch}");
    }

    internal static (T[] X, T[] E, T[] W) Data<T>(int batch, Window2d g, int outChannels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Rng rng = new(91);
        T[] Fill(int n)
        {
            T[] v = new T[n];
            for (int i = 0; i < n; i++)
            {
                v[i] = T.CreateTruncating(rng.NextNormal());
            }

            return v;
        }

        return (Fill(batch * g.InputSize), Fill(batch * outChannels * g.Positions), Fill(outChannels * g.FieldSize));
    }

    /// <summary>θ[o, (c,i,j)] + s · Σ_{b, oh, ow} e[b,o,oh,ow] · x[b, c, oh·s−p+i, ow·s−p+j] (0 outside), one scalar sum per element.</summary>
    internal static T[] Expected<T>(T[] x, T[] e, T[] w, int batch, Window2d g, int outChannels, T s, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] result = (T[])w.Clone();
        int rows = batch * g.Positions;
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int i = 0; i < g.KernelH; i++)
                {
                    for (int j = 0; j < g.KernelW; j++)
                    {
                        T r = T.Zero;
                        for (int n = 0; n < rows; n++)
                        {
                            int row = descending ? rows - 1 - n : n;
                            int b = row / g.Positions, p = row % g.Positions, oh = p / g.OutW, ow = p % g.OutW;
                            int h = (oh * g.StrideH) - g.PadH + i, wc = (ow * g.StrideW) - g.PadW + j;
                            bool inside = (uint)h < (uint)g.Height && (uint)wc < (uint)g.Width;
                            T xv = inside ? x[(b * g.InputSize) + (c * g.Height * g.Width) + (h * g.Width) + wc] : T.Zero;
                            r += e[(((b * outChannels) + o) * g.Positions) + p] * xv;
                        }

                        int index = (o * g.FieldSize) + (((c * g.KernelH) + i) * g.KernelW) + j;
                        result[index] += s * r;
                    }
                }
            }
        }

        return result;
    }
}
