using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// Average and max pooling, <c>μ = pool(a)</c> per channel (<see cref="AvgPool2d"/>, <see cref="MaxPool2d"/>; naive
/// twins in <see cref="ReferenceConv"/>). Max pooling's Jacobian is taken at the inputs given: its argmax is found
/// again from <c>inputs[0]</c>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class PoolOp<T> : IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Window2d _g;
    private readonly bool _max, _countIncludePad;
    private readonly int _inSize, _outSize;
    private readonly T[] _sum;

    public PoolOp(CompiledGraph graph, int vertex, int capacity)
    {
        Vertex = vertex;
        Capacity = capacity;
        _g = Conv2dOp<T>.Window(graph, vertex);
        GraphVertex v = graph.Vertices[vertex];
        _max = v.Kind == VertexKind.MaxPool2d;
        _countIncludePad = v.Spec.CountIncludePad;
        _inSize = _g.InputSize;
        _outSize = v.Size;
        _sum = new T[capacity * _inSize];
    }

    public int Vertex { get; }

    public int Capacity { get; }

    public bool HasParameters => false;

    public void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch)
    {
        ReadOnlySpan<T> a = inputs[0].AsSpan(0, batch * _inSize);
        if (_max)
        {
            MaxPool2d.Forward<T>(a, batch, _g, mu[..(batch * _outSize)]);
        }
        else
        {
            AvgPool2d.Forward<T>(a, batch, _g, _countIncludePad, mu[..(batch * _outSize)]);
        }
    }

    public void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate)
    {
        Span<T> g = result[..(batch * _inSize)];
        Span<T> target = accumulate ? _sum.AsSpan(0, g.Length) : g;
        ReadOnlySpan<T> e = error[..(batch * _outSize)];
        if (_max)
        {
            MaxPool2d.InputGradient<T>(inputs[0].AsSpan(0, batch * _inSize), e, batch, _g, target);
        }
        else
        {
            AvgPool2d.InputGradient<T>(e, batch, _g, _countIncludePad, target);
        }

        if (accumulate)
        {
            Axpy.Compute<T>(T.One, target, g);
        }
    }

    public void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias)
    {
    }
}
