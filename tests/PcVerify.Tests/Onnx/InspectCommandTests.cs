using PcVerify.Tests.Cli;

namespace PcVerify.Tests.Onnx;

/// <summary><c>pcverify inspect</c>: the report's content (oracle: the README's description and docs/math.md §10 depths) and its errors.</summary>
public class InspectCommandTests
{
    private static string[] Row(string output, string vertex) =>
        output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(cells => cells.Length > 0 && cells[0] == vertex);

    [Fact]
    public void Inspect_resnet_prints_depths_3_and_4_for_the_first_conv_edges_and_not_levelled()
    {
        if (SharedModels.Model("resnet") is not { } path)
        {
            return;
        }

        (int code, string output, string error) = CliRunner.Run("inspect", path);
        Assert.Equal(0, code);
        Assert.Empty(error);
        string[] c1 = Row(output, "/c1/Conv");
        Assert.Equal(["(3,", "8,", "8)", "3", "4", "input"], c1[^6..]);
        Assert.Equal(["3", "3", "relu(/c1/Conv)"], Row(output, "/c2/Conv")[^3..]);
        Assert.Equal(["/c2/Conv,", "/c1/Conv"], Row(output, "/Add")[^2..]);
        Assert.Equal("relu(/Add)", Row(output, "/Flatten")[^1]);
        Assert.Equal(["fc.weight", "(10,", "192)", "float32"], Row(output, "fc.weight"));
        Assert.Contains("levelled: no — /c1/Conv (d_min 3 < d_max 4)", output, StringComparison.Ordinal);
        Assert.Contains("--level would insert 1 identity vertex(es): '/c1/Conv~/Add.level1' on /c1/Conv → /Add", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_mlp_reports_a_levelled_chain()
    {
        if (SharedModels.Model("mlp") is not { } path)
        {
            return;
        }

        (int code, string output, _) = CliRunner.Run("inspect", path);
        Assert.Equal(0, code);
        Assert.Equal(["2", "2", "input"], Row(output, "/0/Gemm")[^3..]);
        Assert.Contains("levelled: yes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_prints_the_note_of_a_removed_trailing_softmax()
    {
        using var dir = new TempDirectory();
        string path = dir.File("softmax.onnx");
        File.WriteAllBytes(path, OnnxModels.WithTrailingSoftmax("Softmax"));
        (int code, string output, _) = CliRunner.Run("inspect", path);
        Assert.Equal(0, code);
        Assert.Contains("note: removed the trailing Softmax", output, StringComparison.Ordinal);
        Assert.Contains("--loss ce", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_of_a_bad_file_exits_2_with_one_line()
    {
        using var dir = new TempDirectory();
        string path = dir.File("notes.onnx");
        File.WriteAllText(path, "not a model at all");
        (int code, string output, string error) = CliRunner.Run("inspect", path);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith($"error: ONNX file '{path}': not an ONNX model", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }
}
