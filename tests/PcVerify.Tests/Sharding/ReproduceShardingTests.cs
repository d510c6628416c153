using System.Text.Json.Nodes;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;
using PcVerify.Tests.Cli;

namespace PcVerify.Tests.Sharding;

/// <summary>
/// <c>reproduce --shard i/n</c> and <c>merge</c> against the oracle of an unsharded run of the same command: every
/// table (CSV and JSON) and every figure is byte-identical, except the measured times: the runtime table, and the
/// architectures table's time columns (the rest of it is compared byte for byte). The weight-transport table and
/// figures hold no time and are compared byte for byte.
/// </summary>
public class ReproduceShardingTests
{
    private static readonly string[] Quick = ["reproduce", "--quick", "--seeds", "2"];

    /// <summary>The files whose content is a measured time, never a result.</summary>
    private static readonly string[] Measured = ["runtime.csv", "runtime.json", "report.md"];

    /// <summary>Tables whose last two columns (seconds per update, ratio to BP) are measured times and the rest results.</summary>
    private static readonly string[] TimedLast = ["architectures.csv", "architectures.json"];

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static void Shards(TempDirectory root, int n)
    {
        for (int i = 1; i <= n; i++)
        {
            string dir = root.File($"s{i}");
            Directory.CreateDirectory(dir);
            var r = Run([.. Quick, "--shard", $"{i}/{n}", "--out", dir]);
            Assert.True(r.Code == 0, r.Err + r.Out);
            Assert.Equal([$"partial-{i}-of-{n}.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
    }

    [Fact]
    public void Three_shards_merged_equal_the_unsharded_run_in_every_table_and_figure()
    {
        using TempDirectory root = new();
        var whole = Run([.. Quick, "--out", root.File("whole")]);
        Assert.True(whole.Code == 0, whole.Err + whole.Out);
        Shards(root, 3);
        var merged = Run("merge", root.File("s3"), root.File("s1"), root.File("s2"), "--out", root.File("merged"));
        Assert.True(merged.Code == 0, merged.Err + merged.Out);

        string[] names = [.. Directory.GetFiles(root.File("whole")).Select(f => Path.GetFileName(f)!).Order()];
        Assert.Equal(names, Directory.GetFiles(root.File("merged")).Select(f => Path.GetFileName(f)!).Order());
        Assert.Contains("sigma.csv", names);
        Assert.Contains("fig3-grid.json", names);
        Assert.Contains("training-curves.png", names);
        Assert.Contains("architectures.png", names);
        Assert.Contains("weight-transport.csv", names);
        Assert.Contains("weight-transport.json", names);
        Assert.Contains("weight-transport-alignment.png", names);
        Assert.Contains("weight-transport-test-error.png", names);
        Assert.Subset(names.ToHashSet(), TimedLast.ToHashSet());
        foreach (string name in TimedLast)
        {
            string expected = WithoutTimes(Path.Combine(root.File("whole"), name)), actual = WithoutTimes(Path.Combine(root.File("merged"), name));
            Assert.Contains("seconds per update", File.ReadAllText(Path.Combine(root.File("whole"), name)));
            Assert.DoesNotContain("seconds per update", expected);
            Assert.True(expected == actual, $"{name} (without its time columns) differs between the unsharded run and the merged shards");
        }

        foreach (string name in names.Except(Measured).Except(TimedLast))
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(root.File("whole"), name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(root.File("merged"), name))),
                $"{name} differs between the unsharded run and the merged shards");
        }

        // The verdicts printed are the same; the report names every command that produced it.
        Assert.Equal(Verdicts(whole.Out), Verdicts(merged.Out));
        string report = File.ReadAllText(Path.Combine(root.File("merged"), "report.md"));
        Assert.Contains("--shard 1/3", report);
        Assert.Contains("--shard 3/3", report);
        Assert.Contains("pcverify merge", report);
    }

    /// <summary>
    /// The table in <paramref name="path"/> without its last two columns: CSV lines cut before their second-to-last comma
    /// (the time columns are plain numbers, never quoted), JSON columns and rows with their last two entries removed.
    /// </summary>
    private static string WithoutTimes(string path)
    {
        string text = File.ReadAllText(path);
        if (path.EndsWith(".csv", StringComparison.Ordinal))
        {
            return string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l[..l.LastIndexOf(',')].LastIndexOf(',')]));
        }

        JsonNode table = JsonNode.Parse(text)!;
        JsonArray[] lists = [table["columns"]!.AsArray(), .. table["rows"]!.AsArray().Select(r => r!.AsArray())];
        foreach (JsonArray list in lists)
        {
            list.RemoveAt(list.Count - 1);
            list.RemoveAt(list.Count - 1);
        }

        return table.ToJsonString();
    }

    [Fact]
    public void With_model_and_level_the_merged_shards_equal_the_unsharded_run_and_a_shard_of_another_model_is_refused()
    {
        using TempDirectory root = new();
        string model = root.File("resnet.onnx");
        CompiledGraph g = CompiledGraph.Compile(ExampleGraphs.Read(ExampleGraphs.ResNetSkip));
        OnnxWriter.Write(model, g.Spec, GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3).ToArrays(NpyDType.Float64), NpyDType.Float64);
        string[] args = ["reproduce", "--quick", "--model", model, "--level"];
        var whole = Run([.. args, "--out", root.File("whole")]);
        Assert.True(whole.Code == 0, whole.Err + whole.Out);
        for (int i = 1; i <= 2; i++)
        {
            Directory.CreateDirectory(root.File($"s{i}"));
            var r = Run([.. args, "--shard", $"{i}/2", "--out", root.File($"s{i}")]);
            Assert.True(r.Code == 0, r.Err + r.Out);
        }

        var merged = Run("merge", root.File("s1"), root.File("s2"), "--out", root.File("merged"));
        Assert.True(merged.Code == 0, merged.Err + merged.Out);
        Assert.Equal(File.ReadAllBytes(Path.Combine(root.File("whole"), "architectures.png")), File.ReadAllBytes(Path.Combine(root.File("merged"), "architectures.png")));
        Assert.Equal(WithoutTimes(Path.Combine(root.File("whole"), "architectures.csv")), WithoutTimes(Path.Combine(root.File("merged"), "architectures.csv")));
        Assert.Contains("\"model resnet.onnx, levelled\"", File.ReadAllText(Path.Combine(root.File("merged"), "architectures.csv")));
        Assert.Equal(Verdicts(whole.Out), Verdicts(merged.Out));

        // Shard 2 of the same sweep without --level: its setup (and its cells) differ, and merge names the field.
        string other = root.File("other");
        Directory.CreateDirectory(other);
        Assert.Equal(0, Run(["reproduce", "--quick", "--model", model, "--shard", "2/2", "--out", other]).Code);
        var mixed = Run("merge", root.File("s1"), other, "--out", root.File("m"));
        Assert.Equal(2, mixed.Code);
        Assert.Contains("setup differs", mixed.Err);
        Assert.Contains("architectures:", mixed.Err);
        Assert.False(Directory.Exists(root.File("m")));
    }

    [Fact]
    public void With_a_graph_file_and_level_the_merged_shards_equal_the_unsharded_run()
    {
        // reproduce --graph records the file's path in the plan; merge rebuilds the nets from it (seeded like the default
        // nets) and lays the cells out as the unsharded run does.
        using TempDirectory root = new();
        string[] args = ["reproduce", "--quick", "--graph", Graph.GraphJsonTests.Example("resnet-skip.json"), "--level"];
        var whole = Run([.. args, "--out", root.File("whole")]);
        Assert.True(whole.Code == 0, whole.Err + whole.Out);
        for (int i = 1; i <= 2; i++)
        {
            Directory.CreateDirectory(root.File($"s{i}"));
            var r = Run([.. args, "--shard", $"{i}/2", "--out", root.File($"s{i}")]);
            Assert.True(r.Code == 0, r.Err + r.Out);
        }

        var merged = Run("merge", root.File("s1"), root.File("s2"), "--out", root.File("merged"));
        Assert.True(merged.Code == 0, merged.Err + merged.Out);
        Assert.Equal(WithoutTimes(Path.Combine(root.File("whole"), "architectures.csv")), WithoutTimes(Path.Combine(root.File("merged"), "architectures.csv")));
        Assert.Contains("\"graph resnet-skip.json, levelled\"", File.ReadAllText(Path.Combine(root.File("merged"), "architectures.csv")));
        Assert.Equal(Verdicts(whole.Out), Verdicts(merged.Out));
    }

    private static string[] Verdicts(string output) => [.. output.Split('\n').Where(l => l.StartsWith("holds", StringComparison.Ordinal) || l.StartsWith("FAILS", StringComparison.Ordinal))];

    [Fact]
    public void Merge_refuses_a_missing_shard_a_shard_given_twice_and_shards_of_another_run()
    {
        using TempDirectory root = new();
        Shards(root, 3);

        var missing = Run("merge", root.File("s1"), root.File("s3"), "--out", root.File("m1"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("shard(s) 2/3 missing (found 1/3, 3/3)", missing.Err);
        Assert.False(Directory.Exists(root.File("m1")));

        var twice = Run("merge", root.File("s1"), root.File("s2"), root.File("s3"), root.File("s1"), "--out", root.File("m2"));
        Assert.Equal(2, twice.Code);
        Assert.Contains("shard 1/3 is also in", twice.Err);

        string other = root.File("other");
        Directory.CreateDirectory(other);
        Assert.Equal(0, Run([.. Quick, "--seed", "9", "--shard", "2/3", "--out", other]).Code);
        var mixed = Run("merge", root.File("s1"), other, root.File("s3"), "--out", root.File("m3"));
        Assert.Equal(2, mixed.Code);
        Assert.Contains("setup differs", mixed.Err);
        Assert.Contains("seed: 1 vs 9", mixed.Err);

        var noOut = Run("merge", root.File("s1"), root.File("s2"), root.File("s3"));
        Assert.Equal(2, noOut.Code);
        Assert.Contains("needs --out", noOut.Err);
    }

    [Fact]
    public void Merge_refuses_a_partial_whose_cell_belongs_to_another_shard_and_a_file_that_is_not_a_partial()
    {
        using TempDirectory root = new();
        Shards(root, 2);
        // Give shard 1's partial a result under the id of shard 2's first cell (position 1 of the sweep).
        string p1 = Path.Combine(root.File("s1"), "partial-1-of-2.json");
        string text = File.ReadAllText(p1);
        File.WriteAllText(p1, text.Replace("\"id\": \"sigma/seed=1\"", "\"id\": \"sigma/seed=2\"", StringComparison.Ordinal));
        var moved = Run("merge", root.File("s1"), root.File("s2"), "--out", root.File("m"));
        Assert.Equal(2, moved.Code);
        Assert.Contains("cell 'sigma/seed=2' is not a cell of shard 1/2", moved.Err);

        File.WriteAllText(p1, "{ not json");
        var broken = Run("merge", root.File("s1"), root.File("s2"), "--out", root.File("m"));
        Assert.Equal(2, broken.Code);
        Assert.Contains("partial-1-of-2.json: not a partial result of pcverify reproduce", broken.Err);
        Assert.DoesNotContain("\n", broken.Err.TrimEnd());
    }

    [Fact]
    public void Reproduce_refuses_a_malformed_shard_before_running()
    {
        using TempDirectory dir = new();
        var r = Run([.. Quick, "--shard", "4/3", "--out", dir.Path]);
        Assert.Equal(2, r.Code);
        Assert.Contains("--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), found '4/3'", r.Err);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
