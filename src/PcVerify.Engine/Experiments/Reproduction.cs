using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Engine.Experiments;

/// <summary>Reports progress of a long phase: (phase, done, total).</summary>
public delegate void ProgressCallback(string phase, long done, long total);

/// <summary>
/// The common setup of the paper's experiments (supplementary A.7–A.10): one network, one data split, one
/// learning rate, a number of epochs, K seeds. Every comparison starts BP and the PC algorithm from identical
/// parameters (seed k) and presents the identical sequence of pairs.
/// </summary>
public sealed record ReproductionSetup
{
    private readonly NetworkSpec _spec = null!;

    /// <summary>The network.</summary>
    public required NetworkSpec Spec
    {
        get => _spec;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _spec = value;
            Graph = CompiledGraph.Compile(GraphSpec.Chain(value));
        }
    }

    /// <summary>The network as the chain every learner trains (docs/math.md §10), compiled once with <see cref="Spec"/>.</summary>
    public CompiledGraph Graph { get; private init; } = null!;

    /// <summary>The data.</summary>
    public required DataSplit Data { get; init; }

    /// <summary>Learning rate α.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Epochs of the σ study and of the training curves.</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Epochs of each run of the t × γ grid (Fig. 3).</summary>
    public int GridEpochs { get; init; } = 2;

    /// <summary>Test-set evaluations per epoch (the checkpoints of the test-error divergence).</summary>
    public int EvaluationsPerEpoch { get; init; } = 4;

    /// <summary>Base seed; seed k of K is <c>Seed + k</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>K, the number of seeds averaged.</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>σ values of Tables 1–2.</summary>
    public IReadOnlyList<double> Sigmas { get; init; } = [0, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];

    /// <summary>γ values of the Fig. 3 grid.</summary>
    public IReadOnlyList<double> Gammas { get; init; } = [0.05, 0.1, 0.2, 0.5, 1.0];

    /// <summary>IL's T for the training curves and the runtime table.</summary>
    public int IlT { get; init; } = 20;

    /// <summary>
    /// IL's inference rate γ for the training curves: 0.1, the rate of IL in the predictive-coding literature. At
    /// γ = 1 twenty moments of inference need not settle (on the digits IL then stays near chance, 80–90 % test
    /// error), which would show IL's inference diverging rather than IL approximating BP; Fig. 3 covers γ = 1.
    /// </summary>
    public double IlGamma { get; init; } = 0.1;

    /// <summary>The training plan every run of this setup uses (file order, batch 1, as in the paper).</summary>
    public TrainingPlan Plan(int epochs) => new(
        BatchSize: 1, Epochs: epochs, Shuffle: false, Seed: Seed,
        EvaluateEvery: Math.Max(1, Data.Train.Count / Math.Max(1, EvaluationsPerEpoch)));

    /// <summary>The initial parameters of seed k (He normal, as in the thesis; drawn as for the layered net, keys <c>theta{l+1}</c>).</summary>
    public GraphParameters<double> Initial(int k) => GraphParameters<double>.FromChain(Graph, Initialisation<double>.Create(Spec, InitScheme.HeNormal, Seed + (ulong)k));
}

/// <summary>Mean and sample standard deviation over seeds (NaN entries, e.g. diverged runs, are excluded and counted).</summary>
/// <param name="Mean">Mean of the finite values.</param>
/// <param name="Std">Sample standard deviation (0 for one value).</param>
/// <param name="Count">Number of finite values.</param>
public sealed record Stat(double Mean, double Std, int Count)
{
    /// <summary>Summarises <paramref name="values"/>.</summary>
    public static Stat Of(IEnumerable<double> values)
    {
        double[] v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0)
        {
            return new Stat(double.NaN, double.NaN, 0);
        }

        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new Stat(mean, std, v.Length);
    }
}

/// <summary>One run of a PC algorithm against BP from the same start on the same pairs.</summary>
/// <param name="TestErrorDivergencePp">Mean over checkpoints of |err_PC − err_BP| in percentage points.</param>
/// <param name="WeightDivergence">Σ_l Σ_ij |θ − w| after training.</param>
/// <param name="BiasDivergence">Σ_l Σ_i |β − v| after training.</param>
/// <param name="MaxElementDifference">Largest |θ_ij − w_ij| or |β_i − v_i|.</param>
/// <param name="TestError">The PC network's final test error (fraction).</param>
/// <param name="BpTestError">BP's final test error (fraction).</param>
/// <param name="Checkpoints">The PC run's checkpoints.</param>
/// <param name="Diverged">Null, or the divergence message when the PC run produced NaN/∞.</param>
public sealed record PairedRun(
    double TestErrorDivergencePp, double WeightDivergence, double BiasDivergence, double MaxElementDifference,
    double TestError, double BpTestError, IReadOnlyList<Checkpoint> Checkpoints, string? Diverged);

/// <summary>A row of Tables 1–2.</summary>
/// <param name="Sigma">σ.</param>
/// <param name="TestErrorDivergencePp">Table 1, first row.</param>
/// <param name="WeightDivergence">Table 1, second row.</param>
/// <param name="BiasDivergence">Reported apart (docs/math.md §8).</param>
/// <param name="TestError">Table 2 (fraction).</param>
/// <param name="Runs">The K runs.</param>
public sealed record SigmaRow(double Sigma, Stat TestErrorDivergencePp, Stat WeightDivergence, Stat BiasDivergence, Stat TestError, IReadOnlyList<PairedRun> Runs);

/// <summary>A column of the Fig. 3 grid: an IL update moment, or the Z-IL schedule.</summary>
/// <param name="Label">"t = 2" or "Z-IL (t = l)".</param>
/// <param name="Tc">The update moment, or null for Z-IL.</param>
public sealed record GridColumn(string Label, int? Tc);

/// <summary>One cell of the Fig. 3 grid.</summary>
/// <param name="Column">The schedule.</param>
/// <param name="Gamma">γ.</param>
/// <param name="Run">The paired run against BP.</param>
public sealed record GridCell(GridColumn Column, double Gamma, PairedRun Run);

/// <summary>One algorithm's learning curve.</summary>
/// <param name="Algorithm">Its name.</param>
/// <param name="Checkpoints">Test loss and error over training.</param>
public sealed record Curve(string Algorithm, IReadOnlyList<Checkpoint> Checkpoints);

/// <summary>A row of the runtime table.</summary>
/// <param name="Algorithm">Its name (IL with its T).</param>
/// <param name="SecondsPerPair">Median over repeats of the wall time per training pair at batch 1.</param>
/// <param name="RatioToBp">SecondsPerPair ÷ BP's.</param>
/// <param name="Pairs">Pairs timed per repeat.</param>
public sealed record RuntimeRow(string Algorithm, double SecondsPerPair, double RatioToBp, int Pairs);

/// <summary>The experiments behind <c>pcverify reproduce</c>.</summary>
public static class Reproduction
{
    /// <summary>
    /// Trains BP and <paramref name="pc"/> from <paramref name="initial"/> on the same pairs and measures docs/math.md §8's
    /// divergences. <paramref name="bp"/> may be a previous BP run from the same start (it is deterministic).
    /// </summary>
    public static PairedRun Paired(ReproductionSetup setup, GraphParameters<double> initial, LearnerOptions pc, int epochs, (GraphParameters<double> P, TrainingResult R)? bp = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(pc);
        (GraphParameters<double> w, TrainingResult bpRun) = bp ?? TrainBp(setup, initial, epochs);
        GraphParameters<double> theta = initial.Clone();
        TrainingResult run;
        try
        {
            run = Trainer.Run(pc.Create<double>(setup.Graph, 1), theta, setup.Data.Train, setup.Data.Test, setup.Plan(epochs));
        }
        catch (TrainingDivergedException e)
        {
            return new PairedRun(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, bpRun.Final.TestError, [], e.Message);
        }

        IReadOnlyList<LayerDivergence> d = Divergence.Compute(theta, w);
        double errDiv = run.Checkpoints.Zip(bpRun.Checkpoints, (a, b) => Math.Abs(a.TestError - b.TestError) * 100).Average();
        return new PairedRun(errDiv, Divergence.TotalWeights(d), d.Sum(x => x.BiasL1), d.Max(x => x.MaxAbs), run.Final.TestError, bpRun.Final.TestError, run.Checkpoints, null);
    }

    /// <summary>A BP run from <paramref name="initial"/> with the setup's plan.</summary>
    public static (GraphParameters<double> P, TrainingResult R) TrainBp(ReproductionSetup setup, GraphParameters<double> initial, int epochs)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(initial);
        GraphParameters<double> w = initial.Clone();
        TrainingResult r = Trainer.Run(new LearnerOptions { Algorithm = Algorithm.BP, Alpha = setup.Alpha }.Create<double>(setup.Graph, 1), w, setup.Data.Train, setup.Data.Test, setup.Plan(epochs));
        return (w, r);
    }

    /// <summary>
    /// Tables 1–2: Z-IL with noisy C1 initialisation (σ) against BP, K seeds per σ. Within seed k every σ uses the
    /// same N(0,1) draws scaled by σ, so the σ values are compared like with like.
    /// </summary>
    public static IReadOnlyList<SigmaRow> SigmaStudy(ReproductionSetup setup, ProgressCallback? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        long total = (long)setup.Seeds * (setup.Sigmas.Count + 1), done = 0;
        List<IReadOnlyList<PairedRun>> bySeed = [];
        for (int k = 0; k < setup.Seeds; k++)
        {
            bySeed.Add(SigmaSeed(setup, k, () => progress?.Invoke("Tables 1–2 (σ)", ++done, total)));
        }

        return SigmaRows(setup.Sigmas, bySeed);
    }

    /// <summary>
    /// One seed of Tables 1–2 (a cell of a sharded sweep): BP, then Z-IL at every σ, from seed k's parameters; the
    /// runs in the order of <see cref="ReproductionSetup.Sigmas"/>. <paramref name="step"/> is called after each run.
    /// </summary>
    public static IReadOnlyList<PairedRun> SigmaSeed(ReproductionSetup setup, int k, Action? step = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        GraphParameters<double> init = setup.Initial(k);
        var bp = TrainBp(setup, init, setup.Epochs);
        step?.Invoke();
        List<PairedRun> runs = [];
        foreach (double sigma in setup.Sigmas)
        {
            LearnerOptions zil = new() { Algorithm = Algorithm.ZIL, Alpha = setup.Alpha, Sigma = sigma, NoiseSeed = setup.Seed + (ulong)k };
            runs.Add(Paired(setup, init, zil, setup.Epochs, bp));
            step?.Invoke();
        }

        return runs;
    }

    /// <summary>
    /// The rows of Tables 1–2 from the runs of every seed (<paramref name="bySeed"/>[k] as <see cref="SigmaSeed"/>
    /// returns it): statistics over seeds in seed order, so the rows depend on the runs alone, not on where they ran.
    /// </summary>
    public static IReadOnlyList<SigmaRow> SigmaRows(IReadOnlyList<double> sigmas, IReadOnlyList<IReadOnlyList<PairedRun>> bySeed)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        ArgumentNullException.ThrowIfNull(bySeed);
        return sigmas.Select((sigma, s) =>
        {
            PairedRun[] runs = [.. bySeed.Select(seed => seed[s])];
            return new SigmaRow(
                sigma,
                Stat.Of(runs.Select(r => r.TestErrorDivergencePp)),
                Stat.Of(runs.Select(r => r.WeightDivergence)),
                Stat.Of(runs.Select(r => r.BiasDivergence)),
                Stat.Of(runs.Select(r => r.TestError)),
                runs);
        }).ToList();
    }

    /// <summary>
    /// The columns of Fig. 3 for depth <paramref name="depth"/>: <c>t = 0 .. L+1</c> with the Z-IL column placed
    /// between <c>t = L−2</c> and <c>t = L−1</c> (supplementary A.8; for L = 3: 0, 1, l, 2, 3, 4).
    /// </summary>
    public static IReadOnlyList<GridColumn> GridColumns(int depth)
    {
        List<GridColumn> cols = [];
        for (int t = 0; t <= depth + 1; t++)
        {
            if (t == Math.Max(0, depth - 1))
            {
                cols.Add(new GridColumn("Z-IL (t = l)", null));
            }

            cols.Add(new GridColumn($"t = {t}", t));
        }

        return cols;
    }

    /// <summary>Fig. 3: IL updating all layers at one moment t, and Z-IL, for each γ, against BP (seed 0).</summary>
    public static IReadOnlyList<GridCell> ScheduleGammaGrid(ReproductionSetup setup, ProgressCallback? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var bp = GridBp(setup);
        IReadOnlyList<(GridColumn Column, double Gamma)> cells = GridCells(setup);
        List<GridCell> result = [];
        foreach ((GridColumn c, double gamma) in cells)
        {
            result.Add(GridRun(setup, bp, c, gamma));
            progress?.Invoke("Fig. 3 (t × γ)", result.Count, cells.Count);
        }

        return result;
    }

    /// <summary>The cells of the Fig. 3 grid in report order: γ by γ, each with every column of <see cref="GridColumns"/>.</summary>
    public static IReadOnlyList<(GridColumn Column, double Gamma)> GridCells(ReproductionSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        IReadOnlyList<GridColumn> columns = GridColumns(setup.Spec.L);
        return [.. setup.Gammas.SelectMany(g => columns.Select(c => (c, g)))];
    }

    /// <summary>The BP run every cell of the grid is compared with (seed 0, the grid's epochs).</summary>
    public static (GraphParameters<double> P, TrainingResult R) GridBp(ReproductionSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return TrainBp(setup, setup.Initial(0), setup.GridEpochs);
    }

    /// <summary>One cell of the grid (a cell of a sharded sweep): the schedule <paramref name="column"/> at γ, against <paramref name="bp"/>.</summary>
    public static GridCell GridRun(ReproductionSetup setup, (GraphParameters<double> P, TrainingResult R) bp, GridColumn column, double gamma)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(column);
        LearnerOptions o = column.Tc is int tc
            ? new() { Algorithm = Algorithm.IL, Alpha = setup.Alpha, Gamma = gamma, Tc = tc }
            : new() { Algorithm = Algorithm.ZIL, Alpha = setup.Alpha, Gamma = gamma };
        return new GridCell(column, gamma, Paired(setup, setup.Initial(0), o, setup.GridEpochs, bp));
    }

    /// <summary>Test error over training for BP, Z-IL, Fa-Z-IL and IL (T = <see cref="ReproductionSetup.IlT"/>,
    /// γ = <see cref="ReproductionSetup.IlGamma"/>), seed 0.</summary>
    public static IReadOnlyList<Curve> TrainingCurves(ReproductionSetup setup, ProgressCallback? progress = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        IReadOnlyList<LearnerOptions> algos = CurveAlgorithms(setup);
        List<Curve> curves = [];
        foreach (LearnerOptions o in algos)
        {
            curves.Add(TrainingCurve(setup, o));
            progress?.Invoke("training curves", curves.Count, algos.Count);
        }

        return curves;
    }

    /// <summary>The algorithms of the training curves, in report order.</summary>
    public static IReadOnlyList<LearnerOptions> CurveAlgorithms(ReproductionSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return
        [
            new() { Algorithm = Algorithm.BP, Alpha = setup.Alpha },
            new() { Algorithm = Algorithm.ZIL, Alpha = setup.Alpha },
            new() { Algorithm = Algorithm.FaZIL, Alpha = setup.Alpha },
            new() { Algorithm = Algorithm.IL, Alpha = setup.Alpha, T = setup.IlT, Gamma = setup.IlGamma },
        ];
    }

    /// <summary>One training curve (a cell of a sharded sweep): <paramref name="o"/> trained from seed 0's parameters.</summary>
    public static Curve TrainingCurve(ReproductionSetup setup, LearnerOptions o)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(o);
        IGraphLearner<double> learner = o.Create<double>(setup.Graph, 1);
        GraphParameters<double> p = setup.Initial(0);
        TrainingResult r = Trainer.Run(learner, p, setup.Data.Train, setup.Data.Test, setup.Plan(setup.Epochs));
        return new Curve(o.Algorithm == Algorithm.IL ? string.Create(CultureInfo.InvariantCulture, $"il (T = {setup.IlT}, γ = {setup.IlGamma})") : learner.Name, r.Checkpoints);
    }

    /// <summary>
    /// Wall time per training pair at batch 1 for BP, IL (T = <paramref name="ilT"/>), Z-IL and Fa-Z-IL on
    /// <paramref name="spec"/> (trained as its chain, as every run is) with synthetic N(0,1) inputs and targets. Each algorithm is warmed up, then timed over
    /// <paramref name="repeats"/> repeats of <paramref name="pairs"/> pairs; the median repeat is reported.
    /// </summary>
    public static IReadOnlyList<RuntimeRow> Runtime<T>(NetworkSpec spec, int ilT, int pairs, int repeats, ulong seed, ProgressCallback? progress = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        GraphParameters<T> p = GraphParameters<T>.FromChain(graph, Initialisation<T>.Create(spec, InitScheme.HeNormal, seed));
        Rng rng = new(seed);
        T[] x = new T[spec.InputWidth], y = new T[spec.OutputWidth];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = T.CreateTruncating(rng.NextNormal());
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = T.CreateTruncating(rng.NextNormal());
        }

        // A tiny rate keeps the parameters (and so the work) the same for every pair of the measurement.
        const double alpha = 1e-9;
        (string Name, IGraphLearner<T> Learner)[] learners =
        [
            ("bp", new LearnerOptions { Algorithm = Algorithm.BP, Alpha = alpha }.Create<T>(graph, 1)),
            ($"il (T = {ilT})", new LearnerOptions { Algorithm = Algorithm.IL, Alpha = alpha, T = ilT }.Create<T>(graph, 1)),
            ("zil", new LearnerOptions { Algorithm = Algorithm.ZIL, Alpha = alpha }.Create<T>(graph, 1)),
            ("fazil", new LearnerOptions { Algorithm = Algorithm.FaZIL, Alpha = alpha }.Create<T>(graph, 1)),
        ];
        List<(string, double, int)> measured = [];
        int index = 0;
        foreach ((string name, IGraphLearner<T> learner) in learners)
        {
            int n = name.StartsWith("il", StringComparison.Ordinal) ? Math.Max(1, pairs / Math.Max(1, ilT / 4)) : pairs;
            learner.Step(p, x, y, 1);
            double[] times = new double[repeats];
            for (int r = 0; r < repeats; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < n; i++)
                {
                    learner.Step(p, x, y, 1);
                }

                times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / n;
            }

            Array.Sort(times);
            measured.Add((name, times[repeats / 2], n));
            progress?.Invoke("runtime", ++index, learners.Length);
        }

        double bpTime = measured[0].Item2;
        return measured.Select(m => new RuntimeRow(m.Item1, m.Item2, m.Item2 / bpTime, m.Item3)).ToList();
    }
}
