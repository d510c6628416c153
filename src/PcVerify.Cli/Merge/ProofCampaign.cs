using System.Globalization;
using System.Text;
using System.Text.Json;
using PcVerify.Engine;
using PcVerify.Engine.Experiments;

namespace PcVerify.Cli.Merge;

/// <summary>A counterexample as a shard of a proof campaign records it (proofs/PcVerify.Proofs/Campaign.fs).</summary>
internal sealed record ProofFailure(int Case, string Replay, IReadOnlyList<string> Original, IReadOnlyList<string> Shrunk, string Message);

/// <summary>One property's result in one shard of a proof campaign (the JSON Campaign.fs writes).</summary>
internal sealed record ProofShardResult(
    string Format, string Property, string Method, ulong CampaignSeed, ulong CampaignGamma, string Shard, int TotalCases,
    int CasesRun, string FirstCaseReplay, int Rejected, IReadOnlyDictionary<string, int> Classes, IReadOnlyList<ProofFailure> Failures)
{
    public const string FormatName = "pcverify-proof-shard/1";

    /// <summary>Whether <paramref name="path"/> is named as a proof shard result.</summary>
    public static bool IsProofResult(string path) => Path.GetFileName(path) is string n && n.StartsWith("proof-", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal);

    /// <exception cref="InvalidInputException">Not JSON, another format, or a field missing.</exception>
    public static ProofShardResult Read(string path)
    {
        ProofShardResult? r;
        try
        {
            r = JsonSerializer.Deserialize<ProofShardResult>(File.ReadAllText(path), Reproduce.PartialResults.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not a proof campaign result ({e.Message})");
        }

        if (r is null || r.Format != FormatName)
        {
            throw new InvalidInputException($"{path}: format expected '{FormatName}', found '{r?.Format}'");
        }

        if (r.Property is null || r.Method is null || r.Shard is null || r.Classes is null || r.Failures is null)
        {
            throw new InvalidInputException($"{path}: a proof result needs property, method, shard, classes and failures");
        }

        return r;
    }
}

/// <summary>One property over every shard of a campaign.</summary>
internal sealed record PropertySummary(string Property, string Method, int TotalCases, int CasesRun, int Shards, int Rejected, IReadOnlyDictionary<string, int> Classes, IReadOnlyList<ProofFailure> Failures);

/// <summary>Combines the shards of a proof campaign: checks that they belong together and cover every case once.</summary>
internal static class ProofCampaign
{
    /// <summary>The per-property summaries, by property name.</summary>
    /// <exception cref="InvalidInputException">Shards of different campaigns, a shard twice, or a shard missing.</exception>
    public static IReadOnlyList<PropertySummary> Merge(IReadOnlyList<(string Path, ProofShardResult Result)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var first = files[0];
        List<PropertySummary> summaries = [];
        foreach (var group in files.GroupBy(f => f.Result.Property).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Dictionary<int, string> seen = [];
            int count = 0;
            foreach ((string path, ProofShardResult r) in group)
            {
                if (r.CampaignSeed != first.Result.CampaignSeed || r.CampaignGamma != first.Result.CampaignGamma)
                {
                    throw new InvalidInputException($"{path}: campaign seed {r.CampaignSeed},{r.CampaignGamma} differs from {first.Result.CampaignSeed},{first.Result.CampaignGamma} in {first.Path}");
                }

                Shard s = Shard.Parse($"{path}: shard", r.Shard);
                Shard f = Shard.Parse($"{first.Path}: shard", first.Result.Shard);
                if (s.Count != f.Count || r.TotalCases != group.First().Result.TotalCases)
                {
                    throw new InvalidInputException($"{path}: shard {r.Shard} of {r.TotalCases} cases does not belong with {group.First().Path} (shard {group.First().Result.Shard} of {group.First().Result.TotalCases} cases)");
                }

                if (!seen.TryAdd(s.Index, path))
                {
                    throw new InvalidInputException($"{path}: shard {r.Shard} of '{r.Property}' is also in {seen[s.Index]}");
                }

                count = s.Count;
            }

            int[] missing = [.. Enumerable.Range(1, count).Where(i => !seen.ContainsKey(i))];
            if (missing.Length > 0)
            {
                throw new InvalidInputException($"'{group.Key}': shard(s) {string.Join(", ", missing.Select(i => $"{i}/{count}"))} missing (found {string.Join(", ", seen.Keys.Order().Select(i => $"{i}/{count}"))})");
            }

            SortedDictionary<string, int> classes = new(StringComparer.Ordinal);
            foreach ((string label, int n) in group.SelectMany(g => g.Result.Classes))
            {
                classes[label] = classes.GetValueOrDefault(label) + n;
            }

            ProofShardResult any = group.First().Result;
            summaries.Add(new PropertySummary(
                group.Key, any.Method, any.TotalCases, group.Sum(g => g.Result.CasesRun), count, group.Sum(g => g.Result.Rejected), classes,
                [.. group.SelectMany(g => g.Result.Failures).OrderBy(x => x.Case)]));
        }

        return summaries;
    }

    /// <summary>
    /// The command that replays one case locally: FsCheck replays (seed,gamma,size) as one case, and the filter
    /// selects the property (the characters a VSTest filter reserves escaped with a backslash).
    /// </summary>
    public static string ReplayCommand(string method, string replay) =>
        $"PCVERIFY_PROOF_REPLAY='{replay}' dotnet test -c Release proofs/PcVerify.Proofs --filter 'FullyQualifiedName={EscapeFilter(method)}'";

    private static string EscapeFilter(string s)
    {
        StringBuilder sb = new();
        foreach (char c in s)
        {
            if (c is '\\' or '(' or ')' or '&' or '|' or '=' or '!' or '~')
            {
                sb.Append('\\');
            }

            sb.Append(c == '\'' ? "'\\''" : c.ToString());
        }

        return sb.ToString();
    }

    /// <summary>Prints the campaign summary: per property, cases, coverage classes, and counterexamples with replay commands.</summary>
    public static void Print(IReadOnlyList<PropertySummary> summaries, ulong seed, ulong gamma, TextWriter o)
    {
        o.WriteLine($"proof campaign: seed {seed},{gamma}; {summaries.Count} properties; {summaries.Sum(s => (long)s.CasesRun)} cases; {summaries.Sum(s => s.Failures.Count)} counterexample(s)");
        foreach (PropertySummary s in summaries)
        {
            string complete = s.CasesRun == s.TotalCases ? "" : $" (expected {s.TotalCases})";
            o.WriteLine($"{(s.Failures.Count == 0 ? "holds" : "FAILS")}  {s.Property}: {s.CasesRun} cases{complete} in {s.Shards} shard(s){(s.Rejected > 0 ? $", {s.Rejected} rejected" : "")}");
            foreach ((string label, int n) in s.Classes)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {n * 100.0 / Math.Max(1, s.CasesRun),5:F1} % {label} ({n})"));
            }

            foreach (ProofFailure f in s.Failures)
            {
                o.WriteLine($"       counterexample at case {f.Case}: {string.Join("; ", f.Shrunk)}");
                o.WriteLine($"       {Cli.EscapeControl(f.Message.Split('\n')[0])}");
                o.WriteLine($"       replay: {ReplayCommand(s.Method, f.Replay)}");
            }
        }
    }
}
