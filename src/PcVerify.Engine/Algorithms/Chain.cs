using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// A layered net as the chain graph <see cref="GraphSpec.Chain"/> builds (vertex <c>v</c> is the paper's layer
/// <c>L − v</c>; the vertex of layer <c>l</c> holds <c>θ^{l+1}</c>), for the layered facades (<c>Backprop</c>,
/// <c>PredictiveCodingLearner</c>, <c>PcnState</c>, <c>Feedback</c>) that run the graph algorithms on it. It keeps the
/// <see cref="GraphParameters{T}"/> wrapping the last <see cref="Parameters{T}"/> it was given (sharing its arrays),
/// so a step allocates nothing.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class Chain<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Parameters<T>? _last;
    private GraphParameters<T>? _wrapped;

    public Chain(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        for (int l = 0; l <= spec.L; l++)
        {
            if (Graph.IndexOf($"x{l}") != Vertex(l))
            {
                throw new InvalidOperationException($"the chain graph put layer {l} at vertex {Graph.IndexOf($"x{l}")}, expected {Vertex(l)}");
            }
        }
    }

    public NetworkSpec Spec { get; }

    public CompiledGraph Graph { get; }

    /// <summary>The vertex of layer <paramref name="l"/>.</summary>
    public int Vertex(int l) => Spec.L - l;

    /// <summary>The per-vertex buffers <paramref name="byVertex"/> in layer order <c>0..count−1</c> (the same arrays).</summary>
    public T[][] Layers(T[][] byVertex, int count) => [.. Enumerable.Range(0, count).Select(l => byVertex[Vertex(l)])];

    /// <summary><c>f(x^l)</c> by layer <c>l = 1..L</c> (index 0 empty): the activated value on the edge into layer <c>l − 1</c>.</summary>
    public T[][] Activated(GraphState<T> state) =>
        [.. Enumerable.Range(0, Spec.L + 1).Select(l => l == 0 ? [] : state.A[Graph.Vertices[Vertex(l - 1)].FirstEdge])];

    /// <summary>The graph view of <paramref name="p"/> (cached: rebuilt only when another object or array is passed).</summary>
    public GraphParameters<T> Wrap(Parameters<T> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (_wrapped is null || !ReferenceEquals(p, _last) || !SameArrays(p, _wrapped))
        {
            _wrapped = GraphParameters<T>.FromChain(Graph, p);
            _last = p;
        }

        return _wrapped;
    }

    private bool SameArrays(Parameters<T> p, GraphParameters<T> g)
    {
        for (int l = 1; l <= Spec.L; l++)
        {
            int v = Vertex(l - 1);
            if (!ReferenceEquals(p.Theta[l].Data, g.Weight(v)) || (Spec.Bias && !ReferenceEquals(p.Beta[l], g.Bias(v))))
            {
                return false;
            }
        }

        return true;
    }
}
