using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Engine.Experiments;

/// <summary>One evaluation of a weight-transport run: test error and the alignment of the propagated errors.</summary>
/// <param name="Epoch">Epochs done.</param>
/// <param name="TestError">Test error (fraction).</param>
/// <param name="Alignment">Per hidden layer l = 1..L−1, the mean angle (degrees) with exact BP's δ^l (see <see cref="ErrorAlignment"/>).</param>
public sealed record TransportPoint(double Epoch, double TestError, IReadOnlyList<LayerAlignment> Alignment);

/// <summary>One method of the weight-transport study (docs/math.md §12) trained from the shared initial parameters.</summary>
/// <param name="Feedback">The feedback kind.</param>
/// <param name="Algorithm">BP, Z-IL or IL.</param>
/// <param name="WeightDecay">λ of the run (Kolen–Pollack's; its exact-BP reference uses the same λ).</param>
/// <param name="Points">The evaluations during training (the last is the final one).</param>
/// <param name="FromExact">Σ|θ − w| of the final weights from exact BP with the same λ.</param>
/// <param name="FromSameFeedback">Σ|θ − w| of a PC run's final weights from BP with the same feedback; NaN for BP runs.</param>
public sealed record TransportRun(FeedbackKind Feedback, Algorithm Algorithm, double WeightDecay, IReadOnlyList<TransportPoint> Points, double FromExact, double FromSameFeedback)
{
    /// <summary>A label such as "Z-IL, random (FA)".</summary>
    public string Label => $"{Algorithm switch { Algorithm.BP => "BP", Algorithm.IL => "IL", _ => "Z-IL" }}, {WeightTransport.Describe(Feedback)}"
        + (Feedback == FeedbackKind.Symmetric && WeightDecay > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", λ = {WeightDecay:G}") : "");

    /// <summary>The final test error.</summary>
    public double FinalTestError => Points[^1].TestError;
}

/// <summary>
/// The thesis' question (seed §1): how much is lost when errors are not sent back through θᵀ? Exact BP, feedback
/// alignment (random B), sign-symmetry, Kolen–Pollack and DFA, each as BP and — where defined — as Z-IL and IL
/// (every layer at t_c = T with the setup's IL γ, as in the training curves), from the
/// same initial parameters (seed 0 of the setup) on the same pair sequence, with the alignment of the errors they
/// propagate measured at every evaluation on the first up to 100 test pairs.
/// </summary>
public static class WeightTransport
{
    /// <summary>Kolen–Pollack's weight decay in the study (the CLI default).</summary>
    public static double KpWeightDecay => LearnerOptions.DefaultWeightDecay(FeedbackKind.KolenPollack);

    /// <summary>The methods in report order: (feedback, algorithm).</summary>
    public static IReadOnlyList<(FeedbackKind Feedback, Algorithm Algorithm)> Methods { get; } =
    [
        (FeedbackKind.Symmetric, Algorithm.BP), (FeedbackKind.Symmetric, Algorithm.ZIL),
        (FeedbackKind.Random, Algorithm.BP), (FeedbackKind.Random, Algorithm.ZIL),
        (FeedbackKind.Sign, Algorithm.BP), (FeedbackKind.Sign, Algorithm.ZIL),
        (FeedbackKind.KolenPollack, Algorithm.BP), (FeedbackKind.KolenPollack, Algorithm.ZIL),
        (FeedbackKind.Direct, Algorithm.BP),
        (FeedbackKind.Symmetric, Algorithm.IL), (FeedbackKind.Random, Algorithm.IL),
        (FeedbackKind.Sign, Algorithm.IL), (FeedbackKind.KolenPollack, Algorithm.IL),
    ];

    /// <summary>A reader's name of a feedback kind.</summary>
    public static string Describe(FeedbackKind kind) => kind switch
    {
        FeedbackKind.Symmetric => "exact (θᵀ)",
        FeedbackKind.Random => "random (FA)",
        FeedbackKind.Sign => "sign",
        FeedbackKind.KolenPollack => "Kolen–Pollack",
        _ => "direct (DFA)",
    };

    /// <summary>
    /// The epochs of the study: the setup's, at most 4 — ten methods train here, and four epochs on the digits already
    /// show the trends (alignment, test error) while keeping the default <c>reproduce</c> within its time budget.
    /// </summary>
    public static int Epochs(ReproductionSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Math.Min(setup.Epochs, 4);
    }

    /// <summary>Runs every method of <see cref="Methods"/> for <see cref="Epochs"/> epochs, then exact BP with Kolen–Pollack's λ (the last run).</summary>
    public static IReadOnlyList<TransportRun> Run(ReproductionSetup setup, ProgressCallback? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        GraphParameters<double> init = setup.Initial(0);
        int pairs = Math.Min(100, setup.Data.Test.Count);
        double[] inputs = setup.Data.Test.Inputs.AsSpan(0, pairs * setup.Data.Test.InputWidth).ToArray();
        double[] targets = setup.Data.Test.Targets.AsSpan(0, pairs * setup.Data.Test.OutputWidth).ToArray();
        Dictionary<(FeedbackKind, Algorithm), (GraphParameters<double> P, List<TransportPoint> Points)> done = [];
        Dictionary<double, GraphParameters<double>> exact = [];
        int total = Methods.Count + 1;
        foreach ((FeedbackKind kind, Algorithm algorithm) in Methods)
        {
            double lambda = kind == FeedbackKind.KolenPollack ? KpWeightDecay : 0.0;
            LearnerOptions o = new() { Algorithm = algorithm, Alpha = setup.Alpha, Feedback = kind, FeedbackSeed = setup.Seed, WeightDecay = lambda, T = setup.IlT, Gamma = algorithm == Algorithm.IL ? setup.IlGamma : 1.0 };
            done[(kind, algorithm)] = Train(setup, o, init, inputs, targets, pairs);
            if (kind == FeedbackKind.Symmetric && algorithm == Algorithm.BP)
            {
                exact[0.0] = done[(kind, algorithm)].P;
            }

            progress?.Invoke("weight transport", done.Count, total);
        }

        LearnerOptions decayed = new() { Algorithm = Algorithm.BP, Alpha = setup.Alpha, WeightDecay = KpWeightDecay };
        (GraphParameters<double> P, List<TransportPoint> Points) reference = Train(setup, decayed, init, inputs, targets, pairs);
        exact[KpWeightDecay] = reference.P;
        progress?.Invoke("weight transport", total, total);

        List<TransportRun> runs = [];
        foreach ((FeedbackKind kind, Algorithm algorithm) in Methods)
        {
            double lambda = kind == FeedbackKind.KolenPollack ? KpWeightDecay : 0.0;
            (GraphParameters<double> p, List<TransportPoint> points) = done[(kind, algorithm)];
            double fromExact = Divergence.TotalWeights(Divergence.Compute(p, exact[lambda]));
            double fromSame = algorithm == Algorithm.BP ? double.NaN : Divergence.TotalWeights(Divergence.Compute(p, done[(kind, Algorithm.BP)].P));
            runs.Add(new TransportRun(kind, algorithm, lambda, points, fromExact, fromSame));
        }

        // Exact BP with Kolen–Pollack's λ, the reference of the KP rows, last: so a reader sees what the decay alone costs.
        runs.Add(new TransportRun(FeedbackKind.Symmetric, Algorithm.BP, KpWeightDecay, reference.Points, 0, double.NaN));
        return runs;
    }

    private static (GraphParameters<double> P, List<TransportPoint> Points) Train(
        ReproductionSetup setup, LearnerOptions o, GraphParameters<double> init, double[] inputs, double[] targets, int pairs)
    {
        IGraphLearner<double> learner = o.Create<double>(setup.Graph, 1);
        GraphParameters<double> p = init.Clone();
        List<TransportPoint> points = [];
        Trainer.Run(learner, p, setup.Data.Train, setup.Data.Test, setup.Plan(Epochs(setup)), cp =>
        {
            LayerAlignment[] a = learner switch
            {
                GraphBackprop<double> bp => ErrorAlignment.Backprop(p, bp.State.Feedback, bp.OutputLoss, inputs, targets, pairs),
                GraphPredictiveCoding<double> { Rule: Algorithm.IL } il => ErrorAlignment.Scheduled(p, il.State.Feedback, il.OutputLoss, inputs, targets, pairs, il.Gamma, setup.IlT),
                GraphPredictiveCoding<double> pc => ErrorAlignment.ZeroDivergence(p, pc.State.Feedback, pc.OutputLoss, inputs, targets, pairs),
                _ => [],
            };
            points.Add(new TransportPoint(cp.Epoch, cp.TestError, a));
        });
        return (p, points);
    }
}
