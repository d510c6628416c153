using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Graph;

/// <summary>
/// Tests written to kill surviving Stryker mutants of <c>src/PcVerify.Engine/Graph</c> (docs/findings.md, "Mutation
/// testing — whole engine"). The expected behaviour is the documented contract, not an observed output.
/// </summary>
public class GraphMutationTests
{
    [Fact]
    public void Unlevelled_refuses_a_null_graph_by_name()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => g.Depth.Unlevelled(null!));
        Assert.Equal("graph", e.ParamName);
    }

    [Fact]
    public void GraphForward_refuses_a_null_graph_a_negative_capacity_and_null_parameters()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => new GraphForward<double>(null!, 2)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new GraphForward<double>(g, -1)).ParamName);
        GraphForward<double> f = new(g, 2);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => f.Run(null!, new double[g.InputSize], 1)).ParamName);
    }

    [Fact]
    public void GraphForward_refuses_a_batch_outside_1_to_capacity_and_a_wrong_input_length()
    {
        // Capacity 2: batches 1 and 2 run; 0 and 3 are refused before anything is written, as is an input whose
        // length is not batch × input size.
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        GraphForward<double> f = new(g, 2);
        f.Run(p, new double[2 * g.InputSize], 2);
        f.Run(p, new double[g.InputSize], 1);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => f.Run(p, [], 0)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => f.Run(p, new double[3 * g.InputSize], 3)).ParamName);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => f.Run(p, new double[g.InputSize + 1], 1)).ParamName);
        Assert.Equal(1, f.Batch);
    }

    [Fact]
    public void VertexOps_refuse_a_null_graph_a_capacity_below_one_and_the_input_vertex()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        int dense = g.IndexOf("out");
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => VertexOps.Create<double>(null!, dense, 1)).ParamName);
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => VertexOps.CreateAll<double>(null!, 1)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => VertexOps.Create<double>(g, dense, 0)).ParamName);
        ArgumentException e = Assert.Throws<ArgumentException>(() => VertexOps.Create<double>(g, g.Input, 1));
        Assert.Equal("vertex", e.ParamName);
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A graph with every kind and, where a kind has one, a non-default value for every attribute (padding, a
    /// stride other than the kind's default, count_include_pad false, bias false, the (in, out) layout, own keys).
    /// </summary>
    private static GraphSpec EveryAttribute() => new(
    [
        new VertexSpec { Name = "x", Kind = VertexKind.Input, Shape = [2, 7, 6] },
        new VertexSpec
        {
            Name = "c", Kind = VertexKind.Conv2d, Parents = [G.E("x", "relu")], Units = 3, Kernel = (3, 2), Stride = (2, 1),
            Padding = (1, 0), Bias = false, WeightKey = "conv.w", BiasKey = "conv.b",
        },
        new VertexSpec { Name = "a", Kind = VertexKind.AvgPool2d, Parents = [G.E("c")], Kernel = (2, 3), Stride = (1, 2), Padding = (1, 1), CountIncludePad = false },
        new VertexSpec { Name = "m", Kind = VertexKind.MaxPool2d, Parents = [G.E("c", "tanh")], Kernel = (2, 3), Stride = (1, 2), Padding = (1, 1) },
        new VertexSpec { Name = "s", Kind = VertexKind.Sum, Parents = [G.E("a"), G.E("m", "leaky-relu:0.25")] },
        new VertexSpec { Name = "f", Kind = VertexKind.Flatten, Parents = [G.E("s")] },
        new VertexSpec { Name = "i", Kind = VertexKind.Identity, Parents = [G.E("f", "logistic")] },
        new VertexSpec { Name = "d", Kind = VertexKind.Dense, Parents = [G.E("i")], Units = 4, Bias = true, WeightLayout = WeightLayout.InOut },
    ], "d");

    [Fact]
    public void Writing_a_graph_and_parsing_it_restores_every_attribute_of_every_kind()
    {
        // The oracle is the spec built by hand above; the round trip through the text must give back each field. (The
        // examples' round-trip test compares the writer's text with itself, so an attribute the writer drops but the
        // reader defaults to the same value there — padding 0, say — goes unseen.)
        GraphSpec spec = EveryAttribute();
        GraphSpec back = GraphJson.Parse(GraphJson.Write(spec), "round trip");
        Assert.Equal(spec.Output, back.Output);
        Assert.Equal(spec.Vertices.Count, back.Vertices.Count);
        for (int k = 0; k < spec.Vertices.Count; k++)
        {
            VertexSpec a = spec.Vertices[k], b = back.Vertices[k];
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.Kind, b.Kind);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.Parents.Select(e => (e.Parent, e.Activation.Name)), b.Parents.Select(e => (e.Parent, e.Activation.Name)));
            Assert.Equal(a.Units, b.Units);
            Assert.Equal(a.Kernel, b.Kernel);
            Assert.Equal(a.Stride, b.Stride);
            Assert.Equal(a.Padding, b.Padding);
            Assert.Equal(a.CountIncludePad, b.CountIncludePad);
            if (a.HasParameters)
            {
                // Bias is an attribute of dense and conv only (the reader leaves it at its default elsewhere).
                Assert.Equal(a.Bias, b.Bias);
            }

            Assert.Equal(a.WeightLayout, b.WeightLayout);
            Assert.Equal(a.WeightName, b.WeightName);
            Assert.Equal(a.BiasName, b.BiasName);
        }

        // The graph is valid, so the shapes follow: conv ⌊(7 + 2 − 3)/2⌋ + 1 = 4 by ⌊(6 − 2)/1⌋ + 1 = 5; pooling
        // ⌊(4 + 2 − 2)/1⌋ + 1 = 5 by ⌊(5 + 2 − 3)/2⌋ + 1 = 3; flatten 3·5·3 = 45.
        CompiledGraph g = CompiledGraph.Compile(back);
        Assert.Equal([3, 4, 5], g["c"].Shape);
        Assert.Equal([3, 5, 3], g["s"].Shape);
        Assert.Equal([45], g["i"].Shape);
        Assert.Equal([45, 4], g["d"].WeightShape);
    }

    [Fact]
    public void A_null_parameter_slot_is_refused_by_name()
    {
        GraphParameters<double> p = new(CompiledGraph.Compile(DepthAndLevellingTests.ResNet()));
        Assert.Equal("slot", Assert.Throws<ArgumentNullException>(() => p[(ParameterSlot)null!]).ParamName);
    }

    [Fact]
    public void A_vertex_spec_has_the_documented_defaults()
    {
        // What a reader that sets only a name and a kind gets (the summaries of VertexSpec's properties): stride 1,
        // no padding, padded cells counted in the average (PyTorch's default), no bias, the (out, in) layout, keys
        // <name>.weight and <name>.bias, no parents and no shape.
        VertexSpec v = new() { Name = "p", Kind = VertexKind.AvgPool2d };
        Assert.Equal((1, 1), v.Stride);
        Assert.Equal((0, 0), v.Padding);
        Assert.True(v.CountIncludePad);
        Assert.False(v.Bias);
        Assert.Equal(WeightLayout.OutIn, v.WeightLayout);
        Assert.Equal("p.weight", v.WeightName);
        Assert.Equal("p.bias", v.BiasName);
        Assert.Empty(v.Parents);
        Assert.Empty(v.Shape);
        Assert.False(v.InsertedByLevelling);
        Assert.False(v.HasParameters);
        Assert.Equal(
            [false, true, true, false, false, false, false, false],
            Enum.GetValues<VertexKind>().Select(k => new VertexSpec { Name = "v", Kind = k }.HasParameters));
        Assert.Equal("w", (v with { WeightKey = "w" }).WeightName);
        Assert.Equal("b", (v with { BiasKey = "b" }).BiasName);
    }

    [Fact]
    public void Chain_refuses_a_null_network_spec_by_name() =>
        Assert.Equal("spec", Assert.Throws<ArgumentNullException>(() => GraphSpec.Chain(null!)).ParamName);

    [Fact]
    public void Parameter_io_refuses_null_parameters_and_a_null_graph_before_touching_the_file()
    {
        // The graph is checked first: a missing file must not turn a null graph into a file error.
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => GraphParameterIo.Save<double>("unused.npz", null!, NpyDType.Float64)).ParamName);
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => GraphParameterIo.Load<double>("no-such-file.npz", null!)).ParamName);
    }

    [Fact]
    public void An_unknown_parameter_key_is_a_KeyNotFoundException_naming_the_key()
    {
        GraphParameters<double> p = new(CompiledGraph.Compile(DepthAndLevellingTests.ResNet()));
        KeyNotFoundException e = Assert.Throws<KeyNotFoundException>(() => p["nope.weight"]);
        Assert.Contains("'nope.weight'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToChain_refuses_a_network_spec_whose_tensors_are_larger_than_the_graphs()
    {
        // The graph's θ¹ has 3·4 = 12 elements, the spec's 3·5 = 15: copying the smaller into the larger would leave
        // three weights at zero silently, so it is refused, naming the key.
        NetworkSpec small = TestNets.Spec("4,3,2", "tanh", true), large = TestNets.Spec("5,3,2", "tanh", true);
        CompiledGraph g = CompiledGraph.Compile(GraphSpec.Chain(small));
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 5);
        ArgumentException e = Assert.Throws<ArgumentException>(() => p.ToChain(large));
        Assert.Contains("'theta", e.Message, StringComparison.Ordinal);
        Assert.Equal("spec", Assert.Throws<ArgumentNullException>(() => p.ToChain(null!)).ParamName);
    }

    [Fact]
    public void A_shape_of_more_than_int_MaxValue_elements_is_refused()
    {
        // 65536 · 65536 = 2^32 elements: the count would wrap to 0 in 32-bit arithmetic.
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => G.Compile("o", G.Input("x", 65536, 65536), G.Flatten("o", G.E("x"))));
        Assert.Contains("(65536, 65536) has more than 2147483647 elements", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_examples_are_the_files_of_the_examples_folder()
    {
        // The oracle is the file on disk, read by the file reader: the embedded copy must be the same graph.
        foreach (string name in new[] { ExampleGraphs.Mlp, ExampleGraphs.CnnDigits, ExampleGraphs.ResNetSkip })
        {
            GraphSpec embedded = ExampleGraphs.Read(name), file = GraphJson.Read(GraphJsonTests.Example(name + ".json"));
            Assert.Equal(GraphJson.Write(file), GraphJson.Write(embedded));
        }

        InvalidInputException e = Assert.Throws<InvalidInputException>(() => ExampleGraphs.Read("lenet"));
        Assert.Contains("'lenet'", e.Message, StringComparison.Ordinal);
        Assert.Contains("mlp, cnn-digits, resnet-skip", e.Message, StringComparison.Ordinal);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => ExampleGraphs.Read(null!)).ParamName);
    }

    [Fact]
    public void A_missing_parent_edge_is_named_by_its_vertex_and_slot()
    {
        VertexSpec o = G.Sum("o", G.E("x"), null!);
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => G.Compile("o", G.Input("x", 2), o));
        Assert.Contains("vertex 'o' parent 1 is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vertex_prints_as_name_kind_and_numpy_shape() =>
        Assert.Equal("x (input, (1, 6, 6))", CompiledGraph.Compile(DepthAndLevellingTests.ResNet())["x"].ToString());
}
