using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;
using SpecialFunctions = MathNet.Numerics.SpecialFunctions;

namespace PcVerify.Tests.Network;

/// <summary>
/// Activations: the derivative against central differences, the values against independent closed forms, extreme
/// inputs, NaN, custom pairs, <see cref="Activation.Parse"/>, and the span maps against the scalar functions.
/// </summary>
public class ActivationTests
{
    private const double U64 = 1.1102230246251565e-16; // 2^-53
    private const double U32 = 5.9604644775390625e-08; // 2^-24

    /// <summary>Every activation with an upper bound M3 on |f'''| over the reals (0 for piecewise-linear ones away from the kink).</summary>
    public static TheoryData<string, double> Smooth3 => new()
    {
        { "identity", 0 },
        { "tanh", 2 },            // tanh''' = −2 + 8 tanh² − 6 tanh⁴, |·| ≤ 2 (at 0).
        { "logistic", 0.125 },    // σ''' = σ(1−σ)(1 − 6σ + 6σ²), |·| ≤ 1/8 (at 0).
        { "softplus", 0.125 },    // softplus''' = σ'', |σ''| ≤ 0.0963.
        { "relu", 0 },
        { "leaky-relu:0.1", 0 },
        { "cube", 6 },            // (x³)''' = 6.
        { "sin", 1 },             // |sin'''| ≤ 1.
    };

    private static Activation Make(string name) => name switch
    {
        "cube" => Activation.Custom("cube", x => x * x * x, x => 3 * x * x),
        "sin" => Activation.Custom("sin", Math.Sin, Math.Cos),
        _ => Activation.Parse(name),
    };

    /// <summary>
    /// f'(x) vs (f(x+h) − f(x−h)) / (x+h − (x−h)). The central difference differs from f'(x) by the truncation error
    /// ≤ M3·h²/6 plus the rounding error of the two evaluations divided by the step: each f is within c·u·max(|f|, 1)
    /// of the exact value (c = 4 covers the library function's ulp and the formula's few roundings; max(·, 1) because
    /// ln(1 + eˣ) is only absolutely accurate), so ≤ 2·c·u·max(|f±|, 1) / step; plus 4u·|f'| for f' itself. The step
    /// is the difference of the two rounded arguments, so the argument rounding does not enter.
    /// </summary>
    private static void DerivativeMatchesCentralDifferences<T>(string name, double m3, double h, double u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Activation f = Make(name);
        bool piecewise = f.Kind is ActivationKind.Relu or ActivationKind.LeakyRelu;
        double[] xs = Numeric.Uniform(400, 41, -6, 6);
        int tested = 0;
        foreach (double x0 in xs)
        {
            // Piecewise-linear maps have a kink at 0: stay 1e-3 ≫ h away so both points lie on one linear piece.
            if (piecewise && Math.Abs(x0) <= 1e-3)
            {
                continue;
            }

            T x = T.CreateTruncating(x0), th = T.CreateTruncating(h);
            T xp = x + th, xm = x - th;
            double fp = double.CreateTruncating(f.Value(xp)), fm = double.CreateTruncating(f.Value(xm));
            double step = double.CreateTruncating(xp) - double.CreateTruncating(xm);
            double central = (fp - fm) / step;
            double derivative = double.CreateTruncating(f.Derivative(x));
            double bound = (m3 * (step / 2) * (step / 2) / 6) + (2 * 4 * u * Math.Max(Math.Max(Math.Abs(fp), Math.Abs(fm)), 1) / step) + (4 * u * Math.Abs(derivative));
            new Tolerance(bound, 0, $"central difference, h = {h:G3}: M3·h²/6 + 8u·max(|f|,1)/2h + 4u|f'|")
                .Assert(central, derivative, $"{typeof(T).Name} {name}'({double.CreateTruncating(x):G17})");
            tested++;
        }

        Assert.True(tested > 300, $"only {tested} points tested");
    }

    [Theory]
    [MemberData(nameof(Smooth3))]
    public void Derivative_equals_the_central_difference_within_truncation_plus_rounding_double(string name, double m3) =>
        DerivativeMatchesCentralDifferences<double>(name, m3, 1e-5, U64);

    // In float the best step balances M3·h²/6 against 8u/2h: h ≈ (6u/M3)^{1/3} ≈ 6e-3; 2^-7 is close and exact.
    [Theory]
    [MemberData(nameof(Smooth3))]
    public void Derivative_equals_the_central_difference_within_truncation_plus_rounding_float(string name, double m3) =>
        DerivativeMatchesCentralDifferences<float>(name, m3, 1.0 / 128, U32);

    [Fact]
    public void The_central_difference_test_fails_for_a_wrong_derivative()
    {
        // Negative control: a custom pair whose "derivative" is off by 1e-6 must be caught by the same bound.
        Activation wrong = Activation.Custom("bad-tanh", Math.Tanh, x => 1 - (Math.Tanh(x) * Math.Tanh(x)) + 1e-6);
        double x = 0.3, h = 1e-5;
        double central = (wrong.Value(x + h) - wrong.Value(x - h)) / ((x + h) - (x - h));
        double bound = (2 * h * h / 6) + (8 * U64 / (2 * h)) + (4 * U64);
        Assert.False(new Tolerance(bound, 0, "as above").Holds(central, wrong.Derivative(x)));
    }

    [Fact]
    public void Logistic_equals_the_independent_closed_form_one_over_one_plus_exp_minus_x()
    {
        // MathNet's SpecialFunctions.Logistic is 1/(1+e^{−x}); the engine uses e^x/(1+e^x) for x < 0. Each is within
        // ~3u relative (exp ≤ 1 ulp, damped by the factor 1−σ ≤ 1; one add; one divide), so they agree within 8u.
        Tolerance t = new(0, 8 * U64, "two formulas for σ(x), each ≤ 3u relative");
        foreach (double x in Numeric.Uniform(500, 43, -30, 30))
        {
            t.Assert(SpecialFunctions.Logistic(x), Activation.Logistic.Value(x), $"σ({x:G17})");
            t.Assert(SpecialFunctions.Logistic(x), Activation.Logistic.Value<double>(x), $"σ<double>({x:G17})");

            // σ'(x) = e^{−x}/(1+e^{−x})² computed independently (for x < 0 via the mirror form to avoid overflow).
            double e = Math.Exp(-Math.Abs(x));
            double closed = e / ((1 + e) * (1 + e));
            // The engine forms σ(1−σ); 1−σ cancels as σ → 1, so its error is absolute (≤ ~2u), not relative.
            new Tolerance(4 * U64, 16 * U64, "σ(1−σ): 1−σ carries σ's absolute error u; the closed form ≤ ~6u relative")
                .Assert(closed, Activation.Logistic.Derivative(x), $"σ'({x:G17})");
        }
    }

    [Fact]
    public void Softplus_equals_log_one_plus_exp_at_moderate_x_and_x_at_large_x()
    {
        // ln(1 + eˣ) rounds 1 + eˣ first, an absolute error ≤ u in the log's argument near 1: so the bound is
        // absolute 2u (plus 4u relative for the log and exp themselves).
        Tolerance moderate = new(2 * U64, 4 * U64, "ln of a rounded 1 + eˣ: absolute u, plus a few ulps");
        foreach (double x in Numeric.Uniform(500, 44, -40, 30))
        {
            moderate.Assert(Math.Log(1 + Math.Exp(x)), Activation.Softplus.Value(x), $"softplus({x:G17})");
            moderate.Assert(Math.Log(1 + Math.Exp(x)), Activation.Softplus.Value<double>(x), $"softplus<double>({x:G17})");
            new Tolerance(0, 8 * U64, "softplus' = σ").Assert(SpecialFunctions.Logistic(x), Activation.Softplus.Derivative(x), $"softplus'({x:G17})");
        }

        // For x ≥ 40, softplus(x) = x + ln(1 + e^{−x}) with e^{−x} < 4.3e-18 < u·x, so the correctly rounded value is x.
        foreach (double x in Numeric.Uniform(200, 45, 40, 1000))
        {
            Tolerance.Exact.Assert(x, Activation.Softplus.Value(x), $"softplus({x:G17})");
        }
    }

    [Fact]
    public void Tanh_equals_the_exponential_closed_form_and_its_derivative_one_over_cosh_squared()
    {
        // (e^{2x} − 1)/(e^{2x} + 1) for |x| ≥ 0.5 has no harmful cancellation (e^{2x} − 1 ≥ 1.7): ≤ ~5u relative;
        // the engine's tanh ≤ 2.5 ulp (Kernels/SmoothActivationAccuracyTests); so 16u relative. tanh is odd, so negative x use −closed(−x).
        foreach (double x in Numeric.Uniform(500, 46, -10, 10))
        {
            if (Math.Abs(x) < 0.5)
            {
                continue;
            }

            double e2 = Math.Exp(2 * Math.Abs(x));
            double closed = Math.CopySign((e2 - 1) / (e2 + 1), x);
            new Tolerance(0, 16 * U64, "closed-form tanh, ≤ 5u relative each").Assert(closed, Activation.Tanh.Value(x), $"tanh({x:G17})");

            // 1 − tanh² cancels for large |x|: its absolute error is ≤ 3u (tanh² ≤ 1 carries 2u, the subtraction u).
            double c = Math.Cosh(x);
            new Tolerance(4 * U64, 8 * U64, "1 − tanh² has absolute error ≤ 3u").Assert(1 / (c * c), Activation.Tanh.Derivative(x), $"tanh'({x:G17})");
        }
    }

    public static TheoryData<string> BuiltIns => new() { "identity", "tanh", "logistic", "relu", "leaky-relu:0.01", "softplus" };

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void Extreme_inputs_give_finite_values_and_derivatives(string name)
    {
        Activation f = Activation.Parse(name);
        foreach (double x in new[] { -1000.0, 1000.0, -1e308, 1e308 })
        {
            Assert.True(double.IsFinite(f.Value(x)), $"{name}({x}) = {f.Value(x)}");
            Assert.True(double.IsFinite(f.Derivative(x)), $"{name}'({x}) = {f.Derivative(x)}");
            Assert.True(double.IsFinite(f.Value<double>(x)), $"{name}<double>({x})");
            Assert.True(double.IsFinite(f.Derivative<double>(x)), $"{name}'<double>({x})");
        }

        // In float eˣ overflows from x ≈ 88.7, so ±100 probes the overflow as well as ±1000 does.
        foreach (float x in new[] { -1000f, 1000f, -100f, 100f, -3e38f, 3e38f })
        {
            Assert.True(float.IsFinite(f.Value(x)), $"{name}<float>({x}) = {f.Value(x)}");
            Assert.True(float.IsFinite(f.Derivative(x)), $"{name}'<float>({x}) = {f.Derivative(x)}");
        }
    }

    [Fact]
    public void Logistic_and_softplus_saturate_to_their_limits_without_overflow()
    {
        Tolerance.Exact.Assert(0.0, Activation.Logistic.Value(-1000.0), "σ(−1000) = e^{−1000} underflows to 0");
        Tolerance.Exact.Assert(1.0, Activation.Logistic.Value(1000.0), "σ(1000)");
        Tolerance.Exact.Assert(0.0, Activation.Softplus.Value(-1000.0), "softplus(−1000)");
        Tolerance.Exact.Assert(1000.0, Activation.Softplus.Value(1000.0), "softplus(1000)");
        Tolerance.Exact.Assert(0.0, Activation.Logistic.Value<float>(-1000f), "σ<float>(−1000)");
        Tolerance.Exact.Assert(1.0, Activation.Logistic.Value<float>(1000f), "σ<float>(1000)");
        Tolerance.Exact.Assert(1000.0, Activation.Softplus.Value<float>(1000f), "softplus<float>(1000)");
        Tolerance.Exact.Assert(100.0, Activation.Softplus.Value<float>(100f), "softplus<float>(100)");
    }

    [Fact]
    public void NaN_propagates_through_relu_and_leaky_relu()
    {
        Assert.True(double.IsNaN(Activation.Relu.Value(double.NaN)));
        Assert.True(float.IsNaN(Activation.Relu.Value(float.NaN)));
        Assert.True(double.IsNaN(Activation.LeakyRelu(0.1).Value(double.NaN)));
        double[] x = [1, double.NaN, -2, 3, double.NaN, -0.5, 7, 8, double.NaN, 1, 2], y = new double[x.Length];
        Activation.Relu.Apply<double>(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(double.IsNaN(x[i]), double.IsNaN(y[i]));
        }
    }

    [Fact]
    public void A_custom_pair_is_evaluated_in_double_and_rounded_to_the_engine_type()
    {
        Activation cube = Activation.Custom("cube", x => x * x * x, x => 3 * x * x);
        Assert.Equal(ActivationKind.Custom, cube.Kind);
        Assert.Equal("cube", cube.Name);
        foreach (double x in Numeric.Uniform(50, 47, -3, 3))
        {
            Tolerance.Exact.Assert(x * x * x, cube.Value(x), "cube");
            Tolerance.Exact.Assert(3 * x * x, cube.Derivative(x), "cube'");
            float xf = (float)x;
            double xd = xf;
            Tolerance.Exact.Assert((float)(xd * xd * xd), cube.Value(xf), "cube<float> = round(cube(double))");
            Tolerance.Exact.Assert((float)(3 * xd * xd), cube.Derivative(xf), "cube'<float>");
        }

        Assert.Throws<ArgumentNullException>(() => Activation.Custom("x", null!, x => x));
        Assert.Throws<ArgumentNullException>(() => Activation.Custom("x", x => x, null!));
        Assert.Throws<ArgumentNullException>(() => Activation.Custom(null!, x => x, x => x));
    }

    [Theory]
    [InlineData("identity", ActivationKind.Identity, 0)]
    [InlineData("linear", ActivationKind.Identity, 0)]
    [InlineData("tanh", ActivationKind.Tanh, 0)]
    [InlineData(" TaNh ", ActivationKind.Tanh, 0)]
    [InlineData("logistic", ActivationKind.Logistic, 0)]
    [InlineData("Sigmoid", ActivationKind.Logistic, 0)]
    [InlineData("RELU", ActivationKind.Relu, 0)]
    [InlineData("softplus", ActivationKind.Softplus, 0)]
    [InlineData("leaky-relu", ActivationKind.LeakyRelu, 0.01)]
    [InlineData("LeakyReLU", ActivationKind.LeakyRelu, 0.01)]
    [InlineData("leaky_relu", ActivationKind.LeakyRelu, 0.01)]
    [InlineData("leaky-relu:0.2", ActivationKind.LeakyRelu, 0.2)]
    [InlineData("Leaky-ReLU:1e-3", ActivationKind.LeakyRelu, 0.001)]
    [InlineData("leaky-relu:-0.5", ActivationKind.LeakyRelu, -0.5)]
    public void Parse_reads_names_case_insensitively_with_the_leaky_slope(string text, ActivationKind kind, double slope)
    {
        Activation a = Activation.Parse(text);
        Assert.Equal(kind, a.Kind);
        Tolerance.Exact.Assert(slope, a.Slope, $"slope of '{text}'");

        // The name reads back to the same activation.
        Activation back = Activation.Parse(a.Name);
        Assert.Equal(a.Kind, back.Kind);
        Tolerance.Exact.Assert(a.Slope, back.Slope, $"slope of '{a.Name}'");
    }

    [Fact]
    public void Parse_of_an_unknown_name_lists_the_valid_names()
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => Activation.Parse("swish"));
        Assert.Contains("swish", e.Message, StringComparison.Ordinal);
        foreach (string valid in new[] { "identity", "tanh", "logistic", "sigmoid", "relu", "leaky-relu", "softplus" })
        {
            Assert.Contains(valid, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("leaky-relu:abc", "abc")]
    [InlineData("leaky-relu:nan", "nan")]
    [InlineData("leaky-relu:inf", "inf")]
    [InlineData("leaky-relu:", "slope")]
    public void Parse_of_a_bad_leaky_slope_names_the_slope(string text, string named)
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => Activation.Parse(text));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Activation.LeakyRelu(double.NaN));
    }

    private static void MapsEqualScalarFunctions<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Activation[] all =
        [
            Activation.Identity, Activation.Tanh, Activation.Logistic, Activation.Relu, Activation.LeakyRelu(0.07),
            Activation.Softplus, Activation.Custom("sin", Math.Sin, Math.Cos),
        ];
        foreach (Activation f in all)
        {
            foreach (int n in new[] { 0, 1, 3, Vector<T>.Count - 1, Vector<T>.Count, Vector<T>.Count + 1, 37, 64, 6 * 512 + 7 })
            {
                T[] x = Numeric.Normal<T>(n, (ulong)n + 3);
                for (int i = 0; i < n; i += 5)
                {
                    x[i] = i % 10 == 0 ? T.NegativeZero : T.Zero;
                }

                T[] fx = new T[n], d = new T[n], efx = new T[n], ed = new T[n];
                f.Apply<T>(x, fx);
                f.ApplyDerivative<T>(x, d);
                for (int i = 0; i < n; i++)
                {
                    efx[i] = f.Value(x[i]);
                    ed[i] = f.Derivative(x[i]);
                }

                Tolerance.Exact.Assert<T>(efx, fx, $"{typeof(T).Name} {f.Name}.Apply n={n}");
                Tolerance.Exact.Assert<T>(ed, d, $"{typeof(T).Name} {f.Name}.ApplyDerivative n={n}");
            }

            ArgumentException e1 = Assert.ThrowsAny<ArgumentException>(() => f.Apply<T>(new T[3], new T[2]));
            Assert.Equal("fx", e1.ParamName);
            ArgumentException e2 = Assert.ThrowsAny<ArgumentException>(() => f.ApplyDerivative<T>(new T[3], new T[4]));
            Assert.Equal("d", e2.ParamName);
        }
    }

    [Fact]
    public void Apply_and_ApplyDerivative_equal_Value_and_Derivative_elementwise_double() => MapsEqualScalarFunctions<double>();

    [Fact]
    public void Apply_and_ApplyDerivative_equal_Value_and_Derivative_elementwise_float() => MapsEqualScalarFunctions<float>();
}
