using PcVerify.Engine.Network;

namespace PcVerify.Engine.Graph;

/// <summary>
/// One indexed edge <c>e = (p → c)</c> of a <see cref="CompiledGraph"/>: the child consumes <c>f_e(x_p)</c> as its
/// input number <see cref="Slot"/> (docs/math.md §10). Edges are numbered child by child in topological order and, within
/// a child, in slot order, so the edges into vertex <c>v</c> are <c>v.FirstEdge .. v.FirstEdge + v.InDegree − 1</c>.
/// </summary>
/// <param name="Index">The edge's index in <see cref="CompiledGraph.Edges"/>.</param>
/// <param name="Parent">The parent's vertex index (topological).</param>
/// <param name="Child">The child's vertex index (topological).</param>
/// <param name="Slot">The position of this edge among the child's parents (0-based).</param>
/// <param name="Activation">The activation <c>f_e</c>.</param>
public sealed record GraphEdge(int Index, int Parent, int Child, int Slot, Activation Activation);

/// <summary>
/// A vertex of a <see cref="CompiledGraph"/> with everything validation resolved: its topological index, its value's
/// shape (without the batch), its incoming edges (a contiguous range) and outgoing edges, and its parameter shapes in
/// PyTorch layout.
/// </summary>
public sealed class GraphVertex
{
    internal GraphVertex(int index, VertexSpec spec, int[] shape, int firstEdge, int[] weightShape, int[] biasShape)
    {
        Index = index;
        Spec = spec;
        Shape = shape;
        Size = ShapeInference.ElementCount(shape);
        FirstEdge = firstEdge;
        WeightShape = weightShape;
        BiasShape = biasShape;
    }

    /// <summary>The topological index (inputs first); the index into every per-vertex array of the engine.</summary>
    public int Index { get; }

    /// <summary>The vertex as the user described it.</summary>
    public VertexSpec Spec { get; }

    /// <summary>The name.</summary>
    public string Name => Spec.Name;

    /// <summary>The kind.</summary>
    public VertexKind Kind => Spec.Kind;

    /// <summary>The shape of one pair's value, without the batch: <c>[n]</c> for a flat vertex, <c>[C, H, W]</c> for an image.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements of one pair's value (the product of <see cref="Shape"/>).</summary>
    public int Size { get; }

    /// <summary>The index of the first incoming edge in <see cref="CompiledGraph.Edges"/>.</summary>
    public int FirstEdge { get; }

    /// <summary>The number of incoming edges (0 for the input).</summary>
    public int InDegree => Spec.Parents.Count;

    /// <summary>The indices of the outgoing edges in <see cref="CompiledGraph.Edges"/>, ascending (so ascending child index).</summary>
    public IReadOnlyList<int> OutEdges { get; internal set; } = [];

    /// <summary>The weight's shape in PyTorch layout (dense (out, in), or (in, out) for <see cref="WeightLayout.InOut"/>; conv (out, in, kh, kw)); empty when there is no weight.</summary>
    public IReadOnlyList<int> WeightShape { get; }

    /// <summary>The bias's shape, <c>(out,)</c>; empty when there is no bias.</summary>
    public IReadOnlyList<int> BiasShape { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind.ToString().ToLowerInvariant()}, {ShapeInference.Format(Shape)})";
}

/// <summary>One parameter tensor of a graph: its NPZ key, its vertex, whether it is the bias, and its shape.</summary>
/// <param name="Key">The NPZ key (<see cref="VertexSpec.WeightName"/> or <see cref="VertexSpec.BiasName"/>).</param>
/// <param name="Vertex">The vertex's topological index.</param>
/// <param name="IsBias">Whether this is the bias (else the weight).</param>
/// <param name="Shape">The shape in PyTorch layout.</param>
public sealed record ParameterSlot(string Key, int Vertex, bool IsBias, IReadOnlyList<int> Shape)
{
    /// <summary>The number of elements.</summary>
    public int Size => ShapeInference.ElementCount(Shape);
}
