using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// ONNX Runtime as the independent oracle: it runs the shared models (checked against PyTorch's float64 forward), the
/// re-exported models and the models <see cref="OnnxWriter"/> writes.
/// </summary>
public class OnnxRuntimeOracleTests
{
    /// <summary>
    /// ORT evaluates in float32 (inputs rounded to float32, parameters float32 exactly), PyTorch's reference in float64
    /// from the same parameters. A float32 dot product of n terms is within γ_n·Σ|w_i x_i| of the exact one (Higham
    /// §3.1; γ_192 ≈ 1.1e-5 in float32); with fan-in ≤ 192, |x| &lt; 1 and |w| ≤ 1/√fan-in, Σ|w x| ≤ √192 ≈ 14, so the
    /// last layer alone may contribute 1.6e-4 in the worst case, earlier layers less after the contracting
    /// activations. 2e-4 absolute + 1e-4 relative covers that; a structural error (a transposed weight, a missing bias
    /// or activation) moves the outputs by O(0.1).
    /// </summary>
    internal static readonly (double Abs, double Rel, string Reason) Float32Forward =
        (2e-4, 1e-4, "float32 forward vs float64: γ_n·Σ|w x| with n ≤ 192, Σ|w x| ≤ 14, plus input rounding");

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Onnx_runtime_on_the_shared_model_reproduces_PyTorch_float64_forward(string name)
    {
        if (SharedModels.Directory() is not { } dir)
        {
            return;
        }

        IReadOnlyDictionary<string, NpyArray> reference = Npz.Read(Path.Combine(dir, name + ".ref.npz"));
        double[] y = Ort.Run(File.ReadAllBytes(Path.Combine(dir, name + ".onnx")), reference["inputs"]);
        DataAssert.Close(reference["forward"].Data, y, Float32Forward.Abs, Float32Forward.Rel, Float32Forward.Reason);
    }

    /// <summary>
    /// The engine's float64 forward and PyTorch's are the same sums in different orders over the same float64 values: a
    /// dot product of n ≤ 192 terms is within γ_n·Σ|w x| ≤ 2.2e-14 · 14 of the exact one in each (Higham §3.1),
    /// through three layers of 1-Lipschitz activations and weights of norm ≤ 1 — 1e-12 absolute covers it with room.
    /// </summary>
    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Engine_float64_forward_on_the_imported_model_reproduces_PyTorch_float64_forward(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        NpyArray x = loaded.Ref["inputs"];
        double[] y = EngineForward<double>(loaded.Model.Graph, loaded.Model.Initializers, x.Data, x.Shape[0]);
        DataAssert.Close(loaded.Ref["forward"].Data, y, 1e-12, 1e-12, "float64 forward, two summation orders: γ_192·Σ|w x| per layer");
    }

    /// <summary>Both evaluate in float32 from the same float32 values, in different orders: each is within the
    /// worst-case float32 bound of the exact value (<see cref="Float32Forward"/>), so within twice it of each other.</summary>
    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Engine_float32_forward_on_the_imported_model_agrees_with_onnx_runtime(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        NpyArray x = loaded.Ref["inputs"];
        double[] engine = EngineForward<float>(loaded.Model.Graph, loaded.Model.Initializers, x.Data, x.Shape[0]);
        double[] ort = Ort.Run(File.ReadAllBytes(SharedModels.Model(name)!), x);
        DataAssert.Close(ort, engine, 2 * Float32Forward.Abs, 2 * Float32Forward.Rel, "two float32 forwards: twice " + Float32Forward.Reason);
    }

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Resnet_depths_are_3_and_4_for_the_first_conv_and_the_graph_is_not_levelled(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // docs/math.md §10 depth, counted by hand from README's description: fc 0, flatten 1, add 2, c2 3; c1 reaches add
        // directly (3) and through c2 (4). The mlp and cnn are chains: levelled.
        CompiledGraph g = CompiledGraph.Compile(loaded.Model.Graph, name);
        var depths = g.Vertices.ToDictionary(v => v.Name, v => (g.Depth.Min[v.Index], g.Depth.Max[v.Index]));
        if (name == "resnet")
        {
            Assert.Equal((3, 4), depths["/c1/Conv"]);
            Assert.Equal((3, 3), depths["/c2/Conv"]);
            Assert.Equal((0, 0), depths["/fc/Gemm"]);
            Assert.False(g.Depth.IsLevelled);
        }
        else
        {
            Assert.True(g.Depth.IsLevelled);
            Assert.Equal(name == "mlp" ? 2 : 3, g.Depth.MaxDepth);
        }
    }

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Re_export_with_the_original_values_runs_bit_identically_in_onnx_runtime(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // Same nodes, same float32 data: ORT on one thread computes the same bits.
        byte[] original = File.ReadAllBytes(SharedModels.Model(name)!);
        byte[] reexported = Export(loaded.Model, loaded.Model.Initializers);
        NpyArray x = loaded.Ref["inputs"];
        DataAssert.BitIdentical(Ort.Run(original, x), Ort.Run(reexported, x));
    }

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Re_export_with_trained_values_holds_them_as_float32_and_runs_in_onnx_runtime(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // PyTorch's parameters after 5 SGD steps (float64): the re-exported file must hold each rounded to float32
        // (the model's type), keyed and shaped as before, in the same graph.
        var trained = loaded.Model.Initializers.Keys.ToDictionary(k => k, k => loaded.Ref[$"after_ce_5.{k}"]);
        byte[] bytes = Export(loaded.Model, trained);
        OnnxModel back = OnnxImporter.Parse(bytes, name + "-trained.onnx");
        Assert.Equal(loaded.Model.Graph.Vertices.Select(Describe), back.Graph.Vertices.Select(Describe));
        foreach ((string key, NpyArray value) in trained)
        {
            Assert.Equal(value.Shape, back.Initializers[key].Shape);
            DataAssert.BitIdentical(value.Data.Select(v => (double)(float)v).ToArray(), back.Initializers[key].Data);
        }

        double[] before = Ort.Run(File.ReadAllBytes(SharedModels.Model(name)!), loaded.Ref["inputs"]);
        double[] after = Ort.Run(bytes, loaded.Ref["inputs"]);
        Assert.Equal(before.Length, after.Length);
        Assert.Contains(Enumerable.Range(0, after.Length), i => after[i] != before[i]); // the new values are in use
    }

    [Fact]
    public void Re_export_refuses_a_missing_an_unknown_or_a_misshapen_parameter()
    {
        OnnxModel m = OnnxImporter.Parse(OnnxModels.Linear(4, 3).Bytes(), "linear.onnx");
        var missing = new Dictionary<string, NpyArray> { ["W"] = m.Initializers["W"] };
        Assert.Contains("no value for parameter 'b'", Assert.Throws<InvalidInputException>(() => Export(m, missing)).Message, StringComparison.Ordinal);
        var unknown = new Dictionary<string, NpyArray>(m.Initializers) { ["extra"] = m.Initializers["b"] };
        Assert.Contains("'extra' is not an initializer", Assert.Throws<InvalidInputException>(() => Export(m, unknown)).Message, StringComparison.Ordinal);
        var misshapen = new Dictionary<string, NpyArray>(m.Initializers) { ["W"] = new NpyArray([4, 3], new double[12]) };
        Assert.Contains("has shape (4, 3), the model's initializer (3, 4)", Assert.Throws<InvalidInputException>(() => Export(m, misshapen)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Writer_output_imports_back_to_the_same_graph_and_values_and_runs_in_onnx_runtime(ulong seed)
    {
        (GraphSpec spec, Dictionary<string, NpyArray> parameters, int[] inputShape) = RandomGraphs.Create(seed);
        byte[] bytes = OnnxWriter.ToBytes(spec, parameters);
        OnnxModel back = OnnxImporter.Parse(bytes, $"random-{seed}.onnx");

        // Round trip: the writer names nodes after vertices and the importer vertices after nodes; parameter keys are
        // the vertices' default keys, which the importer reads as initializer names.
        Assert.Equal(spec.Vertices.Select(Describe).Order(StringComparer.Ordinal), back.Graph.Vertices.Select(Describe).Order(StringComparer.Ordinal));
        Assert.Equal(spec.Output, back.Graph.Output);
        Assert.Equal(parameters.Keys.Order(StringComparer.Ordinal), back.Initializers.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, NpyArray value) in parameters)
        {
            DataAssert.BitIdentical(value.Data, back.Initializers[key].Data);
        }

        // The independent forward oracle: ORT's float32 forward vs the engine's float32 forward, each within the
        // worst-case float32 bound γ_n·Σ|w x| of the exact value. Here n ≤ 400 (γ ≈ 2.4e-5) and the sums of magnitudes
        // are sized by the float64 forward's largest |y| (+1 for the hidden layers), so the bound scales with it.
        const int batch = 3;
        double[] x = RandomGraphs.Inputs(inputShape, batch, seed + 1000);
        double[] ort = Ort.Run(bytes, x, batch);
        double[] engine = EngineForward<float>(spec, parameters, x, batch);
        double scale = 1 + EngineForward<double>(spec, parameters, x, batch).Max(Math.Abs);
        DataAssert.Close(ort, engine, 2.4e-4 * scale, 1e-4, "two float32 forwards: 2·γ_400·Σ|w x|, Σ|w x| ≲ 5(1 + max|y|)");
    }

    [Fact]
    public void Negative_control_a_transposed_weight_breaks_the_forward_agreement()
    {
        // The agreement above must be able to fail: the same graph read with a dense weight's layout flipped (a square
        // weight, so shapes still fit) computes another function, far outside the float32 bound.
        var m = OnnxModels.Linear(5, 5);
        OnnxModel model = OnnxImporter.Parse(m.Bytes(), "square.onnx");
        VertexSpec dense = model.Graph.Vertices[1];
        var flipped = new GraphSpec([model.Graph.Vertices[0], dense with { WeightLayout = WeightLayout.InOut }], model.Graph.Output);
        double[] x = RandomGraphs.Inputs([5], 2, 7);
        double[] ort = Ort.Run(m.Bytes(), x, 2);
        DataAssert.Close(ort, EngineForward<float>(model.Graph, model.Initializers, x, 2), 2.4e-4, 1e-4, "control: the right layout agrees");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            DataAssert.Close(ort, EngineForward<float>(flipped, model.Initializers, x, 2), 2.4e-4, 1e-4, "a flipped layout must not agree"));
    }

    /// <summary>The engine's forward (graph-core's GraphForward) of <paramref name="spec"/> on <paramref name="inputs"/> in <typeparamref name="T"/>.</summary>
    internal static double[] EngineForward<T>(GraphSpec spec, IReadOnlyDictionary<string, NpyArray> parameters, double[] inputs, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CompiledGraph graph = CompiledGraph.Compile(spec, "test graph");
        var p = GraphParameters<T>.FromArrays(graph, parameters, "test parameters");
        var forward = new GraphForward<T>(graph, batch);
        forward.Run(p, inputs.Select(T.CreateTruncating).ToArray(), batch);
        return [.. forward.Output.ToArray().Select(double.CreateTruncating)];
    }

    [Fact]
    public void Writer_refuses_a_custom_activation_and_a_missing_parameter()
    {
        (GraphSpec spec, Dictionary<string, NpyArray> parameters, _) = RandomGraphs.Create(5);
        VertexSpec last = spec.Vertices[^1];
        var custom = Activation.Custom("cube", x => x * x * x, x => 3 * x * x);
        GraphSpec withCustom = spec with { Vertices = [.. spec.Vertices.SkipLast(1), last with { Parents = [last.Parents[0] with { Activation = custom }] }] };
        Assert.Contains("carries the activation 'cube', which has no ONNX operator",
            Assert.Throws<InvalidInputException>(() => OnnxWriter.ToBytes(withCustom, parameters)).Message, StringComparison.Ordinal);

        parameters.Remove(last.WeightName);
        Assert.Contains($"no value for parameter '{last.WeightName}'",
            Assert.Throws<InvalidInputException>(() => OnnxWriter.ToBytes(spec, parameters)).Message, StringComparison.Ordinal);
    }

    public static TheoryData<ulong> Seeds()
    {
        var seeds = new TheoryData<ulong>();
        for (ulong s = 1; s <= 24; s++)
        {
            seeds.Add(s);
        }

        return seeds;
    }

    /// <summary>A vertex as one comparable line: every attribute the mapping sets, with its parameter keys.</summary>
    internal static string Describe(VertexSpec v) =>
        $"{v.Name} {v.Kind} [{string.Join(", ", v.Parents.Select(e => $"{e.Parent}:{e.Activation.Name}"))}] shape ({string.Join(",", v.Shape)}) units {v.Units} "
        + $"k {v.Kernel} s {v.Stride} p {v.Padding}{(v.Kind == VertexKind.AvgPool2d ? $" cip {v.CountIncludePad}" : "")} "
        + (v.HasParameters ? $"{v.WeightLayout} {v.WeightName}{(v.Bias ? " " + v.BiasName : "")}" : "");

    internal static byte[] Export(OnnxModel model, IReadOnlyDictionary<string, NpyArray> parameters)
    {
        using var stream = new MemoryStream();
        model.WriteTo(parameters, stream);
        return stream.ToArray();
    }
}
