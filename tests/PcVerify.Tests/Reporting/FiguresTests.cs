using System.Buffers.Binary;
using PcVerify.Cli.Reporting;

namespace PcVerify.Tests.Reporting;

public class FiguresTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks the PNG signature and reads width and height from the IHDR chunk (PNG spec §5.2, §11.2.2).</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path}: {bytes.Length} bytes is too short for a PNG");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    private static string OutputDirectory(TempDirectory dir) =>
        Environment.GetEnvironmentVariable("PCVERIFY_KEEP_FIGURES") is { Length: > 0 } keep ? keep : dir.Path;

    [Fact]
    public void Heatmap_writes_a_png_of_the_figure_size()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(OutputDirectory(dir), "heatmap.png");
        double[] sigmas = [0, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];
        var values = new double[sigmas.Length, 4];
        for (int r = 0; r < sigmas.Length; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                values[r, c] = Math.Log10(1e-13 + sigmas[r] * (c + 1));
            }
        }

        var labels = new string[sigmas.Length, 4];
        for (int r = 0; r < sigmas.Length; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                labels[r, c] = Figures.Number(Math.Pow(10, values[r, c]));
            }
        }

        Figures.Heatmap(path, "Divergence of final weights (Fig. 3)", "t", "σ", values, labels,
            ["0", "1", "2", "3"], [.. sigmas.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            "log10 divergence");

        Assert.Equal((Figures.Width, Figures.Height), PngSize(path));
    }

    [Fact]
    public void Lines_with_log_axes_writes_a_png_of_the_figure_size()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(OutputDirectory(dir), "lines.png");
        double[] sigma = [1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];
        Figures.Lines(path, "Divergence against σ (Table 1)", "σ", "divergence", [
            ("test error (pp)", sigma, [4.23e-3, 1.77e-2, 6.05e-2, 6.15e-1, 3.73e1, 4.17e1, 4.26e1]),
            ("final weights", sigma, [2.40e-2, 9.94e-1, 3.36, 1.43e1, 1.08e2, 1.12e3, 1.22e4]),
        ], logX: true, logY: true);

        Assert.Equal((Figures.Width, Figures.Height), PngSize(path));
    }

    [Fact]
    public void A_zero_on_a_log_axis_is_rejected_and_nothing_is_written()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Figures.Lines(dir.File("x.png"), "t", "x", "y",
            [("s", [1.0, 2.0], [1.0, 0.0])], logX: false, logY: true));
        Assert.Contains("y[1] = 0", e.Message, StringComparison.Ordinal);
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void Heatmap_ticks_must_match_the_array()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => Figures.Heatmap(dir.File("h.png"), "t", "x", "y",
            new double[2, 3], new string[2, 3], ["a", "b"], ["c", "d"], "v"));
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void Heatmap_cell_labels_must_match_the_array()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Figures.Heatmap(dir.File("h.png"), "t", "x", "y",
            new double[2, 3], new string[3, 2], ["a", "b", "c"], ["d", "e"], "v"));
        Assert.Contains("2×3 cell labels, got 3×2", e.Message, StringComparison.Ordinal);
        Assert.Empty(dir.Names());
    }

    [Fact]
    public void Heatmap_cells_carry_their_text()
    {
        // Same values, different texts: if the texts were not drawn, the two images would be identical.
        using var dir = new TempDirectory();
        double[,] values = { { 0, 1 }, { 2, 3 } };
        Figures.Heatmap(dir.File("empty.png"), "t", "x", "y", values, new[,] { { "", "" }, { "", "" } }, ["a", "b"], ["c", "d"], "v");
        Figures.Heatmap(dir.File("numbers.png"), "t", "x", "y", values, new[,] { { "0", "1" }, { "2", "3" } }, ["a", "b"], ["c", "d"], "v");
        Assert.NotEqual(File.ReadAllBytes(dir.File("empty.png")), File.ReadAllBytes(dir.File("numbers.png")));
    }

    [Fact]
    public void Values_at_x_zero_are_drawn_apart_on_a_log_axis()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(OutputDirectory(dir), "lines-at-zero.png");
        double[] sigma = [1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];
        (string, double[], double[])[] series =
        [
            ("this run", sigma, [4.23e-3, 1.77e-2, 6.05e-2, 6.15e-1, 3.73e1, 4.17e1, 4.26e1]),
            ("paper", sigma, [2.40e-2, 9.94e-1, 3.36, 1.43e1, 1.08e2, 1.12e3, 1.22e4]),
        ];
        Figures.Lines(dir.File("none.png"), "Table 1", "σ", "divergence", series, logX: true, logY: true, [double.NaN, double.NaN]);
        Figures.Lines(path, "Table 1", "σ", "divergence", series, logX: true, logY: true, [0.0, 2.37e-13]);

        Assert.Equal((Figures.Width, Figures.Height), PngSize(path));
        Assert.NotEqual(File.ReadAllBytes(dir.File("none.png")), File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(false, true, new[] { 0.0, 0.0 }, "only on a log x axis")]
    [InlineData(true, true, new[] { 0.0 }, "2 series but 1 values at x = 0")]
    [InlineData(true, true, new[] { 0.0, -1.0 }, "series 'b': the value at x = 0, -1, cannot be drawn on a log axis")]
    [InlineData(true, false, new[] { 0.0, double.PositiveInfinity }, "series 'b': the value at x = 0, Infinity, cannot be drawn")]
    public void Values_at_x_zero_that_cannot_be_drawn_are_rejected_and_nothing_is_written(bool logX, bool logY, double[] atZero, string expected)
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Figures.Lines(dir.File("x.png"), "t", "x", "y",
            [("a", [1.0, 2.0], [1.0, 2.0]), ("b", [1.0, 2.0], [3.0, 4.0])], logX, logY, atZero));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Empty(dir.Names());
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(7.3634e-13, "7.36e-13")]
    [InlineData(158.4, "158")]
    [InlineData(4.1666, "4.17")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_in_figures_have_three_significant_digits(double value, string expected) =>
        Assert.Equal(expected, Figures.Number(value));

    [Theory]
    [InlineData(0.0, "1")]
    [InlineData(-3.0, "0.001")]
    [InlineData(3.0, "1000")]
    [InlineData(4.0, "1e4")]
    [InlineData(-13.0, "1e-13")]
    public void Log_tick_labels_name_the_power_of_ten(double exponent, string expected) =>
        Assert.Equal(expected, Figures.LogTickLabel(exponent));
}
