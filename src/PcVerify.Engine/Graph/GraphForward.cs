using System.Numerics;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph;

/// <summary>
/// The forward pass of a graph (docs/math.md §10, BP's <c>y_v = F_v(f_e(y_p) …)</c>): in topological order, each edge's
/// activated value <c>A[e] = f_e(Y[parent])</c>, then <c>Y[v] = F_v(A[edges into v])</c>. BP's forward and the PCN's C1
/// initialisation (<c>x_v,0 = μ_v,0</c>) are this pass.
/// </summary>
/// <remarks>
/// Buffers are allocated once for <see cref="Capacity"/> pairs (<c>Y[v]</c>: capacity × size of v, rows = pairs);
/// <see cref="Run"/> allocates nothing. When <c>f_e</c> is the identity, <c>A[e]</c> is the same array as
/// <c>Y[parent]</c> (no copy: the identity map is a copy, so the values are the same bits either way).
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
public sealed class GraphForward<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Allocates the buffers and ops for batches of up to <paramref name="capacity"/> pairs.</summary>
    public GraphForward(CompiledGraph graph, int capacity = 1)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Graph = graph;
        Capacity = capacity;
        Y = new T[graph.Vertices.Count][];
        foreach (GraphVertex v in graph.Vertices)
        {
            Y[v.Index] = new T[capacity * v.Size];
        }

        A = new T[graph.Edges.Count][];
        foreach (GraphEdge e in graph.Edges)
        {
            A[e.Index] = e.Activation.Kind == Network.ActivationKind.Identity ? Y[e.Parent] : new T[capacity * graph.Vertices[e.Parent].Size];
        }

        Ops = VertexOps.CreateAll<T>(graph, capacity);
    }

    /// <summary>The graph.</summary>
    public CompiledGraph Graph { get; }

    /// <summary>The largest batch.</summary>
    public int Capacity { get; }

    /// <summary>The number of pairs of the last <see cref="Run"/>.</summary>
    public int Batch { get; private set; }

    /// <summary><c>y_v</c> per vertex (topological index), B × size.</summary>
    public T[][] Y { get; }

    /// <summary><c>f_e(y_parent)</c> per edge, B × parent size.</summary>
    public T[][] A { get; }

    /// <summary>The op of each vertex (null for the input).</summary>
    public IVertexOp<T>?[] Ops { get; }

    /// <summary>The output <c>y_out</c> of the last run, B × output size.</summary>
    public ReadOnlySpan<T> Output => Y[Graph.Output].AsSpan(0, Batch * Graph.OutputSize);

    /// <summary>Evaluates every vertex for <paramref name="batch"/> inputs (B × input size).</summary>
    /// <exception cref="ArgumentException">The input length is not B × input size.</exception>
    public void Run(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Capacity}");
        }

        Shapes.CheckLength(inputs.Length, batch * Graph.InputSize, nameof(inputs));
        Batch = batch;
        inputs.CopyTo(Y[Graph.Input]);
        for (int v = 0; v < Graph.Vertices.Count; v++)
        {
            if (v != Graph.Input)
            {
                Evaluate(v, parameters, batch);
            }
        }
    }

    /// <summary>
    /// Evaluates one vertex from its parents' current <see cref="Y"/>: activates its incoming edges into <see cref="A"/>
    /// and writes <c>Y[v] = F_v(A)</c>.
    /// </summary>
    public void Evaluate(int vertex, GraphParameters<T> parameters, int batch)
    {
        GraphVertex v = Graph.Vertices[vertex];
        for (int k = 0; k < v.InDegree; k++)
        {
            GraphEdge e = Graph.Edges[v.FirstEdge + k];
            if (!ReferenceEquals(A[e.Index], Y[e.Parent]))
            {
                int n = batch * Graph.Vertices[e.Parent].Size;
                e.Activation.Apply<T>(Y[e.Parent].AsSpan(0, n), A[e.Index].AsSpan(0, n));
            }
        }

        Ops[vertex]!.Forward(parameters, A.AsSpan(v.FirstEdge, v.InDegree), Y[vertex], batch);
    }
}
