using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Matrix–vector product <c>y_i = Σ_j A_ij · x_j</c> with <c>A</c> an <c>m × n</c> row-major matrix
/// (the forward prediction <c>μ^l = θ^{l+1} f(x^{l+1})</c>).
/// </summary>
/// <remarks>Each <c>y_i</c> is a <see cref="Dot"/> of row <c>i</c> with <c>x</c>, with that kernel's summation order.</remarks>
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
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rx = ref MemoryMarshal.GetReference(x);
        for (int i = 0; i < m; i++)
        {
            y[i] = Dot.Unchecked(ref System.Runtime.CompilerServices.Unsafe.Add(ref ra, i * n), ref rx, n);
        }
    }
}
