using System.CommandLine;
using System.Globalization;
using System.Numerics;
using PcVerify.Cli.Reporting;
using PcVerify.Engine;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

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
        List<Algorithm> order = [Algorithm.BP, .. algorithms.Where(a => a != Algorithm.BP)];
        Dictionary<Algorithm, (string Name, Parameters<T> P, TrainingResult R)> runs = [];
        bool diverged = false;
        foreach (Algorithm a in order)
        {
            Parameters<T> p = c.Initial!.Convert<T>();
            ILearner<T> learner = (c.Learner with { Algorithm = a }).Create<T>(c.Spec!, capacity);
            StatusLine? status = StatusLine.ForTerminal(e);
            TrainingResult result;
            try
            {
                result = Trainer.Run(learner, p, c.Data.Train, c.Data.Test, c.Plan, onStep: status is null ? null : (done, total) => status.Report($"training {learner.Name}", done, total, "steps"));
            }
            catch (TrainingDivergedException d) when (a != Algorithm.BP)
            {
                diverged = true;
                status?.Clear();
                o.WriteLine($"trained {learner.Name,-8} {d.Message}");
                continue;
            }
            finally
            {
                status?.Clear();
            }

            runs[a] = (learner.Name, p, result);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {learner.Name,-8} steps {result.Steps}, test loss {result.Final.TestLoss:G6}, test error {Cli.Percent(result.Final.TestError)}, {result.Elapsed.TotalSeconds:F2} s"));
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

        return diverged ? ExitCodes.Diverged : ExitCodes.Ok;
    }

    /// <summary>As <see cref="Run{T}"/> for a computation graph: divergence from BP per parameter tensor (e.g. IL with γ = 1 diverging on a deep conv net gets its row).</summary>
    private static int RunGraph<T>(RunConfig c, Algorithm[] algorithms, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphRun g = c.Graph!;
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithms.Contains(Algorithm.IL) ? Algorithm.IL : Algorithm.ZIL } }, algorithms.Contains(Algorithm.ZIL));
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

        return diverged.Count == 0 ? ExitCodes.Ok : ExitCodes.Diverged;
    }
}
