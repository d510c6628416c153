using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// A layered net is a chain (docs/math.md §10): the layered learners (<c>LearnerOptions.Create</c>) are views of the graph
/// learners on the chain from <see cref="GraphSpec.Chain"/>, so training through the layered API (layer-indexed
/// parameters, schedules, σ stream, γ-correction) must equal training the graph learner on the graph parameters bit for
/// bit; a wrong layer ↔ vertex translation in a facade fails here. That the arithmetic itself is the earlier layered
/// engine's is what the pinned snapshots and the oracle tests (MathNet BP, finite differences) check. Covers BP, IL
/// (t_c and a custom schedule), Z-IL (event-driven and synchronous), Fa-Z-IL, σ, γ with and without the correction,
/// batches of varying size, both losses and both element types.
/// </summary>
public class GraphChainTests
{
    public static TheoryData<string, string, bool, string> Cases => new()
    {
        { "5,7,6,4", "tanh", true, "bp" },
        { "5,7,6,4", "tanh", true, "zil" },
        { "5,7,6,4", "tanh", true, "zil-sync" },
        { "5,7,6,4", "tanh", true, "fazil" },
        { "5,7,6,4", "tanh", true, "il" },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", false, "bp" },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", false, "zil" },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", false, "fazil" },
        { "3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", false, "il-schedule" },
        { "5,7,6,4", "logistic", true, "zil-sigma" },
        { "5,7,6,4", "logistic", true, "il-sigma-gamma" },
        { "5,7,6,4", "tanh", false, "zil-gamma-corrected" },
        { "4,3", "identity", true, "zil" },
    };

    private static LearnerOptions Options(string name, int depth) => name switch
    {
        "bp" => new() { Algorithm = Algorithm.BP },
        "zil" => new() { Algorithm = Algorithm.ZIL },
        "zil-sync" => new() { Algorithm = Algorithm.ZIL, Synchronous = true },
        "fazil" => new() { Algorithm = Algorithm.FaZIL },
        "il" => new() { Algorithm = Algorithm.IL, T = 5, Gamma = 0.3 },
        "il-schedule" => new() { Algorithm = Algorithm.IL, Schedule = UpdateSchedule.Parse(string.Join(",", Enumerable.Range(0, depth).Select(l => l % 2 == 0 ? $"{l}+{l + 2}" : "-")), depth) },
        "zil-sigma" => new() { Algorithm = Algorithm.ZIL, Sigma = 0.1, NoiseSeed = 9 },
        "il-sigma-gamma" => new() { Algorithm = Algorithm.IL, Sigma = 0.01, Gamma = 0.5, Tc = 2, NoiseSeed = 9 },
        "zil-gamma-corrected" => new() { Algorithm = Algorithm.ZIL, Gamma = 0.5, GammaCorrection = true },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static T[] Cast<T>(double[] v)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. v.Select(T.CreateTruncating)];

    private static void TrainsAsTheLayeredLearner<T>(string arch, string act, bool bias, string algorithm, OutputLoss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        LearnerOptions o = Options(algorithm, spec.L) with { Alpha = 0.05, Loss = loss };
        Parameters<T> chain = TestNets.Params(spec, 61).Convert<T>();
        GraphParameters<T> gp = GraphParameters<T>.FromChain(graph, chain.Clone());
        ILearner<T> layered = o.Create<T>(spec, 3);
        IGraphLearner<T> onGraph = o.Create<T>(graph, 3);
        Assert.Equal(layered.Name, onGraph.Name);
        for (int step = 0; step < 12; step++)
        {
            int batch = 1 + (step % 3);
            T[] x = Cast<T>(TestNets.Normal(batch * spec.InputWidth, (ulong)(700 + step)));
            double[] target = TestNets.Normal(batch * spec.OutputWidth, (ulong)(800 + step));
            T[] s = Cast<T>(loss.Kind == LossKind.SquaredError ? target : [.. target.Select(Math.Abs)]);
            layered.Step(chain, x, s, batch);
            onGraph.Step(gp, x, s, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            int v = graph.IndexOf($"x{l - 1}");
            Tolerance.Exact.Assert<T>(chain.Theta[l].Data, gp.Weight(v), $"{algorithm}: θ^{l} (graph vs layered)");
            Tolerance.Exact.Assert<T>(chain.Beta[l], gp.Bias(v), $"{algorithm}: β^{l} (graph vs layered)");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void On_a_chain_the_graph_learner_trains_bit_identically_to_the_layered_one_double(string arch, string act, bool bias, string algorithm) =>
        TrainsAsTheLayeredLearner<double>(arch, act, bias, algorithm, OutputLoss.SquaredError);

    [Theory]
    [MemberData(nameof(Cases))]
    public void On_a_chain_the_graph_learner_trains_bit_identically_to_the_layered_one_float_cross_entropy(string arch, string act, bool bias, string algorithm) =>
        TrainsAsTheLayeredLearner<float>(arch, act, bias, algorithm, OutputLoss.SoftmaxCrossEntropy);
}
