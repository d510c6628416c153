using System.Globalization;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Reproduce;

/// <summary>
/// What a reproduction is, apart from its data: the numbers that fix every cell of the sweep, as a partial result
/// records them so that <c>pcverify merge</c> can lay the cells out and write the report without the data.
/// </summary>
internal sealed record SweepSetup(
    string Data, string Network, string Architecture, int Depth, double Alpha, int Epochs, int GridEpochs,
    int EvaluationsPerEpoch, ulong Seed, int Seeds, IReadOnlyList<double> Sigmas, IReadOnlyList<double> Gammas,
    int IlT, double IlGamma, bool PaperRuntime, string PaperArchitecture, int RuntimePairs, ArchitecturesPlan Architectures,
    int OutputWidth, int TransportEpochs)
{
    /// <summary>Whether the sweep has the weight-transport cell: it needs a hidden layer (L ≥ 2) to measure alignment in.</summary>
    public bool HasTransport => Depth >= 2;

    public static SweepSetup Of(ReproductionSetup s, bool paperRuntime, string paperArchitecture, int runtimePairs, ArchitecturesPlan architectures) => new(
        s.Data.Description, s.Spec.ToString(), s.Spec.ArchitectureText, s.Spec.L, s.Alpha, s.Epochs, s.GridEpochs,
        s.EvaluationsPerEpoch, s.Seed, s.Seeds, [.. s.Sigmas], [.. s.Gammas], s.IlT, s.IlGamma, paperRuntime, paperArchitecture, runtimePairs, architectures,
        s.Spec.OutputWidth, WeightTransport.Epochs(s));
}

/// <summary>
/// What fixes the architectures section apart from the data, as a partial result records it: <c>pcverify merge</c>
/// rebuilds the nets from it (<see cref="ArchitecturesSection.Nets"/>: the default nets from the sweep's seed, or the
/// model at <see cref="Model"/>, or the graph file at <see cref="Graph"/>) and writes the section's text from it.
/// </summary>
/// <param name="Model">reproduce's <c>--model</c> path, or null for the default nets.</param>
/// <param name="Level">reproduce's <c>--level</c>.</param>
/// <param name="TrainSet">The name of the training set the nets are trained on.</param>
/// <param name="Steps">Training pairs of every run.</param>
/// <param name="Evaluations">Test-set evaluations of every run.</param>
/// <param name="IlT">IL's T.</param>
/// <param name="IlGamma">IL's γ.</param>
/// <param name="Skipped">Null, or why the section was not run (the default nets do not fit the data).</param>
/// <param name="Graph">reproduce's <c>--graph</c> path (a graph file for the section, seeded like the default nets), or null.</param>
internal sealed record ArchitecturesPlan(string? Model, bool Level, string TrainSet, int Steps, int Evaluations, int IlT, double IlGamma, string? Skipped, string? Graph = null);

/// <summary>
/// The result of one cell: exactly one payload is set, by the cell's section (a future section adds its own).
/// Numbers are kept exactly (JSON's shortest round-trip form; NaN and ±∞ by name).
/// </summary>
internal sealed record CellResult(
    string Id,
    IReadOnlyList<PairedRun>? SigmaRuns = null,
    PairedRun? GridRun = null,
    Curve? Curve = null,
    IReadOnlyList<RuntimeRow>? Runtime = null,
    ArchitectureCellResult? Architecture = null,
    IReadOnlyList<TransportRun>? Transport = null);

/// <summary>Everything the report is written from.</summary>
internal sealed record ReproductionResults(
    IReadOnlyList<SigmaRow> Sigma, IReadOnlyList<GridCell> Grid, IReadOnlyList<Curve> Curves,
    IReadOnlyList<RuntimeRow> Runtime, IReadOnlyList<RuntimeRow> PaperRuntime, IReadOnlyList<ArchitectureRow> Architectures,
    IReadOnlyList<TransportRun> Transport);

/// <summary>
/// The sweep of <c>pcverify reproduce</c> as a list of cells with stable ids, in a fixed order: the σ study seed by
/// seed, the Fig. 3 grid γ by γ and column by column, the training curves algorithm by algorithm, the runtime
/// table(s), the architectures section's cells (<see cref="Architectures.Cells(IReadOnlyList{ArchitectureNet}, int)"/>), the
/// weight-transport study (one cell: its methods share the initial parameters and compare with each other). A shard runs the cells <see cref="Shard.Owns"/> gives it; the results, keyed by id, are laid out by
/// <see cref="Assemble"/> whichever shard computed them. A new section appends its cells and a payload.
/// </summary>
internal static class ReproductionPlan
{
    public static string SigmaId(SweepSetup s, int k) => Invariant($"sigma/seed={s.Seed + (ulong)k}");

    public static string GridId(GridColumn c, double gamma) => Invariant($"fig3/gamma={gamma:R}/{(c.Tc is int t ? $"t={t}" : "zil")}");

    public static string CurveId(Algorithm a) => "curves/" + a.ToString().ToLowerInvariant();

    public const string RuntimeId = "runtime";

    public const string PaperRuntimeId = "runtime/paper-network";

    public const string TransportId = "weight-transport";

    /// <summary>The algorithms of the training curves, in order (as <see cref="Reproduction.CurveAlgorithms"/> lists them).</summary>
    public static readonly IReadOnlyList<Algorithm> CurveOrder = [Algorithm.BP, Algorithm.ZIL, Algorithm.FaZIL, Algorithm.IL];

    /// <summary>The grid's cells, γ by γ, each with every column.</summary>
    public static IReadOnlyList<(GridColumn Column, double Gamma)> GridCells(SweepSetup s) =>
        [.. s.Gammas.SelectMany(g => Reproduction.GridColumns(s.Depth).Select(c => (c, g)))];

    /// <summary>
    /// Every cell id of the sweep, in sweep order (shard positions count in this list); <paramref name="nets"/> are the
    /// architectures section's nets (empty when it is not run).
    /// </summary>
    public static IReadOnlyList<string> Cells(SweepSetup s, IReadOnlyList<ArchitectureNet> nets)
    {
        List<string> ids = [.. Enumerable.Range(0, s.Seeds).Select(k => SigmaId(s, k))];
        ids.AddRange(GridCells(s).Select(c => GridId(c.Column, c.Gamma)));
        ids.AddRange(CurveOrder.Select(CurveId));
        ids.Add(RuntimeId);
        if (s.PaperRuntime)
        {
            ids.Add(PaperRuntimeId);
        }

        ids.AddRange(Architectures.Cells(nets, s.Seeds).Select(c => c.Id));
        if (s.HasTransport)
        {
            ids.Add(TransportId);
        }

        return ids;
    }

    /// <summary>Lays out the results of every cell as the report's tables; the result of each cell must be present.</summary>
    public static ReproductionResults Assemble(SweepSetup s, IReadOnlyList<ArchitectureNet> nets, IReadOnlyDictionary<string, CellResult> cells)
    {
        T Get<T>(string id, Func<CellResult, T?> payload)
            where T : class =>
            payload(cells[id]) ?? throw new Engine.InvalidInputException($"the result of cell '{id}' has no {typeof(T).Name} payload");

        IReadOnlyList<SigmaRow> sigma = Reproduction.SigmaRows(s.Sigmas, [.. Enumerable.Range(0, s.Seeds).Select(k => Get(SigmaId(s, k), c => c.SigmaRuns))]);
        IReadOnlyList<GridCell> grid = [.. GridCells(s).Select(c => new GridCell(c.Column, c.Gamma, Get(GridId(c.Column, c.Gamma), r => r.GridRun)))];
        IReadOnlyList<Curve> curves = [.. CurveOrder.Select(a => Get(CurveId(a), c => c.Curve))];
        IReadOnlyList<RuntimeRow> runtime = Get(RuntimeId, c => c.Runtime);
        IReadOnlyList<RuntimeRow> paper = s.PaperRuntime ? Get(PaperRuntimeId, c => c.Runtime) : [];
        IReadOnlyList<ArchitectureRow> architectures = Architectures.Rows(nets, [.. Architectures.Cells(nets, s.Seeds).Select(c => Get(c.Id, r => r.Architecture))]);
        IReadOnlyList<TransportRun> transport = s.HasTransport ? Get(TransportId, c => c.Transport) : [];
        return new ReproductionResults(sigma, grid, curves, runtime, paper, architectures, transport);
    }

    private static string Invariant(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
