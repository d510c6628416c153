using System.Globalization;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Graph;

/// <summary>One identity vertex inserted by <see cref="Levelling.Level"/>, and the edge it was inserted on.</summary>
/// <param name="Name">The inserted vertex's name.</param>
/// <param name="Parent">The parent of the original edge.</param>
/// <param name="Child">The child of the original edge.</param>
/// <param name="Slot">The original edge's slot among the child's parents.</param>
public sealed record InsertedVertex(string Name, string Parent, string Child, int Slot);

/// <summary>The outcome of <see cref="Levelling.Level"/>: the levelled spec and every vertex it inserted (empty when the graph was levelled).</summary>
/// <param name="Spec">The levelled graph.</param>
/// <param name="Inserted">The inserted vertices, in the order of the original edges (by child in topological order, then slot), parent side first.</param>
public sealed record LevellingResult(GraphSpec Spec, IReadOnlyList<InsertedVertex> Inserted);

/// <summary>
/// Levelling (docs/math.md §10): on every edge <c>e = (p → c)</c> out of a non-input vertex with
/// <c>d_max(p) &gt; d_max(c) + 1</c>, insert <c>k = d_max(p) − d_max(c) − 1</c> identity vertices
/// <c>u_1 … u_k</c>: the edge <c>p → u_1</c> carries <c>f_e</c> (so <c>F_{u_1} = f_e(x_p)</c>), the edges
/// <c>u_i → u_{i+1}</c> and <c>u_k → c</c> are identity, so c still sees <c>f_e(x_p)</c>. Every path from p then has
/// <c>d_max(p)</c> edges, and no <c>d_max</c> changes, so each non-input vertex gets <c>d(v) = d_max(v)</c>. Edges out of
/// the input are left alone (the input is clamped). Neither the function nor its gradients change.
/// </summary>
/// <remarks>
/// The inserted vertices are named <c>&lt;parent&gt;~&lt;child&gt;.level&lt;i&gt;</c> (<c>i = 1..k</c> from the parent
/// side); when the child has several edges from the same parent, <c>&lt;parent&gt;~&lt;child&gt;.&lt;slot&gt;.level&lt;i&gt;</c>.
/// They are marked <see cref="VertexSpec.InsertedByLevelling"/>, have no parameters, and are listed in the
/// vertex list right before their child. Levelling is never silent: the caller reports <see cref="LevellingResult.Inserted"/>.
/// </remarks>
public static class Levelling
{
    /// <summary>Levels <paramref name="spec"/> (validated by compiling it first).</summary>
    /// <exception cref="InvalidInputException">The spec does not compile, or an inserted name is already taken.</exception>
    public static LevellingResult Level(GraphSpec spec, string source = "graph")
    {
        ArgumentNullException.ThrowIfNull(spec);
        CompiledGraph g = CompiledGraph.Compile(spec, source);
        IReadOnlyList<int> dmax = g.Depth.Max;
        HashSet<string> names = [.. spec.Vertices.Select(v => v.Name)];
        List<InsertedVertex> inserted = [];
        List<VertexSpec> vertices = [];
        foreach (GraphVertex c in g.Vertices)
        {
            List<EdgeSpec> parents = [];
            for (int k = 0; k < c.InDegree; k++)
            {
                GraphEdge e = g.InEdge(c.Index, k);
                int missing = dmax[e.Parent] - dmax[c.Index] - 1;
                if (e.Parent == g.Input || missing == 0)
                {
                    parents.Add(c.Spec.Parents[k]);
                    continue;
                }

                string p = g.Vertices[e.Parent].Name;
                bool parallel = c.Spec.Parents.Count(x => x.Parent == p) > 1;
                string stem = parallel ? $"{p}~{c.Name}.{k.ToString(CultureInfo.InvariantCulture)}" : $"{p}~{c.Name}";
                EdgeSpec edge = c.Spec.Parents[k];
                for (int i = 1; i <= missing; i++)
                {
                    string name = $"{stem}.level{i.ToString(CultureInfo.InvariantCulture)}";
                    if (!names.Add(name))
                    {
                        throw new InvalidInputException($"{source}: levelling would insert a vertex '{name}', but that name is taken");
                    }

                    vertices.Add(new VertexSpec { Name = name, Kind = VertexKind.Identity, Parents = [edge], InsertedByLevelling = true });
                    inserted.Add(new InsertedVertex(name, p, c.Name, k));
                    edge = new EdgeSpec(name, Activation.Identity);
                }

                parents.Add(edge);
            }

            vertices.Add(c.Spec with { Parents = parents });
        }

        return new LevellingResult(new GraphSpec(vertices, spec.Output), inserted);
    }
}
