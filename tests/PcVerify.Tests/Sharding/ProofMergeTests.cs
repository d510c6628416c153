using System.Text.Json;
using PcVerify.Tests.Cli;

namespace PcVerify.Tests.Sharding;

/// <summary>
/// <c>pcverify merge</c> over the JSON results of a proof campaign: the fixtures are two shards written by the proofs'
/// campaign runner itself (Campaign.fs), so a change of its format shows here; the synthetic campaigns below are
/// written in that format by hand to exercise counterexamples and refusals.
/// </summary>
public class ProofMergeTests
{
    private static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Sharding", "Fixtures", "proofs");

    [Fact]
    public void The_summary_of_real_shards_adds_their_cases_and_classes()
    {
        // Oracle: the two files read independently with JsonDocument.
        int cases = 0, total = 0, gammaBelowOne = 0;
        foreach (string f in Directory.GetFiles(Fixtures))
        {
            using JsonDocument d = JsonDocument.Parse(File.ReadAllText(f));
            cases += d.RootElement.GetProperty("casesRun").GetInt32();
            total = d.RootElement.GetProperty("totalCases").GetInt32();
            gammaBelowOne += d.RootElement.GetProperty("classes").GetProperty("γ < 1").GetInt32();
        }

        Assert.Equal(total, cases);
        var r = CliRunner.Run("merge", Fixtures);
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("proof campaign: seed 42,11400714819323198485; 1 properties; 20 cases; 0 counterexample(s)", r.Out);
        Assert.Contains($"holds  Theorems.A.5: under C1 and C2 with any γ the update of θ^(l+1) is γ^l times the BP update: {total} cases in 2 shard(s)", r.Out);
        Assert.Contains($"{gammaBelowOne * 100.0 / total,5:F1} % γ < 1 ({gammaBelowOne})", r.Out);
    }

    private static string Result(string property, string shard, int total, int run, string classes = "{}", string failures = "[]", ulong seed = 7) => $$"""
        {
          "format": "pcverify-proof-shard/1",
          "property": "{{property}}",
          "method": "PcVerify.Proofs.{{property}}",
          "campaignSeed": {{seed}},
          "campaignGamma": 11400714819323198485,
          "shard": "{{shard}}",
          "totalCases": {{total}},
          "casesRun": {{run}},
          "firstCaseReplay": "(1,3,2)",
          "rejected": 0,
          "classes": {{classes}},
          "failures": {{failures}}
        }
        """;

    private static void Write(TempDirectory dir, string name, string json) => File.WriteAllText(dir.File(name), json);

    [Fact]
    public void A_counterexample_is_printed_shrunk_with_the_command_that_replays_it_and_the_exit_code_is_4()
    {
        using TempDirectory dir = new();
        const string failure = """[{ "case": 4, "replay": "(123,457,9)", "original": ["{ Net = big }"], "shrunk": ["{ Net = small }"], "message": "falsified: Σ|θ − w| = 1e-3" }]""";
        Write(dir, "proof-a.shard-1-of-2.json", Result("Theorems.P (t = l)", "1/2", 10, 5, """{ "bias": 2 }"""));
        Write(dir, "proof-a.shard-2-of-2.json", Result("Theorems.P (t = l)", "2/2", 10, 5, """{ "bias": 1, "B > 1": 4 }""", failure));
        Write(dir, "proof-b.shard-1-of-2.json", Result("Contracts.Q", "1/2", 3, 2));
        Write(dir, "proof-b.shard-2-of-2.json", Result("Contracts.Q", "2/2", 3, 1));

        var r = CliRunner.Run("merge", dir.Path);
        Assert.Equal(4, r.Code);
        Assert.Contains("proof campaign: seed 7,11400714819323198485; 2 properties; 13 cases; 1 counterexample(s)", r.Out);
        Assert.Contains("holds  Contracts.Q: 3 cases in 2 shard(s)", r.Out);
        Assert.Contains("FAILS  Theorems.P (t = l): 10 cases in 2 shard(s)", r.Out);
        Assert.Contains(" 30.0 % bias (3)", r.Out);
        Assert.Contains(" 40.0 % B > 1 (4)", r.Out);
        Assert.Contains("counterexample at case 4: { Net = small }", r.Out);
        Assert.Contains("falsified: Σ|θ − w| = 1e-3", r.Out);
        // VSTest filter syntax reserves ( ) = and friends: they are escaped so the filter selects exactly this property.
        Assert.Contains(@"replay: PCVERIFY_PROOF_REPLAY='(123,457,9)' dotnet test -c Release proofs/PcVerify.Proofs --filter 'FullyQualifiedName=PcVerify.Proofs.Theorems.P \(t \= l\)'", r.Out);
    }

    [Fact]
    public void Merge_refuses_a_missing_shard_and_shards_of_another_campaign()
    {
        using TempDirectory dir = new();
        Write(dir, "proof-a.shard-1-of-3.json", Result("Theorems.P", "1/3", 9, 3));
        Write(dir, "proof-a.shard-3-of-3.json", Result("Theorems.P", "3/3", 9, 3));
        var missing = CliRunner.Run("merge", dir.Path);
        Assert.Equal(2, missing.Code);
        Assert.Contains("'Theorems.P': shard(s) 2/3 missing (found 1/3, 3/3)", missing.Err);

        Write(dir, "proof-a.shard-2-of-3.json", Result("Theorems.P", "2/3", 9, 3, seed: 8));
        var foreign = CliRunner.Run("merge", dir.Path);
        Assert.Equal(2, foreign.Code);
        Assert.Contains("campaign seed 8,11400714819323198485 differs from 7,11400714819323198485", foreign.Err);

        string empty = Directory.CreateDirectory(dir.File("empty")).FullName;
        var none = CliRunner.Run("merge", empty);
        Assert.Equal(2, none.Code);
        Assert.Contains("no shard results", none.Err);

        var outWithoutPartials = CliRunner.Run("merge", Fixtures, "--out", empty);
        Assert.Equal(2, outWithoutPartials.Code);
        Assert.Contains("none were found", outWithoutPartials.Err);
    }
}
