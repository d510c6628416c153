using System.CommandLine;
using System.Globalization;
using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
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
        Option<string?> save = new("--save") { Description = "Write the trained parameters to this NPZ file (atomically)." };
        Option<string?> saveModel = new("--save-model") { Description = "With --model: write the model back as ONNX with the trained parameters (same graph, each initializer in its original type; atomically)." };
        command.Options.Add(algo);
        options.AddTo(command);
        command.Options.Add(save);
        command.Options.Add(saveModel);
        command.SetAction(r => Cli.Guard(output, error, () =>
        {
            Algorithm a = LearnerOptions.ParseAlgorithm(r.GetValue(algo)!);
            string? savePath = r.GetValue(save);
            string? saveModelPath = r.GetValue(saveModel);
            OutputPath.CheckWritable(savePath);
            OutputPath.CheckWritable(saveModelPath);
            RunConfig c = options.Resolve(r);
            options.CheckUsed(r, [a]);
            if (saveModelPath is not null && c.Graph?.Onnx is null)
            {
                throw new InvalidInputException("--save-model writes an ONNX model back and needs --model");
            }

            if (c.Graph is not null)
            {
                return c.Float32 ? RunGraph<float>(c, a, savePath, saveModelPath, output) : RunGraph<double>(c, a, savePath, saveModelPath, output);
            }

            return c.Float32 ? Run<float>(c, a, savePath, output) : Run<double>(c, a, savePath, output);
        }));
        return command;
    }

    private static int Run<T>(RunConfig c, Algorithm algorithm, string? savePath, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parameters<T> p = c.Initial!.Convert<T>();
        ILearner<T> learner = (c.Learner with { Algorithm = algorithm }).Create<T>(c.Spec!, Math.Min(c.Plan.BatchSize, c.Data.Train.Count));
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithm } });
        o.WriteLine($"algorithm: {learner.Name}");
        TrainingResult result = Trainer.Run(learner, p, c.Data.Train, c.Data.Test, c.Plan, cp => o.WriteLine(Cli.FormatCheckpoint(cp)));
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

    private static int RunGraph<T>(RunConfig c, Algorithm algorithm, string? savePath, string? saveModelPath, TextWriter o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphRun g = c.Graph!;
        Cli.PrintHeader(o, c with { Learner = c.Learner with { Algorithm = algorithm } }, runsZil: algorithm == Algorithm.ZIL);
        (string name, GraphParameters<T> p, TrainingResult result) = g.Train<T>(c, algorithm, cp => o.WriteLine(Cli.FormatCheckpoint(cp)));
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

/// <summary>Checks, before any work, that an output file can be created, so a long run never ends in an I/O error.</summary>
internal static class OutputPath
{
    public static void CheckWritable(string? path)
    {
        if (path is null)
        {
            return;
        }

        if (Directory.Exists(path))
        {
            throw new Engine.InvalidInputException($"cannot write output file '{path}': it is a directory");
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(dir))
        {
            throw new Engine.InvalidInputException($"cannot write output file '{path}': directory '{dir}' does not exist");
        }
    }
}
