using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// Dense: <c>μ = θ a + β</c> per pair, <c>θ</c> (out, in), or <c>μ = aᵀ θ + β</c> with <c>θ</c> (in, out) for
/// <see cref="WeightLayout.InOut"/>. The (out, in) case uses the kernels, in the order, that the paper's layered
/// engine used for its prediction (<c>Gemm.MultiplyNT</c> then the bias), learning rule (<c>Gemm.AccumulateTN</c>) and
/// BP's backward <c>Gemm.MultiplyNN</c>, so a chain evaluated as a graph keeps the pinned results of the layered engine
/// (which is now a view of this one) bit for bit.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class DenseOp<T> : IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _in, _out;
    private readonly bool _inOut;
    private readonly T[] _scratch;

    public DenseOp(CompiledGraph graph, int vertex, int capacity)
    {
        GraphVertex v = graph.Vertices[vertex];
        Vertex = vertex;
        Capacity = capacity;
        _out = v.Size;
        _in = graph.Vertices[graph.InEdge(vertex, 0).Parent].Size;
        _inOut = v.Spec.WeightLayout == WeightLayout.InOut;
        _scratch = new T[capacity * Math.Max(_in, _out)];
    }

    public int Vertex { get; }

    public int Capacity { get; }

    public bool HasParameters => true;

    // a: B×in, θ: out×in (or in×out), μ: B×out.
    public void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch)
    {
        ReadOnlySpan<T> a = inputs[0].AsSpan(0, batch * _in);
        Span<T> m = mu[..(batch * _out)];
        T[] theta = parameters.Weight(Vertex);
        if (_inOut)
        {
            Gemm.MultiplyNN<T>(a, batch, _in, theta, _out, m);
        }
        else
        {
            Gemm.MultiplyNT<T>(a, batch, _in, theta, _out, m);
        }

        T[] beta = parameters.Bias(Vertex);
        if (beta.Length > 0)
        {
            for (int b = 0; b < batch; b++)
            {
                Axpy.Compute(T.One, beta, m.Slice(b * _out, _out));
            }
        }
    }

    // e: B×out, g: B×in; g = e θ (or e θᵀ).
    public void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate)
    {
        ReadOnlySpan<T> e = error[..(batch * _out)];
        Span<T> g = result[..(batch * _in)];
        Span<T> target = accumulate ? _scratch.AsSpan(0, batch * _in) : g;
        T[] theta = parameters.Weight(Vertex);
        if (_inOut)
        {
            Gemm.MultiplyNT<T>(e, batch, _out, theta, _in, target);
        }
        else
        {
            Gemm.MultiplyNN<T>(e, batch, _out, theta, _in, target);
        }

        if (accumulate)
        {
            Axpy.Compute<T>(T.One, target, g);
        }
    }

    // θ += s Σ_b e_b a_bᵀ (or a_b e_bᵀ), β += s Σ_b e_b.
    public void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias)
    {
        ReadOnlySpan<T> a = inputs[0].AsSpan(0, batch * _in);
        ReadOnlySpan<T> e = error[..(batch * _out)];
        if (_inOut)
        {
            Gemm.AccumulateTN<T>(weight, _in, _out, s, a, e, batch, _scratch);
        }
        else
        {
            Gemm.AccumulateTN<T>(weight, _out, _in, s, e, a, batch, _scratch);
        }

        if (bias.Length > 0)
        {
            BiasUpdate.Apply<T>(bias, s, e, batch);
        }
    }
}
