using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The packed update <c>W ← W + s·EᵀF</c> (<see cref="Gemm.AccumulateTN{T}"/>, 6-row × 4-vector register tiles over
/// packed panels of E and F): every element must be bit-identical to the naive twin <see cref="Reference.AccumulateTN{T}"/>,
/// which sums <c>r = ((+0 + E[0,i]F[0,j]) + E[1,i]F[1,j]) + …</c> in ascending sample order and then adds <c>s·r</c> — the
/// order the kernel promises (docs/determinism.md). Shapes run every path: rows not a multiple of the 6-row tile (zero-padded
/// panel of E), columns not a multiple of the strip (zero-padded panel of F, 32 floats / 16 doubles) nor of a vector, last strips of
/// at most two vectors (the half-width tile: 784, 40, 33, 7 columns) and of more (31),
/// batches 2, 3, 5, 64, 65, several E packs and F packs (more than 256 columns),
/// and batches whose strip panel exceeds the stack limit (600 samples in float, 1100 in both: the unpacked path with its
/// element-by-element edges). Negative control: the same comparison against the twin summed in descending sample order fails.
/// </summary>
public class GemmUpdateTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 2, 1, 1 },
        { 2, 6, 32 },      // one whole tile and strip in float, two strips in double
        { 3, 5, 7 },       // less than one tile, less than one vector
        { 5, 7, 33 },      // one whole tile + 1 row; one strip + 1 column (float)
        { 64, 13, 65 },
        { 65, 12, 31 },
        { 64, 10, 256 },   // the output layer of 784-256-256-10
        { 64, 256, 784 },  // the first layer: one pack of E (43 tiles), four of F, a half-width last strip in float
        { 65, 257, 40 },
        { 500, 100, 20 },  // two packs of E (ten 6-row tiles of 500 samples per pack), packed F in both types
        { 600, 13, 70 },   // float: 600 · 32 > 2¹⁴, unpacked; double: packed, one strip per F pack
        { 1100, 7, 37 },   // unpacked in both
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_update_is_bit_identical_to_the_ascending_naive_sum_float(int batch, int m, int k) => MatchesTwin<float>(batch, m, k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_update_is_bit_identical_to_the_ascending_naive_sum_double(int batch, int m, int k) => MatchesTwin<double>(batch, m, k);

    /// <summary>Shapes that split into several row blocks on two or three threads (work ≥ 2·2¹⁹ multiply–adds).</summary>
    public static TheoryData<int, int, int> ThreadedShapes => new()
    {
        { 64, 256, 784 },
        { 64, 100, 300 },
        { 65, 257, 70 },
    };

    [Theory]
    [MemberData(nameof(ThreadedShapes))]
    public void Two_and_three_threads_give_the_bits_of_one_and_of_the_twin_float(int batch, int m, int k) => ThreadsAgree<float>(batch, m, k);

    [Theory]
    [MemberData(nameof(ThreadedShapes))]
    public void Two_and_three_threads_give_the_bits_of_one_and_of_the_twin_double(int batch, int m, int k) => ThreadsAgree<double>(batch, m, k);

    [Fact]
    public void Infinities_in_the_padded_tile_and_strip_reach_only_their_own_elements()
    {
        // 7 rows (the second tile has one real row and five padded ones), 37 columns (a partial strip): an infinity in
        // the real row of E and in the partial strip of F makes 0·∞ = NaN in padded lanes, which must not be stored.
        const int batch = 5, m = 7, k = 37;
        float[] e = Numeric.Normal<float>(batch * m, 201), f = Numeric.Normal<float>(batch * k, 202), w = Numeric.Normal<float>(m * k, 203);
        e[(2 * m) + 6] = float.PositiveInfinity;
        f[(3 * k) + 35] = float.NegativeInfinity;
        float[] fast = (float[])w.Clone(), twin = (float[])w.Clone();
        Gemm.AccumulateTN<float>(fast, m, k, 0.25f, e, f, batch, new float[k]);
        Reference.AccumulateTN<float>(twin, m, k, 0.25f, e, f, batch);
        ThreadingTests.AssertBits<float>(twin, fast, "update with infinities");
        Assert.True(float.IsInfinity(fast[(6 * k) + 0]) && float.IsFinite(fast[(5 * k) + 0]), "the infinity reaches row 6 only");
    }

    [Fact]
    public void The_comparison_fails_against_the_twin_summed_in_descending_sample_order()
    {
        const int batch = 64, m = 13, k = 65;
        float[] e = Numeric.Normal<float>(batch * m, 211), f = Numeric.Normal<float>(batch * k, 212), w = Numeric.Normal<float>(m * k, 213);
        float[] fast = (float[])w.Clone();
        Gemm.AccumulateTN<float>(fast, m, k, 0.01f, e, f, batch, new float[k]);
        float[] reversed = (float[])w.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < k; j++)
            {
                float r = 0f;
                for (int b = batch - 1; b >= 0; b--)
                {
                    r += e[(b * m) + i] * f[(b * k) + j];
                }

                reversed[(i * k) + j] += 0.01f * r;
            }
        }

        Assert.NotNull(ThreadingTests.FirstBitDifference<float>(reversed, fast, "descending order"));
    }

    private static void MatchesTwin<T>(int batch, int m, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] e = Numeric.Normal<T>(batch * m, 221), f = Numeric.Normal<T>(batch * k, 222), w = Numeric.Normal<T>(m * k, 223);
        T s = T.CreateTruncating(0.01);
        T[] fast = (T[])w.Clone(), twin = (T[])w.Clone();
        Gemm.AccumulateTN<T>(fast, m, k, s, e, f, batch, new T[k]);
        Reference.AccumulateTN<T>(twin, m, k, s, e, f, batch);
        ThreadingTests.AssertBits<T>(twin, fast, $"W + s Eᵀ F ({m}×{k}, batch {batch}) vs naive twin");
    }

    private static void ThreadsAgree<T>(int batch, int m, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(Parallelism.Blocks((long)batch * m * k, m) >= 2, "the shape splits into blocks");
        T[] e = Numeric.Normal<T>(batch * m, 231), f = Numeric.Normal<T>(batch * k, 232), w = Numeric.Normal<T>(m * k, 233);
        T s = T.CreateTruncating(0.01);
        T[] Run()
        {
            T[] u = (T[])w.Clone();
            Gemm.AccumulateTN<T>(u, m, k, s, e, f, batch, new T[k]);
            return u;
        }

        T[] one = ThreadingTests.WithThreads(1, Run), two = ThreadingTests.WithThreads(2, Run), three = ThreadingTests.WithThreads(3, Run);
        T[] twin = (T[])w.Clone();
        Reference.AccumulateTN<T>(twin, m, k, s, e, f, batch);
        ThreadingTests.AssertBits<T>(twin, one, $"1 thread vs twin ({m}×{k}, batch {batch})");
        ThreadingTests.AssertBits<T>(one, two, $"2 threads vs 1 ({m}×{k}, batch {batch})");
        ThreadingTests.AssertBits<T>(one, three, $"3 threads vs 1 ({m}×{k}, batch {batch})");
    }
}
