using System.CommandLine;
using System.Globalization;
using System.Numerics;
using PcVerify.Cli.Reporting;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

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
        Option<string?> saveModel = new("--save-model") { Description = "With --model: write the model back as ONNX with the trained parameters (same graph, each initializer in its original type; atomically; its directory must exist). Checked before training like --save." };
        command.Options.Add(algo);
        options.AddTo(command);
        command.Options.Add(save);
        command.Options.Add(saveModel);
        LearnerOptions? used = null;
        command.SetAction(r => Cli.Guard(
            output,
            error,
            () =>
            {
                Algorithm a = LearnerOptions.ParseAlgorithm(r.GetValue(algo)!);
                string? savePath = r.GetValue(save);
                string? saveModelPath = r.GetValue(saveModel);
                RunConfig c = options.Resolve(r);
                options.CheckUsed(r, [a]);
                used = c.Learner with { Algorithm = a };
                if (saveModelPath is not null && c.Graph?.Onnx is null)
                {
                    throw new InvalidInputException("--save-model writes an ONNX model back and needs --model");
                }

                long parameterBytes = ParameterBytes(c);
                if (savePath is not null)
                {
                    OutputPath.CheckFile(savePath, parameterBytes);
                }

                if (saveModelPath is not null)
                {
                    OutputPath.CheckFile(saveModelPath, parameterBytes);
                }

                if (c.Graph is not null)
                {
                    return c.Float32
                        ? RunGraph<float>(c, a, savePath, saveModelPath, output, error)
                        : RunGraph<double>(c, a, savePath, saveModelPath, output, error);
                }

                return c.Float32 ? Run<float>(c, a, savePath, output, error) : Run<double>(c, a, savePath, output, error);
            },
            () => used is null ? null : Cli.DivergenceAdvice(used)));
        return command;
    }

    private static int Run<T>(RunConfig c, Algorithm algorithm, string? savePath, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parameters<T> p = c.Initial!.Convert<T>();
        ILearner<T> learner = (c.Learner with { Algorithm = algorithm }).Create<T>(c.Spec!, Math.Min(c.Plan.BatchSize, c.Data.Train.Count));
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
            Feedback<T>? feedback = learner switch
            {
                Engine.Backprop.Backprop<T> bp => bp.Feedback,
                Engine.PredictiveCoding.PredictiveCodingLearner<T> pc => pc.State.Feedback,
                _ => null,
            };
            ParameterIo.Save(savePath, p, c.Float32 ? NpyDType.Float32 : NpyDType.Float64, feedback);
            o.WriteLine($"saved parameters to {savePath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// An upper bound on the size of a saved parameter file, reserved up front: the parameters' bytes (deflate does
    /// not shrink trained weights much, and stores them raw when it cannot) plus 1 KiB per array for the headers.
    /// An ONNX model written back keeps each initializer's original type: at most 8 bytes per element is assumed.
    /// </summary>
    private static long ParameterBytes(RunConfig c)
    {
        int elementBytes = c.Float32 && c.Graph?.Onnx is null ? sizeof(float) : sizeof(double);
        if (c.Graph is { } g)
        {
            long elements = g.Graph.ParameterSlots.Sum(s => s.Shape.Aggregate(1L, (a, d) => a * d));
            return (elements * elementBytes) + (1024L * g.Graph.ParameterSlots.Count);
        }

        NetworkSpec spec = c.Spec!;
        return (spec.ParameterCount * elementBytes) + (1024L * spec.L * (spec.Bias ? 2 : 1));
    }

    private static int RunGraph<T>(RunConfig c, Algorithm algorithm, string? savePath, string? saveModelPath, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphRun g = c.Graph!;
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithm } }, runsZil: algorithm == Algorithm.ZIL);
        StatusLine? status = StatusLine.ForTerminal(e);
        string name;
        GraphParameters<T> p;
        TrainingResult result;
        try
        {
            (name, p, result) = g.Train<T>(
                c, algorithm,
                cp =>
                {
                    status?.Clear();
                    o.WriteLine(Cli.FormatCheckpoint(cp));
                });
        }
        finally
        {
            status?.Clear();
        }

        Checkpoint f = result.Final;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final ({name}): steps {result.Steps}, test loss {f.TestLoss:G6}, test error {Cli.Percent(f.TestError)}, training time {result.Elapsed.TotalSeconds:F2} s"));
        if (savePath is not null)
        {
            GraphRun.Save(savePath, p, c.Float32);
            o.WriteLine($"saved parameters to {savePath} (keys {string.Join(", ", g.Graph.ParameterSlots.Select(s => s.Key))})");
        }

        if (saveModelPath is not null)
        {
            g.Onnx!.Save(saveModelPath, p.ToArrays(NpyDType.Float64));
            o.WriteLine($"saved the model with the trained parameters to {saveModelPath}");
        }

        return ExitCodes.Ok;
    }
}
