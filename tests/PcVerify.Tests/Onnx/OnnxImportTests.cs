using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// The importer on the three PyTorch-exported models. Oracle: the structure shared/models/README.md describes (the
/// layers PyTorch was given), and the mapping rules of docs/math.md §10 (activations on edges, one vertex per layer node).
/// </summary>
public class OnnxImportTests
{
    private static VertexSpec V(OnnxModel m, string name) => m.Graph.Vertices.Single(v => v.Name == name);

    private static void AssertParents(VertexSpec v, params (string Parent, ActivationKind Kind)[] expected) =>
        Assert.Equal(expected, v.Parents.Select(e => (e.Parent, e.Activation.Kind)).ToArray());

    private static void AssertParameters(OnnxModel m, params (string Key, int[] Shape)[] expected)
    {
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), m.Initializers.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, int[] shape) in expected)
        {
            Assert.Equal(shape, m.Initializers[key].Shape);
        }
    }

    [Fact]
    public void Mlp_is_an_input_and_three_dense_vertices_with_tanh_on_the_hidden_edges()
    {
        if (SharedModels.Model("mlp") is not { } path)
        {
            return;
        }

        OnnxModel m = OnnxImporter.Load(path);
        Assert.Equal(["input", "/0/Gemm", "/2/Gemm", "/4/Gemm"], m.Graph.Vertices.Select(v => v.Name));
        Assert.Equal("/4/Gemm", m.Graph.Output);
        Assert.Equal([64], V(m, "input").Shape);
        AssertParents(V(m, "/0/Gemm"), ("input", ActivationKind.Identity));
        AssertParents(V(m, "/2/Gemm"), ("/0/Gemm", ActivationKind.Tanh));
        AssertParents(V(m, "/4/Gemm"), ("/2/Gemm", ActivationKind.Tanh));
        foreach ((string name, string layer, int units) in new[] { ("/0/Gemm", "0", 32), ("/2/Gemm", "2", 16), ("/4/Gemm", "4", 10) })
        {
            VertexSpec v = V(m, name);
            Assert.Equal(VertexKind.Dense, v.Kind);
            Assert.Equal(units, v.Units);
            Assert.True(v.Bias);
            Assert.Equal(WeightLayout.OutIn, v.WeightLayout); // PyTorch's Linear exports Gemm with transB = 1.
            Assert.Equal(layer + ".weight", v.WeightName);
            Assert.Equal(layer + ".bias", v.BiasName);
        }

        AssertParameters(m, ("0.weight", [32, 64]), ("0.bias", [32]), ("2.weight", [16, 32]), ("2.bias", [16]), ("4.weight", [10, 16]), ("4.bias", [10]));
        Assert.Empty(m.Notes);
        Assert.Null(m.RemovedOutputOp);
    }

    [Fact]
    public void Cnn_is_conv_then_tanh_edge_into_avgpool_flatten_dense_with_the_zero_pad_dropped()
    {
        if (SharedModels.Model("cnn") is not { } path)
        {
            return;
        }

        OnnxModel m = OnnxImporter.Load(path);
        Assert.Equal(["input", "/0/Conv", "/2/AveragePool", "/3/Flatten", "/4/Gemm"], m.Graph.Vertices.Select(v => v.Name));
        Assert.Equal([1, 8, 8], V(m, "input").Shape);
        VertexSpec conv = V(m, "/0/Conv");
        Assert.Equal((VertexKind.Conv2d, 4, (3, 3), (1, 1), (1, 1), true), (conv.Kind, conv.Units, conv.Kernel, conv.Stride, conv.Padding, conv.Bias));
        AssertParents(conv, ("input", ActivationKind.Identity));
        VertexSpec pool = V(m, "/2/AveragePool");
        Assert.Equal((VertexKind.AvgPool2d, (2, 2), (2, 2), (0, 0)), (pool.Kind, pool.Kernel, pool.Stride, pool.Padding));
        AssertParents(pool, ("/0/Conv", ActivationKind.Tanh));
        Assert.Equal(VertexKind.Flatten, V(m, "/3/Flatten").Kind);
        AssertParents(V(m, "/3/Flatten"), ("/2/AveragePool", ActivationKind.Identity));
        AssertParents(V(m, "/4/Gemm"), ("/3/Flatten", ActivationKind.Identity));
        AssertParameters(m, ("0.weight", [4, 1, 3, 3]), ("0.bias", [4]), ("4.weight", [10, 64]), ("4.bias", [10]));
    }

    [Fact]
    public void Resnet_consumes_the_first_conv_raw_in_the_skip_and_relu_activated_in_the_second_conv()
    {
        if (SharedModels.Model("resnet") is not { } path)
        {
            return;
        }

        OnnxModel m = OnnxImporter.Load(path);
        Assert.Equal(["input", "/c1/Conv", "/c2/Conv", "/Add", "/Flatten", "/fc/Gemm"], m.Graph.Vertices.Select(v => v.Name));
        AssertParents(V(m, "/c1/Conv"), ("input", ActivationKind.Identity));
        AssertParents(V(m, "/c2/Conv"), ("/c1/Conv", ActivationKind.Relu));
        VertexSpec add = V(m, "/Add");
        Assert.Equal(VertexKind.Sum, add.Kind);
        AssertParents(add, ("/c2/Conv", ActivationKind.Identity), ("/c1/Conv", ActivationKind.Identity));
        AssertParents(V(m, "/Flatten"), ("/Add", ActivationKind.Relu));
        AssertParents(V(m, "/fc/Gemm"), ("/Flatten", ActivationKind.Identity));
        AssertParameters(m, ("c1.weight", [3, 1, 3, 3]), ("c1.bias", [3]), ("c2.weight", [3, 3, 3, 3]), ("c2.bias", [3]), ("fc.weight", [10, 192]), ("fc.bias", [10]));
    }

    [Theory]
    [MemberData(nameof(SharedModels.Names), MemberType = typeof(SharedModels))]
    public void Initializers_hold_exactly_the_float32_values_of_the_file(string name)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // Oracle: the reference NPZ's after_*_k entries are keyed by the same ONNX names and shaped as PyTorch holds
        // them; the initial values themselves are float32, so every imported value must be a float32 exactly.
        foreach ((string key, NpyArray value) in loaded.Model.Initializers)
        {
            Assert.Equal(NpyDType.Float32, value.DType);
            Assert.Equal(loaded.Ref[$"after_se_1.{key}"].Shape, value.Shape);
            Assert.All(value.Data, x => Assert.Equal(x, (double)(float)x));
        }
    }

    [Fact]
    public void MatMul_then_Add_of_an_initializer_folds_into_one_dense_vertex_with_the_weight_kept_in_out()
    {
        byte[] bytes = OnnxModels.MatMulAdd(inFeatures: 5, outFeatures: 3);
        OnnxModel m = OnnxImporter.Parse(bytes, "matmul.onnx");
        VertexSpec dense = Assert.Single(m.Graph.Vertices, v => v.Kind == VertexKind.Dense);
        Assert.Equal((3, true, WeightLayout.InOut, "W", "b"), (dense.Units, dense.Bias, dense.WeightLayout, dense.WeightName, dense.BiasName));
        Assert.Equal([5, 3], m.Initializers["W"].Shape);
        Assert.Equal(2, m.Graph.Vertices.Count);
    }

    [Fact]
    public void Initializers_also_listed_as_graph_inputs_are_parameters_not_inputs()
    {
        // keep_initializers_as_inputs = True (older exporters): the weights appear among the graph inputs too.
        OnnxModels m = OnnxModels.Linear(4, 3);
        m.Graph.Input.Add(OnnxModels.Info("W", 4));
        m.Graph.Input.Add(OnnxModels.Info("b"));
        OnnxModel model = OnnxImporter.Parse(m.Bytes(), "inputs.onnx");
        Assert.Equal([VertexKind.Input, VertexKind.Dense], model.Graph.Vertices.Select(v => v.Kind));
        Assert.Equal(["W", "b"], model.Initializers.Keys);
    }

    [Fact]
    public void PyTorch_view_pattern_folds_into_one_flatten_vertex()
    {
        OnnxModel m = OnnxImporter.Parse(OnnxModels.ViewFlatten(), "view.onnx");
        Assert.Equal([VertexKind.Input, VertexKind.Flatten, VertexKind.Dense], m.Graph.Vertices.Select(v => v.Kind));
        AssertParents(m.Graph.Vertices[1], ("x", ActivationKind.Relu));
    }

    [Fact]
    public void A_trailing_softmax_is_removed_with_a_note_and_the_logits_become_the_output()
    {
        OnnxModel m = OnnxImporter.Parse(OnnxModels.WithTrailingSoftmax("LogSoftmax"), "softmax.onnx");
        Assert.Equal("LogSoftmax", m.RemovedOutputOp);
        Assert.Contains(m.Notes, n => n.Contains("LogSoftmax", StringComparison.Ordinal) && n.Contains("--loss ce", StringComparison.Ordinal));
        Assert.Equal(VertexKind.Dense, m.Graph.Vertices.Single(v => v.Name == m.Graph.Output).Kind);
    }

    [Fact]
    public void An_activated_output_gets_an_identity_vertex_with_the_activation_on_its_edge()
    {
        OnnxModel m = OnnxImporter.Parse(OnnxModels.WithTrailingActivation("Sigmoid"), "sigmoid.onnx");
        VertexSpec output = m.Graph.Vertices.Single(v => v.Name == m.Graph.Output);
        Assert.Equal(VertexKind.Identity, output.Kind);
        Assert.Equal(ActivationKind.Logistic, Assert.Single(output.Parents).Activation.Kind);
        Assert.Contains(m.Notes, n => n.Contains("identity vertex", StringComparison.Ordinal));
    }

    [Fact]
    public void A_zero_pad_before_an_average_pool_folds_into_its_padding_with_count_include_pad()
    {
        OnnxModel m = OnnxImporter.Parse(OnnxModels.PaddedAvgPool(pad: 1), "padpool.onnx");
        VertexSpec pool = Assert.Single(m.Graph.Vertices, v => v.Kind == VertexKind.AvgPool2d);
        Assert.Equal(((1, 1), true), (pool.Padding, pool.CountIncludePad));
    }
}
