using PcVerify.Cli.Reporting;
using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Reporting;

public class ReportTests
{
    [Fact]
    public void Report_renders_blocks_in_order_separated_by_blank_lines()
    {
        var table = new ResultTable("Table 2: test error", ["σ", "ours"]).AddRow("0", 0.105).AddRow("1", 0.7);
        string markdown = new Report("Reproduction")
            .AddSection("Tables")
            .AddParagraph("Z-IL against BP.")
            .AddTable(table, 2, [0.10546, 0.68915])
            .AddImage("figures/fig 3.png", "Fig. 3")
            .AddCodeBlock("pcverify reproduce --seed 1")
            .AddKeyValues([new("seed", "1")])
            .AddWallTime(TimeSpan.FromMilliseconds(1234.6))
            .ToMarkdown();

        Assert.Equal(
            "# Reproduction\n" +
            "\n## Tables\n" +
            "\nZ-IL against BP.\n" +
            "\n**Table 2: test error**\n\n" +
            "| σ | ours | paper |\n" +
            "| --- | ---: | ---: |\n" +
            "| 0 | 0.1 | 0.11 |\n" +
            "| 1 | 0.7 | 0.69 |\n" +
            "\n![Fig. 3](<figures/fig 3.png>)\n" +
            "\n```sh\npcverify reproduce --seed 1\n```\n" +
            "\n- `seed`: 1\n" +
            "\nWall time: 1.235 s\n",
            markdown);
    }

    [Fact]
    public void A_code_block_fence_is_longer_than_any_backtick_run_in_the_code()
    {
        string markdown = new Report("r").AddCodeBlock("a ```` b", "").ToMarkdown();
        Assert.EndsWith("\n`````\na ```` b\n`````\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_lists_the_simd_widths_and_processor_count_of_this_process()
    {
        string markdown = new Report("r").AddEnvironment().ToMarkdown();
        string inv(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"- `Vector<double>.Count`: {inv(System.Numerics.Vector<double>.Count)}\n", markdown, StringComparison.Ordinal);
        Assert.Contains($"- `Vector<float>.Count`: {inv(System.Numerics.Vector<float>.Count)}\n", markdown, StringComparison.Ordinal);
        Assert.Contains($"- `processors`: {inv(Environment.ProcessorCount)}\n", markdown, StringComparison.Ordinal);
        Assert.Contains($"- `runtime`: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absolute_image_path_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new Report("r").AddImage("/tmp/x.png", "x"));

    [Fact]
    public void Save_writes_the_markdown()
    {
        using var dir = new TempDirectory();
        var report = new Report("r").AddParagraph("p");
        report.Save(dir.File("report.md"));
        Assert.Equal(report.ToMarkdown(), File.ReadAllText(dir.File("report.md")));
        Assert.Equal(["report.md"], dir.Names());
    }

    [Fact]
    public void A_writer_that_throws_leaves_neither_a_partial_file_nor_a_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.csv");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial"u8);
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Empty(dir.Names());

        // An existing file keeps its old content when a later write fails.
        new ResultTable("t", ["a"]).AddRow(1.0).WriteCsv(path);
        string before = File.ReadAllText(path);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial"u8);
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal(["out.csv"], dir.Names());
    }

    [Fact]
    public void Writing_into_a_missing_directory_is_an_input_error_and_creates_nothing()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing", "t.json");
        Assert.Throws<InvalidInputException>(() => new ResultTable("t", ["a"]).WriteJson(path));
        Assert.Empty(dir.Names());
    }
}
