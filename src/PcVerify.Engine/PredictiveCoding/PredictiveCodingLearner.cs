using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.PredictiveCoding;

/// <summary>
/// IL, Z-IL and Fa-Z-IL for a batch (docs/math.md §5, §6), in the paper's layer indexing: the layered view of
/// <see cref="GraphPredictiveCoding{T}"/> on the chain graph (<see cref="Graph.GraphSpec.Chain"/>, layer <c>l</c> = the
/// vertex at depth <c>l</c>), which does all the work. One instance owns the state buffers; a step allocates nothing
/// unless a trace is requested.
/// </summary>
/// <remarks>
/// <para>Z-IL runs in one of two ways. <b>Synchronous</b>: the faithful simulation, every μ, ε, Δx of every
/// layer at every moment <c>t = 0..L−1</c>. <b>Event-driven</b> (the default when C1 holds, i.e. σ = 0): by Lemma
/// A.3, before <c>t = l</c> layer <c>l</c>'s error is exactly zero and its value node and prediction are unchanged,
/// so the only work that can affect an update is, at <c>t = l</c>: <c>Δx^{l+1}_l</c> from <c>ε^l_l</c> and then the
/// update of <c>θ^{l+1}</c>. The event-driven path evaluates exactly those expressions with the same kernels in the
/// same order, so its parameters are bit-identical to the synchronous simulation's (a property the proofs check),
/// at the cost of one forward pass, <c>L−1</c> transposed products and <c>L</c> updates — the cost of BP.</para>
/// <para>With σ &gt; 0, C1 does not hold and Lemma A.3 does not apply, so Z-IL always runs synchronously.</para>
/// <para>φ for Fa-Z-IL (our definition, docs/math.md §5): error neuron (l, i) of pair b fires at the first moment at
/// which its error is non-zero, and never again; <c>θ^{l+1}_{i,:}</c> and <c>β^{l+1}_i</c> are updated with that
/// moment's error. Fa-Z-IL runs <see cref="Moments"/> moments (default <c>L</c>, i.e. <c>t = 0..L−1</c>).</para>
/// <para>A traced step always runs the faithful synchronous simulation and records every moment in full.</para>
/// </remarks>
public sealed class PredictiveCodingLearner<T> : ILearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Chain<T> _chain;
    private readonly GraphPredictiveCoding<T> _graph;

    /// <summary>Creates a learner.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="rule">The predictive-coding algorithm: IL, Z-IL or Fa-Z-IL (not BP).</param>
    /// <param name="alpha">Learning rate α &gt; 0.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="gamma">Inference rate γ &gt; 0 (C3 is γ = 1).</param>
    /// <param name="sigma">σ ≥ 0: noise added to the C1 initialisation (C1 is σ = 0).</param>
    /// <param name="schedule">For <see cref="Algorithm.IL"/>: the update moments (required).</param>
    /// <param name="gammaCorrection">Scale the learning rate of <c>θ^{l+1}</c> by <c>γ^{−l}</c>, undoing A.5's <c>γ^l</c>.</param>
    /// <param name="synchronous">For Z-IL and Fa-Z-IL: force the faithful synchronous simulation even when σ = 0.</param>
    /// <param name="moments">For Fa-Z-IL: the number of moments to run (default L).</param>
    /// <param name="noiseSeed">Seed of the σ noise stream.</param>
    /// <param name="loss">The output loss (default: squared error); <c>ε^0 = −∂ℒ/∂μ^0</c>.</param>
    /// <param name="feedback">The feedback B in place of <c>θᵀ</c> in Eq. 7 and the weight decay (docs/math.md §12); null: <c>θᵀ</c>, no decay.</param>
    /// <exception cref="InvalidInputException">A rate or σ is out of range, or the schedule is missing or of the wrong depth.</exception>
    public PredictiveCodingLearner(
        NetworkSpec spec, Algorithm rule, double alpha, int capacity = 1, double gamma = 1.0, double sigma = 0.0,
        UpdateSchedule? schedule = null, bool gammaCorrection = false, bool synchronous = false, int? moments = null,
        ulong noiseSeed = 0, OutputLoss? loss = null, Feedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        LearningRule.CheckRates(alpha, gamma, sigma);
        if (rule == Algorithm.BP)
        {
            throw new ArgumentException("BP is not a predictive-coding rule; use the BP learner", nameof(rule));
        }

        UpdateSchedule s = rule switch
        {
            Algorithm.IL => schedule ?? throw new InvalidInputException("IL needs an update schedule (e.g. all layers at t_c)"),
            _ => UpdateSchedule.ZeroDivergence(spec.L),
        };
        if (s.Depth != spec.L)
        {
            throw new InvalidInputException($"schedule covers {s.Depth} weight matrices, the network has {spec.L}");
        }

        if (feedback is { Kind: FeedbackKind.Direct })
        {
            throw new InvalidInputException("feedback direct (DFA) is defined for BP only: PC's inference has no error to send straight from the output");
        }

        _chain = new Chain<T>(spec);
        _graph = new GraphPredictiveCoding<T>(_chain.Graph, rule, alpha, capacity, gamma, sigma, s, gammaCorrection, synchronous, moments, noiseSeed, loss, feedback?.Graph);
        State = new PcnState<T>(_chain, _graph.State, feedback);
    }

    /// <inheritdoc />
    public string Name => _graph.Name;

    /// <inheritdoc />
    public int Capacity => _graph.Capacity;

    /// <inheritdoc />
    public OutputLoss OutputLoss => _graph.OutputLoss;

    /// <inheritdoc />
    public long StepIndex
    {
        get => _graph.StepIndex;
        set => _graph.StepIndex = value;
    }

    /// <summary>The algorithm.</summary>
    public Algorithm Rule => _graph.Rule;

    /// <summary>α.</summary>
    public double Alpha => _graph.Alpha;

    /// <summary>γ.</summary>
    public double Gamma => _graph.Gamma;

    /// <summary>σ.</summary>
    public double Sigma => _graph.Sigma;

    /// <summary>Whether the learning rate of <c>θ^{l+1}</c> is scaled by <c>γ^{−l}</c>.</summary>
    public bool GammaCorrection => _graph.GammaCorrection;

    /// <summary>The update schedule (C2 for Z-IL and Fa-Z-IL's equivalent); entry l is <c>θ^{l+1}</c>'s (the vertex at depth l).</summary>
    public UpdateSchedule Schedule => _graph.Schedule;

    /// <summary>Fa-Z-IL's number of moments.</summary>
    public int Moments => _graph.Moments;

    /// <summary>Whether Z-IL runs event-driven (see the remarks).</summary>
    public bool EventDriven => _graph.EventDriven;

    /// <summary>
    /// Whether Fa-Z-IL skips the work that provably cannot change its parameters (σ = 0 and not
    /// <c>synchronous</c>; a traced step always runs the faithful simulation); see <see cref="GraphPredictiveCoding{T}"/>.
    /// </summary>
    public bool FaZilSkipping => _graph.FaZilSkipping;

    /// <summary>The state after the last step (for inspection).</summary>
    public PcnState<T> State { get; }

    /// <inheritdoc />
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, every moment is recorded.</summary>
    /// <exception cref="TrainingDivergedException">A prediction at t = 0 or an error used for an update is not finite.</exception>
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, PcTrace<T>? trace)
    {
        GraphParameters<T> p = _chain.Wrap(parameters);
        if (trace is null)
        {
            _graph.Step(p, inputs, targets, batch);
            return;
        }

        GraphPcTrace<T> moments = new();
        try
        {
            _graph.Step(p, inputs, targets, batch, moments);
        }
        finally
        {
            trace.Moments.AddRange(moments.Moments.Select(m => PcMoment<T>.FromGraph(m, _chain)));
        }
    }
}
