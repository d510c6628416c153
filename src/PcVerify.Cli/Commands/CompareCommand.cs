using System.CommandLine;
using System.Globalization;
using System.Numerics;
using PcVerify.Cli.Reporting;
using PcVerify.Engine;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Commands;

/// <summary>
/// <c>pcverify compare</c>: train BP and each PC algorithm from identical parameters on the identical sequence of
/// pairs and print the divergences of docs/math.md §8 against BP.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Command command = new("compare", "Train BP and PC algorithms from identical parameters on the identical pair sequence; print the weight and bias divergence (docs/math.md §8) and the largest element difference against BP, per layer for --arch and per parameter tensor for --graph/--model; with --feedback also against BP with the same B, and the alignment of the propagated errors.");
        RunOptions options = new();
        Option<string> algos = new("--algos") { Description = "Comma-separated algorithms compared with BP: bp, zil, fazil, il.", DefaultValueFactory = _ => "bp,zil,fazil,il" };
        command.Options.Add(algos);
        options.AddTo(command);
        LearnerOptions? used = null;
        command.SetAction(r => Cli.Guard(output, error, () =>
        {
            Algorithm[] list = r.GetValue(algos)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(LearnerOptions.ParseAlgorithm).Distinct().ToArray();
            if (!list.Any(a => a != Algorithm.BP))
            {
                throw new InvalidInputException($"--algos '{r.GetValue(algos)}': name at least one of zil, fazil, il to compare with BP");
            }

            options.CheckUsed(r, [Algorithm.BP, .. list]);
            RunConfig c = options.Resolve(r);
            used = c.Learner with { Algorithm = list.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL };
            return c.Float32 ? Run<float>(c, list, output, error) : Run<double>(c, list, output, error);
        }, () => used is null ? null : Cli.DivergenceAdvice(used)));
        return command;
    }

    /// <summary>
    /// Trains BP and each algorithm from identical parameters and prints the divergences (a chain per layer, a graph per
    /// parameter tensor). A PC algorithm whose training diverges to NaN/∞ (e.g. IL with γ = 1 on a deep graph) gets a
    /// row saying where, the others are still compared, and the exit code is then 3; BP diverging ends the run, since
    /// there is nothing to compare with.
    /// </summary>
    private static int Run<T>(RunConfig c, Algorithm[] algorithms, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkRun net = c.Net;
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithms.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL } }, algorithms.Contains(Algorithm.ZIL));
        bool transport = c.Learner.Feedback != FeedbackKind.Symmetric;
        List<Algorithm> order = [Algorithm.BP, .. algorithms.Where(a => a != Algorithm.BP)];
        Dictionary<Algorithm, (string Name, GraphParameters<T> P, TrainingResult R)> runs = [];
        Dictionary<Algorithm, IGraphLearner<T>> learners = [];
        bool diverged = false;

        // With feedback B ≠ θᵀ the reference is exact BP (θᵀ, the same weight decay), and BP with the same B runs too.
        (string Name, GraphParameters<T> P, TrainingResult R) bpWithFeedback = default;
        if (transport)
        {
            IGraphLearner<T> bpB = net.Learner<T>(c, c.Learner with { Algorithm = Algorithm.BP });
            bpWithFeedback = Train(c, bpB, "bp+" + FeedbackKinds.Name(c.Learner.Feedback), o, e);
            learners[Algorithm.BP] = bpB;
        }

        foreach (Algorithm a in order)
        {
            LearnerOptions options = a == Algorithm.BP && transport
                ? c.Learner with { Algorithm = a, Feedback = FeedbackKind.Symmetric, FeedbackMatrices = null, FeedbackArrays = null }
                : c.Learner with { Algorithm = a };
            IGraphLearner<T> learner = net.Learner<T>(c, options);
            try
            {
                runs[a] = Train(c, learner, learner.Name, o, e);
            }
            catch (TrainingDivergedException ex) when (a != Algorithm.BP)
            {
                diverged = true;
                o.WriteLine($"trained {learner.Name,-8} {ex.Message}");
                continue;
            }

            if (a != Algorithm.BP)
            {
                learners[a] = learner;
            }
        }

        (string _, GraphParameters<T> w, TrainingResult bpRun) = runs[Algorithm.BP];
        o.WriteLine();
        o.WriteLine("Divergence from BP (docs/math.md §8): weights Σ|θ−w|, biases Σ|β−v| reported apart, max |element difference|,");
        o.WriteLine("test-error divergence = mean over the checkpoints of |err_PC − err_BP| in percentage points.");
        o.WriteLine();
        o.WriteLine($"{"algorithm",-10} {"weights Σ|θ−w|",16} {"biases Σ|β−v|",16} {"max |θ−w|",12} {"test err",9} {"err div (pp)",13}");
        foreach (Algorithm a in order.Where(a => a != Algorithm.BP))
        {
            if (!runs.TryGetValue(a, out var entry))
            {
                o.WriteLine($"{a.ToString().ToLowerInvariant(),-10} diverged (non-finite values; see above)");
                continue;
            }

            (string name, GraphParameters<T> theta, TrainingResult run) = entry;
            double errDiv = run.Checkpoints.Zip(bpRun.Checkpoints, (x, y) => Math.Abs(x.TestError - y.TestError) * 100).DefaultIfEmpty(double.NaN).Average();
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-10} {Columns(net, theta, w)} {Cli.Percent(run.Final.TestError),9} {errDiv,13:G4}"));
        }

        foreach (Algorithm a in order.Where(runs.ContainsKey).Where(a => a != Algorithm.BP))
        {
            o.WriteLine();
            net.PrintBreakdown(o, runs[a].Name, runs[a].P, w);
        }

        if (transport)
        {
            PrintTransport(c, order, runs, bpWithFeedback, learners, o);
        }

        return diverged ? ExitCodes.Diverged : ExitCodes.Ok;
    }

    /// <summary>The weights, biases and max columns of a divergence row (docs/math.md §8), "—" for biases when the network has none.</summary>
    private static string Columns<T>(NetworkRun net, GraphParameters<T> theta, GraphParameters<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IReadOnlyList<LayerDivergence> d = Divergence.Compute(theta, w);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Divergence.TotalWeights(d),16:0.000E+00} {(net.HasBias ? d.Sum(x => x.BiasL1).ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),16} {d.Max(x => x.MaxAbs),12:0.000E+00}");
    }

    private static (string Name, GraphParameters<T> P, TrainingResult R) Train<T>(RunConfig c, IGraphLearner<T> learner, string name, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        StatusLine? status = StatusLine.ForTerminal(e);
        GraphParameters<T> p;
        TrainingResult result;
        try
        {
            (p, result) = c.Net.Train(c, learner, onStep: status is null ? null : (done, total) => status.Report($"training {name}", done, total, "steps"));
        }
        finally
        {
            status?.Clear();
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {name,-8} steps {result.Steps}, {c.Data.EvaluationName} loss {result.Final.TestLoss:G6}, {c.Data.EvaluationName} error {Cli.Percent(result.Final.TestError)}, {result.Elapsed.TotalSeconds:F2} s"));
        return (name, p, result);
    }

    /// <summary>
    /// With feedback B ≠ θᵀ (docs/math.md §12): each PC algorithm's divergence from BP with the same feedback, and
    /// per hidden layer (hidden vertex of a graph) the mean angle between the error each method propagates and exact
    /// BP's δ at the same final parameters and pairs (the first up to 100 test pairs; Z-IL's error at t = d(v), on a
    /// chain t = l).
    /// </summary>
    private static void PrintTransport<T>(
        RunConfig c, List<Algorithm> order, Dictionary<Algorithm, (string Name, GraphParameters<T> P, TrainingResult R)> runs,
        (string Name, GraphParameters<T> P, TrainingResult R) bpB, Dictionary<Algorithm, IGraphLearner<T>> learners, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkRun net = c.Net;
        o.WriteLine();
        o.WriteLine($"Divergence from {bpB.Name} (BP with the same feedback B, from the same seed):");
        o.WriteLine($"{"algorithm",-10} {"weights Σ|θ−w|",16} {"biases Σ|β−v|",16} {"max |θ−w|",12} {"test err",9}");
        foreach (Algorithm a in order.Where(runs.ContainsKey).Where(a => a != Algorithm.BP))
        {
            (string name, GraphParameters<T> theta, TrainingResult run) = runs[a];
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-10} {Columns(net, theta, bpB.P)} {Cli.Percent(run.Final.TestError),9}"));
        }

        (string _, GraphParameters<T> exactP, TrainingResult exactRun) = runs[Algorithm.BP];
        IReadOnlyList<LayerDivergence> db = Divergence.Compute(bpB.P, exactP);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bpB.Name} vs exact bp: weights Σ|θ−w| {Divergence.TotalWeights(db):0.000E+00}, max {db.Max(x => x.MaxAbs):0.000E+00}; {c.Data.EvaluationName} error {Cli.Percent(bpB.R.Final.TestError)} vs {Cli.Percent(exactRun.Final.TestError)}"));

        int pairs = Math.Min(100, c.Data.Test.Count);
        T[] inputs = Convert<T>(c.Data.Test.Inputs.AsSpan(0, pairs * c.Data.Test.InputWidth));
        T[] targets = Convert<T>(c.Data.Test.Targets.AsSpan(0, pairs * c.Data.Test.OutputWidth));
        o.WriteLine();
        o.WriteLine($"Alignment: mean angle (degrees) between the propagated error and exact BP's δ{(net.Chain is null ? "_v, per hidden vertex" : "^l, per hidden layer")}, at each method's final");
        o.WriteLine($"parameters over the first {pairs} test pairs (Z-IL: ε{(net.Chain is null ? "_v at t = d(v)" : "^l at t = l")}); pairs with a zero error have no angle and are left out (counted in brackets).");
        IGraphLearner<T> bp = learners[Algorithm.BP];
        PrintAlignment(o, net, bpB.Name, ErrorAlignment.Backprop(bpB.P, NetworkRun.FeedbackOf(bp), bp.OutputLoss, inputs, targets, pairs));
        if (runs.ContainsKey(Algorithm.ZIL))
        {
            IGraphLearner<T> zil = learners[Algorithm.ZIL];
            PrintAlignment(o, net, runs[Algorithm.ZIL].Name, ErrorAlignment.ZeroDivergence(runs[Algorithm.ZIL].P, NetworkRun.FeedbackOf(zil), zil.OutputLoss, inputs, targets, pairs));
        }
    }

    private static void PrintAlignment(TextWriter o, NetworkRun net, string name, LayerAlignment[] layers) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-12} {string.Join("  ", layers.Select(a => $"{net.HiddenLabel(a.Layer)}: {a.MeanDegrees:F2}°" + (a.LeftOut > 0 ? $" ({a.LeftOut} left out)" : "")))}"));

    private static T[] Convert<T>(ReadOnlySpan<double> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] r = new T[values.Length];
        for (int k = 0; k < r.Length; k++)
        {
            r[k] = T.CreateTruncating(values[k]);
        }

        return r;
    }
}
