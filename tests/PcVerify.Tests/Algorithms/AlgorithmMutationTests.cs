using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// Tests written where Stryker found a mutant of Algorithms/ that the rest of the suite did not notice
/// (docs/mutation/learners.md). Each states the contract the mutant broke; expected values come from the options'
/// definitions (docs/math.md §5, §10), the argument contracts, or a learner without the cache under test.
/// </summary>
public class AlgorithmMutationTests
{
    private static readonly NetworkSpec Spec = TestNets.Spec("2,3,2", "tanh,identity", bias: true);

    [Fact]
    public void Graph_state_rows_refuse_a_null_buffer_by_name()
    {
        GraphState<double> state = new(CompiledGraph.Compile(GraphSpec.Chain(Spec)), 2);
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => state.Rows(null!, 0));
        Assert.Equal("buffer", e.ParamName);
    }

    [Theory]
    [InlineData("se")]
    [InlineData("ce")]
    public void The_output_error_refuses_a_target_an_output_or_a_delta_of_the_wrong_length(string lossName)
    {
        OutputLoss loss = OutputLoss.Parse(lossName);
        double[] ok = new double[6], longer = new double[7];
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => loss.Error<double>(longer, ok, new double[6], 2, 3)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => loss.Error<double>(ok, longer, new double[6], 2, 3)).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentException>(() => loss.Error<double>(ok, ok, new double[7], 2, 3)).ParamName);
    }

    [Fact]
    public void Graph_learner_options_give_IL_its_custom_schedule_else_all_at_t_c_else_all_at_T()
    {
        // docs/math.md §10: a graph schedule has one entry per depth 0 .. max d of the vertices with parameters (a chain
        // of L = 2 has depths 0 and 1, θ^1 and θ^2).
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        UpdateSchedule custom = UpdateSchedule.FromMoments([[2], [0, 1]]);
        Assert.Same(custom, Pc(new LearnerOptions { Algorithm = Algorithm.IL, Schedule = custom, Tc = 4 }, graph).Schedule);
        Assert.Equal("all at t = 4", Pc(new LearnerOptions { Algorithm = Algorithm.IL, Tc = 4, T = 9 }, graph).Schedule.Name);
        Assert.Equal("all at t = 9", Pc(new LearnerOptions { Algorithm = Algorithm.IL, T = 9 }, graph).Schedule.Name);
        Assert.Equal("all at t = 20", Pc(new LearnerOptions { Algorithm = Algorithm.IL }, graph).Schedule.Name);
    }

    [Fact]
    public void Graph_learner_options_pass_every_rate_and_switch_to_the_learner()
    {
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        LearnerOptions o = new()
        {
            Algorithm = Algorithm.ZIL, Alpha = 0.125, Gamma = 0.5, Sigma = 0.25, GammaCorrection = true, Synchronous = true,
            NoiseSeed = 7, Loss = OutputLoss.SoftmaxCrossEntropy,
        };
        GraphPredictiveCoding<double> zil = Pc(o, graph);
        Assert.Equal((Algorithm.ZIL, 0.125, 0.5, 0.25, true), (zil.Rule, zil.Alpha, zil.Gamma, zil.Sigma, zil.GammaCorrection));
        Assert.True(zil.Schedule.IsZeroDivergence);
        Assert.Same(OutputLoss.SoftmaxCrossEntropy, zil.OutputLoss);
        Assert.False(zil.EventDriven);
        Assert.False(Pc(o with { Sigma = 0 }, graph).EventDriven);
        Assert.True(Pc(o with { Sigma = 0, Synchronous = false }, graph).EventDriven);
        GraphPredictiveCoding<double> fazil = Pc(o with { Algorithm = Algorithm.FaZIL, Moments = 5 }, graph);
        Assert.Equal((Algorithm.FaZIL, 5), (fazil.Rule, fazil.Moments));
        Assert.Equal(2, Pc(o with { Algorithm = Algorithm.FaZIL }, graph).Moments);
        Assert.IsType<GraphBackprop<double>>(new LearnerOptions { Algorithm = Algorithm.BP }.Create<double>(graph, 1));
    }

    [Fact]
    public void A_layered_learner_steps_whichever_parameters_it_is_given_even_when_their_arrays_are_replaced()
    {
        // The layered view caches its graph wrapper of the last Parameters object (Chain.Wrap). Whatever the cache does,
        // each step must change exactly the arrays it is handed: the oracle is a fresh learner per step, which has no cache.
        Parameters<double> a = TestNets.Params(Spec, 1), b = TestNets.Params(Spec, 2);
        Parameters<double> a0 = a.Clone(), b0 = b.Clone();
        double[] x = TestNets.Normal(2, 3), s = TestNets.Normal(2, 4);
        // Steps: a; a again after its θ^2 was replaced by a new matrix (same object, new array); then b.
        Backprop<double> cached = new(Spec, 0.1);
        cached.Step(a, x, s, 1);
        a.Theta[2] = new Matrix<double>(a.Theta[2].Rows, a.Theta[2].Cols, (double[])a.Theta[2].Data.Clone());
        cached.Step(a, x, s, 1);
        cached.Step(b, x, s, 1);

        new Backprop<double>(Spec, 0.1).Step(a0, x, s, 1);
        new Backprop<double>(Spec, 0.1).Step(a0, x, s, 1);
        new Backprop<double>(Spec, 0.1).Step(b0, x, s, 1);
        for (int l = 1; l <= Spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(a0.Theta[l].Data, a.Theta[l].Data, $"θ^{l} of a");
            Tolerance.Exact.Assert<double>(b0.Theta[l].Data, b.Theta[l].Data, $"θ^{l} of b");
            Tolerance.Exact.Assert<double>(a0.Beta[l], a.Beta[l], $"β^{l} of a");
        }
    }

    [Fact]
    public void A_layered_PCN_state_refuses_direct_feedback_and_a_capacity_below_one()
    {
        // docs/math.md §12: direct feedback (DFA) sends the output error straight to each layer; PC's inference has none.
        Feedback<double> direct = Feedback<double>.Create(Spec, FeedbackKind.Direct, 1);
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => new PcVerify.Engine.PredictiveCoding.PcnState<double>(Spec, 1, feedback: direct));
        Assert.Contains("direct", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PcVerify.Engine.PredictiveCoding.PcnState<double>(Spec, 0));
        Assert.Throws<ArgumentNullException>(() => new PcVerify.Engine.PredictiveCoding.PcnState<double>(null!, 1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Skipping_Fa_Z_IL_equals_the_faithful_simulation_when_a_few_neurons_fire_only_at_the_last_moment(bool bias)
    {
        // Built so that the skipping path's partial re-prediction and row-only update run (RunFullyAutonomousSkipping):
        // relu layer 1 has one silent unit (row 5 of θ^2 negative on a positive f(x^2), with a non-zero bias when there are
        // biases, so that a wrong row or a lost bias shows), whose error stays 0 at its
        // arrival t = 1 and becomes non-zero only at t = 2, the last of 3 moments, when x^2 has moved; then 1 of 8 (per
        // pair) is unfired, fewer than a quarter. Oracle: the faithful synchronous Fa-Z-IL (Algorithm 3), bit for bit.
        NetworkSpec spec = TestNets.Spec("3,8,8,2", "identity,relu,relu", bias);
        Parameters<double> a = new(spec);
        for (int i = 0; i < 8; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                a.Theta[3].Data[(i * 3) + j] = 0.05 * (1 + ((i + j) % 4));
            }

            for (int j = 0; j < 8; j++)
            {
                a.Theta[2].Data[(i * 8) + j] = (i == 5 ? -0.03 : 0.02) * (1 + ((i * j) % 5));
            }
        }

        for (int k = 0; k < 16; k++)
        {
            a.Theta[1].Data[k] = 0.1 * ((k % 7) - 3);
        }

        if (bias)
        {
            a.Beta[1][1] = 0.25;
            a.Beta[2][3] = 0.125;
            a.Beta[2][5] = -0.25;
            a.Beta[3][5] = 0.0625;
        }

        Parameters<double> b = a.Clone();
        PcVerify.Engine.PredictiveCoding.PredictiveCodingLearner<double> faithful = new(spec, Algorithm.FaZIL, 0.05, 2, synchronous: true, moments: 3);
        PcVerify.Engine.PredictiveCoding.PredictiveCodingLearner<double> fast = new(spec, Algorithm.FaZIL, 0.05, 2, moments: 3);
        Assert.True(fast.FaZilSkipping);
        for (int batch = 1; batch <= 2; batch++)
        {
            double[] sIn = [.. TestNets.Normal(3 * batch, (ulong)(10 + batch)).Select(x => 0.5 + Math.Abs(x))];
            double[] sOut = TestNets.Normal(2 * batch, (ulong)(20 + batch));
            faithful.Step(a, sIn, sOut, batch);
            fast.Step(b, sIn, sOut, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(a.Theta[l].Data, b.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<double>(a.Beta[l], b.Beta[l], $"β^{l}");
        }
    }

    private static GraphPredictiveCoding<double> Pc(LearnerOptions o, CompiledGraph graph) =>
        Assert.IsType<GraphPredictiveCoding<double>>(o.Create<double>(graph, 2));
}
