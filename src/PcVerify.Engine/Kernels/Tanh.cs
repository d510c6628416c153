using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>tanh |x| = −m / (2 + m)</c> with <c>m = e^{−2|x|} − 1</c> for <c>|x| &lt; ½ ln 3</c> (where tanh &lt; ½ and
/// <c>m</c> keeps its relative accuracy), and <c>1 − 2e / (1 + e)</c> with <c>e = e^{−2|x|}</c> above (where the
/// subtracted term is at most ½ and its error is scaled down by it); sign from <c>x</c>, so <c>tanh(−0) = −0</c>, NaN
/// propagates, <c>tanh(±∞) = ±1</c>. For <c>|x| ≥ 22</c> the result is exactly ±1 in double (<c>2e^{−44} &lt; 2^{−62}</c>),
/// so larger arguments are evaluated at 22; the derivative <c>1 − tanh²</c> is then exactly 0 (docs/findings.md F3).
/// </summary>
internal readonly struct TanhKernel : IDoubleKernel
{
    /// <summary>Arguments at or beyond this magnitude give exactly ±1.</summary>
    internal const double Saturation = 22.0;

    private const double HalfLn3 = 0.5493061443340549; // tanh(½ ln 3) = ½

    /// <inheritdoc />
    public static Vector<double> Of(Vector<double> x)
    {
        Vector<double> y = Vector.Abs(x);
        Vector<double> limit = new(Saturation);
        y = Vector.ConditionalSelect(Vector.GreaterThan(y, limit), limit, y);
        Vector<double> m = Exponential.ExpNegativeMinusOne(y + y, out Vector<double> e);

        // t = a − b/d: (0, m, 2 + m) below ½ ln 3, (1, 2e, 1 + e) above; one division for both.
        Vector<long> large = Vector.GreaterThanOrEqual(y, new Vector<double>(HalfLn3));
        Vector<double> a = Vector.ConditionalSelect(large, Vector<double>.One, Vector<double>.Zero);
        Vector<double> b = Vector.ConditionalSelect(large, e + e, m);
        Vector<double> d = Vector.ConditionalSelect(large, Vector<double>.One + e, new Vector<double>(2.0) + m);
        Vector<double> t = a - (b / d);

        // |t| with x's sign: the formula gives −0 for x = ±0, and the sign must come from x.
        Vector<double> sign = new(-0.0);
        return Vector.AndNot(t, sign) | (x & sign);
    }
}

/// <summary><c>y = tanh x</c>.</summary>
internal readonly struct TanhOp<T> : IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x) => SmoothMap.Of<T, TanhKernel>(x);

    public Vector<T> Invoke(Vector<T> x) => SmoothMap.Of<T, TanhKernel>(x);
}

/// <summary><c>y = 1 − t·t</c>, <c>t = tanh x</c> rounded to <c>T</c> (exactly 0 where <c>t = ±1</c>).</summary>
internal readonly struct TanhDerivativeOp<T> : IUnaryOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x) => Invoke(new Vector<T>(x))[0];

    public Vector<T> Invoke(Vector<T> x)
    {
        Vector<T> t = SmoothMap.Of<T, TanhKernel>(x);
        return Vector<T>.One - (t * t);
    }
}
