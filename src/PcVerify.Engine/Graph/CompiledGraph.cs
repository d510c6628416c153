namespace PcVerify.Engine.Graph;

/// <summary>
/// A validated computation graph (docs/math.md §10): its vertices in topological order (the input first), every value's
/// shape, the indexed edges with their activations, each vertex's children, the parameter shapes, and the depths.
/// Built once from a <see cref="GraphSpec"/> by <see cref="Compile"/>; immutable.
/// </summary>
/// <remarks>
/// <para>A graph has exactly one input vertex (the data has one input tensor) and one output vertex (clamped to the
/// target in the PCN); every vertex must lie on a path from the input to the output.</para>
/// <para>Topological order: Kahn's algorithm, and among the vertices that are ready at once the one listed first in
/// the spec goes first, so the order is deterministic and a chain from <see cref="GraphSpec.Chain"/> keeps its
/// order <c>x{L}, x{L−1}, …, x0</c>.</para>
/// <para>Buffers of the engine hold a batch as <c>B × Size</c> row-major (pair b's value is elements
/// <c>b·Size .. (b+1)·Size − 1</c>), an image value in NCHW order.</para>
/// </remarks>
public sealed class CompiledGraph
{
    private readonly Dictionary<string, int> _byName;

    private CompiledGraph(GraphSpec spec, GraphVertex[] vertices, GraphEdge[] edges, int input, int output, Dictionary<string, int> byName)
    {
        Spec = spec;
        Vertices = vertices;
        Edges = edges;
        Input = input;
        Output = output;
        _byName = byName;
        Depth = GraphDepth.Compute(this);
        List<ParameterSlot> slots = [];
        foreach (GraphVertex v in vertices)
        {
            if (v.WeightShape.Count > 0)
            {
                slots.Add(new ParameterSlot(v.Spec.WeightName, v.Index, false, v.WeightShape));
            }

            if (v.BiasShape.Count > 0)
            {
                slots.Add(new ParameterSlot(v.Spec.BiasName, v.Index, true, v.BiasShape));
            }
        }

        ParameterSlots = slots;
    }

    /// <summary>The spec this graph was compiled from.</summary>
    public GraphSpec Spec { get; }

    /// <summary>The vertices in topological order; <c>Vertices[i].Index == i</c>.</summary>
    public IReadOnlyList<GraphVertex> Vertices { get; }

    /// <summary>The edges, grouped by child in topological order and by slot within a child.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>The index of the input vertex: always 0, since it is the only vertex without parents.</summary>
    public int Input { get; }

    /// <summary>The index of the output vertex.</summary>
    public int Output { get; }

    /// <summary>The depths <c>d_min</c>, <c>d_max</c> and whether the graph is levelled.</summary>
    public GraphDepth Depth { get; }

    /// <summary>The parameter tensors in topological order of their vertices, the weight before the bias.</summary>
    public IReadOnlyList<ParameterSlot> ParameterSlots { get; }

    /// <summary>The size of one pair's input value.</summary>
    public int InputSize => Vertices[Input].Size;

    /// <summary>The size of one pair's output value.</summary>
    public int OutputSize => Vertices[Output].Size;

    /// <summary>The vertex called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such vertex.</exception>
    public GraphVertex this[string name] => Vertices[IndexOf(name)];

    /// <summary>The topological index of the vertex called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such vertex.</exception>
    public int IndexOf(string name) =>
        _byName.TryGetValue(name, out int i) ? i : throw new KeyNotFoundException($"graph has no vertex '{name}'");

    /// <summary>The edge into <paramref name="vertex"/> at <paramref name="slot"/>.</summary>
    public GraphEdge InEdge(int vertex, int slot) => Edges[Vertices[vertex].FirstEdge + slot];

    /// <summary>
    /// Validates <paramref name="spec"/> and compiles it. <paramref name="source"/> prefixes every message (a file name,
    /// or "graph").
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// An empty or duplicate name, an unknown parent, not exactly one input, an unknown output, a cycle, a vertex off
    /// every input-to-output path, or a shape error (<see cref="ShapeInference"/>); each one line.
    /// </exception>
    public static CompiledGraph Compile(GraphSpec spec, string source = "graph")
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyList<VertexSpec> vs = spec.Vertices;
        if (vs.Count == 0)
        {
            throw new InvalidInputException($"{source}: the graph has no vertices");
        }

        CheckPrintable(source, "the output's name", spec.Output);
        Dictionary<string, int> specIndex = new(StringComparer.Ordinal);
        for (int i = 0; i < vs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(vs[i].Name))
            {
                throw new InvalidInputException($"{source}: vertex {i} has an empty name");
            }

            // Names appear in every message; a control character would break the one-line rule.
            CheckPrintable(source, $"vertex {i}'s name", vs[i].Name);
            foreach (EdgeSpec? e in vs[i].Parents)
            {
                CheckPrintable(source, $"a parent of vertex {i}", e?.Parent ?? "");
            }

            if (!specIndex.TryAdd(vs[i].Name, i))
            {
                throw new InvalidInputException($"{source}: two vertices are named '{vs[i].Name}'");
            }

            if (!Enum.IsDefined(vs[i].Kind))
            {
                throw new InvalidInputException($"{source}: vertex '{vs[i].Name}' has unknown kind {(int)vs[i].Kind}");
            }
        }

        string[] inputs = [.. vs.Where(v => v.Kind == VertexKind.Input).Select(v => v.Name)];
        if (inputs.Length != 1)
        {
            throw new InvalidInputException(inputs.Length == 0
                ? $"{source}: the graph has no input vertex; it needs exactly one (the data has one input tensor)"
                : $"{source}: the graph has {inputs.Length} input vertices ({string.Join(", ", inputs.Select(n => $"'{n}'"))}); it needs exactly one (the data has one input tensor)");
        }

        if (!specIndex.TryGetValue(spec.Output, out int outputSpec))
        {
            throw new InvalidInputException($"{source}: the output '{spec.Output}' is not a vertex");
        }

        if (vs[outputSpec].Kind == VertexKind.Input)
        {
            throw new InvalidInputException($"{source}: the output '{spec.Output}' is the input vertex; the output must be computed");
        }

        // Parents resolve, inputs have none, the others have some.
        int[][] parentsOf = new int[vs.Count][];
        List<int>[] childrenOf = new List<int>[vs.Count];
        for (int i = 0; i < vs.Count; i++)
        {
            childrenOf[i] = [];
        }

        for (int i = 0; i < vs.Count; i++)
        {
            VertexSpec v = vs[i];
            if (v.Kind == VertexKind.Input && v.Parents.Count > 0)
            {
                throw new InvalidInputException($"{source}: input '{v.Name}' has parents; an input is clamped to data");
            }

            if (v.Kind != VertexKind.Input && v.Parents.Count == 0)
            {
                throw new InvalidInputException($"{source}: {ShapeInference.Kind(v.Kind)} '{v.Name}' has no parents");
            }

            parentsOf[i] = new int[v.Parents.Count];
            for (int k = 0; k < v.Parents.Count; k++)
            {
                EdgeSpec e = v.Parents[k] ?? throw new InvalidInputException($"{source}: vertex '{v.Name}' parent {k} is missing");
                if (e.Activation is null)
                {
                    throw new InvalidInputException($"{source}: vertex '{v.Name}' parent '{e.Parent}' has no activation");
                }

                if (!specIndex.TryGetValue(e.Parent, out int p))
                {
                    throw new InvalidInputException($"{source}: vertex '{v.Name}' has parent '{e.Parent}', which is not a vertex (dangling edge)");
                }

                parentsOf[i][k] = p;
                if (!childrenOf[p].Contains(i))
                {
                    childrenOf[p].Add(i);
                }
            }
        }

        int[] order = TopologicalOrder(source, vs, parentsOf, childrenOf);
        CheckLeadsToOutput(source, vs, parentsOf, outputSpec);

        int[] topo = new int[vs.Count];
        for (int t = 0; t < order.Length; t++)
        {
            topo[order[t]] = t;
        }

        var vertices = new GraphVertex[vs.Count];
        var edges = new List<GraphEdge>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int t = 0; t < order.Length; t++)
        {
            VertexSpec v = vs[order[t]];
            int[] ps = parentsOf[order[t]];
            var parentShapes = new (string, int[])[ps.Length];
            for (int k = 0; k < ps.Length; k++)
            {
                GraphVertex parent = vertices[topo[ps[k]]];
                parentShapes[k] = (parent.Name, [.. parent.Shape]);
            }

            (int[] shape, int[] weight, int[] bias) = ShapeInference.Infer(source, v, parentShapes);
            vertices[t] = new GraphVertex(t, v, shape, edges.Count, weight, bias);
            for (int k = 0; k < ps.Length; k++)
            {
                edges.Add(new GraphEdge(edges.Count, topo[ps[k]], t, k, v.Parents[k].Activation));
            }

            byName[v.Name] = t;
        }

        foreach (GraphVertex v in vertices)
        {
            v.OutEdges = [.. edges.Where(e => e.Parent == v.Index).Select(e => e.Index)];
        }

        return new CompiledGraph(spec, vertices, [.. edges], topo[specIndex[inputs[0]]], topo[outputSpec], byName);
    }

    private static void CheckPrintable(string source, string what, string name)
    {
        foreach (char ch in name)
        {
            if (char.IsControl(ch))
            {
                throw new InvalidInputException(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture, $"{source}: {what} contains the control character U+{(int)ch:X4}"));
            }
        }
    }

    private static int[] TopologicalOrder(string source, IReadOnlyList<VertexSpec> vs, int[][] parentsOf, List<int>[] childrenOf)
    {
        int n = vs.Count;
        int[] pending = new int[n];
        for (int i = 0; i < n; i++)
        {
            pending[i] = parentsOf[i].Distinct().Count();
        }

        // Ready vertices by spec index, lowest first: a sorted set keeps the order deterministic.
        SortedSet<int> ready = [.. Enumerable.Range(0, n).Where(i => pending[i] == 0)];
        List<int> order = new(n);
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(i);
            foreach (int c in childrenOf[i])
            {
                if (--pending[c] == 0)
                {
                    ready.Add(c);
                }
            }
        }

        if (order.Count == n)
        {
            return [.. order];
        }

        throw new InvalidInputException($"{source}: the graph has a cycle: {DescribeCycle(vs, parentsOf, pending)}");
    }

    /// <summary>One cycle among the vertices Kahn's algorithm could not order, as <c>'a' → 'b' → 'a'</c>.</summary>
    private static string DescribeCycle(IReadOnlyList<VertexSpec> vs, int[][] parentsOf, int[] pending)
    {
        // Every unordered vertex has an unordered parent; walking parents from one must revisit a vertex.
        int start = Array.FindIndex(pending, p => p > 0);
        List<int> path = [];
        var seen = new Dictionary<int, int>();
        int v = start;
        while (!seen.ContainsKey(v))
        {
            seen[v] = path.Count;
            path.Add(v);
            v = parentsOf[v].First(p => pending[p] > 0);
        }

        List<int> cycle = path.GetRange(seen[v], path.Count - seen[v]);
        cycle.Reverse();

        // Start at the vertex listed first in the spec, so the message does not depend on where the walk began.
        int first = cycle.IndexOf(cycle.Min());
        cycle = [.. cycle.Skip(first), .. cycle.Take(first)];
        cycle.Add(cycle[0]);
        return string.Join(" → ", cycle.Select(i => $"'{vs[i].Name}'"));
    }

    /// <summary>
    /// Every vertex must lead to the output (else its depth is undefined and its value unused). Every vertex is
    /// reached from the input already: the input is the only vertex without parents and the graph is acyclic.
    /// </summary>
    private static void CheckLeadsToOutput(string source, IReadOnlyList<VertexSpec> vs, int[][] parentsOf, int output)
    {
        bool[] toOutput = Reach(output, i => parentsOf[i], vs.Count);
        for (int i = 0; i < vs.Count; i++)
        {
            if (!toOutput[i])
            {
                throw new InvalidInputException($"{source}: vertex '{vs[i].Name}' does not lead to the output '{vs[output].Name}' (dangling vertex)");
            }
        }
    }

    private static bool[] Reach(int from, Func<int, IEnumerable<int>> next, int n)
    {
        bool[] seen = new bool[n];
        Stack<int> stack = new([from]);
        seen[from] = true;
        while (stack.Count > 0)
        {
            foreach (int j in next(stack.Pop()))
            {
                if (!seen[j])
                {
                    seen[j] = true;
                    stack.Push(j);
                }
            }
        }

        return seen;
    }
}
