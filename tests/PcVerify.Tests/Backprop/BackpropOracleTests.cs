using PcVerify.Engine.Backprop;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Oracle;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Backprop;

/// <summary>
/// The engine's BP (float64) against the independent MathNet implementation of docs/math.md §2 (<see cref="MathNetBackprop"/>):
/// forward values, errors δ^l, the applied updates Δw, Δv and the parameters after several steps, on architectures
/// from depth 1 to depth 5, width 1, every activation, with and without biases, and batches (mean update).
/// </summary>
public class BackpropOracleTests
{
    /// <summary>
    /// Both sides compute the same sums in different orders (the engine's blocked SIMD dot and ascending-row axpys,
    /// MathNet's managed loops and a different association of (α/B)·Σ) and different but equivalent activation
    /// formulas (e.g. 1 − tanh² vs 1/cosh²). A dot of n ≤ 16 terms differs by ≤ 2γ_n Σ|a_i b_i| ≈ 4e-15·Σ|a_i b_i|, the
    /// activation formulas by a few ulps (absolute ≤ 4u where they cancel); through ≤ 5 layers with |w|·|f'| of
    /// order 1 and ≤ 8 steps this stays below ~1e-13 for the O(1) values here. 1e-12 abs + rel keeps an order of
    /// magnitude of headroom, while any real error (a wrong transpose, a missing f' or bias, a sum instead of the mean)
    /// is of the size of δ itself (≥ 1e-3 here).
    /// </summary>
    internal static readonly Tolerance OracleBound = new(1e-12, 1e-12, "same sums in different orders, ≤ ~1e-13 here");

    public static TheoryData<string, string, bool> Architectures => new()
    {
        { "3,2", "tanh", true },                                          // depth 1: no hidden layer, δ^0 only
        { "1,1", "identity", false },                                     // depth 1, width 1
        { "1,1,1", "tanh", true },                                        // width 1 everywhere
        { "4,1,3", "logistic", true },                                    // a width-1 bottleneck
        { "5,7,6,4", "tanh", false },
        { "6,9,2", "relu", true },
        { "4,5,3", "leaky-relu:0.2", false },
        { "4,5,3", "softplus", true },
        { "6,9,2", "identity", true },
        { "3,8,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1,logistic", true }, // depth 5, every built-in
        { "3,6,6,6,6,2", "logistic", false },                             // depth 5
    };

    private static void CompareStepByStep(NetworkSpec spec, int steps, Func<int, int> batchOf, double alpha)
    {
        Parameters<double> p = TestNets.Params(spec, 31);
        MathNetBackprop oracle = new(spec, p);
        Backprop<double> bp = new(spec, alpha, capacity: 5);
        for (int step = 0; step < steps; step++)
        {
            int batch = batchOf(step);
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(1000 + step));
            double[] sOut = TestNets.Normal(batch * spec.OutputWidth, (ulong)(2000 + step));
            BpTrace<double> trace = new();
            bp.Step(p, sIn, sOut, batch, trace);
            MathNetBackprop.StepRecord expected = oracle.Step(alpha, sIn, sOut, batch);
            string at = $"{spec} step {step} B={batch}";
            for (int l = 0; l <= spec.L; l++)
            {
                OracleBound.Assert<double>(MathNetBackprop.Rows(expected.Y, l), trace.Y[l], $"{at}: y^{l}");
            }

            for (int l = 0; l < spec.L; l++)
            {
                OracleBound.Assert<double>(MathNetBackprop.Rows(expected.Delta, l), trace.Delta[l], $"{at}: δ^{l}");
                OracleBound.Assert<double>(MathNetBackprop.RowMajor(expected.DeltaW[l + 1]), trace.DeltaW[l + 1]!.Data, $"{at}: Δw^{l + 1}");
                if (spec.Bias)
                {
                    OracleBound.Assert<double>(expected.DeltaV[l + 1].ToArray(), trace.DeltaV[l + 1]!, $"{at}: Δv^{l + 1}");
                }
                else
                {
                    Assert.Null(trace.DeltaV[l + 1]);
                }
            }
        }

        for (int l = 1; l <= spec.L; l++)
        {
            OracleBound.Assert<double>(MathNetBackprop.RowMajor(oracle.W[l]), p.Theta[l].Data, $"{spec}: w^{l} after {steps} steps");
            if (spec.Bias)
            {
                OracleBound.Assert<double>(oracle.V[l].ToArray(), p.Beta[l], $"{spec}: v^{l} after {steps} steps");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void BP_forward_errors_updates_and_parameters_equal_the_MathNet_oracle_for_single_pairs(string arch, string act, bool bias) =>
        CompareStepByStep(TestNets.Spec(arch, act, bias), 8, _ => 1, 0.05);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void BP_batch_update_is_the_mean_of_the_per_pair_updates_as_in_the_MathNet_oracle(string arch, string act, bool bias) =>
        CompareStepByStep(TestNets.Spec(arch, act, bias), 6, step => 2 + (step % 4), 0.1);

    [Fact]
    public void BP_with_a_custom_activation_equals_the_oracle()
    {
        Activation sin = Activation.Custom("sin", Math.Sin, Math.Cos);
        NetworkSpec spec = NetworkSpec.FromInputToOutput([4, 6, 5, 3], [sin, Activation.Tanh, sin], bias: true);
        CompareStepByStep(spec, 5, step => 1 + (step % 3), 0.1);
    }

    [Fact]
    public void BP_loss_is_half_the_squared_error_of_the_oracle_forward_pass()
    {
        NetworkSpec spec = TestNets.Spec("5,7,6,4", "tanh", true);
        Parameters<double> p = TestNets.Params(spec, 3);
        MathNetBackprop oracle = new(spec, p);
        Backprop<double> bp = new(spec, 0.1, capacity: 3);
        double[] sIn = TestNets.Normal(3 * 5, 4), sOut = TestNets.Normal(3 * 4, 5);
        bp.Forward(p, sIn, 3);
        double expected = 0;
        for (int b = 0; b < 3; b++)
        {
            expected += oracle.Loss(sIn[(b * 5)..((b + 1) * 5)], sOut[(b * 4)..((b + 1) * 4)]);
        }

        OracleBound.Assert(expected, bp.Loss(sOut), "E summed over the batch");
    }

    /// <summary>
    /// Eq. 4 is gradient descent: Δw^{l+1}/α = −∂E/∂w^{l+1}. Checked against central differences of the engine's own
    /// loss (independent of δ): h = 1e-5; the truncation error h²/6·|∂³E| is ≤ ~1e-9 for these O(1) nets, the
    /// rounding error 2u·|E|/2h ≤ ~1e-10·|E|, so 1e-7 abs + 1e-6 rel bounds it with headroom.
    /// </summary>
    [Theory]
    [InlineData("3,4,2", "tanh", true)]
    [InlineData("3,4,4,2", "logistic,softplus,tanh", true)]
    [InlineData("2,3,2", "leaky-relu:0.2", false)]
    public void BP_update_is_minus_alpha_times_the_finite_difference_gradient_of_the_loss(string arch, string act, bool bias)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> p = TestNets.Params(spec, 9);
        double[] sIn = TestNets.Normal(spec.InputWidth, 10), sOut = TestNets.Normal(spec.OutputWidth, 11);
        const double alpha = 0.5, h = 1e-5;
        Backprop<double> bp = new(spec, alpha);
        BpTrace<double> trace = new();
        bp.Step(p.Clone(), sIn, sOut, 1, trace);
        Tolerance fd = new(1e-7, 1e-6, "central difference, h = 1e-5: h²/6·|E'''| + u|E|/h");
        double Loss(Parameters<double> q)
        {
            bp.Forward(q, sIn, 1);
            return bp.Loss(sOut);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            double[] w = p.Theta[l].Data;
            for (int k = 0; k < w.Length; k++)
            {
                double w0 = w[k];
                w[k] = w0 + h;
                double ep = Loss(p);
                w[k] = w0 - h;
                double em = Loss(p);
                w[k] = w0;
                fd.Assert(-alpha * (ep - em) / (2 * h), trace.DeltaW[l]!.Data[k], $"{spec}: Δw^{l}[{k}] vs −α∂E/∂w");
            }

            double[] v = p.Beta[l];
            for (int i = 0; i < v.Length; i++)
            {
                double v0 = v[i];
                v[i] = v0 + h;
                double ep = Loss(p);
                v[i] = v0 - h;
                double em = Loss(p);
                v[i] = v0;
                fd.Assert(-alpha * (ep - em) / (2 * h), trace.DeltaV[l]![i], $"{spec}: Δv^{l}[{i}] vs −α∂E/∂v");
            }
        }
    }

    [Fact]
    public void The_oracle_comparison_fails_when_the_oracle_is_perturbed()
    {
        // Negative control: the bound is tight enough to see one wrong element of size 1e-9 (far below any real error).
        NetworkSpec spec = TestNets.Spec("5,7,6,4", "tanh", true);
        Parameters<double> p = TestNets.Params(spec, 31);
        MathNetBackprop oracle = new(spec, p);
        double[] sIn = TestNets.Normal(5, 1), sOut = TestNets.Normal(4, 2);
        BpTrace<double> trace = new();
        new Backprop<double>(spec, 0.05).Step(p, sIn, sOut, 1, trace);
        double[] dw = MathNetBackprop.RowMajor(oracle.Step(0.05, sIn, sOut, 1).DeltaW[2]);
        Assert.Null(OracleBound.Check<double>(dw, trace.DeltaW[2]!.Data, "Δw^2"));
        dw[3] += 1e-9;
        Assert.NotNull(OracleBound.Check<double>(dw, trace.DeltaW[2]!.Data, "Δw^2"));
    }
}
