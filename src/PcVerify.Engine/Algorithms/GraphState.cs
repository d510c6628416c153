using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

// Notation (docs/math.md §10, §11). Vertices by topological index v (the input first); edges e = (p → c) indexed.
//   X[v]    value x_v (BP: y_v). The input is clamped to s_in; in the PCN the output x_out to s_out.
//   A[e]    the activated parent value f_e(x_p) that child c consumes on edge e.
//   Mu[v]   prediction μ_v = F_v(f_e(x_p) for e into v; θ_v).
//   Eps[v]  error ε_v = x_v − μ_v; ε_out = −∂ℒ/∂μ_out (docs/math.md §11). BP keeps δ_v here.
//   H[v]    Σ_{e = (v → c)} f'_e(x_v) ⊙ J_eᵀ e_c: the backward sum (BP: δ_v; PC: the second term of Δx_v).
//   DX[v]   Δx_v = γ(−ε_v + H[v]) for every hidden (non-input, non-output) vertex.
// Rows of every buffer are the pairs of a batch (B × size, NCHW for images).

/// <summary>
/// The buffers of one learner on a <see cref="CompiledGraph"/> and the per-vertex steps every graph algorithm is
/// built from (docs/math.md §10): activate a vertex's incoming edges, predict it, form its error, its backward sum, its
/// inference increment and its parameter update. Each algorithm (BP, IL, Z-IL, Fa-Z-IL) is written once over these.
/// Allocated once for <see cref="Capacity"/> pairs; no step allocates.
/// </summary>
/// <remarks>
/// The layered learners are views of the graph learners on the chain from <see cref="GraphSpec.Chain"/>. On a chain
/// every step calls the kernels the earlier layered engine called, in its order (the dense op's prediction, backward
/// product and update are its <c>θ f + β</c>, <c>δ θ</c> and <c>s Σ_b e_b f_bᵀ</c>; <c>δ = f' ⊙ g</c> is the same product;
/// <c>Δx = γ((−ε) + 1·h)</c> with <c>h = f' ⊙ g</c> rounds exactly as its fused <c>γ((−ε) + f'·g)</c> because multiplying
/// by 1 is exact), so the results pinned before the layered learners became views stay bit for bit.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IVertexOp<T>?[] _ops;
    private readonly T[] _fp;
    private readonly T[] _g;
    private readonly T[] _ones;
    private readonly bool[] _hidden;
    private readonly bool[] _sharesValue;

    // Per hidden vertex: the first non-finite element of μ_v,0, found while the feedforward pass copies it (−1: none).
    private readonly int[] _firstNonFiniteMu;

    // The outgoing edges per vertex as arrays: a foreach over the graph's IReadOnlyList would allocate an enumerator.
    private readonly int[][] _outEdges;

    // On a chain from GraphSpec.Chain (vertex v is the paper's layer L − v, named x{L−v}): the layer of each vertex,
    // so that messages name δ^l, ε^l, μ^l as the layered engine always has; null on other graphs.
    private readonly int[]? _layer;

    /// <summary>Allocates the buffers for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="loss">The output loss (default squared error).</param>
    public GraphState(CompiledGraph graph, int capacity, OutputLoss? loss = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Graph = graph;
        Capacity = capacity;
        Loss = loss ?? OutputLoss.SquaredError;
        int n = graph.Vertices.Count;
        Forward = new GraphForward<T>(graph, capacity);
        _ops = Forward.Ops;
        Mu = new T[n][];
        Eps = new T[n][];
        H = new T[n][];
        DX = new T[n][];
        _hidden = new bool[n];
        _outEdges = [.. graph.Vertices.Select(v => v.OutEdges.ToArray())];
        int max = 1;
        for (int v = 0; v < n; v++)
        {
            int size = graph.Vertices[v].Size * capacity;
            max = Math.Max(max, size);
            bool input = v == graph.Input;
            _hidden[v] = !input && v != graph.Output;
            Mu[v] = input ? [] : new T[size];
            Eps[v] = input ? [] : new T[size];
            H[v] = _hidden[v] ? new T[size] : [];
            DX[v] = _hidden[v] ? new T[size] : [];
        }

        _sharesValue = [.. Enumerable.Range(0, n).Select(v => _outEdges[v].Any(e => ReferenceEquals(A[e], X[v])))];
        _firstNonFiniteMu = new int[n];
        _layer = ChainLayers(graph);
        _fp = new T[max];
        _g = new T[max];
        _ones = new T[max];
        _ones.AsSpan().Fill(T.One);
    }

    /// <summary>The graph.</summary>
    public CompiledGraph Graph { get; }

    /// <summary>The largest batch.</summary>
    public int Capacity { get; }

    /// <summary>The output loss (docs/math.md §11).</summary>
    public OutputLoss Loss { get; }

    /// <summary>The number of pairs currently held.</summary>
    public int Batch { get; private set; }

    /// <summary>The forward pass whose buffers hold <see cref="X"/> and <see cref="A"/> (BP's forward and the PCN's C1 are this pass).</summary>
    public GraphForward<T> Forward { get; }

    /// <summary><c>x_v</c> (BP: <c>y_v</c>) by vertex: the forward pass's <c>Y</c>.</summary>
    public T[][] X => Forward.Y;

    /// <summary><c>μ_v</c> by vertex (empty for the input).</summary>
    public T[][] Mu { get; }

    /// <summary><c>ε_v</c> (BP: <c>δ_v</c>) by vertex (empty for the input).</summary>
    public T[][] Eps { get; }

    /// <summary><c>f_e(x_p)</c> by edge: the forward pass's <c>A</c> (the very array <c>x_p</c> when <c>f_e</c> is the identity).</summary>
    public T[][] A => Forward.A;

    /// <summary>The backward sum <c>Σ_e f'_e(x_v) ⊙ J_eᵀ e_c</c> by hidden vertex.</summary>
    public T[][] H { get; }

    /// <summary><c>Δx_v</c> by hidden vertex.</summary>
    public T[][] DX { get; }

    /// <summary>Whether <paramref name="v"/> is hidden (neither the input nor the output).</summary>
    public bool IsHidden(int v) => _hidden[v];

    /// <summary>Whether vertex <paramref name="v"/> has parameters.</summary>
    public bool HasParameters(int v) => _ops[v]?.HasParameters == true;

    /// <summary>The first <c>Batch · size</c> elements of a vertex buffer.</summary>
    public Span<T> Rows(T[][] buffer, int v)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer[v].AsSpan(0, Batch * Graph.Vertices[v].Size);
    }

    /// <summary>Clamps the input to <paramref name="inputs"/> and the output to <paramref name="targets"/> for <paramref name="batch"/> pairs (the PCN).</summary>
    public void Clamp(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
    {
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Capacity}");
        }

        Shapes.CheckLength(inputs.Length, batch * Graph.InputSize, nameof(inputs));
        Shapes.CheckLength(targets.Length, batch * Graph.OutputSize, nameof(targets));
        Batch = batch;
        inputs.CopyTo(X[Graph.Input]);
        targets.CopyTo(X[Graph.Output]);
    }

    /// <summary>Starts a batch of <paramref name="batch"/> pairs for BP: only the input is clamped.</summary>
    public void ClampInput(ReadOnlySpan<T> inputs, int batch)
    {
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Capacity}");
        }

        Shapes.CheckLength(inputs.Length, batch * Graph.InputSize, nameof(inputs));
        Batch = batch;
        inputs.CopyTo(X[Graph.Input]);
    }

    /// <summary><c>A[e] = f_e(x_p)</c> for every edge into <paramref name="v"/>.</summary>
    public void Activate(int v)
    {
        GraphVertex vertex = Graph.Vertices[v];
        for (int k = 0; k < vertex.InDegree; k++)
        {
            GraphEdge e = Graph.Edges[vertex.FirstEdge + k];
            if (!ReferenceEquals(A[e.Index], X[e.Parent]))
            {
                e.Activation.Apply<T>(Rows(X, e.Parent), A[e.Index].AsSpan(0, Batch * Graph.Vertices[e.Parent].Size));
            }
        }
    }

    /// <summary><c>μ_v = F_v(A; θ_v)</c> into <paramref name="into"/> (μ for the PCN, x for BP), after <see cref="Activate"/>.</summary>
    public void Predict(GraphParameters<T> p, int v, T[][] into)
    {
        ArgumentNullException.ThrowIfNull(into);
        _ops[v]!.Forward(p, Inputs(v), Rows(into, v), Batch);
    }

    /// <summary><c>ε_v = x_v − μ_v</c>, or <c>ε_out = −∂ℒ(s_out, μ_out)/∂μ_out</c> for the output.</summary>
    public void Error(int v)
    {
        if (v == Graph.Output)
        {
            Loss.Error<T>(Rows(X, v), Rows(Mu, v), Rows(Eps, v), Batch, Graph.OutputSize);
        }
        else
        {
            Elementwise.Subtract<T>(Rows(X, v), Rows(Mu, v), Rows(Eps, v));
        }
    }

    /// <summary>The feedback used in every input-Jᵀ in place of θ (null: θ itself; docs/math.md §12).</summary>
    public GraphFeedback<T>? Feedback { get; set; }

    /// <summary>
    /// The backward sum of hidden vertex <paramref name="v"/> into <paramref name="result"/>:
    /// <c>Σ_{e = (v → c)} f'_e(x_v) ⊙ J_eᵀ err_c</c> over its outgoing edges in index order, from <paramref name="errors"/>
    /// (ε in the PCN, δ in BP) and the current <see cref="A"/> of each child.
    /// </summary>
    public void BackwardSum(GraphParameters<T> p, int v, T[][] errors, Span<T> result)
    {
        ArgumentNullException.ThrowIfNull(errors);
        GraphVertex vertex = Graph.Vertices[v];
        int n = Batch * vertex.Size;
        Span<T> fp = _fp.AsSpan(0, n), g = _g.AsSpan(0, n), h = result[..n];
        ReadOnlySpan<T> x = Rows(X, v);
        bool first = true;
        bool direct = Feedback?.Kind == FeedbackKind.Direct;
        if (direct)
        {
            // DFA: g = B_v err_out, the same for every outgoing edge (docs/math.md §12).
            Gemm.MultiplyNN<T>(Rows(errors, Graph.Output), Batch, Graph.OutputSize, Feedback!.Direct(v), vertex.Size, g);
        }

        foreach (int ei in _outEdges[v])
        {
            GraphEdge e = Graph.Edges[ei];
            if (!direct)
            {
                _ops[e.Child]!.InputGradient(e.Slot, Feedback is null ? p : Feedback.Backward(p), Inputs(e.Child), Rows(errors, e.Child), g, Batch, accumulate: false);
            }

            e.Activation.ApplyDerivative<T>(x, fp);
            if (first)
            {
                Elementwise.Multiply<T>(fp, g, h);
                first = false;
            }
            else
            {
                Elementwise.Multiply<T>(fp, g, fp);
                Axpy.Compute<T>(T.One, fp, h);
            }
        }
    }

    /// <summary><c>Δx_v = γ((−ε_v) + H_v)</c> (docs/math.md §10 inference, Eq. 7 on a graph) for hidden <paramref name="v"/>, from the pre-update θ.</summary>
    public void InferenceIncrement(GraphParameters<T> p, int v, T gamma)
    {
        BackwardSum(p, v, Eps, H[v]);
        Span<T> dx = Rows(DX, v);
        Elementwise.InferenceIncrement<T>(gamma, Rows(Eps, v), _ones.AsSpan(0, dx.Length), Rows(H, v), dx);
    }

    /// <summary>
    /// <see cref="Error"/> then <see cref="InferenceIncrement"/> of hidden <paramref name="v"/> at its C1 state (x_v still
    /// <c>μ_v,0</c>; event-driven Z-IL after <see cref="Feedforward"/> with <c>eventDriven</c>), with the elementwise work
    /// in one pass (<see cref="Elementwise.ErrorAndIncrement{T}"/>: the same operations per element, bit for bit, with x
    /// standing for μ). The backward products run first: they read the children's errors and <c>x_v</c>, never <c>ε_v</c>.
    /// Stores Δx only (<see cref="ApplyIncrementAndError"/> forms ε).
    /// </summary>
    public void ErrorAndIncrement(GraphParameters<T> p, int v, T gamma)
    {
        BackwardFactors(p, v, out Span<T> fp, out Span<T> g);
        Elementwise.ErrorAndIncrement<T>(gamma, Rows(X, v), fp, g, Rows(DX, v));
    }

    /// <summary>
    /// <see cref="ApplyIncrement"/> then <see cref="Error"/> of hidden <paramref name="v"/> in one pass, bit for bit, with
    /// the value before the increment standing for <c>μ_v,0</c> (after <see cref="ErrorAndIncrement"/>).
    /// </summary>
    public void ApplyIncrementAndError(int v) => Elementwise.ApplyAndError<T>(Rows(DX, v), Rows(X, v), Rows(Eps, v));

    /// <summary>
    /// <see cref="ErrorAndIncrement"/> then <see cref="ApplyIncrementAndError"/> of hidden <paramref name="v"/> with the
    /// elementwise work in one pass (<see cref="Elementwise.IncrementAndApply{T}"/>, bit for bit; Δx is not stored). Only
    /// for a vertex whose value no child reads directly (<see cref="SharesValue"/> false): the children's updates, which
    /// run between the two halves in event-driven Z-IL, then read <c>f_e(x_v)</c> from their own arrays, untouched by the
    /// increment.
    /// </summary>
    public void IncrementAndApply(GraphParameters<T> p, int v, T gamma)
    {
        BackwardFactors(p, v, out Span<T> fp, out Span<T> g);
        Elementwise.IncrementAndApply<T>(gamma, fp, g, Rows(X, v), Rows(Eps, v));
    }

    /// <summary>
    /// The backward sum of hidden <paramref name="v"/> from the PC errors as two factors whose elementwise product
    /// <c>fp ⊙ g</c> the one-pass kernels form as <see cref="BackwardSum"/>'s <see cref="Elementwise.Multiply{T}"/> does:
    /// with one outgoing edge <c>f'_e(x_v)</c> and <c>J_eᵀ ε_c</c> (the sum itself is never stored); otherwise 1 and the
    /// sum (multiplying by 1 is exact).
    /// </summary>
    private void BackwardFactors(GraphParameters<T> p, int v, out Span<T> fp, out Span<T> g)
    {
        int n = Batch * Graph.Vertices[v].Size;
        int[] edges = _outEdges[v];
        if (edges.Length != 1 || Feedback?.Kind == FeedbackKind.Direct)
        {
            BackwardSum(p, v, Eps, H[v]);
            fp = _ones.AsSpan(0, n);
            g = Rows(H, v);
            return;
        }

        GraphEdge e = Graph.Edges[edges[0]];
        fp = _fp.AsSpan(0, n);
        g = _g.AsSpan(0, n);
        _ops[e.Child]!.InputGradient(e.Slot, Feedback is null ? p : Feedback.Backward(p), Inputs(e.Child), Rows(Eps, e.Child), g, Batch, accumulate: false);
        e.Activation.ApplyDerivative<T>(Rows(X, v), fp);
    }

    /// <summary>Whether some edge out of <paramref name="v"/> is the identity, so that a child's <see cref="A"/> is <c>x_v</c>'s own array.</summary>
    public bool SharesValue(int v) => _sharesValue[v];

    /// <summary><c>x_v ← x_v + Δx_v</c>.</summary>
    public void ApplyIncrement(int v) => Axpy.Compute<T>(T.One, Rows(DX, v), Rows(X, v));

    /// <summary>
    /// The parameter rule of vertex <paramref name="v"/> with error <paramref name="error"/> (ε, δ, or φ ⊙ ε):
    /// <c>θ_v += s Σ_b (∂F_v/∂θ_v)ᵀ e_b</c> from the current <see cref="A"/>; nothing for a vertex without parameters.
    /// </summary>
    public void Update(GraphParameters<T> p, int v, ReadOnlySpan<T> error, T s) => Update(p, v, error, s, null, null);

    /// <summary>
    /// <see cref="Update(GraphParameters{T}, int, ReadOnlySpan{T}, T)"/>; with <paramref name="recordWeight"/>, the update is
    /// first computed into new arrays stored at index <paramref name="v"/> (the bias's only when the vertex has one) and then
    /// added — bit for bit the direct update: the kernel forms the same <c>s·r</c> and <c>0 + s·r</c> is <c>s·r</c>
    /// (up to the sign of a zero, which <c>θ + ±0</c> ignores unless θ is −0, never produced by an update).
    /// </summary>
    public void Update(GraphParameters<T> p, int v, ReadOnlySpan<T> error, T s, T[]?[]? recordWeight, T[]?[]? recordBias)
    {
        ArgumentNullException.ThrowIfNull(p);
        IVertexOp<T> op = _ops[v]!;
        if (!op.HasParameters)
        {
            return;
        }

        T[] weight = p.Weight(v), bias = p.Bias(v);
        if (recordWeight is null)
        {
            op.UpdateParameters(Inputs(v), error, Batch, s, weight, bias);
            return;
        }

        T[] dw = new T[weight.Length], db = new T[bias.Length];
        op.UpdateParameters(Inputs(v), error, Batch, s, dw, db);
        Axpy.Compute<T>(T.One, dw, weight);
        recordWeight[v] = dw;
        if (bias.Length > 0)
        {
            Axpy.Compute<T>(T.One, db, bias);
            if (recordBias is not null)
            {
                recordBias[v] = db;
            }
        }
    }

    /// <summary>
    /// How a divergence message names a quantity of vertex <paramref name="v"/>: <c>δ^l</c> on a chain (the paper's
    /// layer), else <c>δ of vertex 'name'</c>.
    /// </summary>
    internal string Label(string symbol, int v) =>
        _layer is null ? $"{symbol} of vertex '{Graph.Vertices[v].Name}'" : $"{symbol}^{_layer[v]}";

    /// <summary>Where element <paramref name="k"/> of a vertex buffer is: <c>(pair b, neuron i)</c> on a chain, <c>(pair b, element i)</c> else.</summary>
    internal string Position(int v, int k)
    {
        int n = Graph.Vertices[v].Size;
        return $"(pair {k / n}, {(_layer is null ? "element" : "neuron")} {k % n})";
    }

    /// <summary>The layer of each vertex when the graph is a chain as <see cref="GraphSpec.Chain"/> builds it (names <c>x{L−v}</c>, one parent each), else null.</summary>
    private static int[]? ChainLayers(CompiledGraph graph)
    {
        int n = graph.Vertices.Count, depth = n - 1;
        int[] layer = new int[n];
        for (int v = 0; v < n; v++)
        {
            GraphVertex vertex = graph.Vertices[v];
            if (vertex.Name != $"x{depth - v}" || vertex.InDegree != (v == 0 ? 0 : 1) || (v > 0 && graph.InEdge(v, 0).Parent != v - 1))
            {
                return null;
            }

            layer[v] = depth - v;
        }

        return layer;
    }

    /// <summary>
    /// The feedforward pass in topological order (<see cref="GraphForward{T}.Evaluate"/>): for BP <c>y_v = F_v(...)</c>;
    /// for the PCN (<paramref name="pcn"/>) C1, <c>x_v,0 = μ_v,0</c> also kept in <see cref="Mu"/>, plus <c>σ·N(0,1)</c>
    /// per element of each hidden vertex, drawn in topological order so each μ comes from already-noisy parents (a
    /// chain draws as the layered engine does); the clamped output gets <c>μ_out,0</c> only; then every error. With
    /// <paramref name="eventDriven"/> (σ = 0) only the output's error is formed and the hidden <c>μ_v,0</c> are not copied:
    /// event-driven Z-IL forms each hidden error itself before anything reads it, and until then <c>x_v</c> is
    /// <c>μ_v,0</c> bit for bit, so the one-pass kernels read x for μ (<see cref="Mu"/> of hidden vertices is then left
    /// as it was); the first non-finite element of each is still found here (<see cref="FirstNonFinitePrediction"/>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="eventDriven"/> with σ &gt; 0 or for BP.</exception>
    public void Feedforward(GraphParameters<T> p, bool pcn, double sigma = 0, Rng? noise = null, bool eventDriven = false)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (eventDriven && (sigma > 0 || !pcn))
        {
            throw new ArgumentException("the event-driven C1 needs the predictive-coding pass with σ = 0", nameof(eventDriven));
        }

        for (int v = 0; v < X.Length; v++)
        {
            if (v == Graph.Input)
            {
                continue;
            }

            if (!pcn)
            {
                Forward.Evaluate(v, p, Batch);
                continue;
            }

            if (v == Graph.Output)
            {
                Activate(v);
                Predict(p, v, Mu);
                continue;
            }

            Forward.Evaluate(v, p, Batch);
            Span<T> x = Rows(X, v);
            _firstNonFiniteMu[v] = eventDriven ? Elementwise.FirstNonFinite<T>(x) : Elementwise.CopyFirstNonFinite<T>(x, Rows(Mu, v));
            if (sigma > 0)
            {
                Rng rng = noise ?? throw new ArgumentNullException(nameof(noise), "σ > 0 needs a noise generator");
                for (int k = 0; k < x.Length; k++)
                {
                    x[k] += T.CreateTruncating(sigma * rng.NextNormal());
                }
            }
        }

        if (pcn)
        {
            for (int v = 0; v < X.Length; v++)
            {
                if (v != Graph.Input && (!eventDriven || v == Graph.Output))
                {
                    Error(v);
                }
            }
        }
    }

    private ReadOnlySpan<T[]> Inputs(int v)
    {
        GraphVertex vertex = Graph.Vertices[v];
        return A.AsSpan(vertex.FirstEdge, vertex.InDegree);
    }

    /// <summary>
    /// The index of the first non-finite element of <c>μ_v</c> as the last predictive-coding <see cref="Feedforward"/>
    /// left it, or −1: for a hidden vertex found by that pass (while copying <c>x_v,0</c> into <c>μ_v</c>, or alone when
    /// event-driven), for the output searched now.
    /// </summary>
    public int FirstNonFinitePrediction(int v) =>
        _hidden[v] ? _firstNonFiniteMu[v] : Elementwise.FirstNonFinite<T>(Rows(Mu, v));

    /// <summary>First half of a synchronous moment: every <c>f_e(x_p)</c>, <c>μ_v</c> and <c>ε_v</c> from <c>(x_t, θ_t)</c>.</summary>
    public void PredictAll(GraphParameters<T> p)
    {
        for (int v = 0; v < X.Length; v++)
        {
            if (v != Graph.Input)
            {
                Activate(v);
                Predict(p, v, Mu);
                Error(v);
            }
        }
    }

    /// <summary>The energy <c>F_t = ℒ(s_out, μ_out) + Σ_{hidden v} ½‖ε_v‖²</c> summed over the batch (after <see cref="PredictAll"/>), the hidden vertices from the output side.</summary>
    public double Energy()
    {
        double f = Loss.Value<T>(Rows(X, Graph.Output), Rows(Mu, Graph.Output), Batch, Graph.OutputSize);

        // From the output side (reverse topological order): on a chain, layers 1..L−1 as the paper sums them.
        for (int v = X.Length - 1; v >= 0; v--)
        {
            if (_hidden[v])
            {
                foreach (T e in Rows(Eps, v))
                {
                    double d = double.CreateTruncating(e);
                    f += 0.5 * d * d;
                }
            }
        }

        return f;
    }
}
