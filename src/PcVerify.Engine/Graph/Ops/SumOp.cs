using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// Sum (skip connections): <c>μ = a_0 + a_1 + … + a_{k−1}</c>, added left to right in slot order. Each edge's
/// Jacobian is the identity: <c>Jᵀ e = e</c> for every slot.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class SumOp<T> : IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _size;

    public SumOp(CompiledGraph graph, int vertex, int capacity)
    {
        Vertex = vertex;
        Capacity = capacity;
        _size = graph.Vertices[vertex].Size;
    }

    public int Vertex { get; }

    public int Capacity { get; }

    public bool HasParameters => false;

    public void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch)
    {
        int n = batch * _size;
        Span<T> m = mu[..n];
        inputs[0].AsSpan(0, n).CopyTo(m);
        for (int k = 1; k < inputs.Length; k++)
        {
            Axpy.Compute(T.One, inputs[k].AsSpan(0, n), m);
        }
    }

    public void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate) =>
        PassError(error[..(batch * _size)], result[..(batch * _size)], accumulate);

    public void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias)
    {
    }

    /// <summary><c>g = e</c>, or <c>g ← g + e</c>.</summary>
    internal static void PassError(ReadOnlySpan<T> e, Span<T> g, bool accumulate)
    {
        if (accumulate)
        {
            Axpy.Compute(T.One, e, g);
        }
        else
        {
            Elementwise.Copy(e, g);
        }
    }
}
