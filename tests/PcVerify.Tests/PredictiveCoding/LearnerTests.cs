using PcVerify.Engine;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Oracle;
using PcVerify.Tests.Support;
using MMatrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;
using MVector = MathNet.Numerics.LinearAlgebra.Vector<double>;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.PredictiveCoding;

/// <summary>
/// IL, Z-IL and Fa-Z-IL (float64) against BP, the MathNet oracle and a closed form: Thm 3.1/3.2 for batches and
/// biases, A.5 (γ ≠ 1, with and without the γ^{−l} correction), IL's inference on a linear network in closed form,
/// Fa-Z-IL ≡ Z-IL on tanh, and the negative controls of docs/math.md §7 (σ &gt; 0, t_c ≠ schedule, γ ≠ 1 uncorrected,
/// ReLU dead units for Fa-Z-IL) that must produce a measurable divergence.
/// </summary>
public class LearnerTests
{
    /// <summary>
    /// Z-IL's ε^l_l equals δ^l in exact arithmetic (Thm 3.1) but is computed as (x_0 + Δx) − x_0, which loses a few
    /// ulps of |x_0| per layer, and the batch sums are the same kernels in the same order; so Z-IL and BP agree to
    /// ~1e-15 relative. 1e-12 abs + rel leaves three orders of headroom; a real error is of the size of the update.
    /// </summary>
    private static readonly Tolerance Float64Exactness = new(1e-12, 1e-12, "float64 rounding of (x0+Δx)−x0 per layer");

    /// <summary>"Measurably different": 1e4 times the exactness bound, far above float64 rounding.</summary>
    private const double Measurable = 1e-8;

    private static (BpTrace<double> Bp, PcTrace<double> Pc, Parameters<double> W, Parameters<double> Theta) OneStep(
        NetworkSpec spec, PredictiveCodingLearner<double> pc, int batch, double alpha, ulong seed = 11)
    {
        Parameters<double> theta = TestNets.Params(spec, seed);
        Parameters<double> w = theta.Clone();
        double[] sIn = TestNets.Normal(batch * spec.InputWidth, seed + 1), sOut = TestNets.Normal(batch * spec.OutputWidth, seed + 2);
        BpTrace<double> bpTrace = new();
        new Backprop<double>(spec, alpha, batch).Step(w, sIn, sOut, batch, bpTrace);
        PcTrace<double> pcTrace = new();
        pc.Step(theta, sIn, sOut, batch, pcTrace);
        return (bpTrace, pcTrace, w, theta);
    }

    private static double MaxUpdateDifference(NetworkSpec spec, BpTrace<double> bp, PcTrace<double> pc)
    {
        double m = 0;
        for (int l = 1; l <= spec.L; l++)
        {
            Matrix<double>? d = pc.TotalDeltaTheta(l);
            m = Math.Max(m, d is null ? Numeric.MaxAbsDiff<double>(bp.DeltaW[l]!.Data, new double[bp.DeltaW[l]!.Data.Length]) : Numeric.MaxAbsDiff<double>(bp.DeltaW[l]!.Data, d.Data));
        }

        return m;
    }

    public static TheoryData<string, string, bool, bool> ZilCases => new()
    {
        { "5,7,6,4", "tanh", false, false },
        { "5,7,6,4", "tanh", true, true },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", true, false },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", true, true },
        { "3,6,6,6,6,2", "logistic", true, false },
        { "4,3", "identity", true, false },
        { "1,1,1", "tanh", true, true },
    };

    [Theory]
    [MemberData(nameof(ZilCases))]
    public void Z_IL_batch_update_equals_the_BP_batch_update_and_the_oracle(string arch, string act, bool bias, bool synchronous)
    {
        const int batch = 4;
        const double alpha = 0.1;
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        PredictiveCodingLearner<double> zil = new(spec, Algorithm.ZIL, alpha, batch, synchronous: synchronous);
        Assert.Equal(!synchronous, zil.EventDriven);
        Parameters<double> initial = TestNets.Params(spec, 11);
        (BpTrace<double> bp, PcTrace<double> pc, _, Parameters<double> theta) = OneStep(spec, zil, batch, alpha);
        MathNetBackprop oracle = new(spec, initial);
        MathNetBackprop.StepRecord expected = oracle.Step(alpha, TestNets.Normal(batch * spec.InputWidth, 12), TestNets.Normal(batch * spec.OutputWidth, 13), batch);
        for (int l = 0; l < spec.L; l++)
        {
            // Thm 3.1 per pair of the batch: ε^l at t = l is δ^l (the event-driven path records exactly ε^l_l at moment l).
            Float64Exactness.Assert<double>(bp.Delta[l], pc.Moments[l].Eps[l], $"ε^{l}_{l} vs δ^{l}");
            Float64Exactness.Assert<double>(bp.DeltaW[l + 1]!.Data, pc.TotalDeltaTheta(l + 1)!.Data, $"Δθ^{l + 1} vs Δw^{l + 1}");
            PcVerify.Tests.Backprop.BackpropOracleTests.OracleBound.Assert<double>(MathNetBackprop.RowMajor(expected.DeltaW[l + 1]), pc.TotalDeltaTheta(l + 1)!.Data, $"Δθ^{l + 1} vs oracle");
            if (bias)
            {
                Float64Exactness.Assert<double>(bp.DeltaV[l + 1]!, pc.TotalDeltaBeta(l + 1)!, $"Δβ^{l + 1} vs Δv^{l + 1}");
                PcVerify.Tests.Backprop.BackpropOracleTests.OracleBound.Assert<double>(expected.DeltaV[l + 1].ToArray(), pc.TotalDeltaBeta(l + 1)!, $"Δβ^{l + 1} vs oracle");
            }

            // C2: θ^{l+1} is updated at exactly one moment, t = l.
            for (int t = 0; t < pc.Moments.Count; t++)
            {
                Assert.Equal(t == l, pc.Moments[t].DeltaTheta[l + 1] is not null);
            }
        }

        for (int l = 1; l <= spec.L; l++)
        {
            PcVerify.Tests.Backprop.BackpropOracleTests.OracleBound.Assert<double>(MathNetBackprop.RowMajor(oracle.W[l]), theta.Theta[l].Data, $"θ^{l} after the step vs oracle");
        }
    }

    [Theory]
    [InlineData("5,7,6,4", "tanh", true)]
    [InlineData("3,8,8,8,2", "softplus,tanh,logistic,leaky-relu:0.1", true)]
    public void Z_IL_and_BP_trained_on_the_same_sequence_keep_equal_parameters(string arch, string act, bool bias)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> theta = TestNets.Params(spec, 21), w = theta.Clone();
        Backprop<double> bp = new(spec, 0.05, 3);
        PredictiveCodingLearner<double> zil = new(spec, Algorithm.ZIL, 0.05, 3);
        for (int step = 0; step < 40; step++)
        {
            int batch = 1 + (step % 3);
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(300 + step)), sOut = TestNets.Normal(batch * spec.OutputWidth, (ulong)(400 + step));
            bp.Step(w, sIn, sOut, batch);
            zil.Step(theta, sIn, sOut, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            Float64Exactness.Assert<double>(w.Theta[l].Data, theta.Theta[l].Data, $"θ^{l} vs w^{l} after 40 steps");
            Float64Exactness.Assert<double>(w.Beta[l], theta.Beta[l], $"β^{l} vs v^{l} after 40 steps");
        }
    }

    // ---------------------------------------------------------------- A.5: γ ≠ 1

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(0.5, true)]
    [InlineData(0.8, false)]
    public void With_gamma_below_one_Z_IL_errors_and_updates_are_gamma_to_the_l_times_BP_and_the_correction_recovers_BP(double gamma, bool synchronous)
    {
        NetworkSpec spec = TestNets.Spec("3,8,8,8,2", "softplus,tanh,logistic,tanh", true);
        const double alpha = 0.1;
        (BpTrace<double> bp, PcTrace<double> pc, _, _) = OneStep(spec, new(spec, Algorithm.ZIL, alpha, 2, gamma, synchronous: synchronous), 2, alpha);
        (BpTrace<double> bp2, PcTrace<double> corrected, _, _) = OneStep(spec, new(spec, Algorithm.ZIL, alpha, 2, gamma, gammaCorrection: true, synchronous: synchronous), 2, alpha);
        for (int l = 0; l < spec.L; l++)
        {
            double g = Math.Pow(gamma, l);
            double[] scaledDelta = bp.Delta[l].Select(d => g * d).ToArray();
            double[] scaledDw = bp.DeltaW[l + 1]!.Data.Select(d => g * d).ToArray();
            double[] scaledDv = bp.DeltaV[l + 1]!.Select(d => g * d).ToArray();
            Float64Exactness.Assert<double>(scaledDelta, pc.Moments[l].Eps[l], $"A.5: ε^{l}_{l} = γ^{l} δ^{l}");
            Float64Exactness.Assert<double>(scaledDw, pc.TotalDeltaTheta(l + 1)!.Data, $"A.5: Δθ^{l + 1} = γ^{l} Δw^{l + 1}");
            Float64Exactness.Assert<double>(scaledDv, pc.TotalDeltaBeta(l + 1)!, $"A.5: Δβ^{l + 1} = γ^{l} Δv^{l + 1}");
            Float64Exactness.Assert<double>(bp2.DeltaW[l + 1]!.Data, corrected.TotalDeltaTheta(l + 1)!.Data, $"corrected Δθ^{l + 1} = Δw^{l + 1}");
            Float64Exactness.Assert<double>(bp2.DeltaV[l + 1]!, corrected.TotalDeltaBeta(l + 1)!, $"corrected Δβ^{l + 1} = Δv^{l + 1}");
        }

        // Negative control: without the correction, γ ≠ 1 diverges from BP (by (1 − γ^l)·|Δw| for l ≥ 1).
        Assert.True(MaxUpdateDifference(spec, bp, pc) > Measurable, "γ ≠ 1 without correction must differ from BP");
    }

    // ---------------------------------------------------------------- σ > 0 and t_c ≠ schedule (negative controls)

    [Fact]
    public void Sigma_above_zero_makes_Z_IL_differ_from_BP_measurably_and_more_with_larger_sigma()
    {
        NetworkSpec spec = TestNets.Spec("5,7,6,6,4", "tanh", true);
        double Divergence(double sigma)
        {
            PredictiveCodingLearner<double> zil = new(spec, Algorithm.ZIL, 0.1, 1, sigma: sigma, noiseSeed: 77);
            Assert.Equal(sigma == 0, zil.EventDriven);
            (BpTrace<double> bp, PcTrace<double> pc, _, _) = OneStep(spec, zil, 1, 0.1);
            return MaxUpdateDifference(spec, bp, pc);
        }

        double d0 = Divergence(0), d4 = Divergence(1e-4), d2 = Divergence(1e-2), d1 = Divergence(1);
        Assert.True(d0 <= 1e-12, $"σ = 0 is exact, found {d0:G17}");
        Assert.True(d4 > 1e-8 && d4 < d2 && d2 < d1, $"divergence should grow with σ: σ=1e-4 → {d4:G17}, 1e-2 → {d2:G17}, 1 → {d1:G17}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void IL_updating_every_layer_at_one_moment_differs_from_BP_on_a_deep_network(int tc)
    {
        NetworkSpec spec = TestNets.Spec("5,7,6,6,4", "tanh", true); // L = 4: no single t_c is t = l for every l.
        PredictiveCodingLearner<double> il = new(spec, Algorithm.IL, 0.1, 1, schedule: UpdateSchedule.AllAt(spec.L, tc));
        (BpTrace<double> bp, PcTrace<double> pc, _, _) = OneStep(spec, il, 1, 0.1);
        Assert.True(MaxUpdateDifference(spec, bp, pc) > Measurable, $"IL at t_c = {tc} must differ from BP");

        // Positive control: the same learner with the Z-IL schedule t = l is exact.
        PredictiveCodingLearner<double> scheduled = new(spec, Algorithm.IL, 0.1, 1, schedule: UpdateSchedule.ZeroDivergence(spec.L));
        (BpTrace<double> bp2, PcTrace<double> pc2, _, _) = OneStep(spec, scheduled, 1, 0.1);
        Assert.True(MaxUpdateDifference(spec, bp2, pc2) <= 1e-12, "IL with the schedule t = l is Z-IL");
    }

    // ---------------------------------------------------------------- IL in closed form

    /// <summary>
    /// IL on a linear network with one hidden layer (f = identity, biases on), by hand. Before t_c nothing updates θ and
    /// x^2 = s_in is clamped, so μ^1 = θ^2 s_in + β^2 is constant; with e_t = x^1_t − μ^1, A = θ^1 and
    /// δ^0 = s_out − A μ^1 − β^1, Eq. 7 reads e_{t+1} = e_t + γ(−e_t + Aᵀ(δ^0 − A e_t)) = M e_t + γAᵀδ^0 with
    /// M = I − γ(I + AᵀA) and e_0 = 0 (C1), so e_t = Σ_{k&lt;t} M^k γAᵀδ^0 = (I + AᵀA)^{−1}(I − M^t)Aᵀδ^0. At t_c:
    /// ε^1 = e, ε^0 = δ^0 − A e, Δθ^1 = α ε^0 (μ^1 + e)ᵀ, Δθ^2 = α ε^1 s_inᵀ, Δβ^1 = α ε^0, Δβ^2 = α ε^1.
    /// </summary>
    /// <remarks>
    /// The engine iterates t times; the closed form uses M^t and a solve with I + AᵀA. Each iteration's rounding
    /// (≤ ~n·u·|values| ≈ 1e-15) is amplified by at most max(ρ(M), 1)^t, checked &lt; 100 (for long runs ρ(M) &lt; 1 and
    /// it is damped), and the solve adds ≤ cond(I + AᵀA)·u ≈ 1e-14; so the error is ≤ ~1e-12 and 1e-11 abs + rel
    /// holds with headroom. A wrong γ, sign, transpose or moment is O(1).
    /// </remarks>
    [Theory]
    [InlineData(0.1, 0)]
    [InlineData(0.1, 1)]
    [InlineData(0.1, 5)]
    [InlineData(0.5, 3)]
    [InlineData(0.3, 40)]
    [InlineData(1.0, 1)]
    public void IL_inference_on_a_linear_one_hidden_layer_network_follows_the_closed_form(double gamma, int tc)
    {
        NetworkSpec spec = TestNets.Spec("4,5,3", "identity", true);
        const double alpha = 0.2;
        Parameters<double> p = TestNets.Params(spec, 51, biasScale: 0.5), initial = p.Clone();
        double[] sIn = TestNets.Normal(4, 52), sOut = TestNets.Normal(3, 53);
        PredictiveCodingLearner<double> il = new(spec, Algorithm.IL, alpha, 1, gamma, schedule: UpdateSchedule.AllAt(spec.L, tc));
        PcTrace<double> trace = new();
        il.Step(p, sIn, sOut, 1, trace);

        MMatrix a = MMatrix.Build.Dense(3, 5, (i, j) => initial.Theta[1][i, j]);
        MMatrix b = MMatrix.Build.Dense(5, 4, (i, j) => initial.Theta[2][i, j]);
        MVector s = MVector.Build.DenseOfArray(sIn), o = MVector.Build.DenseOfArray(sOut);
        MVector mu1 = (b * s) + MVector.Build.DenseOfArray(initial.Beta[2]);
        MVector delta0 = o - (a * mu1) - MVector.Build.DenseOfArray(initial.Beta[1]);
        MMatrix i5 = MMatrix.Build.DenseIdentity(5);
        MMatrix k = i5 + a.TransposeThisAndMultiply(a);
        MMatrix m = i5 - (gamma * k);
        double rho = m.Evd().EigenValues.Select(z => z.Magnitude).Max();
        double growth = Math.Pow(Math.Max(rho, 1), tc);
        Assert.True(growth < 100, $"precondition: rounding grows by at most ρ(M)^t_c < 100 (ρ = {rho:G6}, t_c = {tc})");
        MVector atd = a.TransposeThisAndMultiply(delta0);
        Tolerance bound = new(1e-11, 1e-11, "t damped iterations vs M^t and one solve, ≤ ~1e-13");

        Assert.Equal(tc + 1, trace.Moments.Count);
        for (int t = 0; t <= tc; t++)
        {
            MVector e = k.Solve((i5 - m.Power(t)) * atd);
            bound.Assert<double>((mu1 + e).ToArray(), trace.Moments[t].X[1]!, $"x^1_{t} (γ = {gamma})");
            bound.Assert<double>(e.ToArray(), trace.Moments[t].Eps[1]!, $"ε^1_{t}");
            bound.Assert<double>((delta0 - (a * e)).ToArray(), trace.Moments[t].Eps[0]!, $"ε^0_{t}");
            if (t == tc)
            {
                MVector eps0 = delta0 - (a * e);
                bound.Assert<double>(MathNetBackprop.RowMajor(alpha * eps0.OuterProduct(mu1 + e)), trace.Moments[t].DeltaTheta[1]!.Data, "Δθ^1 at t_c");
                bound.Assert<double>(MathNetBackprop.RowMajor(alpha * e.OuterProduct(s)), trace.Moments[t].DeltaTheta[2]!.Data, "Δθ^2 at t_c");
                bound.Assert<double>((alpha * eps0).ToArray(), trace.Moments[t].DeltaBeta[1]!, "Δβ^1 at t_c");
                bound.Assert<double>((alpha * e).ToArray(), trace.Moments[t].DeltaBeta[2]!, "Δβ^2 at t_c");
            }
            else
            {
                Assert.Null(trace.Moments[t].DeltaTheta[1]);
                Assert.Null(trace.Moments[t].DeltaTheta[2]);
            }
        }
    }

    // ---------------------------------------------------------------- Fa-Z-IL

    [Theory]
    [InlineData("5,7,6,4", "tanh", true, 1)]
    [InlineData("3,8,8,8,2", "tanh", true, 3)]
    [InlineData("3,8,8,8,2", "logistic,softplus,tanh,tanh", false, 2)]
    public void Fa_Z_IL_is_bit_identical_to_Z_IL_on_networks_whose_f_prime_never_vanishes(string arch, string act, bool bias, int batch)
    {
        // Under C1 every error at layer l is exactly 0 before t = l (Lemma A.3, and x_0 is a copy of μ_0), and with
        // f' ≠ 0 each error neuron is non-zero at t = l; so φ fires every neuron of layer l at t = l with ε^l_l, which is
        // exactly Z-IL's schedule, evaluated with the same kernels on the same state: the parameters agree bit for bit.
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> a = TestNets.Params(spec, 61), b = a.Clone();
        PredictiveCodingLearner<double> fa = new(spec, Algorithm.FaZIL, 0.1, batch);
        PredictiveCodingLearner<double> zil = new(spec, Algorithm.ZIL, 0.1, batch, synchronous: true);
        for (int step = 0; step < 10; step++)
        {
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(500 + step)), sOut = TestNets.Normal(batch * spec.OutputWidth, (ulong)(600 + step));
            fa.Step(a, sIn, sOut, batch);
            zil.Step(b, sIn, sOut, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(b.Theta[l].Data, a.Theta[l].Data, $"Fa-Z-IL θ^{l} vs Z-IL");
            Tolerance.Exact.Assert<double>(b.Beta[l], a.Beta[l], $"Fa-Z-IL β^{l} vs Z-IL");
        }
    }

    [Fact]
    public void Fa_Z_IL_differs_from_Z_IL_when_a_relu_unit_below_the_top_hidden_layer_is_inactive()
    {
        // Negative control (docs/math.md §5): a ReLU unit with x ≤ 0 has f' = 0, so ε^l_{i,l} = 0 and φ does not fire at t = l;
        // at t = l + 1 the update of θ^{l+1} and Δx^{l+1} have moved μ^l_i, the error becomes non-zero and the neuron
        // fires late, updating a row BP leaves unchanged. This needs a dead unit at a hidden layer l ≤ L − 2.
        NetworkSpec spec = TestNets.Spec("3,8,8,8,2", "relu", true);
        (BpTrace<double> bp, _, _, _) = OneStep(spec, new(spec, Algorithm.ZIL, 0.1, 1), 1, 0.1);
        bool deadUnit = false;
        for (int l = 1; l <= spec.L - 2; l++)
        {
            deadUnit |= bp.Y[l].Any(y => y <= 0);
        }

        Assert.True(deadUnit, "precondition: an inactive ReLU unit at a layer l ≤ L − 2");
        (BpTrace<double> bp2, PcTrace<double> fa, _, _) = OneStep(spec, new(spec, Algorithm.FaZIL, 0.1, 1), 1, 0.1);
        Assert.True(MaxUpdateDifference(spec, bp2, fa) > Measurable, "Fa-Z-IL should fire the dead unit late and differ from BP");
    }

    // ---------------------------------------------------------------- options

    [Fact]
    public void Learner_options_build_the_named_algorithms_and_reject_bad_rates_by_name()
    {
        NetworkSpec spec = TestNets.Spec("3,4,2", "tanh", true);
        Assert.Equal("bp", new LearnerOptions { Algorithm = Algorithm.BP }.Create<double>(spec, 1).Name);
        Assert.Equal("zil", new LearnerOptions { Algorithm = Algorithm.ZIL }.Create<double>(spec, 1).Name);
        Assert.Equal("zil-sync", new LearnerOptions { Algorithm = Algorithm.ZIL, Synchronous = true }.Create<double>(spec, 1).Name);
        Assert.Equal("zil-sync", new LearnerOptions { Algorithm = Algorithm.ZIL, Sigma = 0.1 }.Create<double>(spec, 1).Name);
        Assert.Equal("fazil", new LearnerOptions { Algorithm = Algorithm.FaZIL }.Create<double>(spec, 1).Name);
        PredictiveCodingLearner<double> il = Assert.IsType<PredictiveCodingLearner<double>>(new LearnerOptions { Algorithm = Algorithm.IL, Tc = 3 }.Create<double>(spec, 1));
        Assert.Equal(3, il.Schedule.LastMoment);
        Assert.Contains("α", Assert.Throws<InvalidInputException>(() => new LearnerOptions { Alpha = 0 }.Create<double>(spec, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("γ", Assert.Throws<InvalidInputException>(() => new LearnerOptions { Gamma = double.NaN }.Create<double>(spec, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("σ", Assert.Throws<InvalidInputException>(() => new LearnerOptions { Sigma = -1 }.Create<double>(spec, 1)).Message, StringComparison.Ordinal);
    }
}
