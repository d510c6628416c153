using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>The update product <c>W ← W + s · Eᵀ F</c> (<see cref="AccumulateTN{T}"/>) and its packed micro-kernel.</summary>
public static partial class Gemm
{
    /// <summary>Rows of W per register tile of the update.</summary>
    private const int UpdateRows = 6;

    /// <summary>
    /// The largest panel of E, in elements, that the update packs at once: twice <see cref="PackLimit"/>, so that the
    /// 256 rows of a batch-64 layer (43 tiles, 16 512 elements) are packed in one go and F is packed once.
    /// </summary>
    private const int UpdatePanelLimit = 2 * PackLimit;

    /// <summary>
    /// Vectors of columns per register tile of the update: 6 × 4 = 24 accumulators, which with four vectors of F and a
    /// broadcast fit the 32 vector registers of AVX-512 (the JIT encodes EVEX there). On a 16-register machine
    /// (<see cref="ThirtyTwoRegisters"/> false) each packed strip is swept as two half tiles of 6 × 2 vectors (12
    /// accumulators, two vectors of F and a broadcast: 15 registers), the same arithmetic per element.
    /// </summary>
    private const int UpdateVectors = 4;

    /// <summary>
    /// Update: <c>W[i,j] ← W[i,j] + s · Σ_b E[b,i] · F[b,j]</c> (the batch-mean learning rule with
    /// <c>s = α / B</c>). For <c>B = 1</c> this is exactly <see cref="Rank1Update"/> with <c>α = s</c>.
    /// Shapes: <c>w</c> m×k, <c>e</c> B×m, <c>f</c> B×k, <c>scratch</c> at least k.
    /// </summary>
    /// <remarks>
    /// For <c>B &gt; 1</c> each element first accumulates <c>r = Σ_b E[b,i] F[b,j]</c> from +0 in ascending
    /// <c>b</c> (a multiply, then an add), then becomes <c>W[i,j] + s · r</c>. The accumulators live in registers;
    /// <paramref name="scratch"/> is kept for the signature and not used.
    /// </remarks>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void AccumulateTN<T>(Span<T> w, int m, int k, T s, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int batch, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(e.Length, batch, m, nameof(e));
        Shapes.CheckMatrix(f.Length, batch, k, nameof(f));
        if (batch == 1)
        {
            Rank1Update.Apply(w, m, k, s, e, f);
            return;
        }

        if (scratch.Length < k)
        {
            throw new ArgumentException($"scratch: expected at least {k} elements, found {scratch.Length}", nameof(scratch));
        }

        TN(ref MemoryMarshal.GetReference(w), m, k, s, ref MemoryMarshal.GetReference(e), ref MemoryMarshal.GetReference(f), batch);
    }

    /// <remarks>
    /// Rows of W are split into at most <see cref="Parallelism.MaxThreads"/> blocks, because every block packs all of F
    /// once (more blocks would pack it more often). The thread count may decide the partition here: every element's sum
    /// is computed whole by one micro-kernel call, whatever the block, tile or thread, so the result does not depend on it.
    /// </remarks>
    internal static unsafe void TN<T>(ref T w, int m, int k, T s, ref T e, ref T f, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tiles = (m + UpdateRows - 1) / UpdateRows;
        int blocks = Math.Min(Parallelism.Blocks((long)batch * m * k, tiles), Parallelism.MaxThreads);
        if (blocks <= 1)
        {
            TNRows(ref w, m, k, s, ref e, ref f, batch, 0, m);
            return;
        }

        int per = UpdateRows * ((tiles + blocks - 1) / blocks);
        fixed (T* pw = &w, pe = &e, pf = &f)
        {
            TNJob<T> job = new() { W = pw, E = pe, F = pf, S = s, Batch = batch, M = m, K = k, Per = per };
            WorkerPool.Run(job, (m + per - 1) / per);
        }
    }

    private unsafe struct TNJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* W, E, F;
        public T S;
        public int Batch, M, K, Per;

        public readonly void Run(int block) =>
            TNRows(ref *W, M, K, S, ref *E, ref *F, Batch, block * Per, Math.Min(M, (block + 1) * Per));
    }

    /// <summary>The update of rows <c>[i0, i1)</c> of W, on the calling thread.</summary>
    /// <remarks>
    /// BLIS-style packing: the columns <c>E[·, i..i+5]</c> of each 6-row tile are copied into a panel with the six values
    /// of one sample side by side (B × 6, contiguous), and each strip of <c>4·Count</c> columns of F into a panel of
    /// B × 4·Count, contiguous; the last tile and strip are padded with zeros, whose products are computed and
    /// discarded. Unpacked, E's rows (m elements apart, 1 KiB for m = 256) alias in a handful of L1 sets and F's strips
    /// are read with a row stride of k; packed, the micro-kernel reads two contiguous streams. Panels of E for up to
    /// <see cref="UpdatePanelLimit"/> elements of rows are packed at a time; for each, F is packed in blocks of up to
    /// <see cref="PackLimit"/> elements and the row tiles sweep each block's strips, so the rows of W stream in order.
    /// Copies are exact. A batch too large for one strip's panel (B·4·Count &gt; <see cref="PackLimit"/>) takes the
    /// same micro-kernel on the unpacked operands, the rows and columns left over by whole tiles element by element.
    /// </remarks>
    [SkipLocalsInit]
    private static void TNRows<T>(ref T w, int m, int k, T s, ref T e, ref T f, int batch, int i0, int i1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int strip = UpdateVectors * Vector<T>.Count;
        if (!Vector.IsHardwareAccelerated)
        {
            TNElements(ref w, m, k, s, ref e, ref f, batch, i0, i1, 0, k);
            return;
        }

        Span<T> tile = stackalloc T[UpdateRows * strip];
        if (batch * strip > PackLimit)
        {
            int rowsEnd = i0 + ((i1 - i0) / UpdateRows * UpdateRows);
            int colsEnd = k / strip * strip;
            for (int i = i0; i < rowsEnd; i += UpdateRows)
            {
                for (int j = 0; j < colsEnd; j += strip)
                {
                    TNMicro(ref Unsafe.Add(ref w, ((nint)i * k) + j), k, s, ref Unsafe.Add(ref e, i), m, ref Unsafe.Add(ref f, j), k, batch, UpdateRows, strip, ref MemoryMarshal.GetReference(tile));
                }
            }

            TNElements(ref w, m, k, s, ref e, ref f, batch, i0, rowsEnd, colsEnd, k);
            TNElements(ref w, m, k, s, ref e, ref f, batch, rowsEnd, i1, 0, k);
            return;
        }

        int panelE = batch * UpdateRows, panelF = batch * strip;
        int tilesPerPack = Math.Min(UpdatePanelLimit / panelE, (i1 - i0 + UpdateRows - 1) / UpdateRows);
        int stripsPerPack = Math.Min(PackLimit / panelF, (k + strip - 1) / strip);
        Span<T> pe = stackalloc T[tilesPerPack * panelE];
        Span<T> pf = stackalloc T[stripsPerPack * panelF];
        for (int ic = i0; ic < i1; ic += tilesPerPack * UpdateRows)
        {
            int rows = Math.Min(tilesPerPack * UpdateRows, i1 - ic);
            PackUpdateRows(ref e, m, batch, ic, rows, pe);
            for (int jc = 0; jc < k; jc += stripsPerPack * strip)
            {
                int cols = Math.Min(stripsPerPack * strip, k - jc);
                PackUpdateColumns(ref f, k, batch, jc, cols, pf);
                for (int t = 0; t * UpdateRows < rows; t++)
                {
                    int i = ic + (t * UpdateRows);
                    int tileRows = Math.Min(UpdateRows, i1 - i);
                    ref T et = ref pe[t * panelE];
                    for (int q = 0; q * strip < cols; q++)
                    {
                        int j = jc + (q * strip);
                        int width = Math.Min(strip, k - j);
                        ref T wij = ref Unsafe.Add(ref w, ((nint)i * k) + j);
                        if (width <= strip / 2 || !ThirtyTwoRegisters)
                        {
                            // A last strip of at most two vectors (784 = 24·32 + 16 in float): half the tile's work; on a
                            // 16-register machine every strip, as two halves.
                            int half = strip / 2;
                            TNMicroHalf(ref wij, k, s, ref et, ref pf[q * panelF], strip, batch, tileRows, Math.Min(width, half), ref MemoryMarshal.GetReference(tile));
                            if (width > half)
                            {
                                TNMicroHalf(ref Unsafe.Add(ref wij, half), k, s, ref et, ref pf[(q * panelF) + half], strip, batch, tileRows, width - half, ref MemoryMarshal.GetReference(tile));
                            }
                        }
                        else
                        {
                            TNMicro(ref wij, k, s, ref et, UpdateRows, ref pf[q * panelF], strip, batch, tileRows, width, ref MemoryMarshal.GetReference(tile));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Panels of E for rows <c>[i0, i0+rows)</c>: tile t holds <c>E[b, i0+6t+r]</c> at <c>t·6B + 6b + r</c> (zero past the rows).</summary>
    private static void PackUpdateRows<T>(ref T e, int m, int batch, int i0, int rows, Span<T> panels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int whole = rows / UpdateRows * UpdateRows;
        int panel = batch * UpdateRows;
        for (int b = 0; b < batch; b++)
        {
            ref T src = ref Unsafe.Add(ref e, ((nint)b * m) + i0);
            ref T dst = ref panels[b * UpdateRows];
            int i = 0;
            for (; i < whole; i += UpdateRows)
            {
                // Six elements as one block of bytes: a bit copy, unrolled by the JIT into two vector moves.
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref dst), ref Unsafe.As<T, byte>(ref Unsafe.Add(ref src, i)), (uint)(UpdateRows * Unsafe.SizeOf<T>()));
                dst = ref Unsafe.Add(ref dst, panel);
            }

            if (i < rows)
            {
                for (int r = 0; r < UpdateRows; r++)
                {
                    Unsafe.Add(ref dst, r) = i + r < rows ? Unsafe.Add(ref src, i + r) : T.Zero;
                }
            }
        }
    }

    /// <summary>Panels of F for columns <c>[j0, j0+cols)</c>: strip q holds <c>F[b, j0+q·S+c]</c> at <c>q·S·B + S·b + c</c>, S = 4·Count (zero past the columns).</summary>
    private static void PackUpdateColumns<T>(ref T f, int k, int batch, int j0, int cols, Span<T> panels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Vector<T>.Count, strip = UpdateVectors * count;
        ref T dst = ref MemoryMarshal.GetReference(panels);
        for (int j = 0; j < cols; j += strip)
        {
            int width = Math.Min(strip, cols - j);
            ref T src = ref Unsafe.Add(ref f, j0 + j);
            for (int b = 0; b < batch; b++)
            {
                if (width == strip)
                {
                    Vector.LoadUnsafe(ref src).StoreUnsafe(ref dst);
                    Vector.LoadUnsafe(ref src, (nuint)count).StoreUnsafe(ref dst, (nuint)count);
                    Vector.LoadUnsafe(ref src, (nuint)(2 * count)).StoreUnsafe(ref dst, (nuint)(2 * count));
                    Vector.LoadUnsafe(ref src, (nuint)(3 * count)).StoreUnsafe(ref dst, (nuint)(3 * count));
                }
                else
                {
                    for (int c = 0; c < strip; c++)
                    {
                        Unsafe.Add(ref dst, c) = c < width ? Unsafe.Add(ref src, c) : T.Zero;
                    }
                }

                src = ref Unsafe.Add(ref src, k);
                dst = ref Unsafe.Add(ref dst, strip);
            }
        }
    }

    /// <summary>
    /// Rows <c>i..i+5</c> × columns <c>j .. j+4·Count−1</c>: 24 accumulators, each <c>r = ((+0 + e₀f₀) + e₁f₁) + …</c> over
    /// the batch, then <c>W + s·r</c> for the <paramref name="rows"/> × <paramref name="cols"/> elements that exist
    /// (a partial tile's sums go through <paramref name="tile"/>, 6 × 4·Count, and are added element by element).
    /// <paramref name="w"/> is W[i, j] (row stride <paramref name="k"/>); <paramref name="e"/> holds E[b, i..i+5] at
    /// <c>b·eStep</c>, <paramref name="f"/> holds F[b, j..] at <c>b·fStep</c>.
    /// </summary>
    private static void TNMicro<T>(ref T w, int k, T s, ref T e, int eStep, ref T f, int fStep, int batch, int rows, int cols, ref T tile)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Vector<T>.Count;
        Vector<T> r00 = default, r01 = default, r02 = default, r03 = default;
        Vector<T> r10 = default, r11 = default, r12 = default, r13 = default;
        Vector<T> r20 = default, r21 = default, r22 = default, r23 = default;
        Vector<T> r30 = default, r31 = default, r32 = default, r33 = default;
        Vector<T> r40 = default, r41 = default, r42 = default, r43 = default;
        Vector<T> r50 = default, r51 = default, r52 = default, r53 = default;
        ref T fb = ref f;
        ref T eb = ref e;
        for (int b = 0; b < batch; b++)
        {
            Vector<T> f0 = Vector.LoadUnsafe(ref fb);
            Vector<T> f1 = Vector.LoadUnsafe(ref fb, (nuint)n);
            Vector<T> f2 = Vector.LoadUnsafe(ref fb, (nuint)(2 * n));
            Vector<T> f3 = Vector.LoadUnsafe(ref fb, (nuint)(3 * n));
            Vector<T> v = new(eb);
            r00 += v * f0;
            r01 += v * f1;
            r02 += v * f2;
            r03 += v * f3;
            v = new(Unsafe.Add(ref eb, 1));
            r10 += v * f0;
            r11 += v * f1;
            r12 += v * f2;
            r13 += v * f3;
            v = new(Unsafe.Add(ref eb, 2));
            r20 += v * f0;
            r21 += v * f1;
            r22 += v * f2;
            r23 += v * f3;
            v = new(Unsafe.Add(ref eb, 3));
            r30 += v * f0;
            r31 += v * f1;
            r32 += v * f2;
            r33 += v * f3;
            v = new(Unsafe.Add(ref eb, 4));
            r40 += v * f0;
            r41 += v * f1;
            r42 += v * f2;
            r43 += v * f3;
            v = new(Unsafe.Add(ref eb, 5));
            r50 += v * f0;
            r51 += v * f1;
            r52 += v * f2;
            r53 += v * f3;
            fb = ref Unsafe.Add(ref fb, fStep);
            eb = ref Unsafe.Add(ref eb, eStep);
        }

        int strip = UpdateVectors * n;
        if (rows == UpdateRows && cols == strip)
        {
            Vector<T> vs = new(s);
            AddScaled(ref w, vs, r00, r01, r02, r03, n);
            AddScaled(ref Unsafe.Add(ref w, k), vs, r10, r11, r12, r13, n);
            AddScaled(ref Unsafe.Add(ref w, 2 * k), vs, r20, r21, r22, r23, n);
            AddScaled(ref Unsafe.Add(ref w, 3 * k), vs, r30, r31, r32, r33, n);
            AddScaled(ref Unsafe.Add(ref w, 4 * k), vs, r40, r41, r42, r43, n);
            AddScaled(ref Unsafe.Add(ref w, 5 * k), vs, r50, r51, r52, r53, n);
            return;
        }

        StoreRow(ref tile, r00, r01, r02, r03, n);
        StoreRow(ref Unsafe.Add(ref tile, strip), r10, r11, r12, r13, n);
        StoreRow(ref Unsafe.Add(ref tile, 2 * strip), r20, r21, r22, r23, n);
        StoreRow(ref Unsafe.Add(ref tile, 3 * strip), r30, r31, r32, r33, n);
        StoreRow(ref Unsafe.Add(ref tile, 4 * strip), r40, r41, r42, r43, n);
        StoreRow(ref Unsafe.Add(ref tile, 5 * strip), r50, r51, r52, r53, n);
        AddTile(ref w, k, s, ref tile, strip, rows, cols);
    }

    /// <summary>
    /// <see cref="TNMicro{T}"/> on the first two vectors of a strip only (rows <c>i..i+5</c> × columns <c>j .. j+2·Count−1</c>,
    /// E and F packed): the same arithmetic per element, for a last strip of at most <c>2·Count</c> columns.
    /// </summary>
    private static void TNMicroHalf<T>(ref T w, int k, T s, ref T e, ref T f, int fStep, int batch, int rows, int cols, ref T tile)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Vector<T>.Count;
        Vector<T> r00 = default, r01 = default, r10 = default, r11 = default, r20 = default, r21 = default;
        Vector<T> r30 = default, r31 = default, r40 = default, r41 = default, r50 = default, r51 = default;
        ref T fb = ref f;
        ref T eb = ref e;
        for (int b = 0; b < batch; b++)
        {
            Vector<T> f0 = Vector.LoadUnsafe(ref fb);
            Vector<T> f1 = Vector.LoadUnsafe(ref fb, (nuint)n);
            Vector<T> v = new(eb);
            r00 += v * f0;
            r01 += v * f1;
            v = new(Unsafe.Add(ref eb, 1));
            r10 += v * f0;
            r11 += v * f1;
            v = new(Unsafe.Add(ref eb, 2));
            r20 += v * f0;
            r21 += v * f1;
            v = new(Unsafe.Add(ref eb, 3));
            r30 += v * f0;
            r31 += v * f1;
            v = new(Unsafe.Add(ref eb, 4));
            r40 += v * f0;
            r41 += v * f1;
            v = new(Unsafe.Add(ref eb, 5));
            r50 += v * f0;
            r51 += v * f1;
            fb = ref Unsafe.Add(ref fb, fStep);
            eb = ref Unsafe.Add(ref eb, UpdateRows);
        }

        int strip = UpdateVectors * n;
        if (rows == UpdateRows && cols == 2 * n)
        {
            Vector<T> vs = new(s);
            AddScaled(ref w, vs, r00, r01, n);
            AddScaled(ref Unsafe.Add(ref w, k), vs, r10, r11, n);
            AddScaled(ref Unsafe.Add(ref w, 2 * k), vs, r20, r21, n);
            AddScaled(ref Unsafe.Add(ref w, 3 * k), vs, r30, r31, n);
            AddScaled(ref Unsafe.Add(ref w, 4 * k), vs, r40, r41, n);
            AddScaled(ref Unsafe.Add(ref w, 5 * k), vs, r50, r51, n);
            return;
        }

        StoreRow(ref tile, r00, r01, n);
        StoreRow(ref Unsafe.Add(ref tile, strip), r10, r11, n);
        StoreRow(ref Unsafe.Add(ref tile, 2 * strip), r20, r21, n);
        StoreRow(ref Unsafe.Add(ref tile, 3 * strip), r30, r31, n);
        StoreRow(ref Unsafe.Add(ref tile, 4 * strip), r40, r41, n);
        StoreRow(ref Unsafe.Add(ref tile, 5 * strip), r50, r51, n);
        AddTile(ref w, k, s, ref tile, strip, rows, cols);
    }

    /// <summary>A partial tile's epilogue: <c>W + s·r</c> element by element for the rows × cols that exist.</summary>
    private static void AddTile<T>(ref T w, int k, T s, ref T tile, int strip, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ref T wr = ref Unsafe.Add(ref w, (nint)r * k);
            ref T tr = ref Unsafe.Add(ref tile, r * strip);
            for (int c = 0; c < cols; c++)
            {
                Unsafe.Add(ref wr, c) += s * Unsafe.Add(ref tr, c);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled<T>(ref T w, Vector<T> s, Vector<T> r0, Vector<T> r1, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (Vector.LoadUnsafe(ref w) + (s * r0)).StoreUnsafe(ref w);
        (Vector.LoadUnsafe(ref w, (nuint)n) + (s * r1)).StoreUnsafe(ref w, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T t, Vector<T> r0, Vector<T> r1, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        r0.StoreUnsafe(ref t);
        r1.StoreUnsafe(ref t, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled<T>(ref T w, Vector<T> s, Vector<T> r0, Vector<T> r1, Vector<T> r2, Vector<T> r3, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (Vector.LoadUnsafe(ref w) + (s * r0)).StoreUnsafe(ref w);
        (Vector.LoadUnsafe(ref w, (nuint)n) + (s * r1)).StoreUnsafe(ref w, (nuint)n);
        (Vector.LoadUnsafe(ref w, (nuint)(2 * n)) + (s * r2)).StoreUnsafe(ref w, (nuint)(2 * n));
        (Vector.LoadUnsafe(ref w, (nuint)(3 * n)) + (s * r3)).StoreUnsafe(ref w, (nuint)(3 * n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(ref T t, Vector<T> r0, Vector<T> r1, Vector<T> r2, Vector<T> r3, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        r0.StoreUnsafe(ref t);
        r1.StoreUnsafe(ref t, (nuint)n);
        r2.StoreUnsafe(ref t, (nuint)(2 * n));
        r3.StoreUnsafe(ref t, (nuint)(3 * n));
    }

    /// <summary>Rows <c>[i0, i1)</c> × columns <c>[j0, j1)</c> element by element, in the same arithmetic.</summary>
    private static void TNElements<T>(ref T w, int m, int k, T s, ref T e, ref T f, int batch, int i0, int i1, int j0, int j1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = i0; i < i1; i++)
        {
            for (int j = j0; j < j1; j++)
            {
                T r = T.Zero;
                for (int b = 0; b < batch; b++)
                {
                    r += Unsafe.Add(ref e, ((nint)b * m) + i) * Unsafe.Add(ref f, ((nint)b * k) + j);
                }

                Unsafe.Add(ref w, ((nint)i * k) + j) += s * r;
            }
        }
    }
}
