using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Rank-1 update <c>A_ij ← A_ij + (α · u_i) · v_j</c> with <c>A</c> an <c>m × n</c> row-major matrix: the
/// learning rules <c>Δθ^{l+1} = α ε^l f(x^{l+1})ᵀ</c> (Eq. 9) and <c>Δw^{l+1} = α δ^l f(y^{l+1})ᵀ</c> (Eq. 4).
/// </summary>
/// <remarks>
/// The scale <c>s_i = α · u_i</c> is formed first, then each element is <c>A_ij + s_i · v_j</c> without fused
/// multiply–add. BP and every predictive-coding rule use this one kernel, so equal inputs give equal bits, and
/// the result is bit-identical to <see cref="Reference.Rank1Update{T}"/> on every machine and for every
/// <see cref="Parallelism.MaxThreads"/> (rows are split across threads; each element is written by one thread).
/// </remarks>
public static class Rank1Update
{
    /// <summary>Applies <c>A += α u vᵀ</c>. Shapes: <c>a</c> m×n, <c>u</c> m, <c>v</c> n.</summary>
    /// <exception cref="ArgumentException">A span's length does not match <paramref name="m"/> and <paramref name="n"/>.</exception>
    public static void Apply<T>(Span<T> a, int m, int n, T alpha, ReadOnlySpan<T> u, ReadOnlySpan<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        Shapes.CheckLength(u.Length, m, nameof(u));
        Shapes.CheckLength(v.Length, n, nameof(v));
        Gemm.Rank1(ref MemoryMarshal.GetReference(a), m, n, alpha, ref MemoryMarshal.GetReference(u), ref MemoryMarshal.GetReference(v));
    }
}
