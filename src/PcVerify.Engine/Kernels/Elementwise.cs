using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The elementwise steps of BP and inference, vectorised. Each element is computed with the same operations in
/// the same order as the scalar expression in its summary (no fused multiply–add), so vector and scalar paths
/// agree bit for bit.
/// </summary>
internal static class Elementwise
{
    /// <summary><c>r_k = a_k − b_k</c> (an error <c>ε = x − μ</c>, or <c>δ^0 = s_out − y^0</c>).</summary>
    public static void Subtract<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T> => SplitBinary(a, b, r, default(SubtractOp<T>));

    /// <summary><c>r_k = a_k · b_k</c> (<c>δ^l = f'(y^l) ⊙ g</c>).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T> => SplitBinary(a, b, r, default(MultiplyOp<T>));

    /// <summary><c>r_k = a_k</c> (a copy; split across threads like the other maps when long).</summary>
    public static unsafe void Copy<T>(ReadOnlySpan<T> a, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(a.Length, r.Length, nameof(a));
        if (!Splits(r.Length))
        {
            a.CopyTo(r);
            return;
        }

        fixed (T* pa = a, pr = r)
        {
            ForRanges(new CopyKernel<T> { A = pa, R = pr }, r.Length);
        }
    }

    /// <summary>
    /// <see cref="Copy{T}"/> and <see cref="FirstNonFinite{T}"/> of the copied values in one pass: returns the index of
    /// the first non-finite element of <paramref name="a"/>, or −1.
    /// </summary>
    public static unsafe int CopyFirstNonFinite<T>(ReadOnlySpan<T> a, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(a.Length, r.Length, nameof(a));
        if (!Splits(r.Length))
        {
            return CopyFirstNonFiniteRange(a, r);
        }

        int* found = stackalloc int[Parallelism.MaxBlocks];
        int blocks;
        fixed (T* pa = a, pr = r)
        {
            blocks = ForRanges(new CopyFirstNonFiniteKernel<T> { A = pa, R = pr, Found = found }, r.Length);
        }

        return FirstFound(found, blocks);
    }

    private static int CopyFirstNonFiniteRange<T>(ReadOnlySpan<T> a, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T ra = ref MemoryMarshal.GetReference(a), rr = ref MemoryMarshal.GetReference(r);
        int k = 0, n = r.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            // x − x is 0 for every finite x and NaN for ±∞ and NaN (as in FirstNonFinite).
            Vector<T> bad = Vector<T>.Zero;
            for (; k <= n - count; k += count)
            {
                Vector<T> x = Vector.LoadUnsafe(ref ra, (nuint)k);
                x.StoreUnsafe(ref rr, (nuint)k);
                bad |= x - x;
            }

            if (!Vector.EqualsAll(bad, Vector<T>.Zero))
            {
                a[k..].CopyTo(r[k..]);
                return FirstNonFiniteRange(a);
            }
        }

        int first = -1;
        for (; k < n; k++)
        {
            r[k] = a[k];
            if (first < 0 && !T.IsFinite(a[k]))
            {
                first = k;
            }
        }

        return first;
    }

    /// <summary>The first index found by the blocks of a split search (blocks cover ascending ranges), or −1.</summary>
    private static unsafe int FirstFound(int* found, int blocks)
    {
        for (int b = 0; b < blocks; b++)
        {
            if (found[b] >= 0)
            {
                return found[b];
            }
        }

        return -1;
    }

    // ---- Long spans (whole-batch conv buffers) split across the worker pool. ----

    /// <summary>
    /// Elements per block when a cheap elementwise loop (a few loads and stores per element) is split across threads:
    /// tens of µs each, so only long spans split (a conv layer's batch of maps); an MLP layer's rows (at most
    /// 64 × 784) stay on the calling thread. Every element is computed by one block with its scalar or vector form,
    /// which agree, so the split changes no bit.
    /// </summary>
    internal const int CheapBlock = 1 << 16;

    /// <summary>Whether a loop over <paramref name="n"/> elements splits (two blocks or more, two threads or more).</summary>
    internal static bool Splits(int n) => n >= 2 * CheapBlock && Parallelism.MaxThreads > 1;

    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, n) in blocks of about <see cref="CheapBlock"/> elements (ascending, at
    /// most <see cref="Parallelism.MaxBlocks"/>) on the worker pool; returns the number of blocks.
    /// </summary>
    internal static int ForRanges<TKernel>(in TKernel kernel, int n)
        where TKernel : struct, IRangeKernel
    {
        int blocks = Math.Clamp(n / CheapBlock, 1, Parallelism.MaxBlocks);
        int per = (n + blocks - 1) / blocks;
        blocks = (n + per - 1) / per;
        WorkerPool.Run(new RangeJob<TKernel> { Kernel = kernel, N = n, Per = per }, blocks);
        return blocks;
    }

    private static unsafe void SplitBinary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        if (!Splits(r.Length))
        {
            Binary(a, b, r, op);
            return;
        }

        Shapes.CheckLength(a.Length, r.Length, nameof(a));
        Shapes.CheckLength(b.Length, r.Length, nameof(b));
        fixed (T* pa = a, pb = b, pr = r)
        {
            ForRanges(new BinaryKernel<T, TOp> { A = pa, B = pb, R = pr, Op = op }, r.Length);
        }
    }

    private struct RangeJob<TKernel> : IBlockJob
        where TKernel : struct, IRangeKernel
    {
        public TKernel Kernel;
        public int N, Per;

        public readonly void Run(int block)
        {
            int from = block * Per;
            Kernel.Run(block, from, Math.Min(N, from + Per) - from);
        }
    }

    private unsafe struct InferenceIncrementKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Eps, Fp, G, Dx;
        public T Gamma;

        public readonly void Run(int block, int from, int length) => InferenceIncrementRange(Gamma, new ReadOnlySpan<T>(Eps + from, length), new ReadOnlySpan<T>(Fp + from, length), new ReadOnlySpan<T>(G + from, length), new Span<T>(Dx + from, length));
    }

    private unsafe struct ErrorAndIncrementKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, Fp, G, Dx;
        public T Gamma;

        public readonly void Run(int block, int from, int length) => ErrorAndIncrementRange(Gamma, new ReadOnlySpan<T>(X + from, length), new ReadOnlySpan<T>(Fp + from, length), new ReadOnlySpan<T>(G + from, length), new Span<T>(Dx + from, length));
    }

    private unsafe struct ApplyAndErrorKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Dx, X, Eps;

        public readonly void Run(int block, int from, int length) => ApplyAndErrorRange(new ReadOnlySpan<T>(Dx + from, length), new Span<T>(X + from, length), new Span<T>(Eps + from, length));
    }

    private unsafe struct IncrementAndApplyKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Fp, G, X, Eps;
        public T Gamma;

        public readonly void Run(int block, int from, int length) => IncrementAndApplyRange(Gamma, new ReadOnlySpan<T>(Fp + from, length), new ReadOnlySpan<T>(G + from, length), new Span<T>(X + from, length), new Span<T>(Eps + from, length));
    }

    private unsafe struct FirstNonFiniteKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* V;
        public int* Found;

        public readonly void Run(int block, int from, int length)
        {
            int k = FirstNonFiniteRange(new ReadOnlySpan<T>(V + from, length));
            Found[block] = k < 0 ? -1 : from + k;
        }
    }

    private unsafe struct CopyFirstNonFiniteKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, R;
        public int* Found;

        public readonly void Run(int block, int from, int length)
        {
            int k = CopyFirstNonFiniteRange(new ReadOnlySpan<T>(A + from, length), new Span<T>(R + from, length));
            Found[block] = k < 0 ? -1 : from + k;
        }
    }

    private unsafe struct CopyKernel<T> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, R;

        public readonly void Run(int block, int from, int length) => new ReadOnlySpan<T>(A + from, length).CopyTo(new Span<T>(R + from, length));
    }

    private unsafe struct BinaryKernel<T, TOp> : IRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        public T* A, B, R;
        public TOp Op;

        public readonly void Run(int block, int from, int length) =>
            Binary(new ReadOnlySpan<T>(A + from, length), new ReadOnlySpan<T>(B + from, length), new Span<T>(R + from, length), Op);
    }

    /// <summary>
    /// The one loop shape of the unary maps: <c>y_k = op(x_k)</c>, <see cref="Vector{T}"/> blocks then a scalar tail.
    /// The operator struct is specialised by the JIT, so each map compiles to its own loop.
    /// </summary>
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, Span<T> y, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        ref T rx = ref MemoryMarshal.GetReference(x), ry = ref MemoryMarshal.GetReference(y);
        int k = 0, n = x.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k <= n - count; k += count)
            {
                op.Invoke(Vector.LoadUnsafe(ref rx, (nuint)k)).StoreUnsafe(ref ry, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            y[k] = op.Invoke(x[k]);
        }
    }

    /// <summary>The one loop shape of the binary maps: <c>r_k = op(a_k, b_k)</c>.</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        Shapes.CheckLength(a.Length, r.Length, nameof(a));
        Shapes.CheckLength(b.Length, r.Length, nameof(b));
        ref T ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rr = ref MemoryMarshal.GetReference(r);
        int k = 0, n = r.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k <= n - count; k += count)
            {
                op.Invoke(Vector.LoadUnsafe(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k)).StoreUnsafe(ref rr, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            r[k] = op.Invoke(a[k], b[k]);
        }
    }

    /// <summary><c>dx_k = γ · ((−ε_k) + fp_k · g_k)</c> (Eq. 7).</summary>
    public static unsafe void InferenceIncrement<T>(T gamma, ReadOnlySpan<T> eps, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(eps.Length, dx.Length, nameof(eps));
        Shapes.CheckLength(fp.Length, dx.Length, nameof(fp));
        Shapes.CheckLength(g.Length, dx.Length, nameof(g));
        if (Splits(dx.Length))
        {
            fixed (T* peps = eps, pfp = fp, pg = g, pdx = dx)
            {
                ForRanges(new InferenceIncrementKernel<T> { Eps = peps, Fp = pfp, G = pg, Dx = pdx, Gamma = gamma }, dx.Length);
            }

            return;
        }

        InferenceIncrementRange(gamma, eps, fp, g, dx);
    }

    private static void InferenceIncrementRange<T>(T gamma, ReadOnlySpan<T> eps, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T re = ref MemoryMarshal.GetReference(eps), rf = ref MemoryMarshal.GetReference(fp);
        ref T rg = ref MemoryMarshal.GetReference(g), rd = ref MemoryMarshal.GetReference(dx);
        int k = 0, n = dx.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vg = new(gamma);
            for (; k <= n - count; k += count)
            {
                Vector<T> v = (-Vector.LoadUnsafe(ref re, (nuint)k)) + (Vector.LoadUnsafe(ref rf, (nuint)k) * Vector.LoadUnsafe(ref rg, (nuint)k));
                (vg * v).StoreUnsafe(ref rd, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            dx[k] = gamma * ((-eps[k]) + (fp[k] * g[k]));
        }
    }

    // ---- The one-pass steps of event-driven Z-IL. At C1 a hidden value is its prediction, x = μ_0 bit for bit, until
    // its own increment, so x itself stands for μ (no copy is kept); and the backward sum h = fp ⊙ g of a vertex with
    // one outgoing edge is formed inside the pass (as Multiply forms it) instead of being stored and read back. ----

    /// <summary>
    /// At <c>μ = x</c>: <c>ε_k = x_k − x_k</c>, <c>dx_k = γ · ((−ε_k) + 1 · (fp_k · g_k))</c> — <see cref="Subtract{T}"/>
    /// with μ a copy of x, <see cref="Multiply{T}"/> and <see cref="InferenceIncrement{T}"/> with <c>fp = 1</c> in turn, the
    /// same operations per element, in one pass. ε is not stored: <see cref="ApplyAndError{T}"/> overwrites it unread.
    /// </summary>
    public static unsafe void ErrorAndIncrement<T>(T gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(x.Length, dx.Length, nameof(x));
        Shapes.CheckLength(fp.Length, dx.Length, nameof(fp));
        Shapes.CheckLength(g.Length, dx.Length, nameof(g));
        if (Splits(dx.Length))
        {
            fixed (T* px = x, pfp = fp, pg = g, pdx = dx)
            {
                ForRanges(new ErrorAndIncrementKernel<T> { X = px, Fp = pfp, G = pg, Dx = pdx, Gamma = gamma }, dx.Length);
            }

            return;
        }

        ErrorAndIncrementRange(gamma, x, fp, g, dx);
    }

    private static void ErrorAndIncrementRange<T>(T gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x), rf = ref MemoryMarshal.GetReference(fp), rg = ref MemoryMarshal.GetReference(g);
        ref T rd = ref MemoryMarshal.GetReference(dx);
        int k = 0, n = dx.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vg = new(gamma);
            for (; k <= n - count; k += count)
            {
                Vector<T> vx = Vector.LoadUnsafe(ref rx, (nuint)k);
                Vector<T> e = vx - vx;
                Vector<T> h = Vector.LoadUnsafe(ref rf, (nuint)k) * Vector.LoadUnsafe(ref rg, (nuint)k);
                (vg * ((-e) + (Vector<T>.One * h))).StoreUnsafe(ref rd, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            T e = x[k] - x[k];
            T h = fp[k] * g[k];
            dx[k] = gamma * ((-e) + (T.One * h));
        }
    }

    /// <summary>
    /// <c>x_k ← x_k + 1 · dx_k</c>, then <c>ε_k = x_k − μ_k</c> with <c>μ_k</c> the value x held before (its prediction):
    /// <see cref="Axpy"/> with <c>s = 1</c> then <see cref="Subtract{T}"/> against a copy of the old x, the same operations
    /// per element, in one pass.
    /// </summary>
    public static unsafe void ApplyAndError<T>(ReadOnlySpan<T> dx, Span<T> x, Span<T> eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(x.Length, dx.Length, nameof(x));
        Shapes.CheckLength(eps.Length, dx.Length, nameof(eps));
        if (Splits(dx.Length))
        {
            fixed (T* pdx = dx, px = x, peps = eps)
            {
                ForRanges(new ApplyAndErrorKernel<T> { Dx = pdx, X = px, Eps = peps }, dx.Length);
            }

            return;
        }

        ApplyAndErrorRange(dx, x, eps);
    }

    private static void ApplyAndErrorRange<T>(ReadOnlySpan<T> dx, Span<T> x, Span<T> eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x), re = ref MemoryMarshal.GetReference(eps), rd = ref MemoryMarshal.GetReference(dx);
        int k = 0, n = dx.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k <= n - count; k += count)
            {
                Vector<T> mu = Vector.LoadUnsafe(ref rx, (nuint)k);
                Vector<T> v = mu + (Vector<T>.One * Vector.LoadUnsafe(ref rd, (nuint)k));
                v.StoreUnsafe(ref rx, (nuint)k);
                (v - mu).StoreUnsafe(ref re, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            T mu = x[k];
            T v = mu + (T.One * dx[k]);
            x[k] = v;
            eps[k] = v - mu;
        }
    }

    /// <summary>
    /// <see cref="ErrorAndIncrement{T}"/> then <see cref="ApplyAndError{T}"/> in one pass, at <c>μ = x</c>:
    /// <c>e = x_k − x_k</c>, <c>d = γ · ((−e) + 1 · (fp_k · g_k))</c>, <c>x_k ← x_k + 1 · d</c>, <c>ε_k = x_k − μ_k</c>
    /// (μ_k the old x_k) — the same operations per element. Neither the intermediate ε nor Δx is stored (nothing reads them).
    /// </summary>
    public static unsafe void IncrementAndApply<T>(T gamma, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> x, Span<T> eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(fp.Length, x.Length, nameof(fp));
        Shapes.CheckLength(g.Length, x.Length, nameof(g));
        Shapes.CheckLength(eps.Length, x.Length, nameof(eps));
        if (Splits(x.Length))
        {
            fixed (T* pfp = fp, pg = g, px = x, peps = eps)
            {
                ForRanges(new IncrementAndApplyKernel<T> { Fp = pfp, G = pg, X = px, Eps = peps, Gamma = gamma }, x.Length);
            }

            return;
        }

        IncrementAndApplyRange(gamma, fp, g, x, eps);
    }

    private static void IncrementAndApplyRange<T>(T gamma, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> x, Span<T> eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x), rf = ref MemoryMarshal.GetReference(fp), rg = ref MemoryMarshal.GetReference(g);
        ref T re = ref MemoryMarshal.GetReference(eps);
        int k = 0, n = x.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vg = new(gamma);
            for (; k <= n - count; k += count)
            {
                Vector<T> mu = Vector.LoadUnsafe(ref rx, (nuint)k);
                Vector<T> e = mu - mu;
                Vector<T> h = Vector.LoadUnsafe(ref rf, (nuint)k) * Vector.LoadUnsafe(ref rg, (nuint)k);
                Vector<T> d = vg * ((-e) + (Vector<T>.One * h));
                Vector<T> v = mu + (Vector<T>.One * d);
                v.StoreUnsafe(ref rx, (nuint)k);
                (v - mu).StoreUnsafe(ref re, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            T mu = x[k];
            T e = mu - mu;
            T h = fp[k] * g[k];
            T d = gamma * ((-e) + (T.One * h));
            T v = mu + (T.One * d);
            x[k] = v;
            eps[k] = v - mu;
        }
    }

    /// <summary>Returns the index of the first non-finite element, or −1.</summary>
    public static unsafe int FirstNonFinite<T>(ReadOnlySpan<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Splits(v.Length))
        {
            return FirstNonFiniteRange(v);
        }

        int* found = stackalloc int[Parallelism.MaxBlocks];
        int blocks;
        fixed (T* pv = v)
        {
            blocks = ForRanges(new FirstNonFiniteKernel<T> { V = pv, Found = found }, v.Length);
        }

        return FirstFound(found, blocks);
    }

    private static int FirstNonFiniteRange<T>(ReadOnlySpan<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rv = ref MemoryMarshal.GetReference(v);
        int k = 0, n = v.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            // x − x is 0 for every finite x and NaN for ±∞ and NaN.
            Vector<T> bad = Vector<T>.Zero;
            for (; k <= n - count; k += count)
            {
                Vector<T> x = Vector.LoadUnsafe(ref rv, (nuint)k);
                bad |= x - x;
            }

            if (Vector.EqualsAll(bad, Vector<T>.Zero))
            {
                for (; k < n; k++)
                {
                    if (!T.IsFinite(v[k]))
                    {
                        return k;
                    }
                }

                return -1;
            }
        }

        for (k = 0; k < n; k++)
        {
            if (!T.IsFinite(v[k]))
            {
                return k;
            }
        }

        return -1;
    }
}

/// <summary>An elementwise operator with the same arithmetic on a scalar and on a vector (so the two paths agree bit for bit).</summary>
internal interface IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The scalar form.</summary>
    T Invoke(T x);

    /// <summary>The vector form, lane by lane the scalar form.</summary>
    Vector<T> Invoke(Vector<T> x);
}

/// <summary>A two-argument elementwise operator (see <see cref="IUnaryOp{T}"/>).</summary>
internal interface IBinaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The scalar form.</summary>
    T Invoke(T a, T b);

    /// <summary>The vector form, lane by lane the scalar form.</summary>
    Vector<T> Invoke(Vector<T> a, Vector<T> b);
}

/// <summary>An elementwise loop body over the elements [from, from + length), block <c>block</c> of <see cref="Elementwise.ForRanges{TKernel}"/>.</summary>
internal interface IRangeKernel
{
    /// <summary>Runs the body over one block.</summary>
    void Run(int block, int from, int length);
}

/// <summary><c>a − b</c>.</summary>
internal readonly struct SubtractOp<T> : IBinaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T a, T b) => a - b;

    public Vector<T> Invoke(Vector<T> a, Vector<T> b) => a - b;
}

/// <summary><c>a · b</c>.</summary>
internal readonly struct MultiplyOp<T> : IBinaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T a, T b) => a * b;

    public Vector<T> Invoke(Vector<T> a, Vector<T> b) => a * b;
}
