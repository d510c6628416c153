namespace PcVerify.Engine.Graph;

/// <summary>
/// The depths of docs/math.md §10: <c>d_max(v)</c> and <c>d_min(v)</c>, the numbers of edges on the longest and the shortest
/// path from <c>v</c> to the output (the output: 0). The graph is levelled when <c>d_min(v) = d_max(v)</c> for every
/// non-input vertex; input vertices are clamped to data, so skips out of an input are harmless.
/// </summary>
public sealed class GraphDepth
{
    private GraphDepth(int[] min, int[] max, bool levelled, int maxDepth)
    {
        Min = min;
        Max = max;
        IsLevelled = levelled;
        MaxDepth = maxDepth;
    }

    /// <summary><c>d_min(v)</c> by topological index.</summary>
    public IReadOnlyList<int> Min { get; }

    /// <summary><c>d_max(v)</c> by topological index.</summary>
    public IReadOnlyList<int> Max { get; }

    /// <summary>Whether <c>d_min(v) = d_max(v)</c> for every non-input vertex.</summary>
    public bool IsLevelled { get; }

    /// <summary><c>max d_max(v)</c> over the non-input vertices: Z-IL's last moment (<c>L − 1</c> on a chain of <c>L</c> weight layers).</summary>
    public int MaxDepth { get; }

    /// <summary>The vertices (topological indices) whose <c>d_min</c> and <c>d_max</c> differ, inputs excluded, in topological order.</summary>
    public IReadOnlyList<int> Unlevelled(CompiledGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return [.. Enumerable.Range(0, Min.Count).Where(v => v != graph.Input && Min[v] != Max[v])];
    }

    /// <summary>Computes the depths over the children in reverse topological order.</summary>
    internal static GraphDepth Compute(CompiledGraph graph)
    {
        int n = graph.Vertices.Count;
        int[] min = new int[n], max = new int[n];
        for (int v = n - 1; v >= 0; v--)
        {
            if (v == graph.Output)
            {
                continue;
            }

            int lo = int.MaxValue, hi = 0;
            foreach (int e in graph.Vertices[v].OutEdges)
            {
                int c = graph.Edges[e].Child;
                lo = Math.Min(lo, min[c] + 1);
                hi = Math.Max(hi, max[c] + 1);
            }

            min[v] = lo;
            max[v] = hi;
        }

        bool levelled = true;
        int maxDepth = 0;
        for (int v = 0; v < n; v++)
        {
            if (v != graph.Input)
            {
                levelled &= min[v] == max[v];
                maxDepth = Math.Max(maxDepth, max[v]);
            }
        }

        return new GraphDepth(min, max, levelled, maxDepth);
    }
}
