using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>e^{−a}</c> and <c>e^{−a} − 1</c> for <c>a ≥ 0</c> on <see cref="Vector{T}"/> of double: the building block of
/// tanh, the logistic function and softplus, which only ever need the exponential of a non-positive argument
/// (so it never overflows). Every step is a lane-wise IEEE operation (add, multiply, compare, select, integer and
/// bit operations; no fused multiply–add, no table), so a lane's result depends on its input only — not on the
/// lane, the vector width or the hardware.
/// </summary>
/// <remarks>
/// Argument reduction: <c>a = k·ln 2 − r</c> with <c>k = round(a / ln 2)</c>, <c>|r| ≤ ½ ln 2</c> (up to the rounding
/// of <c>a / ln 2</c>), <c>r</c> formed with fdlibm's two-part <c>ln 2</c> (its high part has 21 trailing zero bits,
/// so <c>k · Ln2Hi</c> and the first subtraction are exact). Then <c>e^{−a} = 2^{−k}(1 + p)</c> with
/// <c>p = e^r − 1 = r + r²·q(r)</c>, <c>q</c> the Taylor series through <c>r^{13}/13!</c> (truncation
/// <c>|r|^{14}/14! ≤ 5·10^{−18}</c>, below 0.05 ulp of the result). Measured error: see docs/determinism.md.
/// </remarks>
internal static class Exponential
{
    private const double Ln2Hi = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000
    private const double Ln2Lo = 1.90821492927058770002e-10; // 0x3DEA39EF35793C76
    private const double Log2E = 1.4426950408889634;

    // Adding 1.5·2^52 rounds a value below 2^51 in magnitude to an integer (ties to even) and leaves that integer in
    // the low bits of the sum: subtracting the constant's bit pattern reads it out as a 64-bit integer.
    private const double Shifter = 6755399441055744.0;

    /// <summary>Above this <c>a</c>, <c>e^{−a} &lt; 2^{−1075}</c> rounds to 0; larger arguments (and +∞) are reduced to it.</summary>
    internal const double UnderflowArgument = 746.0;

    /// <summary><c>e^{−a}</c> for <c>a ≥ 0</c>, +∞ (→ 0) or NaN (→ NaN), rounded once into the subnormal range.</summary>
    public static Vector<double> ExpNegative(Vector<double> a)
    {
        // For a ≥ 746 the result is 0 whatever a is; reducing a keeps k·Ln2Hi finite (∞ − ∞ would give NaN).
        Vector<double> limit = new(UnderflowArgument);
        a = Vector.ConditionalSelect(Vector.GreaterThan(a, limit), limit, a);
        Vector<double> p = ExpMinusOne(a, out Vector<long> k);

        // 2^{−k} is applied in two factors of at most 2^{−538} each, both normal: the first product is exact, the
        // second rounds once (to a subnormal when the result is one).
        Vector<long> k1 = Vector.ShiftRightArithmetic(k, 1), k2 = k - k1;
        return ((Vector<double>.One + p) * PowerOfTwo(-k1)) * PowerOfTwo(-k2);
    }

    /// <summary>
    /// <c>e^{−a} − 1</c> (returned, with small relative error also near <c>a = 0</c>) and <c>e^{−a}</c>
    /// (<paramref name="e"/>) for <c>0 ≤ a ≤ 64</c> or NaN, from one reduction.
    /// </summary>
    public static Vector<double> ExpNegativeMinusOne(Vector<double> a, out Vector<double> e)
    {
        Vector<double> p = ExpMinusOne(a, out Vector<long> k);
        Vector<double> scale = PowerOfTwo(-k);
        e = scale * (Vector<double>.One + p);

        // 2^{−k}(1 + p) − 1 = 2^{−k}·p + (2^{−k} − 1): both terms are exact for k ≤ 53, so one rounding.
        return (scale * p) + (scale - Vector<double>.One);
    }

    /// <summary><c>2^n</c> for <c>−1022 ≤ n ≤ 1023</c>, built from its exponent bits.</summary>
    private static Vector<double> PowerOfTwo(Vector<long> n) =>
        Vector.AsVectorDouble(Vector.ShiftLeft(n + new Vector<long>(1023), 52));

    /// <summary><c>e^r − 1</c> where <c>a = k·ln 2 − r</c>; returns <c>p</c> and <c>k</c>.</summary>
    private static Vector<double> ExpMinusOne(Vector<double> a, out Vector<long> k)
    {
        Vector<double> shifter = new(Shifter);
        Vector<double> shifted = (a * new Vector<double>(Log2E)) + shifter;
        Vector<double> kd = shifted - shifter;
        k = Vector.AsVectorInt64(shifted) - Vector.AsVectorInt64(shifter);
        Vector<double> r = ((kd * new Vector<double>(Ln2Hi)) - a) + (kd * new Vector<double>(Ln2Lo));

        // q(r) = Σ_{n=2}^{13} r^{n−2}/n!, Horner from the highest term.
        Vector<double> q = new(1.0 / 6227020800.0);
        q = (q * r) + new Vector<double>(1.0 / 479001600.0);
        q = (q * r) + new Vector<double>(1.0 / 39916800.0);
        q = (q * r) + new Vector<double>(1.0 / 3628800.0);
        q = (q * r) + new Vector<double>(1.0 / 362880.0);
        q = (q * r) + new Vector<double>(1.0 / 40320.0);
        q = (q * r) + new Vector<double>(1.0 / 5040.0);
        q = (q * r) + new Vector<double>(1.0 / 720.0);
        q = (q * r) + new Vector<double>(1.0 / 120.0);
        q = (q * r) + new Vector<double>(1.0 / 24.0);
        q = (q * r) + new Vector<double>(1.0 / 6.0);
        q = (q * r) + new Vector<double>(0.5);
        return r + ((r * r) * q);
    }
}
