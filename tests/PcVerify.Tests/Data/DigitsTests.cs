using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using Xunit.Abstractions;

namespace PcVerify.Tests.Data;

/// <summary>
/// The embedded UCI digits. Oracles: the MD5 and size published with the shared copy (its README); the shared
/// gzip CSV decompressed and split on commas here, independently of the engine's parser; the first and last lines
/// as printed by <c>zcat | head -1</c> and <c>zcat | tail -1</c>; the per-digit counts as counted by
/// <c>zcat | awk -F, '{print $65}' | sort | uniq -c</c>; and the split rule of <see cref="Digits.Default"/>'s
/// documentation checked through its consequences (sizes, 36 per digit, a partition in file order, spread).
/// </summary>
public sealed class DigitsTests(ITestOutputHelper output)
{
    private const string FirstLine = "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0";

    private const string LastLine = "0,0,10,14,8,1,0,0,0,2,16,14,6,1,0,0,0,0,15,15,8,15,0,0,0,0,5,16,16,10,0,0,0,0,12,15,15,12,0,0,0,4,16,6,4,16,6,0,0,8,16,10,8,16,8,0,0,1,8,12,14,12,1,0,8";

    /// <summary>Images per digit 0..9, counted with awk over the shared file.</summary>
    private static readonly int[] PerDigit = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

    [Fact]
    public void The_embedded_file_has_the_published_MD5_and_size_and_equals_the_shared_copy()
    {
        byte[] bytes = Digits.ResourceBytes();
        Assert.Equal(57_512, bytes.Length);
        Assert.Equal(Digits.Md5, Convert.ToHexStringLower(MD5.HashData(bytes)));
        Assert.Equal("ca09b38354112f159cd554f69e213828", Digits.Md5);

        string? shared = SharedDigitsOrReport();
        if (shared is not null)
        {
            Assert.Equal(File.ReadAllBytes(shared), bytes);
        }
    }

    [Fact]
    public void Every_image_equals_the_csv_text_scaled_by_one_sixteenth_with_one_hot_targets_and_labels_kept()
    {
        string[] lines = CsvLines();
        DataSet all = Digits.LoadAll();

        Assert.Equal(("digits", 1797, 64, 10), (all.Name, all.Count, all.InputWidth, all.OutputWidth));
        Assert.Equal(lines.Length, all.Count);
        for (int r = 0; r < lines.Length; r++)
        {
            int[] f = [.. lines[r].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            Assert.Equal(65, f.Length);

            // k/16 is exact in binary floating point, so equality is the right comparison.
            DataAssert.BitIdentical(f[..64].Select(v => v / 16.0).ToArray(), all.Input(r));
            Assert.Equal(f[64], all.Labels![r]);
            DataAssert.BitIdentical(Enumerable.Range(0, 10).Select(c => c == f[64] ? 1.0 : 0.0).ToArray(), all.Target(r));
        }
    }

    [Fact]
    public void The_first_and_last_images_match_the_file_s_first_and_last_lines()
    {
        string[] lines = CsvLines();
        Assert.Equal(FirstLine, lines[0]);
        Assert.Equal(LastLine, lines[^1]);

        DataSet all = Digits.LoadAll();

        // First line: label 0; row 0 of the image is 0,0,5,13,9,1,0,0, so pixel (0, 2) = 5/16 is input 2 and
        // pixel (1, 3) = 15/16 is input 8·1 + 3 = 11 (row-major, as a 1×8×8 image).
        Assert.Equal(0, all.Labels![0]);
        Assert.Equal(5 / 16.0, all.Input(0)[2]);
        Assert.Equal(13 / 16.0, all.Input(0)[3]);
        Assert.Equal(15 / 16.0, all.Input(0)[(8 * 1) + 3]);
        Assert.Equal(6 / 16.0, all.Input(0)[(8 * 7) + 2]);

        // Last line: label 8; pixel (0, 2) = 10/16, pixel (5, 2) = 16/16, pixel (7, 6) = 1/16.
        Assert.Equal(8, all.Labels[^1]);
        Assert.Equal(10 / 16.0, all.Input(1796)[2]);
        Assert.Equal(1.0, all.Input(1796)[(8 * 5) + 2]);
        Assert.Equal(1 / 16.0, all.Input(1796)[(8 * 7) + 6]);
    }

    [Fact]
    public void Counts_per_digit_are_the_ones_counted_in_the_csv()
    {
        int[] fromCsv = new int[10];
        foreach (string line in CsvLines())
        {
            fromCsv[int.Parse(line[(line.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture)]++;
        }

        Assert.Equal(PerDigit, fromCsv);
        DataSet all = Digits.LoadAll();
        Assert.Equal(PerDigit, Enumerable.Range(0, 10).Select(c => all.Labels!.Count(l => l == c)).ToArray());
    }

    [Fact]
    public void Pixels_are_scaled_into_the_unit_interval_and_use_its_whole_range()
    {
        DataSet all = Digits.LoadAll();
        Assert.Equal(0.0, all.Inputs.Min());
        Assert.Equal(1.0, all.Inputs.Max());
        Assert.All(all.Inputs, v => Assert.Equal(Math.Round(v * 16), v * 16));
    }

    [Fact]
    public void The_default_split_is_1437_and_360_with_36_test_images_per_digit_spread_over_the_file()
    {
        DataSet all = Digits.LoadAll();
        (DataSet train, DataSet test) = Digits.Default();

        Assert.Equal(("digits-train", 1437, 64, 10), (train.Name, train.Count, train.InputWidth, train.OutputWidth));
        Assert.Equal(("digits-test", 360, 64, 10), (test.Name, test.Count, test.InputWidth, test.OutputWidth));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(36, test.Labels!.Count(l => l == c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(PerDigit[c] - 36, train.Labels!.Count(l => l == c)));

        // The documented rule, recomputed: digit c's test images are its ranks ⌊(2j + 1)·n_c / 72⌋, j = 0..35; the
        // test part is those rows of the file in file order, the training part all other rows in file order.
        int[] rank = new int[10];
        List<int> testRows = [], trainRows = [];
        int[][] testRanks = [.. Enumerable.Range(0, 10).Select(_ => Array.Empty<int>())];
        for (int r = 0; r < all.Count; r++)
        {
            int c = all.Labels![r];
            if (Enumerable.Range(0, 36).Any(j => (((2 * j) + 1) * PerDigit[c] / 72) == rank[c]))
            {
                testRows.Add(r);
                testRanks[c] = [.. testRanks[c], rank[c]];
            }
            else
            {
                trainRows.Add(r);
            }

            rank[c]++;
        }

        AssertRows(all, trainRows, train);
        AssertRows(all, testRows, test);

        // Spread: every digit's test images reach from its first fifth of the file to its last fifth, with no two
        // adjacent and no gap longer than 6 images (n_c / 36 is between 4.8 and 5.1).
        for (int c = 0; c < 10; c++)
        {
            int[] t = testRanks[c];
            Assert.True(t[0] < PerDigit[c] / 5 && t[^1] >= PerDigit[c] * 4 / 5, $"digit {c}: test ranks {t[0]}..{t[^1]} of {PerDigit[c]}");
            Assert.All(t.Zip(t.Skip(1), (a, b) => b - a), gap => Assert.InRange(gap, 4, 6));
        }
    }

    [Fact]
    public void Data_sources_name_digits_and_the_result_does_not_depend_on_the_seed()
    {
        DataSplit a = DataSources.Load("digits", 1);
        DataSplit b = DataSources.Load(" digits ", 99);
        DataAssert.BitIdentical(a.Train.Inputs, b.Train.Inputs);
        DataAssert.BitIdentical(a.Test.Inputs, b.Test.Inputs);
        Assert.Contains("CC BY 4.0", a.Description);
        Assert.Contains("1437 training and 360 test", a.Description);
        Assert.Contains("digits", DataSources.Forms);
    }

    [Theory]
    [InlineData("0,1", "line 1: expected 65 comma-separated fields, found 2")]
    [InlineData("0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0,0", "line 1: expected 65")]
    [InlineData("17,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0", "line 1 pixel 0: expected an integer in 0..16, found '17'")]
    [InlineData("0,-1,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0", "line 1 pixel 1: expected an integer in 0..16, found '-1'")]
    [InlineData("0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,10", "line 1 label: expected an integer in 0..9, found '10'")]
    [InlineData("0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0, 0", "line 1 label: expected an integer in 0..9, found ' 0'")]
    [InlineData("0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0\n\n", "line 2: expected 65 comma-separated fields, found 1")]
    public void A_malformed_line_is_refused_naming_the_line_and_field(string csv, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => Digits.Parse(new StringReader(csv), "test.csv"));
        Assert.Contains("test.csv " + expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_well_formed_line_parses_as_the_negative_controls_baseline()
    {
        DataSet one = Digits.Parse(new StringReader(FirstLine + "\n"), "test.csv");
        Assert.Equal((1, 0), (one.Count, one.Labels![0]));
    }

    [Fact]
    public void More_lines_than_the_file_has_are_refused()
    {
        string csv = string.Concat(Enumerable.Repeat(FirstLine + "\n", Digits.Count + 1));
        var e = Assert.Throws<InvalidInputException>(() => Digits.Parse(new StringReader(csv), "test.csv"));
        Assert.Contains("more than 1797 lines", e.Message, StringComparison.Ordinal);
    }

    private static void AssertRows(DataSet all, List<int> rows, DataSet part)
    {
        Assert.Equal(rows.Count, part.Count);
        for (int k = 0; k < rows.Count; k++)
        {
            DataAssert.BitIdentical(all.Input(rows[k]), part.Input(k));
            DataAssert.BitIdentical(all.Target(rows[k]), part.Target(k));
            Assert.Equal(all.Labels![rows[k]], part.Labels![k]);
        }
    }

    /// <summary>The CSV lines, decompressed here: from the shared copy when present, else from the embedded bytes
    /// (whose MD5 the first test checks).</summary>
    private string[] CsvLines()
    {
        string? shared = SharedDigitsOrReport();
        byte[] gz = shared is null ? Digits.ResourceBytes() : File.ReadAllBytes(shared);
        using GZipStream unzip = new(new MemoryStream(gz), CompressionMode.Decompress);
        using StreamReader reader = new(unzip, Encoding.ASCII);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The shared <c>digits.csv.gz</c>, or null (after saying so) when absent; absence under CI fails.</summary>
    private string? SharedDigitsOrReport()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "digits", "digits.csv.gz");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        const string message = "shared/data/digits/digits.csv.gz not found above the test binary; compared with the embedded copy only";
        Assert.False(TestPaths.IsCi, message + " (CI is set, so this is a failure)");
        output.WriteLine(message);
        return null;
    }
}
