using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// Whether <see cref="FinishFour{T}"/> runs the transposed form: <see cref="Vector{T}"/> is 256 bits wide and
    /// AVX is there (otherwise it finishes each accumulator with <see cref="Finish{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TransposedFinish<T>()
        where T : unmanaged => Avx.IsSupported && Vector<byte>.Count == 32 && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// <see cref="Finish{T}"/> for four dots at once: <c>y[r] = Finish(acc_r, x_r, w_r, i, n)</c> for r = 0..3, where
    /// dot r multiplies <c>x_r = x + r·xStride</c> by <c>w_r = w + r·wStride</c>.
    /// </summary>
    /// <remarks>
    /// The four accumulators are transposed so that vector <c>c</c> holds lane <c>c</c> of every accumulator; adding
    /// those vectors to +0 in ascending <c>c</c> performs, in each lane, exactly the scalar sequence
    /// <c>((+0 + acc_r[0]) + acc_r[1]) + …</c> of <see cref="Finish{T}"/> (same operands, same order, same
    /// rounding); the tail is then added to each sum in ascending index order, as there. A transpose and
    /// <c>Count</c> vector additions replace <c>4·Count</c> lane extractions and dependent scalar additions.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FinishFour<T>(Vector<T> acc0, Vector<T> acc1, Vector<T> acc2, Vector<T> acc3, ref T x, int xStride, ref T w, int wStride, int i, int n, ref T y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!TransposedFinish<T>())
        {
            y = Finish(acc0, ref x, ref w, i, n);
            Unsafe.Add(ref y, 1) = Finish(acc1, ref Unsafe.Add(ref x, xStride), ref Unsafe.Add(ref w, wStride), i, n);
            Unsafe.Add(ref y, 2) = Finish(acc2, ref Unsafe.Add(ref x, 2 * xStride), ref Unsafe.Add(ref w, 2 * wStride), i, n);
            Unsafe.Add(ref y, 3) = Finish(acc3, ref Unsafe.Add(ref x, 3 * xStride), ref Unsafe.Add(ref w, 3 * wStride), i, n);
            return;
        }

        if (typeof(T) == typeof(float))
        {
            LaneSums(acc0.AsVector256().As<T, float>(), acc1.AsVector256().As<T, float>(), acc2.AsVector256().As<T, float>(), acc3.AsVector256().As<T, float>())
                .As<float, T>().StoreUnsafe(ref y);
        }
        else
        {
            LaneSums(acc0.AsVector256().As<T, double>(), acc1.AsVector256().As<T, double>(), acc2.AsVector256().As<T, double>(), acc3.AsVector256().As<T, double>())
                .As<double, T>().StoreUnsafe(ref y);
        }

        if (i < n)
        {
            for (int r = 0; r < 4; r++)
            {
                ref T xr = ref Unsafe.Add(ref x, r * xStride);
                ref T wr = ref Unsafe.Add(ref w, r * wStride);
                T sum = Unsafe.Add(ref y, r);
                for (int t = i; t < n; t++)
                {
                    sum += Unsafe.Add(ref xr, t) * Unsafe.Add(ref wr, t);
                }

                Unsafe.Add(ref y, r) = sum;
            }
        }
    }

    /// <summary>Lane r of the result is <c>((+0 + a_r[0]) + a_r[1]) + … + a_r[7]</c>: a 4×8 transpose, then eight additions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LaneSums(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        // Per 128-bit half: t0 = (a0[0] a1[0] a0[1] a1[1]), t1 = (a0[2] a1[2] a0[3] a1[3]), likewise t2, t3 for a2, a3.
        Vector256<float> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1);
        Vector256<float> t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
        // u_c = (column c | column c+4), column c = (a0[c] a1[c] a2[c] a3[c]).
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector128<float> s = Vector128<float>.Zero + u0.GetLower();
        s += u1.GetLower();
        s += u2.GetLower();
        s += u3.GetLower();
        s += u0.GetUpper();
        s += u1.GetUpper();
        s += u2.GetUpper();
        s += u3.GetUpper();
        return s;
    }

    /// <summary>Lane r of the result is <c>((+0 + a_r[0]) + a_r[1]) + … + a_r[3]</c>: a 4×4 transpose, then four additions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LaneSums(Vector256<double> a0, Vector256<double> a1, Vector256<double> a2, Vector256<double> a3)
    {
        // t0 = (a0[0] a1[0] | a0[2] a1[2]), t1 = (a0[1] a1[1] | a0[3] a1[3]), likewise t2, t3 for a2, a3.
        Vector256<double> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1);
        Vector256<double> t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
        Vector256<double> s = Vector256<double>.Zero + Avx.Permute2x128(t0, t2, 0x20);
        s += Avx.Permute2x128(t1, t3, 0x20);
        s += Avx.Permute2x128(t0, t2, 0x31);
        s += Avx.Permute2x128(t1, t3, 0x31);
        return s;
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
