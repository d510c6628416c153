using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The three matrix–matrix products of a batch of <c>B</c> pairs. Samples are rows: a batch of layer
/// values is a <c>B × n</c> row-major matrix; a weight matrix <c>θ^{l+1}</c> is <c>n^l × n^{l+1}</c> row-major.
/// </summary>
/// <remarks>
/// <para>Every element is accumulated in the same order as the corresponding per-sample kernel
/// (<see cref="Gemv"/>/<see cref="Dot"/>, <see cref="GemvTransposed"/>), so row <c>b</c> of a batched product is
/// bit-identical to the single-sample product of sample <c>b</c>. The loops are register-blocked (4 weight rows ×
/// 6 (then 4) samples of independent accumulators for the forward product; 4 samples × 3 (then 1) vectors of columns for
/// the backward product; 6 rows × 4 vectors over packed panels for the update, <c>GemmUpdate.cs</c>) so that each load serves several multiply–adds; the
/// blocking changes which elements are computed together, never the arithmetic of one element. The same holds for
/// the cache measures (docs/performance.md, issue 15): strips of an operand copied into a stack buffer (exact
/// copies), loop orders, and the forward tiles' transposed finish (<see cref="Dot"/>'s lane order, four dots at once).</para>
/// <para>Large products are split across <see cref="Parallelism.MaxThreads"/> threads by a partition that depends
/// on the shapes only (the update: on the thread count as well, see <see cref="TN{T}"/>): rows of the weight matrix for
/// the forward product and the update, columns for the backward product. Each output element is computed by one
/// thread, so results do not depend on the thread count.</para>
/// </remarks>
public static partial class Gemm
{
    /// <summary>
    /// Forward: <c>C[b,i] = Σ_j A[b,j] · W[i,j]</c>, i.e. <c>C = A Wᵀ</c> (<c>μ = f(x) θᵀ</c> for a batch).
    /// Shapes: <c>a</c> B×k, <c>w</c> m×k, <c>c</c> B×m.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void MultiplyNT<T>(ReadOnlySpan<T> a, int batch, int k, ReadOnlySpan<T> w, int m, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, batch, k, nameof(a));
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(c.Length, batch, m, nameof(c));
        NT(ref MemoryMarshal.GetReference(a), batch, k, ref MemoryMarshal.GetReference(w), m, ref MemoryMarshal.GetReference(c));
    }

    /// <summary>
    /// Backward: <c>G[b,j] = Σ_i E[b,i] · W[i,j]</c>, i.e. <c>G = E W</c> (<c>(θ^l)ᵀ ε^{l-1}</c> for a batch).
    /// Shapes: <c>e</c> B×m, <c>w</c> m×k, <c>g</c> B×k.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void MultiplyNN<T>(ReadOnlySpan<T> e, int batch, int m, ReadOnlySpan<T> w, int k, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(e.Length, batch, m, nameof(e));
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(g.Length, batch, k, nameof(g));
        NN(ref MemoryMarshal.GetReference(e), batch, m, ref MemoryMarshal.GetReference(w), k, ref MemoryMarshal.GetReference(g));
    }

    /// <summary>
    /// Running sums of the update: <c>R[i,j] ← R[i,j] + Σ_b E[b,i] · F[b,j]</c> over <c>b = 0 .. rows−1</c> ascending,
    /// each element's sum continuing from the value in <paramref name="r"/> (stored and reloaded exactly). Calling it
    /// on consecutive row ranges, from <c>R = +0</c>, performs the additions of <see cref="AccumulateTN{T}"/>'s
    /// <c>r</c>, so <c>W + s·R</c> is its result (for more than one row in all). Shapes: <c>r</c> m×k, <c>e</c> rows×m,
    /// <c>f</c> rows×k.
    /// </summary>
    internal static unsafe void AccumulateProducts<T>(Span<T> r, int m, int k, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(r.Length, m, k, nameof(r));
        Shapes.CheckMatrix(e.Length, rows, m, nameof(e));
        Shapes.CheckMatrix(f.Length, rows, k, nameof(f));
        int strip = 3 * Vector<T>.Count;
        int strips = (k + strip - 1) / strip;
        int blocks = Parallelism.Blocks((long)rows * m * k, Math.Min(Parallelism.MaxBlocks, strips));
        fixed (T* pr = r, pe = e, pf = f)
        {
            if (blocks <= 1)
            {
                ProductsCols(ref *pr, m, k, ref *pe, ref *pf, rows, 0, k);
                return;
            }

            int per = strip * ((strips + blocks - 1) / blocks);
            ProductsJob<T> job = new() { R = pr, E = pe, F = pf, M = m, K = k, Rows = rows, Per = per };
            WorkerPool.Run(job, (k + per - 1) / per);
        }
    }

    // ---- Partitioning and dispatch (shapes only decide the blocks). ----

    private static int Quads(int rows) => (rows + 3) / 4;

    /// <summary>Rows per block, a multiple of 4, for <paramref name="blocks"/> blocks over <paramref name="m"/> rows.</summary>
    private static int RowsPerBlock(int m, int blocks) => 4 * ((Quads(m) + blocks - 1) / blocks);

    internal static unsafe void NT<T>(ref T a, int batch, int k, ref T w, int m, ref T c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = Parallelism.Blocks((long)batch * m * k, Math.Min(Parallelism.MaxBlocks, Quads(m)));
        if (blocks <= 1)
        {
            NTRows(ref a, batch, k, ref w, m, ref c, 0, m);
            return;
        }

        int per = RowsPerBlock(m, blocks);
        fixed (T* pa = &a, pw = &w, pc = &c)
        {
            NTJob<T> job = new() { A = pa, W = pw, C = pc, Batch = batch, K = k, M = m, Per = per };
            WorkerPool.Run(job, (m + per - 1) / per);
        }
    }

    internal static unsafe void NN<T>(ref T e, int batch, int m, ref T w, int k, ref T g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tile = 3 * Vector<T>.Count;
        int tiles = (k + tile - 1) / tile;
        int blocks = Parallelism.Blocks((long)batch * m * k, Math.Min(Parallelism.MaxBlocks, tiles));
        if (blocks <= 1)
        {
            NNCols(ref e, batch, m, ref w, k, ref g, 0, k);
            return;
        }

        int per = tile * ((tiles + blocks - 1) / blocks);
        fixed (T* pe = &e, pw = &w, pg = &g)
        {
            NNJob<T> job = new() { E = pe, W = pw, G = pg, Batch = batch, M = m, K = k, Per = per };
            WorkerPool.Run(job, (k + per - 1) / per);
        }
    }

    internal static unsafe void Rank1<T>(ref T a, int m, int n, T alpha, ref T u, ref T v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = Parallelism.Blocks((long)m * n, Math.Min(Parallelism.MaxBlocks, Quads(m)));
        if (blocks <= 1)
        {
            Rank1Rows(ref a, n, alpha, ref u, ref v, 0, m);
            return;
        }

        int per = RowsPerBlock(m, blocks);
        fixed (T* pa = &a, pu = &u, pv = &v)
        {
            Rank1Job<T> job = new() { A = pa, U = pu, V = pv, Alpha = alpha, M = m, N = n, Per = per };
            WorkerPool.Run(job, (m + per - 1) / per);
        }
    }

    private unsafe struct NTJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, W, C;
        public int Batch, K, M, Per;

        public readonly void Run(int block) =>
            NTRows(ref *A, Batch, K, ref *W, M, ref *C, block * Per, Math.Min(M, (block + 1) * Per));
    }

    private unsafe struct NNJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* E, W, G;
        public int Batch, M, K, Per;

        public readonly void Run(int block) =>
            NNCols(ref *E, Batch, M, ref *W, K, ref *G, block * Per, Math.Min(K, (block + 1) * Per));
    }

    private unsafe struct Rank1Job<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, U, V;
        public T Alpha;
        public int M, N, Per;

        public readonly void Run(int block) =>
            Rank1Rows(ref *A, N, Alpha, ref *U, ref *V, block * Per, Math.Min(M, (block + 1) * Per));
    }

    private unsafe struct ProductsJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* R, E, F;
        public int M, K, Rows, Per;

        public readonly void Run(int block) =>
            ProductsCols(ref *R, M, K, ref *E, ref *F, Rows, block * Per, Math.Min(K, (block + 1) * Per));
    }

    /// <summary>
    /// Whether the JIT has 32 vector registers to allocate (AVX-512's EVEX encoding), so that the 24-accumulator tiles
    /// of the forward product and the update stay in registers; with 16 (AVX2) they would spill, so both products take
    /// tiles of at most 12 accumulators there. The choice changes which elements are computed together, never the
    /// arithmetic of one element.
    /// </summary>
    internal static readonly bool ThirtyTwoRegisters = Avx512F.VL.IsSupported;

    // ---- Forward: C = A Wᵀ, rows [i0, i1) of W, every sample. ----

    private static void NTRows<T>(ref T a, int batch, int k, ref T w, int m, ref T c, int i0, int i1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Samples in 6-sample tiles (24 accumulators: only where AVX-512 gives 32 vector registers), then 4-sample
        // tiles, then one by one (the slowest); one 6-tile fewer when that leaves fewer single samples (32 = 4·6 + 2·4
        // rather than 5·6 + 2).
        int sixes = ThirtyTwoRegisters ? batch / 6 : 0;
        if (sixes > 0 && (batch - (6 * sixes)) % 4 > (batch - (6 * (sixes - 1))) % 4)
        {
            sixes--;
        }

        sixes *= 6;
        int i = i0;
        for (; i + 4 <= i1; i += 4)
        {
            int b = 0;
            for (; b < sixes; b += 6)
            {
                NT6x4(ref a, k, ref w, ref c, m, b, i);
            }

            for (; b + 4 <= batch; b += 4)
            {
                NT4x4(ref a, k, ref w, ref c, m, b, i);
            }

            for (; b < batch; b++)
            {
                NT1x4(ref Unsafe.Add(ref a, (nint)b * k), k, ref w, ref Unsafe.Add(ref c, (nint)b * m), i);
            }
        }

        for (; i < i1; i++)
        {
            ref T wi = ref Unsafe.Add(ref w, (nint)i * k);
            int b = 0;
            for (; b + 4 <= batch; b += 4)
            {
                NT4x1(ref Unsafe.Add(ref a, (nint)b * k), k, ref wi, ref Unsafe.Add(ref c, ((nint)b * m) + i), m);
            }

            for (; b < batch; b++)
            {
                Unsafe.Add(ref c, ((nint)b * m) + i) = Dot.Unchecked(ref Unsafe.Add(ref a, (nint)b * k), ref wi, k);
            }
        }
    }

    /// <summary>Samples <c>b..b+3</c> (from <paramref name="a"/>), one row: four <see cref="Dot"/>s sharing each load of the row.</summary>
    private static void NT4x1<T>(ref T a, int k, ref T wi, ref T y, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a1 = ref Unsafe.Add(ref a, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        Vector<T> c0 = Vector<T>.Zero, c1 = Vector<T>.Zero, c2 = Vector<T>.Zero, c3 = Vector<T>.Zero;
        int count = Vector<T>.Count, j = 0;
        if (Vector.IsHardwareAccelerated && k >= count)
        {
            for (; j <= k - count; j += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref wi, (nuint)j);
                c0 += Vector.LoadUnsafe(ref a, (nuint)j) * v;
                c1 += Vector.LoadUnsafe(ref a1, (nuint)j) * v;
                c2 += Vector.LoadUnsafe(ref a2, (nuint)j) * v;
                c3 += Vector.LoadUnsafe(ref a3, (nuint)j) * v;
            }
        }

        // The four results are a column of C (stride m): finish them in a row, then scatter.
        Span<T> sums = stackalloc T[4];
        Dot.FinishFour(c0, c1, c2, c3, ref a, k, ref wi, 0, j, k, ref MemoryMarshal.GetReference(sums));
        y = sums[0];
        Unsafe.Add(ref y, m) = sums[1];
        Unsafe.Add(ref y, 2 * m) = sums[2];
        Unsafe.Add(ref y, 3 * m) = sums[3];
    }

    /// <summary>One sample, rows <c>i..i+3</c>: four <see cref="Dot"/>s sharing each load of the sample.</summary>
    private static void NT1x4<T>(ref T x, int k, ref T w, ref T y, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T w0 = ref Unsafe.Add(ref w, (nint)i * k);
        ref T w1 = ref Unsafe.Add(ref w0, k);
        ref T w2 = ref Unsafe.Add(ref w1, k);
        ref T w3 = ref Unsafe.Add(ref w2, k);
        Vector<T> c0 = Vector<T>.Zero, c1 = Vector<T>.Zero, c2 = Vector<T>.Zero, c3 = Vector<T>.Zero;
        int count = Vector<T>.Count, j = 0;
        if (Vector.IsHardwareAccelerated && k >= count)
        {
            for (; j <= k - count; j += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref x, (nuint)j);
                c0 += v * Vector.LoadUnsafe(ref w0, (nuint)j);
                c1 += v * Vector.LoadUnsafe(ref w1, (nuint)j);
                c2 += v * Vector.LoadUnsafe(ref w2, (nuint)j);
                c3 += v * Vector.LoadUnsafe(ref w3, (nuint)j);
            }
        }

        Dot.FinishFour(c0, c1, c2, c3, ref x, 0, ref w0, k, j, k, ref Unsafe.Add(ref y, i));
    }

    /// <summary>
    /// Samples <c>b..b+5</c> × rows <c>i..i+3</c>: 24 <see cref="Dot"/>s, each in its own register (the 32 vector
    /// registers of AVX-512 hold them with the six sample vectors and one row vector); each load of a row serves six samples.
    /// </summary>
    private static void NT6x4<T>(ref T a, int k, ref T w, ref T c, int m, int b, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a0 = ref Unsafe.Add(ref a, (nint)b * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        ref T a4 = ref Unsafe.Add(ref a3, k);
        ref T a5 = ref Unsafe.Add(ref a4, k);
        ref T w0 = ref Unsafe.Add(ref w, (nint)i * k);
        ref T w1 = ref Unsafe.Add(ref w0, k);
        ref T w2 = ref Unsafe.Add(ref w1, k);
        ref T w3 = ref Unsafe.Add(ref w2, k);
        Vector<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector<T> c50 = default, c51 = default, c52 = default, c53 = default;
        int count = Vector<T>.Count, j = 0;
        if (Vector.IsHardwareAccelerated && k >= count)
        {
            for (; j <= k - count; j += count)
            {
                Vector<T> x0 = Vector.LoadUnsafe(ref a0, (nuint)j);
                Vector<T> x1 = Vector.LoadUnsafe(ref a1, (nuint)j);
                Vector<T> x2 = Vector.LoadUnsafe(ref a2, (nuint)j);
                Vector<T> x3 = Vector.LoadUnsafe(ref a3, (nuint)j);
                Vector<T> x4 = Vector.LoadUnsafe(ref a4, (nuint)j);
                Vector<T> x5 = Vector.LoadUnsafe(ref a5, (nuint)j);
                Vector<T> v = Vector.LoadUnsafe(ref w0, (nuint)j);
                c00 += x0 * v;
                c10 += x1 * v;
                c20 += x2 * v;
                c30 += x3 * v;
                c40 += x4 * v;
                c50 += x5 * v;
                v = Vector.LoadUnsafe(ref w1, (nuint)j);
                c01 += x0 * v;
                c11 += x1 * v;
                c21 += x2 * v;
                c31 += x3 * v;
                c41 += x4 * v;
                c51 += x5 * v;
                v = Vector.LoadUnsafe(ref w2, (nuint)j);
                c02 += x0 * v;
                c12 += x1 * v;
                c22 += x2 * v;
                c32 += x3 * v;
                c42 += x4 * v;
                c52 += x5 * v;
                v = Vector.LoadUnsafe(ref w3, (nuint)j);
                c03 += x0 * v;
                c13 += x1 * v;
                c23 += x2 * v;
                c33 += x3 * v;
                c43 += x4 * v;
                c53 += x5 * v;
            }
        }

        ref T r0 = ref Unsafe.Add(ref c, ((nint)b * m) + i);
        Dot.FinishFour(c00, c01, c02, c03, ref a0, 0, ref w0, k, j, k, ref r0);
        Dot.FinishFour(c10, c11, c12, c13, ref a1, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, m));
        Dot.FinishFour(c20, c21, c22, c23, ref a2, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 2 * m));
        Dot.FinishFour(c30, c31, c32, c33, ref a3, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 3 * m));
        Dot.FinishFour(c40, c41, c42, c43, ref a4, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 4 * m));
        Dot.FinishFour(c50, c51, c52, c53, ref a5, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 5 * m));
    }

    /// <summary>Samples <c>b..b+3</c> × rows <c>i..i+3</c>: sixteen <see cref="Dot"/>s, each in its own register.</summary>
    private static void NT4x4<T>(ref T a, int k, ref T w, ref T c, int m, int b, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a0 = ref Unsafe.Add(ref a, (nint)b * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        ref T w0 = ref Unsafe.Add(ref w, (nint)i * k);
        ref T w1 = ref Unsafe.Add(ref w0, k);
        ref T w2 = ref Unsafe.Add(ref w1, k);
        ref T w3 = ref Unsafe.Add(ref w2, k);
        Vector<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector<T> c30 = default, c31 = default, c32 = default, c33 = default;
        int count = Vector<T>.Count, j = 0;
        if (Vector.IsHardwareAccelerated && k >= count)
        {
            for (; j <= k - count; j += count)
            {
                Vector<T> x0 = Vector.LoadUnsafe(ref a0, (nuint)j);
                Vector<T> x1 = Vector.LoadUnsafe(ref a1, (nuint)j);
                Vector<T> x2 = Vector.LoadUnsafe(ref a2, (nuint)j);
                Vector<T> x3 = Vector.LoadUnsafe(ref a3, (nuint)j);
                Vector<T> v = Vector.LoadUnsafe(ref w0, (nuint)j);
                c00 += x0 * v;
                c10 += x1 * v;
                c20 += x2 * v;
                c30 += x3 * v;
                v = Vector.LoadUnsafe(ref w1, (nuint)j);
                c01 += x0 * v;
                c11 += x1 * v;
                c21 += x2 * v;
                c31 += x3 * v;
                v = Vector.LoadUnsafe(ref w2, (nuint)j);
                c02 += x0 * v;
                c12 += x1 * v;
                c22 += x2 * v;
                c32 += x3 * v;
                v = Vector.LoadUnsafe(ref w3, (nuint)j);
                c03 += x0 * v;
                c13 += x1 * v;
                c23 += x2 * v;
                c33 += x3 * v;
            }
        }

        ref T r0 = ref Unsafe.Add(ref c, ((nint)b * m) + i);
        Dot.FinishFour(c00, c01, c02, c03, ref a0, 0, ref w0, k, j, k, ref r0);
        Dot.FinishFour(c10, c11, c12, c13, ref a1, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, m));
        Dot.FinishFour(c20, c21, c22, c23, ref a2, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 2 * m));
        Dot.FinishFour(c30, c31, c32, c33, ref a3, 0, ref w0, k, j, k, ref Unsafe.Add(ref r0, 3 * m));
    }

    // ---- Backward: G = E W, columns [j0, j1) of W, every sample. Each G[b,j] = ((+0 + E[b,0]W[0,j]) + …). ----

    /// <remarks>
    /// A strip of W (m × 3·Count, its rows k apart) serves every 4-sample tile; when it fits in
    /// <see cref="PackLimit"/> it is first copied into a contiguous stack buffer, for the reason given at
    /// <see cref="TNRows{T}"/> (rows 1 KiB apart evict each other). The copy is exact.
    /// </remarks>
    [SkipLocalsInit]
    private static void NNCols<T>(ref T e, int batch, int m, ref T w, int k, ref T g, int j0, int j1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Vector<T>.Count;
        int quads = Vector.IsHardwareAccelerated ? batch / 4 * 4 : 0;
        int j = j0;
        if (quads > 0)
        {
            int strip = 3 * count;
            Span<T> pw = quads > 4 && m * strip <= PackLimit ? stackalloc T[m * strip] : default;
            for (; j + strip <= j1; j += strip)
            {
                scoped ref T wj = ref Unsafe.Add(ref w, j);
                int wStride = k;
                if (!pw.IsEmpty)
                {
                    for (int i = 0; i < m; i++)
                    {
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref wj, (nint)i * k), strip).CopyTo(pw.Slice(i * strip, strip));
                    }

                    wj = ref MemoryMarshal.GetReference(pw);
                    wStride = strip;
                }

                for (int b = 0; b < quads; b += 4)
                {
                    NN4x3(ref e, m, ref wj, wStride, k, ref g, b, j);
                }
            }

            for (; j + count <= j1; j += count)
            {
                for (int b = 0; b < quads; b += 4)
                {
                    NN4x1(ref e, m, ref w, k, ref g, b, j);
                }
            }
        }

        // What the tiles did not cover: the remaining columns of the first `quads` samples, and every column of
        // the other samples, row by row (y = 0; y += E[b,i] · W_i for ascending i — the same arithmetic).
        for (int b = 0; b < batch; b++)
        {
            int from = b < quads ? j : j0;
            int len = j1 - from;
            if (len <= 0)
            {
                continue;
            }

            ref T y = ref Unsafe.Add(ref g, ((nint)b * k) + from);
            MemoryMarshal.CreateSpan(ref y, len).Clear();
            ref T eb = ref Unsafe.Add(ref e, (nint)b * m);
            for (int i = 0; i < m; i++)
            {
                Axpy.Unchecked(Unsafe.Add(ref eb, i), ref Unsafe.Add(ref w, ((nint)i * k) + from), ref y, len);
            }
        }
    }

    /// <summary>Samples <c>b..b+3</c> × columns <c>j .. j+3·Count−1</c>, accumulated over every row in registers.</summary>
    /// <remarks><paramref name="w"/> is W[0, j] with row stride <paramref name="wStride"/>; <paramref name="k"/> is G's row stride.</remarks>
    private static void NN4x3<T>(ref T e, int m, ref T w, int wStride, int k, ref T g, int b, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Vector<T>.Count;
        ref T e0 = ref Unsafe.Add(ref e, (nint)b * m);
        ref T e1 = ref Unsafe.Add(ref e0, m);
        ref T e2 = ref Unsafe.Add(ref e1, m);
        ref T e3 = ref Unsafe.Add(ref e2, m);
        Vector<T> g00 = default, g01 = default, g02 = default;
        Vector<T> g10 = default, g11 = default, g12 = default;
        Vector<T> g20 = default, g21 = default, g22 = default;
        Vector<T> g30 = default, g31 = default, g32 = default;
        ref T wi = ref w;
        for (int i = 0; i < m; i++)
        {
            Vector<T> w0 = Vector.LoadUnsafe(ref wi);
            Vector<T> w1 = Vector.LoadUnsafe(ref wi, (nuint)count);
            Vector<T> w2 = Vector.LoadUnsafe(ref wi, (nuint)(2 * count));
            Vector<T> s = new(Unsafe.Add(ref e0, i));
            g00 += s * w0;
            g01 += s * w1;
            g02 += s * w2;
            s = new(Unsafe.Add(ref e1, i));
            g10 += s * w0;
            g11 += s * w1;
            g12 += s * w2;
            s = new(Unsafe.Add(ref e2, i));
            g20 += s * w0;
            g21 += s * w1;
            g22 += s * w2;
            s = new(Unsafe.Add(ref e3, i));
            g30 += s * w0;
            g31 += s * w1;
            g32 += s * w2;
            wi = ref Unsafe.Add(ref wi, wStride);
        }

        ref T y0 = ref Unsafe.Add(ref g, ((nint)b * k) + j);
        ref T y1 = ref Unsafe.Add(ref y0, k);
        ref T y2 = ref Unsafe.Add(ref y1, k);
        ref T y3 = ref Unsafe.Add(ref y2, k);
        g00.StoreUnsafe(ref y0);
        g01.StoreUnsafe(ref y0, (nuint)count);
        g02.StoreUnsafe(ref y0, (nuint)(2 * count));
        g10.StoreUnsafe(ref y1);
        g11.StoreUnsafe(ref y1, (nuint)count);
        g12.StoreUnsafe(ref y1, (nuint)(2 * count));
        g20.StoreUnsafe(ref y2);
        g21.StoreUnsafe(ref y2, (nuint)count);
        g22.StoreUnsafe(ref y2, (nuint)(2 * count));
        g30.StoreUnsafe(ref y3);
        g31.StoreUnsafe(ref y3, (nuint)count);
        g32.StoreUnsafe(ref y3, (nuint)(2 * count));
    }

    /// <summary>Samples <c>b..b+3</c> × columns <c>j .. j+Count−1</c> (the columns the 3-vector tiles leave).</summary>
    private static void NN4x1<T>(ref T e, int m, ref T w, int k, ref T g, int b, int j)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T e0 = ref Unsafe.Add(ref e, (nint)b * m);
        ref T e1 = ref Unsafe.Add(ref e0, m);
        ref T e2 = ref Unsafe.Add(ref e1, m);
        ref T e3 = ref Unsafe.Add(ref e2, m);
        Vector<T> g0 = default, g1 = default, g2 = default, g3 = default;
        ref T wi = ref Unsafe.Add(ref w, j);
        for (int i = 0; i < m; i++)
        {
            Vector<T> v = Vector.LoadUnsafe(ref wi);
            g0 += new Vector<T>(Unsafe.Add(ref e0, i)) * v;
            g1 += new Vector<T>(Unsafe.Add(ref e1, i)) * v;
            g2 += new Vector<T>(Unsafe.Add(ref e2, i)) * v;
            g3 += new Vector<T>(Unsafe.Add(ref e3, i)) * v;
            wi = ref Unsafe.Add(ref wi, k);
        }

        ref T y0 = ref Unsafe.Add(ref g, ((nint)b * k) + j);
        g0.StoreUnsafe(ref y0);
        g1.StoreUnsafe(ref Unsafe.Add(ref y0, k));
        g2.StoreUnsafe(ref Unsafe.Add(ref y0, 2 * k));
        g3.StoreUnsafe(ref Unsafe.Add(ref y0, 3 * k));
    }

    /// <summary>The largest operand panel, in elements, that a product copies into a stack buffer.</summary>
    private const int PackLimit = 1 << 14;

    // ---- Running sums R += Eᵀ F, columns [j0, j1): rows in chunks, so a chunk of a strip of F stays in L1 for every 4-row tile. ----

    private const int ProductChunk = 256;

    /// <summary>
    /// <see cref="AccumulateProducts{T}"/> on columns <c>[j0, j1)</c> only, on the calling thread. Every element's
    /// additions are the same whatever the column range, as long as <paramref name="j0"/> is a multiple of
    /// <c>3·Vector&lt;T&gt;.Count</c> (a strip) and <paramref name="j1"/> is one too or <c>k</c>.
    /// </summary>
    internal static void ProductsCols<T>(ref T r, int m, int k, ref T e, ref T f, int rows, int j0, int j1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Vector<T>.Count;
        int strip = 3 * count;
        for (int b0 = 0; b0 < rows; b0 += ProductChunk)
        {
            int n = Math.Min(ProductChunk, rows - b0);
            ref T eb = ref Unsafe.Add(ref e, (nint)b0 * m);
            ref T fb = ref Unsafe.Add(ref f, (nint)b0 * k);
            int j = j0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j + strip <= j1; j += strip)
                {
                    int i = 0;
                    for (; i + 4 <= m; i += 4)
                    {
                        Products4x3(ref Unsafe.Add(ref r, ((nint)i * k) + j), k, ref Unsafe.Add(ref eb, i), m, ref Unsafe.Add(ref fb, j), n);
                    }

                    for (; i < m; i++)
                    {
                        for (int v = 0; v < 3; v++)
                        {
                            Products1x1(ref Unsafe.Add(ref r, ((nint)i * k) + j + (v * count)), ref Unsafe.Add(ref eb, i), m, ref Unsafe.Add(ref fb, j + (v * count)), k, n);
                        }
                    }
                }

                for (; j + count <= j1; j += count)
                {
                    for (int i = 0; i < m; i++)
                    {
                        Products1x1(ref Unsafe.Add(ref r, ((nint)i * k) + j), ref Unsafe.Add(ref eb, i), m, ref Unsafe.Add(ref fb, j), k, n);
                    }
                }
            }

            for (int i = 0; i < m; i++)
            {
                for (int jj = j; jj < j1; jj++)
                {
                    ref T acc = ref Unsafe.Add(ref r, ((nint)i * k) + jj);
                    T sum = acc;
                    for (int b = 0; b < n; b++)
                    {
                        sum += Unsafe.Add(ref eb, ((nint)b * m) + i) * Unsafe.Add(ref fb, ((nint)b * k) + jj);
                    }

                    acc = sum;
                }
            }
        }
    }

    /// <summary>R[i..i+3, j .. j+3·Count−1] += Σ_b E[b, i..i+3] F[b, j..]: the update's loop (4 rows × 3 vectors) between a load and a store of R.</summary>
    private static void Products4x3<T>(ref T r, int k, ref T e, int m, ref T f, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Vector<T>.Count;
        ref T r1 = ref Unsafe.Add(ref r, k);
        ref T r2 = ref Unsafe.Add(ref r, 2 * k);
        ref T r3 = ref Unsafe.Add(ref r, 3 * k);
        Vector<T> r00 = Vector.LoadUnsafe(ref r), r01 = Vector.LoadUnsafe(ref r, (nuint)count), r02 = Vector.LoadUnsafe(ref r, (nuint)(2 * count));
        Vector<T> r10 = Vector.LoadUnsafe(ref r1), r11 = Vector.LoadUnsafe(ref r1, (nuint)count), r12 = Vector.LoadUnsafe(ref r1, (nuint)(2 * count));
        Vector<T> r20 = Vector.LoadUnsafe(ref r2), r21 = Vector.LoadUnsafe(ref r2, (nuint)count), r22 = Vector.LoadUnsafe(ref r2, (nuint)(2 * count));
        Vector<T> r30 = Vector.LoadUnsafe(ref r3), r31 = Vector.LoadUnsafe(ref r3, (nuint)count), r32 = Vector.LoadUnsafe(ref r3, (nuint)(2 * count));
        ref T fb = ref f;
        ref T eb = ref e;
        for (int b = 0; b < n; b++)
        {
            Vector<T> f0 = Vector.LoadUnsafe(ref fb);
            Vector<T> f1 = Vector.LoadUnsafe(ref fb, (nuint)count);
            Vector<T> f2 = Vector.LoadUnsafe(ref fb, (nuint)(2 * count));
            Vector<T> v = new(eb);
            r00 += v * f0;
            r01 += v * f1;
            r02 += v * f2;
            v = new(Unsafe.Add(ref eb, 1));
            r10 += v * f0;
            r11 += v * f1;
            r12 += v * f2;
            v = new(Unsafe.Add(ref eb, 2));
            r20 += v * f0;
            r21 += v * f1;
            r22 += v * f2;
            v = new(Unsafe.Add(ref eb, 3));
            r30 += v * f0;
            r31 += v * f1;
            r32 += v * f2;
            fb = ref Unsafe.Add(ref fb, k);
            eb = ref Unsafe.Add(ref eb, m);
        }

        r00.StoreUnsafe(ref r);
        r01.StoreUnsafe(ref r, (nuint)count);
        r02.StoreUnsafe(ref r, (nuint)(2 * count));
        r10.StoreUnsafe(ref r1);
        r11.StoreUnsafe(ref r1, (nuint)count);
        r12.StoreUnsafe(ref r1, (nuint)(2 * count));
        r20.StoreUnsafe(ref r2);
        r21.StoreUnsafe(ref r2, (nuint)count);
        r22.StoreUnsafe(ref r2, (nuint)(2 * count));
        r30.StoreUnsafe(ref r3);
        r31.StoreUnsafe(ref r3, (nuint)count);
        r32.StoreUnsafe(ref r3, (nuint)(2 * count));
    }

    /// <summary>One row × one vector of running sums.</summary>
    private static void Products1x1<T>(ref T r, ref T e, int m, ref T f, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> acc = Vector.LoadUnsafe(ref r);
        ref T fb = ref f;
        ref T eb = ref e;
        for (int b = 0; b < n; b++)
        {
            acc += new Vector<T>(eb) * Vector.LoadUnsafe(ref fb);
            fb = ref Unsafe.Add(ref fb, k);
            eb = ref Unsafe.Add(ref eb, m);
        }

        acc.StoreUnsafe(ref r);
    }

    // ---- Rank-1 update (B = 1): A_i += (α u_i) v for rows [i0, i1). ----

    private static void Rank1Rows<T>(ref T a, int n, T alpha, ref T u, ref T v, int i0, int i1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = i0; i < i1; i++)
        {
            Axpy.Unchecked(alpha * Unsafe.Add(ref u, i), ref v, ref Unsafe.Add(ref a, (nint)i * n), n);
        }
    }
}
