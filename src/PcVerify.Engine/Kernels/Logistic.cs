using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>σ(x) = 1/(1 + e^{−x})</c> for <c>x ≥ 0</c> and <c>e^x/(1 + e^x)</c> for <c>x &lt; 0</c>, both as
/// <c>n / (1 + e)</c> with <c>e = e^{−|x|}</c> (never overflows; <c>σ(+∞) = 1</c>, <c>σ(−∞) = 0</c>, NaN propagates).
/// <c>σ</c> rounds to 1 once <c>1 + e</c> does (x ≳ 36.7 in double), where <c>σ(1 − σ)</c> is exactly 0.
/// </summary>
internal readonly struct LogisticKernel : IDoubleKernel
{
    /// <inheritdoc />
    public static Vector<double> Of(Vector<double> x)
    {
        Vector<double> e = Exponential.ExpNegative(Vector.Abs(x));
        Vector<double> n = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, Vector<double>.Zero), Vector<double>.One, e);
        return n / (Vector<double>.One + e);
    }
}

/// <summary><c>y = σ(x)</c> (also softplus').</summary>
internal readonly struct LogisticOp<T> : IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x) => SmoothMap.Of<T, LogisticKernel>(x);

    public Vector<T> Invoke(Vector<T> x) => SmoothMap.Of<T, LogisticKernel>(x);
}

/// <summary><c>y = s·(1 − s)</c>, <c>s = σ(x)</c> rounded to <c>T</c>.</summary>
internal readonly struct LogisticDerivativeOp<T> : IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x) => Invoke(new Vector<T>(x))[0];

    public Vector<T> Invoke(Vector<T> x)
    {
        Vector<T> s = SmoothMap.Of<T, LogisticKernel>(x);
        return s * (Vector<T>.One - s);
    }
}
