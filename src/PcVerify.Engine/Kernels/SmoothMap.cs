using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>A function evaluated on <see cref="Vector{T}"/> of double, lane by lane (a smooth activation's kernel).</summary>
internal interface IDoubleKernel
{
    /// <summary>The function on each lane.</summary>
    static abstract Vector<double> Of(Vector<double> x);
}

/// <summary>
/// The one way a smooth activation is evaluated in the engine's type <c>T</c>: <c>double</c> lanes directly;
/// <c>float</c> lanes widened to double (exact), evaluated by the same double kernel, and rounded once to float. The
/// scalar form is the vector form on a broadcast value, so a tail element, a block boundary or a per-element call
/// gives the bits a full vector gives, for any <see cref="Vector{T}.Count"/>.
/// </summary>
internal static class SmoothMap
{
    /// <summary><c>F</c> on every lane of <paramref name="x"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static Vector<T> Of<T, TKernel>(Vector<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IDoubleKernel
    {
        if (typeof(T) == typeof(double))
        {
            return TKernel.Of(x.As<T, double>()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            Vector.Widen(x.As<T, float>(), out Vector<double> lo, out Vector<double> hi);
            return Vector.Narrow(TKernel.Of(lo), TKernel.Of(hi)).As<float, T>();
        }

        throw new NotSupportedException($"smooth activations are implemented for float and double, not {typeof(T).Name}");
    }

    /// <summary><c>F(x)</c> for one value: the vector form on a broadcast, lane 0.</summary>
    public static T Of<T, TKernel>(T x)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IDoubleKernel => Of<T, TKernel>(new Vector<T>(x))[0];
}
