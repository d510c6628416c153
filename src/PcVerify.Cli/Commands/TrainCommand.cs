using System.CommandLine;
using System.Globalization;
using System.Numerics;
using PcVerify.Cli.Reporting;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Cli.Commands;

/// <summary><c>pcverify train</c>: train one network with one algorithm and report loss and test error.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Command command = new("train", "Train a network with BP, IL, Z-IL or Fa-Z-IL and print progress and the final loss / test error.");
        RunOptions options = new();
        Option<string> algo = new("--algo") { Description = "Algorithm: bp, il, zil (Z-IL) or fazil (Fa-Z-IL).", DefaultValueFactory = _ => "zil" };
        Option<string?> save = new("--save") { Description = "Write the trained parameters to this NPZ file (atomically; its directory must exist). Checked before training, with the file's size reserved on the disk." };
        command.Options.Add(algo);
        options.AddTo(command);
        command.Options.Add(save);
        LearnerOptions? used = null;
        command.SetAction(r => Cli.Guard(
            output,
            error,
            () =>
            {
                Algorithm a = LearnerOptions.ParseAlgorithm(r.GetValue(algo)!);
                string? savePath = r.GetValue(save);
                RunConfig c = options.Resolve(r);
                used = c.Learner with { Algorithm = a };
                if (savePath is not null)
                {
                    OutputPath.CheckFile(savePath, SaveBytes(c.Spec, c.Float32));
                }

                return c.Float32 ? Run<float>(c, a, savePath, output, error) : Run<double>(c, a, savePath, output, error);
            },
            () => used is null ? null : Cli.DivergenceAdvice(used)));
        return command;
    }

    private static int Run<T>(RunConfig c, Algorithm algorithm, string? savePath, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parameters<T> p = c.Initial.Convert<T>();
        ILearner<T> learner = (c.Learner with { Algorithm = algorithm }).Create<T>(c.Spec, Math.Min(c.Plan.BatchSize, c.Data.Train.Count));
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithm } });
        o.WriteLine($"algorithm: {learner.Name}");
        StatusLine? status = StatusLine.ForTerminal(e);
        TrainingResult result;
        try
        {
            result = Trainer.Run(
                learner, p, c.Data.Train, c.Data.Test, c.Plan,
                cp =>
                {
                    status?.Clear();
                    o.WriteLine(Cli.FormatCheckpoint(cp));
                },
                status is null ? null : (done, total) => status.Report($"training {learner.Name}", done, total, "steps"));
        }
        finally
        {
            status?.Clear();
        }

        Checkpoint f = result.Final;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final: steps {result.Steps}, test loss {f.TestLoss:G6}, test error {Cli.Percent(f.TestError)}, training time {result.Elapsed.TotalSeconds:F2} s"));
        if (savePath is not null)
        {
            ParameterIo.Save(savePath, p, c.Float32 ? NpyDType.Float32 : NpyDType.Float64);
            o.WriteLine($"saved parameters to {savePath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// An upper bound on the size of the saved NPZ, reserved up front: the parameters' bytes (deflate does not
    /// shrink trained weights much, and stores them raw when it cannot) plus 1 KiB per array for the NPY and zip headers.
    /// </summary>
    private static long SaveBytes(NetworkSpec spec, bool float32) =>
        (spec.ParameterCount * (float32 ? sizeof(float) : sizeof(double))) + (1024L * spec.L * (spec.Bias ? 2 : 1));
}
