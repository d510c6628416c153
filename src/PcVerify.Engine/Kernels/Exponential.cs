using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <c>e^{−a}</c> and <c>e^{−a} − 1</c> for <c>a ≥ 0</c> on <see cref="Vector{T}"/> of double: the building block of
/// tanh, the logistic function and softplus, which only ever need the exponential of a non-positive argument
/// (so it never overflows). Every step is a lane-wise IEEE operation (add, multiply, fused multiply–add, compare,
/// select, integer and bit operations; no table, no library call), so a lane's result depends on its input only —
/// not on the lane, the vector width or the hardware. (The fused multiply–add is exactly specified by IEEE 754 and
/// .NET computes it fused also where the hardware has none, so it does not break this: checked with
/// <c>DOTNET_EnableFMA=0</c>, docs/determinism.md.)
/// </summary>
/// <remarks>
/// Argument reduction: <c>a = k·ln 2 − r</c> with <c>k = round(a / ln 2)</c>, <c>|r| ≤ ½ ln 2</c> (up to the rounding
/// of <c>a / ln 2</c>), <c>r</c> formed with fdlibm's two-part <c>ln 2</c> (its high part has 21 trailing zero bits,
/// so <c>k · Ln2Hi</c> and the first subtraction are exact). Then <c>e^{−a} = 2^{−k}(1 + p)</c> with
/// <c>p = e^r − 1 = r + r²·q(r)</c>, <c>q</c> the Taylor series through <c>r^{13}/13!</c> evaluated by Estrin's scheme
/// (truncation <c>|r|^{14}/14! ≤ 5·10^{−18}</c>, below 0.05 ulp of the result), with the rounding error of <c>r</c>
/// added back. Measured errors of the functions built on it: docs/determinism.md.
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
        Vector<double> s1 = PowerOfTwo(-k1);
        return Fma(s1, p, s1) * PowerOfTwo(-k2);
    }

    /// <summary>
    /// <c>e^{−a} − 1</c> (returned, with small relative error also near <c>a = 0</c>) and <c>e^{−a}</c>
    /// (<paramref name="e"/>) for <c>0 ≤ a ≤ 64</c> or NaN, from one reduction.
    /// </summary>
    public static Vector<double> ExpNegativeMinusOne(Vector<double> a, out Vector<double> e)
    {
        Vector<double> p = ExpMinusOne(a, out Vector<long> k);
        Vector<double> scale = PowerOfTwo(-k);
        e = Fma(scale, p, scale);

        // 2^{−k}(1 + p) − 1 = 2^{−k}·p + (2^{−k} − 1), the last term exact for k ≤ 53: one rounding.
        return Fma(scale, p, scale - Vector<double>.One);
    }

    /// <summary><c>2^n</c> for <c>−1022 ≤ n ≤ 1023</c>, built from its exponent bits.</summary>
    private static Vector<double> PowerOfTwo(Vector<long> n) =>
        Vector.AsVectorDouble(Vector.ShiftLeft(n + new Vector<long>(1023), 52));

    /// <summary><c>e^r − 1</c> where <c>a = k·ln 2 − r</c>; returns <c>p</c> and <c>k</c>.</summary>
    private static Vector<double> ExpMinusOne(Vector<double> a, out Vector<long> k)
    {
        Vector<double> shifter = new(Shifter);
        Vector<double> shifted = Fma(a, new Vector<double>(Log2E), shifter);
        Vector<double> kd = shifted - shifter;
        k = Vector.AsVectorInt64(shifted) - Vector.AsVectorInt64(shifter);
        Vector<double> rHi = (kd * new Vector<double>(Ln2Hi)) - a, rLo = kd * new Vector<double>(Ln2Lo);
        Vector<double> r = rHi + rLo;

        // The rounding error of r, exactly (Fast2Sum: |rHi| ≥ |rLo|), is added back below: r is otherwise the
        // largest single error of p when k ≠ 0.
        Vector<double> c = (rHi - r) + rLo;

        // q(r) = Σ_{n=2}^{13} r^{n−2}/n! by Estrin's scheme: pairs c_n + c_{n+1}·r, combined with r², r⁴, r⁸. Its
        // dependency chain is 5 products deep instead of Horner's 11, which is what limits a loop of independent
        // lanes (the terms above r² are below 0.06 of q, so the different rounding order does not show).
        Vector<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector<double> p2 = Fma(r, new Vector<double>(1.0 / 6), new Vector<double>(1.0 / 2));
        Vector<double> p4 = Fma(r, new Vector<double>(1.0 / 120), new Vector<double>(1.0 / 24));
        Vector<double> p6 = Fma(r, new Vector<double>(1.0 / 5040), new Vector<double>(1.0 / 720));
        Vector<double> p8 = Fma(r, new Vector<double>(1.0 / 362880), new Vector<double>(1.0 / 40320));
        Vector<double> p10 = Fma(r, new Vector<double>(1.0 / 39916800), new Vector<double>(1.0 / 3628800));
        Vector<double> p12 = Fma(r, new Vector<double>(1.0 / 6227020800), new Vector<double>(1.0 / 479001600));
        Vector<double> q = Fma(Fma(p12, r2, p10), r8, Fma(Fma(p8, r2, p6), r4, Fma(p4, r2, p2)));
        return r + Fma(r2, q, c);
    }

    /// <summary>
    /// <c>a·b + c</c> rounded once. IEEE 754 defines the fused operation exactly and .NET computes it fused also without
    /// FMA hardware (in software), so it gives the same bits on every machine, vector lane or scalar.
    /// </summary>
    internal static Vector<double> Fma(Vector<double> a, Vector<double> b, Vector<double> c) => Vector.FusedMultiplyAdd(a, b, c);
}
