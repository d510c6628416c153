using PcVerify.Tests.Cli;

namespace PcVerify.Tests.Sharding;

/// <summary>
/// <c>reproduce --shard i/n</c> and <c>merge</c> against the oracle of an unsharded run of the same command: every
/// table (CSV and JSON) and every figure is byte-identical, except the runtime table, which is a measurement.
/// </summary>
public class ReproduceShardingTests
{
    private static readonly string[] Quick = ["reproduce", "--quick", "--seeds", "2"];

    /// <summary>The files whose content is a measured time, never a result.</summary>
    private static readonly string[] Measured = ["runtime.csv", "runtime.json", "report.md"];

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
        foreach (string name in names.Except(Measured))
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
