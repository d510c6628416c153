using PcVerify.Engine.Network;

namespace PcVerify.Engine.Graph;

/// <summary>The kinds of vertex a computation graph is made of (docs/math.md §10).</summary>
public enum VertexKind
{
    /// <summary>Clamped to data (<c>s_in</c>); no prediction, no error node, no parents.</summary>
    Input,

    /// <summary><c>μ = θ f(x_p) + β</c> over a flat parent; weight (out, in) unless <see cref="WeightLayout.InOut"/>.</summary>
    Dense,

    /// <summary>2-D cross-correlation, NCHW, weight (out, in, kh, kw), stride, padding, optional bias (out).</summary>
    Conv2d,

    /// <summary>Average pooling over kh×kw windows, stride, padding.</summary>
    AvgPool2d,

    /// <summary>Max pooling over kh×kw windows, stride, padding (padding cells never win).</summary>
    MaxPool2d,

    /// <summary><c>μ = Σ_p f_p(x_p)</c> over two or more parents of one shape (skip connections).</summary>
    Sum,

    /// <summary>Reshapes a (C, H, W) or any tensor to a flat vector; <c>μ = f(x_p)</c> reshaped.</summary>
    Flatten,

    /// <summary><c>μ = f(x_p)</c>; also the vertex inserted by levelling.</summary>
    Identity,
}

/// <summary>How a dense vertex's weight is stored.</summary>
public enum WeightLayout
{
    /// <summary>(out, in): PyTorch's <c>nn.Linear</c>, ONNX Gemm with transB = 1, and the paper's <c>θ^{l+1}</c> (<c>n^l × n^{l+1}</c>).</summary>
    OutIn,

    /// <summary>(in, out): ONNX MatMul's right operand and Gemm with transB = 0, kept as ONNX holds it.</summary>
    InOut,
}

/// <summary>
/// One (indexed) edge into a vertex: the parent's name and the activation <c>f_e</c> applied when the child consumes
/// the parent's value (docs/math.md §10). Two edges from one parent to one child are allowed (e.g. <c>x + relu(x)</c>).
/// </summary>
/// <param name="Parent">The parent vertex's name.</param>
/// <param name="Activation">The activation on this edge (identity allowed).</param>
public sealed record EdgeSpec(string Parent, Activation Activation);

/// <summary>
/// A vertex of a computation graph as a user (graph JSON, ONNX import, <c>--arch</c>) describes it. Only the
/// attributes of its <see cref="Kind"/> are meaningful; a reader that builds a vertex sets nothing else.
/// Spatial attributes are (height, width) pairs; shapes never include the batch dimension.
/// </summary>
public sealed record VertexSpec
{
    /// <summary>Unique name; also the prefix of the default parameter keys (<c>&lt;name&gt;.weight</c>, <c>&lt;name&gt;.bias</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The kind.</summary>
    public required VertexKind Kind { get; init; }

    /// <summary>The incoming edges in the order the vertex consumes them (empty for an input).</summary>
    public IReadOnlyList<EdgeSpec> Parents { get; init; } = [];

    /// <summary>Input: the value's shape without the batch, e.g. [64] or [1, 8, 8].</summary>
    public IReadOnlyList<int> Shape { get; init; } = [];

    /// <summary>Dense: output features. Conv2d: output channels.</summary>
    public int Units { get; init; }

    /// <summary>Conv2d, pooling: kernel (height, width).</summary>
    public (int H, int W) Kernel { get; init; }

    /// <summary>Conv2d, pooling: stride (height, width); (1, 1) for conv, the kernel for PyTorch's pooling default.</summary>
    public (int H, int W) Stride { get; init; } = (1, 1);

    /// <summary>Conv2d, pooling: zero padding on each side (height, width).</summary>
    public (int H, int W) Padding { get; init; }

    /// <summary>AvgPool2d: whether padded cells count in the divisor (PyTorch's default and ONNX's count_include_pad = 1).</summary>
    public bool CountIncludePad { get; init; } = true;

    /// <summary>Dense, Conv2d: whether the vertex has a bias.</summary>
    public bool Bias { get; init; }

    /// <summary>Dense: how the weight is stored.</summary>
    public WeightLayout WeightLayout { get; init; } = WeightLayout.OutIn;

    /// <summary>Dense, Conv2d: the weight's parameter key (default <c>&lt;name&gt;.weight</c>).</summary>
    public string? WeightKey { get; init; }

    /// <summary>Dense, Conv2d: the bias's parameter key (default <c>&lt;name&gt;.bias</c>).</summary>
    public string? BiasKey { get; init; }

    /// <summary>Whether this vertex was inserted by levelling (reported, never silent).</summary>
    public bool InsertedByLevelling { get; init; }

    /// <summary>The weight's parameter key.</summary>
    public string WeightName => WeightKey ?? Name + ".weight";

    /// <summary>The bias's parameter key.</summary>
    public string BiasName => BiasKey ?? Name + ".bias";

    /// <summary>Whether the kind has parameters.</summary>
    public bool HasParameters => Kind is VertexKind.Dense or VertexKind.Conv2d;
}

/// <summary>
/// A computation graph as described by a user: vertices (any order), one input and one output vertex. This is the
/// shared contract of the graph readers (<c>--graph</c> JSON, <c>--model</c> ONNX, <c>--arch</c> chains) and the
/// engine; shape inference, depth and levelling are computed from it.
/// </summary>
/// <param name="Vertices">The vertices; names unique.</param>
/// <param name="Output">The name of the output vertex (clamped to the target in the PCN).</param>
public sealed record GraphSpec(IReadOnlyList<VertexSpec> Vertices, string Output)
{
    /// <summary>
    /// The paper's layered net as a chain (docs/math.md §10: a layered net is the special case of a chain): input vertex
    /// <c>x{L}</c> of width <c>n^L</c>, and for <c>l = L−1 .. 0</c> a dense vertex <c>x{l}</c> whose single edge from
    /// <c>x{l+1}</c> carries <c>f</c> of layer <c>l+1</c>; its weight is <c>θ^{l+1}</c> (key <c>theta{l+1}</c>, layout
    /// (n^l, n^{l+1}) = (out, in)) and its bias <c>β^{l+1}</c> (key <c>beta{l+1}</c>). The output is <c>x0</c>.
    /// </summary>
    public static GraphSpec Chain(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int L = spec.L;
        var vertices = new List<VertexSpec>(L + 1)
        {
            new() { Name = $"x{L}", Kind = VertexKind.Input, Shape = [spec.Widths[L]] },
        };
        for (int l = L - 1; l >= 0; l--)
        {
            vertices.Add(new VertexSpec
            {
                Name = $"x{l}",
                Kind = VertexKind.Dense,
                Parents = [new EdgeSpec($"x{l + 1}", spec.Activations[l + 1])],
                Units = spec.Widths[l],
                Bias = spec.Bias,
                WeightKey = $"theta{l + 1}",
                BiasKey = $"beta{l + 1}",
            });
        }

        return new GraphSpec(vertices, "x0");
    }
}
