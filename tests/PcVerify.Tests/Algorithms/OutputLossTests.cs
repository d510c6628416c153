using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// The output losses of docs/math.md §11 against independent oracles: softmax cross-entropy's error against central finite
/// differences of ℒ and against the two-class closed form; squared error against its definition, bit for bit; the
/// chain learners with cross-entropy (BP against finite differences of the batch loss, Z-IL/Fa-Z-IL against BP,
/// the PC inference rule against finite differences of the energy), and a negative control.
/// </summary>
public class OutputLossTests
{
    /// <summary>
    /// Central differences with step h have truncation error h²/6·|ℒ'''| (≤ 1e-12 here: ℒ''' of log-sum-exp is bounded
    /// by the target mass) and rounding error about u·|ℒ|/h ≈ 1e-16·30/1e-6 = 3e-9; 1e-7 covers both with margin,
    /// while a wrong sign or a missing (Σs) factor is an error of order 0.1.
    /// </summary>
    private static readonly Tolerance FiniteDifference = new(1e-7, 1e-7, "central differences, h = 1e-6: h² truncation + u·ℒ/h rounding");

    /// <summary>As LearnerTests' bound: Z-IL forms ε^l_l as (x_0 + Δx) − x_0, a few ulps per layer.</summary>
    private static readonly Tolerance Float64Exactness = new(1e-12, 1e-12, "float64 rounding of (x0+Δx)−x0 per layer");

    private const double Measurable = 1e-8;

    public static TheoryData<double[], double[]> CrossEntropyCases => new()
    {
        { [0.3, -1.2, 2.0, 0.1], [0, 0, 1, 0] },
        { [0.3, -1.2, 2.0, 0.1], [0.1, 0.2, 0.3, 0.4] },
        { [5.0, 4.0, -3.0], [0.5, 2.0, 0.0] },
        { [40.0, -40.0, 39.5], [0, 0, 1] },
        { [0.0], [1.0] },
        { [1e-3, -2e-3, 0.0, 7.0, -7.0, 0.5, 0.25], [0, 1, 0, 0, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(CrossEntropyCases))]
    public void Cross_entropy_error_is_minus_the_gradient_of_the_loss_by_finite_differences(double[] y, double[] s)
    {
        OutputLoss ce = OutputLoss.SoftmaxCrossEntropy;
        double[] delta = new double[y.Length];
        ce.Error<double>(s, y, delta, 1, y.Length);
        double[] expected = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(y[i]));
            double[] up = (double[])y.Clone(), down = (double[])y.Clone();
            up[i] += h;
            down[i] -= h;
            expected[i] = -(ce.Value<double>(s, up, 1, y.Length) - ce.Value<double>(s, down, 1, y.Length)) / (up[i] - down[i]);
        }

        FiniteDifference.Assert<double>(expected, delta, "δ = −∂ℒ/∂y (CE)");
    }

    [Theory]
    [InlineData(0.7, -0.4)]
    [InlineData(-3.0, 2.5)]
    [InlineData(800.0, 0.0)]
    [InlineData(0.0, -800.0)]
    public void Two_class_cross_entropy_matches_the_logistic_closed_form(double a, double b)
    {
        // s = (1, 0): ℒ = log(1 + e^{b−a}) = softplus(b − a); δ_0 = 1 − σ(a − b) = σ(b − a), δ_1 = −σ(b − a).
        double z = b - a;
        double sigma = 1 / (1 + Math.Exp(-z));
        double softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        double[] y = [a, b], s = [1, 0], delta = new double[2];
        OutputLoss.SoftmaxCrossEntropy.Error<double>(s, y, delta, 1, 2);
        Tolerance closed = new(1e-15, 1e-14, "a handful of float64 roundings in exp, log and one division");
        closed.Assert<double>([sigma, -sigma], delta, "δ (two classes)");
        closed.Assert<double>([softplus], [OutputLoss.SoftmaxCrossEntropy.Value<double>(s, y, 1, 2)], "ℒ (two classes)");
    }

    [Fact]
    public void Cross_entropy_works_row_by_row_over_a_batch()
    {
        double[] y = [0.3, -1.2, 2.0, 5.0, 4.0, -3.0], s = [0, 1, 0, 0.2, 0.3, 0.5];
        double[] batched = new double[6], row0 = new double[3], row1 = new double[3];
        OutputLoss ce = OutputLoss.SoftmaxCrossEntropy;
        ce.Error<double>(s, y, batched, 2, 3);
        ce.Error<double>(s.AsSpan(0, 3), y.AsSpan(0, 3), row0, 1, 3);
        ce.Error<double>(s.AsSpan(3), y.AsSpan(3), row1, 1, 3);
        Tolerance.Exact.Assert<double>([.. row0, .. row1], batched, "batched δ vs per row");
        Tolerance.Exact.Assert<double>(
            [ce.Value<double>(s.AsSpan(0, 3), y.AsSpan(0, 3), 1, 3) + ce.Value<double>(s.AsSpan(3), y.AsSpan(3), 1, 3)],
            [ce.Value<double>(s, y, 2, 3)], "batched ℒ vs the sum of the rows");
    }

    [Fact]
    public void Squared_error_is_the_plain_difference_and_half_the_squared_norm()
    {
        float[] y = Numeric.Normal<float>(37, 3), s = Numeric.Normal<float>(37, 4), delta = new float[37];
        OutputLoss.SquaredError.Error<float>(s, y, delta, 1, 37);
        float[] expected = new float[37];
        double value = 0;
        for (int k = 0; k < 37; k++)
        {
            expected[k] = s[k] - y[k];
            value += 0.5 * expected[k] * (double)expected[k];
        }

        Tolerance.Exact.Assert<float>(expected, delta, "δ = s − y (SE)");
        Tolerance.Exact.Assert<double>([value], [OutputLoss.SquaredError.Value<float>(s, y, 1, 37)], "ℒ = ½‖s − y‖² (SE)");
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void Cross_entropy_refuses_a_negative_target_naming_row_and_column(double bad)
    {
        double[] targets = [0, 1, 0, 0, bad, 1];
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => OutputLoss.SoftmaxCrossEntropy.CheckTargets(targets, 3, "mine"));
        Assert.Contains("data 'mine': target row 1, column 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("--loss ce", e.Message, StringComparison.Ordinal);
        OutputLoss.SquaredError.CheckTargets([-0.5], 1, "mine");
    }

    [Fact]
    public void Loss_names_parse_and_an_unknown_one_is_refused()
    {
        Assert.Same(OutputLoss.SquaredError, OutputLoss.Parse("se"));
        Assert.Same(OutputLoss.SoftmaxCrossEntropy, OutputLoss.Parse(" CE "));
        Assert.Contains("expected se", Assert.Throws<InvalidInputException>(() => OutputLoss.Parse("hinge")).Message, StringComparison.Ordinal);
    }

    private static double[] OneHot(int batch, int width, ulong seed)
    {
        Rng rng = new(seed);
        double[] s = new double[batch * width];
        for (int b = 0; b < batch; b++)
        {
            s[(b * width) + (int)(rng.NextUniform(0, 1) * width)] = 1;
        }

        return s;
    }

    [Fact]
    public void Chain_BP_with_cross_entropy_steps_along_minus_the_finite_difference_gradient_of_the_batch_loss()
    {
        const int batch = 3;
        const double alpha = 0.3;
        NetworkSpec spec = TestNets.Spec("4,5,3", "tanh", true);
        Parameters<double> p0 = TestNets.Params(spec, 5);
        double[] sIn = TestNets.Normal(batch * 4, 6), sOut = OneHot(batch, 3, 7);
        Parameters<double> after = p0.Clone();
        new Backprop<double>(spec, alpha, batch, OutputLoss.SoftmaxCrossEntropy).Step(after, sIn, sOut, batch);
        Backprop<double> forward = new(spec, 1.0, batch, OutputLoss.SoftmaxCrossEntropy);
        double LossAt(Parameters<double> q)
        {
            forward.Forward(q, sIn, batch);
            return forward.Loss(sOut);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            foreach ((double[] arr, double[] moved) in new[] { (p0.Theta[l].Data, after.Theta[l].Data), (p0.Beta[l], after.Beta[l]) })
            {
                double[] expected = new double[arr.Length], actual = new double[arr.Length];
                for (int k = 0; k < arr.Length; k++)
                {
                    double keep = arr[k], h = 1e-6;
                    arr[k] = keep + h;
                    double up = LossAt(p0);
                    arr[k] = keep - h;
                    double down = LossAt(p0);
                    arr[k] = keep;
                    expected[k] = -alpha / batch * (up - down) / (2 * h);
                    actual[k] = moved[k] - keep;
                }

                FiniteDifference.Assert<double>(expected, actual, $"BP (CE) update of layer {l} vs −(α/B)∂Σℒ/∂θ");
            }
        }
    }

    public static TheoryData<string, string, bool> Chains => new()
    {
        { "5,7,6,4", "tanh", true },
        { "3,8,8,8,2", "softplus,tanh,logistic,leaky-relu:0.1", false },
        { "4,3", "identity", true },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void With_cross_entropy_Z_IL_and_Fa_Z_IL_keep_BPs_parameters_on_a_chain(string arch, string act, bool bias)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> w = TestNets.Params(spec, 31);
        OutputLoss ce = OutputLoss.SoftmaxCrossEntropy;
        (string Name, ILearner<double> Learner, Parameters<double> P)[] runs =
        [
            ("zil", new PredictiveCodingLearner<double>(spec, Algorithm.ZIL, 0.05, 3, loss: ce), w.Clone()),
            ("zil-sync", new PredictiveCodingLearner<double>(spec, Algorithm.ZIL, 0.05, 3, synchronous: true, loss: ce), w.Clone()),
            ("fazil", new PredictiveCodingLearner<double>(spec, Algorithm.FaZIL, 0.05, 3, loss: ce), w.Clone()),
            ("fazil-faithful", new PredictiveCodingLearner<double>(spec, Algorithm.FaZIL, 0.05, 3, synchronous: true, loss: ce), w.Clone()),
        ];
        Backprop<double> bp = new(spec, 0.05, 3, ce);
        for (int step = 0; step < 30; step++)
        {
            int batch = 1 + (step % 3);
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(500 + step)), sOut = OneHot(batch, spec.OutputWidth, (ulong)(600 + step));
            bp.Step(w, sIn, sOut, batch);
            foreach ((string _, ILearner<double> learner, Parameters<double> p) in runs)
            {
                learner.Step(p, sIn, sOut, batch);
            }
        }

        foreach ((string name, ILearner<double> _, Parameters<double> p) in runs)
        {
            for (int l = 1; l <= spec.L; l++)
            {
                Float64Exactness.Assert<double>(w.Theta[l].Data, p.Theta[l].Data, $"{name} θ^{l} vs BP (CE, 30 steps)");
                Float64Exactness.Assert<double>(w.Beta[l], p.Beta[l], $"{name} β^{l} vs BP (CE, 30 steps)");
            }
        }

        // The event-driven path and the skipping Fa-Z-IL are exact reformulations of the faithful simulations.
        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(runs[1].P.Theta[l].Data, runs[0].P.Theta[l].Data, $"zil vs zil-sync θ^{l}");
            Tolerance.Exact.Assert<double>(runs[3].P.Theta[l].Data, runs[2].P.Theta[l].Data, $"fazil vs faithful θ^{l}");
        }
    }

    [Fact]
    public void With_cross_entropy_IL_at_the_wrong_moment_diverges_from_BP()
    {
        NetworkSpec spec = TestNets.Spec("5,7,6,4", "tanh", true);
        Parameters<double> w = TestNets.Params(spec, 41), theta = w.Clone();
        OutputLoss ce = OutputLoss.SoftmaxCrossEntropy;
        double[] sIn = TestNets.Normal(5, 42), sOut = OneHot(1, 4, 43);
        new Backprop<double>(spec, 0.1, 1, ce).Step(w, sIn, sOut, 1);
        new PredictiveCodingLearner<double>(spec, Algorithm.IL, 0.1, 1, schedule: UpdateSchedule.AllAt(spec.L, 0), loss: ce).Step(theta, sIn, sOut, 1);
        double d = Enumerable.Range(1, spec.L).Max(l => Numeric.MaxAbsDiff<double>(w.Theta[l].Data, theta.Theta[l].Data));
        Assert.True(d > Measurable, $"IL with t_c = 0 should diverge from BP under CE; max |θ − w| = {d:G17}");
    }

    [Fact]
    public void With_cross_entropy_the_inference_increment_is_minus_gamma_times_the_energy_gradient()
    {
        const double gamma = 0.7;
        NetworkSpec spec = TestNets.Spec("4,6,5,3", "tanh", true);
        Parameters<double> p = TestNets.Params(spec, 51);
        PcnState<double> state = new(spec, 2, OutputLoss.SoftmaxCrossEntropy);
        double[] sIn = TestNets.Normal(8, 52), sOut = [0.2, 0.5, 0.3, 0, 0, 1];
        state.Clamp(sIn, sOut, 2);
        state.InitialiseFeedforward(p, 0.5, new Rng(53));
        for (int l = 1; l < spec.L; l++)
        {
            double[] x = state.X[l];
            double[] expected = new double[x.Length];
            for (int k = 0; k < x.Length; k++)
            {
                double keep = x[k], h = 1e-6;
                x[k] = keep + h;
                state.Predict(p);
                double up = state.Energy();
                x[k] = keep - h;
                state.Predict(p);
                double down = state.Energy();
                x[k] = keep;
                expected[k] = -gamma * (up - down) / (2 * h);
            }

            state.Predict(p);
            state.InferenceIncrements(p, gamma);
            FiniteDifference.Assert<double>(expected, state.DX[l], $"Δx^{l} = −γ∂F/∂x^{l} with F's output term ℒ_CE(μ^0)");
        }
    }
}
