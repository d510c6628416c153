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
        where T : unmanaged, IFloatingPointIeee754<T> => Binary(a, b, r, default(SubtractOp<T>));

    /// <summary><c>r_k = a_k · b_k</c> (<c>δ^l = f'(y^l) ⊙ g</c>).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T> => Binary(a, b, r, default(MultiplyOp<T>));

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
    public static void InferenceIncrement<T>(T gamma, ReadOnlySpan<T> eps, ReadOnlySpan<T> fp, ReadOnlySpan<T> g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(eps.Length, dx.Length, nameof(eps));
        Shapes.CheckLength(fp.Length, dx.Length, nameof(fp));
        Shapes.CheckLength(g.Length, dx.Length, nameof(g));
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

    /// <summary>
    /// <c>ε_k = x_k − μ_k</c>, then <c>dx_k = γ · ((−ε_k) + 1 · h_k)</c>: <see cref="Subtract{T}"/> followed by
    /// <see cref="InferenceIncrement{T}"/> with <c>fp = 1</c>, the same operations per element, in one pass.
    /// </summary>
    public static void ErrorAndIncrement<T>(T gamma, ReadOnlySpan<T> x, ReadOnlySpan<T> mu, ReadOnlySpan<T> h, Span<T> eps, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(x.Length, dx.Length, nameof(x));
        Shapes.CheckLength(mu.Length, dx.Length, nameof(mu));
        Shapes.CheckLength(h.Length, dx.Length, nameof(h));
        Shapes.CheckLength(eps.Length, dx.Length, nameof(eps));
        ref T rx = ref MemoryMarshal.GetReference(x), rm = ref MemoryMarshal.GetReference(mu), rh = ref MemoryMarshal.GetReference(h);
        ref T re = ref MemoryMarshal.GetReference(eps), rd = ref MemoryMarshal.GetReference(dx);
        int k = 0, n = dx.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vg = new(gamma);
            for (; k <= n - count; k += count)
            {
                Vector<T> e = Vector.LoadUnsafe(ref rx, (nuint)k) - Vector.LoadUnsafe(ref rm, (nuint)k);
                e.StoreUnsafe(ref re, (nuint)k);
                (vg * ((-e) + (Vector<T>.One * Vector.LoadUnsafe(ref rh, (nuint)k)))).StoreUnsafe(ref rd, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            T e = x[k] - mu[k];
            eps[k] = e;
            dx[k] = gamma * ((-e) + (T.One * h[k]));
        }
    }

    /// <summary>
    /// <c>x_k ← x_k + 1 · dx_k</c>, then <c>ε_k = x_k − μ_k</c>: <see cref="Axpy"/> with <c>s = 1</c> followed by
    /// <see cref="Subtract{T}"/>, the same operations per element, in one pass.
    /// </summary>
    public static void ApplyAndError<T>(ReadOnlySpan<T> dx, Span<T> x, ReadOnlySpan<T> mu, Span<T> eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(x.Length, dx.Length, nameof(x));
        Shapes.CheckLength(mu.Length, dx.Length, nameof(mu));
        Shapes.CheckLength(eps.Length, dx.Length, nameof(eps));
        ref T rx = ref MemoryMarshal.GetReference(x), rm = ref MemoryMarshal.GetReference(mu);
        ref T re = ref MemoryMarshal.GetReference(eps), rd = ref MemoryMarshal.GetReference(dx);
        int k = 0, n = dx.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k <= n - count; k += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref rx, (nuint)k) + (Vector<T>.One * Vector.LoadUnsafe(ref rd, (nuint)k));
                v.StoreUnsafe(ref rx, (nuint)k);
                (v - Vector.LoadUnsafe(ref rm, (nuint)k)).StoreUnsafe(ref re, (nuint)k);
            }
        }

        for (; k < n; k++)
        {
            T v = x[k] + (T.One * dx[k]);
            x[k] = v;
            eps[k] = v - mu[k];
        }
    }

    /// <summary>Returns the index of the first non-finite element, or −1.</summary>
    public static int FirstNonFinite<T>(ReadOnlySpan<T> v)
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
