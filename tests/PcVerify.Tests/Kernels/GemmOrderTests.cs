using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The summation-order contract of the blocked GEMM kernels (docs/determinism.md): every element of the forward
/// product equals <see cref="Dot.Compute{T}"/> of its row and sample bit for bit, whichever tile computed it
/// (6-sample × 4-row tiles, 4×4 tiles, 1-sample tiles, 1-row tiles, the per-element remainder) and whether or not <c>k</c> leaves a scalar
/// tail. Oracle: <see cref="Dot"/>'s one-accumulator loop with its lane-by-lane scalar finish, which the tiles' transposed
/// finish must reproduce. The backward product and the update sum in plain ascending order, so their oracle is the
/// naive twin in <see cref="Reference"/>. Negative control: the comparison catches one ulp.
/// </summary>
public class GemmOrderTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 7, 203, 1037 }, // every remainder: batch 6+1, rows 4q+3, k with a tail for Count 8 and 4
        { 64, 10, 256 },  // the output layer of 784-256-256-10: ten 6-sample and one 4-sample tile, two 1-row tiles, no tail
        { 65, 9, 37 },    // batch 6·10+4+1, rows 4·2+1, a tail
        { 5, 6, 3 },      // k below one vector: the tail is the whole dot
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_forward_element_is_the_dot_of_its_row_and_sample_float(int batch, int m, int k) => ForwardIsDot<float>(batch, m, k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_forward_element_is_the_dot_of_its_row_and_sample_double(int batch, int m, int k) => ForwardIsDot<double>(batch, m, k);

    /// <summary>
    /// Shapes for the backward product (and the update, whose own paths GemmUpdateTests covers): (64, 256, 256) packs
    /// the strips of W (rows 1 KiB apart); 700 rows of W exceed the packing limit for the backward strip; 700 samples
    /// take the update's unpacked path in float.
    /// </summary>
    public static TheoryData<int, int, int> PackingShapes => new()
    {
        { 64, 256, 256 },
        { 70, 260, 53 },
        { 700, 5, 30 },
        { 8, 700, 30 },
        { 700, 5, 128 },
    };

    [Theory]
    [MemberData(nameof(PackingShapes))]
    public void The_backward_product_and_the_update_are_bit_identical_to_their_naive_twins_float(int batch, int m, int k) => TwinsAgree<float>(batch, m, k);

    [Theory]
    [MemberData(nameof(PackingShapes))]
    public void The_backward_product_and_the_update_are_bit_identical_to_their_naive_twins_double(int batch, int m, int k) => TwinsAgree<double>(batch, m, k);

    [Fact]
    public void The_bit_comparison_detects_one_ulp()
    {
        float[] a = [1f, 2f], b = [1f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(2f) + 1)];
        Assert.NotNull(ThreadingTests.FirstBitDifference<float>(a, b, "x"));
    }

    private static void ForwardIsDot<T>(int batch, int m, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Normal<T>(batch * k, 81), w = Normal<T>(m * k, 82), c = new T[batch * m], expected = new T[batch * m];
        Gemm.MultiplyNT<T>(a, batch, k, w, m, c);
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < m; i++)
            {
                expected[(b * m) + i] = Dot.Compute<T>(a.AsSpan(b * k, k), w.AsSpan(i * k, k));
            }
        }

        ThreadingTests.AssertBits<T>(expected, c, $"A Wᵀ ({batch}×{k} by {m}×{k}) vs Dot");
    }

    private static void TwinsAgree<T>(int batch, int m, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] e = Normal<T>(batch * m, 83), w = Normal<T>(m * k, 84), f = Normal<T>(batch * k, 85);
        T[] g = new T[batch * k], expected = new T[batch * k];
        Gemm.MultiplyNN<T>(e, batch, m, w, k, g);
        Reference.MultiplyNN<T>(e, batch, m, w, k, expected);
        ThreadingTests.AssertBits<T>(expected, g, $"E W ({batch}×{m} by {m}×{k}) vs naive twin");

        T s = T.CreateTruncating(0.01);
        T[] updated = (T[])w.Clone(), twin = (T[])w.Clone();
        Gemm.AccumulateTN<T>(updated, m, k, s, e, f, batch, new T[k]);
        Reference.AccumulateTN<T>(twin, m, k, s, e, f, batch);
        ThreadingTests.AssertBits<T>(twin, updated, $"W + s Eᵀ F ({m}×{k}, batch {batch}) vs naive twin");
    }

    private static T[] Normal<T>(int n, ulong seed)
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
