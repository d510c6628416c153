using PcVerify.Engine;
using PcVerify.Engine.Graph;

namespace PcVerify.Tests.Graph;

/// <summary>Every kind of bad graph is one line naming the problem (vertices, shapes, expected vs found).</summary>
public class CompileErrorTests
{
    private static string Error(params VertexSpec[] vertices) => Error("out", vertices);

    private static string Error(string output, params VertexSpec[] vertices)
    {
        var e = Assert.Throws<InvalidInputException>(() => CompiledGraph.Compile(G.Spec(output, vertices), "net.json"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("net.json: ", e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    [Fact]
    public void A_cycle_is_named_vertex_by_vertex()
    {
        string m = Error(G.Input("x", 3), G.Sum("a", G.E("x"), G.E("c")), G.Id("b", G.E("a")), G.Id("c", G.E("b")), G.Id("out", G.E("c")));
        Assert.Contains("cycle", m);
        Assert.Contains("'a' → 'b' → 'c' → 'a'", m);
    }

    [Fact]
    public void A_parent_that_is_not_a_vertex_is_a_dangling_edge()
    {
        string m = Error(G.Input("x", 3), G.Dense("out", 2, G.E("nope")));
        Assert.Contains("'out' has parent 'nope', which is not a vertex", m);
    }

    [Fact]
    public void A_vertex_that_does_not_lead_to_the_output_is_dangling()
    {
        string m = Error(G.Input("x", 3), G.Dense("side", 2, G.E("x")), G.Dense("out", 2, G.E("x")));
        Assert.Contains("'side' does not lead to the output 'out'", m);
    }

    [Fact]
    public void Exactly_one_input_is_required()
    {
        Assert.Contains("2 input vertices ('x', 'y')", Error(G.Input("x", 3), G.Input("y", 3), G.Sum("out", G.E("x"), G.E("y"))));
        Assert.Contains("no input vertex", Error(G.Id("out", G.E("out"))));
    }

    [Fact]
    public void Duplicate_names_unknown_output_and_an_input_output_are_refused()
    {
        Assert.Contains("two vertices are named 'a'", Error(G.Input("x", 3), G.Id("a", G.E("x")), G.Id("a", G.E("x")), G.Id("out", G.E("a"))));
        Assert.Contains("the output 'zzz' is not a vertex", Error("zzz", G.Input("x", 3), G.Id("out", G.E("x"))));
        Assert.Contains("the output 'x' is the input", Error("x", G.Input("x", 3)));
    }

    [Fact]
    public void A_sum_of_two_shapes_names_both_vertices_and_both_shapes()
    {
        string m = Error(G.Input("x", 1, 6, 6), G.Conv("a", 2, G.E("x"), 3, 1, 1), G.Conv("b", 2, G.E("x"), 3), G.Sum("out", G.E("a"), G.E("b")));
        Assert.Contains("sum 'out': parent 'b' has shape (2, 4, 4) but parent 'a' has shape (2, 6, 6)", m);
    }

    [Fact]
    public void Rank_errors_name_the_vertex_the_parent_and_its_shape()
    {
        Assert.Contains("dense 'out': needs a flat parent, but parent 'x' has shape (1, 4, 4)", Error(G.Input("x", 1, 4, 4), G.Dense("out", 2, G.E("x"))));
        Assert.Contains("conv2d 'out': needs a (C, H, W) parent, but parent 'x' has shape (16,)", Error(G.Input("x", 16), G.Conv("out", 2, G.E("x"), 3)));
        Assert.Contains("maxpool2d 'out': needs a (C, H, W) parent, but parent 'x' has shape (16,)", Error(G.Input("x", 16), G.Pool("out", VertexKind.MaxPool2d, G.E("x"), 2, 2)));
    }

    [Fact]
    public void A_convolution_whose_output_is_empty_is_refused_with_its_geometry()
    {
        string m = Error(G.Input("x", 1, 4, 4), G.Conv("out", 2, G.E("x"), 5));
        Assert.Contains("conv2d 'out': output size 0×0 ≤ 0: parent 'x' has shape (1, 4, 4), kernel (5, 5), stride (1, 1), padding (0, 0)", m);
    }

    [Fact]
    public void Bad_attributes_are_refused()
    {
        Assert.Contains("units must be ≥ 1, found 0", Error(G.Input("x", 3), G.Dense("out", 0, G.E("x"))));
        Assert.Contains("stride height must be ≥ 1, found 0", Error(G.Input("x", 1, 4, 4), G.Conv("out", 2, G.E("x"), 3, 0)));
        Assert.Contains("padding (2, 2) must be at most half the kernel (3, 3)", Error(G.Input("x", 1, 4, 4), G.Pool("out", VertexKind.AvgPool2d, G.E("x"), 3, 1, 2)));
        Assert.Contains("padding (-1, -1) must be ≥ 0", Error(G.Input("x", 1, 4, 4), G.Conv("out", 2, G.E("x"), 3, 1, -1)));
        Assert.Contains("shape (3, 0) must have at least one dimension and every dimension ≥ 1", Error(G.Input("x", 3, 0), G.Id("out", G.E("x"))));
    }

    [Fact]
    public void Wrong_parent_counts_are_refused()
    {
        Assert.Contains("sum 'out': needs at least two parents, found 1", Error(G.Input("x", 3), G.Sum("out", G.E("x"))));
        Assert.Contains("identity 'out': needs exactly one parent, found 2", Error(G.Input("x", 3), new VertexSpec { Name = "out", Kind = VertexKind.Identity, Parents = [G.E("x"), G.E("x")] }));
        Assert.Contains("dense 'out' has no parents", Error(G.Input("x", 3), new VertexSpec { Name = "out", Kind = VertexKind.Dense, Units = 2 }));
        Assert.Contains("input 'y' has parents", Error(new VertexSpec { Name = "y", Kind = VertexKind.Input, Shape = [3], Parents = [G.E("out")] }, G.Id("out", G.E("y"))));
    }

    [Fact]
    public void Shapes_and_parameter_slots_follow_PyTorch()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        Assert.Equal([2, 6, 6], g["h"].Shape);
        Assert.Equal([72], g["f"].Shape);
        Assert.Equal(
            ["h.weight (2, 1, 3, 3)", "c2.weight (2, 2, 3, 3)", "out.weight (3, 72)", "h.bias (2,)", "c2.bias (2,)", "out.bias (3,)"],
            g.ParameterSlots.OrderBy(s => s.IsBias).Select(s => $"{s.Key} ({string.Join(", ", s.Shape)}{(s.Shape.Count == 1 ? "," : "")})"));
    }
}
