using System.Globalization;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Engine.Experiments;

/// <summary>
/// One network of the architectures study: a compiled graph, whether it is levelled, what levelling inserted, and
/// its initial parameters for seed k.
/// </summary>
/// <param name="Id">A stable short id (<c>mlp</c>, <c>cnn</c>, <c>resnet</c>, <c>resnet-levelled</c>, <c>model</c>, …), part of every cell id.</param>
/// <param name="Title">What the report calls it.</param>
/// <param name="Graph">The compiled graph.</param>
/// <param name="Inserted">The identity vertices levelling inserted (empty for a net trained as written).</param>
/// <param name="Initial">The initial parameters of seed index k (0-based).</param>
/// <param name="FixedStart">Whether every seed starts from the same parameters (a user's model starts from its own initializers).</param>
/// <param name="Losses">The losses this net is trained with (a model whose softmax was removed allows cross-entropy only).</param>
public sealed record ArchitectureNet(
    string Id, string Title, CompiledGraph Graph, IReadOnlyList<InsertedVertex> Inserted, Func<int, GraphParameters<double>> Initial,
    bool FixedStart, IReadOnlyList<OutputLoss> Losses)
{
    /// <summary>Whether <c>d_min(v) = d_max(v)</c> for every non-input vertex (docs/math.md §10).</summary>
    public bool Levelled => Graph.Depth.IsLevelled;

    /// <summary>
    /// Whether Fa-Z-IL is claimed exact on this net (docs/findings.md, "The Fa-Z-IL boundary", carried to graphs): the
    /// net is levelled, and from no vertex with parameters below the largest depth does a path to the output cross an
    /// edge whose activation has a zero derivative on an interval (ReLU, leaky ReLU of slope 0, or a custom f) or a max
    /// pooling (its Jacobian is 0 for every input that is not the window's maximum). Through such an element a
    /// vertex's error can be exactly 0 at its moment <c>t = d(v)</c>; φ then fires it later with an error BP never sees.
    /// A vertex at the largest depth has no later moment, so it cannot break the claim.
    /// </summary>
    public bool WithinFaZilBoundary
    {
        get
        {
            if (!Levelled)
            {
                return false;
            }

            bool[] zeroReach = new bool[Graph.Vertices.Count];
            for (int v = Graph.Vertices.Count - 1; v >= 0; v--)
            {
                foreach (int e in Graph.Vertices[v].OutEdges)
                {
                    GraphEdge edge = Graph.Edges[e];
                    zeroReach[v] |= zeroReach[edge.Child] || Graph.Vertices[edge.Child].Kind == VertexKind.MaxPool2d || !DerivativeNeverZero(edge.Activation);
                }
            }

            return Graph.Vertices.All(v => !v.Spec.HasParameters || Graph.Depth.Max[v.Index] == Graph.Depth.MaxDepth || !zeroReach[v.Index]);
        }
    }

    /// <summary>
    /// The net <paramref name="spec"/> as written (id <paramref name="id"/>) and, when it is not levelled and
    /// <paramref name="withLevelled"/> is set, the same net levelled by <see cref="Levelling.Level"/> (id
    /// <c>id-levelled</c>). Both start seed k from the same He-normal parameters (levelling adds no parameters), so
    /// the pair differs only in the identity vertices.
    /// </summary>
    public static IReadOnlyList<ArchitectureNet> FromSpec(string id, string title, GraphSpec spec, ulong seed, bool withLevelled, string source)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CompiledGraph graph = CompiledGraph.Compile(spec, source);
        GraphParameters<double> Init(int k) => GraphParameters<double>.Initialise(graph, InitScheme.HeNormal, seed + (ulong)k);
        return Pair(id, title, graph, Init, fixedStart: false, [OutputLoss.SquaredError, OutputLoss.SoftmaxCrossEntropy], withLevelled, source);
    }

    /// <summary>
    /// A user's net (<c>reproduce --model</c>) from fixed initial parameters; with <paramref name="withLevelled"/> and a
    /// graph that is not levelled, also its levelled version from the same parameters.
    /// </summary>
    public static IReadOnlyList<ArchitectureNet> FromModel(
        string title, CompiledGraph graph, GraphParameters<double> initial, IReadOnlyList<OutputLoss> losses, bool withLevelled, string source)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(initial);
        return Pair("model", title, graph, _ => initial.Clone(), fixedStart: true, losses, withLevelled, source);
    }

    private static bool DerivativeNeverZero(Activation f) => f.Kind switch
    {
        ActivationKind.Identity or ActivationKind.Tanh or ActivationKind.Logistic or ActivationKind.Softplus => true,
        ActivationKind.LeakyRelu => f.Slope > 0,
        _ => false,
    };

    private static IReadOnlyList<ArchitectureNet> Pair(
        string id, string title, CompiledGraph graph, Func<int, GraphParameters<double>> init, bool fixedStart,
        IReadOnlyList<OutputLoss> losses, bool withLevelled, string source)
    {
        ArchitectureNet asWritten = new(id, title, graph, [], init, fixedStart, losses);
        if (!withLevelled || graph.Depth.IsLevelled)
        {
            return [asWritten];
        }

        LevellingResult levelled = Levelling.Level(graph.Spec, source);
        CompiledGraph lg = CompiledGraph.Compile(levelled.Spec, source);
        GraphParameters<double> LevelledInit(int k) => GraphParameters<double>.FromArrays(lg, init(k).ToArrays(NpyDType.Float64), source);
        return [asWritten, new ArchitectureNet(id + "-levelled", title + ", levelled", lg, levelled.Inserted, LevelledInit, fixedStart, losses)];
    }
}

/// <summary>
/// The setup of the architectures study: the nets, the data, and one training plan for all (batch 1, file order);
/// every cell starts BP and the PC algorithm from identical parameters on the identical pairs.
/// </summary>
public sealed record ArchitecturesSetup
{
    /// <summary>The nets, in the order of the report.</summary>
    public required IReadOnlyList<ArchitectureNet> Nets { get; init; }

    /// <summary>The data (inputs must fit every net's input vertex, targets its output).</summary>
    public required DataSplit Data { get; init; }

    /// <summary>Learning rate α.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Training pairs (steps at batch 1) of every run.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Test-set evaluations over the run (the checkpoints of the test-error divergence).</summary>
    public int Evaluations { get; init; } = 4;

    /// <summary>K, the number of seeds (a net with <see cref="ArchitectureNet.FixedStart"/> runs one).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>IL's T (inference moments before its update).</summary>
    public int IlT { get; init; } = 20;

    /// <summary>IL's inference rate γ (0.1, as for the training curves: see <see cref="ReproductionSetup.IlGamma"/>).</summary>
    public double IlGamma { get; init; } = 0.1;

    /// <summary>The algorithms compared, BP first.</summary>
    public static IReadOnlyList<Algorithm> Algorithms { get; } = [Algorithm.BP, Algorithm.ZIL, Algorithm.FaZIL, Algorithm.IL];

    /// <summary>The training plan of every run.</summary>
    public TrainingPlan Plan => new(BatchSize: 1, Steps: Steps, Shuffle: false, EvaluateEvery: Math.Max(1, Steps / Math.Max(1, Evaluations)));

    /// <summary>The learner options of <paramref name="algorithm"/> with <paramref name="loss"/>.</summary>
    public LearnerOptions Options(Algorithm algorithm, OutputLoss loss) => algorithm == Algorithm.IL
        ? new LearnerOptions { Algorithm = algorithm, Alpha = Alpha, T = IlT, Gamma = IlGamma, Loss = loss }
        : new LearnerOptions { Algorithm = algorithm, Alpha = Alpha, Loss = loss };
}

/// <summary>
/// One independent unit of work of the architectures study: net × loss × seed × algorithm. Its <see cref="Id"/> is
/// stable (it names no count or position), so a list of cells can be split and run apart and the results merged.
/// </summary>
/// <param name="Net">The net's id.</param>
/// <param name="Loss">The loss's short name (se, ce).</param>
/// <param name="SeedIndex">Seed index k (0-based).</param>
/// <param name="Algorithm">The algorithm (BP's cell measures BP itself).</param>
public sealed record ArchitectureCell(string Net, string Loss, int SeedIndex, Algorithm Algorithm)
{
    /// <summary>The stable id, e.g. <c>architectures/resnet-levelled/ce/seed0/zil</c>.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"architectures/{Net}/{Loss}/seed{SeedIndex}/{Algorithm.ToString().ToLowerInvariant()}");
}

/// <summary>The measures of one cell against BP from the same start on the same pairs (docs/math.md §8).</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Learner">The learner's name (<c>zil-sync</c> where Z-IL runs synchronously on a graph that is not levelled).</param>
/// <param name="WeightDivergence">Σ|θ − w| over every weight tensor after training (0 for BP itself).</param>
/// <param name="BiasDivergence">Σ|β − v| over every bias, reported apart.</param>
/// <param name="MaxElementDifference">The largest single |θ − w| or |β − v|.</param>
/// <param name="TestErrorDivergencePp">Mean over checkpoints of |err − err_BP| in percentage points.</param>
/// <param name="TestError">The final test error (fraction).</param>
/// <param name="BpTestError">BP's final test error (fraction).</param>
/// <param name="SecondsPerUpdate">Wall time of the learner's steps ÷ steps (a measurement, not a result).</param>
/// <param name="Diverged">Null, or the message of a run that produced NaN/∞.</param>
public sealed record ArchitectureCellResult(
    ArchitectureCell Cell, string Learner, double WeightDivergence, double BiasDivergence, double MaxElementDifference,
    double TestErrorDivergencePp, double TestError, double BpTestError, double SecondsPerUpdate, string? Diverged);

/// <summary>One row of the architectures table: a net, a loss and an algorithm over the seeds.</summary>
/// <param name="Net">The net.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Algorithm">The algorithm.</param>
/// <param name="Runs">The per-seed results.</param>
public sealed record ArchitectureRow(ArchitectureNet Net, OutputLoss Loss, Algorithm Algorithm, IReadOnlyList<ArchitectureCellResult> Runs)
{
    /// <summary>The learner's name in the runs.</summary>
    public string Learner => Runs.Count > 0 ? Runs[0].Learner : Algorithm.ToString().ToLowerInvariant();

    /// <summary>Σ|θ − w| over seeds.</summary>
    public Stat WeightDivergence => Stat.Of(Runs.Select(r => r.WeightDivergence));

    /// <summary>The largest weight + bias divergence of any seed (+∞ when a run diverged).</summary>
    public double WorstDivergence => Runs.Count == 0 ? double.NaN : Runs.Max(r => r.Diverged is null ? r.WeightDivergence + r.BiasDivergence : double.PositiveInfinity);

    /// <summary>The smallest weight + bias divergence of any seed (+∞ for a diverged run).</summary>
    public double LeastDivergence => Runs.Count == 0 ? double.NaN : Runs.Min(r => r.Diverged is null ? r.WeightDivergence + r.BiasDivergence : double.PositiveInfinity);

    /// <summary>Σ|β − v| over seeds.</summary>
    public Stat BiasDivergence => Stat.Of(Runs.Select(r => r.BiasDivergence));

    /// <summary>Test-error divergence (pp) over seeds.</summary>
    public Stat TestErrorDivergencePp => Stat.Of(Runs.Select(r => r.TestErrorDivergencePp));

    /// <summary>Final test error over seeds.</summary>
    public Stat TestError => Stat.Of(Runs.Select(r => r.TestError));

    /// <summary>Mean seconds per update over the runs that finished (a measurement).</summary>
    public double SecondsPerUpdate => Stat.Of(Runs.Select(r => r.SecondsPerUpdate)).Mean;
}

/// <summary>
/// The architectures study behind <c>reproduce</c>'s architectures section: for each net and loss, BP, Z-IL, Fa-Z-IL
/// and IL from the same start on the same pairs, with the divergences of docs/math.md §8 (docs/math.md §10 carries Z-IL's claim to
/// levelled graphs; §11 to softmax cross-entropy).
/// </summary>
public static class Architectures
{
    /// <summary>Every cell of <paramref name="setup"/>, in report order: net, loss, seed, then algorithm (BP first).</summary>
    public static IReadOnlyList<ArchitectureCell> Cells(ArchitecturesSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Cells(setup.Nets, setup.Seeds);
    }

    /// <summary>
    /// Every cell of <paramref name="nets"/> with K = <paramref name="seeds"/>, in report order; the cells depend on the
    /// nets and K only, so a merge of shards lists them without the data.
    /// </summary>
    public static IReadOnlyList<ArchitectureCell> Cells(IReadOnlyList<ArchitectureNet> nets, int seeds)
    {
        ArgumentNullException.ThrowIfNull(nets);
        return
        [
            .. from net in nets
               from loss in net.Losses
               from k in Enumerable.Range(0, net.FixedStart ? 1 : seeds)
               from a in ArchitecturesSetup.Algorithms
               select new ArchitectureCell(net.Id, loss.Name, k, a),
        ];
    }

    /// <summary>
    /// Runs one cell. BP's run from the cell's start is taken from <paramref name="bpCache"/> when present (BP is
    /// deterministic, so a cell run alone computes the same numbers) and stored there otherwise.
    /// </summary>
    /// <exception cref="InvalidInputException">The cell names a net or loss the setup does not have, or the data does not fit the net.</exception>
    public static ArchitectureCellResult Run(ArchitecturesSetup setup, ArchitectureCell cell, IDictionary<string, TrainedRun> bpCache)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(bpCache);
        ArchitectureNet net = setup.Nets.FirstOrDefault(n => n.Id == cell.Net) ?? throw new InvalidInputException($"cell {cell.Id}: no net '{cell.Net}'");
        OutputLoss loss = net.Losses.FirstOrDefault(l => l.Name == cell.Loss) ?? throw new InvalidInputException($"cell {cell.Id}: net '{net.Id}' is not trained with loss '{cell.Loss}'");
        string bpKey = $"{net.Id}/{loss.Name}/{cell.SeedIndex}";
        if (!bpCache.TryGetValue(bpKey, out TrainedRun? bp))
        {
            bp = Train(setup, net, loss, cell.SeedIndex, Algorithm.BP);
            bpCache[bpKey] = bp;
        }

        if (bp.Diverged is not null)
        {
            throw new InvalidInputException($"cell {cell.Id}: BP diverged ({bp.Diverged}); lower the learning rate");
        }

        TrainedRun run = cell.Algorithm == Algorithm.BP ? bp : Train(setup, net, loss, cell.SeedIndex, cell.Algorithm);
        if (run.Diverged is not null)
        {
            return new ArchitectureCellResult(cell, run.Learner, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, bp.Result!.Final.TestError, run.SecondsPerUpdate, run.Diverged);
        }

        (double weights, double biases, double max) = Difference(run.Parameters!, bp.Parameters!);
        double errDiv = run.Result!.Checkpoints.Zip(bp.Result!.Checkpoints, (a, b) => Math.Abs(a.TestError - b.TestError) * 100).Average();
        return new ArchitectureCellResult(cell, run.Learner, weights, biases, max, errDiv, run.Result.Final.TestError, bp.Result.Final.TestError, run.SecondsPerUpdate, null);
    }

    /// <summary>
    /// Every cell of <paramref name="setup"/> with its work, in <see cref="Cells(ArchitecturesSetup)"/> order; the works share one BP cache, so
    /// a process that runs any subset of them (a shard) trains each BP start at most once.
    /// </summary>
    public static IReadOnlyList<(ArchitectureCell Cell, Func<ArchitectureCellResult> Run)> Work(ArchitecturesSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        Dictionary<string, TrainedRun> cache = [];
        return [.. Cells(setup).Select(c => (c, (Func<ArchitectureCellResult>)(() => Run(setup, c, cache))))];
    }

    /// <summary>Runs every cell of <paramref name="setup"/> in order and groups the results into rows.</summary>
    public static IReadOnlyList<ArchitectureRow> Study(ArchitecturesSetup setup, ProgressCallback? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var work = Work(setup);
        List<ArchitectureCellResult> results = [];
        foreach ((_, Func<ArchitectureCellResult> run) in work)
        {
            results.Add(run());
            progress?.Invoke("architectures", results.Count, work.Count);
        }

        return Rows(setup.Nets, results);
    }

    /// <summary>Groups cell results into rows (net, loss, algorithm) in the report order of <paramref name="nets"/>.</summary>
    public static IReadOnlyList<ArchitectureRow> Rows(IReadOnlyList<ArchitectureNet> nets, IReadOnlyList<ArchitectureCellResult> results)
    {
        ArgumentNullException.ThrowIfNull(nets);
        ArgumentNullException.ThrowIfNull(results);
        return
        [
            .. from net in nets
               from loss in net.Losses
               from a in ArchitecturesSetup.Algorithms
               let runs = results.Where(r => r.Cell.Net == net.Id && r.Cell.Loss == loss.Name && r.Cell.Algorithm == a).OrderBy(r => r.Cell.SeedIndex).ToList()
               where runs.Count > 0
               select new ArchitectureRow(net, loss, a, runs),
        ];
    }

    private static TrainedRun Train(ArchitecturesSetup setup, ArchitectureNet net, OutputLoss loss, int k, Algorithm algorithm)
    {
        GraphParameters<double> p = net.Initial(k);
        IGraphLearner<double> learner = setup.Options(algorithm, loss).Create<double>(net.Graph, 1);
        try
        {
            TrainingResult r = Trainer.Run(learner, p, setup.Data.Train, setup.Data.Test, setup.Plan);
            return new TrainedRun(learner.Name, p, r, r.Elapsed.TotalSeconds / r.Steps, null);
        }
        catch (TrainingDivergedException e)
        {
            return new TrainedRun(learner.Name, null, null, double.NaN, e.Message);
        }
    }

    private static (double Weights, double Biases, double Max) Difference(GraphParameters<double> theta, GraphParameters<double> w)
    {
        double weights = 0, biases = 0, max = 0;
        foreach (ParameterSlot slot in theta.Graph.ParameterSlots)
        {
            double[] a = theta[slot], b = w[slot];
            for (int i = 0; i < a.Length; i++)
            {
                double d = Math.Abs(a[i] - b[i]);
                if (slot.IsBias)
                {
                    biases += d;
                }
                else
                {
                    weights += d;
                }

                max = double.IsNaN(d) || d > max ? d : max;
            }
        }

        return (weights, biases, max);
    }
}

/// <summary>A finished training run of the architectures study (BP's is shared by the cells of one start).</summary>
/// <param name="Learner">The learner's name.</param>
/// <param name="Parameters">The final parameters (null when the run diverged).</param>
/// <param name="Result">The checkpoints and step time (null when the run diverged).</param>
/// <param name="SecondsPerUpdate">Wall time of the steps ÷ steps.</param>
/// <param name="Diverged">Null, or the divergence message.</param>
public sealed record TrainedRun(string Learner, GraphParameters<double>? Parameters, TrainingResult? Result, double SecondsPerUpdate, string? Diverged);
