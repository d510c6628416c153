using System.CommandLine;
using System.Globalization;
using PcVerify.Cli.Commands;
using PcVerify.Engine;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Cli;

/// <summary>The <c>pcverify</c> command tree and the conventions every command follows.</summary>
public static class Cli
{
    /// <summary>Runs the CLI with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        RootCommand root = new("pcverify — check that predictive coding (Z-IL, Fa-Z-IL) computes exactly what backpropagation computes (Song et al., NeurIPS 2020). Widths are given input→output; internally layer 0 is the output, as in the paper.");
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(CompareCommand.Create(output, error));
        root.Subcommands.Add(ReproduceCommand.Create(output, error));
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(InspectCommand.Create(output, error));
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = true });
    }

    /// <summary>Runs a command body, turning the engine's exceptions into one-line errors and exit codes.</summary>
    internal static int Guard(TextWriter output, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (InvalidInputException e)
        {
            output.Flush();
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.Flush();
            error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.InvalidInput;
        }
        catch (TrainingDivergedException e)
        {
            output.Flush();
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.Diverged;
        }
    }

    internal static void PrintHeader(TextWriter o, RunConfig c, bool runsZil = false)
    {
        o.WriteLine($"engine: {EngineEnvironment.Describe()}");
        if (c.Graph is not null)
        {
            c.Graph.PrintHeader(o, runsZil);
            o.WriteLine($"element type: {(c.Float32 ? "float32" : "float64")}");
        }
        else
        {
            o.WriteLine($"network: {c.Spec} ({c.Spec!.ParameterCount} parameters, {(c.Float32 ? "float32" : "float64")})");
        }

        o.WriteLine($"initial parameters: {c.InitPath ?? $"seed {c.Seed}"}");
        o.WriteLine($"data: {c.Data.Description}");
        o.WriteLine($"loss: {c.Learner.Loss.Description}");
        LearnerOptions l = c.Learner;
        TrainingPlan p = c.Plan;
        int batch = Math.Min(p.BatchSize, c.Data.Train.Count);
        string batchText = batch == p.BatchSize ? $"batch {batch}" : $"batch {batch} (the whole training set; {p.BatchSize} asked)";
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rule: α {l.Alpha:G6}, γ {l.Gamma:G6}{(l.GammaCorrection ? " (γ^-l corrected)" : "")}, σ {l.Sigma:G6}{(l.Algorithm == Algorithm.IL || l.Schedule is not null ? $", IL t_c {l.Tc ?? l.T}" : "")}; {batchText}, {(p.Steps is long s ? $"{s} steps" : $"{p.Epochs} epoch(s)")}, {(p.Shuffle ? "shuffled" : "file order")}"));
    }

    internal static string FormatCheckpoint(Checkpoint c) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {c.Epoch,7:F2}  step {c.Step,8}  test loss {c.TestLoss,10:G6}  test error {Percent(c.TestError)}");

    internal static string Percent(double fraction) =>
        double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
