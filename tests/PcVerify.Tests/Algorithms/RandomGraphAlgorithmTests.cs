using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Graph;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// The graph claims over 150 seeded random DAGs (dense, identity and sum vertices, parallel edges, skips of every length,
/// identity/tanh/relu/logistic edges; graph-core's generator): levelled by <see cref="Levelling"/>, Z-IL (event-driven
/// and synchronous) keeps BP's parameters and the two Z-IL paths agree bit for bit; skipping Fa-Z-IL equals the
/// faithful simulation bit for bit on every graph, levelled or not; and, as the negative control, Z-IL on the graphs
/// as generated (many not levelled) leaves BP on some of them.
/// </summary>
public class RandomGraphAlgorithmTests
{
    private const int Graphs = 150;

    /// <summary>As elsewhere: a few ulps per level of (x_0 + Δx) − x_0; depths here are at most ~10.</summary>
    private static readonly Tolerance Float64Exactness = new(1e-12, 1e-12, "float64 rounding of (x0+Δx)−x0 per level");

    private static GraphParameters<double>[] Train(CompiledGraph graph, ulong seed, params IGraphLearner<double>[] learners)
    {
        GraphParameters<double> start = GraphNets.Params<double>(graph, seed);
        GraphParameters<double>[] ps = [.. learners.Select(_ => start.Clone())];
        for (int step = 0; step < 3; step++)
        {
            double[] x = GraphNets.Normal<double>(2 * graph.InputSize, seed + 10 + (ulong)step);
            double[] s = GraphNets.Normal<double>(2 * graph.OutputSize, seed + 20 + (ulong)step);
            for (int k = 0; k < learners.Length; k++)
            {
                learners[k].Step(ps[k], x, s, 2);
            }
        }

        return ps;
    }

    [Fact]
    public void On_random_levelled_graphs_Z_IL_keeps_BPs_parameters()
    {
        for (ulong seed = 0; seed < Graphs; seed++)
        {
            CompiledGraph graph = CompiledGraph.Compile(Levelling.Level(RandomGraphTests.RandomGraph(seed)).Spec);
            Assert.True(graph.Depth.IsLevelled, $"seed {seed}: levelling left the graph unlevelled");
            GraphParameters<double>[] p = Train(
                graph, seed,
                new GraphBackprop<double>(graph, 0.05, 2),
                new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 2),
                new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 2, synchronous: true));
            foreach (ParameterSlot slot in graph.ParameterSlots)
            {
                Float64Exactness.Assert<double>(p[0][slot], p[1][slot], $"seed {seed}: Z-IL {slot.Key} vs BP");
                Tolerance.Exact.Assert<double>(p[2][slot], p[1][slot], $"seed {seed}: event-driven vs synchronous Z-IL {slot.Key}");
            }
        }
    }

    [Fact]
    public void On_random_graphs_skipping_Fa_Z_IL_equals_the_faithful_simulation_bit_for_bit()
    {
        for (ulong seed = 0; seed < Graphs; seed++)
        {
            CompiledGraph graph = CompiledGraph.Compile(RandomGraphTests.RandomGraph(seed));
            GraphParameters<double>[] p = Train(
                graph, seed,
                new GraphPredictiveCoding<double>(graph, Algorithm.FaZIL, 0.05, 2, synchronous: true),
                new GraphPredictiveCoding<double>(graph, Algorithm.FaZIL, 0.05, 2));
            foreach (ParameterSlot slot in graph.ParameterSlots)
            {
                Tolerance.Exact.Assert<double>(p[0][slot], p[1][slot], $"seed {seed} (levelled: {graph.Depth.IsLevelled}): skipping vs faithful Fa-Z-IL {slot.Key}");
            }
        }
    }

    [Fact]
    public void On_random_graphs_under_C1_no_error_moves_before_the_moment_the_dataflow_allows()
    {
        // The oracle simulates, moment by moment and independently of the engine's recurrence, which quantities can be
        // non-zero under C1: the output's error from t = 0; a vertex's error once its value or a parent's value has
        // moved; a hidden value one moment after its own or a child's error could be non-zero. Before that moment the
        // traced ε must be exactly 0. On levelled graphs that moment is d(v) (Lemma A.3); on others it can be earlier
        // than d_min(v), and the generator must produce such a case.
        int earlier = 0;
        for (ulong seed = 0; seed < Graphs; seed++)
        {
            CompiledGraph graph = CompiledGraph.Compile(RandomGraphTests.RandomGraph(seed));
            GraphPcTrace<double> trace = GraphAlgorithmTests.TraceIl(graph, OutputLoss.SquaredError, seed);
            int n = graph.Vertices.Count;
            bool[] moved = new bool[n];
            int[] arrival = new int[n];
            Array.Fill(arrival, -1);
            for (int t = 0; t < trace.Moments.Count; t++)
            {
                bool[] possible = new bool[n];
                for (int v = 0; v < n; v++)
                {
                    GraphVertex vertex = graph.Vertices[v];
                    possible[v] = v != graph.Input
                        && (v == graph.Output || moved[v] || Enumerable.Range(0, vertex.InDegree).Any(k => moved[graph.InEdge(v, k).Parent]));
                    if (possible[v] && arrival[v] < 0)
                    {
                        arrival[v] = t;
                    }

                    if (!possible[v] && v != graph.Input)
                    {
                        Assert.True(trace.Moments[t].Eps[v]!.All(e => e == 0), $"seed {seed}: ε of '{vertex.Name}' at t = {t} should still be exactly 0");
                    }
                }

                for (int v = 0; v < n; v++)
                {
                    bool hidden = v != graph.Input && v != graph.Output;
                    moved[v] |= hidden && (possible[v] || graph.Vertices[v].OutEdges.Any(e => possible[graph.Edges[e].Child]));
                }
            }

            earlier += Enumerable.Range(0, n).Count(v => v != graph.Input && arrival[v] >= 0 && arrival[v] < graph.Depth.Min[v]);
        }

        Assert.True(earlier > 0, "no random graph had an error arrive before d_min; the counterexample to the d_min bound was not exercised");
    }

    [Fact]
    public void On_random_graphs_that_are_not_levelled_Z_IL_leaves_BP_on_some()
    {
        int unlevelled = 0, diverged = 0;
        for (ulong seed = 0; seed < Graphs; seed++)
        {
            CompiledGraph graph = CompiledGraph.Compile(RandomGraphTests.RandomGraph(seed));
            if (graph.Depth.IsLevelled || graph.ParameterSlots.Count == 0)
            {
                continue;
            }

            unlevelled++;
            GraphParameters<double>[] p = Train(graph, seed, new GraphBackprop<double>(graph, 0.05, 2), new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 2));
            double d = graph.ParameterSlots.Max(s => Numeric.MaxAbsDiff<double>(p[0][s], p[1][s]));
            if (d > 1e-8)
            {
                diverged++;
            }
        }

        Assert.True(unlevelled >= 20, $"the generator gave only {unlevelled} unlevelled graphs with parameters");
        Assert.True(diverged >= unlevelled / 4, $"Z-IL left BP on only {diverged} of {unlevelled} unlevelled graphs");
    }
}
