using PcVerify.Engine;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Backprop;

/// <summary>
/// A huge learning rate makes BP and Z-IL throw <see cref="TrainingDivergedException"/> naming the step and the layer,
/// at the step and layer computed by hand.
/// </summary>
public class TrainingDivergenceTests
{
    private static NetworkSpec Scalar(int depth) => new(Enumerable.Repeat(1, depth + 1).ToArray(), [Activation.Identity], false);

    private static Parameters<double> Ones(NetworkSpec spec)
    {
        Parameters<double> p = new(spec);
        for (int l = 1; l <= spec.L; l++)
        {
            p.Theta[l].Data[0] = 1;
        }

        return p;
    }

    /// <summary>
    /// A 1 → 1 linear net, w = 1, s_in = 1, s_out = 2, α = 1e308. Step 0: δ^0 = 2 − 1 = 1, w = 1 + 1e308 = 1e308 (finite).
    /// Step 1: y^0 = 1e308, δ^0 = 2 − 1e308 (finite), Δw = 1e308 · (2 − 1e308) · 1 = −∞, so w = −∞. Step 2: y^0 = −∞ and
    /// δ^0 = +∞: layer 0 is first non-finite at step 2. BP reports its error δ^0; the PC learners report the
    /// prediction μ^0 = −∞ at t = 0, before the error is formed and before any update (so no path updates a layer first).
    /// </summary>
    [Theory]
    [InlineData(Algorithm.BP, "δ^0")]
    [InlineData(Algorithm.ZIL, "μ^0")]
    [InlineData(Algorithm.FaZIL, "μ^0")]
    public void A_huge_alpha_on_a_scalar_net_diverges_at_step_two_in_layer_zero(Algorithm algorithm, string layer)
    {
        NetworkSpec spec = Scalar(1);
        Parameters<double> p = Ones(spec);
        ILearner<double> learner = new LearnerOptions { Algorithm = algorithm, Alpha = 1e308 }.Create<double>(spec, 1);
        for (long step = 0; step < 2; step++)
        {
            learner.StepIndex = step;
            learner.Step(p, [1.0], [2.0], 1);
        }

        Assert.True(double.IsNegativeInfinity(p.Theta[1].Data[0]), $"w after two steps: {p.Theta[1].Data[0]}");
        learner.StepIndex = 2;
        TrainingDivergedException e = Assert.Throws<TrainingDivergedException>(() => learner.Step(p, [1.0], [2.0], 1));
        Assert.Equal(2, e.Step);
        Assert.Contains("step 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(layer, e.Where, StringComparison.Ordinal);
        Assert.Contains(layer, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A 1 → 1 → 1 linear net with w^2 = 0 (so y^0 = 0), w^1 = 1e200, s_out = 1e200: δ^0 = 1e200 is finite but
    /// δ^1 = w^1 δ^0 = 1e400 overflows, so the first non-finite error is in layer 1 at step 0, for BP and Z-IL alike
    /// (Z-IL's ε^1_1 = δ^1 by Thm 3.1).
    /// </summary>
    [Theory]
    [InlineData(Algorithm.BP, "δ^1")]
    [InlineData(Algorithm.ZIL, "ε^1")]
    public void An_overflow_in_the_backward_pass_names_the_hidden_layer(Algorithm algorithm, string layer)
    {
        NetworkSpec spec = Scalar(2);
        Parameters<double> p = new(spec);
        p.Theta[1].Data[0] = 1e200;
        ILearner<double> learner = new LearnerOptions { Algorithm = algorithm, Alpha = 1e-3 }.Create<double>(spec, 1);
        learner.StepIndex = 0;
        TrainingDivergedException e = Assert.Throws<TrainingDivergedException>(() => learner.Step(p, [1.0], [1e200], 1));
        Assert.Equal(0, e.Step);
        Assert.Contains("step 0", e.Message, StringComparison.Ordinal);
        Assert.Contains(layer, e.Where, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Algorithm.BP)]
    [InlineData(Algorithm.ZIL)]
    public void A_huge_alpha_on_a_tanh_net_throws_within_a_few_steps_naming_the_step_it_was_told(Algorithm algorithm)
    {
        NetworkSpec spec = TestNets.Spec("5,7,6,4", "tanh", true);
        Parameters<double> p = TestNets.Params(spec, 3);
        ILearner<double> learner = new LearnerOptions { Algorithm = algorithm, Alpha = 1e306 }.Create<double>(spec, 1);
        double[] sIn = TestNets.Normal(5, 4), sOut = TestNets.Normal(4, 5);
        TrainingDivergedException? caught = null;
        long at = -1;
        for (long step = 100; step < 110 && caught is null; step++)
        {
            learner.StepIndex = step;
            at = step;
            caught = Record.Exception(() => learner.Step(p, sIn, sOut, 1)) as TrainingDivergedException;
        }

        Assert.NotNull(caught);
        Assert.Equal(at, caught.Step);
        Assert.Contains($"step {at}", caught.Message, StringComparison.Ordinal);
        Assert.Matches(algorithm == Algorithm.BP ? "δ\\^[0-3]" : "ε\\^[0-3]", caught.Where);
    }

    /// <summary>
    /// A 1 → 1 → 1 → 1 relu net, w^3 = 1, w^2 = w^1 = 1e103, s_in = 1e-103, s_out = 0, α = 0.1: the forward pass is
    /// finite (y^2 = 1e-103, y^1 = 1, y^0 = 1e103), ε^0 = −1e103 and ε^1 = w^1 ε^0 = −1e206 are finite, ε^2 = w^2 ε^1 =
    /// −1e309 overflows. So Z-IL updates θ^1 at t = 0 (Δw^1 = α ε^0 y^1 = −1e102) and θ^2 at t = 1 (Δw^2 = α ε^1 y^2 =
    /// −1e102), then throws for ε^2 at t = 2 with θ^3 untouched. Event-driven Z-IL
    /// (which defers its updates until every increment is done, GraphPredictiveCoding.UpdateFromInputSide) must leave θ
    /// exactly as the faithful synchronous simulation does: the oracle is that simulation, bit for bit; the control is
    /// that the two updates before the throw did change θ^1 and θ^2.
    /// </summary>
    [Fact]
    public void Event_driven_zil_leaves_the_parameters_of_the_synchronous_simulation_when_a_late_error_overflows()
    {
        NetworkSpec spec = new([1, 1, 1, 1], [Activation.Relu], false);
        Parameters<double> Start()
        {
            Parameters<double> p = new(spec);
            p.Theta[3].Data[0] = 1;
            p.Theta[2].Data[0] = 1e103;
            p.Theta[1].Data[0] = 1e103;
            return p;
        }

        Parameters<double> sync = Start(), eventDriven = Start();
        PredictiveCodingLearner<double> faithful = new(spec, Algorithm.ZIL, 0.1, synchronous: true);
        PredictiveCodingLearner<double> fast = new(spec, Algorithm.ZIL, 0.1);
        Assert.True(fast.EventDriven);
        TrainingDivergedException a = Assert.Throws<TrainingDivergedException>(() => faithful.Step(sync, [1e-103], [0.0], 1));
        TrainingDivergedException b = Assert.Throws<TrainingDivergedException>(() => fast.Step(eventDriven, [1e-103], [0.0], 1));
        Assert.Contains("error ε^2 at moment t = 2", a.Where, StringComparison.Ordinal);
        Assert.Contains("error ε^2 at moment t = 2", b.Where, StringComparison.Ordinal);
        for (int l = 1; l <= spec.L; l++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(sync.Theta[l].Data[0]), BitConverter.DoubleToInt64Bits(eventDriven.Theta[l].Data[0]));
        }

        Assert.NotEqual(1e103, eventDriven.Theta[1].Data[0]);
        Assert.NotEqual(1e103, eventDriven.Theta[2].Data[0]);
        Assert.Equal(1.0, eventDriven.Theta[3].Data[0]);
    }
}
