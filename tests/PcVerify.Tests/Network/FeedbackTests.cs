using PcVerify.Engine.Graph;
using PcVerify.Engine;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Network;

/// <summary>
/// Feedback B in place of θᵀ (docs/math.md §12). Expectations are recomputed here from the definitions with
/// independent loops (Rng draws, f'(y) ⊙ B δ by hand, the closed form of the weight decay), never from engine output.
/// </summary>
public class FeedbackTests
{
    // One dot product of ≤ 10 terms and one multiplication by f' in another order: ≤ 12 u relative; 1e-13 leaves room.
    private static readonly Tolerance HandLoops = new(1e-13, 1e-13, "float64: one backward product summed in another order");

    private static readonly NetworkSpec Spec = TestNets.Spec("5,7,6,4", "tanh", true);

    [Fact]
    public void Symmetric_feedback_without_decay_is_no_object_and_symmetric_matrices_are_theta_itself()
    {
        Assert.Null(new LearnerOptions().CreateFeedback<double>(Spec));
        Parameters<double> p = TestNets.Params(Spec, 1);
        Feedback<double> f = Feedback<double>.Create(Spec, FeedbackKind.Symmetric, 1, weightDecay: 0.5);
        for (int l = 1; l < Spec.L; l++)
        {
            Assert.Same(p.Theta[l].Data, f.Matrix(p, l));
        }
    }

    [Fact]
    public void Random_feedback_is_drawn_from_its_own_seed_domain_like_theta_and_is_the_same_for_every_learner()
    {
        Parameters<double> p = Initialisation<double>.Create(Spec, InitScheme.HeNormal, 9);
        Feedback<double> f = Feedback<double>.Create(Spec, FeedbackKind.Random, 9);
        for (int l = 1; l < Spec.L; l++)
        {
            int rows = Spec.Widths[l - 1], cols = Spec.Widths[l];
            Rng rng = Rng.Derive(9, RngDomain.Feedback, (ulong)l);
            double[] b = f.Transposed(p, l);
            for (int k = 0; k < b.Length; k++)
            {
                // B^l has the shape (θ^l)ᵀ = cols × rows and is drawn row-major, N(0, 2/n^l) like θ^l under He.
                Assert.Equal(Math.Sqrt(2.0 / cols) * rng.NextNormal(), b[k]);
            }

            Assert.NotEqual(p.Theta[l].Data, f.Matrix(p, l));
            Assert.Equal(rows * cols, b.Length);
        }

        LearnerOptions o = new() { Feedback = FeedbackKind.Random, FeedbackSeed = 9 };
        var bp = (Backprop<double>)(o with { Algorithm = Algorithm.BP }).Create<double>(Spec, 1);
        var zil = (PredictiveCodingLearner<double>)o.Create<double>(Spec, 1);
        for (int l = 1; l < Spec.L; l++)
        {
            Assert.Equal(bp.Feedback!.Matrix(p, l), zil.State.Feedback!.Matrix(p, l));
        }
    }

    [Fact]
    public void Bp_with_feedback_sends_the_error_back_through_b_and_direct_feedback_from_the_output()
    {
        Parameters<double> p = TestNets.Params(Spec, 3);
        double[] x = TestNets.Normal(Spec.InputWidth * 2, 4), s = TestNets.Normal(Spec.OutputWidth * 2, 5);
        foreach (FeedbackKind kind in new[] { FeedbackKind.Random, FeedbackKind.Direct, FeedbackKind.Sign })
        {
            Feedback<double> f = Feedback<double>.Create(Spec, kind, 7);
            Backprop<double> bp = new(Spec, 0.1, 2, feedback: f);
            bp.Forward(p, x, 2);
            bp.Backward(p, s);
            for (int l = 1; l < Spec.L; l++)
            {
                int src = kind == FeedbackKind.Direct ? 0 : l - 1, n = Spec.Widths[l], m = Spec.Widths[src];
                double[] b = f.Transposed(p, l);
                double scale = Math.Sqrt(2.0 / n);
                double[] expected = new double[2 * n];
                for (int pair = 0; pair < 2; pair++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double g = 0;
                        for (int i = 0; i < m; i++)
                        {
                            // sign: B = s·sign(θ)ᵀ with s = θ's He standard deviation √(2/n^l), from θ at the step.
                            double bji = kind == FeedbackKind.Sign ? scale * Math.Sign(p.Theta[l][i, j]) : b[(j * m) + i];
                            g += bji * bp.Delta[src][(pair * m) + i];
                        }

                        double y = bp.Y[l][(pair * n) + j];
                        expected[(pair * n) + j] = (1 - (Math.Tanh(y) * Math.Tanh(y))) * g;
                    }
                }

                HandLoops.Assert<double>(expected, bp.Delta[l].AsSpan(0, 2 * n), $"{kind} δ^{l}");
            }
        }
    }

    [Fact]
    public void Direct_feedback_is_refused_for_every_pc_algorithm()
    {
        foreach (Algorithm a in new[] { Algorithm.IL, Algorithm.ZIL, Algorithm.FaZIL })
        {
            var e = Assert.Throws<InvalidInputException>(() => new LearnerOptions { Algorithm = a, Feedback = FeedbackKind.Direct }.Create<double>(Spec, 1));
            Assert.Contains("BP only", e.Message);
        }
    }

    [Fact]
    public void Weight_decay_scales_theta_by_one_minus_alpha_lambda_after_the_update_and_leaves_biases_alone()
    {
        Parameters<double> p0 = TestNets.Params(Spec, 3);
        double[] x = TestNets.Normal(Spec.InputWidth, 4), s = TestNets.Normal(Spec.OutputWidth, 5);
        Parameters<double> plain = p0.Clone(), decayed = p0.Clone();
        new Backprop<double>(Spec, 0.1).Step(plain, x, s, 1);
        new Backprop<double>(Spec, 0.1, feedback: Feedback<double>.Create(Spec, FeedbackKind.Symmetric, 0, weightDecay: 0.5)).Step(decayed, x, s, 1);
        for (int l = 1; l <= Spec.L; l++)
        {
            double[] expected = plain.Theta[l].Data.Select(v => v * (1 - (0.1 * 0.5))).ToArray();
            Assert.Equal(expected, decayed.Theta[l].Data);
            Assert.Equal(plain.Beta[l], decayed.Beta[l]);
        }
    }

    [Fact]
    public void Kolen_pollack_aligns_b_with_theta_over_training_when_lambda_is_positive()
    {
        // The condition: λ > 0 (‖B − θᵀ‖ shrinks by (1 − αλ) per step) while training keeps θ from decaying as fast.
        NetworkSpec spec = TestNets.Spec("64,32,10", "tanh", false);
        DataSplit data = DataSources.Load("digits", 1);
        Parameters<double> p = Initialisation<double>.Create(spec, InitScheme.HeNormal, 1);
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        GraphParameters<double> gp = GraphParameters<double>.FromChain(graph, p);
        var bp = (GraphBackprop<double>)new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 0.05, Feedback = FeedbackKind.KolenPollack, FeedbackSeed = 1, WeightDecay = 0.1 }.Create<double>(graph, 1);
        int x0 = graph.IndexOf("x0");
        double first = Angles.Degrees<double>(bp.State.Feedback!.Weight(gp, x0), p.Theta[1].Data);
        Trainer.Run(bp, gp, data.Train, data.Test, new TrainingPlan(1, 600, 1, false, 1, 0));
        double last = Angles.Degrees<double>(bp.State.Feedback.Weight(gp, x0), p.Theta[1].Data);
        Assert.True(first > 60, $"a random B starts far from θᵀ: {first}°");
        Assert.True(last < first / 2, $"angle between B and θᵀ: {first}° → {last}°");
    }

    [Fact]
    public void Feedback_matrices_round_trip_through_npz_and_are_refused_when_the_feedback_does_not_use_them()
    {
        using TempDirectory dir = new();
        Parameters<double> p = TestNets.Params(Spec, 3);
        Feedback<double> f = Feedback<double>.Create(Spec, FeedbackKind.KolenPollack, 5);
        ParameterIo.Save(dir.File("p.npz"), p, NpyDType.Float64, [.. Enumerable.Range(0, Spec.L).Select(l => l == 0 ? null : f.Transposed(p, l))]);
        Parameters<double> back = ParameterIo.Load<double>(dir.File("p.npz"), Spec, FeedbackKind.KolenPollack, out double[]?[]? b);
        Assert.NotNull(b);
        Feedback<double> g = Feedback<double>.FromMatrices(Spec, FeedbackKind.KolenPollack, b!);
        for (int l = 1; l < Spec.L; l++)
        {
            Assert.Equal(f.Matrix(p, l), g.Matrix(back, l));
        }

        var e = Assert.Throws<InvalidInputException>(() => ParameterIo.Load<double>(dir.File("p.npz"), Spec));
        Assert.Contains("feedback1", e.Message);
        ParameterIo.Save(dir.File("plain.npz"), p, NpyDType.Float64);
        ParameterIo.Load<double>(dir.File("plain.npz"), Spec, FeedbackKind.Random, out double[]?[]? none);
        Assert.Null(none);
    }

    [Fact]
    public void Alignment_is_zero_degrees_for_exact_bp_and_leaves_out_pairs_whose_error_is_zero()
    {
        Parameters<double> p = TestNets.Params(Spec, 3);
        double[] x = TestNets.Normal(Spec.InputWidth * 3, 4), s = TestNets.Normal(Spec.OutputWidth * 3, 5);
        Backprop<double> fwd = new(Spec, 0.1, 3);
        fwd.Forward(p, x, 3);
        Array.Copy(fwd.Y[0], Spec.OutputWidth, s, Spec.OutputWidth, Spec.OutputWidth); // pair 1's target is its prediction: δ = 0
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        GraphParameters<double> gp = GraphParameters<double>.FromChain(graph, p);
        LayerAlignment[] a = ErrorAlignment.Backprop(gp, null, Engine.Algorithms.OutputLoss.SquaredError, x, s, 3);
        Assert.All(a, la => Assert.True(la.MeanDegrees < 1e-6 && la.Counted == 2 && la.LeftOut == 1, la.ToString()));
        LayerAlignment[] r = ErrorAlignment.ZeroDivergence(gp, GraphFeedback<double>.Create(graph, FeedbackKind.Random, 2), Engine.Algorithms.OutputLoss.SquaredError, x, s, 3);
        Assert.All(r, la => Assert.True(la.MeanDegrees > 1 && la.LeftOut == 1, la.ToString()));
    }
}
