using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Graph;

/// <summary>Terse builders for hand-made graphs in tests.</summary>
internal static class G
{
    public static VertexSpec Input(string name, params int[] shape) => new() { Name = name, Kind = VertexKind.Input, Shape = shape };

    public static EdgeSpec E(string parent, string act = "identity") => new(parent, Activation.Parse(act));

    public static VertexSpec Dense(string name, int units, EdgeSpec parent, bool bias = true, WeightLayout layout = WeightLayout.OutIn) =>
        new() { Name = name, Kind = VertexKind.Dense, Units = units, Parents = [parent], Bias = bias, WeightLayout = layout };

    public static VertexSpec Conv(string name, int units, EdgeSpec parent, int k, int stride = 1, int pad = 0, bool bias = true) =>
        new() { Name = name, Kind = VertexKind.Conv2d, Units = units, Parents = [parent], Kernel = (k, k), Stride = (stride, stride), Padding = (pad, pad), Bias = bias };

    public static VertexSpec Pool(string name, VertexKind kind, EdgeSpec parent, int k, int stride, int pad = 0, bool countIncludePad = true) =>
        new() { Name = name, Kind = kind, Parents = [parent], Kernel = (k, k), Stride = (stride, stride), Padding = (pad, pad), CountIncludePad = countIncludePad };

    public static VertexSpec Sum(string name, params EdgeSpec[] parents) => new() { Name = name, Kind = VertexKind.Sum, Parents = parents };

    public static VertexSpec Flatten(string name, EdgeSpec parent) => new() { Name = name, Kind = VertexKind.Flatten, Parents = [parent] };

    public static VertexSpec Id(string name, EdgeSpec parent) => new() { Name = name, Kind = VertexKind.Identity, Parents = [parent] };

    public static GraphSpec Spec(string output, params VertexSpec[] vertices) => new(vertices, output);

    public static CompiledGraph Compile(string output, params VertexSpec[] vertices) => CompiledGraph.Compile(Spec(output, vertices));
}
