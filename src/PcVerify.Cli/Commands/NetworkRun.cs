using System.Globalization;
using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Cli.Commands;

/// <summary>
/// The network of a run, always a computation graph (docs/math.md §10): from <c>--graph FILE.json</c> or <c>--model</c>,
/// or the paper's layered net from <c>--arch</c> as its chain (<see cref="GraphSpec.Chain"/>). Every command trains it
/// with the graph learners; a chain keeps the layered names in what it reads, prints and writes (NPZ keys
/// <c>theta{l+1}</c>/<c>beta{l+1}</c> and <c>feedback{l}</c>, per-layer tables), a graph file its vertices' (keys
/// <c>&lt;vertex&gt;.weight</c> / <c>&lt;vertex&gt;.bias</c>, PyTorch layout).
/// </summary>
/// <param name="Graph">The compiled (and, with <c>--level</c>, levelled) graph.</param>
/// <param name="Initial">The initial parameters.</param>
/// <param name="Source">The graph file, the model, or the layered architecture (widths input → output).</param>
/// <param name="Inserted">The identity vertices <c>--level</c> inserted (empty without it).</param>
/// <param name="LevelAsked">Whether <c>--level</c> was given.</param>
/// <param name="Onnx">The imported ONNX model for <c>--model</c> (its notes, and the file <c>--save-model</c> rewrites); null otherwise.</param>
/// <param name="Chain">The layered net when the graph is its chain (<c>--arch</c>, or <c>--init</c>'s shapes); null for a graph file or model.</param>
/// <param name="InitFeedback">A graph's feedback B saved beside its parameters in <c>--init</c> (keys <c>feedback.*</c>,
/// <see cref="GraphFeedback{T}.Slots"/>), unchecked; null when there is none or the net is a chain (whose B comes with
/// the layered keys).</param>
internal sealed record NetworkRun(
    CompiledGraph Graph, GraphParameters<double> Initial, string Source, IReadOnlyList<InsertedVertex> Inserted, bool LevelAsked,
    OnnxModel? Onnx = null, NetworkSpec? Chain = null, IReadOnlyDictionary<string, NpyArray>? InitFeedback = null)
{
    /// <summary>The layered net <paramref name="spec"/> as its chain, with <paramref name="initial"/>'s arrays as its parameters.</summary>
    public static NetworkRun FromChain(NetworkSpec spec, CompiledGraph graph, Parameters<double> initial) =>
        new(graph, GraphParameters<double>.FromChain(graph, initial), spec.ArchitectureText, [], false, Chain: spec);

    /// <summary>
    /// Reads, optionally levels, and compiles the graph; then <paramref name="checkMemory"/> (the up-front memory check
    /// of training it); then loads or initialises its parameters.
    /// </summary>
    /// <exception cref="InvalidInputException">The file, the graph or the parameters are bad (one line).</exception>
    public static NetworkRun Load(string path, bool level, string? initPath, string initScheme, ulong seed, Action<CompiledGraph>? checkMemory = null)
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
        checkMemory?.Invoke(graph);
        IReadOnlyDictionary<string, NpyArray>? feedback = null;
        GraphParameters<double> initial = initPath is not null
            ? GraphParameterIo.Load<double>(initPath, graph, out feedback)
            : GraphParameters<double>.Initialise(graph, RunOptions.ParseInitScheme(initScheme, out double scale), seed, scale);
        return new NetworkRun(graph, initial, path, inserted, level, InitFeedback: feedback is { Count: > 0 } ? feedback : null);
    }

    /// <summary>
    /// Imports an ONNX model (<c>--model</c>), optionally levels and compiles its graph; the initial parameters are the
    /// model's initializers, or <paramref name="initPath"/>'s arrays keyed by the same ONNX names.
    /// </summary>
    /// <exception cref="InvalidInputException">The model cannot be imported, <c>--init</c> does not fit it, or the model
    /// ends in a softmax that was removed and <paramref name="loss"/> is not cross-entropy.</exception>
    public static NetworkRun LoadOnnx(string path, bool level, string? initPath, OutputLoss loss, Action<CompiledGraph>? checkMemory = null)
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
        checkMemory?.Invoke(graph);
        IReadOnlyDictionary<string, NpyArray>? feedback = null;
        GraphParameters<double> initial = initPath is not null
            ? GraphParameterIo.Load<double>(initPath, graph, out feedback)
            : GraphParameters<double>.FromArrays(graph, model.Initializers, path);
        return new NetworkRun(graph, initial, path, inserted, level, model, InitFeedback: feedback is { Count: > 0 } ? feedback : null);
    }

    /// <summary>
    /// The header lines: a chain's layered description; a graph's vertices, depth, whether it is levelled and what that
    /// means for Z-IL, and the element type.
    /// </summary>
    public void PrintHeader(TextWriter o, bool runsZil, bool float32)
    {
        string dtype = float32 ? "float32" : "float64";
        if (Chain is { } spec)
        {
            o.WriteLine($"network: {spec} ({spec.ParameterCount} parameters, {dtype})");
            return;
        }

        PrintGraphHeader(o, runsZil);
        o.WriteLine($"element type: {dtype}");
    }

    private void PrintGraphHeader(TextWriter o, bool runsZil)
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

    /// <summary>The learner <paramref name="options"/> name, for <paramref name="c"/>'s batches.</summary>
    public IGraphLearner<T> Learner<T>(RunConfig c, LearnerOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        options.Create<T>(Graph, Math.Min(c.Plan.BatchSize, c.Data.Train.Count));

    /// <summary>Trains <paramref name="learner"/> from the initial parameters with <paramref name="c"/>'s data and plan.</summary>
    public (GraphParameters<T> P, TrainingResult Result) Train<T>(
        RunConfig c, IGraphLearner<T> learner, Action<Checkpoint>? onCheckpoint = null, Action<long, long>? onStep = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphParameters<T> p = Initial.Convert<T>();
        TrainingResult result = Trainer.Run(learner, p, c.Data.Train, c.Data.Test, c.Plan, onCheckpoint, onStep);
        return (p, result);
    }

    /// <summary>Whether any vertex has a bias (the bias columns print "—" otherwise).</summary>
    public bool HasBias => Graph.ParameterSlots.Any(s => s.IsBias);

    /// <summary>
    /// Prints the divergence of <paramref name="theta"/> from BP's <paramref name="w"/> piece by piece: a chain per layer
    /// <c>θ^l</c> (the paper's indexing), a graph per parameter tensor with its vertex's depth.
    /// </summary>
    public void PrintBreakdown<T>(TextWriter o, string name, GraphParameters<T> theta, GraphParameters<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Chain is not { } spec)
        {
            PrintPerTensor(o, name, theta, w);
            return;
        }

        o.WriteLine($"{name}: per layer (θ^{{l+1}} maps layer l+1 to layer l; layer 0 = output)");
        o.WriteLine($"  {"layer",-8} {"shape",-12} {"Σ|θ−w|",12} {"Σ|β−v|",12} {"max",12}");
        foreach (LayerDivergence d in Divergence.Compute(theta, w))
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  θ^{d.Layer,-6} {spec.Widths[d.Layer - 1] + "×" + spec.Widths[d.Layer],-12} {d.WeightL1,12:0.000E+00} {(spec.Bias ? d.BiasL1.ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),12} {d.MaxAbs,12:0.000E+00}"));
        }
    }

    /// <summary>The label of hidden vertex <paramref name="ordinal"/> (<see cref="ErrorAlignment.HiddenVertices"/>, from 1) in alignment lines: <c>δ^l</c> on a chain, the vertex's name on a graph.</summary>
    public string HiddenLabel(int ordinal) =>
        Chain is not null ? $"δ^{ordinal}" : $"δ[{Graph.Vertices[ErrorAlignment.HiddenVertices(Graph)[ordinal - 1]].Name}]";

    /// <summary>
    /// The feedback of a trained learner (null for θᵀ without weight decay): what <see cref="Save"/> writes and the
    /// alignment measures start from.
    /// </summary>
    public static GraphFeedback<T>? FeedbackOf<T>(IGraphLearner<T> learner)
        where T : unmanaged, IFloatingPointIeee754<T> => learner switch
        {
            GraphBackprop<T> bp => bp.State.Feedback,
            GraphPredictiveCoding<T> pc => pc.State.Feedback,
            _ => null,
        };

    /// <summary>
    /// An upper bound on the size of a saved parameter file, reserved up front: the parameters' bytes (deflate does
    /// not shrink trained weights much, and stores them raw when it cannot) plus 1 KiB per array for the headers.
    /// An ONNX model written back keeps each initializer's original type: at most 8 bytes per element is assumed.
    /// </summary>
    public long ParameterBytes(bool float32)
    {
        int elementBytes = float32 && Onnx is null ? sizeof(float) : sizeof(double);
        if (Chain is { } spec)
        {
            return (spec.ParameterCount * elementBytes) + (1024L * spec.L * (spec.Bias ? 2 : 1));
        }

        long elements = Graph.ParameterSlots.Sum(s => s.Shape.Aggregate(1L, (a, d) => a * d));
        return (elements * elementBytes) + (1024L * Graph.ParameterSlots.Count);
    }

    /// <summary>
    /// Writes the parameters as NPZ: a chain with the layered keys (ParameterIo: <c>theta{l+1}</c>, <c>beta{l+1}</c>, and
    /// <c>feedback{l}</c> of shape <c>(θ^l)ᵀ</c> for feedback that keeps matrices of its own), a graph with its vertices' keys
    /// (and <c>feedback.*</c>, <see cref="GraphFeedback{T}.Slots"/>, for feedback that keeps matrices of its own).
    /// </summary>
    public void Save<T>(string path, GraphParameters<T> p, bool float32, GraphFeedback<T>? feedback)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NpyDType dtype = float32 ? NpyDType.Float32 : NpyDType.Float64;
        if (Chain is not { } spec)
        {
            GraphParameterIo.Save(path, p, dtype, feedback?.ToArrays(dtype));
            return;
        }

        double[]?[]? matrices = feedback is not null && FeedbackKinds.HoldsMatrices(feedback.Kind) ? LayeredFeedback(spec, p, feedback) : null;
        ParameterIo.Save(path, p.ToChain(spec), dtype, matrices);
    }

    /// <summary>
    /// A chain's feedback matrices in the layered layout <c>B^l = (M^l)ᵀ</c>, index l = 1..L−1, from the graph feedback's
    /// <c>M^l</c>: the matrix vertex <c>x{l−1}</c> sends its error back through (θ^l's shape), or for direct the one that
    /// sends the output error to layer l's vertex <c>x{l}</c> (<c>n^0 × n^l</c>).
    /// </summary>
    private static double[]?[] LayeredFeedback<T>(NetworkSpec spec, GraphParameters<T> p, GraphFeedback<T> feedback)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[]?[] b = new double[spec.L][];
        for (int l = 1; l < spec.L; l++)
        {
            T[] m = feedback.Weight(p, p.Graph.IndexOf(feedback.Kind == FeedbackKind.Direct ? $"x{l}" : $"x{l - 1}"));
            int cols = spec.Widths[l], rows = m.Length / cols;
            double[] t = new double[m.Length];
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    t[(j * rows) + i] = double.CreateTruncating(m[(i * cols) + j]);
                }
            }

            b[l] = t;
        }

        return b;
    }

    /// <summary>Prints the per-tensor divergence of <paramref name="theta"/> from BP's <paramref name="w"/>.</summary>
    private static void PrintPerTensor<T>(TextWriter o, string name, GraphParameters<T> theta, GraphParameters<T> w)
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
