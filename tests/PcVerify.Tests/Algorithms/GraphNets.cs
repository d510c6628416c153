using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Algorithms;

/// <summary>Small hand-made graphs with skips, branches and parallel edges, and seeded parameters and data for them.</summary>
internal static class GraphNets
{
    private static VertexSpec Input(string name, params int[] shape) => new() { Name = name, Kind = VertexKind.Input, Shape = shape };

    private static EdgeSpec E(string parent, string act = "identity") => new(parent, Activation.Parse(act));

    private static VertexSpec Dense(string name, int units, EdgeSpec parent, bool bias = true) =>
        new() { Name = name, Kind = VertexKind.Dense, Units = units, Parents = [parent], Bias = bias };

    private static VertexSpec Sum(string name, params EdgeSpec[] parents) => new() { Name = name, Kind = VertexKind.Sum, Parents = parents };

    private static VertexSpec Id(string name, EdgeSpec parent) => new() { Name = name, Kind = VertexKind.Identity, Parents = [parent] };

    private static VertexSpec Conv(string name, int units, EdgeSpec parent, int k, int stride = 1, int pad = 0, bool bias = true) =>
        new() { Name = name, Kind = VertexKind.Conv2d, Units = units, Parents = [parent], Kernel = (k, k), Stride = (stride, stride), Padding = (pad, pad), Bias = bias };

    private static VertexSpec Pool(string name, VertexKind kind, EdgeSpec parent, int k, int stride, int pad = 0) =>
        new() { Name = name, Kind = kind, Parents = [parent], Kernel = (k, k), Stride = (stride, stride), Padding = (pad, pad) };

    private static VertexSpec Flatten(string name, EdgeSpec parent) => new() { Name = name, Kind = VertexKind.Flatten, Parents = [parent] };

    /// <summary>A small CNN: conv 3×3 (padding 1) → max pool 2×2 → flatten → dense; input 1×6×6.</summary>
    public static GraphSpec CnnMaxPool => new(
        [
            Input("in", 1, 6, 6),
            Conv("c1", 3, E("in"), 3, pad: 1),
            Pool("mp", VertexKind.MaxPool2d, E("c1", "tanh"), 2, 2),
            Flatten("f", E("mp")),
            Dense("out", 4, E("f", "tanh")),
        ],
        "out");

    /// <summary>Odd sizes, two input channels, stride and padding: conv 3×3 stride 2 → avg pool 3×3 stride 2 padding 1 → flatten → dense; input 2×7×7.</summary>
    public static GraphSpec CnnAvgPool => new(
        [
            Input("in", 2, 7, 7),
            Conv("c1", 3, E("in", "tanh"), 3, stride: 2),
            Pool("ap", VertexKind.AvgPool2d, E("c1", "logistic"), 3, 2, pad: 1),
            Flatten("f", E("ap", "identity")),
            Dense("out", 3, E("f", "tanh")),
        ],
        "out");

    /// <summary>A residual conv block, levelled: <c>s = conv2(tanh c1) + identity(tanh c1)</c> → avg pool → flatten → dense.</summary>
    public static GraphSpec ResNetLevelled => new(
        [
            Input("in", 1, 6, 6),
            Conv("c1", 4, E("in"), 3, pad: 1),
            Conv("c2", 4, E("c1", "tanh"), 3, pad: 1),
            Id("id", E("c1", "tanh")),
            Sum("s", E("c2"), E("id")),
            Pool("ap", VertexKind.AvgPool2d, E("s", "tanh"), 2, 2),
            Flatten("f", E("ap")),
            Dense("out", 3, E("f", "tanh")),
        ],
        "out");

    /// <summary>The residual block with the skip straight from c1 (<c>s = conv2(tanh c1) + tanh c1</c>): not levelled.</summary>
    public static GraphSpec ResNetUnlevelled => new(
        [
            Input("in", 1, 6, 6),
            Conv("c1", 4, E("in"), 3, pad: 1),
            Conv("c2", 4, E("c1", "tanh"), 3, pad: 1),
            Sum("s", E("c2"), E("c1", "tanh")),
            Pool("ap", VertexKind.MaxPool2d, E("s", "tanh"), 2, 2),
            Flatten("f", E("ap")),
            Dense("out", 3, E("f", "tanh")),
        ],
        "out");

    /// <summary>
    /// A residual block that is levelled: <c>s = dense_b(tanh a) + identity(tanh a)</c>, <c>out = dense(tanh s)</c>;
    /// depths out 0, s 1, b and c 2, a 3.
    /// </summary>
    public static GraphSpec LevelledSkip => new(
        [
            Input("in", 6),
            Dense("a", 7, E("in", "tanh")),
            Dense("b", 7, E("a", "tanh")),
            Id("c", E("a", "tanh")),
            Sum("s", E("b"), E("c")),
            Dense("out", 3, E("s", "tanh")),
        ],
        "out");

    /// <summary>
    /// The same block with the skip taken straight from <c>a</c>: <c>s = dense_b(tanh a) + tanh a</c>. Not levelled:
    /// <c>d_min(a) = 2</c> (through s) but <c>d_max(a) = 3</c> (through b).
    /// </summary>
    public static GraphSpec UnlevelledSkip => new(
        [
            Input("in", 6),
            Dense("a", 7, E("in", "tanh")),
            Dense("b", 7, E("a", "tanh")),
            Sum("s", E("b"), E("a", "tanh")),
            Dense("out", 3, E("s", "tanh")),
        ],
        "out");

    /// <summary>Two dense branches with different activations summed, and a skip out of the input (harmless: inputs are clamped).</summary>
    public static GraphSpec Branches => new(
        [
            Input("in", 5),
            Dense("a", 6, E("in", "identity")),
            Dense("b1", 4, E("a", "tanh")),
            Dense("b2", 4, E("a", "logistic"), bias: false),
            Dense("skip", 4, E("in", "softplus")),
            Sum("s", E("b1"), E("b2"), E("skip")),
            Dense("out", 3, E("s", "tanh")),
        ],
        "out");

    /// <summary>Two parallel edges from one parent, <c>s = x + softplus(x)</c> (docs/math.md §10 allows indexed parallel edges).</summary>
    public static GraphSpec ParallelEdges => new(
        [
            Input("in", 4),
            Dense("x", 5, E("in", "tanh")),
            Sum("s", E("x", "identity"), E("x", "softplus")),
            Dense("out", 2, E("s", "tanh")),
        ],
        "out");

    public static GraphParameters<T> Params<T>(CompiledGraph graph, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        GraphParameters<T>.Initialise(graph, InitScheme.XavierUniform, seed, scale: 1.5, biasScale: 0.3);

    public static T[] Normal<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. TestNets.Normal(n, seed).Select(T.CreateTruncating)];

    /// <summary>Targets for <paramref name="loss"/>: N(0,1) for squared error, a random distribution per row for cross-entropy.</summary>
    public static T[] Targets<T>(OutputLoss loss, int batch, int width, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] v = TestNets.Normal(batch * width, seed);
        if (loss.Kind == LossKind.SquaredError)
        {
            return [.. v.Select(T.CreateTruncating)];
        }

        for (int b = 0; b < batch; b++)
        {
            double sum = 0;
            for (int i = 0; i < width; i++)
            {
                v[(b * width) + i] = Math.Abs(v[(b * width) + i]);
                sum += v[(b * width) + i];
            }

            for (int i = 0; i < width; i++)
            {
                v[(b * width) + i] /= sum;
            }
        }

        return [.. v.Select(T.CreateTruncating)];
    }

    public static CompiledGraph Compile(GraphSpec spec) => CompiledGraph.Compile(spec);

    public static CompiledGraph Levelled(GraphSpec spec) => CompiledGraph.Compile(Levelling.Level(spec).Spec);
}
