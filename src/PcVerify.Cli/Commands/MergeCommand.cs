using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using PcVerify.Cli.Merge;
using PcVerify.Cli.Reproduce;
using PcVerify.Engine;
using PcVerify.Engine.Experiments;

namespace PcVerify.Cli.Commands;

/// <summary>
/// <c>pcverify merge DIR... [--out DIR]</c>: combines the partial results of <c>reproduce --shard i/n</c> into the
/// report an unsharded run writes, and summarises the shards of a proof campaign (docs/scaling.md).
/// </summary>
internal static class MergeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Command command = new("merge", "Combine the shards of a sharded run: the partial-i-of-n.json files of `reproduce --shard` into the report, tables and figures an unsharded run writes (--out), and the proof-*.json results of a proof campaign (PCVERIFY_PROOF_SHARD) into a summary per property.");
        Argument<string[]> dirs = new("DIR") { Description = "Directories holding the shards' results (the *.json files directly in each).", Arity = ArgumentArity.OneOrMore };
        Option<string?> outDir = new("--out") { Description = "Output directory of the merged reproduction, created if missing; its parent must exist." };
        command.Arguments.Add(dirs);
        command.Options.Add(outDir);
        command.SetAction(r => Cli.Guard(output, error, () =>
        {
            Stopwatch wall = Stopwatch.StartNew();
            List<string> files = [];
            foreach (string dir in r.GetValue(dirs)!)
            {
                if (!Directory.Exists(dir))
                {
                    throw new InvalidInputException($"{dir}: not a directory");
                }

                files.AddRange(Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal));
            }

            string[] partials = [.. files.Where(PartialResults.IsPartial)];
            string[] proofs = [.. files.Where(ProofShardResult.IsProofResult)];
            if (partials.Length == 0 && proofs.Length == 0)
            {
                throw new InvalidInputException($"no shard results (partial-i-of-n.json or proof-*.json) in {string.Join(", ", r.GetValue(dirs)!)}");
            }

            if (partials.Length == 0 && r.GetValue(outDir) is string unused)
            {
                throw new InvalidInputException($"--out {unused}: only partial results of reproduce (partial-i-of-n.json) are merged into a report, and none were found; proof results are summarised on the console");
            }

            int code = ExitCodes.Ok;
            if (proofs.Length > 0)
            {
                var results = proofs.Select(p => (p, ProofShardResult.Read(p))).ToList();
                IReadOnlyList<PropertySummary> summaries = ProofCampaign.Merge(results);
                ProofCampaign.Print(summaries, results[0].Item2.CampaignSeed, results[0].Item2.CampaignGamma, output);
                code = summaries.Any(s => s.Failures.Count > 0) ? ExitCodes.ClaimFailed : code;
            }

            if (partials.Length > 0)
            {
                string dir = r.GetValue(outDir) ?? throw new InvalidInputException("merging partial results of reproduce needs --out DIR for the report");
                var (setup, nets, cells, commands, seconds) = Combine(partials);
                OutputPath.PrepareDirectory("--out", dir, createParents: false);
                ReproductionResults merged = ReproductionPlan.Assemble(setup, nets, cells);
                int reportCode = ReproductionRunner.WriteReport(setup, nets, merged, dir, [.. commands, "pcverify " + string.Join(' ', r.Tokens.Select(t => t.Value))], output, wall, seconds);
                code = Math.Max(code, reportCode);
            }

            return code;
        }));
        return command;
    }

    /// <summary>
    /// Reads the partials and checks that they are the n shards of one sweep: one setup, n distinct shards, the cells
    /// the setup gives (the architectures section's nets rebuilt from it), every cell computed by the shard that owns
    /// it, and every cell present.
    /// </summary>
    private static (SweepSetup Setup, IReadOnlyList<ArchitectureNet> Nets, Dictionary<string, CellResult> Cells, List<string> Commands, List<(string, double)> Seconds) Combine(string[] paths)
    {
        List<(string Path, PartialResults P, Shard S)> parts = [.. paths.Select(p =>
        {
            PartialResults partial = PartialResults.Read(p);
            return (p, partial, Shard.Parse($"{p}: shard", partial.Shard));
        })];
        var first = parts[0];
        string setupJson = JsonSerializer.Serialize(first.P.Setup, PartialResults.Json);
        Dictionary<int, string> seen = [];
        Dictionary<string, CellResult> cells = [];
        IReadOnlyList<ArchitectureNet> nets = ArchitecturesSection.Nets(first.P.Setup.Architectures, first.P.Setup.Seed);
        IReadOnlyList<string> plan = ReproductionPlan.Cells(first.P.Setup, nets);
        foreach ((string path, PartialResults p, Shard s) in parts)
        {
            if (JsonSerializer.Serialize(p.Setup, PartialResults.Json) != setupJson)
            {
                throw new InvalidInputException($"{path}: its setup differs from {first.Path}'s ({DifferingField(first.P.Setup, p.Setup)}): the shards are not of one run");
            }

            if (!p.Cells.SequenceEqual(plan))
            {
                string found = p.Cells.Zip(plan).Where(x => x.First != x.Second).Select(x => $"'{x.First}' where its setup gives '{x.Second}'").FirstOrDefault()
                    ?? $"{p.Cells.Count} cells where its setup gives {plan.Count}";
                throw new InvalidInputException($"{path}: its cells differ from those its setup gives ({found}; a changed --model file?)");
            }

            if (s.Count != first.S.Count)
            {
                throw new InvalidInputException($"{path}: shard {s} does not belong with {first.Path}'s shard {first.S}");
            }

            if (!seen.TryAdd(s.Index, path))
            {
                throw new InvalidInputException($"{path}: shard {s} is also in {seen[s.Index]}");
            }

            foreach (CellResult c in p.Results)
            {
                int position = plan.ToList().IndexOf(c.Id);
                if (position < 0 || !s.Owns(position))
                {
                    throw new InvalidInputException($"{path}: cell '{c.Id}' is not a cell of shard {s}");
                }

                cells[c.Id] = c;
            }
        }

        int[] missing = [.. Enumerable.Range(1, first.S.Count).Where(i => !seen.ContainsKey(i))];
        if (missing.Length > 0)
        {
            throw new InvalidInputException($"shard(s) {string.Join(", ", missing.Select(i => $"{i}/{first.S.Count}"))} missing (found {string.Join(", ", seen.Keys.Order().Select(i => $"{i}/{first.S.Count}"))})");
        }

        string? absent = plan.FirstOrDefault(id => !cells.ContainsKey(id));
        if (absent is not null)
        {
            throw new InvalidInputException($"{seen[plan.ToList().IndexOf(absent) % first.S.Count + 1]}: cell '{absent}' of its shard is missing");
        }

        var ordered = parts.OrderBy(x => x.S.Index).ToList();
        return (first.P.Setup, nets, cells, [.. ordered.Select(x => x.P.Command)], [.. ordered.Select(x => (x.P.Shard, x.P.Seconds))]);
    }

    private static string DifferingField(SweepSetup a, SweepSetup b)
    {
        using JsonDocument x = JsonSerializer.SerializeToDocument(a, PartialResults.Json), y = JsonSerializer.SerializeToDocument(b, PartialResults.Json);
        foreach (JsonProperty p in x.RootElement.EnumerateObject())
        {
            string other = y.RootElement.TryGetProperty(p.Name, out JsonElement v) ? v.GetRawText() : "missing";
            if (other != p.Value.GetRawText())
            {
                return $"{p.Name}: {p.Value.GetRawText()} vs {other}";
            }
        }

        return "same fields";
    }
}
