using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <see cref="Vector{T}"/> maps for the piecewise-linear activations. Each is exact (a select or a product by a
/// constant), so the vector and scalar paths agree bit for bit.
/// </summary>
public static class ActivationMaps
{
    /// <summary><c>y_i = x_i &lt; 0 ? 0 : x_i</c> (NaN propagates; <c>−0</c> stays <c>−0</c>).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            for (; i <= n - count; i += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref rx, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(v, Vector<T>.Zero), Vector<T>.Zero, v).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = x[i] < T.Zero ? T.Zero : x[i];
        }
    }

    /// <summary><c>y_i = x_i &lt; 0 ? a · x_i : x_i</c> (NaN propagates).</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            Vector<T> va = new(a);
            for (; i <= n - count; i += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref rx, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(v, Vector<T>.Zero), va * v, v).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = x[i] < T.Zero ? a * x[i] : x[i];
        }
    }

    /// <summary><c>y_i = x_i &gt; 0 ? 1 : a</c> (the derivative of ReLU with <c>a = 0</c> and of leaky ReLU).</summary>
    public static void Step<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, count = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && n >= count)
        {
            Vector<T> va = new(a);
            for (; i <= n - count; i += count)
            {
                Vector<T> v = Vector.LoadUnsafe(ref rx, (nuint)i);
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), Vector<T>.One, va).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = x[i] > T.Zero ? T.One : a;
        }
    }
}
