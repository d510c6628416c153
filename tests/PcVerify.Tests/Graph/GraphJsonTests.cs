using System.Text.Json;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// The graph file format (docs/graph-format.md): every file in <c>examples/</c> loads, compiles and follows the
/// schema's required and allowed properties (checked by hand against docs/graph.schema.json); the levelled example is
/// what <see cref="Levelling"/> produces; the MLP example is the <c>--arch</c> chain; every kind of bad file is one line.
/// </summary>
public class GraphJsonTests
{
    /// <summary>The repository root, found by walking up from the test binary to the directory holding <c>examples/</c> and <c>docs/</c>.</summary>
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "examples")) && File.Exists(Path.Combine(dir.FullName, "docs", "graph.schema.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (examples/ and docs/graph.schema.json) not found above " + AppContext.BaseDirectory);
    }

    internal static string Example(string name) => Path.Combine(RepoRoot(), "examples", name);

    private static string[] ExampleFiles() =>
        [.. Directory.GetFiles(Path.Combine(RepoRoot(), "examples"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> Examples() => [.. ExampleFiles()];

    [Fact]
    public void The_examples_folder_holds_the_four_documented_graphs() =>
        Assert.Equal(["cnn-digits.json", "mlp.json", "resnet-skip-levelled.json", "resnet-skip.json"], ExampleFiles());

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_loads_compiles_and_follows_the_schema(string file)
    {
        string path = Example(file);
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(path), path);
        Assert.True(g.Vertices.Count >= 2);
        SchemaCheck(path);
    }

    /// <summary>
    /// A hand check of the schema's structure: the top level's required and allowed properties; for every vertex, the
    /// <c>$defs</c> entry whose <c>kind</c> is its kind, its required properties and no others; every edge likewise.
    /// </summary>
    private static void SchemaCheck(string path)
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "graph.schema.json")));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement defs = schema.RootElement.GetProperty("$defs");
        CheckObject(doc.RootElement, schema.RootElement, path);
        foreach (JsonElement v in doc.RootElement.GetProperty("vertices").EnumerateArray())
        {
            string kind = v.GetProperty("kind").GetString()!;
            JsonElement def = defs.GetProperty(kind);
            Assert.Equal(kind, def.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString());
            CheckObject(v, def, $"{path} vertex {v.GetProperty("name")}");
            if (v.TryGetProperty("parents", out JsonElement parents))
            {
                foreach (JsonElement e in parents.EnumerateArray())
                {
                    CheckObject(e, defs.GetProperty("edge"), $"{path} edge of {v.GetProperty("name")}");
                }
            }
        }
    }

    private static void CheckObject(JsonElement o, JsonElement def, string where)
    {
        foreach (JsonElement r in def.GetProperty("required").EnumerateArray())
        {
            Assert.True(o.TryGetProperty(r.GetString()!, out _), $"{where}: missing required '{r.GetString()}'");
        }

        Assert.False(def.GetProperty("additionalProperties").GetBoolean());
        JsonElement allowed = def.GetProperty("properties");
        foreach (JsonProperty p in o.EnumerateObject())
        {
            Assert.True(allowed.TryGetProperty(p.Name, out _), $"{where}: property '{p.Name}' is not in the schema");
        }
    }

    [Fact]
    public void The_schema_lists_exactly_the_kinds_the_reader_accepts()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "graph.schema.json")));
        string[] refs = [.. schema.RootElement.GetProperty("properties").GetProperty("vertices").GetProperty("items").GetProperty("oneOf")
            .EnumerateArray().Select(r => r.GetProperty("$ref").GetString()!["#/$defs/".Length..])];
        Assert.Equal(Enum.GetNames<VertexKind>().Select(n => n.ToLowerInvariant()), refs);
    }

    [Fact]
    public void The_hand_levelled_example_is_what_levelling_inserts()
    {
        LevellingResult r = Levelling.Level(GraphJson.Read(Example("resnet-skip.json")));
        Assert.Equal(["h~z.level1"], r.Inserted.Select(i => i.Name));
        Assert.Equal(GraphJson.Write(GraphJson.Read(Example("resnet-skip-levelled.json"))), GraphJson.Write(r.Spec));
        Assert.False(CompiledGraph.Compile(GraphJson.Read(Example("resnet-skip.json"))).Depth.IsLevelled);
        Assert.True(CompiledGraph.Compile(r.Spec).Depth.IsLevelled);
    }

    [Fact]
    public void The_MLP_example_computes_the_arch_chain_bit_for_bit()
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(Example("mlp.json")));
        NetworkSpec spec = TestNets.Spec("64,32,16,10", "tanh", true);
        CompiledGraph chain = CompiledGraph.Compile(GraphSpec.Chain(spec));
        Parameters<double> p = TestNets.Params(spec, 9);
        GraphParameters<double> q = new(g);
        (string Vertex, int L)[] map = [("h1", 3), ("h2", 2), ("out", 1)];
        foreach ((string v, int l) in map)
        {
            p.Theta[l].Data.CopyTo(q.Weight(g.IndexOf(v)), 0);
            p.Beta[l].CopyTo(q.Bias(g.IndexOf(v)), 0);
        }

        double[] x = TestNets.Normal(5 * 64, 10);
        GraphForward<double> a = new(g, 5), b = new(chain, 5);
        a.Run(q, x, 5);
        b.Run(GraphParameters<double>.FromChain(chain, p), x, 5);
        Tolerance.Exact.Assert<double>(b.Output, a.Output, "output");
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Writing_and_reading_back_gives_the_same_graph(string file)
    {
        GraphSpec spec = GraphJson.Read(Example(file));
        string once = GraphJson.Write(spec);
        Assert.Equal(once, GraphJson.Write(GraphJson.Parse(once, "round trip")));
    }

    [Fact]
    public void Defaults_follow_PyTorch_pooling_stride_is_the_kernel_and_bias_is_on()
    {
        GraphSpec s = GraphJson.Parse("""
            {"vertices": [{"name": "x", "kind": "input", "shape": [1, 4, 4]},
                          {"name": "c", "kind": "conv2d", "parents": [{"from": "x"}], "units": 2, "kernel": [3, 1]},
                          {"name": "p", "kind": "avgpool2d", "parents": [{"from": "c", "activation": "leaky-relu:0.2"}], "kernel": 2}],
             "output": "p"}
            """, "t.json");
        VertexSpec c = s.Vertices[1], p = s.Vertices[2];
        Assert.Equal((3, 1), c.Kernel);
        Assert.Equal((1, 1), c.Stride);
        Assert.True(c.Bias);
        Assert.Equal((2, 2), p.Stride);
        Assert.True(p.CountIncludePad);
        Assert.Equal(0.2, p.Parents[0].Activation.Slope);
        Assert.Equal([2, 1, 2], CompiledGraph.Compile(s).Vertices[2].Shape);
    }

    private static string BadFile(string json)
    {
        using TempDirectory dir = new();
        string path = dir.File("bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<InvalidInputException>(() => CompiledGraph.Compile(GraphJson.Read(path), path));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    private const string X = """{"name": "x", "kind": "input", "shape": [1, 4, 4]}""";

    [Fact]
    public void Malformed_JSON_names_the_line_and_position() =>
        Assert.Contains("malformed JSON at line 3, position 5", BadFile("{\n  \"vertices\": [],\n    ]\n}"));

    [Fact]
    public void A_cycle_in_a_file_is_one_line()
    {
        string m = BadFile($$"""{"vertices": [{{X}}, {"name": "a", "kind": "sum", "parents": [{"from": "x"}, {"from": "b"}]}, {"name": "b", "kind": "identity", "parents": [{"from": "a"}]}], "output": "b"}""");
        Assert.Contains("cycle: 'a' → 'b' → 'a'", m);
    }

    [Fact]
    public void A_dangling_vertex_and_a_dangling_parent_are_one_line_each()
    {
        Assert.Contains("vertex 'side' does not lead to the output 'o'", BadFile($$"""{"vertices": [{{X}}, {"name": "side", "kind": "flatten", "parents": [{"from": "x"}]}, {"name": "o", "kind": "identity", "parents": [{"from": "x"}]}], "output": "o"}"""));
        Assert.Contains("vertex 'o' has parent 'ghost', which is not a vertex", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "identity", "parents": [{"from": "ghost"}]}], "output": "o"}"""));
    }

    [Fact]
    public void A_shape_mismatch_names_both_vertices_and_both_shapes()
    {
        string m = BadFile($$"""{"vertices": [{{X}}, {"name": "c", "kind": "conv2d", "parents": [{"from": "x"}], "units": 1, "kernel": 3}, {"name": "o", "kind": "sum", "parents": [{"from": "x"}, {"from": "c"}]}], "output": "o"}""");
        Assert.Contains("sum 'o': parent 'c' has shape (1, 2, 2) but parent 'x' has shape (1, 4, 4)", m);
    }

    [Fact]
    public void An_unknown_kind_lists_the_known_ones() =>
        Assert.Contains("vertex 'o' has unknown kind 'lstm'; expected one of: input, dense, conv2d", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "lstm", "parents": [{"from": "x"}]}], "output": "o"}"""));

    [Fact]
    public void A_convolution_with_an_empty_output_is_one_line() =>
        Assert.Contains(
            "conv2d 'o': output size 0×0 ≤ 0: parent 'x' has shape (1, 4, 4), kernel (5, 5), stride (1, 1), padding (0, 0)",
            BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "conv2d", "parents": [{"from": "x"}], "units": 1, "kernel": 5}], "output": "o"}"""));

    [Fact]
    public void Property_errors_name_the_vertex_and_the_property()
    {
        Assert.Contains("vertex 'o' (dense): unknown property 'kernel'", BadFile($$"""{"vertices": [{{X}}, {"name": "f", "kind": "flatten", "parents": [{"from": "x"}]}, {"name": "o", "kind": "dense", "parents": [{"from": "f"}], "units": 2, "kernel": 3}], "output": "o"}"""));
        Assert.Contains("vertex 'o': missing required property 'units'", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "conv2d", "parents": [{"from": "x"}], "kernel": 3}], "output": "o"}"""));
        Assert.Contains("vertex 'o': 'kernel' must be an integer or [height, width], found [1, 2, 3]", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "conv2d", "parents": [{"from": "x"}], "units": 1, "kernel": [1, 2, 3]}], "output": "o"}"""));
        Assert.Contains("vertex 'o' parent 'x': unknown activation 'swish'", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "identity", "parents": [{"from": "x", "activation": "swish"}]}], "output": "o"}"""));
        Assert.Contains("the top level: missing required property 'output'", BadFile($$"""{"vertices": [{{X}}]}"""));
        Assert.Contains("'format' must be \"pcverify-graph/1\"", BadFile("""{"format": "onnx", "vertices": [], "output": "o"}"""));
        Assert.Contains("vertex 'o' (conv2d): property 'kernel' appears twice", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "conv2d", "parents": [{"from": "x"}], "units": 1, "kernel": 1, "kernel": 3}], "output": "o"}"""));
        Assert.Contains("'units' must be an integer, found 2.5", BadFile($$"""{"vertices": [{{X}}, {"name": "o", "kind": "conv2d", "parents": [{"from": "x"}], "units": 2.5, "kernel": 1}], "output": "o"}"""));
    }

    [Fact]
    public void A_name_with_a_control_character_is_refused_before_it_reaches_a_message()
    {
        Assert.Contains("vertices[1]: 'name' contains a control character", BadFile($$"""{"vertices": [{{X}}, {"name": "a\nb", "kind": "identity", "parents": [{"from": "x"}]}], "output": "a"}"""));
        var e = Assert.Throws<InvalidInputException>(() => CompiledGraph.Compile(G.Spec("o", G.Input("x", 3), G.Id("o", G.E("x\r")))));
        Assert.Contains("a parent of vertex 1 contains the control character U+000D", e.Message);
    }

    [Fact]
    public void A_missing_file_is_one_line()
    {
        var e = Assert.Throws<InvalidInputException>(() => GraphJson.Read("/nonexistent/graph.json"));
        Assert.Equal("graph file '/nonexistent/graph.json' not found", e.Message);
    }
}
