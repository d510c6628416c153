using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// 2-D convolution: <c>μ = θ ⊛ a + β</c> (cross-correlation, NCHW, weight (out, in, kh, kw)); the kernels are
/// <see cref="Conv2d"/> (im2col + <see cref="Gemm"/>), with the naive twin in <see cref="ReferenceConv"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class Conv2dOp<T> : IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Window2d _g;
    private readonly int _out, _inSize, _outSize;
    private readonly T[] _scratch, _sum;

    public Conv2dOp(CompiledGraph graph, int vertex, int capacity)
    {
        Vertex = vertex;
        Capacity = capacity;
        _g = Window(graph, vertex);
        GraphVertex v = graph.Vertices[vertex];
        _out = v.Shape[0];
        _inSize = _g.InputSize;
        _outSize = v.Size;
        // One image slot per processor (at most 8) lets the forward pass and the input gradient run images in parallel;
        // the weight gradient's scratch usually holds them already (it has room for the whole batch's errors).
        int slots = Math.Clamp(Math.Min(Environment.ProcessorCount, capacity), 1, 8);
        _scratch = new T[Math.Max(slots * Conv2d.Scratch(_g, _out), Conv2d.GradientScratch(_g, _out, capacity))];
        _sum = new T[capacity * _inSize];
    }

    public int Vertex { get; }

    public int Capacity { get; }

    public bool HasParameters => true;

    public void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch) =>
        Conv2d.Forward<T>(inputs[0].AsSpan(0, batch * _inSize), batch, _g, parameters.Weight(Vertex), _out, parameters.Bias(Vertex), mu[..(batch * _outSize)], _scratch);

    public void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate)
    {
        Span<T> g = result[..(batch * _inSize)];
        Span<T> target = accumulate ? _sum.AsSpan(0, g.Length) : g;
        Conv2d.InputGradient<T>(error[..(batch * _outSize)], batch, _g, parameters.Weight(Vertex), _out, target, _scratch);
        if (accumulate)
        {
            Axpy.Compute<T>(T.One, target, g);
        }
    }

    public void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias) =>
        Conv2d.WeightGradient<T>(inputs[0].AsSpan(0, batch * _inSize), batch, _g, error[..(batch * _outSize)], _out, s, weight, bias, _scratch);

    /// <summary>The window geometry of a conv or pooling vertex from its parent's (C, H, W) and its attributes.</summary>
    internal static Window2d Window(CompiledGraph graph, int vertex)
    {
        GraphVertex v = graph.Vertices[vertex];
        IReadOnlyList<int> p = graph.Vertices[graph.InEdge(vertex, 0).Parent].Shape;
        VertexSpec s = v.Spec;
        return new Window2d(p[0], p[1], p[2], s.Kernel.H, s.Kernel.W, s.Stride.H, s.Stride.W, s.Padding.H, s.Padding.W);
    }
}
