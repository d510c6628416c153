using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>ln(1 + e)</c> for <c>0 ≤ e ≤ 1</c> on <see cref="Vector{T}"/> of double (softplus's <c>ln(1 + e^{−|x|})</c>),
/// with small relative error for every <c>e</c>, including <c>e</c> far below the rounding unit where
/// <c>ln(1 + e) = e</c>. Lane-wise IEEE operations only (see <see cref="Exponential"/>).
/// </summary>
/// <remarks>
/// fdlibm's <c>log1p</c> restricted to this interval: <c>u = 1 + e</c> rounded, <c>c = e − (u − 1)</c> its exact
/// rounding error (Fast2Sum: <c>1 ≥ e</c>), so <c>ln(1 + e) = ln u + ln(1 + c/u) ≈ ln u + c/u</c>. With
/// <c>u = 2^k(1 + f)</c>, <c>k ∈ {0, 1}</c> chosen so that <c>√2/2 − 1 ≤ f ≤ √2 − 1</c> (both <c>u − 1</c> and
/// <c>u/2 − 1</c> are exact), <c>ln(1 + f) = f − (f²/2 − s(f²/2 + R))</c>, <c>s = f/(2 + f)</c>, and <c>R(s²)</c>
/// fdlibm's degree-7 minimax polynomial (error below 2^{−58.45} on this range).
/// </remarks>
internal static class Log1p
{
    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10;
    private const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary><c>ln(1 + e)</c> for <c>0 ≤ e ≤ 1</c> (NaN → NaN).</summary>
    public static Vector<double> OfUnitInterval(Vector<double> e)
    {
        Vector<double> one = Vector<double>.One;
        Vector<double> u = one + e;
        Vector<double> c = (e - (u - one)) / u;
        Vector<long> upper = Vector.GreaterThan(u, new Vector<double>(Sqrt2));
        Vector<double> f = Vector.ConditionalSelect(upper, (u * new Vector<double>(0.5)) - one, u - one);
        Vector<double> kd = Vector.ConditionalSelect(upper, one, Vector<double>.Zero);

        Vector<double> s = f / (new Vector<double>(2.0) + f);
        Vector<double> z = s * s, w = z * z;
        Vector<double> t1 = w * (new Vector<double>(Lg2) + (w * (new Vector<double>(Lg4) + (w * new Vector<double>(Lg6)))));
        Vector<double> t2 = z * (new Vector<double>(Lg1) + (w * (new Vector<double>(Lg3) + (w * (new Vector<double>(Lg5) + (w * new Vector<double>(Lg7)))))));
        Vector<double> r = t2 + t1;
        Vector<double> hfsq = new Vector<double>(0.5) * f * f;
        return (kd * new Vector<double>(Ln2Hi)) - ((hfsq - ((s * (hfsq + r)) + ((kd * new Vector<double>(Ln2Lo)) + c))) - f);
    }
}
