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
                options.CheckUsed(r, [a]);
                RunConfig c = options.Resolve(r);
                used = c.Learner with { Algorithm = a };
                if (saveModelPath is not null && c.Net.Onnx is null)
                {
                    throw new InvalidInputException("--save-model writes an ONNX model back and needs --model");
                }

                long parameterBytes = c.Net.ParameterBytes(c.Float32);
                if (savePath is not null)
                {
                    OutputPath.CheckFile(savePath, parameterBytes);
                }

                if (saveModelPath is not null)
                {
                    OutputPath.CheckFile(saveModelPath, parameterBytes);
                }

                return c.Float32
                    ? Run<float>(c, used, savePath, saveModelPath, output, error)
                    : Run<double>(c, used, savePath, saveModelPath, output, error);
            },
            () => used is null ? null : Cli.DivergenceAdvice(used)));
        return command;
    }

    private static int Run<T>(RunConfig c, LearnerOptions options, string? savePath, string? saveModelPath, TextWriter o, TextWriter e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkRun net = c.Net;
        IGraphLearner<T> learner = net.Learner<T>(c, options);
        Cli.PrintHeader(o, c with { Learner = options }, runsZil: options.Algorithm == Algorithm.ZIL);
        if (net.Chain is not null)
        {
            o.WriteLine($"algorithm: {learner.Name}");
        }

        StatusLine? status = StatusLine.ForTerminal(e);
        GraphParameters<T> p;
        TrainingResult result;
        try
        {
            (p, result) = net.Train(
                c, learner,
                cp =>
                {
                    status?.Clear();
                    o.WriteLine(Cli.FormatCheckpoint(cp, c.Data.EvaluationName));
                },
                status is null ? null : (done, total) => status.Report($"training {learner.Name}", done, total, "steps"));
        }
        finally
        {
            status?.Clear();
        }

        Checkpoint f = result.Final;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final{(net.Chain is null ? $" ({learner.Name})" : "")}: steps {result.Steps}, {c.Data.EvaluationName} loss {f.TestLoss:G6}, {c.Data.EvaluationName} error {Cli.Percent(f.TestError)}, training time {result.Elapsed.TotalSeconds:F2} s"));
        if (savePath is not null)
        {
            GraphFeedback<T>? feedback = NetworkRun.FeedbackOf(learner);
            net.Save(savePath, p, c.Float32, feedback);
            IEnumerable<string> feedbackKeys = feedback is null ? [] : GraphFeedback<T>.Slots(net.Graph, feedback.Kind).Select(s => s.Key);
            o.WriteLine(net.Chain is null
                ? $"saved parameters to {savePath} (keys {string.Join(", ", net.Graph.ParameterSlots.Select(s => s.Key).Concat(feedbackKeys))})"
                : $"saved parameters to {savePath}");
        }

        if (saveModelPath is not null)
        {
            net.Onnx!.Save(saveModelPath, p.ToArrays(NpyDType.Float64));
            o.WriteLine($"saved the model with the trained parameters to {saveModelPath}");
        }

        return ExitCodes.Ok;
    }
}
