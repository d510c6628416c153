using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Transposed matrix–vector product <c>y_j = Σ_i A_ij · x_i</c> with <c>A</c> an <c>m × n</c> row-major matrix
/// (the backward message <c>(θ^l)ᵀ ε^{l-1}</c> of inference and <c>(w^l)ᵀ δ^{l-1}</c> of BP).
/// </summary>
/// <remarks>
/// Computed as <c>y = 0</c> followed by the row updates <c>y += x_i · A_i</c> for <c>i = 0 .. m−1</c> in
/// ascending order, each element as <c>y_j + (x_i · A_ij)</c> without fused multiply–add. Every <c>y_j</c>
/// therefore sums in the same order as the naive loop in <see cref="Reference.GemvTransposed{T}"/>, and this
/// kernel is bit-identical to it on every machine. Columns are split across <see cref="Parallelism.MaxThreads"/>
/// threads; each <c>y_j</c> is summed by one thread in that order, so the thread count changes nothing.
/// </remarks>
public static class GemvTransposed
{
    /// <summary>Computes <c>y = Aᵀ x</c>. Shapes: <c>a</c> m×n, <c>x</c> m, <c>y</c> n.</summary>
    /// <exception cref="ArgumentException">A span's length does not match <paramref name="m"/> and <paramref name="n"/>.</exception>
    public static void Compute<T>(ReadOnlySpan<T> a, int m, int n, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        Shapes.CheckLength(x.Length, m, nameof(x));
        Shapes.CheckLength(y.Length, n, nameof(y));
        Gemm.NN(ref MemoryMarshal.GetReference(x), 1, m, ref MemoryMarshal.GetReference(a), n, ref MemoryMarshal.GetReference(y));
    }
}

/// <summary>
/// <c>y_j ← y_j + s · x_j</c>, elementwise, without fused multiply–add (so SIMD and scalar agree bit for bit).
/// </summary>
public static class Axpy
{
    /// <summary>Computes <c>y += s · x</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Compute<T>(T s, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        Unchecked(s, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>The loop itself on validated references of <paramref name="n"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Unchecked<T>(T s, ref T x, ref T y, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        int count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            Vector<T> vs = new(s);
            for (; i <= n - count; i += count)
            {
                Vector<T> r = Vector.LoadUnsafe(ref y, (nuint)i) + (vs * Vector.LoadUnsafe(ref x, (nuint)i));
                r.StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) += s * Unsafe.Add(ref x, i);
        }
    }
}
