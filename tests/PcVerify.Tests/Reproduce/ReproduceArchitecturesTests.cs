using System.Text.Json;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;
using PcVerify.Tests.Cli;
using PcVerify.Tests.Onnx;

namespace PcVerify.Tests.Reproduce;

/// <summary>The architectures section of <c>reproduce</c> through the command line: default nets, <c>--model</c>, <c>--level</c>.</summary>
public class ReproduceArchitecturesTests
{
    [Fact]
    public void Quick_reproduce_writes_the_architectures_table_figure_and_claims()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("reproduce", "--quick", "--out", dir.Path);
        Assert.True(r.Code == 0, r.Err + r.Out);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(dir.File("architectures.json")));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(dir.File("architectures.png"))[..4]);
        string csv = File.ReadAllText(dir.File("architectures.csv"));
        foreach (string net in new[] { "MLP", "CNN", "ResNet block", "ResNet block, levelled" })
        {
            Assert.Contains(net, csv, StringComparison.Ordinal);
        }

        string report = File.ReadAllText(dir.File("report.md"));
        Assert.Contains("## Architectures", report, StringComparison.Ordinal);
        Assert.Contains("![", report, StringComparison.Ordinal);
        Assert.Contains("holds  ResNet block: not levelled ⇒ Z-IL leaves BP", r.Out, StringComparison.Ordinal);
        Assert.Contains("holds  ResNet block, levelled: levelled graph ⇒ Z-IL equals BP", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILS  ResNet", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_model_with_level_runs_the_section_on_the_model_as_written_and_levelled()
    {
        using TempDirectory dir = new();
        string model = dir.File("resnet.onnx");
        CompiledGraph g = CompiledGraph.Compile(ExampleGraphs.Read(ExampleGraphs.ResNetSkip));
        OnnxWriter.Write(model, g.Spec, GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3).ToArrays(NpyDType.Float64), NpyDType.Float64);
        string outDir = dir.File("out");

        var r = CliRunner.Run("reproduce", "--quick", "--model", model, "--level", "--out", outDir);
        Assert.True(r.Code == 0, r.Err + r.Out);

        string csv = File.ReadAllText(Path.Combine(outDir, "architectures.csv"));
        Assert.Contains("model resnet.onnx,no,", csv, StringComparison.Ordinal);
        Assert.Contains("\"model resnet.onnx, levelled\",yes (1 inserted),", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("MLP", csv, StringComparison.Ordinal); // the default nets give way to the model in this section
        Assert.Contains("holds  model resnet.onnx: not levelled ⇒ Z-IL leaves BP", r.Out, StringComparison.Ordinal);
        Assert.Contains("holds  model resnet.onnx, levelled: levelled graph ⇒ Z-IL equals BP", r.Out, StringComparison.Ordinal);
        Assert.Contains("Tables 1–2", File.ReadAllText(Path.Combine(outDir, "report.md")), StringComparison.Ordinal); // the other sections keep the layered net
    }

    [Fact]
    public void Reproduce_graph_with_level_runs_the_section_on_the_graph_file_as_written_and_levelled()
    {
        // The same path as --model, from a graph file seeded like the default nets: the skip net one edge short is not
        // levelled (Z-IL leaves BP) and levelled (Z-IL equals BP), the claims the section states for it.
        using TempDirectory dir = new();
        string outDir = dir.File("out");
        var r = CliRunner.Run("reproduce", "--quick", "--graph", Graph.GraphJsonTests.Example("resnet-skip.json"), "--level", "--out", outDir);
        Assert.True(r.Code == 0, r.Err + r.Out);
        string csv = File.ReadAllText(Path.Combine(outDir, "architectures.csv"));
        Assert.Contains("graph resnet-skip.json,no,", csv, StringComparison.Ordinal);
        Assert.Contains("\"graph resnet-skip.json, levelled\",yes (1 inserted),", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("MLP", csv, StringComparison.Ordinal);
        Assert.Contains("holds  graph resnet-skip.json: not levelled ⇒ Z-IL leaves BP", r.Out, StringComparison.Ordinal);
        Assert.Contains("holds  graph resnet-skip.json, levelled: levelled graph ⇒ Z-IL equals BP", r.Out, StringComparison.Ordinal);

        var both = CliRunner.Run("reproduce", "--quick", "--graph", Graph.GraphJsonTests.Example("mlp.json"), "--model", "any.onnx", "--out", dir.File("both"));
        Assert.Equal(2, both.Code);
        Assert.Contains("--model and --graph exclude each other", both.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("both")));
    }

    [Fact]
    public void On_data_the_default_nets_do_not_take_the_section_says_it_was_not_run()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("reproduce", "--quick", "--data", "synthetic-classification", "--out", dir.Path);
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains("note: architectures section not run: the default nets take 1×8×8 images and 10 classes", r.Out, StringComparison.Ordinal);
        Assert.Contains("Not run: the default nets take", File.ReadAllText(dir.File("report.md")), StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("architectures.csv")));
    }

    [Fact]
    public void Level_without_a_model_is_refused_before_running()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("reproduce", "--quick", "--level", "--out", dir.Path);
        Assert.Equal(2, r.Code);
        Assert.Contains("--level applies to --model", r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_model_that_does_not_fit_the_data_is_refused_before_running()
    {
        using TempDirectory dir = new();
        string model = dir.File("linear.onnx");
        File.WriteAllBytes(model, OnnxModels.MatMulAdd(5, 3));
        string outDir = dir.File("out");
        var r = CliRunner.Run("reproduce", "--quick", "--model", model, "--out", outDir);
        Assert.Equal(2, r.Code);
        Assert.Contains("takes 5 inputs", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }
}
