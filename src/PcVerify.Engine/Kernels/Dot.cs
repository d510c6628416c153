using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Dot product <c>s = Σ_j a_j · b_j</c>, the inner loop of <see cref="Gemv"/> and of the batched forward pass.
/// </summary>
/// <remarks>
/// Summation order (part of the determinism contract, docs/determinism.md): four <see cref="Vector{T}"/>
/// accumulators over blocks of <c>4·Count</c> elements, then one accumulator over blocks of <c>Count</c>,
/// combined as <c>((acc0 + acc1) + (acc2 + acc3)) + acc4</c>; the lanes of that vector are added in ascending
/// lane order; the scalar tail is added last, in ascending index order. The result is therefore
/// bit-reproducible for a given <c>Vector&lt;T&gt;.Count</c>, and may differ in the last bits between machines
/// with different SIMD widths and from the naive left-to-right sum in <see cref="Reference.Dot{T}"/>.
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
        T sum = T.Zero;
        int count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            Vector<T> acc0 = Vector<T>.Zero, acc1 = Vector<T>.Zero, acc2 = Vector<T>.Zero, acc3 = Vector<T>.Zero;
            for (; i <= n - (4 * count); i += 4 * count)
            {
                acc0 += Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref b, (nuint)i);
                acc1 += Vector.LoadUnsafe(ref a, (nuint)(i + count)) * Vector.LoadUnsafe(ref b, (nuint)(i + count));
                acc2 += Vector.LoadUnsafe(ref a, (nuint)(i + (2 * count))) * Vector.LoadUnsafe(ref b, (nuint)(i + (2 * count)));
                acc3 += Vector.LoadUnsafe(ref a, (nuint)(i + (3 * count))) * Vector.LoadUnsafe(ref b, (nuint)(i + (3 * count)));
            }

            Vector<T> acc4 = Vector<T>.Zero;
            for (; i <= n - count; i += count)
            {
                acc4 += Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref b, (nuint)i);
            }

            Vector<T> acc = ((acc0 + acc1) + (acc2 + acc3)) + acc4;
            for (int lane = 0; lane < count; lane++)
            {
                sum += acc[lane];
            }
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }
}
