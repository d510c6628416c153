using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// The graph algorithms of docs/math.md §10 on graphs with skips, branches and parallel edges, against independent oracles:
/// BP against central finite differences of the batch loss for every parameter; Z-IL and Fa-Z-IL against BP on levelled
/// graphs (the claim of Salvatori et al. 2022), with both losses; the negative control that Z-IL on a graph that is not
/// levelled diverges; event-driven Z-IL against its synchronous simulation bit for bit; the inference rule against
/// finite differences of the energy; levelling leaves BP unchanged; divergence is reported by vertex.
/// </summary>
public class GraphAlgorithmTests
{
    /// <summary>
    /// Central differences, h = 1e-6, of a loss of size ≤ ~10 in float64: truncation h²·|ℒ'''|/6 ≲ 1e-11, rounding
    /// u·|ℒ|/h ≈ 1e-9; the gradient itself is of order 0.1–1, so 1e-7 abs + 1e-6 rel separates a wrong term clearly.
    /// </summary>
    private static readonly Tolerance FiniteDifference = new(1e-7, 1e-6, "central differences, h = 1e-6: truncation + u·ℒ/h rounding");

    /// <summary>
    /// Z-IL forms each ε_v at t = d(v) as (x_0 + Δx) − x_0, losing a few ulps of |x_0| per level, and sums the same
    /// kernels in the same order as BP otherwise; after 10 steps of α = 0.05 the parameters of BP and Z-IL differ by
    /// ~1e-16 (measured); 1e-12 abs + rel is the project's float64 exactness bound (docs/math.md §7: ~1e-12).
    /// </summary>
    private static readonly Tolerance Float64Exactness = new(1e-12, 1e-12, "float64 rounding of (x0+Δx)−x0 per level");

    /// <summary>"Measurably different": 1e4 times the exactness bound.</summary>
    private const double Measurable = 1e-8;

    public static TheoryData<string, string> LevelledCases => new()
    {
        { "levelled-skip", "se" },
        { "levelled-skip", "ce" },
        { "levelled-by-levelling", "se" },
        { "levelled-by-levelling", "ce" },
        { "branches", "se" },
        { "branches", "ce" },
        { "parallel-edges", "se" },
        { "parallel-edges", "ce" },
        { "cnn-max", "se" },
        { "cnn-max", "ce" },
        { "cnn-avg", "se" },
        { "cnn-avg", "ce" },
        { "resnet", "se" },
        { "resnet", "ce" },
        { "resnet-levelled-by-levelling", "se" },
        { "resnet-levelled-by-levelling", "ce" },
    };

    public static CompiledGraph Graph(string name) => name switch
    {
        "levelled-skip" => GraphNets.Compile(GraphNets.LevelledSkip),
        "unlevelled-skip" => GraphNets.Compile(GraphNets.UnlevelledSkip),
        "levelled-by-levelling" => GraphNets.Levelled(GraphNets.UnlevelledSkip),
        "branches" => GraphNets.Compile(GraphNets.Branches),
        "parallel-edges" => GraphNets.Compile(GraphNets.ParallelEdges),
        "cnn-max" => GraphNets.Compile(GraphNets.CnnMaxPool),
        "cnn-avg" => GraphNets.Compile(GraphNets.CnnAvgPool),
        "resnet" => GraphNets.Compile(GraphNets.ResNetLevelled),
        "resnet-unlevelled" => GraphNets.Compile(GraphNets.ResNetUnlevelled),
        "resnet-levelled-by-levelling" => GraphNets.Levelled(GraphNets.ResNetUnlevelled),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static double MaxParameterDifference(GraphParameters<double> a, GraphParameters<double> b) =>
        a.Graph.ParameterSlots.Max(s => Numeric.MaxAbsDiff<double>(a[s], b[s]));

    /// <summary>Trains copies of the same parameters with each learner on the same 10 batches; returns the parameters.</summary>
    private static GraphParameters<double>[] Train(CompiledGraph graph, OutputLoss loss, params IGraphLearner<double>[] learners)
    {
        GraphParameters<double> start = GraphNets.Params<double>(graph, 71);
        GraphParameters<double>[] ps = [.. learners.Select(_ => start.Clone())];
        for (int step = 0; step < 10; step++)
        {
            int batch = 1 + (step % 3);
            double[] x = GraphNets.Normal<double>(batch * graph.InputSize, (ulong)(900 + step));
            double[] s = GraphNets.Targets<double>(loss, batch, graph.OutputSize, (ulong)(1000 + step));
            for (int k = 0; k < learners.Length; k++)
            {
                learners[k].StepIndex = step;
                learners[k].Step(ps[k], x, s, batch);
            }
        }

        return ps;
    }

    [Theory]
    [InlineData("levelled-skip", "se")]
    [InlineData("unlevelled-skip", "ce")]
    [InlineData("branches", "ce")]
    [InlineData("parallel-edges", "se")]
    [InlineData("cnn-max", "ce")]
    [InlineData("cnn-avg", "se")]
    [InlineData("resnet", "ce")]
    [InlineData("resnet-unlevelled", "se")]
    public void Graph_BP_steps_along_minus_the_finite_difference_gradient_of_the_batch_loss(string name, string lossName)
    {
        const int batch = 3;
        const double alpha = 0.2;
        CompiledGraph graph = Graph(name);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphParameters<double> p0 = GraphNets.Params<double>(graph, 5);
        double[] x = GraphNets.Normal<double>(batch * graph.InputSize, 6);
        double[] s = GraphNets.Targets<double>(loss, batch, graph.OutputSize, 7);
        GraphParameters<double> after = p0.Clone();
        new GraphBackprop<double>(graph, alpha, batch, loss).Step(after, x, s, batch);
        GraphBackprop<double> forward = new(graph, 1.0, batch, loss);
        foreach (ParameterSlot slot in graph.ParameterSlots)
        {
            double[] arr = p0[slot];
            double[] expected = new double[arr.Length], actual = new double[arr.Length];
            for (int k = 0; k < arr.Length; k++)
            {
                double keep = arr[k], h = 1e-6;
                arr[k] = keep + h;
                forward.Forward(p0, x, batch);
                double up = forward.Loss(s);
                arr[k] = keep - h;
                forward.Forward(p0, x, batch);
                double down = forward.Loss(s);
                arr[k] = keep;
                expected[k] = -alpha / batch * (up - down) / (2 * h);
                actual[k] = after[slot][k] - keep;
            }

            FiniteDifference.Assert<double>(expected, actual, $"{name}: BP update of {slot.Key} vs −(α/B)∂Σℒ/∂θ");
        }
    }

    [Theory]
    [MemberData(nameof(LevelledCases))]
    public void On_a_levelled_graph_Z_IL_keeps_BPs_parameters_and_Fa_Z_IL_too_where_phi_recovers_C2(string name, string lossName)
    {
        CompiledGraph graph = Graph(name);
        Assert.True(graph.Depth.IsLevelled);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphPredictiveCoding<double> zil = new(graph, Algorithm.ZIL, 0.05, 3, loss: loss);
        Assert.True(zil.EventDriven);
        GraphParameters<double>[] p = Train(
            graph, loss,
            new GraphBackprop<double>(graph, 0.05, 3, loss),
            zil,
            new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 3, synchronous: true, loss: loss),
            new GraphPredictiveCoding<double>(graph, Algorithm.FaZIL, 0.05, 3, loss: loss));
        foreach (ParameterSlot slot in graph.ParameterSlots)
        {
            Float64Exactness.Assert<double>(p[0][slot], p[1][slot], $"{name} ({lossName}): zil {slot.Key} vs BP after 10 steps");
            Float64Exactness.Assert<double>(p[0][slot], p[2][slot], $"{name} ({lossName}): zil-sync {slot.Key} vs BP after 10 steps");

            // Event-driven Z-IL evaluates exactly the synchronous simulation's expressions (class remarks): bit for bit.
            Tolerance.Exact.Assert<double>(p[2][slot], p[1][slot], $"{name}: event-driven vs synchronous Z-IL {slot.Key}");
        }

        // Fa-Z-IL's φ recovers C2 only where every error neuron is non-zero at t = d(v) (docs/math.md §5). Max pooling passes no
        // error to the cells that lose, so an error neuron below it that is not at the last moment can be zero then and
        // fire later: that case is the next test's finding, not an equality.
        if (name != "resnet-levelled-by-levelling")
        {
            foreach (ParameterSlot slot in graph.ParameterSlots)
            {
                Float64Exactness.Assert<double>(p[0][slot], p[3][slot], $"{name} ({lossName}): fazil {slot.Key} vs BP after 10 steps");
            }
        }
    }

    [Theory]
    [InlineData("levelled-skip", "ce")]
    [InlineData("branches", "se")]
    [InlineData("cnn-max", "ce")]
    [InlineData("resnet-levelled-by-levelling", "se")]
    public void At_t_equal_to_its_depth_every_vertex_error_is_BPs_delta(string name, string lossName)
    {
        // Thm 3.1 on a graph (docs/math.md §10), for every vertex including sums, pools and identities: event-driven Z-IL leaves
        // each ε_v as it was at t = d(v) (it is never formed again after its moment), BP leaves δ_v.
        const int batch = 3;
        CompiledGraph graph = Graph(name);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphParameters<double> p = GraphNets.Params<double>(graph, 121);
        double[] x = GraphNets.Normal<double>(batch * graph.InputSize, 122), s = GraphNets.Targets<double>(loss, batch, graph.OutputSize, 123);
        GraphBackprop<double> bp = new(graph, 0.05, batch, loss);
        GraphPredictiveCoding<double> zil = new(graph, Algorithm.ZIL, 0.05, batch, loss: loss);
        bp.Step(p.Clone(), x, s, batch);
        zil.Step(p.Clone(), x, s, batch);
        for (int v = 0; v < graph.Vertices.Count; v++)
        {
            if (v != graph.Input)
            {
                Float64Exactness.Assert<double>(bp.State.Rows(bp.State.Eps, v), zil.State.Rows(zil.State.Eps, v), $"{name}: ε of '{graph.Vertices[v].Name}' at t = {graph.Depth.Max[v]} vs δ");
            }
        }
    }

    [Theory]
    [InlineData("levelled-skip", "se")]
    [InlineData("resnet", "ce")]
    [InlineData("branches", "se")]
    [InlineData("cnn-avg", "ce")]
    public void On_a_levelled_graph_under_C1_a_vertex_error_is_exactly_zero_before_its_depth_and_arrives_then(string name, string lossName)
    {
        // Lemma A.3 on a levelled graph (docs/math.md §10): ε_v,t = 0 for t < d(v); at t = d(v) the error has arrived.
        CompiledGraph graph = Graph(name);
        Assert.True(graph.Depth.IsLevelled);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphPcTrace<double> trace = TraceIl(graph, loss, 131);
        for (int v = 0; v < graph.Vertices.Count; v++)
        {
            if (v == graph.Input)
            {
                continue;
            }

            int d = graph.Depth.Max[v];
            string vertex = graph.Vertices[v].Name;
            for (int t = 0; t < d; t++)
            {
                Assert.True(trace.Moments[t].Eps[v]!.All(e => e == 0), $"{name}: ε of '{vertex}' at t = {t} < d = {d} is not exactly 0");
            }

            Assert.True(trace.Moments[d].Eps[v]!.Any(e => e != 0), $"{name}: ε of '{vertex}' is still 0 at t = d = {d}");
        }
    }

    [Fact]
    public void On_a_graph_that_is_not_levelled_an_error_can_arrive_before_the_shortest_depth()
    {
        // Finding against docs/math.md §10's "under C1 the error of v is exactly 0 for t < d_min(v)", which holds on levelled
        // graphs only: here p feeds the output directly and through c → d, so d_min(c) = 2, but x_p moves at t = 1
        // (from ε_out at t = 0), which moves μ_c and makes ε_c non-zero at t = 1.
        GraphSpec spec = new(
            [
                new VertexSpec { Name = "in", Kind = VertexKind.Input, Shape = [4] },
                new VertexSpec { Name = "p", Kind = VertexKind.Dense, Units = 3, Bias = true, Parents = [new EdgeSpec("in", PcVerify.Engine.Network.Activation.Tanh)] },
                new VertexSpec { Name = "c", Kind = VertexKind.Dense, Units = 3, Bias = true, Parents = [new EdgeSpec("p", PcVerify.Engine.Network.Activation.Tanh)] },
                new VertexSpec { Name = "d", Kind = VertexKind.Dense, Units = 3, Bias = true, Parents = [new EdgeSpec("c", PcVerify.Engine.Network.Activation.Tanh)] },
                new VertexSpec { Name = "out", Kind = VertexKind.Sum, Parents = [new EdgeSpec("d", PcVerify.Engine.Network.Activation.Identity), new EdgeSpec("p", PcVerify.Engine.Network.Activation.Tanh)] },
            ],
            "out");
        CompiledGraph graph = CompiledGraph.Compile(spec);
        int c = graph.IndexOf("c");
        Assert.Equal(2, graph.Depth.Min[c]);
        GraphPcTrace<double> trace = TraceIl(graph, OutputLoss.SquaredError, 151);
        Assert.True(trace.Moments[0].Eps[c]!.All(e => e == 0), "ε_c at t = 0 should be exactly 0 (C1)");
        Assert.True(trace.Moments[1].Eps[c]!.Any(e => e != 0), "ε_c at t = 1 < d_min(c) = 2 should be non-zero: μ_c moved with x_p");
    }

    /// <summary>A traced IL step (γ = 0.7, update after every moment recorded) on two pairs, under C1.</summary>
    internal static GraphPcTrace<double> TraceIl(CompiledGraph graph, OutputLoss loss, ulong seed)
    {
        int moments = graph.Depth.MaxDepth + 3;
        GraphPredictiveCoding<double> il = new(graph, Algorithm.IL, 0.05, 2, gamma: 0.7, schedule: UpdateSchedule.AllAt(graph.Depth.MaxDepth + 1, moments - 1), loss: loss);
        GraphPcTrace<double> trace = new();
        il.Step(GraphNets.Params<double>(graph, seed), GraphNets.Normal<double>(2 * graph.InputSize, seed + 1), GraphNets.Targets<double>(loss, 2, graph.OutputSize, seed + 2), 2, trace);
        Assert.Equal(moments, trace.Moments.Count);
        return trace;
    }

    [Theory]
    [InlineData(Algorithm.ZIL)]
    [InlineData(Algorithm.FaZIL)]
    public void A_traced_step_changes_the_parameters_exactly_as_an_untraced_one(Algorithm rule)
    {
        CompiledGraph graph = Graph("resnet");
        GraphParameters<double> a = GraphNets.Params<double>(graph, 141), b = a.Clone();
        double[] x = GraphNets.Normal<double>(2 * graph.InputSize, 142), s = GraphNets.Normal<double>(2 * graph.OutputSize, 143);
        new GraphPredictiveCoding<double>(graph, rule, 0.05, 2).Step(a, x, s, 2);
        GraphPcTrace<double> trace = new();
        new GraphPredictiveCoding<double>(graph, rule, 0.05, 2).Step(b, x, s, 2, trace);
        Assert.Equal(graph.Depth.MaxDepth + 1, trace.Moments.Count);
        foreach (ParameterSlot slot in graph.ParameterSlots)
        {
            Tolerance.Exact.Assert<double>(a[slot], b[slot], $"{rule}: traced vs untraced {slot.Key}");
        }
    }

    [Theory]
    [InlineData("resnet", true)]
    [InlineData("branches", true)]
    [InlineData("resnet", false)]
    public void With_gamma_below_one_Z_IL_equals_BP_only_with_the_gamma_correction(string name, bool corrected)
    {
        // A.5 on a graph: under C1 and C2 with any γ, ε_v at t = d(v) is γ^{d(v)} δ_v, so scaling θ_v's rate by
        // γ^{−d(v)} restores BP's update; without the correction the updates shrink by γ^{d(v)} (negative control).
        CompiledGraph graph = Graph(name);
        OutputLoss loss = OutputLoss.SquaredError;
        GraphParameters<double>[] p = Train(
            graph, loss,
            new GraphBackprop<double>(graph, 0.05, 3, loss),
            new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 3, gamma: 0.5, gammaCorrection: corrected, loss: loss));
        if (corrected)
        {
            // γ^{−d} up to 2^5 amplifies the rounding of the small ε; 1e-11 keeps a factor 1e3 over it.
            Tolerance bound = new(1e-11, 1e-11, "float64 rounding of (x0+Δx)−x0 per level, times γ^{−d} ≤ 32");
            foreach (ParameterSlot slot in graph.ParameterSlots)
            {
                bound.Assert<double>(p[0][slot], p[1][slot], $"{name}: γ-corrected Z-IL {slot.Key} vs BP");
            }
        }
        else
        {
            double d = MaxParameterDifference(p[0], p[1]);
            Assert.True(d > Measurable, $"Z-IL with γ = 0.5 uncorrected should leave BP; max |θ − w| = {d:G17}");
        }
    }

    [Fact]
    public void Fa_Z_IL_leaves_BP_where_max_pooling_zeroes_an_error_before_the_last_moment_while_Z_IL_stays_exact()
    {
        // Levelled ResNet block with max pooling at depth 2 and convolutions at depths 4 and 5 (moments 0..5): a conv
        // error neuron whose every path runs through losing pool cells is 0 at t = d(v) and fires later, as a ReLU
        // unit with f' = 0 does on a chain (docs/findings.md, Fa-Z-IL's boundary).
        CompiledGraph graph = Graph("resnet-levelled-by-levelling");
        OutputLoss loss = OutputLoss.SquaredError;
        GraphParameters<double>[] p = Train(
            graph, loss,
            new GraphBackprop<double>(graph, 0.05, 3, loss),
            new GraphPredictiveCoding<double>(graph, Algorithm.FaZIL, 0.05, 3, loss: loss),
            new GraphPredictiveCoding<double>(graph, Algorithm.ZIL, 0.05, 3, loss: loss));
        double fazil = MaxParameterDifference(p[0], p[1]), zil = MaxParameterDifference(p[0], p[2]);
        Assert.True(fazil > Measurable, $"Fa-Z-IL should leave BP below a max pool; max |θ − w| = {fazil:G17}");
        Assert.True(zil < 1e-12, $"Z-IL should stay on BP; max |θ − w| = {zil:G17}");
    }

    [Theory]
    [InlineData("levelled-skip", "se")]
    [InlineData("unlevelled-skip", "ce")]
    [InlineData("branches", "se")]
    [InlineData("parallel-edges", "ce")]
    [InlineData("cnn-max", "se")]
    [InlineData("resnet-unlevelled", "ce")]
    [InlineData("resnet-levelled-by-levelling", "se")]
    public void Skipping_Fa_Z_IL_gives_the_faithful_simulations_parameters_bit_for_bit(string name, string lossName)
    {
        CompiledGraph graph = Graph(name);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphPredictiveCoding<double> skipping = new(graph, Algorithm.FaZIL, 0.05, 3, loss: loss);
        GraphPredictiveCoding<double> faithful = new(graph, Algorithm.FaZIL, 0.05, 3, synchronous: true, loss: loss);
        Assert.True(skipping.FaZilSkipping);
        Assert.False(faithful.FaZilSkipping);
        GraphParameters<double>[] p = Train(graph, loss, faithful, skipping);
        foreach (ParameterSlot slot in graph.ParameterSlots)
        {
            Tolerance.Exact.Assert<double>(p[0][slot], p[1][slot], $"{name}: skipping vs faithful Fa-Z-IL {slot.Key}");
        }
    }

    [Theory]
    [InlineData("unlevelled-skip", "se")]
    [InlineData("unlevelled-skip", "ce")]
    [InlineData("resnet-unlevelled", "se")]
    [InlineData("resnet-unlevelled", "ce")]
    public void On_a_graph_that_is_not_levelled_Z_IL_diverges_from_BP(string name, string lossName)
    {
        CompiledGraph graph = Graph(name);
        Assert.False(graph.Depth.IsLevelled);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphPredictiveCoding<double> zil = new(graph, Algorithm.ZIL, 0.05, 3, loss: loss);
        Assert.False(zil.EventDriven);
        Assert.Equal("zil-sync", zil.Name);
        GraphParameters<double>[] p = Train(graph, loss, new GraphBackprop<double>(graph, 0.05, 3, loss), zil);
        double d = MaxParameterDifference(p[0], p[1]);
        Assert.True(d > Measurable, $"Z-IL on {name} (not levelled) should diverge from BP; max |θ − w| = {d:G17}");
    }

    [Fact]
    public void Levelling_changes_neither_BPs_function_nor_its_updates()
    {
        CompiledGraph plain = Graph("unlevelled-skip"), levelled = Graph("levelled-by-levelling");
        Assert.True(levelled.Vertices.Count > plain.Vertices.Count);
        GraphParameters<double> p = GraphNets.Params<double>(plain, 81);
        GraphParameters<double> q = new(levelled);
        foreach (ParameterSlot slot in plain.ParameterSlots)
        {
            p[slot].CopyTo(q[slot.Key], 0);
        }

        double[] x = GraphNets.Normal<double>(2 * plain.InputSize, 82), s = GraphNets.Normal<double>(2 * plain.OutputSize, 83);
        new GraphBackprop<double>(plain, 0.1, 2).Step(p, x, s, 2);
        new GraphBackprop<double>(levelled, 0.1, 2).Step(q, x, s, 2);
        foreach (ParameterSlot slot in plain.ParameterSlots)
        {
            // Each inserted vertex multiplies by the identity's derivative 1 and copies: exact, so bit for bit.
            Tolerance.Exact.Assert<double>(p[slot], q[slot.Key], $"BP update of {slot.Key}, plain vs levelled");
        }
    }

    [Theory]
    [InlineData("unlevelled-skip", "se")]
    [InlineData("branches", "ce")]
    [InlineData("parallel-edges", "ce")]
    [InlineData("resnet-unlevelled", "ce")]
    [InlineData("cnn-avg", "se")]
    public void The_graph_inference_increment_is_minus_gamma_times_the_energy_gradient(string name, string lossName)
    {
        const double gamma = 0.6;
        CompiledGraph graph = Graph(name);
        OutputLoss loss = OutputLoss.Parse(lossName);
        GraphParameters<double> p = GraphNets.Params<double>(graph, 91);
        GraphState<double> state = new(graph, 2, loss);
        state.Clamp(GraphNets.Normal<double>(2 * graph.InputSize, 92), GraphNets.Targets<double>(loss, 2, graph.OutputSize, 93), 2);
        state.Feedforward(p, pcn: true, sigma: 0.5, noise: new PcVerify.Engine.Rng(94));
        for (int v = 0; v < graph.Vertices.Count; v++)
        {
            if (!state.IsHidden(v))
            {
                continue;
            }

            double[] xv = state.X[v];
            int n = 2 * graph.Vertices[v].Size;
            double[] expected = new double[n];
            for (int k = 0; k < n; k++)
            {
                double keep = xv[k], h = 1e-6;
                xv[k] = keep + h;
                state.PredictAll(p);
                double up = state.Energy();
                xv[k] = keep - h;
                state.PredictAll(p);
                double down = state.Energy();
                xv[k] = keep;
                expected[k] = -gamma * (up - down) / (2 * h);
            }

            state.PredictAll(p);
            state.InferenceIncrement(p, v, gamma);
            FiniteDifference.Assert<double>(expected, state.DX[v].AsSpan(0, n), $"{name}: Δx of '{graph.Vertices[v].Name}' = −γ∂F/∂x");
        }
    }

    [Theory]
    [InlineData(Algorithm.BP)]
    [InlineData(Algorithm.ZIL)]
    [InlineData(Algorithm.FaZIL)]
    [InlineData(Algorithm.IL)]
    public void Divergence_names_the_vertex_and_the_step(Algorithm algorithm)
    {
        CompiledGraph graph = Graph("levelled-skip");
        IGraphLearner<double> learner = new LearnerOptions { Algorithm = algorithm, Alpha = 1e306, T = 2 }.Create<double>(graph, 1);
        GraphParameters<double> p = GraphNets.Params<double>(graph, 101);
        double[] x = GraphNets.Normal<double>(graph.InputSize, 102), s = GraphNets.Normal<double>(graph.OutputSize, 103);
        TrainingDivergedException e = Assert.Throws<TrainingDivergedException>(() =>
        {
            for (int step = 0; step < 5; step++)
            {
                learner.StepIndex = step;
                learner.Step(p, x, s, 1);
            }
        });
        Assert.Contains("vertex '", e.Message, StringComparison.Ordinal);
        Assert.Contains("at step ", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// Graph steps allocate nothing after warm-up. In the thread-count collection, so that no other allocation test runs
/// at the same time (the shared worker pool is a process-wide resource).
/// </summary>
[Collection(nameof(PcVerify.Tests.Kernels.ThreadCountCollection))]
public class GraphAllocationTests
{
    [Theory]
    [InlineData(Algorithm.BP)]
    [InlineData(Algorithm.ZIL)]
    [InlineData(Algorithm.FaZIL)]
    [InlineData(Algorithm.IL)]
    public void A_graph_step_allocates_nothing_after_warm_up(Algorithm algorithm)
    {
        CompiledGraph graph = GraphAlgorithmTests.Graph("branches");
        IGraphLearner<double> learner = new LearnerOptions { Algorithm = algorithm, Alpha = 1e-3, T = 4, Sigma = algorithm == Algorithm.IL ? 0.01 : 0 }.Create<double>(graph, 4);
        GraphParameters<double> p = GraphNets.Params<double>(graph, 111);
        double[] x = GraphNets.Normal<double>(4 * graph.InputSize, 112), s = GraphNets.Normal<double>(4 * graph.OutputSize, 113);
        learner.Step(p, x, s, 4);

        // Two windows of 5 steps: a per-step allocation shows in both, while a one-time allocation of the runtime on
        // this thread (seen once, only with the whole suite running in parallel) shows in at most one.
        long[] windows = new long[2];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int step = 0; step < 5; step++)
            {
                learner.Step(p, x, s, 4);
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(windows.Min() == 0, $"{learner.Name} allocated {windows[0]} and {windows[1]} bytes in two windows of 5 steps after warm-up");
    }
}
