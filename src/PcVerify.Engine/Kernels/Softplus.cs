using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>softplus x = ln(1 + e^x) = max(x, 0) + ln(1 + e^{−|x|})</c>, the logarithm by <see cref="Log1p"/> (so the
/// result keeps its relative accuracy for very negative <c>x</c>, where it equals <c>e^x</c>). <c>softplus(+∞) = +∞</c>,
/// <c>softplus(−∞) = 0</c>, NaN propagates. Its derivative is <see cref="LogisticOp{T}"/>.
/// </summary>
internal readonly struct SoftplusKernel : IDoubleKernel
{
    /// <inheritdoc />
    public static Vector<double> Of(Vector<double> x)
    {
        Vector<double> l = Log1p.OfUnitInterval(Exponential.ExpNegative(Vector.Abs(x)));
        return Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<double>.Zero), x + l, l);
    }
}

/// <summary><c>y = softplus x</c>.</summary>
internal readonly struct SoftplusOp<T> : IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x) => SmoothMap.Of<T, SoftplusKernel>(x);

    public Vector<T> Invoke(Vector<T> x) => SmoothMap.Of<T, SoftplusKernel>(x);
}
