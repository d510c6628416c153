using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// Identity and flatten: <c>μ = a</c>. Flatten only reshapes, and a (C, H, W) value is already stored flat in NCHW
/// order, so both kinds copy; the Jacobian is the identity, and <c>Jᵀ e = e</c>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class CopyOp<T> : IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _size;

    public CopyOp(CompiledGraph graph, int vertex, int capacity)
    {
        Vertex = vertex;
        Capacity = capacity;
        _size = graph.Vertices[vertex].Size;
    }

    public int Vertex { get; }

    public int Capacity { get; }

    public bool HasParameters => false;

    public void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch) =>
        Elementwise.Copy<T>(inputs[0].AsSpan(0, batch * _size), mu[..(batch * _size)]);

    public void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate) =>
        SumOp<T>.PassError(error[..(batch * _size)], result[..(batch * _size)], accumulate);

    public void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias)
    {
    }
}
