using System.Text.Json;
using PcVerify.Cli.Reporting;

namespace PcVerify.Tests.Reporting;

public class ResultTableTests
{
    // Values whose shortest round-trip form is long or unusual: they catch any formatting that loses bits.
    private static readonly double[] Tricky =
    [
        0.1 + 0.2, 1.0 / 3.0, 2.37e-13, double.Epsilon, double.MaxValue, -double.MaxValue,
        double.MinValue, 1e-300, 123456789012345678.0, -0.0, 0.0, 5e-324, Math.PI, -Math.E,
    ];

    private static ResultTable TrickyTable()
    {
        var table = new ResultTable("tricky", ["name", "value"]);
        for (int i = 0; i < Tricky.Length; i++)
        {
            table.AddRow($"v{i}", Tricky[i]);
        }

        return table;
    }

    [Fact]
    public void Json_numbers_parse_back_to_the_same_bits()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.json");
        TrickyTable().WriteJson(path);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement rows = doc.RootElement.GetProperty("rows");
        Assert.Equal(Tricky.Length, rows.GetArrayLength());
        for (int i = 0; i < Tricky.Length; i++)
        {
            JsonElement row = rows[i];
            Assert.Equal($"v{i}", row[0].GetString());
            Assert.Equal(JsonValueKind.Number, row[1].ValueKind);
            double parsed = row[1].GetDouble();
            Assert.True(
                BitConverter.DoubleToInt64Bits(parsed) == BitConverter.DoubleToInt64Bits(Tricky[i]),
                $"row {i}: expected {Tricky[i]:G17}, read back {parsed:G17} from '{row[1].GetRawText()}'");
        }
    }

    [Fact]
    public void Json_has_title_columns_and_writes_non_finite_numbers_as_null()
    {
        var table = new ResultTable("Table 1 σ", ["σ", "divergence"])
            .AddRow("0", 0.0)
            .AddRow("nan", double.NaN)
            .AddRow("inf", double.PositiveInfinity)
            .AddRow("-inf", double.NegativeInfinity);

        using JsonDocument doc = JsonDocument.Parse(table.ToJson());
        JsonElement root = doc.RootElement;
        Assert.Equal("Table 1 σ", root.GetProperty("title").GetString());
        Assert.Equal(["σ", "divergence"], root.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!));
        JsonElement rows = root.GetProperty("rows");
        Assert.Equal(JsonValueKind.Number, rows[0][1].ValueKind);
        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(JsonValueKind.Null, rows[i][1].ValueKind);
        }

        // Non-ASCII stays readable in the file rather than \u-escaped.
        Assert.Contains("\"σ\"", table.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_numbers_parse_back_to_the_same_bits()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.csv");
        TrickyTable().WriteCsv(path);

        string[] lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("name,value", lines[0]);
        Assert.Equal(Tricky.Length + 2, lines.Length); // header, rows, and the empty string after the final '\n'
        Assert.Equal("", lines[^1]);
        for (int i = 0; i < Tricky.Length; i++)
        {
            string[] fields = lines[i + 1].Split(',');
            Assert.Equal($"v{i}", fields[0]);
            double parsed = double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.DoubleToInt64Bits(Tricky[i]), BitConverter.DoubleToInt64Bits(parsed));
        }
    }

    [Fact]
    public void Csv_quotes_fields_with_commas_quotes_and_line_breaks_and_spells_non_finite_values()
    {
        var table = new ResultTable("t", ["a,b", "c"])
            .AddRow("say \"hi\"", double.NaN)
            .AddRow("two\nlines", double.NegativeInfinity)
            .AddRow("plain", double.PositiveInfinity);

        Assert.Equal(
            "\"a,b\",c\n" +
            "\"say \"\"hi\"\"\",NaN\n" +
            "\"two\nlines\",-Infinity\n" +
            "plain,Infinity\n",
            table.ToCsv());
    }

    [Fact]
    public void Markdown_rounds_to_significant_digits_and_right_aligns_numeric_columns()
    {
        // Table 1 and 2 numbers of the paper (docs/math.md §9), formatted by hand to 3 significant digits in "G3"
        // form with a lower-case exponent marker.
        var table = new ResultTable("Table 1", ["σ", "test error", "weights"])
            .AddRow("0", 0.10546, 2.37e-13)
            .AddRow("1e-2", 0.10596, 3.36)
            .AddRow("100", 0.77116, 1.22e4)
            .AddRow("a|b", 42.649, double.NaN);

        Assert.Equal(
            "| σ | test error | weights |\n" +
            "| --- | ---: | ---: |\n" +
            "| 0 | 0.105 | 2.37e-13 |\n" +
            "| 1e-2 | 0.106 | 3.36 |\n" +
            "| 100 | 0.771 | 1.22e+04 |\n" +
            "| a\\|b | 42.6 | NaN |\n",
            table.ToMarkdown(3));
    }

    [Theory]
    [InlineData(0.000123456, 2, "0.00012")]
    [InlineData(0.0000123456, 2, "1.2e-05")]
    [InlineData(987654.0, 6, "987654")]
    [InlineData(987654.0, 5, "9.8765e+05")]
    [InlineData(-1.5, 1, "-2")]
    [InlineData(0.0, 4, "0")]
    public void Format_keeps_the_requested_number_of_significant_digits(double value, int digits, string expected) =>
        Assert.Equal(expected, ResultCell.FromNumber(value).Format(digits));

    [Fact]
    public void A_row_of_the_wrong_length_is_rejected()
    {
        var table = new ResultTable("t", ["a", "b"]);
        var e = Assert.Throws<ArgumentException>(() => table.AddRow(1.0));
        Assert.Contains("1 cells", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 columns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithColumn_appends_a_column_and_leaves_the_original_unchanged()
    {
        var table = new ResultTable("t", ["σ", "ours"]).AddRow("0", 1.0).AddRow("1", 2.0);
        ResultTable both = table.WithColumn("paper", [3.0, 4.0]);

        Assert.Equal(["σ", "ours", "paper"], both.Columns);
        Assert.Equal(new ResultCell[] { "1", 2.0, 4.0 }, both.Rows[1]);
        Assert.Equal(2, table.Columns.Count);
        Assert.Throws<ArgumentException>(() => table.WithColumn("paper", [3.0]));
    }
}
