using System.Numerics;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>Creates the <see cref="IVertexOp{T}"/> of a vertex from its kind.</summary>
public static class VertexOps
{
    /// <summary>The op computing vertex <paramref name="vertex"/> of <paramref name="graph"/> for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <exception cref="ArgumentException">The vertex is the input (it has no prediction).</exception>
    public static IVertexOp<T> Create<T>(CompiledGraph graph, int vertex, int capacity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return graph.Vertices[vertex].Kind switch
        {
            VertexKind.Dense => new DenseOp<T>(graph, vertex, capacity),
            VertexKind.Sum => new SumOp<T>(graph, vertex, capacity),
            VertexKind.Conv2d => new Conv2dOp<T>(graph, vertex, capacity),
            VertexKind.AvgPool2d or VertexKind.MaxPool2d => new PoolOp<T>(graph, vertex, capacity),
            VertexKind.Identity or VertexKind.Flatten => new CopyOp<T>(graph, vertex, capacity),
            _ => throw new ArgumentException($"vertex '{graph.Vertices[vertex].Name}' is the input; it has no op", nameof(vertex)),
        };
    }

    /// <summary>One op per vertex (null for the input), indexed by topological index.</summary>
    public static IVertexOp<T>?[] CreateAll<T>(CompiledGraph graph, int capacity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ops = new IVertexOp<T>?[graph.Vertices.Count];
        for (int v = 0; v < ops.Length; v++)
        {
            ops[v] = v == graph.Input ? null : Create<T>(graph, v, capacity);
        }

        return ops;
    }
}
