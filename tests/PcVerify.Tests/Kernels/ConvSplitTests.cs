using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The conv kernels' own splits across threads (docs/determinism.md): the forward pass and the input gradient take
/// whole images on several threads, each in its own scratch slot; the weight gradient gives each thread a strip-aligned
/// range of columns, which it takes through every image (its columns of im2col, its running sums, its rule) plus a share
/// of the bias sums. The oracle for every output is the one-thread result (whose order <see cref="ConvOrderTests"/>
/// and the reference-twin tests pin), bit for bit; the weight gradient is also checked against the ascending-order
/// scalar oracle of <see cref="ConvOrderTests"/>, and the bias against its ascending sum written out. The shapes are
/// chosen so each split really happens (≥ 2 blocks of <see cref="Parallelism.WorkPerBlock"/>, ≥ 2 images, ≥ 2 strips,
/// a last strip that is partial, kernels that are not 3 wide, stride and padding that differ per axis).
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class ConvSplitTests
{
    private static readonly (int Batch, int Out, Window2d G, int Threads)[] Cases =
    [
        (4, 16, new Window2d(8, 16, 16, 3, 3, 1, 1, 1, 1), 2),
        (4, 16, new Window2d(8, 16, 16, 3, 3, 1, 1, 1, 1), 3),
        (9, 24, new Window2d(7, 15, 13, 5, 3, 2, 1, 2, 0), 2), // channels, H, W, kh, kw, sh, sw, ph, pw
        (9, 24, new Window2d(7, 15, 13, 5, 3, 2, 1, 2, 0), 3),
        (2, 32, new Window2d(16, 16, 16, 3, 3, 1, 1, 1, 1), 3), // fewer images than threads
        (6, 24, new Window2d(6, 12, 14, 3, 5, 1, 2, 1, 2), 2), // 5-wide kernel rows cut by the column ranges
        (6, 24, new Window2d(6, 12, 14, 3, 5, 1, 2, 1, 2), 3),
    ];

    public static TheoryData<int> CaseIndices => new() { 0, 1, 2, 3, 4, 5, 6 };

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Split_conv_kernels_give_the_bits_of_one_thread_float(int index) =>
        SplitMatchesOneThread<float>(Cases[index].Batch, Cases[index].Out, Cases[index].G, Cases[index].Threads);

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Split_conv_kernels_give_the_bits_of_one_thread_double(int index) =>
        SplitMatchesOneThread<double>(Cases[index].Batch, Cases[index].Out, Cases[index].G, Cases[index].Threads);

    [Fact]
    public void The_bias_oracle_detects_a_changed_summation_order()
    {
        Window2d g = new(3, 9, 9, 3, 3, 1, 1, 1, 1);
        (float[] _, float[] e, float[] _) = ConvOrderTests.Data<float>(4, g, 5);
        float[] bias = [0.5f, -0.25f, 1f, 2f, -3f];
        Assert.NotNull(ThreadingTests.FirstBitDifference<float>(
            ExpectedBias(e, bias, 4, g, 5, 0.37f, descending: false), ExpectedBias(e, bias, 4, g, 5, 0.37f, descending: true), "bias"));
    }

    private static void SplitMatchesOneThread<T>(int batch, int outChannels, Window2d g, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = (long)batch * outChannels * g.Positions * g.FieldSize;
        Assert.True(Parallelism.Blocks(work, Parallelism.MaxBlocks) >= 2, "the kernels must have work for two blocks");
        Assert.True(g.FieldSize > 3 * Vector<T>.Count, "the weight gradient must have two strips of columns");

        (T[] x, T[] e, T[] w) = ConvOrderTests.Data<T>(batch, g, outChannels);
        T[] bias = new T[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            bias[o] = T.CreateTruncating(0.1 * (o - 3));
        }

        T s = T.CreateTruncating(0.37);
        int scratchLength = Math.Max(threads * Conv2d.Scratch(g, outChannels), Conv2d.GradientScratch(g, outChannels, batch));
        (T[] Y, T[] Dx, T[] W, T[] Bias) Run(int n)
        {
            int saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = n;
                T[] scratch = new T[scratchLength];
                scratch.AsSpan().Fill(T.NaN);
                T[] y = new T[e.Length], dx = new T[x.Length], dw = (T[])w.Clone(), db = (T[])bias.Clone();
                y.AsSpan().Fill(T.NaN);
                dx.AsSpan().Fill(T.NaN);
                Conv2d.Forward<T>(x, batch, g, w, outChannels, bias, y, scratch);
                Conv2d.InputGradient<T>(e, batch, g, w, outChannels, dx, scratch);
                Conv2d.WeightGradient<T>(x, batch, g, e, outChannels, s, dw, db, scratch);
                return (y, dx, dw, db);
            }
            finally
            {
                Parallelism.MaxThreads = saved;
            }
        }

        var one = Run(1);
        var many = Run(threads);
        string what = $"{g}, batch {batch}, out {outChannels}, {threads} threads vs 1";
        ThreadingTests.AssertBits<T>(one.Y, many.Y, $"forward {what}");
        ThreadingTests.AssertBits<T>(one.Dx, many.Dx, $"input gradient {what}");
        ThreadingTests.AssertBits<T>(one.W, many.W, $"weight gradient {what}");
        ThreadingTests.AssertBits<T>(one.Bias, many.Bias, $"bias rule {what}");
        ThreadingTests.AssertBits<T>(ConvOrderTests.Expected(x, e, w, batch, g, outChannels, s, descending: false), many.W, $"weight gradient order {what}");
        ThreadingTests.AssertBits<T>(ExpectedBias(e, bias, batch, g, outChannels, s, descending: false), many.Bias, $"bias order {what}");
    }

    /// <summary>β[o] + s · Σ_{b, p} e[b, o, p], summed from +0 over the rows (b, p) in ascending (or descending) order.</summary>
    private static T[] ExpectedBias<T>(T[] e, T[] bias, int batch, Window2d g, int outChannels, T s, bool descending)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] result = (T[])bias.Clone();
        int rows = batch * g.Positions;
        for (int o = 0; o < outChannels; o++)
        {
            T r = T.Zero;
            for (int n = 0; n < rows; n++)
            {
                int row = descending ? rows - 1 - n : n;
                int b = row / g.Positions, p = row % g.Positions;
                r += e[(((b * outChannels) + o) * g.Positions) + p];
            }

            result[o] += s * r;
        }

        return result;
    }
}
