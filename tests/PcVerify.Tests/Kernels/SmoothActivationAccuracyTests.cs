using System.Numerics;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The smooth activations against the independent double-double references of <see cref="HighPrecision"/> (error
/// below 10^{−9} ulp, checked against published digits below): over a dense sweep, random bit patterns, logarithmically
/// spaced magnitudes down to the subnormals, and the tails; the IEEE specials; and the saturation points that
/// docs/findings.md F3 relies on (f' exactly 0 where f rounds to its limit).
/// </summary>
/// <remarks>
/// Bounds. double: the kernels' error analysis (a few roundings after an exponential of ≈ 1 ulp) gives ≤ 2.5 ulp for
/// tanh and σ and ≤ 2 ulp for softplus; measured maxima are 2.22, 2.21 and 1.50 ulp (docs/determinism.md). float: the
/// double kernel rounded once, so ≤ ½ ulp + 2.5 double ulps = (½ + 2.5·2^{−29}) float ulp. Derivatives are
/// <c>1 − t²</c> and <c>s(1 − s)</c> from the rounded value, which cancel as f saturates: their error is absolute,
/// in units of u = 2^{−53} (2^{−24}): |Δ(1 − t²)| ≤ 2|Δt| + 1u ≤ 6u, |Δ(s(1 − s))| ≤ |Δs| + ¾u ≤ 3u (float: ½u-ulps of
/// t and s give 2u and 1.5u).
/// </remarks>
public class SmoothActivationAccuracyTests
{
    private const double U64 = 1.1102230246251565e-16, U32 = 5.9604644775390625e-08;

    /// <summary>The sweep: a dense grid on [−40, 40], uniform random values, random magnitudes 10^{−310}..800 of either sign, random bit patterns with |x| ≤ 800.</summary>
    private static double[] Points()
    {
        Random rng = new(20261130);
        List<double> xs = [];
        for (int i = 0; i <= 40000; i++)
        {
            xs.Add(-40 + (i * 0.002));
        }

        for (int i = 0; i < 20000; i++)
        {
            xs.Add((rng.NextDouble() * 100) - 50);
            xs.Add(Math.CopySign(Math.Pow(10, (rng.NextDouble() * 313) - 310) * 8, rng.NextDouble() - 0.5));
            double bits = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            if (Math.Abs(bits) <= 800)
            {
                xs.Add(bits);
            }
        }

        return [.. xs];
    }

    private delegate Scaled Ref(double x);

    private static void Within(string name, Ref reference, bool odd, Func<double, double> fd, Func<float, float> ff, double boundD, double boundF, bool absolute)
    {
        double worstD = 0, worstF = 0;
        string atD = "", atF = "";
        foreach (double x in Points())
        {
            int sign = odd && x < 0 ? -1 : 1;
            double ed = absolute
                ? Math.Abs(fd(x) - (sign * reference(x).Value.Hi)) / U64
                : Ulps.Error(fd(x), reference(x), sign, single: false);
            float xf = (float)x;
            int signF = odd && xf < 0 ? -1 : 1;
            double ef = absolute
                ? Math.Abs(ff(xf) - (signF * reference(xf).Value.Hi)) / U32
                : Ulps.Error(ff(xf), reference(xf), signF, single: true);
            if (!(ed <= worstD))
            {
                (worstD, atD) = (ed, $"x = {x:G17}: {fd(x):G17}");
            }

            if (!(ef <= worstF))
            {
                (worstF, atF) = (ef, $"x = {xf:G9}: {ff(xf):G9}");
            }
        }

        string unit = absolute ? "u" : "ulp";
        Assert.True(worstD <= boundD, $"{name} double: {worstD:G6} {unit} > {boundD} at {atD}");
        Assert.True(worstF <= boundF, $"{name} float: {worstF:G6} {unit} > {boundF} at {atF}");
    }

    private const double FloatOfDouble = 0.5 + (2.5 / (1 << 29));

    [Fact]
    public void Tanh_is_within_2_5_ulp_in_double_and_correctly_rounded_to_half_an_ulp_plus_in_float() =>
        Within("tanh", HighPrecision.TanhAbs, odd: true, Activation.Tanh.Value, Activation.Tanh.Value, 2.5, FloatOfDouble, absolute: false);

    [Fact]
    public void Logistic_is_within_2_5_ulp_in_double_and_half_an_ulp_plus_in_float() =>
        Within("σ", HighPrecision.Logistic, odd: false, Activation.Logistic.Value, Activation.Logistic.Value, 2.5, FloatOfDouble, absolute: false);

    [Fact]
    public void Softplus_is_within_2_ulp_in_double_and_half_an_ulp_plus_in_float_also_where_it_equals_e_to_the_x() =>
        Within("softplus", HighPrecision.Softplus, odd: false, Activation.Softplus.Value, Activation.Softplus.Value, 2.0, FloatOfDouble, absolute: false);

    [Fact]
    public void Tanh_derivative_is_within_6u_absolute_in_double_and_2u_in_float() =>
        Within("tanh'", HighPrecision.TanhDerivative, odd: false, Activation.Tanh.Derivative, Activation.Tanh.Derivative, 6, 2, absolute: true);

    [Fact]
    public void Logistic_derivative_is_within_3u_absolute_in_double_and_1_5u_in_float() =>
        Within("σ'", HighPrecision.LogisticDerivative, odd: false, Activation.Logistic.Derivative, Activation.Logistic.Derivative, 3, 1.5, absolute: true);

    [Fact]
    public void The_ulp_measure_catches_a_three_ulp_error()
    {
        // Negative control for the bounds above: the correctly rounded value moved by 3 ulps measures ≈ 3 (> 2.5).
        foreach (double x in new[] { -30.0, -3.7, -0.2, 1e-5, 0.9, 5.5 })
        {
            Scaled r = HighPrecision.Logistic(x);
            double rounded = r.Value.Hi, off = Math.BitIncrement(Math.BitIncrement(Math.BitIncrement(rounded)));
            Assert.InRange(Ulps.Error(rounded, r, 1, single: false), 0, 0.5);
            Assert.InRange(Ulps.Error(off, r, 1, single: false), 2.5, 3.5);
        }
    }

    [Theory]
    [InlineData("tanh 0.5", "0.4621171572600097585023184836436725487302")]
    [InlineData("σ 1", "0.7310585786300048792511592418218362743651")]
    [InlineData("σ -1", "0.2689414213699951207488407581781637256349")]
    [InlineData("softplus 0", "0.6931471805599453094172321214581765680755")]
    [InlineData("softplus 1", "1.3132616875182228340489954949678556419152")]
    [InlineData("e^-1", "0.3678794411714423215955237701614608674458")]
    [InlineData("tanh' 1", "0.4199743416140260693944967390417014449171")]
    public void The_reference_reproduces_published_digits_to_25_significant_digits(string what, string digits)
    {
        // 40-digit values of the closed forms (ln 2 = OEIS A002162, 1/e = A068985; the others from the same
        // constants: tanh ½ = (e − 1)/(e + 1), σ(±1) = 1/(1 + e^{∓1}), tanh' 1 = 1 − tanh² 1, softplus 1 = ln(1 + e)), cut to 29
        // significant digits for decimal and compared with the double-double value.
        Scaled r = what switch
        {
            "tanh 0.5" => HighPrecision.TanhAbs(0.5),
            "σ 1" => HighPrecision.Logistic(1),
            "σ -1" => HighPrecision.Logistic(-1),
            "softplus 0" => HighPrecision.Softplus(0),
            "softplus 1" => HighPrecision.Softplus(1),
            "e^-1" => HighPrecision.Exp(-1),
            _ => HighPrecision.TanhDerivative(1),
        };
        decimal expected = decimal.Parse(digits[..30], System.Globalization.CultureInfo.InvariantCulture);
        DoubleDouble v = r.Value;
        decimal actual = Exact(v.Hi) + Exact(v.Lo);
        decimal rel = Math.Abs((actual - expected) / expected);
        Assert.True(rel < 1e-25m, $"{what}: reference {actual} vs published {expected}, relative {rel}");
    }

    /// <summary>A double in decimal to 28 decimal places (the cast keeps only 15 significant digits): mantissa halved exponent times.</summary>
    private static decimal Exact(double d)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = (bits & 0xFFFFFFFFFFFFFL) | (exponent == 0 ? 0 : 1L << 52);
        decimal r = mantissa;
        for (int e = Math.Max(exponent, 1) - 1075; e < 0; e++)
        {
            r /= 2;
        }

        return d < 0 ? -r : r;
    }

    [Fact]
    public void Special_values_give_the_limits_keep_the_sign_of_zero_and_propagate_NaN()
    {
        Check<double>();
        Check<float>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Activation tanh = Activation.Tanh, sig = Activation.Logistic, sp = Activation.Softplus;
            T inf = T.PositiveInfinity, half = T.CreateTruncating(0.5), ln2 = T.CreateTruncating(Math.Log(2));
            string ty = typeof(T).Name;
            Assert.True(T.IsNegative(tanh.Value(T.NegativeZero)) && T.IsZero(tanh.Value(T.NegativeZero)), $"{ty} tanh(−0) = −0");
            Assert.True(T.IsPositive(tanh.Value(T.Zero)) && T.IsZero(tanh.Value(T.Zero)), $"{ty} tanh(+0) = +0");
            Assert.Equal(T.One, tanh.Value(inf));
            Assert.Equal(-T.One, tanh.Value(-inf));
            Assert.Equal(T.Zero, tanh.Derivative(inf));
            Assert.Equal(T.One, tanh.Derivative(T.NegativeZero));
            Assert.Equal(half, sig.Value(T.Zero));
            Assert.Equal(half, sig.Value(T.NegativeZero));
            Assert.Equal(T.One, sig.Value(inf));
            Assert.Equal(T.Zero, sig.Value(-inf));
            Assert.Equal(T.Zero, sig.Derivative(inf));
            Assert.Equal(T.Zero, sig.Derivative(-inf));
            Assert.Equal(T.CreateTruncating(0.25), sig.Derivative(T.Zero));
            Assert.Equal(ln2, sp.Value(T.Zero));
            Assert.Equal(ln2, sp.Value(T.NegativeZero));
            Assert.Equal(inf, sp.Value(inf));
            Assert.True(T.IsZero(sp.Value(-inf)) && T.IsPositive(sp.Value(-inf)), $"{ty} softplus(−∞) = +0");
            Assert.Equal(T.One, sp.Derivative(inf));
            foreach (Activation f in new[] { tanh, sig, sp })
            {
                Assert.True(T.IsNaN(f.Value(T.NaN)), $"{ty} {f.Name}(NaN)");
                Assert.True(T.IsNaN(f.Derivative(T.NaN)), $"{ty} {f.Name}'(NaN)");
            }

            // Subnormals: tanh x = x (the error x³/3 is far below an ulp); σ(x) = ½; softplus(x) = ln 2.
            foreach (T x in new[] { T.Epsilon, -T.Epsilon, T.Epsilon * T.CreateTruncating(12345) })
            {
                Assert.Equal(x, tanh.Value(x));
                Assert.Equal(half, sig.Value(x));
                Assert.Equal(ln2, sp.Value(x));
            }
        }
    }

    [Fact]
    public void Tails_far_beyond_saturation_are_exact()
    {
        Assert.Equal(1.0, Activation.Tanh.Value(22.0));
        foreach (double x in new[] { 40.0, 745, 1e5, 1e300, double.MaxValue })
        {
            Assert.Equal(1.0, Activation.Tanh.Value(x));
            Assert.Equal(-1.0, Activation.Tanh.Value(-x));
            Assert.Equal(1.0, Activation.Logistic.Value(x));
            Assert.Equal(x, Activation.Softplus.Value(x)); // x + ln(1 + e^{−x}), the log below ½ ulp(x) from x ≥ 38
            Assert.Equal(1.0, Activation.Softplus.Derivative(x));
        }

        // σ(x) = e^x/(1 + e^x) underflows to 0 below ln(2^{−1075}) ≈ −745.13, and so do σ' and softplus.
        foreach (double x in new[] { -745.2, -746, -1e5, double.MinValue })
        {
            Assert.Equal(0.0, Activation.Logistic.Value(x));
            Assert.Equal(0.0, Activation.Logistic.Derivative(x));
            Assert.Equal(0.0, Activation.Softplus.Value(x));
        }

        // float: softplus(x) = x from x ≈ 16.6 (e^{−x} below ½ ulp(x)) and σ(x) = 1 from x ≈ 17.33 (1 − σ below 2^{−25});
        // σ underflows below ln(2^{−150}) ≈ −103.97.
        foreach (float x in new[] { 18f, 100f, 1e30f, float.MaxValue })
        {
            Assert.Equal(x, Activation.Softplus.Value(x));
            Assert.Equal(1f, Activation.Logistic.Value(x));
        }

        Assert.Equal(0f, Activation.Logistic.Value(-104f));
        Assert.True(Activation.Logistic.Value(-103f) > 0, "σ<float>(−103) is a positive subnormal");
    }

    /// <summary>
    /// Around a saturation point: where the reference lies clearly (beyond the kernel's error bound) on the saturated
    /// side of the rounding boundary, f is exactly the limit and f' exactly 0; clearly on the other side, f' ≠ 0.
    /// </summary>
    private static void SaturatesWhereTheReferenceRounds(string name, bool single, Func<double, double> distanceToLimit, double boundary, double from, double to, Func<double, bool> saturated, Func<double, bool> derivativeZero)
    {
        // The margin: the kernels decide saturation through a term they compute with a small *relative* error
        // (2e/(1 + e) for tanh, e for σ, a few u), so only points within 10^{−3} of the boundary are left out.
        const double margin = 1e-3;
        int above = 0, below = 0;
        for (double x0 = from; x0 <= to; x0 += (to - from) / 20000)
        {
            double x = single ? (float)x0 : x0;
            double d = distanceToLimit(x); // exact distance of the true value to its limit (1 − tanh x, 1 − σ(x), σ(x))
            if (d < boundary * (1 - margin))
            {
                Assert.True(saturated(x) && derivativeZero(x), $"{name}({x:G17}): true distance {d:G6} < boundary {boundary:G6}, expected the limit and f' = 0");
                above++;
            }
            else if (d > boundary * (1 + margin))
            {
                Assert.False(derivativeZero(x), $"{name}'({x:G17}) = 0 but the true distance {d:G6} > boundary {boundary:G6}");
                below++;
            }
        }

        Assert.True(above > 100 && below > 100, $"{name}: the grid must straddle the saturation point ({above} / {below})");
    }

    [Fact]
    public void Tanh_derivative_is_exactly_zero_where_tanh_rounds_to_one_near_19_1_in_double_and_9_0_in_float()
    {
        // tanh rounds to 1 when 1 − tanh x < ½ ulp below 1 = 2^{−54} (double), 2^{−25} (float).
        static double OneMinusTanh(double x)
        {
            Scaled e = HighPrecision.Exp(-2 * x);
            DoubleDouble v = 2 * e.M / (1 + e.Value);
            return Math.ScaleB(v.Hi, e.E);
        }

        SaturatesWhereTheReferenceRounds("tanh", false, OneMinusTanh, Math.ScaleB(1, -54), 18.5, 19.6, x => Activation.Tanh.Value(x) == 1, x => Activation.Tanh.Derivative(x) == 0);
        SaturatesWhereTheReferenceRounds("tanh<float>", true, OneMinusTanh, Math.ScaleB(1, -25), 8.5, 9.5, x => Activation.Tanh.Value((float)x) == 1, x => Activation.Tanh.Derivative((float)x) == 0);
    }

    [Fact]
    public void Logistic_derivative_is_exactly_zero_where_sigma_rounds_to_one_near_36_7_in_double_and_17_3_in_float()
    {
        // σ = 1/(1 + e): 1 + e rounds to 1 when e < 2^{−53} (the engine's formula, docs/findings.md F3: x ≳ 36.7); in
        // float σ rounds to 1 when 1 − σ < 2^{−25}.
        SaturatesWhereTheReferenceRounds("σ", false, x => Math.Exp(-x), Math.ScaleB(1, -53), 36, 37.5, x => Activation.Logistic.Value(x) == 1, x => Activation.Logistic.Derivative(x) == 0);
        SaturatesWhereTheReferenceRounds("σ<float>", true, x => Math.Exp(-x) / (1 + Math.Exp(-x)), Math.ScaleB(1, -25), 16.5, 18, x => Activation.Logistic.Value((float)x) == 1, x => Activation.Logistic.Derivative((float)x) == 0);
    }
}
