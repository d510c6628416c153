using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Graph;

namespace PcVerify.Tests.Algorithms;

/// <summary>Feedback B on computation graphs (docs/math.md §12): dense and conv input-Jᵀ with B of the weight's shape.</summary>
public class GraphFeedbackTests
{
    // Z-IL vs BP on the same graph with the same B differ by the rounding of ε = (μ + Δx) − μ per vertex and step
    // (a few ulps of |μ|), as for θᵀ (GraphCliTests: Σ|θ−w| < 1e-10 after 100 steps); 1e-12 absolute + relative per
    // element after 5 steps leaves two orders of headroom, while B ≠ θ changes the updates at order α·|δ|·|f| ≈ 1e-3.
    private static readonly Tolerance SameB = new(1e-12, 1e-12, "float64 Z-IL vs BP with the same B on a levelled graph, 5 steps");

    [Theory]
    [InlineData("cnn-digits.json", FeedbackKind.Random)]
    [InlineData("cnn-digits.json", FeedbackKind.Sign)]
    [InlineData("mlp.json", FeedbackKind.KolenPollack)]
    public void Zil_with_feedback_b_on_a_levelled_graph_equals_bp_with_the_same_b_and_differs_from_exact_bp(string example, FeedbackKind kind)
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example(example)));
        GraphParameters<double> init = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        double[] x = TestNets.Normal(4 * g.InputSize, 5), s = TestNets.Normal(4 * g.OutputSize, 6);
        LearnerOptions o = new() { Alpha = 0.05, Feedback = kind, FeedbackSeed = 7, WeightDecay = kind == FeedbackKind.KolenPollack ? 0.1 : 0 };
        GraphParameters<double> Train(LearnerOptions options)
        {
            GraphParameters<double> p = init.Clone();
            IGraphLearner<double> learner = options.Create<double>(g, 2);
            for (int step = 0; step < 5; step++)
            {
                int b = step % 2;
                learner.Step(p, x.AsSpan(b * 2 * g.InputSize, 2 * g.InputSize), s.AsSpan(b * 2 * g.OutputSize, 2 * g.OutputSize), 2);
            }

            return p;
        }

        GraphParameters<double> bpB = Train(o with { Algorithm = Algorithm.BP });
        GraphParameters<double> zilB = Train(o with { Algorithm = Algorithm.ZIL });
        GraphParameters<double> exact = Train(o with { Algorithm = Algorithm.BP, Feedback = FeedbackKind.Symmetric });
        double apart = 0;
        foreach (ParameterSlot slot in g.ParameterSlots)
        {
            SameB.Assert<double>(bpB[slot], zilB[slot], slot.Key);
            apart = Math.Max(apart, bpB[slot].Zip(exact[slot], (a, b) => Math.Abs(a - b)).Max());
        }

        Assert.True(apart > 1e-6, $"BP with {kind} feedback should leave exact BP: largest |difference| {apart}");
    }

    [Fact]
    public void Symmetric_graph_feedback_hands_theta_itself_to_the_ops_and_sign_feedback_is_s_times_sign_theta()
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("cnn-digits.json")));
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        Assert.Same(p, GraphFeedback<double>.Create(g, FeedbackKind.Symmetric, 1, weightDecay: 0.1).Backward(p));
        GraphFeedback<double> sign = GraphFeedback<double>.Create(g, FeedbackKind.Sign, 1);
        sign.BeginStep(p);
        foreach (GraphVertex v in g.Vertices.Where(v => v.WeightShape.Count > 0))
        {
            // He: s = √(2 / fan-in), fan-in = in for dense, in·kh·kw for conv (PyTorch layout (out, in[, kh, kw])).
            int fanIn = v.WeightShape.Skip(1).Aggregate(1, (a, d) => a * d);
            double scale = Math.Sqrt(2.0 / fanIn);
            Assert.Equal(p.Weight(v.Index).Select(w => scale * Math.Sign(w)), sign.Weight(p, v.Index));
        }

        GraphFeedback<double> direct = GraphFeedback<double>.Create(g, FeedbackKind.Direct, 1);
        var e = Assert.Throws<Engine.InvalidInputException>(() => new GraphPredictiveCoding<double>(g, Algorithm.ZIL, 0.1, feedback: direct));
        Assert.Contains("BP only", e.Message);
    }

    // One backward product per element, summed by the kernel in another order than the loops below: a few ulps of the
    // largest term; 1e-13 absolute + relative (float64) leaves a wide margin, while a wrong B, source or f' is O(1) off.
    private static readonly Tolerance HandLoops = new(1e-13, 1e-13, "float64: one backward product summed in another order");

    [Fact]
    public void Direct_feedback_on_a_graph_sends_the_output_error_to_every_hidden_vertex_through_each_outgoing_edges_derivative()
    {
        // resnet-skip: h feeds conv2 through relu and z through the identity, so δ_h = (relu'(x_h) + 1) ⊙ B_h δ_out.
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("resnet-skip.json")));
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        double[] x = TestNets.Normal(2 * g.InputSize, 5), s = TestNets.Normal(2 * g.OutputSize, 6);
        GraphFeedback<double> direct = GraphFeedback<double>.Create(g, FeedbackKind.Direct, 9);
        GraphBackprop<double> bp = new(g, 0.1, 2, feedback: direct);
        bp.Forward(p, x, 2);
        bp.Backward(p, s);
        int m = g.OutputSize;
        double[] dOut = bp.State.Rows(bp.State.Eps, g.Output).ToArray();
        for (int v = 0; v < g.Vertices.Count; v++)
        {
            if (v == g.Input || v == g.Output)
            {
                Assert.Empty(direct.Direct(v));
                continue;
            }

            int n = g.Vertices[v].Size;
            double[] b = direct.Direct(v), xv = bp.State.Rows(bp.State.X, v).ToArray(), expected = new double[2 * n];
            Assert.Equal(m * n, b.Length);
            for (int pair = 0; pair < 2; pair++)
            {
                for (int j = 0; j < n; j++)
                {
                    double gj = 0;
                    for (int i = 0; i < m; i++)
                    {
                        gj += b[(i * n) + j] * dOut[(pair * m) + i];
                    }

                    double fp = 0;
                    foreach (int e in g.Vertices[v].OutEdges)
                    {
                        fp += g.Edges[e].Activation.Derivative(xv[(pair * n) + j]);
                    }

                    expected[(pair * n) + j] = fp * gj;
                }
            }

            HandLoops.Assert<double>(expected, bp.State.Rows(bp.State.Eps, v), $"DFA δ of '{g.Vertices[v].Name}'");
        }
    }
}
