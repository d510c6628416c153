using System.Globalization;
using System.Numerics;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Graph;

/// <summary>
/// The parameters of a graph: one flat tensor per <see cref="ParameterSlot"/>, in PyTorch layout (dense (out, in)
/// or (in, out) for <see cref="WeightLayout.InOut"/>; conv (out, in, kh, kw); bias (out)), keyed by
/// <see cref="VertexSpec.WeightName"/> / <see cref="VertexSpec.BiasName"/> and reachable by vertex index.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class GraphParameters<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _weights;
    private readonly T[][] _biases;

    /// <summary>Zero parameters for <paramref name="graph"/>.</summary>
    public GraphParameters(CompiledGraph graph)
        : this(graph, slot => new T[slot.Size])
    {
    }

    private GraphParameters(CompiledGraph graph, Func<ParameterSlot, T[]> tensor)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        int n = graph.Vertices.Count;
        _weights = new T[n][];
        _biases = new T[n][];
        for (int v = 0; v < n; v++)
        {
            _weights[v] = [];
            _biases[v] = [];
        }

        foreach (ParameterSlot slot in graph.ParameterSlots)
        {
            T[] data = tensor(slot);
            if (data.Length != slot.Size)
            {
                throw new ArgumentException($"parameter '{slot.Key}': expected {slot.Size} elements, found {data.Length}", nameof(tensor));
            }

            (slot.IsBias ? _biases : _weights)[slot.Vertex] = data;
        }
    }

    /// <summary>The graph these parameters belong to.</summary>
    public CompiledGraph Graph { get; }

    /// <summary>The weight of vertex <paramref name="vertex"/> (row-major in its PyTorch layout); empty when it has none.</summary>
    public T[] Weight(int vertex) => _weights[vertex];

    /// <summary>The bias of vertex <paramref name="vertex"/>; empty when it has none.</summary>
    public T[] Bias(int vertex) => _biases[vertex];

    /// <summary>The tensor of <paramref name="slot"/>.</summary>
    public T[] this[ParameterSlot slot] => slot is null ? throw new ArgumentNullException(nameof(slot)) : (slot.IsBias ? _biases : _weights)[slot.Vertex];

    /// <summary>The tensor with NPZ key <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public T[] this[string key] => this[Graph.ParameterSlots.FirstOrDefault(s => s.Key == key) ?? throw new KeyNotFoundException($"graph has no parameter '{key}'")];

    /// <summary>A deep copy.</summary>
    public GraphParameters<T> Clone() => new(Graph, slot => (T[])this[slot].Clone());

    /// <summary>Copies every element from <paramref name="other"/>, which must belong to a graph with the same parameter slots.</summary>
    /// <exception cref="ArgumentException">The slots differ.</exception>
    public void CopyFrom(GraphParameters<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        IReadOnlyList<ParameterSlot> mine = Graph.ParameterSlots, theirs = other.Graph.ParameterSlots;
        if (mine.Count != theirs.Count)
        {
            throw new ArgumentException($"parameters: {theirs.Count} tensors, expected {mine.Count}", nameof(other));
        }

        for (int k = 0; k < mine.Count; k++)
        {
            if (mine[k].Key != theirs[k].Key || !mine[k].Shape.SequenceEqual(theirs[k].Shape))
            {
                throw new ArgumentException($"parameters: '{theirs[k].Key}' {ShapeInference.Format(theirs[k].Shape)} does not match '{mine[k].Key}' {ShapeInference.Format(mine[k].Shape)}", nameof(other));
            }

            other[theirs[k]].CopyTo(this[mine[k]], 0);
        }
    }

    /// <summary>Converts to another element type (rounding to nearest when narrowing).</summary>
    public GraphParameters<TOut> Convert<TOut>()
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        GraphParameters<TOut> p = new(Graph);
        foreach (ParameterSlot slot in Graph.ParameterSlots)
        {
            T[] src = this[slot];
            TOut[] dst = p[slot];
            for (int i = 0; i < src.Length; i++)
            {
                dst[i] = TOut.CreateTruncating(src[i]);
            }
        }

        return p;
    }

    /// <summary>A description of the first non-finite element (<c>"conv1.weight[3] = NaN"</c>), or null when all are finite.</summary>
    public string? FindNonFinite()
    {
        foreach (ParameterSlot slot in Graph.ParameterSlots)
        {
            T[] data = this[slot];
            int k = Kernels.Elementwise.FirstNonFinite<T>(data);
            if (k >= 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{slot.Key}[{k}] = {data[k]}");
            }
        }

        return null;
    }

    /// <summary>
    /// Seeded initialisation, per vertex as <see cref="Initialisation{T}"/> does it per layer: the k-th vertex with
    /// parameters counted from the output side (reverse topological order, k = 1, 2, …) draws from stream k of
    /// <paramref name="seed"/>, its weight in storage order, then its bias. Fan-in is <c>in</c> for dense and
    /// <c>in · kh · kw</c> for conv; fan-out <c>out</c> and <c>out · kh · kw</c> (PyTorch's). A chain from
    /// <see cref="GraphSpec.Chain"/> numbers its layers as the paper does, so it gets exactly the
    /// <see cref="Parameters{T}"/> that <see cref="Initialisation{T}.Create"/> gives for the same arguments.
    /// </summary>
    /// <exception cref="InvalidInputException">A scale is negative or not finite.</exception>
    public static GraphParameters<T> Initialise(CompiledGraph graph, InitScheme scheme, ulong seed, double scale = 1.0, double biasScale = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!double.IsFinite(scale) || scale < 0)
        {
            throw new InvalidInputException($"initialisation scale must be finite and ≥ 0, found {scale}");
        }

        if (!double.IsFinite(biasScale) || biasScale < 0)
        {
            throw new InvalidInputException($"initialisation bias scale must be finite and ≥ 0, found {biasScale}");
        }

        GraphParameters<T> p = new(graph);
        ulong stream = 0;
        for (int v = graph.Vertices.Count - 1; v >= 0; v--)
        {
            GraphVertex vertex = graph.Vertices[v];
            if (vertex.WeightShape.Count == 0)
            {
                continue;
            }

            (int fanIn, int fanOut) = Fans(vertex);
            Rng rng = Rng.Derive(seed, RngDomain.Initialisation, ++stream);
            T[] w = p.Weight(v);
            for (int k = 0; k < w.Length; k++)
            {
                double x = scheme switch
                {
                    InitScheme.HeNormal => scale * Math.Sqrt(2.0 / fanIn) * rng.NextNormal(),
                    InitScheme.XavierUniform => scale * Math.Sqrt(6.0 / (fanIn + fanOut)) * rng.NextUniform(-1.0, 1.0),
                    _ => scale * rng.NextNormal(),
                };
                w[k] = T.CreateTruncating(x);
            }

            T[] b = p.Bias(v);
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = T.CreateTruncating(biasScale * rng.NextNormal());
            }
        }

        return p;
    }

    /// <summary>
    /// The parameters of a chain built by <see cref="GraphSpec.Chain"/> from <paramref name="chain"/>'s spec, sharing
    /// <paramref name="chain"/>'s arrays (no copy: an update through either is seen by both; <see cref="Clone"/> for a copy).
    /// Keys <c>theta{l+1}</c>/<c>beta{l+1}</c> are matched by name.
    /// </summary>
    /// <exception cref="ArgumentException">The graph lacks a chain key, or a shape differs.</exception>
    public static GraphParameters<T> FromChain(CompiledGraph graph, Parameters<T> chain)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(chain);
        NetworkSpec spec = chain.Spec;
        if (graph.ParameterSlots.Count != spec.L * (spec.Bias ? 2 : 1))
        {
            throw new ArgumentException($"parameters: the graph has {graph.ParameterSlots.Count} tensors, the chain {spec.L * (spec.Bias ? 2 : 1)}", nameof(chain));
        }

        return new GraphParameters<T>(graph, slot => ChainTensor(chain, slot));
    }

    /// <summary>Copies the parameters of a chain graph (keys <c>theta{l+1}</c>/<c>beta{l+1}</c>) into a new <see cref="Parameters{T}"/> for <paramref name="spec"/>.</summary>
    /// <exception cref="KeyNotFoundException">A chain key is missing from the graph.</exception>
    public Parameters<T> ToChain(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Parameters<T> chain = new(spec);
        for (int l = 1; l <= spec.L; l++)
        {
            Copy(this[ThetaKey(l)], chain.Theta[l].Data, ThetaKey(l));
            if (spec.Bias)
            {
                Copy(this[BetaKey(l)], chain.Beta[l], BetaKey(l));
            }
        }

        return chain;
    }

    /// <summary>
    /// Parameters from named arrays (an NPZ file, or an ONNX model's initializers), checked against the graph: every
    /// key present, no other key, each shape exact, every value finite. <paramref name="source"/> prefixes each message.
    /// </summary>
    /// <exception cref="InvalidInputException">A key is missing or unexpected, a shape or dtype is wrong, or a value is not finite; one line naming the key, expected and found.</exception>
    public static GraphParameters<T> FromArrays(CompiledGraph graph, IReadOnlyDictionary<string, NpyArray> arrays, string source)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(arrays);
        HashSet<string> expected = [.. graph.ParameterSlots.Select(s => s.Key)];
        string? extra = arrays.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new InvalidInputException(
                $"{source}: key '{extra}' is not a parameter of the graph; expected keys: {string.Join(", ", graph.ParameterSlots.Select(s => s.Key))}");
        }

        return new GraphParameters<T>(graph, slot =>
        {
            if (!arrays.TryGetValue(slot.Key, out NpyArray? a))
            {
                throw new InvalidInputException(
                    $"{source}: key '{slot.Key}' (shape {ShapeInference.Format(slot.Shape)}) not found; found keys: {string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal))}");
            }

            if (!a.Shape.SequenceEqual(slot.Shape))
            {
                throw new InvalidInputException(
                    $"{source}: key '{slot.Key}' has shape {ShapeInference.Format(a.Shape)}, expected {ShapeInference.Format(slot.Shape)} (vertex '{graph.Vertices[slot.Vertex].Name}')");
            }

            if (a.DType is not (NpyDType.Float32 or NpyDType.Float64))
            {
                throw new InvalidInputException($"{source}: key '{slot.Key}' has dtype {a.DType}, expected float32 or float64");
            }

            T[] data = new T[slot.Size];
            for (int k = 0; k < data.Length; k++)
            {
                double x = a.Data[k];
                if (!double.IsFinite(x))
                {
                    throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture, $"{source}: key '{slot.Key}' element {k} is {x}; parameters must be finite"));
                }

                data[k] = T.CreateTruncating(x);
            }

            return data;
        });
    }

    /// <summary>The tensors as named arrays (keys and shapes of <see cref="CompiledGraph.ParameterSlots"/>), for NPZ.</summary>
    public Dictionary<string, NpyArray> ToArrays(NpyDType dtype)
    {
        Dictionary<string, NpyArray> arrays = new(StringComparer.Ordinal);
        foreach (ParameterSlot slot in Graph.ParameterSlots)
        {
            T[] data = this[slot];
            double[] d = new double[data.Length];
            for (int k = 0; k < d.Length; k++)
            {
                d[k] = double.CreateTruncating(data[k]);
            }

            arrays[slot.Key] = new NpyArray([.. slot.Shape], d, dtype);
        }

        return arrays;
    }

    internal static (int FanIn, int FanOut) Fans(GraphVertex v) => v.Kind switch
    {
        VertexKind.Conv2d => (v.WeightShape[1] * v.WeightShape[2] * v.WeightShape[3], v.WeightShape[0] * v.WeightShape[2] * v.WeightShape[3]),
        _ when v.Spec.WeightLayout == WeightLayout.InOut => (v.WeightShape[0], v.WeightShape[1]),
        _ => (v.WeightShape[1], v.WeightShape[0]),
    };

    private static T[] ChainTensor(Parameters<T> chain, ParameterSlot slot)
    {
        string prefix = slot.IsBias ? "beta" : "theta";
        if (!slot.Key.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(slot.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int l)
            || l < 1 || l > chain.Spec.L)
        {
            throw new ArgumentException($"parameters: graph key '{slot.Key}' is not a chain key {prefix}1..{prefix}{chain.Spec.L}", nameof(chain));
        }

        T[] data = slot.IsBias ? chain.Beta[l] : chain.Theta[l].Data;
        bool sameShape = slot.IsBias || (chain.Theta[l].Rows == slot.Shape[0] && chain.Theta[l].Cols == slot.Shape[^1]);
        if (data.Length != slot.Size || !sameShape)
        {
            throw new ArgumentException($"parameters: '{slot.Key}' has {data.Length} elements in the chain, the graph expects {ShapeInference.Format(slot.Shape)}", nameof(chain));
        }

        return data;
    }

    private static void Copy(T[] from, T[] to, string key)
    {
        if (from.Length != to.Length)
        {
            throw new ArgumentException($"parameters: '{key}' has {from.Length} elements, the chain expects {to.Length}");
        }

        from.CopyTo(to, 0);
    }

    private static string ThetaKey(int l) => "theta" + l.ToString(CultureInfo.InvariantCulture);

    private static string BetaKey(int l) => "beta" + l.ToString(CultureInfo.InvariantCulture);
}
