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
        Command command = new("compare", "Train BP and PC algorithms from identical parameters on the identical pair sequence; print per-layer weight and bias divergence (docs/math.md §8) and the largest element difference against BP.");
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

            RunConfig c = options.Resolve(r);
            options.CheckUsed(r, [Algorithm.BP, .. list]);
            used = c.Learner with { Algorithm = list.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL };
            if (c.Graph is not null)
            {
                return c.Float32 ? RunGraph<float>(c, list, output) : RunGraph<double>(c, list, output);
            }

            return c.Float32 ? Run<float>(c, list, output, error) : Run<double>(c, list, output, error);
        }, () => used is null ? null : Cli.DivergenceAdvice(used)));
        return command;
    }

    /// <summary>
    /// Trains BP and each algorithm from identical parameters and prints the divergences. A PC algorithm whose training
    /// diverges to NaN/∞ gets a row saying where, the others are still compared, and the exit code is then 3; BP
    /// diverging ends the run, since there is nothing to compare with.
    /// </summary>
    private static int Run<T>(RunConfig c, Algorithm[] algorithms, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithms.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL } });
        int capacity = Math.Min(c.Plan.BatchSize, c.Data.Train.Count);
        bool transport = c.Learner.Feedback != FeedbackKind.Symmetric;
        List<Algorithm> order = [Algorithm.BP, .. algorithms.Where(a => a != Algorithm.BP)];
        Dictionary<Algorithm, (string Name, Parameters<T> P, TrainingResult R)> runs = [];
        Dictionary<Algorithm, ILearner<T>> learners = [];
        bool diverged = false;

        // With feedback B ≠ θᵀ the reference is exact BP (θᵀ, the same weight decay), and BP with the same B runs too.
        (string Name, Parameters<T> P, TrainingResult R) bpWithFeedback = default;
        if (transport)
        {
            ILearner<T> bpB = (c.Learner with { Algorithm = Algorithm.BP }).Create<T>(c.Spec!, capacity);
            bpWithFeedback = Train(c, bpB, "bp+" + Feedback<T>.Name(c.Learner.Feedback), o, e);
            learners[Algorithm.BP] = bpB;
        }

        foreach (Algorithm a in order)
        {
            LearnerOptions options = a == Algorithm.BP && transport
                ? c.Learner with { Algorithm = a, Feedback = FeedbackKind.Symmetric, FeedbackMatrices = null }
                : c.Learner with { Algorithm = a };
            ILearner<T> learner = options.Create<T>(c.Spec!, capacity);
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

        (string _, Parameters<T> w, TrainingResult bpRun) = runs[Algorithm.BP];
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

            (string name, Parameters<T> theta, TrainingResult run) = entry;
            IReadOnlyList<LayerDivergence> d = Divergence.Compute(theta, w);
            double errDiv = run.Checkpoints.Zip(bpRun.Checkpoints, (x, y) => Math.Abs(x.TestError - y.TestError) * 100).DefaultIfEmpty(double.NaN).Average();
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {Divergence.TotalWeights(d),16:0.000E+00} {(c.Spec!.Bias ? d.Sum(x => x.BiasL1).ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),16} {d.Max(x => x.MaxAbs),12:0.000E+00} {Cli.Percent(run.Final.TestError),9} {errDiv,13:G4}"));
        }

        foreach (Algorithm a in order.Where(runs.ContainsKey).Where(a => a != Algorithm.BP))
        {
            (string name, Parameters<T> theta, TrainingResult _) = runs[a];
            o.WriteLine();
            o.WriteLine($"{name}: per layer (θ^{{l+1}} maps layer l+1 to layer l; layer 0 = output)");
            o.WriteLine($"  {"layer",-8} {"shape",-12} {"Σ|θ−w|",12} {"Σ|β−v|",12} {"max",12}");
            foreach (LayerDivergence d in Divergence.Compute(theta, w))
            {
                Matrix<T> m = theta.Theta[d.Layer];
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  θ^{d.Layer,-6} {m.Rows + "×" + m.Cols,-12} {d.WeightL1,12:0.000E+00} {(c.Spec!.Bias ? d.BiasL1.ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),12} {d.MaxAbs,12:0.000E+00}"));
            }
        }

        if (transport)
        {
            PrintTransport(c, order, runs, bpWithFeedback, learners, o);
        }

        return diverged ? ExitCodes.Diverged : ExitCodes.Ok;
    }

    private static (string Name, Parameters<T> P, TrainingResult R) Train<T>(RunConfig c, ILearner<T> learner, string name, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parameters<T> p = c.Initial!.Convert<T>();
        StatusLine? status = StatusLine.ForTerminal(e);
        TrainingResult result;
        try
        {
            result = Trainer.Run(learner, p, c.Data.Train, c.Data.Test, c.Plan, onStep: status is null ? null : (done, total) => status.Report($"training {name}", done, total, "steps"));
        }
        finally
        {
            status?.Clear();
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {name,-8} steps {result.Steps}, test loss {result.Final.TestLoss:G6}, test error {Cli.Percent(result.Final.TestError)}, {result.Elapsed.TotalSeconds:F2} s"));
        return (name, p, result);
    }

    /// <summary>
    /// With feedback B ≠ θᵀ (docs/math.md §12): each PC algorithm's divergence from BP with the same feedback, and
    /// per hidden layer the mean angle between the error each method propagates and exact BP's δ at the same final
    /// parameters and pairs (the first up to 100 test pairs; Z-IL's error at t = l).
    /// </summary>
    private static void PrintTransport<T>(
        RunConfig c, List<Algorithm> order, Dictionary<Algorithm, (string Name, Parameters<T> P, TrainingResult R)> runs,
        (string Name, Parameters<T> P, TrainingResult R) bpB, Dictionary<Algorithm, ILearner<T>> learners, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        o.WriteLine();
        o.WriteLine($"Divergence from {bpB.Name} (BP with the same feedback B, from the same seed):");
        o.WriteLine($"{"algorithm",-10} {"weights Σ|θ−w|",16} {"biases Σ|β−v|",16} {"max |θ−w|",12} {"test err",9}");
        foreach (Algorithm a in order.Where(runs.ContainsKey).Where(a => a != Algorithm.BP))
        {
            (string name, Parameters<T> theta, TrainingResult run) = runs[a];
            IReadOnlyList<LayerDivergence> d = Divergence.Compute(theta, bpB.P);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {Divergence.TotalWeights(d),16:0.000E+00} {(c.Spec!.Bias ? d.Sum(x => x.BiasL1).ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),16} {d.Max(x => x.MaxAbs),12:0.000E+00} {Cli.Percent(run.Final.TestError),9}"));
        }

        (string _, Parameters<T> exactP, TrainingResult exactRun) = runs[Algorithm.BP];
        IReadOnlyList<LayerDivergence> db = Divergence.Compute(bpB.P, exactP);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{bpB.Name} vs exact bp: weights Σ|θ−w| {Divergence.TotalWeights(db):0.000E+00}, max {db.Max(x => x.MaxAbs):0.000E+00}; test error {Cli.Percent(bpB.R.Final.TestError)} vs {Cli.Percent(exactRun.Final.TestError)}"));

        int pairs = Math.Min(100, c.Data.Test.Count);
        T[] inputs = Convert<T>(c.Data.Test.Inputs.AsSpan(0, pairs * c.Data.Test.InputWidth));
        T[] targets = Convert<T>(c.Data.Test.Targets.AsSpan(0, pairs * c.Data.Test.OutputWidth));
        o.WriteLine();
        o.WriteLine($"Alignment: mean angle (degrees) between the propagated error and exact BP's δ^l, per hidden layer, at each method's final");
        o.WriteLine($"parameters over the first {pairs} test pairs (Z-IL: ε^l at t = l); pairs with a zero error have no angle and are left out (counted in brackets).");
        Feedback<T>? bpFeedback = ((Engine.Backprop.Backprop<T>)learners[Algorithm.BP]).Feedback;
        PrintAlignment(o, bpB.Name, ErrorAlignment.Backprop(c.Spec!, bpB.P, bpFeedback, learners[Algorithm.BP].OutputLoss, inputs, targets, pairs));
        if (runs.ContainsKey(Algorithm.ZIL))
        {
            var zil = (Engine.PredictiveCoding.PredictiveCodingLearner<T>)learners[Algorithm.ZIL];
            PrintAlignment(o, runs[Algorithm.ZIL].Name, ErrorAlignment.ZeroDivergence(c.Spec!, runs[Algorithm.ZIL].P, zil.State.Feedback, zil.OutputLoss, inputs, targets, pairs));
        }
    }

    private static void PrintAlignment(TextWriter o, string name, LayerAlignment[] layers) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-12} {string.Join("  ", layers.Select(a => $"δ^{a.Layer}: {a.MeanDegrees:F2}°" + (a.LeftOut > 0 ? $" ({a.LeftOut} left out)" : "")))}"));

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

    /// <summary>
    /// As <see cref="Run{T}"/> for a computation graph: divergence from BP per parameter tensor. A PC algorithm whose
    /// training diverges to NaN/∞ (e.g. IL with γ = 1 on a deep graph) gets a row saying where, the others are still
    /// compared, and the exit code is then 3. BP diverging ends the run, since there is nothing to compare with.
    /// </summary>
    private static int RunGraph<T>(RunConfig c, Algorithm[] algorithms, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphRun g = c.Graph!;
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithms.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL } }, algorithms.Contains(Algorithm.ZIL));
        if (c.Learner.Feedback != FeedbackKind.Symmetric)
        {
            o.WriteLine($"reference: BP with the same feedback ({Feedback<T>.Name(c.Learner.Feedback)}) in the tables below, then exact BP; alignment angles are reported on layered nets only");
        }

        List<Algorithm> order = [Algorithm.BP, .. algorithms.Where(a => a != Algorithm.BP)];
        Dictionary<Algorithm, (string Name, GraphParameters<T> P, TrainingResult R)> runs = [];
        Dictionary<Algorithm, string> diverged = [];
        foreach (Algorithm a in order)
        {
            try
            {
                runs[a] = g.Train<T>(c, a);
            }
            catch (TrainingDivergedException e) when (a != Algorithm.BP)
            {
                diverged[a] = e.Message;
                o.WriteLine($"trained {a.ToString().ToLowerInvariant(),-8} {e.Message}");
                continue;
            }

            (string name, _, TrainingResult result) = runs[a];
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {name,-8} steps {result.Steps}, test loss {result.Final.TestLoss:G6}, test error {Cli.Percent(result.Final.TestError)}, {result.Elapsed.TotalSeconds:F2} s"));
        }

        (string _, GraphParameters<T> w, TrainingResult bpRun) = runs[Algorithm.BP];
        o.WriteLine();
        o.WriteLine("Divergence from BP (docs/math.md §8): weights Σ|θ−w|, biases Σ|β−v| reported apart, max |element difference|,");
        o.WriteLine("test-error divergence = mean over the checkpoints of |err_PC − err_BP| in percentage points.");
        o.WriteLine();
        o.WriteLine($"{"algorithm",-10} {"weights Σ|θ−w|",16} {"biases Σ|β−v|",16} {"max |θ−w|",12} {"test err",9} {"err div (pp)",13}");
        bool hasBias = g.Graph.ParameterSlots.Any(s => s.IsBias);
        foreach (Algorithm a in order.Where(a => a != Algorithm.BP))
        {
            if (!runs.TryGetValue(a, out var entry))
            {
                o.WriteLine($"{a.ToString().ToLowerInvariant(),-10} diverged (non-finite values; see above)");
                continue;
            }

            (string name, GraphParameters<T> theta, TrainingResult run) = entry;
            (double weights, double biases, double max) = GraphRun.Divergence(theta, w);
            double errDiv = run.Checkpoints.Zip(bpRun.Checkpoints, (x, y) => Math.Abs(x.TestError - y.TestError) * 100).DefaultIfEmpty(double.NaN).Average();
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {weights,16:0.000E+00} {(hasBias ? biases.ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),16} {max,12:0.000E+00} {Cli.Percent(run.Final.TestError),9} {errDiv,13:G4}"));
        }

        foreach (Algorithm a in order.Where(runs.ContainsKey).Where(a => a != Algorithm.BP))
        {
            o.WriteLine();
            GraphRun.PrintPerTensor(o, runs[a].Name, runs[a].P, w);
        }

        if (c.Learner.Feedback != FeedbackKind.Symmetric)
        {
            // The tables above are against BP with the same B; exact BP (θ, the same weight decay) is the second reference.
            (string _, GraphParameters<T> exact, TrainingResult exactRun) = g.Train<T>(c with { Learner = c.Learner with { Feedback = FeedbackKind.Symmetric } }, Algorithm.BP);
            o.WriteLine();
            o.WriteLine($"Divergence from exact BP (θ in every input-Jᵀ, weight decay λ {c.Learner.WeightDecay.ToString("G", CultureInfo.InvariantCulture)}; test error {Cli.Percent(exactRun.Final.TestError)}):");
            o.WriteLine($"{"algorithm",-10} {"weights Σ|θ−w|",16} {"biases Σ|β−v|",16} {"max |θ−w|",12}");
            foreach (Algorithm a in order.Where(runs.ContainsKey))
            {
                (double weights, double biases, double max) = GraphRun.Divergence(runs[a].P, exact);
                string name = a == Algorithm.BP ? "bp+" + Feedback<T>.Name(c.Learner.Feedback) : runs[a].Name;
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-10} {weights,16:0.000E+00} {(hasBias ? biases.ToString("0.000E+00", CultureInfo.InvariantCulture) : "—"),16} {max,12:0.000E+00}"));
            }
        }

        return diverged.Count == 0 ? ExitCodes.Ok : ExitCodes.Diverged;
    }
}
