using System.Globalization;
using System.Numerics;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// Feedback B in place of θ in every vertex's input-Jᵀ (docs/math.md §12) on a computation graph: dense and conv2d
/// vertices send errors back through a tensor B of their weight's shape (conv: the transposed convolution with
/// kernel B), in BP's δ and in the PC inference sum alike; the updates keep using θ. The matrices live in a
/// <see cref="GraphParameters{T}"/> of their own, handed to the ops' InputGradient in place of θ; with
/// <see cref="FeedbackKind.Symmetric"/> θ itself is handed over, so the default is today's arithmetic bit for bit.
/// Random, sign, Kolen–Pollack and the weight decay follow docs/decisions.md "Weight transport"; the k-th weighted
/// vertex counted from the output side uses stream k of <see cref="RngDomain.Feedback"/>, drawn like its θ (fan-in
/// dense in, conv in·kh·kw) in row-major order of <c>Bᵀ</c> (the weight read as <c>out × rest</c>, column by column).
/// <para>Direct feedback (DFA, Nøkland 2016; BP only): every hidden vertex <c>v</c> gets <c>B_v</c>, mapping the output
/// error straight to it: <c>δ_v = Σ_e f'_e(x_v) ⊙ B_v δ_out</c>; <c>B_v</c> is stored as <c>M_v = B_vᵀ</c>
/// (<c>size_out × size_v</c>), drawn from stream k for the k-th hidden vertex from the output side with fan-in
/// <c>size_out</c>, fan-out <c>size_v</c>. On a chain the streams, draw orders and scales are the layered engine's
/// (layer l = stream l), so <see cref="Feedback{T}"/> is a view of this class.</para>
/// </summary>
public sealed class GraphFeedback<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GraphParameters<T> _b;
    private readonly GraphParameters<T>? _before;
    private readonly T[][] _direct;
    private readonly double[] _signScale;

    private GraphFeedback(CompiledGraph graph, FeedbackKind kind, double weightDecay)
    {
        Kind = kind;
        WeightDecay = weightDecay;
        Graph = graph;
        _b = new GraphParameters<T>(graph);
        _before = kind == FeedbackKind.KolenPollack ? new GraphParameters<T>(graph) : null;
        _direct = new T[graph.Vertices.Count][];
        for (int v = 0; v < _direct.Length; v++)
        {
            bool hidden = v != graph.Input && v != graph.Output;
            _direct[v] = kind == FeedbackKind.Direct && hidden ? new T[graph.OutputSize * graph.Vertices[v].Size] : [];
        }

        _signScale = new double[graph.Vertices.Count];
    }

    private GraphFeedback(GraphFeedback<T> other)
    {
        Kind = other.Kind;
        WeightDecay = other.WeightDecay;
        Graph = other.Graph;
        _b = other._b.Clone();
        _before = other._before?.Clone();
        _direct = [.. other._direct.Select(m => (T[])m.Clone())];
        _signScale = (double[])other._signScale.Clone();
    }

    /// <summary>The kind of feedback.</summary>
    public FeedbackKind Kind { get; }

    /// <summary>The weight decay λ ≥ 0.</summary>
    public double WeightDecay { get; }

    /// <summary>The graph.</summary>
    public CompiledGraph Graph { get; }

    /// <summary>Creates the feedback of <paramref name="graph"/>.</summary>
    /// <exception cref="InvalidInputException">λ is negative or not finite.</exception>
    public static GraphFeedback<T> Create(CompiledGraph graph, FeedbackKind kind, ulong seed, InitScheme scheme = InitScheme.HeNormal, double scale = 1.0, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
        {
            throw new InvalidInputException($"weight decay λ must be finite and ≥ 0, found {weightDecay}");
        }

        GraphFeedback<T> f = new(graph, kind, weightDecay);
        ulong stream = 0, hidden = 0;
        for (int v = graph.Vertices.Count - 1; v >= 0; v--)
        {
            GraphVertex vertex = graph.Vertices[v];
            if (kind == FeedbackKind.Direct)
            {
                if (v != graph.Input && v != graph.Output)
                {
                    // M_v = B_vᵀ: size_out × size_v; fan-in size_out, fan-out size_v.
                    Draw(f._direct[v], graph.OutputSize, vertex.Size, scheme, scale, graph.OutputSize, vertex.Size, Rng.Derive(seed, RngDomain.Feedback, ++hidden));
                }

                continue;
            }

            if (vertex.WeightShape.Count == 0)
            {
                continue;
            }

            (int fanIn, int fanOut) = GraphParameters<T>.Fans(vertex);
            f._signScale[v] = InitialDeviation(scheme, scale, fanIn, fanOut);
            Rng rng = Rng.Derive(seed, RngDomain.Feedback, ++stream);
            if (kind is FeedbackKind.Random or FeedbackKind.KolenPollack)
            {
                T[] b = f._b.Weight(v);
                int rows = vertex.WeightShape[0];
                Draw(b, rows, b.Length / rows, scheme, scale, fanIn, fanOut, rng);
            }
        }

        return f;
    }

    /// <summary>The standard deviation of the weights <paramref name="scheme"/> draws for fan-in/fan-out (sign feedback's scale).</summary>
    public static double InitialDeviation(InitScheme scheme, double scale, int fanIn, int fanOut) => scheme switch
    {
        InitScheme.HeNormal => scale * Math.Sqrt(2.0 / fanIn),
        InitScheme.XavierUniform => scale * Math.Sqrt(2.0 / (fanIn + fanOut)),
        _ => scale,
    };

    /// <summary>A deep copy (for measuring with a trained learner's B without changing it).</summary>
    public GraphFeedback<T> Clone() => new(this);

    /// <summary>The parameters whose weights the ops' input-Jᵀ uses: θ itself when symmetric, else B (biases unused there).</summary>
    public GraphParameters<T> Backward(GraphParameters<T> p) => Kind == FeedbackKind.Symmetric ? p : _b;

    /// <summary>B of vertex <paramref name="v"/> (θ's own array when symmetric), in the weight's storage order; for direct, <see cref="Direct"/>.</summary>
    public T[] Weight(GraphParameters<T> p, int v)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Kind == FeedbackKind.Direct ? _direct[v] : Backward(p).Weight(v);
    }

    /// <summary>B of vertex <paramref name="v"/> as held here (not θ's array when symmetric): direct's <see cref="Direct"/>, else the weight-shaped B.</summary>
    internal T[] Own(int v) => Kind == FeedbackKind.Direct ? _direct[v] : _b.Weight(v);

    /// <summary>Direct feedback's <c>M_v = B_vᵀ</c> (<c>size_out × size_v</c>, row-major) of hidden vertex <paramref name="v"/>; empty otherwise.</summary>
    public T[] Direct(int v) => _direct[v];

    /// <summary>Before a step's first backward product: sign feedback follows θ; Kolen–Pollack records θ.</summary>
    public void BeginStep(GraphParameters<T> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int v = 0; v < p.Graph.Vertices.Count; v++)
        {
            T[] theta = p.Weight(v);
            if (Kind == FeedbackKind.Sign)
            {
                T s = T.CreateTruncating(_signScale[v]);
                T[] b = _b.Weight(v);
                for (int k = 0; k < b.Length; k++)
                {
                    b[k] = theta[k] > T.Zero ? s : theta[k] < T.Zero ? -s : T.Zero;
                }
            }
            else if (_before is not null)
            {
                theta.CopyTo(_before.Weight(v), 0);
            }
        }
    }

    /// <summary>After a step's updates: Kolen–Pollack's <c>B += θ − θ_before</c>, then <c>θ ← (1 − αλ)θ</c> (and B for Kolen–Pollack).</summary>
    public void EndStep(GraphParameters<T> p, double alpha)
    {
        ArgumentNullException.ThrowIfNull(p);
        T keep = T.CreateTruncating(1.0 - (alpha * WeightDecay));
        for (int v = 0; v < p.Graph.Vertices.Count; v++)
        {
            T[] theta = p.Weight(v);
            if (_before is not null)
            {
                T[] b = _b.Weight(v), before = _before.Weight(v);
                for (int k = 0; k < b.Length; k++)
                {
                    b[k] += theta[k] - before[k];
                    if (WeightDecay > 0)
                    {
                        b[k] *= keep;
                    }
                }
            }

            if (WeightDecay > 0)
            {
                for (int k = 0; k < theta.Length; k++)
                {
                    theta[k] *= keep;
                }
            }
        }
    }

    /// <summary>Fills <paramref name="m"/> (<c>rows × cols</c>, row-major) column by column, i.e. <c>mᵀ</c> row-major, from <paramref name="rng"/>.</summary>
    private static void Draw(T[] m, int rows, int cols, InitScheme scheme, double scale, int fanIn, int fanOut, Rng rng)
    {
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                double x = scheme switch
                {
                    InitScheme.HeNormal => scale * Math.Sqrt(2.0 / fanIn) * rng.NextNormal(),
                    InitScheme.XavierUniform => scale * Math.Sqrt(6.0 / (fanIn + fanOut)) * rng.NextUniform(-1.0, 1.0),
                    _ => scale * rng.NextNormal(),
                };
                m[(i * cols) + j] = T.CreateTruncating(x);
            }
        }
    }

    /// <summary>
    /// Where a kind's own B is saved (docs/decisions.md "Graph feedback in NPZ"): random and Kolen–Pollack B of each
    /// weight as <c>feedback.&lt;weight key&gt;</c> in the weight's shape and storage order; direct feedback's
    /// <c>M_v = B_vᵀ</c> of each hidden vertex as <c>feedback.&lt;vertex&gt;</c> of shape (output size, vertex size).
    /// Symmetric and sign feedback are computed from θ and have no slots.
    /// </summary>
    public static IReadOnlyList<(string Key, int Vertex, int[] Shape)> Slots(CompiledGraph graph, FeedbackKind kind)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return kind switch
        {
            FeedbackKind.Random or FeedbackKind.KolenPollack =>
                [.. graph.ParameterSlots.Where(s => !s.IsBias).Select(s => (GraphParameterIo.FeedbackPrefix + s.Key, s.Vertex, s.Shape.ToArray()))],
            FeedbackKind.Direct =>
                [.. Enumerable.Range(0, graph.Vertices.Count).Where(v => v != graph.Input && v != graph.Output)
                    .Select(v => (GraphParameterIo.FeedbackPrefix + graph.Vertices[v].Name, v, new[] { graph.OutputSize, graph.Vertices[v].Size }))],
            _ => [],
        };
    }

    /// <summary>This feedback's own B as named arrays (<see cref="Slots"/>), for NPZ; empty for symmetric and sign feedback.</summary>
    public Dictionary<string, NpyArray> ToArrays(NpyDType dtype)
    {
        Dictionary<string, NpyArray> arrays = new(StringComparer.Ordinal);
        foreach ((string key, int v, int[] shape) in Slots(Graph, Kind))
        {
            arrays[key] = new NpyArray(shape, [.. Own(v).Select(double.CreateTruncating)], dtype);
        }

        return arrays;
    }

    /// <summary>
    /// Feedback of <paramref name="kind"/> whose B is given as named arrays (<see cref="Slots"/>; e.g. read back from
    /// NPZ by <see cref="GraphParameterIo.Load{T}(string, CompiledGraph, out IReadOnlyDictionary{string, NpyArray})"/>):
    /// every slot present, no other key, each shape exact, every value finite. <paramref name="source"/> prefixes each message.
    /// </summary>
    /// <exception cref="InvalidInputException">The kind keeps no B of its own (symmetric, sign), or a key is missing or
    /// unexpected, a shape is wrong or a value is not finite; one line naming the key, expected and found.</exception>
    public static GraphFeedback<T> FromArrays(CompiledGraph graph, FeedbackKind kind, IReadOnlyDictionary<string, NpyArray> arrays, string source, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(arrays);
        if (!FeedbackKinds.HoldsMatrices(kind))
        {
            string first = arrays.Keys.Order(StringComparer.Ordinal).FirstOrDefault() ?? GraphParameterIo.FeedbackPrefix;
            throw new InvalidInputException(
                $"{source}: has key '{first}' (feedback B), which only --feedback random, kp or direct uses (found --feedback {FeedbackKinds.Name(kind)})");
        }

        IReadOnlyList<(string Key, int Vertex, int[] Shape)> slots = Slots(graph, kind);
        HashSet<string> expected = [.. slots.Select(s => s.Key)];
        string? extra = arrays.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException(
                $"{source}: key '{extra}' is not feedback of the graph for --feedback {FeedbackKinds.Name(kind)}; expected keys: {string.Join(", ", expected)}");
        }

        GraphFeedback<T> f = Create(graph, kind, 0, InitScheme.HeNormal, 1.0, weightDecay);
        foreach ((string key, int v, int[] shape) in slots)
        {
            if (!arrays.TryGetValue(key, out NpyArray? a))
            {
                throw new InvalidInputException(
                    $"{source}: feedback key '{key}' (shape {ShapeInference.Format(shape)}) not found; a file holds all of B or none");
            }

            if (!a.Shape.SequenceEqual(shape))
            {
                throw new InvalidInputException(
                    $"{source}: key '{key}' has shape {ShapeInference.Format(a.Shape)}, expected {ShapeInference.Format(shape)} (vertex '{graph.Vertices[v].Name}')");
            }

            if (a.DType is not (NpyDType.Float32 or NpyDType.Float64))
            {
                throw new InvalidInputException($"{source}: key '{key}' has dtype {a.DType}, expected float32 or float64");
            }

            T[] m = f.Own(v);
            for (int k = 0; k < m.Length; k++)
            {
                double x = a.Data[k];
                if (!double.IsFinite(x))
                {
                    throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture, $"{source}: key '{key}' element {k} is {x}; feedback must be finite"));
                }

                m[k] = T.CreateTruncating(x);
            }
        }

        return f;
    }

    /// <summary>
    /// Feedback of a chain (<see cref="GraphSpec.Chain"/>) from given layered matrices <c>B^l</c> (e.g. read from NPZ),
    /// index l = 1..L−1, row-major in their own shape: <c>(θ^l)ᵀ</c>, stored transposed as the B of the vertex whose
    /// weight is <c>theta{l}</c>; for direct <c>n^l × n^0</c>, stored as <c>M</c> of layer l's vertex (whose weight is
    /// <c>theta{l+1}</c>). The layered <see cref="Feedback{T}.FromMatrices"/> on the same matrices holds the same B.
    /// </summary>
    /// <exception cref="InvalidInputException">The kind takes no matrices, or a matrix is missing or has the wrong length.</exception>
    public static GraphFeedback<T> FromMatrices(CompiledGraph graph, FeedbackKind kind, IReadOnlyList<double[]?> b, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(b);
        if (kind is not (FeedbackKind.Random or FeedbackKind.KolenPollack or FeedbackKind.Direct))
        {
            throw new InvalidInputException($"feedback {FeedbackKinds.Name(kind)} is computed from θ; only random, kp and direct take given matrices");
        }

        GraphFeedback<T> f = Create(graph, kind, 0, InitScheme.HeNormal, 1.0, weightDecay);
        for (int l = 1; l < b.Count; l++)
        {
            string key = kind == FeedbackKind.Direct ? $"theta{l + 1}" : $"theta{l}";
            ParameterSlot slot = graph.ParameterSlots.FirstOrDefault(s => s.Key == key) ?? throw new InvalidInputException($"feedback{l}: the graph has no weight {key}");
            T[] m = f.Own(slot.Vertex);
            int rows = kind == FeedbackKind.Direct ? graph.OutputSize : slot.Shape[0];
            int cols = m.Length / rows;
            double[] src = b[l] ?? throw new InvalidInputException($"feedback{l} is missing");
            if (src.Length != m.Length)
            {
                throw new InvalidInputException($"feedback{l} has {src.Length} elements, expected {cols}×{rows} = {m.Length}");
            }

            for (int j = 0; j < cols; j++)
            {
                for (int i = 0; i < rows; i++)
                {
                    m[(i * cols) + j] = T.CreateTruncating(src[(j * rows) + i]);
                }
            }
        }

        return f;
    }
}
