using PcVerify.Engine;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// Depths and levelling (docs/math.md §10) on hand-made graphs whose answers are counted by hand in the comments, and the
/// promise that levelling changes neither the function nor the parameters: the forward pass before and after is
/// bit-identical (an identity vertex copies, and the inserted edges carry the original activation once).
/// </summary>
public class DepthAndLevellingTests
{
    /// <summary>x → h = conv(x); c2 = conv(relu h); z = c2 + h; f = flatten(relu z); out = dense(f).</summary>
    internal static GraphSpec ResNet() => G.Spec("out",
        G.Input("x", 1, 6, 6),
        G.Conv("h", 2, G.E("x"), 3, 1, 1),
        G.Conv("c2", 2, G.E("h", "relu"), 3, 1, 1),
        G.Sum("z", G.E("c2"), G.E("h")),
        G.Flatten("f", G.E("z", "relu")),
        G.Dense("out", 3, G.E("f")));

    /// <summary>x → a → b → c → out = c + tanh(a) (two vertices short on a → out).</summary>
    private static GraphSpec LongSkip() => G.Spec("out",
        G.Input("x", 4),
        G.Dense("a", 4, G.E("x", "relu")),
        G.Dense("b", 4, G.E("a", "tanh")),
        G.Dense("c", 4, G.E("b", "logistic")),
        G.Sum("out", G.E("c"), G.E("a", "tanh")));

    private static int[] Depths(CompiledGraph g, IReadOnlyList<int> d, params string[] names) => [.. names.Select(n => d[g.IndexOf(n)])];

    [Fact]
    public void ResNet_depths_are_counted_by_hand_and_h_is_not_levelled()
    {
        CompiledGraph g = CompiledGraph.Compile(ResNet());
        // out 0; f 1; z 2; c2 3; h: via c2 4, via z 3; x: 5.
        Assert.Equal([0, 1, 2, 3, 3, 4], Depths(g, g.Depth.Min, "out", "f", "z", "c2", "h", "x"));
        Assert.Equal([0, 1, 2, 3, 4, 5], Depths(g, g.Depth.Max, "out", "f", "z", "c2", "h", "x"));
        Assert.False(g.Depth.IsLevelled);
        Assert.Equal(4, g.Depth.MaxDepth);
        Assert.Equal(["h"], g.Depth.Unlevelled(g).Select(v => g.Vertices[v].Name));
    }

    [Fact]
    public void A_skip_out_of_the_input_is_harmless()
    {
        // x → a → s and x → s: d_min(x) = 1 ≠ d_max(x) = 2, but inputs are ignored.
        CompiledGraph g = G.Compile("s", G.Input("x", 3), G.Dense("a", 3, G.E("x")), G.Sum("s", G.E("a"), G.E("x", "tanh")));
        Assert.Equal(1, g.Depth.Min[g.Input]);
        Assert.Equal(2, g.Depth.Max[g.Input]);
        Assert.True(g.Depth.IsLevelled);
        Assert.Equal(1, g.Depth.MaxDepth);
        Assert.Empty(Levelling.Level(g.Spec).Inserted);
    }

    [Fact]
    public void Levelling_the_ResNet_inserts_one_identity_on_the_skip_and_the_result_is_levelled()
    {
        LevellingResult r = Levelling.Level(ResNet());
        Assert.Equal([new InsertedVertex("h~z.level1", "h", "z", 1)], r.Inserted);
        CompiledGraph g = CompiledGraph.Compile(r.Spec);
        Assert.True(g.Depth.IsLevelled);
        Assert.Equal([0, 1, 2, 3, 3, 4, 5], Depths(g, g.Depth.Max, "out", "f", "z", "c2", "h~z.level1", "h", "x"));
        Assert.Equal(g.Depth.Max.Skip(1), g.Depth.Min.Skip(1));
        VertexSpec u = g["h~z.level1"].Spec;
        Assert.True(u.InsertedByLevelling);
        Assert.Equal(VertexKind.Identity, u.Kind);
        Assert.Equal("h", u.Parents[0].Parent);
        Assert.Equal("h~z.level1", g["z"].Spec.Parents[1].Parent);
        Assert.Equal(4, g.Depth.MaxDepth);
    }

    [Fact]
    public void Levelling_a_long_skip_inserts_two_vertices_the_first_carrying_the_edge_activation()
    {
        LevellingResult r = Levelling.Level(LongSkip());
        // d_max: out 0, c 1, b 2, a 3 → the edge a → out is short by 3 − 0 − 1 = 2.
        Assert.Equal(["a~out.level1", "a~out.level2"], r.Inserted.Select(i => i.Name));
        CompiledGraph g = CompiledGraph.Compile(r.Spec);
        Assert.True(g.Depth.IsLevelled);
        Assert.Equal("tanh", g["a~out.level1"].Spec.Parents[0].Activation.Name);
        Assert.Equal("identity", g["a~out.level2"].Spec.Parents[0].Activation.Name);
        Assert.Equal("identity", g["out"].Spec.Parents[1].Activation.Name);
        Assert.Equal("a~out.level2", g["out"].Spec.Parents[1].Parent);
    }

    [Fact]
    public void Parallel_short_edges_get_one_chain_each_named_by_slot()
    {
        GraphSpec spec = G.Spec("out", G.Input("x", 3), G.Dense("a", 3, G.E("x")), G.Dense("b", 3, G.E("a")),
            G.Sum("out", G.E("b"), G.E("a"), G.E("a", "relu")));
        LevellingResult r = Levelling.Level(spec);
        Assert.Equal(["a~out.1.level1", "a~out.2.level1"], r.Inserted.Select(i => i.Name));
        Assert.True(CompiledGraph.Compile(r.Spec).Depth.IsLevelled);
    }

    [Fact]
    public void Levelling_refuses_a_name_that_is_taken()
    {
        GraphSpec spec = G.Spec("out", G.Input("x", 3), G.Dense("a", 3, G.E("x")), G.Dense("a~out.level1", 3, G.E("a")),
            G.Sum("out", G.E("a~out.level1"), G.E("a")));
        var e = Assert.Throws<InvalidInputException>(() => Levelling.Level(spec));
        Assert.Contains("'a~out.level1'", e.Message);
    }

    private static void ForwardUnchanged(GraphSpec spec, bool breakIt = false)
    {
        CompiledGraph before = CompiledGraph.Compile(spec);
        LevellingResult r = Levelling.Level(spec);
        Assert.NotEmpty(r.Inserted);
        GraphSpec levelled = r.Spec;
        if (breakIt)
        {
            // Drop the activation the first inserted vertex carries: the function must change.
            levelled = levelled with
            {
                Vertices = [.. levelled.Vertices.Select(v => v.Name == r.Inserted[0].Name ? v with { Parents = [new EdgeSpec(v.Parents[0].Parent, Activation.Identity)] } : v)],
            };
        }

        CompiledGraph after = CompiledGraph.Compile(levelled);
        GraphParameters<double> p = GraphParameters<double>.Initialise(before, InitScheme.XavierUniform, 3, 1.0, 0.5);
        GraphParameters<double> q = GraphParameters<double>.FromArrays(after, p.ToArrays(PcVerify.Engine.Data.NpyDType.Float64), "levelled");
        const int batch = 3;
        double[] x = TestNets.Normal(batch * before.InputSize, 4);
        GraphForward<double> f1 = new(before, batch), f2 = new(after, batch);
        f1.Run(p, x, batch);
        f2.Run(q, x, batch);
        foreach (GraphVertex v in before.Vertices)
        {
            int w = after.IndexOf(v.Name);
            Tolerance.Exact.Assert<double>(f1.Y[v.Index].AsSpan(0, batch * v.Size), f2.Y[w].AsSpan(0, batch * v.Size), $"y of '{v.Name}'");
        }
    }

    [Fact]
    public void Levelling_leaves_the_forward_function_bit_identical()
    {
        ForwardUnchanged(ResNet());
        ForwardUnchanged(LongSkip());
    }

    /// <summary>Negative control: without the edge activation on the inserted vertex, the forward pass differs.</summary>
    [Fact]
    public void Levelling_without_the_edge_activation_would_change_the_function() =>
        Assert.Throws<ToleranceException>(() => ForwardUnchanged(LongSkip(), breakIt: true));
}
