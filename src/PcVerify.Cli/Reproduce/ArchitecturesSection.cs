using System.Globalization;
using PcVerify.Cli.Reporting;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Onnx;
using PcVerify.Engine.Training;

namespace PcVerify.Cli.Reproduce;

/// <summary>
/// The architectures section of <c>reproduce</c>: which nets it trains by default, its table (with and without the
/// measured times), its summary figure and its part of the report.
/// </summary>
internal static class ArchitecturesSection
{
    /// <summary>
    /// The default nets, all from the embedded <c>examples/</c>: the MLP (<c>mlp.json</c>), the small CNN
    /// (<c>cnn-digits.json</c>) and the ResNet-style block (<c>resnet-skip.json</c>) as written and levelled by
    /// <see cref="Levelling"/>. They take 1×8×8 images (64 inputs) and 10 classes.
    /// </summary>
    public static IReadOnlyList<ArchitectureNet> DefaultNets(ulong seed) =>
    [
        .. ArchitectureNet.FromSpec("mlp", "MLP 64-32-16-10 tanh", ExampleGraphs.Read(ExampleGraphs.Mlp), seed, withLevelled: false, "examples/mlp.json"),
        .. ArchitectureNet.FromSpec("cnn", "CNN conv-relu-maxpool-dense", ExampleGraphs.Read(ExampleGraphs.CnnDigits), seed, withLevelled: false, "examples/cnn-digits.json"),
        .. ArchitectureNet.FromSpec("resnet", "ResNet block", ExampleGraphs.Read(ExampleGraphs.ResNetSkip), seed, withLevelled: true, "examples/resnet-skip.json"),
    ];

    /// <summary>Pairs per run with <c>--quick</c>; without it every run is one epoch (the digits: 1,437 pairs).</summary>
    public const int QuickSteps = 200;

    /// <summary>
    /// The section's plan and setup for <c>reproduce</c>: the default nets, or with <paramref name="modelPath"/> the
    /// user's ONNX model (from its initializers), or with <paramref name="graphPath"/> a graph file (He-normal from the
    /// seeds, as the default nets), as written and, with <paramref name="level"/> and a graph that is not levelled, also levelled.
    /// The setup is null, and the plan says why, when the default nets do not fit the data.
    /// </summary>
    /// <exception cref="Engine.InvalidInputException">The model or graph cannot be read or does not fit the data, both are given, or <paramref name="level"/> is given without either.</exception>
    public static (ArchitecturesPlan Plan, ArchitecturesSetup? Setup) Create(DataSplit data, string? modelPath, string? graphPath, bool level, ulong seed, int seeds, bool quick, double alpha)
    {
        if (modelPath is not null && graphPath is not null)
        {
            throw new Engine.InvalidInputException("--model and --graph exclude each other: give the section's net one way");
        }

        if (modelPath is null && graphPath is null && level)
        {
            throw new Engine.InvalidInputException("--level applies to --model FILE.onnx or --graph FILE.json (the default nets are shown both levelled and not)");
        }

        ArchitecturesSetup defaults = new() { Nets = [], Data = data, Alpha = alpha, Steps = quick ? QuickSteps : data.Train.Count, Seeds = seeds };
        ArchitecturesPlan plan = new(
            modelPath, level, data.Train.Name, defaults.Steps, defaults.Evaluations, defaults.IlT, defaults.IlGamma,
            modelPath is null && graphPath is null ? DefaultNetsMismatch(data) : null, graphPath);
        if (plan.Skipped is not null)
        {
            return (plan, null);
        }

        IReadOnlyList<ArchitectureNet> nets = Nets(plan, seed);
        CompiledGraph graph = nets[0].Graph;
        if (graph.InputSize != data.Train.InputWidth || graph.OutputSize != data.Train.OutputWidth)
        {
            throw new Engine.InvalidInputException(
                $"{(modelPath is not null ? "--model" : "--graph")} '{modelPath ?? graphPath}' takes {graph.InputSize} inputs and gives {graph.OutputSize} outputs, but data '{data.Train.Name}' has {data.Train.InputWidth} inputs and {data.Train.OutputWidth} outputs");
        }

        return (plan, defaults with { Nets = nets });
    }

    /// <summary>
    /// The nets of <paramref name="plan"/>: none when the section is not run, the default nets from
    /// <paramref name="seed"/>, the graph file at <see cref="ArchitecturesPlan.Graph"/> from <paramref name="seed"/>, or the
    /// model at <see cref="ArchitecturesPlan.Model"/> (either read again, so <c>pcverify
    /// merge</c> needs it at the same path).
    /// </summary>
    /// <exception cref="Engine.InvalidInputException">The model cannot be imported.</exception>
    public static IReadOnlyList<ArchitectureNet> Nets(ArchitecturesPlan plan, ulong seed)
    {
        if (plan.Skipped is not null)
        {
            return [];
        }

        if (plan.Graph is string graphPath)
        {
            return ArchitectureNet.FromSpec("graph", $"graph {Path.GetFileName(graphPath)}", GraphJson.Read(graphPath), seed, plan.Level, graphPath);
        }

        if (plan.Model is not string modelPath)
        {
            return DefaultNets(seed);
        }

        OnnxModel model = OnnxImporter.Load(modelPath);
        CompiledGraph graph = CompiledGraph.Compile(model.Graph, modelPath);

        // A softmax removed from the model's end belongs to the loss: such a model is trained with cross-entropy only.
        IReadOnlyList<OutputLoss> losses = model.RemovedOutputOp is null ? [OutputLoss.SquaredError, OutputLoss.SoftmaxCrossEntropy] : [OutputLoss.SoftmaxCrossEntropy];
        return ArchitectureNet.FromModel(
            $"model {Path.GetFileName(modelPath)}", graph, GraphParameters<double>.FromArrays(graph, model.Initializers, modelPath), losses, plan.Level, modelPath);
    }

    /// <summary>Why the default nets cannot run on <paramref name="data"/>, or null when they fit (64 inputs, 10 outputs).</summary>
    public static string? DefaultNetsMismatch(DataSplit data) =>
        data.Train.InputWidth == Digits.InputWidth && data.Train.OutputWidth == Digits.Classes
            ? null
            : $"the default nets take 1×8×8 images and 10 classes, but '{data.Train.Name}' has {data.Train.InputWidth} inputs and {data.Train.OutputWidth} outputs; give --model FILE.onnx or --graph FILE.json to run this section on your own net";

    /// <summary>
    /// The architectures table. <paramref name="withTimes"/> adds the measured time per update and its ratio to BP;
    /// they are measurements, not results, and stay out of snapshots and equality checks.
    /// </summary>
    public static ResultTable Table(IReadOnlyList<ArchitectureRow> rows, bool withTimes)
    {
        List<string> columns =
        [
            "net", "levelled", "loss", "algorithm", "final-weight divergence", "± std", "largest weight+bias divergence",
            "final-bias divergence", "test-error divergence (pp)", "test error", "± std", "seeds", "diverged runs",
        ];
        if (withTimes)
        {
            columns.AddRange(["seconds per update", "ratio to BP"]);
        }

        ResultTable t = new("Architectures: BP vs Z-IL, Fa-Z-IL and IL on graphs, from identical parameters on identical pairs", columns);
        foreach (ArchitectureRow r in rows)
        {
            List<ResultCell> cells =
            [
                r.Net.Title, Levelled(r.Net), r.Loss.Name, r.Learner, r.WeightDivergence.Mean, r.WeightDivergence.Std, r.WorstDivergence,
                r.BiasDivergence.Mean, r.TestErrorDivergencePp.Mean, r.TestError.Mean, r.TestError.Std, r.Runs.Count, r.Runs.Count(x => x.Diverged is not null),
            ];
            if (withTimes)
            {
                double bp = rows.First(x => x.Net == r.Net && x.Loss == r.Loss && x.Algorithm == Algorithm.BP).SecondsPerUpdate;
                cells.AddRange([r.SecondsPerUpdate, r.SecondsPerUpdate / bp]);
            }

            t.AddRow([.. cells]);
        }

        return t;
    }

    /// <summary>
    /// The summary figure: one row per net and loss, one column per PC algorithm, the colour log₁₀ of the mean
    /// final-weight divergence from BP (floored at 1e-16) and the value written in every cell.
    /// </summary>
    public static void Figure(string path, IReadOnlyList<ArchitectureRow> rows)
    {
        Algorithm[] algos = [Algorithm.ZIL, Algorithm.FaZIL, Algorithm.IL];
        (ArchitectureNet Net, string Loss)[] lines = [.. rows.Select(r => (r.Net, r.Loss.Name)).Distinct()];
        double[,] colour = new double[lines.Length, algos.Length];
        string[,] text = new string[lines.Length, algos.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            for (int j = 0; j < algos.Length; j++)
            {
                ArchitectureRow? r = rows.FirstOrDefault(x => x.Net == lines[i].Net && x.Loss.Name == lines[i].Loss && x.Algorithm == algos[j]);
                double d = r?.WeightDivergence.Mean ?? double.NaN;
                bool diverged = r is not null && r.WeightDivergence.Count == 0;
                colour[i, j] = diverged || r is null ? double.NaN : Math.Log10(Math.Max(d, 1e-16));
                text[i, j] = r is null ? "" : diverged ? "diverged" : Figures.Number(d);
            }
        }

        string[] x = ["Z-IL", "Fa-Z-IL", "IL (T = 20, γ = 0.1)"];
        string[] y = [.. lines.Select(l => $"{l.Net.Title}{(l.Net.Levelled ? "" : ", NOT levelled")}, {l.Loss}")];
        Figures.Heatmap(path, "Architectures: Σ|θ − w| from BP after training (mean over seeds)", "algorithm", "net, loss",
            colour, text, x, y, "log10 Σ|θ − w| (floored at 1e-16)");
    }

    /// <summary>Writes the tables and the figure to <paramref name="dir"/> and the section into <paramref name="report"/>.</summary>
    public static void Write(Report report, string dir, ArchitecturesPlan setup, double alpha, IReadOnlyList<ArchitectureNet> nets, IReadOnlyList<ArchitectureRow> rows)
    {
        report.AddSection("Architectures: Z-IL on graphs (MLP, CNN, ResNet levelled and not)");
        if (setup.Skipped is not null || rows.Count == 0)
        {
            report.AddParagraph($"Not run: {setup.Skipped ?? "no nets"}.");
            return;
        }

        ResultTable table = Table(rows, withTimes: true);
        table.WriteCsv(Path.Combine(dir, "architectures.csv"));
        table.WriteJson(Path.Combine(dir, "architectures.json"));
        Figure(Path.Combine(dir, "architectures.png"), rows);
        report.AddParagraph(string.Create(CultureInfo.InvariantCulture,
            $"Each net is trained in float64 on the training set of the Setup section ({setup.TrainSet}) for {setup.Steps} pairs (batch 1, file order, α = {alpha}, {setup.Evaluations} evaluations on the test set) with BP, Z-IL, Fa-Z-IL and IL (T = {setup.IlT}, γ = {setup.IlGamma}) from identical parameters, with squared error (se) and softmax cross-entropy (ce). Divergences are from BP's run from the same start (docs/math.md §8): Σ|θ − w| over the weights, biases apart; the largest column adds both and takes the worst seed (∞ when a run diverged to NaN, which the diverged column counts; the means are over the runs that finished). Test errors are fractions."));
        report.AddParagraph("A graph is levelled when every path from a vertex to the output has the same length (docs/math.md §10); then Z-IL's error at t = d(v) is BP's δ and the divergence is rounding only (≤ 1e-10). On a graph that is not levelled (the default ResNet block's skip is one edge short) Z-IL, run synchronously (zil-sync) with θ_v updated at t = d_max(v), leaves BP: the graph version of the paper's negative control. Levelling inserts identity vertices on the short edges and closes the gap. Fa-Z-IL is claimed exact only where its boundary allows (docs/reproduction.md): levelled, and no ReLU or max pooling between a vertex with parameters below the largest depth and the output — there an error can be exactly 0 at its moment and φ fires it later; IL approximates BP and is never exact.");
        foreach (ArchitectureNet net in nets.Where(n => n.Inserted.Count > 0))
        {
            report.AddParagraph($"{net.Title}: levelling inserted {string.Join(", ", net.Inserted.Select(v => $"'{v.Name}' on {v.Parent} → {v.Child}"))}.");
        }

        report.AddImage("architectures.png", "Divergence of final weights from BP per net, loss and algorithm (colour: log10)");
        report.AddTable(table, 4);
        report.AddParagraph("Seconds per update are the wall time of the learner's steps (evaluations excluded) in this process, and measurements: they vary with the machine's load and are not part of any check. Use the BenchmarkDotNet suite (docs/performance.md) for careful figures.");
    }

    private static string Levelled(ArchitectureNet net) =>
        net.Inserted.Count > 0 ? $"yes ({net.Inserted.Count} inserted)" : net.Levelled ? "yes" : "no";
}
