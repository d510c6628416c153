using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// A layered net is the special case of a chain (docs/math.md §10): the chain built by <see cref="GraphSpec.Chain"/>,
/// evaluated op by op here, must reproduce the layered forward (<c>Training.Forward</c>, an independent loop over layers)
/// and the layered BP learner (a view of the graph learner, so this checks the learner's composition of the ops against
/// a hand composition) bit for bit.
/// </summary>
public class ChainGraphTests
{
    public static TheoryData<string, string, bool, int> Chains => new()
    {
        { "5,7,3", "tanh", true, 1 },
        { "5,7,3", "relu,logistic", false, 4 },
        { "9,16,12,4", "leaky-relu:0.1", true, 7 },
        { "3,2", "softplus", true, 5 },
    };

    private static (NetworkSpec Spec, CompiledGraph Graph) Build(string arch, string act, bool bias)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        return (spec, CompiledGraph.Compile(GraphSpec.Chain(spec)));
    }

    private static T[] Cast<T>(double[] v)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. v.Select(T.CreateTruncating)];

    private static void ForwardMatches<T>(string arch, string act, bool bias, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (NetworkSpec spec, CompiledGraph graph) = Build(arch, act, bias);
        Parameters<T> p = TestNets.Params(spec, 11).Convert<T>();
        T[] x = Cast<T>(TestNets.Normal(batch * spec.InputWidth, 12));
        Backprop<T> bp = new(spec, 0.1, batch);
        bp.Forward(p, x, batch);
        GraphForward<T> gf = new(graph, batch);
        gf.Run(GraphParameters<T>.FromChain(graph, p), x, batch);
        for (int l = 0; l <= spec.L; l++)
        {
            int v = graph.IndexOf($"x{l}");
            Tolerance.Exact.Assert<T>(bp.Y[l].AsSpan(0, batch * spec.Widths[l]), gf.Y[v].AsSpan(0, batch * spec.Widths[l]), $"y^{l}");
        }

        Assert.Equal(graph.IndexOf("x0"), graph.Output);
        Assert.Equal(spec.L - 1, graph.Depth.MaxDepth);
        Assert.True(graph.Depth.IsLevelled);
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void Graph_forward_of_a_chain_is_bit_identical_to_the_layered_forward_double(string arch, string act, bool bias, int batch) =>
        ForwardMatches<double>(arch, act, bias, batch);

    [Theory]
    [MemberData(nameof(Chains))]
    public void Graph_forward_of_a_chain_is_bit_identical_to_the_layered_forward_float(string arch, string act, bool bias, int batch) =>
        ForwardMatches<float>(arch, act, bias, batch);

    /// <summary>BP's step through the dense ops (Jᵀ, then f', then the update) equals <see cref="Backprop{T}"/>'s step bit for bit.</summary>
    private static void BackpropStepMatches<T>(string arch, string act, bool bias, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (NetworkSpec spec, CompiledGraph graph) = Build(arch, act, bias);
        Parameters<T> chain = TestNets.Params(spec, 21).Convert<T>();
        GraphParameters<T> gp = GraphParameters<T>.FromChain(graph, chain.Clone());
        T[] x = Cast<T>(TestNets.Normal(batch * spec.InputWidth, 22));
        T[] s = Cast<T>(TestNets.Normal(batch * spec.OutputWidth, 23));
        const double alpha = 0.05;

        Backprop<T> bp = new(spec, alpha, batch);
        bp.Step(chain, x, s, batch);

        // The same step through the graph: δ_out = s − y, δ_p = f'_e(y_p) ⊙ Jᵀ δ_c, all from the pre-update θ.
        GraphForward<T> gf = new(graph, batch);
        gf.Run(gp, x, batch);
        int n = graph.Vertices.Count;
        T[][] delta = new T[n][];
        delta[graph.Output] = new T[batch * spec.OutputWidth];
        PcVerify.Engine.Kernels.Elementwise.Subtract<T>(s, gf.Output, delta[graph.Output]);
        for (int v = n - 1; v > graph.Input; v--)
        {
            GraphEdge e = graph.InEdge(v, 0);
            if (e.Parent == graph.Input)
            {
                continue;
            }

            int m = batch * graph.Vertices[e.Parent].Size;
            T[] g = new T[m], fp = new T[m];
            gf.Ops[v]!.InputGradient(0, gp, gf.A.AsSpan(e.Index, 1), delta[v], g, batch, accumulate: false);
            e.Activation.ApplyDerivative<T>(gf.Y[e.Parent].AsSpan(0, m), fp);
            delta[e.Parent] = new T[m];
            PcVerify.Engine.Kernels.Elementwise.Multiply<T>(fp, g, delta[e.Parent]);
        }

        T rate = LearningRule.Rate<T>(alpha, batch);
        for (int v = graph.Input + 1; v < n; v++)
        {
            GraphVertex vertex = graph.Vertices[v];
            gf.Ops[v]!.UpdateParameters(gf.A.AsSpan(vertex.FirstEdge, 1), delta[v], batch, rate, gp.Weight(v), gp.Bias(v));
        }

        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<T>(chain.Theta[l].Data, gp[$"theta{l}"], $"θ^{l}");
            if (bias)
            {
                Tolerance.Exact.Assert<T>(chain.Beta[l], gp[$"beta{l}"], $"β^{l}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void A_BP_step_through_the_dense_ops_is_bit_identical_to_the_layered_BP_step_double(string arch, string act, bool bias, int batch) =>
        BackpropStepMatches<double>(arch, act, bias, batch);

    [Theory]
    [MemberData(nameof(Chains))]
    public void A_BP_step_through_the_dense_ops_is_bit_identical_to_the_layered_BP_step_float(string arch, string act, bool bias, int batch) =>
        BackpropStepMatches<float>(arch, act, bias, batch);

    [Theory]
    [InlineData(InitScheme.HeNormal)]
    [InlineData(InitScheme.XavierUniform)]
    [InlineData(InitScheme.ScaledNormal)]
    public void Seeded_graph_initialisation_of_a_chain_equals_the_layered_initialisation(InitScheme scheme)
    {
        (NetworkSpec spec, CompiledGraph graph) = Build("6,9,5,3", "tanh", true);
        Parameters<float> expected = Initialisation<float>.Create(spec, scheme, 77, scale: 0.7, biasScale: 0.2);
        GraphParameters<float> actual = GraphParameters<float>.Initialise(graph, scheme, 77, scale: 0.7, biasScale: 0.2);
        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<float>(expected.Theta[l].Data, actual[$"theta{l}"], $"θ^{l}");
            Tolerance.Exact.Assert<float>(expected.Beta[l], actual[$"beta{l}"], $"β^{l}");
        }
    }

    [Fact]
    public void FromChain_shares_the_arrays_and_ToChain_copies_them_back()
    {
        (NetworkSpec spec, CompiledGraph graph) = Build("4,3,2", "relu", true);
        Parameters<double> chain = TestNets.Params(spec, 5);
        GraphParameters<double> gp = GraphParameters<double>.FromChain(graph, chain);
        Assert.Same(chain.Theta[2].Data, gp["theta2"]);
        Assert.Same(chain.Beta[1], gp.Bias(graph.IndexOf("x0")));
        Parameters<double> back = gp.ToChain(spec);
        Assert.NotSame(chain.Theta[1].Data, back.Theta[1].Data);
        Tolerance.Exact.Assert<double>(chain.Theta[1].Data, back.Theta[1].Data, "θ^1");
        Tolerance.Exact.Assert<double>(chain.Beta[2], back.Beta[2], "β^2");
    }

    [Fact]
    public void Dense_op_for_the_chain_is_created_for_every_non_input_vertex()
    {
        (_, CompiledGraph graph) = Build("4,3,2", "relu", false);
        IVertexOp<double>?[] ops = VertexOps.CreateAll<double>(graph, 2);
        Assert.Null(ops[graph.Input]);
        Assert.All(ops.Skip(1), op => Assert.True(op!.HasParameters));
    }
}
