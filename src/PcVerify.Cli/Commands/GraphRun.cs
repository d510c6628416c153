using System.Globalization;
using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;
using PcVerify.Engine.Training;

namespace PcVerify.Cli.Commands;

/// <summary>
/// A run on a computation graph from <c>--graph FILE.json</c> (docs/math.md §10): the compiled graph, its initial
/// parameters (keys <c>&lt;vertex&gt;.weight</c> / <c>&lt;vertex&gt;.bias</c>, PyTorch layout), and what <c>--level</c>
/// inserted.
/// </summary>
/// <param name="Graph">The compiled (and, with <c>--level</c>, levelled) graph.</param>
/// <param name="Initial">The initial parameters.</param>
/// <param name="Source">The graph file.</param>
/// <param name="Inserted">The identity vertices <c>--level</c> inserted (empty without it).</param>
/// <param name="LevelAsked">Whether <c>--level</c> was given.</param>
/// <param name="Onnx">The imported ONNX model for <c>--model</c> (its notes, and the file <c>--save-model</c> rewrites); null for <c>--graph</c>.</param>
internal sealed record GraphRun(CompiledGraph Graph, GraphParameters<double> Initial, string Source, IReadOnlyList<InsertedVertex> Inserted, bool LevelAsked, OnnxModel? Onnx = null)
{
    /// <summary>Reads, optionally levels, and compiles the graph; loads or initialises its parameters.</summary>
    /// <exception cref="InvalidInputException">The file, the graph or the parameters are bad (one line).</exception>
    public static GraphRun Load(string path, bool level, string? initPath, string initScheme, ulong seed)
    {
        GraphSpec spec = GraphJson.Read(path);
        IReadOnlyList<InsertedVertex> inserted = [];
        if (level)
        {
            // Compile first, so that a bad graph is reported against the file as written.
            CompiledGraph.Compile(spec, path);
            LevellingResult levelled = Levelling.Level(spec, path);
            spec = levelled.Spec;
            inserted = levelled.Inserted;
        }

        CompiledGraph graph = CompiledGraph.Compile(spec, path);
        GraphParameters<double> initial = initPath is not null
            ? GraphParameterIo.Load<double>(initPath, graph)
            : GraphParameters<double>.Initialise(graph, RunOptions.ParseInitScheme(initScheme, out double scale), seed, scale);
        return new GraphRun(graph, initial, path, inserted, level);
    }

    /// <summary>
    /// Imports an ONNX model (<c>--model</c>), optionally levels and compiles its graph; the initial parameters are the
    /// model's initializers, or <paramref name="initPath"/>'s arrays keyed by the same ONNX names.
    /// </summary>
    /// <exception cref="InvalidInputException">The model cannot be imported, <c>--init</c> does not fit it, or the model
    /// ends in a softmax that was removed and <paramref name="loss"/> is not cross-entropy.</exception>
    public static GraphRun LoadOnnx(string path, bool level, string? initPath, OutputLoss loss)
    {
        OnnxModel model = OnnxImporter.Load(path);
        if (model.RemovedOutputOp is { } op && loss.Kind != LossKind.SoftmaxCrossEntropy)
        {
            throw new InvalidInputException(
                $"ONNX file '{path}' ends in {op}, which belongs to the loss and was removed: train it with --loss ce (found --loss {loss.Name})");
        }

        GraphSpec spec = model.Graph;
        IReadOnlyList<InsertedVertex> inserted = [];
        if (level)
        {
            LevellingResult levelled = Levelling.Level(spec, path);
            spec = levelled.Spec;
            inserted = levelled.Inserted;
        }

        CompiledGraph graph = CompiledGraph.Compile(spec, path);
        GraphParameters<double> initial = initPath is not null
            ? GraphParameterIo.Load<double>(initPath, graph)
            : GraphParameters<double>.FromArrays(graph, model.Initializers, path);
        return new GraphRun(graph, initial, path, inserted, level, model);
    }

    /// <summary>The header lines: the graph, its depth, whether it is levelled and what that means for Z-IL.</summary>
    public void PrintHeader(TextWriter o, bool runsZil)
    {
        CompiledGraph g = Graph;
        long parameters = g.ParameterSlots.Sum(s => (long)s.Size);
        foreach (string note in Onnx?.Notes ?? [])
        {
            o.WriteLine($"note: {note}");
        }

        o.WriteLine($"network: graph {Source}: {g.Vertices.Count} vertices, input '{g.Vertices[g.Input].Name}' {Shape(g.Vertices[g.Input])}, output '{g.Vertices[g.Output].Name}' {Shape(g.Vertices[g.Output])}, {parameters} parameters, max depth {g.Depth.MaxDepth}");
        if (LevelAsked)
        {
            o.WriteLine(Inserted.Count == 0
                ? "levelling (--level): the graph was already levelled; nothing inserted"
                : $"levelling (--level) inserted {Inserted.Count} identity vertex(es): {string.Join(", ", Inserted.Select(v => $"'{v.Name}' on {v.Parent} → {v.Child}"))}");
        }

        if (g.Depth.IsLevelled)
        {
            o.WriteLine("levelled: yes (d_min(v) = d_max(v) for every non-input vertex; Z-IL is claimed to equal BP)");
            return;
        }

        IReadOnlyList<int> bad = g.Depth.Unlevelled(g);
        o.WriteLine($"levelled: NO — {string.Join(", ", bad.Select(v => $"'{g.Vertices[v].Name}' (d_min {g.Depth.Min[v]}, d_max {g.Depth.Max[v]})"))}; --level inserts identity vertices to level it");
        if (runsZil)
        {
            o.WriteLine("note: Z-IL on a graph that is not levelled is the negative control: it runs synchronously with θ_v updated at t = d_max(v), and is expected to diverge from BP");
        }
    }

    /// <summary>Trains one graph learner from the initial parameters; returns its name, parameters and result.</summary>
    public (string Name, GraphParameters<T> P, TrainingResult Result) Train<T>(RunConfig c, Algorithm algorithm, Action<Checkpoint>? onCheckpoint = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphParameters<T> p = Initial.Convert<T>();
        IGraphLearner<T> learner = (c.Learner with { Algorithm = algorithm }).CreateGraph<T>(Graph, Math.Min(c.Plan.BatchSize, c.Data.Train.Count));
        TrainingResult result = Trainer.Run(learner, p, c.Data.Train, c.Data.Test, c.Plan, onCheckpoint);
        return (learner.Name, p, result);
    }

    /// <summary>
    /// The divergence table of docs/math.md §8 per parameter tensor: <c>Σ|θ − w|</c> and the largest element difference, with
    /// each vertex's depth; totals for weights and biases apart.
    /// </summary>
    public static (double Weights, double Biases, double Max) Divergence<T>(GraphParameters<T> theta, GraphParameters<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double weights = 0, biases = 0, max = 0;
        foreach (ParameterSlot slot in theta.Graph.ParameterSlots)
        {
            (double l1, double m) = Difference(theta[slot], w[slot]);
            if (slot.IsBias)
            {
                biases += l1;
            }
            else
            {
                weights += l1;
            }

            max = double.IsNaN(m) || m > max ? m : max;
        }

        return (weights, biases, max);
    }

    /// <summary>Prints the per-tensor divergence of <paramref name="theta"/> from BP's <paramref name="w"/>.</summary>
    public static void PrintPerTensor<T>(TextWriter o, string name, GraphParameters<T> theta, GraphParameters<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CompiledGraph g = theta.Graph;
        o.WriteLine($"{name}: per parameter tensor (d = d_max of its vertex; Z-IL updates it at t = d)");
        o.WriteLine($"  {"tensor",-22} {"d",3} {"shape",-14} {"Σ|θ−w|",12} {"max",12}");
        foreach (ParameterSlot slot in g.ParameterSlots)
        {
            (double l1, double m) = Difference(theta[slot], w[slot]);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {slot.Key,-22} {g.Depth.Max[slot.Vertex],3} {string.Join("×", slot.Shape),-14} {l1,12:0.000E+00} {m,12:0.000E+00}"));
        }
    }

    /// <summary>Writes the parameters as NPZ with the graph's keys.</summary>
    public static void Save<T>(string path, GraphParameters<T> p, bool float32)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        GraphParameterIo.Save(path, p, float32 ? NpyDType.Float32 : NpyDType.Float64);

    private static (double L1, double Max) Difference<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double l1 = 0, max = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = Math.Abs(double.CreateTruncating(a[k]) - double.CreateTruncating(b[k]));
            l1 += d;
            max = double.IsNaN(d) || d > max ? d : max;
        }

        return (l1, max);
    }

    private static string Shape(GraphVertex v) => string.Join("×", v.Shape);
}
