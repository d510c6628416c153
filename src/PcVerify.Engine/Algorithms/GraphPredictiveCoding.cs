using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// IL, Z-IL and Fa-Z-IL on a computation graph (docs/math.md §10, with §3's synchronous moments, §5's algorithms and
/// §6's relaxations), each written once over the vertices. Buffers are allocated once; a step allocates nothing.
/// </summary>
/// <remarks>
/// <para><b>Schedules by depth.</b> An <see cref="UpdateSchedule"/> has one entry per depth <c>0 .. max d</c>; vertex
/// <c>v</c> is updated at the moments of entry <c>d_max(v)</c> (on a levelled graph <c>d_max = d_min = d</c>; on a
/// chain the entries are <c>θ^1 … θ^L</c>, as today). Z-IL's schedule is <c>t = d_max(v)</c> (docs/math.md §10, our choice on
/// graphs that are not levelled) and stops after <c>max d</c>; IL's default updates every vertex at <c>t_c</c>.</para>
/// <para><b>Event-driven Z-IL</b> (levelled graph, σ = 0, not forced synchronous): Lemma A.3 on a graph — under C1
/// the error of <c>v</c> is exactly zero before <c>d(v)</c> and its value and prediction are unchanged — so the only
/// work that can affect an update at moment <c>t</c> is: for each vertex <c>u</c> at depth <c>t+1</c>, its (zero)
/// error and <c>Δx_u</c> from its children's errors at their own moment; the updates of the vertices at depth
/// <c>t</c>; then <c>x_u += Δx_u</c> and <c>u</c>'s new error. These are the very expressions the synchronous
/// simulation evaluates, with the same operations per element, so the parameters are bit-identical to it (the updates
/// may wait until every increment is done, see <see cref="UpdateFromInputSide"/>: no increment reads θ after its
/// update, and no update reads what a later increment writes). On a
/// graph that is not levelled a short path brings an error early, the lemma fails, and Z-IL runs synchronously.</para>
/// <para><b>Fa-Z-IL</b>: φ per error neuron (docs/math.md §5, §10): an element of <c>ε_v</c> of one pair fires at the first
/// moment it differs from 0, and never again; the update of <c>θ_v</c> at each moment uses the gated errors
/// <c>φ_t ⊙ ε_v,t</c> (so a conv weight shared by many error neurons receives each neuron's term once).
/// It runs <c>max d + 1</c> moments unless told otherwise, and with σ = 0 skips the work that cannot change the
/// parameters (see <see cref="RunFullyAutonomousSkipping"/>).</para>
/// <para><b>σ</b> adds <c>σ·N(0,1)</c> to every hidden vertex at C1, in topological order from the input side (each
/// μ from already-noisy parents); a chain draws the noise as the layered engine does.</para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphPredictiveCoding<T> : IGraphLearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _depth;
    private readonly int[] _arrival;
    private readonly int[] _moves;
    private readonly int[][] _byDepth;
    private readonly T[][] _gated;
    private readonly bool[][] _fired;

    // Fa-Z-IL skipping (RunFullyAutonomousSkipping): per vertex, its parents and children, the first moment a parent's
    // value can move, whether it is a dense (out, in) vertex, and per step the unfired neurons, this moment's firings,
    // whether θ_v has changed, whether ε_v is formed in full, and the liveness sets.
    private readonly int[][] _parents;
    private readonly int[][] _children;
    private readonly int[] _parentMoves;
    private readonly bool[] _dense;
    private readonly int[] _unfired;
    private readonly int[] _fires;
    private readonly bool[] _updated;
    private readonly bool[] _formed;
    private readonly bool[] _needEps;
    private readonly bool[] _needDX;
    private readonly T[] _row;
    private readonly Rng? _noise;

    // Event-driven Z-IL: whether every update can wait until all increments are done (no hidden vertex's value array is
    // a child's input, which an increment would move before the child's update reads it); see UpdateFromInputSide.
    private readonly bool _updatesLast;
    private GraphPcTrace<T>? _trace;
    private GraphPcMoment<T>? _moment;

    /// <summary>Creates a learner.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="rule">The predictive-coding algorithm: IL, Z-IL or Fa-Z-IL (not BP).</param>
    /// <param name="alpha">Learning rate α &gt; 0.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="gamma">Inference rate γ &gt; 0 (C3 is γ = 1).</param>
    /// <param name="sigma">σ ≥ 0 (C1 is σ = 0).</param>
    /// <param name="schedule">For <see cref="Algorithm.IL"/>: the update moments per depth (required; <c>max d + 1</c> entries).</param>
    /// <param name="gammaCorrection">Scale the learning rate of <c>θ_v</c> by <c>γ^{−d_max(v)}</c> (A.5 on a graph).</param>
    /// <param name="synchronous">For Z-IL and Fa-Z-IL: force the faithful synchronous simulation (no event-driven Z-IL, no skipping).</param>
    /// <param name="moments">For Fa-Z-IL: the number of moments (default <c>max d + 1</c>).</param>
    /// <param name="noiseSeed">Seed of the σ noise stream.</param>
    /// <param name="loss">The output loss (default squared error).</param>
    /// <param name="feedback">Feedback B in place of θ in the inference's input-Jᵀ, and the weight decay (docs/math.md §12); null: θ, no decay.</param>
    /// <exception cref="InvalidInputException">A rate or σ is out of range, the schedule is missing or of the wrong depth, or the feedback is direct.</exception>
    public GraphPredictiveCoding(
        CompiledGraph graph, Algorithm rule, double alpha, int capacity = 1, double gamma = 1.0, double sigma = 0.0,
        UpdateSchedule? schedule = null, bool gammaCorrection = false, bool synchronous = false, int? moments = null,
        ulong noiseSeed = 0, OutputLoss? loss = null, GraphFeedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        LearningRule.CheckRates(alpha, gamma, sigma);
        if (feedback is { Kind: FeedbackKind.Direct })
        {
            throw new InvalidInputException("feedback direct (DFA) is defined for BP only: PC's inference has no error to send straight from the output");
        }

        if (rule == Algorithm.BP)
        {
            throw new ArgumentException("BP is not a predictive-coding rule; use the BP learner", nameof(rule));
        }

        Rule = rule;
        Alpha = alpha;
        Gamma = gamma;
        Sigma = sigma;
        GammaCorrection = gammaCorrection;
        int depths = graph.Depth.MaxDepth + 1;
        Schedule = rule switch
        {
            Algorithm.IL => schedule ?? throw new InvalidInputException("IL needs an update schedule (e.g. every vertex at t_c)"),
            _ => UpdateSchedule.ZeroDivergence(depths),
        };
        if (Schedule.Depth != depths)
        {
            throw new InvalidInputException($"schedule covers {Schedule.Depth} depths, the graph has {depths} (d = 0..{depths - 1})");
        }

        Moments = moments ?? depths;
        if (Moments < 1)
        {
            throw new InvalidInputException($"Fa-Z-IL needs at least one moment, found {Moments}");
        }

        EventDriven = rule == Algorithm.ZIL && !synchronous && sigma == 0 && graph.Depth.IsLevelled;
        FaZilSkipping = rule == Algorithm.FaZIL && !synchronous && sigma == 0;
        State = new GraphState<T>(graph, capacity, loss) { Feedback = feedback };
        int n = graph.Vertices.Count;
        _depth = [.. graph.Depth.Max];
        (_arrival, _moves) = ArrivalMoments(graph);
        _byDepth = new int[depths + 1][];
        for (int d = 0; d <= depths; d++)
        {
            _byDepth[d] = [.. Enumerable.Range(0, n).Where(v => v != graph.Input && _depth[v] == d)];
        }

        bool gate = rule == Algorithm.FaZIL;
        _gated = new T[n][];
        _fired = new bool[n][];
        for (int v = 0; v < n; v++)
        {
            bool has = gate && State.HasParameters(v);
            _gated[v] = has ? new T[State.Eps[v].Length] : [];
            _fired[v] = has ? new bool[State.Eps[v].Length] : [];
        }

        _noise = sigma > 0 ? Rng.Derive(noiseSeed, RngDomain.Noise, 0) : null;
        _parents = new int[n][];
        _children = new int[n][];
        _parentMoves = new int[n];
        _dense = new bool[n];
        int widest = 1;
        for (int v = 0; v < n; v++)
        {
            GraphVertex vertex = graph.Vertices[v];
            _parents[v] = [.. Enumerable.Range(0, vertex.InDegree).Select(k => graph.InEdge(v, k).Parent)];
            _children[v] = [.. vertex.OutEdges.Select(e => graph.Edges[e].Child)];
            _parentMoves[v] = _parents[v].Length == 0 ? int.MaxValue / 2 : _parents[v].Min(q => _moves[q]);
            _dense[v] = vertex.Kind == VertexKind.Dense && vertex.Spec.WeightLayout == WeightLayout.OutIn;
            if (_dense[v])
            {
                widest = Math.Max(widest, graph.Vertices[_parents[v][0]].Size);
            }
        }

        _unfired = new int[n];
        _fires = new int[n];
        _updated = new bool[n];
        _formed = new bool[n];
        _needEps = new bool[n];
        _needDX = new bool[n];
        _row = new T[widest];
        _updatesLast = EventDriven && !Enumerable.Range(0, n).Any(v => State.IsHidden(v) && State.SharesValue(v));
    }

    /// <inheritdoc />
    public string Name => Rule switch
    {
        Algorithm.ZIL => EventDriven ? "zil" : "zil-sync",
        Algorithm.FaZIL => "fazil",
        _ => "il",
    };

    /// <inheritdoc />
    public CompiledGraph Graph => State.Graph;

    /// <inheritdoc />
    public OutputLoss OutputLoss => State.Loss;

    /// <inheritdoc />
    public int Capacity => State.Capacity;

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

    /// <summary>Whether the rate of <c>θ_v</c> is scaled by <c>γ^{−d_max(v)}</c>.</summary>
    public bool GammaCorrection { get; }

    /// <summary>The update moments per depth.</summary>
    public UpdateSchedule Schedule { get; }

    /// <summary>Fa-Z-IL's number of moments.</summary>
    public int Moments { get; }

    /// <summary>Whether Z-IL runs event-driven (levelled graph, σ = 0, not forced synchronous).</summary>
    public bool EventDriven { get; }

    /// <summary>
    /// Whether Fa-Z-IL skips the work that provably cannot change its parameters (σ = 0, not forced synchronous; a traced
    /// step always runs the faithful simulation); see <see cref="RunFullyAutonomousSkipping"/>.
    /// </summary>
    public bool FaZilSkipping { get; }

    /// <summary>The state after the last step (for inspection).</summary>
    public GraphState<T> State { get; }

    /// <inheritdoc />
    public void Step(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, the faithful synchronous simulation runs and every moment is recorded.</summary>
    /// <exception cref="TrainingDivergedException">A prediction at t = 0 or an error used for an update is not finite.</exception>
    public void Step(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, GraphPcTrace<T>? trace)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        State.Clamp(inputs, targets, batch);
        // The event-driven path forms every hidden error itself before its first reader (RunEventDriven).
        State.Feedforward(parameters, pcn: true, Sigma, _noise, eventDriven: EventDriven && trace is null);
        CheckInitialPredictions();
        State.Feedback?.BeginStep(parameters);
        _trace = trace;
        try
        {
            if (EventDriven && trace is null)
            {
                RunEventDriven(parameters);
            }
            else if (Rule == Algorithm.FaZIL && FaZilSkipping && trace is null)
            {
                RunFullyAutonomousSkipping(parameters);
            }
            else if (Rule == Algorithm.FaZIL)
            {
                RunFullyAutonomous(parameters);
            }
            else
            {
                RunScheduled(parameters);
            }
        }
        finally
        {
            _trace = null;
            _moment = null;
        }

        State.Feedback?.EndStep(parameters, Alpha);
    }

    /// <summary>
/// A non-finite prediction at <c>t = 0</c> (an overflow in <c>θ f(x)</c>) makes Lemma A.3's exactly-zero errors NaN
/// (<c>∞ − ∞</c>), which the synchronous simulation then carries to another vertex one moment earlier than the
/// event-driven path. It is reported before any update, from the output side, so every path throws alike and leaves θ untouched.
/// </summary>
    private void CheckInitialPredictions()
    {
        for (int v = Graph.Vertices.Count - 1; v >= 0; v--)
        {
            if (v == Graph.Input)
            {
                continue;
            }

            int k = State.FirstNonFinitePrediction(v);
            if (k >= 0)
            {
                throw new TrainingDivergedException(StepIndex, $"{Name} prediction {State.Label("μ", v)} at t = 0 {State.Position(v, k)}");
            }
        }
    }

    private T Rate(int v) => LearningRule.Rate<T>(Alpha, State.Batch, GammaCorrection ? 1.0 / Math.Pow(Gamma, _depth[v]) : 1.0);

    /// <summary>IL, any schedule, and synchronous Z-IL: moments <c>t = 0..LastMoment</c> (docs/math.md §3).</summary>
    private void RunScheduled(GraphParameters<T> p)
    {
        T gamma = T.CreateTruncating(Gamma);
        int n = Graph.Vertices.Count;
        for (int t = 0; t <= Schedule.LastMoment; t++)
        {
            State.PredictAll(p);
            IncrementAll(p, gamma);
            _moment = _trace?.Capture(State, t);
            for (int v = 0; v < n; v++)
            {
                if (State.HasParameters(v) && Schedule.Contains(_depth[v], t))
                {
                    Update(p, v, State.Rows(State.Eps, v), t);
                }
            }

            ApplyAll();
        }
    }

    /// <summary>Z-IL without the work Lemma A.3 proves is zero (see the class remarks).</summary>
    private void RunEventDriven(GraphParameters<T> p)
    {
        T gamma = T.CreateTruncating(Gamma);
        for (int t = 0; t <= Graph.Depth.MaxDepth; t++)
        {
            // ε_u at t for u one level up is exactly zero here (x_u is still μ_u,0, which the feedforward pass did
            // not copy: x stands for μ); it is computed, not assumed, so that Δx_u is the very expression the synchronous
            // simulation evaluates — together with Δx_u and the backward sum's product in one pass over the rows
            // (GraphState.ErrorAndIncrement, bit for bit the separate steps). This is ε_u's first writer in the step (the
            // feedforward pass leaves hidden errors to this loop), and nothing reads it earlier: u's parents form their
            // backward sums at later moments.
            // A vertex whose children read f_e(x_u) from arrays of their own takes its increment at once, in the same
            // pass (GraphState.IncrementAndApply): the updates below do not read x_u.
            foreach (int u in _byDepth[t + 1])
            {
                if (State.SharesValue(u))
                {
                    State.ErrorAndIncrement(p, u, gamma);
                }
                else
                {
                    State.IncrementAndApply(p, u, gamma);
                }
            }

            if (_updatesLast)
            {
                continue;
            }

            foreach (int v in _byDepth[t])
            {
                if (State.HasParameters(v))
                {
                    Update(p, v, State.Rows(State.Eps, v), t);
                }
            }

            foreach (int u in _byDepth[t + 1])
            {
                if (State.SharesValue(u))
                {
                    State.ApplyIncrementAndError(u);
                }
            }
        }

        if (_updatesLast)
        {
            UpdateFromInputSide(p);
        }
    }

    /// <summary>
    /// The updates of event-driven Z-IL after every increment, in BP's order (topological, from the input side), when
    /// no hidden vertex shares its value with a child (<see cref="_updatesLast"/>). Each update reads only
    /// <c>θ_v</c>, <c>ε_v</c> (last written at moment <c>d(v) − 1</c>, never after) and its inputs' <c>f_e(x_u)</c>
    /// (arrays of their own, written by the feedforward pass only), and no increment reads an updated θ (each backward
    /// product ran before any update), so every element gets the bits the moment-by-moment order gives it. The order
    /// matters for speed only: on the paper network, updating the 822 MB first-layer matrix last (at its own moment) made
    /// the step ≈ 13 % slower than BP's order (docs/bench/issue15-round3/zil.md). A non-finite error is reported as in
    /// moment order: the first one by moment throws after exactly the updates that order makes before it.
    /// </summary>
    private void UpdateFromInputSide(GraphParameters<T> p)
    {
        for (int t = 0; t <= Graph.Depth.MaxDepth; t++)
        {
            foreach (int v in _byDepth[t])
            {
                if (State.HasParameters(v) && Elementwise.FirstNonFinite<T>(State.Rows(State.Eps, v)) >= 0)
                {
                    UpdateInMomentOrderBefore(p, t, v);
                    Update(p, v, State.Rows(State.Eps, v), t);
                }
            }
        }

        for (int v = 0; v < Graph.Vertices.Count; v++)
        {
            if (State.HasParameters(v))
            {
                State.Update(p, v, State.Rows(State.Eps, v), Rate(v));
            }
        }
    }

    /// <summary>The updates moment order makes before that of vertex <paramref name="last"/> at moment <paramref name="moment"/>.</summary>
    private void UpdateInMomentOrderBefore(GraphParameters<T> p, int moment, int last)
    {
        for (int t = 0; t <= moment; t++)
        {
            foreach (int v in _byDepth[t])
            {
                if (v == last)
                {
                    return;
                }

                if (State.HasParameters(v))
                {
                    State.Update(p, v, State.Rows(State.Eps, v), Rate(v));
                }
            }
        }
    }

    /// <summary>Fa-Z-IL, the faithful simulation: every moment, each error neuron contributes to its vertex's update once, at its first non-zero error.</summary>
    private void RunFullyAutonomous(GraphParameters<T> p)
    {
        T gamma = T.CreateTruncating(Gamma);
        int n = Graph.Vertices.Count;
        foreach (bool[] f in _fired)
        {
            Array.Clear(f);
        }

        for (int t = 0; t < Moments; t++)
        {
            State.PredictAll(p);
            IncrementAll(p, gamma);
            _moment = _trace?.Capture(State, t);
            for (int v = 0; v < n; v++)
            {
                if (State.HasParameters(v))
                {
                    int fires = Gate(v);
                    if (fires > 0)
                    {
                        Update(p, v, _gated[v].AsSpan(0, State.Rows(State.Eps, v).Length), t);
                    }
                }
            }

            ApplyAll();
        }
    }

    /// <summary>
    /// Fa-Z-IL with the parameters of <see cref="RunFullyAutonomous"/>, bit for bit, without the work that cannot change
    /// them. Under C1 every error starts at +0 and every value at its prediction; an error can become non-zero only when
    /// the vertex's value or prediction moves, a value moves only one moment after its own or a child's error is
    /// non-zero, and a prediction moves when a parent's value does or θ_v does (which needs v to fire). So the moment
    /// <c>a(v)</c> at which <c>ε_v</c> can first be non-zero follows from the output's <c>a = 0</c> by
    /// <see cref="ArrivalMoments"/> (on a levelled graph <c>a(v) = d(v)</c>, Lemma A.3; on one that is not levelled a
    /// short path can make it smaller). Before <c>a(v)</c>, <c>x_v</c> and <c>μ_v</c> keep their bits, <c>ε_v = +0</c> and no
    /// neuron of v fires. At moment t: (1) an error is formed where a neuron can still fire, and μ_v is predicted again
    /// only if a parent's value or θ_v can have moved (else the stored <c>μ_v,0</c> is exact); at the last moment, where
    /// fewer than a quarter of a dense vertex's neurons are unfired, only their dot products are formed, each as the
    /// kernel forms it; (2) <see cref="Liveness"/> keeps only the increments and errors that can still reach a firing
    /// (nothing at the last moment); (3) a dense vertex where fewer than a quarter of the neurons fire updates only
    /// their rows, leaving out terms whose gated error is 0 — the faithful update adds <c>(+0)·a</c> there, which
    /// changes no element unless a weight is −0 (never produced by an update) or some input is not finite (then the
    /// full update runs). Every value computed is computed by the same kernels in the same order as in the faithful
    /// simulation; what is skipped could differ only in the sign of a zero. The state left behind differs (skipped
    /// buffers are stale); the parameters do not, which the tests check bit for bit.
    /// </summary>
    private void RunFullyAutonomousSkipping(GraphParameters<T> p)
    {
        T gamma = T.CreateTruncating(Gamma);
        int n = Graph.Vertices.Count;
        for (int v = 0; v < n; v++)
        {
            Array.Clear(_fired[v]);
            _unfired[v] = _fired[v].Length == 0 ? 0 : State.Batch * Graph.Vertices[v].Size;
            _updated[v] = false;
        }

        for (int t = 0; t < Moments; t++)
        {
            bool last = t == Moments - 1;

            // 1. The errors of vertices where a neuron can fire now, and φ for them (nothing is applied yet, so every
            //    quantity of this moment still comes from the pre-update state, as in the synchronous moment).
            for (int v = 0; v < n; v++)
            {
                _formed[v] = false;
                _fires[v] = 0;
                if (_unfired[v] > 0 && _arrival[v] <= t)
                {
                    int size = State.Batch * Graph.Vertices[v].Size;
                    bool partial = last && 4 * _unfired[v] < size && _dense[v] && (v != Graph.Output || State.Loss.Kind == LossKind.SquaredError);
                    FormError(p, v, t, partial);
                    _fires[v] = Gate(v);
                    _unfired[v] -= _fires[v];
                }
            }

            // 2. What the rest of the step can still use, given the neurons that remain unfired.
            Liveness(t);
            for (int v = 0; v < n; v++)
            {
                if (_needEps[v] && !_formed[v] && _arrival[v] <= t)
                {
                    FormError(p, v, t, partial: false);
                }
            }

            for (int v = 0; v < n; v++)
            {
                if (_needDX[v] && _moves[v] <= t + 1)
                {
                    State.InferenceIncrement(p, v, gamma);
                }
            }

            // 3. The updates of the neurons that fired, then the inference increments.
            for (int v = 0; v < n; v++)
            {
                int fires = _fires[v];
                if (fires == 0)
                {
                    continue;
                }

                Span<T> gated = _gated[v].AsSpan(0, State.Batch * Graph.Vertices[v].Size);
                if (_dense[v] && 4 * fires < gated.Length)
                {
                    CheckFinite(v, gated, t);
                    UpdateRows(p, v, gated);
                }
                else
                {
                    Update(p, v, gated, t);
                }

                _updated[v] = true;
            }

            for (int v = 0; v < n; v++)
            {
                if (_needDX[v] && _moves[v] <= t + 1)
                {
                    State.ApplyIncrement(v);
                }
            }
        }
    }

    /// <summary>
    /// <c>ε_v,t</c> for the skipping Fa-Z-IL: <c>μ_v</c> is predicted again only when a parent's value or θ_v can have
    /// moved since t = 0 (else the stored <c>μ_v,0</c> is exact); with <paramref name="partial"/> only at unfired neurons.
    /// </summary>
    private void FormError(GraphParameters<T> p, int v, int t, bool partial)
    {
        bool parentMoved = _parentMoves[v] <= t;
        if (parentMoved)
        {
            State.Activate(v);
        }

        if (parentMoved || _updated[v])
        {
            if (partial)
            {
                PredictUnfired(p, v);
                return;
            }

            State.Predict(p, v, State.Mu);
        }

        State.Error(v);
        _formed[v] = true;
    }

    /// <summary>
    /// <c>μ_v</c> and <c>ε_v</c> of dense vertex v only where a neuron has not fired, each as the dense op's forward
    /// computes it (a <see cref="Dot"/> of the row, then <c>+ 1·β_i</c>); <c>ε = x − μ</c> also for the output under
    /// squared error.
    /// </summary>
    private void PredictUnfired(GraphParameters<T> p, int v)
    {
        int n = Graph.Vertices[v].Size, k = Graph.Vertices[_parents[v][0]].Size;
        ReadOnlySpan<T> a = State.A[Graph.Vertices[v].FirstEdge].AsSpan(0, State.Batch * k);
        T[] theta = p.Weight(v), beta = p.Bias(v);
        bool[] fired = _fired[v];
        Span<T> x = State.Rows(State.X, v), mu = State.Rows(State.Mu, v), eps = State.Rows(State.Eps, v);
        for (int b = 0; b < State.Batch; b++)
        {
            ReadOnlySpan<T> ab = a.Slice(b * k, k);
            for (int i = 0; i < n; i++)
            {
                int idx = (b * n) + i;
                if (fired[idx])
                {
                    continue;
                }

                T m = Dot.Compute<T>(ab, theta.AsSpan(i * k, k));
                if (beta.Length > 0)
                {
                    m += T.One * beta[i];
                }

                mu[idx] = m;
                eps[idx] = x[idx] - m;
            }
        }
    }

    /// <summary>
    /// The dense update of vertex v restricted to the rows where some gated error is non-zero. Each updated element is
    /// computed as <see cref="Gemm.AccumulateTN"/> computes it, except that terms with a zero error are left out of
    /// <c>Σ_b e_b a_b</c> and rows without any are left alone: with finite inputs such terms add a signed zero to a sum
    /// that is never −0, and such rows would receive <c>θ + (+0)</c>, which changes nothing unless θ is −0. When some
    /// input is not finite the full update runs. The bias is always updated in full, as the dense op does.
    /// </summary>
    private void UpdateRows(GraphParameters<T> p, int v, ReadOnlySpan<T> e)
    {
        int m = Graph.Vertices[v].Size, k = Graph.Vertices[_parents[v][0]].Size, batch = State.Batch;
        ReadOnlySpan<T> f = State.A[Graph.Vertices[v].FirstEdge].AsSpan(0, batch * k);
        T s = Rate(v);
        if (Elementwise.FirstNonFinite(f) >= 0)
        {
            State.Update(p, v, e, s);
            return;
        }

        T[] theta = p.Weight(v);
        Span<T> r = _row.AsSpan(0, k);
        for (int i = 0; i < m; i++)
        {
            Span<T> row = theta.AsSpan(i * k, k);
            if (batch == 1)
            {
                if (e[i] != T.Zero)
                {
                    Axpy.Compute(s * e[i], f, row);
                }

                continue;
            }

            bool any = false;
            for (int b = 0; b < batch; b++)
            {
                T eb = e[(b * m) + i];
                if (eb == T.Zero)
                {
                    continue;
                }

                if (!any)
                {
                    r.Clear();
                    any = true;
                }

                Axpy.Compute(eb, f.Slice(b * k, k), r);
            }

            if (any)
            {
                Axpy.Compute(s, r, row);
            }
        }

        T[] beta = p.Bias(v);
        if (beta.Length > 0)
        {
            BiasUpdate.Apply<T>(beta, s, e, batch);
        }
    }

    /// <summary>
    /// Which quantities of moment <paramref name="t"/> can still reach a firing or an update, by backward liveness over
    /// the remaining moments, after this moment's φ. A vertex with an unfired neuron may fire at any later moment, so
    /// its error is needed then. The error of u at moment s needs <c>x_u,s</c> and its parents' values (through μ_u);
    /// <c>x_v,s+1</c> needs <c>Δx_v,s</c>, which needs the errors of v and its children and the values its children's
    /// backward products read (v's and its co-parents'). Iterating from the last moment back to t gives <c>_needDX</c>
    /// (the hidden vertices whose value must be advanced at t) and <c>_needEps</c> (the errors that must be formed at t).
    /// The sets only shrink from one moment to the next (the unfired neurons only shrink), so a quantity skipped once is
    /// never needed later.
    /// </summary>
    private void Liveness(int t)
    {
        Array.Clear(_needDX);
        for (int s = Moments - 1; s > t; s--)
        {
            ErrorsNeeded();
            bool grew = false;
            for (int u = 0; u < _needEps.Length; u++)
            {
                if (_needEps[u])
                {
                    grew |= MarkX(u);
                    foreach (int q in _parents[u])
                    {
                        grew |= MarkX(q);
                    }
                }
            }

            for (int v = 0; v < _needDX.Length; v++)
            {
                if (_needDX[v])
                {
                    foreach (int c in _children[v])
                    {
                        foreach (int q in _parents[c])
                        {
                            grew |= MarkX(q);
                        }
                    }
                }
            }

            if (!grew)
            {
                break;
            }
        }

        ErrorsNeeded();
    }

    /// <summary>The errors needed from the current <c>_needDX</c>: unfired vertices, and v and its children for every needed <c>Δx_v</c>.</summary>
    private void ErrorsNeeded()
    {
        for (int u = 0; u < _needEps.Length; u++)
        {
            bool need = u != Graph.Input && (_unfired[u] > 0 || _needDX[u]);
            foreach (int q in _parents[u])
            {
                need |= _needDX[q];
            }

            _needEps[u] = need;
        }
    }

    /// <summary>Marks hidden vertex <paramref name="v"/>'s value as needed; returns whether it was new.</summary>
    private bool MarkX(int v)
    {
        if (!State.IsHidden(v) || _needDX[v])
        {
            return false;
        }

        _needDX[v] = true;
        return true;
    }

    private void CheckFinite(int v, ReadOnlySpan<T> error, int t)
    {
        int k = Elementwise.FirstNonFinite(error);
        if (k >= 0)
        {
            throw new TrainingDivergedException(StepIndex, $"{Name} error {State.Label("ε", v)} at moment t = {t} {State.Position(v, k)}");
        }
    }

    /// <summary>φ for vertex <paramref name="v"/>: the gated errors of the neurons that fire now (first non-zero error); returns how many.</summary>
    private int Gate(int v)
    {
        ReadOnlySpan<T> eps = State.Rows(State.Eps, v);
        Span<T> gated = _gated[v].AsSpan(0, eps.Length);
        bool[] fired = _fired[v];
        int fires = 0;
        for (int k = 0; k < eps.Length; k++)
        {
            // φ = 1 exactly once: at the first moment this neuron's error differs from 0.
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
    /// For each vertex, the first moment <c>a(v)</c> at which its error can be non-zero under C1, and the first moment
    /// <c>m(v)</c> at which its value can differ from its C1 value: <c>a(out) = 0</c>;
    /// <c>m(v) = 1 + min(a(v), min_children a(c))</c> for a hidden vertex (never for the clamped input and output);
    /// <c>a(v) = min(m(v), min over parents p of m(p))</c> (its error moves with its value or its prediction).
    /// Solved by relaxation to the least fixed point; unreachable moments stay at <see cref="int.MaxValue"/> / 2.
    /// </summary>
    internal static (int[] Arrival, int[] Moves) ArrivalMoments(CompiledGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        const int never = int.MaxValue / 2;
        int n = graph.Vertices.Count;
        int[] a = new int[n], m = new int[n];
        Array.Fill(a, never);
        Array.Fill(m, never);
        a[graph.Output] = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int v = 0; v < n; v++)
            {
                if (v == graph.Input || v == graph.Output)
                {
                    continue;
                }

                int first = a[v];
                foreach (int e in graph.Vertices[v].OutEdges)
                {
                    first = Math.Min(first, a[graph.Edges[e].Child]);
                }

                if (first < never && first + 1 < m[v])
                {
                    m[v] = first + 1;
                    changed = true;
                }
            }

            for (int v = 0; v < n; v++)
            {
                if (m[v] < a[v])
                {
                    a[v] = m[v];
                    changed = true;
                }

                GraphVertex vertex = graph.Vertices[v];
                for (int k = 0; k < vertex.InDegree; k++)
                {
                    int parent = graph.Edges[vertex.FirstEdge + k].Parent;
                    if (m[parent] < a[v])
                    {
                        a[v] = m[parent];
                        changed = true;
                    }
                }
            }
        }

        return (a, m);
    }

    private void IncrementAll(GraphParameters<T> p, T gamma)
    {
        for (int v = 0; v < Graph.Vertices.Count; v++)
        {
            if (State.IsHidden(v))
            {
                State.InferenceIncrement(p, v, gamma);
            }
        }
    }

    private void ApplyAll()
    {
        for (int v = 0; v < Graph.Vertices.Count; v++)
        {
            if (State.IsHidden(v))
            {
                State.ApplyIncrement(v);
            }
        }
    }

    private void Update(GraphParameters<T> p, int v, ReadOnlySpan<T> error, int t)
    {
        int k = Elementwise.FirstNonFinite(error);
        if (k >= 0)
        {
            throw new TrainingDivergedException(StepIndex, $"{Name} error {State.Label("ε", v)} at moment t = {t} {State.Position(v, k)}");
        }

        State.Update(p, v, error, Rate(v), _moment?.DeltaWeight, _moment?.DeltaBias);
    }
}
