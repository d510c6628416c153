using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PcVerify.Cli.Reporting;
using PcVerify.Cli.Reproduce;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;

namespace PcVerify.Cli.Commands;

/// <summary>
/// <c>pcverify reproduce</c>: the paper's experiments (Tables 1–2, Fig. 3, training curves, runtime) side by side
/// with the paper's numbers, and the architectures section, as a report with CSV/JSON tables and PNG figures.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Command command = new("reproduce", "Redo the paper's experiments (Tables 1–2, Fig. 3, training curves, runtime table) and the architectures section (MLP, CNN, ResNet block levelled and not: BP vs Z-IL, Fa-Z-IL, IL with squared error and cross-entropy), and write report.md, CSV/JSON tables and PNG figures next to the paper's values.");
        Option<string> data = new("--data") { Description = "digits (default: the embedded UCI handwritten digits, 1,437/360 images, no files), synthetic-classification, mnist:DIR or fashion-mnist:DIR (with only the t10k files, they are split 8000/2000 in file order).", DefaultValueFactory = _ => Digits.Name };
        Option<bool> quick = new("--quick") { Description = "A smaller run (1 seed, 1 epoch, fewer γ) for a first look; seconds instead of minutes." };
        Option<int?> seeds = new("--seeds") { Description = "K seeds per σ (mean and spread); default 3 (1 with --quick)." };
        Option<string?> outDir = new("--out") { Description = "Output directory, created if missing; its parent must exist (default results/<UTC timestamp>/, results/ created if missing)." };
        Option<bool> paperRuntime = new("--paper-runtime") { Description = "Also time the paper's 50176-4096-2048-1024-27 network in float32 (about 1 GB of weights)." };
        Option<string?> arch = new("--arch") { Description = "Widths INPUT to OUTPUT (default: data input, 64, 32, data output; 784,128,64,10 for MNIST)." };
        Option<string> act = new("--act") { Description = "Activation(s), as for train.", DefaultValueFactory = _ => "tanh" };
        Option<double?> lr = new("--lr") { Description = "Learning rate α (default 0.01)." };
        Option<int?> epochs = new("--epochs") { Description = "Epochs of the σ study and the curves (default 10, 4 for 784-input data such as MNIST; 1 with --quick)." };
        Option<ulong> seed = new("--seed") { Description = "Base seed: seed k of K is seed + k.", DefaultValueFactory = _ => 1UL };
        Option<string?> shard = new("--shard") { Description = "Run only shard i of n (i/n, 1 ≤ i ≤ n) of the sweep's cells and write partial-i-of-n.json to --out; `pcverify merge` combines the n partials into the report (docs/scaling.md)." };
        foreach (Option o in new Option[] { data, quick, seeds, outDir, paperRuntime, arch, act, lr, epochs, seed, shard })
        {
            command.Options.Add(o);
        }

        Option<string?> model = new("--model") { Description = "An ONNX model (FILE.onnx) for the architectures section instead of its default nets (MLP, CNN, ResNet block levelled and not); the other sections keep the layered net." };
        Option<string?> graph = new("--graph") { Description = "A computation graph (FILE.json, docs/graph-format.md) for the architectures section instead of its default nets, from He-normal parameters seeded as theirs (not with --model); the other sections keep the layered net." };
        Option<bool> level = new("--level") { Description = "With --model or --graph: also run the net levelled (identity vertices on short edges, as train --level) when it is not levelled." };
        command.Options.Add(model);
        command.Options.Add(graph);
        command.Options.Add(level);

        double? alphaUsed = null;
        command.SetAction(r => Cli.Guard(output, error, () =>
        {
            Stopwatch wall = Stopwatch.StartNew();
            bool q = r.GetValue(quick);
            Shard part = r.GetValue(shard) is string sh ? Shard.Parse("--shard", sh) : Shard.One;
            ulong s = r.GetValue(seed);
            DataSplit split = DataSources.Load(r.GetValue(data)!, s);
            if (split.Train.Labels is null || split.Test.Labels is null)
            {
                throw new InvalidInputException($"reproduce needs a labelled classification set (test error is one of the paper's measures); '{split.Train.Name}' has no labels");
            }

            bool image = split.Train.InputWidth == 784;
            int[] widths = r.GetValue(arch) is string a
                ? RunOptions.ParseArch(a)
                : image ? [784, 128, 64, 10] : [split.Train.InputWidth, 64, 32, split.Train.OutputWidth];
            NetworkSpec spec = NetworkSpec.FromInputToOutput(widths, r.GetValue(act)!.Split(',').Select(Activation.Parse).ToArray(), bias: false);
            if (spec.InputWidth != split.Train.InputWidth || spec.OutputWidth != split.Train.OutputWidth)
            {
                throw new InvalidInputException($"data '{split.Train.Name}' has {split.Train.InputWidth} inputs and {split.Train.OutputWidth} outputs, but the network {spec.ArchitectureText} has {spec.InputWidth} inputs and {spec.OutputWidth} outputs");
            }

            double alpha = r.GetValue(lr) ?? 0.01;
            Engine.Algorithms.LearningRule.CheckRates(alpha, 1, 0);
            int k = r.GetValue(seeds) ?? (q ? 1 : 3);
            if (k < 1)
            {
                throw new InvalidInputException($"--seeds must be ≥ 1, found {k}");
            }

            int e = r.GetValue(epochs) ?? (q ? 1 : image ? 4 : 10);
            if (e < 1)
            {
                throw new InvalidInputException($"--epochs must be ≥ 1, found {e}");
            }

            ReproductionSetup setup = new()
            {
                Spec = spec, Data = split, Alpha = alpha, Epochs = e, GridEpochs = q ? 1 : Math.Min(e, 2), Seed = s, Seeds = k,
                Gammas = q ? [0.1, 0.5, 1.0] : [0.05, 0.1, 0.2, 0.5, 1.0],
            };
            var architectures = ArchitecturesSection.Create(split, r.GetValue(model), r.GetValue(graph), r.GetValue(level), s, k, q, alpha);
            string? given = r.GetValue(outDir);
            string dir = given ?? Path.Combine("results", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
            bool created = OutputPath.PrepareDirectory("--out", dir, createParents: given is null);
            alphaUsed = alpha;
            string command = "pcverify " + string.Join(' ', r.Tokens.Select(t => t.Value));
            bool finished = false;
            try
            {
                int code = ReproductionRunner.Run(setup, architectures, dir, r.GetValue(paperRuntime), q, part, command, output, wall);
                finished = true;
                return code;
            }
            finally
            {
                // A run that fails before writing anything leaves no empty directory behind.
                if (created && !finished)
                {
                    OutputPath.RemoveIfEmpty(dir);
                }
            }
        }, () => alphaUsed is double used ? Cli.DivergenceAdvice(new Engine.Training.LearnerOptions { Alpha = used }) : null));
        return command;
    }
}
