using System.Numerics;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Engine.PredictiveCoding;

/// <summary>
/// IL, Z-IL and Fa-Z-IL for a batch (docs/math.md §5, §6). One instance owns the state buffers; a step allocates
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
/// <para>φ for Fa-Z-IL (our definition, docs/math.md §5): error neuron (l, i) of pair b fires at the first moment at
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
    private readonly int[] _unfired;
    private readonly int[] _fires;
    private readonly bool[] _formed;
    private readonly bool[] _needEps;
    private readonly bool[] _needX;
    private readonly Rng? _noise;

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
        ulong noiseSeed = 0, Algorithms.OutputLoss? loss = null, Feedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        LearningRule.CheckRates(alpha, gamma, sigma);
        if (rule == Algorithm.BP)
        {
            throw new ArgumentException("BP is not a predictive-coding rule; use the BP learner", nameof(rule));
        }

        _spec = spec;
        Rule = rule;
        Alpha = alpha;
        Gamma = gamma;
        Sigma = sigma;
        GammaCorrection = gammaCorrection;
        Schedule = rule switch
        {
            Algorithm.IL => schedule ?? throw new InvalidInputException("IL needs an update schedule (e.g. all layers at t_c)"),
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

        EventDriven = rule == Algorithm.ZIL && !synchronous && sigma == 0;
        FaZilSkipping = rule == Algorithm.FaZIL && !synchronous && sigma == 0;
        State = new PcnState<T>(spec, capacity, loss, feedback);
        _scratch = new T[spec.Widths.Max()];
        _gated = rule == Algorithm.FaZIL ? spec.Widths[..^1].Select(n => new T[n * capacity]).ToArray() : [];
        _fired = rule == Algorithm.FaZIL ? spec.Widths[..^1].Select(n => new bool[n * capacity]).ToArray() : [];
        _noise = sigma > 0 ? Rng.Derive(noiseSeed, RngDomain.Noise, 0) : null;
        _unfired = new int[spec.L];
        _fires = new int[spec.L];
        _formed = new bool[spec.L];
        _needEps = new bool[spec.L];
        _needX = new bool[spec.L + 1];
    }

    /// <inheritdoc />
    public string Name => Rule switch
    {
        Algorithm.ZIL => EventDriven ? "zil" : "zil-sync",
        Algorithm.FaZIL => "fazil",
        _ => "il",
    };

    /// <inheritdoc />
    public int Capacity => State.Capacity;

    /// <inheritdoc />
    public Algorithms.OutputLoss OutputLoss => State.Loss;

    /// <inheritdoc />
    public long StepIndex { get; set; }

    /// <summary>The algorithm.</summary>
    public Algorithm Rule { get; }

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

    /// <summary>
    /// Whether Fa-Z-IL skips the work that provably cannot change its parameters (σ = 0 and not
    /// <c>synchronous</c>; a traced step always runs the faithful simulation). See <see cref="RunFullyAutonomousSkipping"/>.
    /// </summary>
    public bool FaZilSkipping { get; }

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
        State.Feedback?.BeginStep(parameters);
        if (EventDriven)
        {
            RunEventDriven(parameters, trace);
        }
        else if (Rule == Algorithm.FaZIL)
        {
            if (FaZilSkipping && trace is null)
            {
                RunFullyAutonomousSkipping(parameters);
            }
            else
            {
                RunFullyAutonomous(parameters, trace);
            }
        }
        else
        {
            RunScheduled(parameters, trace);
        }

        State.Feedback?.EndStep(parameters, Alpha);
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
            int k = Kernels.Elementwise.FirstNonFinite<T>(State.Rows(State.Mu, l));
            if (k >= 0)
            {
                int n = _spec.Widths[l];
                throw new TrainingDivergedException(StepIndex, $"{Name} prediction μ^{l} at t = 0 (pair {k / n}, neuron {k % n})");
            }
        }
    }

    private T LayerRate(int l) => LearningRule.Rate<T>(Alpha, State.Batch, GammaCorrection ? 1.0 / Math.Pow(Gamma, l) : 1.0);

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

    /// <summary>
    /// Fa-Z-IL with the same parameters as <see cref="RunFullyAutonomous"/>, bit for bit, without the work that
    /// cannot change them. Under C1 (σ = 0) and with finite values, Lemma A.3 holds in floating point: before
    /// moment <c>l</c>, <c>ε^l</c> is exactly +0 (it is <c>x − x</c>), so nothing in layer l fires, <c>θ^{l+1}</c> is
    /// untouched and <c>Δx^l = γ(−0 + f'·(θ^l)ᵀ0)</c> is a signed zero, which leaves <c>x^l</c> unchanged (a value
    /// node is never −0: it is a sum that starts at +0). Hence at moment <c>t</c>: (1) <c>μ^l_t = μ^l_0</c> bit for
    /// bit for <c>l ≥ t</c>, so only layers <c>l &lt; t</c> are predicted again; (2) <c>Δx^l_t</c> is computed only for
    /// <c>l ≤ t+1</c>; and of those, (1) and (2) only where <see cref="Liveness"/> shows the result can still reach a
    /// firing or an update (nothing at the last moment; nothing for layers whose neurons have all fired once no
    /// unfired neuron near them remains); (3) at the last moment
    /// an error is needed only where a neuron has not fired yet, so when fewer than a quarter are unfired only
    /// those dot products are formed, each with the kernel's per-element order; (4) a layer where only some neurons fire updates only their rows, skipping
    /// terms whose gated error is 0 — the faithful update adds <c>(+0)·f</c> there, which leaves every element as it
    /// was unless a weight is −0 (never produced by an update, since <c>a + b = −0</c> needs <c>a = −0</c>) or some
    /// <c>f</c> is not finite (then the dense update is used). Every value that is computed is computed by the
    /// same kernels in the same order as in the faithful simulation. The state left behind differs (skipped
    /// buffers are stale); the parameters do not. PcVerify.Tests checks the bit identity.
    /// </summary>
    private void RunFullyAutonomousSkipping(Parameters<T> p)
    {
        T gamma = T.CreateTruncating(Gamma);
        int L = _spec.L;
        foreach (bool[] f in _fired)
        {
            Array.Clear(f);
        }

        for (int l = 0; l < L; l++)
        {
            _unfired[l] = State.Batch * _spec.Widths[l];
        }

        for (int t = 0; t < Moments; t++)
        {
            bool last = t == Moments - 1;
            int active = Math.Min(t, L - 1);

            // 1. The errors of layers where a neuron can fire now, and φ for them (nothing is applied yet, so every
            //    quantity of this moment still comes from the pre-update state, as in the synchronous moment).
            for (int l = 0; l <= active; l++)
            {
                _formed[l] = false;
                _fires[l] = 0;
                if (_unfired[l] > 0)
                {
                    FormError(p, l, t, partial: last && 4 * _unfired[l] < State.Batch * _spec.Widths[l]);
                    _fires[l] = Gate(l);
                    _unfired[l] -= _fires[l];
                }
            }

            // 2. What the rest of the step can still use, given the neurons that remain unfired.
            Liveness(t);
            for (int l = 0; l <= active; l++)
            {
                if (_needEps[l] && !_formed[l])
                {
                    FormError(p, l, t, partial: false);
                }
            }

            int changed = Math.Min(t + 1, L - 1);
            for (int l = 1; l <= changed; l++)
            {
                if (_needX[l])
                {
                    State.InferenceIncrement(p, l, gamma);
                }
            }

            // 3. Apply the updates of the neurons that fired, then the inference increments.
            for (int l = 0; l <= active; l++)
            {
                int fires = _fires[l];
                Span<T> gated = _gated[l].AsSpan(0, State.Batch * _spec.Widths[l]);
                if (fires > 0 && 4 * fires >= gated.Length)
                {
                    Update(p, l, gated, null, t);
                }
                else if (fires > 0)
                {
                    CheckFinite(l, gated, t);
                    LearningRule.ApplyRows(p, l, LayerRate(l), gated, State.Rows(State.FX, l + 1), State.Batch, _scratch);
                }
            }

            for (int l = 1; l <= changed; l++)
            {
                if (_needX[l])
                {
                    Kernels.Axpy.Compute<T>(T.One, State.Rows(State.DX, l), State.Rows(State.X, l));
                }
            }
        }
    }

    /// <summary>
    /// <c>ε^l_t</c>: for <c>l &lt; t</c> a new prediction (only at unfired neurons when <paramref name="partial"/>); for
    /// <c>l = t</c> the stored <c>μ^t_0</c> is still exact (Lemma A.3), so only the error. The output error of a
    /// loss other than squared error couples every output neuron (softmax), so it is always formed in full.
    /// </summary>
    private void FormError(Parameters<T> p, int l, int t, bool partial)
    {
        partial &= l > 0 || State.Loss.Kind == Algorithms.LossKind.SquaredError;
        _formed[l] = !partial;
        if (l == t)
        {
            LayerError(l);
        }
        else if (partial)
        {
            PredictUnfired(p, l);
        }
        else
        {
            Forward.Layer(_spec, p, l, State.Rows(State.X, l + 1), State.FX[l + 1], State.Mu[l], State.Batch);
            LayerError(l);
        }
    }

    /// <summary><c>ε^l = x^l − μ^l</c>, or the output loss's error for <c>l = 0</c>.</summary>
    private void LayerError(int l)
    {
        if (l == 0)
        {
            State.OutputError();
        }
        else
        {
            PcnState<T>.Subtract(State.Rows(State.X, l), State.Rows(State.Mu, l), State.Rows(State.Eps, l));
        }
    }

    /// <summary>φ for layer l: the gated errors of the neurons that fire now (first non-zero error); returns how many.</summary>
    private int Gate(int l)
    {
        ReadOnlySpan<T> eps = State.Rows(State.Eps, l);
        Span<T> gated = _gated[l].AsSpan(0, eps.Length);
        bool[] fired = _fired[l];
        int fires = 0;
        for (int k = 0; k < eps.Length; k++)
        {
            if (!fired[k] && eps[k] != T.Zero)
            {
                fired[k] = true;
                gated[k] = eps[k];
                fires++;
            }
            else
            {
                gated[k] = T.Zero;
            }
        }

        return fires;
    }

    /// <summary>
    /// Which quantities of moment <paramref name="t"/> can still reach a firing or an update, by backward liveness
    /// over the remaining moments, after this moment's φ. A layer with an unfired neuron may fire at any later moment, so its error is
    /// needed then (set U). The error of layer l at moment s needs <c>x^l_s</c> and <c>x^{l+1}_s</c> (through
    /// <c>μ^l</c>; the update also reads <c>f(x^{l+1}_s)</c>); <c>x^j_{s+1}</c> needs <c>Δx^j_s</c>, which needs the
    /// errors of layers j and j−1 at s. Iterating from the last moment back to t gives <c>_needX</c> (the hidden
    /// layers whose value node must be advanced at t) and <c>_needEps</c> (the layers whose error must be formed
    /// at t). Anything else computed at t would reach no firing and no update. The sets only shrink from one
    /// moment to the next (U only shrinks), so a quantity skipped once is never needed later.
    /// </summary>
    private void Liveness(int t)
    {
        Array.Clear(_needX);
        for (int s = Moments - 1; s > t; s--)
        {
            ErrorsNeeded();
            bool grew = false;
            for (int l = 0; l < _spec.L; l++)
            {
                if (_needEps[l])
                {
                    grew |= MarkX(l) | MarkX(l + 1);
                }
            }

            if (!grew)
            {
                break;
            }
        }

        ErrorsNeeded();
    }

    /// <summary><c>E = U ∪ {j, j−1 : j ∈ X}</c> from the current <c>_needX</c>.</summary>
    private void ErrorsNeeded()
    {
        for (int l = 0; l < _spec.L; l++)
        {
            _needEps[l] = _unfired[l] > 0 || _needX[l] || _needX[l + 1];
        }
    }

    /// <summary>Marks hidden layer <paramref name="j"/>'s value node as needed; returns whether it was new.</summary>
    private bool MarkX(int j)
    {
        if (j < 1 || j >= _spec.L || _needX[j])
        {
            return false;
        }

        _needX[j] = true;
        return true;
    }

    /// <summary>
    /// <c>f(x^{l+1})</c> for the whole layer, then <c>μ^l</c> and <c>ε^l</c> only where a neuron has not fired, each as
    /// <see cref="Forward.Predict"/> computes it (a <see cref="Kernels.Dot"/> of the row, then <c>+ 1·β_i</c>).
    /// </summary>
    private void PredictUnfired(Parameters<T> p, int l)
    {
        int n = _spec.Widths[l], k = _spec.Widths[l + 1];
        Span<T> fx = State.Rows(State.FX, l + 1);
        _spec.Activations[l + 1].Apply<T>(State.Rows(State.X, l + 1), fx);
        Matrix<T> theta = p.Theta[l + 1];
        T[] beta = p.Beta[l + 1];
        bool[] fired = _fired[l];
        Span<T> x = State.Rows(State.X, l), mu = State.Rows(State.Mu, l), eps = State.Rows(State.Eps, l);
        for (int b = 0; b < State.Batch; b++)
        {
            ReadOnlySpan<T> fb = fx.Slice(b * k, k);
            for (int i = 0; i < n; i++)
            {
                int idx = (b * n) + i;
                if (fired[idx])
                {
                    continue;
                }

                T m = Kernels.Dot.Compute<T>(fb, theta.Row(i));
                if (beta.Length > 0)
                {
                    m += T.One * beta[i];
                }

                mu[idx] = m;
                eps[idx] = x[idx] - m;
            }
        }
    }

    private void CheckFinite(int l, ReadOnlySpan<T> eps, int t)
    {
        int k = Kernels.Elementwise.FirstNonFinite(eps);
        if (k >= 0)
        {
            int n = _spec.Widths[l];
            throw new TrainingDivergedException(StepIndex, $"{Name} error ε^{l} at moment t = {t} (pair {k / n}, neuron {k % n})");
        }
    }

    private void Update(Parameters<T> p, int l, ReadOnlySpan<T> eps, PcMoment<T>? moment, int t)
    {
        int k = Kernels.Elementwise.FirstNonFinite(eps);
        if (k >= 0)
        {
            int n = _spec.Widths[l];
            throw new TrainingDivergedException(StepIndex, $"{Name} error ε^{l} at moment t = {t} (pair {k / n}, neuron {k % n})");
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
