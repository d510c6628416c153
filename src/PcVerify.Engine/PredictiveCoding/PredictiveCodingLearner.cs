using System.Numerics;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Engine.PredictiveCoding;

/// <summary>Which predictive-coding learning algorithm (supplementary A.6).</summary>
public enum PcRule
{
    /// <summary>Algorithm 1, or any <see cref="UpdateSchedule"/>: updates at the scheduled moments only.</summary>
    Scheduled,

    /// <summary>Algorithm 2, Z-IL: C1, C2 (<c>θ^{l+1}</c> at <c>t = l</c>), C3; stops after <c>t = L−1</c>.</summary>
    ZeroDivergence,

    /// <summary>Algorithm 3, Fa-Z-IL: every moment, each error neuron gated by φ (SPEC §5).</summary>
    FullyAutonomous,
}

/// <summary>
/// IL, Z-IL and Fa-Z-IL for a batch (SPEC.md §5, §6). One instance owns the state buffers; a step allocates
/// nothing unless a trace is requested.
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
/// <para>φ for Fa-Z-IL (our definition, SPEC §5): error neuron (l, i) of pair b fires at the first moment at
/// which its error is non-zero, and never again; <c>θ^{l+1}_{i,:}</c> and <c>β^{l+1}_i</c> are updated with that
/// moment's error. Fa-Z-IL runs <see cref="Moments"/> moments (default <c>L</c>, i.e. <c>t = 0..L−1</c>).</para>
/// </remarks>
public sealed class PredictiveCodingLearner<T> : ILearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkSpec _spec;
    private readonly T[] _scratch;
    private readonly T[][] _gated;
    private readonly bool[][] _fired;
    private readonly Rng? _noise;

    /// <summary>Creates a learner.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="rule">The algorithm.</param>
    /// <param name="alpha">Learning rate α &gt; 0.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="gamma">Inference rate γ &gt; 0 (C3 is γ = 1).</param>
    /// <param name="sigma">σ ≥ 0: noise added to the C1 initialisation (C1 is σ = 0).</param>
    /// <param name="schedule">For <see cref="PcRule.Scheduled"/>: the update moments (required).</param>
    /// <param name="gammaCorrection">Scale the learning rate of <c>θ^{l+1}</c> by <c>γ^{−l}</c>, undoing A.5's <c>γ^l</c>.</param>
    /// <param name="synchronous">For Z-IL: force the faithful synchronous simulation even when σ = 0.</param>
    /// <param name="moments">For Fa-Z-IL: the number of moments to run (default L).</param>
    /// <param name="noiseSeed">Seed of the σ noise stream.</param>
    /// <exception cref="InvalidInputException">A rate or σ is out of range, or the schedule is missing or of the wrong depth.</exception>
    public PredictiveCodingLearner(
        NetworkSpec spec, PcRule rule, double alpha, int capacity = 1, double gamma = 1.0, double sigma = 0.0,
        UpdateSchedule? schedule = null, bool gammaCorrection = false, bool synchronous = false, int? moments = null,
        ulong noiseSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        LearnerOptions.CheckRates(alpha, gamma, sigma);
        _spec = spec;
        Rule = rule;
        Alpha = alpha;
        Gamma = gamma;
        Sigma = sigma;
        GammaCorrection = gammaCorrection;
        Schedule = rule switch
        {
            PcRule.Scheduled => schedule ?? throw new InvalidInputException("IL needs an update schedule (e.g. all layers at t_c)"),
            _ => UpdateSchedule.ZeroDivergence(spec.L),
        };
        if (Schedule.Depth != spec.L)
        {
            throw new InvalidInputException($"schedule covers {Schedule.Depth} weight matrices, the network has {spec.L}");
        }

        Moments = moments ?? spec.L;
        if (Moments < 1)
        {
            throw new InvalidInputException($"Fa-Z-IL needs at least one moment, found {Moments}");
        }

        EventDriven = rule == PcRule.ZeroDivergence && !synchronous && sigma == 0;
        State = new PcnState<T>(spec, capacity);
        _scratch = new T[spec.Widths.Max()];
        _gated = rule == PcRule.FullyAutonomous ? spec.Widths[..^1].Select(n => new T[n * capacity]).ToArray() : [];
        _fired = rule == PcRule.FullyAutonomous ? spec.Widths[..^1].Select(n => new bool[n * capacity]).ToArray() : [];
        _noise = sigma > 0 ? new Rng(noiseSeed) : null;
    }

    /// <inheritdoc />
    public string Name => Rule switch
    {
        PcRule.ZeroDivergence => EventDriven ? "zil" : "zil-sync",
        PcRule.FullyAutonomous => "fazil",
        _ => "il",
    };

    /// <inheritdoc />
    public int Capacity => State.Capacity;

    /// <inheritdoc />
    public long StepIndex { get; set; }

    /// <summary>The algorithm.</summary>
    public PcRule Rule { get; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <summary>σ.</summary>
    public double Sigma { get; }

    /// <summary>Whether the learning rate of <c>θ^{l+1}</c> is scaled by <c>γ^{−l}</c>.</summary>
    public bool GammaCorrection { get; }

    /// <summary>The update schedule (C2 for Z-IL and Fa-Z-IL's equivalent).</summary>
    public UpdateSchedule Schedule { get; }

    /// <summary>Fa-Z-IL's number of moments.</summary>
    public int Moments { get; }

    /// <summary>Whether Z-IL runs event-driven (see the remarks).</summary>
    public bool EventDriven { get; }

    /// <summary>The state after the last step (for inspection).</summary>
    public PcnState<T> State { get; }

    /// <inheritdoc />
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, every moment is recorded.</summary>
    /// <exception cref="TrainingDivergedException">A prediction at t = 0 or an error used for an update is not finite.</exception>
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, PcTrace<T>? trace)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        State.Clamp(inputs, targets, batch);
        State.InitialiseFeedforward(parameters, Sigma, _noise);
        CheckInitialPredictions();
        if (EventDriven)
        {
            RunEventDriven(parameters, trace);
        }
        else if (Rule == PcRule.FullyAutonomous)
        {
            RunFullyAutonomous(parameters, trace);
        }
        else
        {
            RunScheduled(parameters, trace);
        }
    }

    /// <summary>
    /// A non-finite prediction at <c>t = 0</c> (an overflow in <c>θ f(x)</c>) makes Lemma A.3's exactly-zero errors
    /// NaN (<c>∞ − ∞</c>), which the synchronous simulation then carries to a lower layer one moment earlier than
    /// the event-driven path. It is reported before any update, so every path throws alike and leaves θ untouched.
    /// </summary>
    private void CheckInitialPredictions()
    {
        for (int l = 0; l < _spec.L; l++)
        {
            ReadOnlySpan<T> mu = State.Rows(State.Mu, l);
            for (int k = 0; k < mu.Length; k++)
            {
                if (!T.IsFinite(mu[k]))
                {
                    int n = _spec.Widths[l];
                    throw new TrainingDivergedException(StepIndex, $"{Name} prediction μ^{l} at t = 0 (pair {k / n}, neuron {k % n})");
                }
            }
        }
    }

    private T LayerRate(int l)
    {
        double a = Alpha / State.Batch;
        if (GammaCorrection)
        {
            a /= Math.Pow(Gamma, l);
        }

        return T.CreateTruncating(a);
    }

    /// <summary>IL, any schedule, and synchronous Z-IL: moments <c>t = 0..LastMoment</c>.</summary>
    private void RunScheduled(Parameters<T> p, PcTrace<T>? trace)
    {
        T gamma = T.CreateTruncating(Gamma);
        for (int t = 0; t <= Schedule.LastMoment; t++)
        {
            State.Predict(p);
            State.InferenceIncrements(p, gamma);
            PcMoment<T>? moment = Capture(trace, t, full: true);
            for (int l = 0; l < _spec.L; l++)
            {
                if (Schedule.Contains(l, t))
                {
                    Update(p, l, State.Rows(State.Eps, l), moment, t);
                }
            }

            State.ApplyInference();
        }
    }

    /// <summary>Z-IL without the work Lemma A.3 proves is zero (see the class remarks).</summary>
    private void RunEventDriven(Parameters<T> p, PcTrace<T>? trace)
    {
        T gamma = T.CreateTruncating(Gamma);
        int L = _spec.L;
        for (int l = 0; l < L; l++)
        {
            PcMoment<T>? moment = Capture(trace, l, full: false);
            moment?.Eps[l] = State.Rows(State.Eps, l).ToArray();
            if (l + 1 < L)
            {
                // ε^{l+1}_l = x^{l+1}_0 − μ^{l+1}_0 is exactly zero here (x was copied from μ); it is computed, not
                // assumed, so that Δx^{l+1}_l is the very expression the synchronous simulation evaluates.
                PcnState<T>.Subtract(State.Rows(State.X, l + 1), State.Rows(State.Mu, l + 1), State.Rows(State.Eps, l + 1));
                State.InferenceIncrement(p, l + 1, gamma);
            }

            Update(p, l, State.Rows(State.Eps, l), moment, l);
            if (l + 1 < L)
            {
                Kernels.Axpy.Compute<T>(T.One, State.Rows(State.DX, l + 1), State.Rows(State.X, l + 1));
                PcnState<T>.Subtract(State.Rows(State.X, l + 1), State.Rows(State.Mu, l + 1), State.Rows(State.Eps, l + 1));
            }
        }
    }

    /// <summary>Fa-Z-IL: every moment, each error neuron updates its row once, at its first non-zero error.</summary>
    private void RunFullyAutonomous(Parameters<T> p, PcTrace<T>? trace)
    {
        T gamma = T.CreateTruncating(Gamma);
        foreach (bool[] f in _fired)
        {
            Array.Clear(f);
        }

        for (int t = 0; t < Moments; t++)
        {
            State.Predict(p);
            State.InferenceIncrements(p, gamma);
            PcMoment<T>? moment = Capture(trace, t, full: true);
            for (int l = 0; l < _spec.L; l++)
            {
                ReadOnlySpan<T> eps = State.Rows(State.Eps, l);
                Span<T> gated = _gated[l].AsSpan(0, eps.Length);
                bool[] fired = _fired[l];
                bool any = false;
                for (int k = 0; k < eps.Length; k++)
                {
                    // φ = 1 exactly once: at the first moment this neuron's error differs from 0.
                    if (!fired[k] && eps[k] != T.Zero)
                    {
                        fired[k] = true;
                        gated[k] = eps[k];
                        any = true;
                    }
                    else
                    {
                        gated[k] = T.Zero;
                    }
                }

                if (any)
                {
                    Update(p, l, gated, moment, t);
                }
            }

            State.ApplyInference();
        }
    }

    private void Update(Parameters<T> p, int l, ReadOnlySpan<T> eps, PcMoment<T>? moment, int t)
    {
        for (int k = 0; k < eps.Length; k++)
        {
            if (!T.IsFinite(eps[k]))
            {
                int n = _spec.Widths[l];
                throw new TrainingDivergedException(StepIndex, $"{Name} error ε^{l} at moment t = {t} (pair {k / n}, neuron {k % n})");
            }
        }

        LearningRule.Apply(p, l, LayerRate(l), eps, State.Rows(State.FX, l + 1), State.Batch, _scratch, moment?.DeltaTheta, moment?.DeltaBeta);
    }

    private PcMoment<T>? Capture(PcTrace<T>? trace, int t, bool full)
    {
        if (trace is null)
        {
            return null;
        }

        PcMoment<T> m = new(t, _spec.L);
        if (full)
        {
            for (int l = 0; l <= _spec.L; l++)
            {
                m.X[l] = State.Rows(State.X, l).ToArray();
                if (l < _spec.L)
                {
                    m.Mu[l] = State.Rows(State.Mu, l).ToArray();
                    m.Eps[l] = State.Rows(State.Eps, l).ToArray();
                }

                if (l >= 1 && l < _spec.L)
                {
                    m.DeltaX[l] = State.Rows(State.DX, l).ToArray();
                }
            }

            m.Energy = State.Energy();
        }

        trace.Moments.Add(m);
        return m;
    }
}
