using System.Diagnostics;
using System.Globalization;
using PcVerify.Cli.Commands;
using PcVerify.Cli.Reporting;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Reproduce;

/// <summary>
/// Runs the experiments (all cells of the sweep, or one shard's) with progress, and writes the report, tables and
/// figures, or the shard's partial result.
/// </summary>
internal static class ReproductionRunner
{
    public static int Run(
        ReproductionSetup setup, (ArchitecturesPlan Plan, ArchitecturesSetup? Setup) architectures, string dir, bool paperRuntime, bool quick, Shard shard,
        string commandLine, TextWriter o, Stopwatch wall)
    {
        NetworkSpec paperSpec = NetworkSpec.FromInputToOutput([50176, 4096, 2048, 1024, 27], [Activation.Tanh], false);
        SweepSetup summary = SweepSetup.Of(setup, paperRuntime, paperSpec.ArchitectureText, quick ? 50 : 200, architectures.Plan);
        IReadOnlyList<ArchitectureNet> nets = architectures.Setup?.Nets ?? [];
        IReadOnlyList<(string Id, string Phase, Func<CellResult> Run)> work = Work(setup, summary, paperSpec, architectures.Setup);
        IReadOnlyList<string> cells = ReproductionPlan.Cells(summary, nets);
        if (!work.Select(w => w.Id).SequenceEqual(cells))
        {
            throw new InvalidOperationException("the reproduction's work list and its plan list different cells");
        }

        var mine = shard.Select(work);
        o.WriteLine(shard.Count == 1
            ? $"reproducing into {dir}: {setup.Spec}; {setup.Data.Description}"
            : $"reproducing shard {shard} ({mine.Count} of {work.Count} cells) into {dir}: {setup.Spec}; {setup.Data.Description}");
        if (architectures.Plan.Skipped is string skipped)
        {
            o.WriteLine($"note: architectures section not run: {skipped}");
        }

        List<CellResult> results = [];
        Action<IProgressSink> body = p =>
        {
            Dictionary<string, IProgressTask> tasks = [];
            foreach (var phase in mine.GroupBy(w => w.Phase))
            {
                tasks[phase.Key] = p.AddTask(phase.Key, phase.Count());
            }

            foreach (var w in mine)
            {
                results.Add(w.Run());
                tasks[w.Phase].Increment(1);
            }
        };
        if (ReferenceEquals(o, Console.Out))
        {
            ProgressReporter.Run(body);
        }
        else
        {
            ProgressReporter.RunPlain(o, body);
        }

        if (shard.Count > 1)
        {
            string path = new PartialResults(PartialResults.FormatName, shard.ToString(), commandLine, wall.Elapsed.TotalSeconds, summary, cells, results).Write(dir, shard);
            o.WriteLine($"partial result: {path} ({wall.Elapsed.TotalSeconds:F0} s); combine the {shard.Count} shards with: pcverify merge DIR... --out DIR");
            return ExitCodes.Ok;
        }

        ReproductionResults r = ReproductionPlan.Assemble(summary, nets, results.ToDictionary(c => c.Id));
        return WriteReport(summary, nets, r, dir, [commandLine], o, wall, []);
    }

    /// <summary>
    /// The cells of the sweep with their work, in <see cref="ReproductionPlan.Cells"/> order. Every cell of the grid
    /// compares with one BP run, trained once per process that runs any grid cell (it is deterministic); likewise each
    /// start of the architectures section.
    /// </summary>
    private static List<(string Id, string Phase, Func<CellResult> Run)> Work(ReproductionSetup setup, SweepSetup s, NetworkSpec paperSpec, ArchitecturesSetup? architectures)
    {
        List<(string, string, Func<CellResult>)> work = [];
        for (int k = 0; k < setup.Seeds; k++)
        {
            int seed = k;
            string id = ReproductionPlan.SigmaId(s, k);
            work.Add((id, "Tables 1–2 (σ)", () => new CellResult(id, SigmaRuns: Reproduction.SigmaSeed(setup, seed))));
        }

        Lazy<(GraphParameters<double>, TrainingResult)> bp = new(() => Reproduction.GridBp(setup));
        foreach ((GridColumn column, double gamma) in Reproduction.GridCells(setup))
        {
            string id = ReproductionPlan.GridId(column, gamma);
            work.Add((id, "Fig. 3 (t × γ)", () => new CellResult(id, GridRun: Reproduction.GridRun(setup, bp.Value, column, gamma).Run)));
        }

        foreach (LearnerOptions a in Reproduction.CurveAlgorithms(setup))
        {
            string id = ReproductionPlan.CurveId(a.Algorithm);
            work.Add((id, "training curves", () => new CellResult(id, Curve: Reproduction.TrainingCurve(setup, a))));
        }

        work.Add((ReproductionPlan.RuntimeId, "runtime", () => new CellResult(ReproductionPlan.RuntimeId, Runtime: Reproduction.Runtime<double>(setup.Spec, setup.IlT, s.RuntimePairs, 5, setup.Seed))));
        if (s.PaperRuntime)
        {
            work.Add((ReproductionPlan.PaperRuntimeId, "runtime, paper network", () => new CellResult(ReproductionPlan.PaperRuntimeId, Runtime: Reproduction.Runtime<float>(paperSpec, setup.IlT, 2, 3, setup.Seed))));
        }

        if (architectures is not null)
        {
            foreach ((ArchitectureCell cell, Func<ArchitectureCellResult> run) in Architectures.Work(architectures))
            {
                work.Add((cell.Id, "architectures", () => new CellResult(cell.Id, Architecture: run())));
            }
        }

        if (s.HasTransport)
        {
            work.Add((ReproductionPlan.TransportId, "weight transport", () => new CellResult(ReproductionPlan.TransportId, Transport: WeightTransport.Run(setup))));
        }

        return work;
    }

    /// <summary>
    /// Writes report.md, the CSV/JSON tables and the PNG figures of <paramref name="r"/> into <paramref name="dir"/>,
    /// prints the verdict on each claim, and returns the exit code (4 when an exactness claim fails). The same for an
    /// unsharded run and for <c>pcverify merge</c>: <c>nets</c> are the architectures section's nets (empty when it was
    /// not run), <c>commands</c> the commands that produced it, and <c>shardSeconds</c> the shards' wall times of a
    /// merged run (empty for an unsharded one).
    /// </summary>
    public static int WriteReport(
        SweepSetup setup, IReadOnlyList<ArchitectureNet> nets, ReproductionResults r, string dir, IReadOnlyList<string> commands, TextWriter o, Stopwatch wall,
        IReadOnlyList<(string Shard, double Seconds)> shardSeconds)
    {
        IReadOnlyList<Claim> claims = [.. Claims.Evaluate(r.Sigma, r.Curves, r.Grid), .. ArchitectureClaims.Evaluate(r.Architectures)];
        IReadOnlyList<Claim> transportClaims = WriteOutputs(setup, dir, commands, r.Sigma, r.Grid, r.Curves, r.Runtime, r.PaperRuntime, (nets, r.Architectures), r.Transport, claims, wall, shardSeconds);

        // The weight-transport verdicts are printed with the paper's but are not exactness claims: they never change the exit code.
        foreach (Claim c in claims.Concat(transportClaims))
        {
            o.WriteLine($"{(c.Holds ? "holds " : "FAILS ")} {c.Statement}: {c.Evidence}");
        }

        o.WriteLine($"report: {Path.Combine(dir, "report.md")} ({wall.Elapsed.TotalSeconds:F0} s)");
        return claims.Any(c => c.Exactness && !c.Holds) ? ExitCodes.ClaimFailed : ExitCodes.Ok;
    }

    /// <summary>Writes every file of the report; returns the weight-transport section's verdicts (none when it was not run).</summary>
    private static IReadOnlyList<Claim> WriteOutputs(
        SweepSetup setup, string dir, IReadOnlyList<string> commands, IReadOnlyList<SigmaRow> sigma, IReadOnlyList<GridCell> grid,
        IReadOnlyList<Curve> curves, IReadOnlyList<RuntimeRow> runtime, IReadOnlyList<RuntimeRow> paper,
        (IReadOnlyList<ArchitectureNet> Nets, IReadOnlyList<ArchitectureRow> Rows) architectures, IReadOnlyList<TransportRun> transport,
        IReadOnlyList<Claim> claims, Stopwatch wall, IReadOnlyList<(string Shard, double Seconds)> shardSeconds)
    {
        ResultTable sigmaTable = ReproductionTables.Sigma(sigma);
        ResultTable gridTable = ReproductionTables.Grid(grid);
        ResultTable curveTable = ReproductionTables.Curves(curves);
        ResultTable runtimeTable = ReproductionTables.Runtime($"Runtime per training pair, batch 1, float64, {setup.Architecture}", runtime);
        ResultTable claimTable = ReproductionTables.ClaimsTable(claims);
        Save(dir, "sigma", sigmaTable);
        Save(dir, "fig3-grid", gridTable);
        Save(dir, "training-curves", curveTable);
        Save(dir, "runtime", runtimeTable);
        Save(dir, "claims", claimTable);

        // A log axis shows only finite positive values: σ = 0 is drawn apart, at its own slot left of the smallest σ
        // (a zero divergence on the y floor), with its value written beside it; σ values whose runs all diverged (NaN
        // mean; the table's "diverged runs" column reports them) and zero divergences at σ > 0 are left off the plot.
        SigmaRow[] positive = [.. sigma.Where(r => r.Sigma > 0)];
        SigmaRow? zero = sigma.FirstOrDefault(r => r.Sigma == 0);
        double[] AtZero(Func<SigmaRow, double> ours, double[] paperValues) =>
            zero is null ? [double.NaN, double.NaN] : [ours(zero), PaperValues.Lookup(paperValues, 0)];
        Figures.Lines(Path.Combine(dir, "table1-weights.png"), "Table 1: divergence of final weights, Z-IL vs BP", "σ (noise of the C1 initialisation)", "Σ|θ − w| after training",
        [
            LogSeries("this run", positive, r => r.WeightDivergence.Mean),
            LogSeries("paper", positive, r => PaperValues.Lookup(PaperValues.WeightDivergence, r.Sigma)),
        ], logX: true, logY: true, AtZero(r => r.WeightDivergence.Mean, PaperValues.WeightDivergence));
        Figures.Lines(Path.Combine(dir, "table1-test-error.png"), "Table 1: divergence of test error, Z-IL vs BP", "σ (noise of the C1 initialisation)", "mean |err_PC − err_BP| (percentage points)",
        [
            LogSeries("this run", positive, r => r.TestErrorDivergencePp.Mean),
            LogSeries("paper", positive, r => PaperValues.Lookup(PaperValues.TestErrorDivergence, r.Sigma)),
        ], logX: true, logY: true, AtZero(r => r.TestErrorDivergencePp.Mean, PaperValues.TestErrorDivergence));
        Figures.Lines(Path.Combine(dir, "table2-test-error.png"), "Table 2: test error of Z-IL vs σ", "σ (noise of the C1 initialisation)", "test error (%)",
        [
            LogSeries("this run", positive, r => r.TestError.Mean * 100),
            LogSeries("paper", positive, r => PaperValues.Lookup(PaperValues.TestError, r.Sigma) * 100),
        ], logX: true, logY: false, AtZero(r => r.TestError.Mean * 100, PaperValues.TestError.Select(e => e * 100).ToArray()));
        var (err, xs, ys) = ReproductionTables.GridMatrix(grid, r => r.TestError * 100);
        var (errText, _, _) = ReproductionTables.GridLabels(grid, r => Figures.Number(r.TestError * 100));
        Figures.Heatmap(Path.Combine(dir, "fig3-test-error.png"), "Fig. 3: test error (%) of IL at update moment t, and Z-IL", "update moment (A.8 order)", "γ", err, errText, xs, ys, "test error (%)");
        var (div, _, _) = ReproductionTables.GridMatrix(grid, r => Math.Log10(Math.Max(r.WeightDivergence, 1e-16)));
        var (divText, _, _) = ReproductionTables.GridLabels(grid, r => Figures.Number(r.WeightDivergence));
        Figures.Heatmap(Path.Combine(dir, "fig3-weight-divergence.png"), "Fig. 3: divergence of final weights from BP, Σ|θ − w|", "update moment (A.8 order)", "γ", div, divText, xs, ys, "log10 Σ|θ − w| (floored at 1e-16)");
        Figures.Lines(Path.Combine(dir, "training-curves.png"), "Test error during training", "epoch", "test error (%)",
            [.. curves.Select(c => (c.Algorithm, c.Checkpoints.Select(p => p.Epoch).ToArray(), c.Checkpoints.Select(p => p.TestError * 100).ToArray()))],
            logX: false, logY: false);

        Report report = new("PcVerify: reproduction of Song et al. (NeurIPS 2020), Tables 1–2 and Fig. 3");
        report.AddParagraph("Every comparison trains an ANN with BP and a PCN with the named algorithm from identical parameters on the identical sequence of pairs (batch 1, file order, as in the paper), in float64. Divergences follow docs/math.md §8: Σ|θ − w| over all weights (biases reported apart) after training, and the mean over the evaluation checkpoints of |err_PC − err_BP| in percentage points.");
        report.AddSection("Command");
        report.AddCodeBlock(string.Join('\n', commands));
        report.AddSection("Setup");
        report.AddKeyValues(new Dictionary<string, string>
        {
            ["data"] = setup.Data,
            ["network"] = setup.Network,
            ["learning rate α"] = setup.Alpha.ToString("G", CultureInfo.InvariantCulture),
            ["epochs (σ study, curves)"] = setup.Epochs.ToString(CultureInfo.InvariantCulture),
            ["epochs (Fig. 3 grid)"] = setup.GridEpochs.ToString(CultureInfo.InvariantCulture),
            ["evaluations per epoch"] = setup.EvaluationsPerEpoch.ToString(CultureInfo.InvariantCulture),
            ["seeds"] = string.Join(", ", Enumerable.Range(0, setup.Seeds).Select(k => (setup.Seed + (ulong)k).ToString(CultureInfo.InvariantCulture))) + " (He-normal initialisation; σ noise seeded per seed and σ)",
            ["initialisation"] = "He/Kaiming normal, zero biases",
        });
        report.AddEnvironment();
        report.AddSection("The paper's claims");
        report.AddParagraph("Criteria: σ = 0 weight divergence ≤ 1e-10 in float64 (rounding of ε vs δ accumulates to ~1e-13; the paper reports 2.37e-13); \"unchanged\" test error is within 1 percentage point of σ = 0; \"degraded\" is at least 2 points above it. The paper's own data sets, architectures and learning rates are not in the supplementary, so the shape is what can be compared, not the values.");
        report.AddTable(claimTable, 4);
        report.AddSection("Tables 1–2: σ relaxes C1");
        report.AddParagraph($"Mean and sample standard deviation over {setup.Seeds} seed(s); the paper's values beside ours.");
        report.AddTable(sigmaTable, 4);
        report.AddParagraph("σ = 0 cannot be placed on a log axis: each plot draws it apart, in the slot labelled 0 left of the dotted line, with its value written beside it (a divergence of exactly 0 sits on the floor labelled 0). A σ whose runs all diverged to NaN is left off the plots and counted in the table's last column.");
        report.AddImage("table1-weights.png", "Divergence of final weights against σ, log–log, with the paper's values");
        report.AddImage("table1-test-error.png", "Divergence of test error against σ, log–log, with the paper's values");
        report.AddImage("table2-test-error.png", "Test error against σ, with the paper's values");
        report.AddSection("Fig. 3: the update moment t and γ");
        report.AddParagraph("IL updates every layer at one moment t; the Z-IL column (θ^{l+1} at t = l) is placed between t = L−2 and t = L−1 as in supplementary A.8. The Z-IL column uses the γ of its row without the γ^l correction, so only γ = 1 is exact.");
        report.AddTable(gridTable, 4);
        report.AddImage("fig3-test-error.png", "Test error of IL over t and γ");
        report.AddImage("fig3-weight-divergence.png", "Divergence of final weights from BP over t and γ (colour: log10)");
        report.AddSection("Training curves");
        Curve? bpCurve = curves.FirstOrDefault(c => c.Algorithm == "bp");
        string[] onBp = [.. curves.Where(c => c != bpCurve && bpCurve is not null && c.Checkpoints.Select(p => p.TestError).SequenceEqual(bpCurve.Checkpoints.Select(p => p.TestError))).Select(c => c.Algorithm)];
        if (onBp.Length > 0)
        {
            report.AddParagraph($"The curves of {string.Join(" and ", onBp)} lie exactly on BP's (identical test error at every checkpoint); each is drawn with its own dash pattern and marker so that all stay visible.");
        }

        report.AddImage("training-curves.png", "Test error during training for BP, Z-IL, Fa-Z-IL and IL");
        report.AddTable(curveTable, 5);
        report.AddSection("Runtime");
        report.AddParagraph("Wall time per training pair at batch 1 (median of 5 repeats, after a warm-up), measured in this process; ratios are to BP measured in the same run. Use the BenchmarkDotNet suite (docs/performance.md) for careful figures.");
        report.AddTable(runtimeTable, 4);
        if (paper.Count > 0)
        {
            ResultTable paperTable = ReproductionTables.Runtime($"Runtime per training pair, batch 1, float32, the paper's network {setup.PaperArchitecture} (synthetic input)", paper);
            Save(dir, "runtime-paper-network", paperTable);
            report.AddTable(paperTable, 4);
        }

        ArchitecturesSection.Write(report, dir, setup.Architectures, setup.Alpha, architectures.Nets, architectures.Rows);
        IReadOnlyList<Claim> transportClaims = transport.Count == 0 ? [] : WeightTransportSection.Write(report, dir, transport, setup.OutputWidth, setup.TransportEpochs);
        if (shardSeconds.Count > 0)
        {
            report.AddParagraph($"Merged from {shardSeconds.Count} shards (docs/scaling.md); their wall times: {string.Join(", ", shardSeconds.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Shard} {x.Seconds:F3} s")))}. The runtime table, and each of the architectures section's seconds per update, was measured by the shard that ran it. The wall time below is the merge's.");
        }

        report.AddWallTime(wall.Elapsed);
        report.Save(Path.Combine(dir, "report.md"));
        return transportClaims;
    }

    private static (string, double[], double[]) LogSeries(string label, IEnumerable<SigmaRow> rows, Func<SigmaRow, double> y)
    {
        SigmaRow[] shown = [.. rows.Where(r => double.IsFinite(y(r)) && y(r) > 0)];
        return (label, [.. shown.Select(r => r.Sigma)], [.. shown.Select(y)]);
    }

    private static void Save(string dir, string name, ResultTable t)
    {
        t.WriteCsv(Path.Combine(dir, name + ".csv"));
        t.WriteJson(Path.Combine(dir, name + ".json"));
    }
}
