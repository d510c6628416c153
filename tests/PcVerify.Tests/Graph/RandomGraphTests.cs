using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// Depth and levelling on 300 seeded random DAGs (dense, identity and sum vertices, parallel edges, skips of every
/// length, random edge activations) against an independent oracle: every path to the output enumerated by brute force.
/// Properties: <c>d_min</c>/<c>d_max</c> are the shortest/longest path lengths; after levelling every path from a
/// non-input vertex has one length, equal to its original <c>d_max</c>; the forward pass is bit-identical.
/// </summary>
public class RandomGraphTests
{
    private static readonly string[] Acts = ["identity", "tanh", "relu", "logistic"];

    /// <summary>A random DAG over width-3 vertices; every childless vertex feeds the output sum, so all lead to it.</summary>
    internal static GraphSpec RandomGraph(ulong seed)
    {
        Rng rng = new(seed);
        int n = 2 + rng.NextInt(8);
        List<VertexSpec> vs = [G.Input("v0", 3)];
        bool[] hasChild = new bool[n + 1];
        EdgeSpec Edge(int max)
        {
            int p = rng.NextInt(max);
            hasChild[p] = true;
            return G.E($"v{p}", Acts[rng.NextInt(Acts.Length)]);
        }

        for (int i = 1; i < n; i++)
        {
            vs.Add(rng.NextInt(3) switch
            {
                0 => G.Dense($"v{i}", 3, Edge(i), bias: rng.NextInt(2) == 0),
                1 => G.Id($"v{i}", Edge(i)),
                _ => G.Sum($"v{i}", [.. Enumerable.Range(0, 2 + rng.NextInt(2)).Select(_ => Edge(i))]),
            });
        }

        List<EdgeSpec> outParents = [.. Enumerable.Range(1, n - 1).Where(i => !hasChild[i]).Select(i => G.E($"v{i}", Acts[rng.NextInt(Acts.Length)]))];
        outParents.Add(Edge(n));
        vs.Add(outParents.Count >= 2 ? G.Sum("out", [.. outParents]) : G.Dense("out", 2, outParents[0]));
        return G.Spec("out", [.. vs]);
    }

    /// <summary>The lengths of all paths from each vertex to the output, by enumeration over the children.</summary>
    private static Dictionary<string, SortedSet<int>> PathLengths(GraphSpec spec)
    {
        Dictionary<string, List<string>> children = spec.Vertices.ToDictionary(v => v.Name, _ => new List<string>());
        foreach (VertexSpec v in spec.Vertices)
        {
            foreach (EdgeSpec e in v.Parents)
            {
                children[e.Parent].Add(v.Name);
            }
        }

        Dictionary<string, SortedSet<int>> lengths = [];
        SortedSet<int> Of(string v)
        {
            if (lengths.TryGetValue(v, out SortedSet<int>? known))
            {
                return known;
            }

            SortedSet<int> s = v == spec.Output ? [0] : [.. children[v].SelectMany(c => Of(c).Select(l => l + 1))];
            lengths[v] = s;
            return s;
        }

        foreach (VertexSpec v in spec.Vertices)
        {
            Of(v.Name);
        }

        return lengths;
    }

    [Fact]
    public void Depths_equal_the_shortest_and_longest_enumerated_paths_and_levelling_equalises_them_without_changing_the_function()
    {
        int unlevelled = 0;
        for (ulong seed = 1; seed <= 300; seed++)
        {
            GraphSpec spec = RandomGraph(seed);
            CompiledGraph g = CompiledGraph.Compile(spec, $"random graph {seed}");
            Dictionary<string, SortedSet<int>> paths = PathLengths(spec);
            foreach (GraphVertex v in g.Vertices)
            {
                Assert.True(paths[v.Name].Min == g.Depth.Min[v.Index], $"seed {seed}: d_min('{v.Name}')");
                Assert.True(paths[v.Name].Max == g.Depth.Max[v.Index], $"seed {seed}: d_max('{v.Name}')");
            }

            bool levelled = g.Vertices.Where(v => v.Index != g.Input).All(v => paths[v.Name].Count == 1);
            Assert.True(levelled == g.Depth.IsLevelled, $"seed {seed}: IsLevelled");
            unlevelled += levelled ? 0 : 1;

            LevellingResult r = Levelling.Level(spec);
            Assert.True(levelled == (r.Inserted.Count == 0), $"seed {seed}: levelling inserts exactly when needed");
            CompiledGraph h = CompiledGraph.Compile(r.Spec);
            Dictionary<string, SortedSet<int>> after = PathLengths(r.Spec);
            foreach (GraphVertex v in h.Vertices.Where(v => v.Index != h.Input))
            {
                Assert.True(after[v.Name].Count == 1, $"seed {seed}: after levelling '{v.Name}' has path lengths {string.Join(",", after[v.Name])}");
                if (!v.Spec.InsertedByLevelling)
                {
                    Assert.True(after[v.Name].Max == paths[v.Name].Max, $"seed {seed}: levelling changed d_max('{v.Name}')");
                }
            }

            Assert.True(h.Depth.IsLevelled, $"seed {seed}");
            Assert.Equal(g.Depth.MaxDepth, h.Depth.MaxDepth);

            GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.XavierUniform, seed, 1.0, 0.5);
            GraphParameters<double> q = GraphParameters<double>.FromArrays(h, p.ToArrays(NpyDType.Float64), "levelled");
            double[] x = TestNets.Normal(2 * 3, seed);
            GraphForward<double> f1 = new(g, 2), f2 = new(h, 2);
            f1.Run(p, x, 2);
            f2.Run(q, x, 2);
            Tolerance.Exact.Assert<double>(f1.Output, f2.Output, $"seed {seed}: output after levelling");
        }

        // The generator must exercise the interesting case often (a property over only levelled graphs proves little).
        Assert.True(unlevelled >= 100, $"only {unlevelled} of 300 random graphs were unlevelled");
    }
}
