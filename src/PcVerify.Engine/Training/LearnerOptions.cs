using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Backprop;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;

namespace PcVerify.Engine.Training;

/// <summary>Everything that configures a learner; <see cref="Create{TNum}(CompiledGraph, int)"/> builds it.</summary>
public sealed record LearnerOptions
{
    /// <summary>The algorithm.</summary>
    public Algorithm Algorithm { get; init; } = Algorithm.ZIL;

    /// <summary>Learning rate α &gt; 0.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Inference rate γ &gt; 0 (C3: 1).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>σ ≥ 0 of the noisy C1 initialisation (C1: 0).</summary>
    public double Sigma { get; init; }

    /// <summary>IL's update moment <c>t_c</c>; when null, <see cref="T"/> is used.</summary>
    public int? Tc { get; init; }

    /// <summary>IL's number of inference moments before its update (the default <c>t_c</c>).</summary>
    public int T { get; init; } = 20;

    /// <summary>A custom schedule for IL (overrides <see cref="Tc"/>).</summary>
    public UpdateSchedule? Schedule { get; init; }

    /// <summary>Scale the rate of <c>θ^{l+1}</c> by <c>γ^{−l}</c> (A.5's correction).</summary>
    public bool GammaCorrection { get; init; }

    /// <summary>Z-IL: force the synchronous simulation.</summary>
    public bool Synchronous { get; init; }

    /// <summary>Fa-Z-IL: number of moments (default L).</summary>
    public int? Moments { get; init; }

    /// <summary>Seed of the σ noise.</summary>
    public ulong NoiseSeed { get; init; }

    /// <summary>The output loss (docs/math.md §11; default squared error), shared by BP and every PC rule.</summary>
    public OutputLoss Loss { get; init; } = OutputLoss.SquaredError;

    /// <summary>What sends errors backwards (docs/math.md §12; default: <c>θᵀ</c> itself).</summary>
    public FeedbackKind Feedback { get; init; } = FeedbackKind.Symmetric;

    /// <summary>Seed of the random feedback (its own domain, so one seed gives one B to every algorithm).</summary>
    public ulong FeedbackSeed { get; init; }

    /// <summary>The distribution random feedback is drawn from (the run's <c>--init-scheme</c>, also when θ is given).</summary>
    public InitScheme FeedbackScheme { get; init; } = InitScheme.HeNormal;

    /// <summary>The scale of <see cref="FeedbackScheme"/> (see <see cref="Initialisation{T}.Create"/>).</summary>
    public double FeedbackScale { get; init; } = 1.0;

    /// <summary>Given initial feedback matrices <c>B^l</c> (index l = 1..L−1, shape <c>(θ^l)ᵀ</c>), e.g. from NPZ; null: drawn from the seed.</summary>
    /// <remarks>The layered file format's B (<c>feedback{l}</c>, for a chain); a graph's is <see cref="FeedbackArrays"/>. At most one is set.</remarks>
    public IReadOnlyList<double[]?>? FeedbackMatrices { get; init; }

    /// <summary>
    /// Given initial feedback B of a graph as named arrays (<see cref="GraphFeedback{T}.Slots"/>: <c>feedback.&lt;weight key&gt;</c>,
    /// or <c>feedback.&lt;vertex&gt;</c> for direct), e.g. saved by an earlier run; null: drawn from the seed.
    /// </summary>
    public IReadOnlyDictionary<string, NpyArray>? FeedbackArrays { get; init; }

    /// <summary>Weight decay λ ≥ 0 on θ (and on B for Kolen–Pollack): <c>θ ← (1 − αλ)θ</c> after each step.</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// The default λ for a feedback kind: 0.03 for Kolen–Pollack (whose alignment needs λ &gt; 0), else 0. On the digits
    /// at α = 0.01, four epochs with λ = 0.03 bring B^1 from ~90° to ~27° of θ^1ᵀ while BP still learns (λ = 0.1 aligns
    /// to 6° but the decay stops learning altogether, exact BP included; λ = 0.01 leaves ~58°).
    /// </summary>
    public static double DefaultWeightDecay(FeedbackKind kind) => kind == FeedbackKind.KolenPollack ? 0.03 : 0.0;

    /// <summary>The feedback object the learners use, or null for <c>θᵀ</c> without weight decay (today's arithmetic).</summary>
    /// <exception cref="InvalidInputException">λ is out of range.</exception>
    public Feedback<TNum>? CreateFeedback<TNum>(NetworkSpec spec)
        where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Feedback == FeedbackKind.Symmetric && WeightDecay == 0)
        {
            return null;
        }

        if (FeedbackArrays is not null)
        {
            throw new InvalidInputException("feedback B given as graph arrays applies to graph learners; a layered learner takes FeedbackMatrices");
        }

        return FeedbackMatrices is not null
            ? Feedback<TNum>.FromMatrices(spec, Feedback, FeedbackMatrices, WeightDecay)
            : Feedback<TNum>.Create(spec, Feedback, FeedbackSeed, FeedbackScheme, FeedbackScale, WeightDecay);
    }

    /// <summary>
    /// The feedback of a graph learner, or null for <c>θᵀ</c> without weight decay (today's arithmetic): drawn from
    /// <see cref="FeedbackSeed"/>, or the given <see cref="FeedbackMatrices"/> (layered layout; on a chain) or
    /// <see cref="FeedbackArrays"/> (any graph).
    /// </summary>
    /// <exception cref="InvalidInputException">λ is out of range, or the matrices do not fit the graph.</exception>
    public GraphFeedback<TNum>? CreateFeedback<TNum>(CompiledGraph graph)
        where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (Feedback == FeedbackKind.Symmetric && WeightDecay == 0)
        {
            return null;
        }

        if (FeedbackMatrices is not null && FeedbackArrays is not null)
        {
            throw new InvalidInputException("feedback B is given twice (layered matrices and graph arrays); give one");
        }

        return FeedbackMatrices is not null ? GraphFeedback<TNum>.FromMatrices(graph, Feedback, FeedbackMatrices, WeightDecay)
            : FeedbackArrays is not null ? GraphFeedback<TNum>.FromArrays(graph, Feedback, FeedbackArrays, "feedback B", WeightDecay)
            : GraphFeedback<TNum>.Create(graph, Feedback, FeedbackSeed, FeedbackScheme, FeedbackScale, WeightDecay);
    }

    /// <summary>
    /// Builds the layered learner (element type <typeparamref name="TNum"/>) for <paramref name="spec"/> and batches of up
    /// to <paramref name="capacity"/>. The product trains every network, chains included, through
    /// <see cref="Create{TNum}(CompiledGraph, int)"/>; this builds the layered learners the tests, proofs and benchmarks
    /// check the graph learners against.
    /// </summary>
    /// <exception cref="InvalidInputException">An option is out of range.</exception>
    public ILearner<TNum> Create<TNum>(NetworkSpec spec, int capacity)
        where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        ArgumentNullException.ThrowIfNull(spec);
        LearningRule.CheckRates(Alpha, Gamma, Sigma);
        if (T < 0)
        {
            throw new InvalidInputException($"T must be ≥ 0, found {T}");
        }

        if (Feedback == FeedbackKind.Direct && Algorithm != Algorithm.BP)
        {
            throw new InvalidInputException($"feedback direct (DFA) is defined for BP only, not {Algorithm.ToString().ToLowerInvariant()}");
        }

        Feedback<TNum>? feedback = CreateFeedback<TNum>(spec);
        return Algorithm switch
        {
            Algorithm.BP => new Backprop<TNum>(spec, Alpha, capacity, Loss, feedback),
            Algorithm.IL => new PredictiveCodingLearner<TNum>(
                spec, Algorithm.IL, Alpha, capacity, Gamma, Sigma,
                Schedule ?? UpdateSchedule.AllAt(spec.L, Tc ?? T), GammaCorrection, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
            Algorithm.ZIL => new PredictiveCodingLearner<TNum>(
                spec, Algorithm.ZIL, Alpha, capacity, Gamma, Sigma, null, GammaCorrection, Synchronous, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
            _ => new PredictiveCodingLearner<TNum>(
                spec, Algorithm.FaZIL, Alpha, capacity, Gamma, Sigma, null, GammaCorrection, moments: Moments, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
        };
    }

    /// <summary>
    /// Builds the learner (docs/math.md §10) for <paramref name="graph"/> and batches of up to <paramref name="capacity"/>;
    /// a layered net is the chain from <see cref="GraphSpec.Chain"/>, on which every learner trains bit for bit as the
    /// layered one. A custom <see cref="Schedule"/> has one entry per depth <c>0 .. max d</c> (vertex v follows entry
    /// <c>d_max(v)</c>; on a chain, θ^{d+1}).
    /// </summary>
    /// <exception cref="InvalidInputException">An option is out of range.</exception>
    public IGraphLearner<TNum> Create<TNum>(CompiledGraph graph, int capacity)
        where TNum : unmanaged, IFloatingPointIeee754<TNum>
    {
        ArgumentNullException.ThrowIfNull(graph);
        LearningRule.CheckRates(Alpha, Gamma, Sigma);
        if (T < 0)
        {
            throw new InvalidInputException($"T must be ≥ 0, found {T}");
        }

        if (Feedback == FeedbackKind.Direct && Algorithm != Algorithm.BP)
        {
            throw new InvalidInputException($"feedback direct (DFA) is defined for BP only, not {Algorithm.ToString().ToLowerInvariant()}");
        }

        GraphFeedback<TNum>? feedback = CreateFeedback<TNum>(graph);
        int depths = graph.Depth.MaxDepth + 1;
        return Algorithm switch
        {
            Algorithm.BP => new GraphBackprop<TNum>(graph, Alpha, capacity, Loss, feedback),
            Algorithm.IL => new GraphPredictiveCoding<TNum>(
                graph, Algorithm.IL, Alpha, capacity, Gamma, Sigma,
                Schedule ?? UpdateSchedule.AllAt(depths, Tc ?? T), GammaCorrection, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
            Algorithm.ZIL => new GraphPredictiveCoding<TNum>(
                graph, Algorithm.ZIL, Alpha, capacity, Gamma, Sigma, null, GammaCorrection, Synchronous, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
            _ => new GraphPredictiveCoding<TNum>(
                graph, Algorithm.FaZIL, Alpha, capacity, Gamma, Sigma, null, GammaCorrection, moments: Moments, noiseSeed: NoiseSeed, loss: Loss, feedback: feedback),
        };
    }

    /// <summary>Parses an algorithm name: bp, il, zil, fazil (case-insensitive; also fa-zil, z-il).</summary>
    /// <exception cref="InvalidInputException">Unknown name.</exception>
    public static Algorithm ParseAlgorithm(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "bp" => Algorithm.BP,
            "il" => Algorithm.IL,
            "zil" or "z-il" => Algorithm.ZIL,
            "fazil" or "fa-zil" or "fa-z-il" => Algorithm.FaZIL,
            _ => throw new InvalidInputException($"unknown algorithm '{name}'; expected one of: bp, il, zil, fazil"),
        };
    }
}
