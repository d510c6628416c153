using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Matrix–vector product <c>y_i = Σ_j A_ij · x_j</c> with <c>A</c> an <c>m × n</c> row-major matrix
/// (the forward prediction <c>μ^l = θ^{l+1} f(x^{l+1})</c>).
/// </summary>
/// <remarks>
/// Each <c>y_i</c> is a <see cref="Dot"/> of row <c>i</c> with <c>x</c>, with that kernel's summation order. The
/// loop computes four rows at a time so that each load of <c>x</c> serves four rows, and splits the rows across
/// <see cref="Parallelism.MaxThreads"/> threads; neither changes any element's arithmetic.
/// </remarks>
public static class Gemv
{
    /// <summary>Computes <c>y = A x</c>. Shapes: <c>a</c> m×n, <c>x</c> n, <c>y</c> m.</summary>
    /// <exception cref="ArgumentException">A span's length does not match <paramref name="m"/> and <paramref name="n"/>.</exception>
    public static void Compute<T>(ReadOnlySpan<T> a, int m, int n, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        Shapes.CheckLength(x.Length, n, nameof(x));
        Shapes.CheckLength(y.Length, m, nameof(y));
        Gemm.NT(ref MemoryMarshal.GetReference(x), 1, n, ref MemoryMarshal.GetReference(a), m, ref MemoryMarshal.GetReference(y));
    }
}
