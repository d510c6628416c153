namespace PcVerify.Tests.Kernels;

/// <summary>
/// A double-double number <c>Hi + Lo</c> (|Lo| ≤ ½ ulp(Hi)): about 106 significant bits, enough to measure a double
/// kernel's error to a small fraction of an ulp. Error-free transformations (TwoSum, FMA-based TwoProd) as in
/// Dekker (1971) and the QD library; relative error of each operation below 2^{−100}.
/// </summary>
internal readonly record struct DoubleDouble(double Hi, double Lo)
{
    public static implicit operator DoubleDouble(double x) => new(x, 0);

    private static DoubleDouble TwoSum(double a, double b)
    {
        double s = a + b, bb = s - a;
        return new(s, (a - (s - bb)) + (b - bb));
    }

    private static DoubleDouble QuickTwoSum(double a, double b)
    {
        double s = a + b;
        return new(s, b - (s - a));
    }

    public static DoubleDouble operator +(DoubleDouble a, DoubleDouble b)
    {
        DoubleDouble s = TwoSum(a.Hi, b.Hi), t = TwoSum(a.Lo, b.Lo);
        s = QuickTwoSum(s.Hi, s.Lo + t.Hi);
        return QuickTwoSum(s.Hi, s.Lo + t.Lo);
    }

    public static DoubleDouble operator -(DoubleDouble a) => new(-a.Hi, -a.Lo);

    public static DoubleDouble operator -(DoubleDouble a, DoubleDouble b) => a + (-b);

    public static DoubleDouble operator *(DoubleDouble a, DoubleDouble b)
    {
        double p = a.Hi * b.Hi;
        double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p) + ((a.Hi * b.Lo) + (a.Lo * b.Hi));
        return QuickTwoSum(p, e);
    }

    public static DoubleDouble operator /(DoubleDouble a, DoubleDouble b)
    {
        double q1 = a.Hi / b.Hi;
        DoubleDouble r = a - (b * q1);
        double q2 = r.Hi / b.Hi;
        r -= b * q2;
        double q3 = r.Hi / b.Hi;
        return QuickTwoSum(q1, q2) + q3;
    }

    /// <summary>Multiplies by <c>2^n</c> (exact while both parts stay normal).</summary>
    public DoubleDouble Scale(int n) => new(Math.ScaleB(Hi, n), Math.ScaleB(Lo, n));
}

/// <summary>
/// A positive or zero number <c>M · 2^E</c> with a double-double mantissa: the references below keep the exponent
/// apart, so values far below the double range (e^{−745}) keep all their bits until the final comparison.
/// </summary>
internal readonly record struct Scaled(DoubleDouble M, int E)
{
    public static implicit operator Scaled(DoubleDouble m) => new(m, 0);

    /// <summary>Brings the mantissa's high part to [1, 2).</summary>
    public Scaled Normalised()
    {
        if (M.Hi == 0)
        {
            return new(M, 0);
        }

        int k = Math.ILogB(M.Hi);
        return new(M.Scale(-k), E + k);
    }

    /// <summary>The value as a double-double (when it lies in the double range with room for the low part).</summary>
    public DoubleDouble Value => M.Scale(E);
}

/// <summary>
/// High-precision references for tanh, σ, softplus and their derivatives, independent of the engine's kernels: no
/// shared constant (not even ln 2: the exponential is reduced by halving, not by <c>k·ln 2</c>), Taylor and atanh series
/// in double-double. Relative error below 10^{−25} everywhere (the halving–squaring of <see cref="Exp"/> doubles the
/// mantissa's relative error per squaring, at most 17 of them: 2^{17}·2^{−100} ≈ 10^{−25}), i.e. below 10^{−9} ulp.
/// </summary>
internal static class HighPrecision
{
    /// <summary><c>e^t − 1</c> for <c>|t| ≤ 2^{−6}</c>: Taylor through <c>t^{16}</c> (remainder &lt; 10^{−42}).</summary>
    private static DoubleDouble ExpM1Small(double t)
    {
        DoubleDouble sum = 0, term = t;
        for (int n = 1; n <= 16; n++)
        {
            if (n > 1)
            {
                term = term * t / n;
            }

            sum += term;
        }

        return sum;
    }

    /// <summary><c>e^t</c> for finite <c>t ≤ 0</c>: <c>(e^{t/2^s})^{2^s}</c> with <c>|t/2^s| ≤ 2^{−6}</c>.</summary>
    public static Scaled Exp(double t)
    {
        int s = 0;
        double r = t;
        while (Math.Abs(r) > 1.0 / 64)
        {
            r /= 2; // exact
            s++;
        }

        Scaled x = new DoubleDouble(1, 0) + ExpM1Small(r);
        for (int i = 0; i < s; i++)
        {
            x = new Scaled(x.M * x.M, 2 * x.E).Normalised();
        }

        return x.Normalised();
    }

    /// <summary><c>e^t − 1</c> for <c>−1 ≤ t ≤ 0</c> with relative accuracy: halving, then <c>m ← m(2 + m)</c>.</summary>
    public static DoubleDouble ExpM1(double t)
    {
        int s = 0;
        double r = t;
        while (Math.Abs(r) > 1.0 / 64)
        {
            r /= 2;
            s++;
        }

        DoubleDouble m = ExpM1Small(r);
        for (int i = 0; i < s; i++)
        {
            m *= m + 2;
        }

        return m;
    }

    /// <summary><c>tanh |x|</c> (the caller restores the sign).</summary>
    public static Scaled TanhAbs(double x)
    {
        double y = Math.Abs(x);
        if (y < 1e-4)
        {
            // tanh y = y − y³/3 + 2y⁵/15 − 17y⁷/315 + O(y⁹): remainder below 10^{−36} relative.
            DoubleDouble yy = y, y2 = yy * yy;
            DoubleDouble series = 1 - (y2 * (((DoubleDouble)1 / 3) - (y2 * (((DoubleDouble)2 / 15) - (y2 * ((DoubleDouble)17 / 315))))));
            return new Scaled(new DoubleDouble(y, 0) * series, 0);
        }

        if (y > 400)
        {
            return new DoubleDouble(1, 0); // 1 − 2e^{−800} is 1 far beyond double-double precision.
        }

        DoubleDouble m = 2 * y <= 1 ? ExpM1(-2 * y) : Exp(-2 * y).Value - 1;
        return (-m) / (m + 2);
    }

    /// <summary><c>1 − tanh² x = 4e/(1 + e)²</c>, <c>e = e^{−2|x|}</c> (no cancellation).</summary>
    public static Scaled TanhDerivative(double x)
    {
        double y = Math.Abs(x);
        if (y < 1e-4)
        {
            DoubleDouble t = TanhAbs(x).Value;
            return 1 - (t * t); // no cancellation: t² < 10^{−8}
        }

        Scaled e = Exp(-2 * y);
        DoubleDouble onePlus = 1 + e.Value;
        return new Scaled(4 * e.M / (onePlus * onePlus), e.E);
    }

    /// <summary><c>σ(x)</c>.</summary>
    public static Scaled Logistic(double x)
    {
        Scaled e = Exp(-Math.Abs(x));
        DoubleDouble onePlus = 1 + e.Value;
        return x >= 0 ? (Scaled)((DoubleDouble)1 / onePlus) : new Scaled(e.M / onePlus, e.E);
    }

    /// <summary><c>σ'(x) = e/(1 + e)²</c>, <c>e = e^{−|x|}</c>.</summary>
    public static Scaled LogisticDerivative(double x)
    {
        Scaled e = Exp(-Math.Abs(x));
        DoubleDouble onePlus = 1 + e.Value;
        return new Scaled(e.M / (onePlus * onePlus), e.E);
    }

    /// <summary><c>softplus x = max(x, 0) + ln(1 + e)</c>, <c>ln(1 + e) = 2 atanh(e/(2 + e))</c> summed as a series.</summary>
    public static Scaled Softplus(double x)
    {
        Scaled e = Exp(-Math.Abs(x));
        Scaled log1p;
        if (e.E < -200)
        {
            // ln(1 + e) = e(1 − e/2 + …): the correction is below 2^{−200}, far beyond double-double precision.
            log1p = e;
        }
        else
        {
            DoubleDouble ev = e.Value, s = ev / (ev + 2), s2 = s * s, power = s, sum = 0;
            for (int k = 0; k < 60; k++)
            {
                sum += power / ((2 * k) + 1);
                power *= s2;
            }

            log1p = 2 * sum;
        }

        return x > 0 ? (Scaled)(x + log1p.Value) : log1p;
    }
}

/// <summary>Error of a computed value against a <see cref="Scaled"/> reference, in ulps of the reference rounded to the format.</summary>
internal static class Ulps
{
    /// <summary>
    /// <c>|computed − ref| / ulp(ref)</c>, with <c>ulp</c> that of the target format (53 or 24 significant bits,
    /// gradual underflow below the smallest normal). <paramref name="sign"/> is the reference's sign (references are
    /// magnitudes). NaN when the computed value is NaN.
    /// </summary>
    public static double Error(double computed, Scaled reference, int sign, bool single)
    {
        int precision = single ? 24 : 53, minExponent = single ? -126 : -1022;
        Scaled r = reference.Normalised();
        int exponent = r.M.Hi == 0 ? minExponent : Math.Max(r.E, minExponent);
        double ulpScaled = Math.ScaleB(1.0, exponent - (precision - 1) - r.E); // ulp / 2^E, exact
        double c = Math.ScaleB(sign * computed, -r.E);                    // computed / 2^E, exact
        double diff = (c - r.M.Hi) - r.M.Lo;
        return Math.Abs(diff) / ulpScaled;
    }
}
