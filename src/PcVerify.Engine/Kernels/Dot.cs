using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Dot product <c>s = Σ_j a_j · b_j</c>, the inner loop of <see cref="Gemv"/> and of the batched forward pass.
/// </summary>
/// <remarks>
/// Summation order (part of the determinism contract, docs/determinism.md): one <see cref="Vector{T}"/>
/// accumulator, starting at +0, adds <c>a·b</c> (a rounded product, then a rounded sum: no fused multiply–add)
/// over the blocks of <c>Count</c> elements in ascending order; its lanes are added to +0 in ascending lane
/// order; the scalar tail is added last, in ascending index order. Every dot of <see cref="Gemv"/> and
/// <see cref="Gemm.MultiplyNT{T}"/> uses exactly this order (their register-blocked loops interleave several
/// such accumulators, one per output element), so a batched row is bit-identical to the single-sample product.
/// The result is bit-reproducible for a given <c>Vector&lt;T&gt;.Count</c>, and may differ in the last bits
/// between machines with different SIMD widths and from the naive left-to-right sum in <see cref="Reference.Dot{T}"/>.
/// </remarks>
public static class Dot
{
    /// <summary>Returns <c>Σ_j a_j · b_j</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static T Compute<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"dot: lengths differ ({a.Length} vs {b.Length})", nameof(b));
        }

        return Unchecked(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>The loop itself, on validated references of <paramref name="n"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Unchecked<T>(ref T a, ref T b, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        int count = Vector<T>.Count;
        Vector<T> acc = Vector<T>.Zero;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            for (; i <= n - count; i += count)
            {
                acc += Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref b, (nuint)i);
            }
        }

        return Finish(acc, ref a, ref b, i, n);
    }

    /// <summary>Adds the lanes of <paramref name="acc"/> to +0 in ascending order, then the tail <c>i .. n−1</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Finish<T>(Vector<T> acc, ref T a, ref T b, int i, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int lane = 0; lane < Vector<T>.Count; lane++)
        {
            sum += acc.GetElement(lane);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }
}
