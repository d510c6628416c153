using System.IO.Compression;
using System.Text;

namespace PcVerify.Tests.Cli;

/// <summary>
/// Error messages are one line that cannot drive the terminal, whatever text from a file they quote; divergence
/// advice names what the run set; rates a dtype cannot hold are refused up front.
/// </summary>
public class ErrorMessageTests
{
    [Theory]
    [InlineData("plain text, é, ü, 日本, 😀 and a \\ backslash", "plain text, é, ü, 日本, 😀 and a \\ backslash")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("a\r\nb", "a\\r\\nb")]
    [InlineData("tab\there", "tab\\there")]
    [InlineData("\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m")]
    [InlineData("nul\0bell\a", "nul\\x00bell\\x07")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("c1 \u0085 \u009b", "c1 \\u0085 \\u009b")]
    [InlineData("line\u2028para\u2029", "line\\u2028para\\u2029")]
    [InlineData("bidi \u202eevil\u202c", "bidi \\u202eevil\\u202c")]
    [InlineData("zero\u200bwidth", "zero\\u200bwidth")]
    [InlineData("unassigned \U000E0080", "unassigned \\U{e0080}")]
    public void Every_control_and_invisible_character_is_escaped(string text, string expected) =>
        Assert.Equal(expected, PcVerify.Cli.Cli.EscapeControl(text));

    [Fact]
    public void A_lone_surrogate_is_escaped_and_a_pair_is_kept() =>
        Assert.Equal("lone \\ud800 and \\udc00, pair 😀", PcVerify.Cli.Cli.EscapeControl("lone \ud800 and \udc00, pair \ud83d\ude00"));

    [Fact]
    public void Escaping_leaves_no_character_that_is_not_printable()
    {
        // Every UTF-16 code unit once, in a message: the printed text is one line of printable characters.
        StringBuilder all = new();
        for (int c = 0; c <= 0xffff; c++)
        {
            all.Append((char)c);
        }

        string escaped = PcVerify.Cli.Cli.EscapeControl(all.ToString());
        for (int i = 0; i < escaped.Length; i++)
        {
            if (char.IsSurrogatePair(escaped, i))
            {
                i++; // a valid pair (here U+10FC00, private use) is a printable character
                continue;
            }

            Assert.False(char.IsControl(escaped[i]) || char.IsSurrogate(escaped[i]) || escaped[i] is '\u2028' or '\u2029',
                $"U+{(int)escaped[i]:X4} at index {i} was not escaped");
        }
    }

    [Fact]
    public void An_npy_header_key_with_a_newline_and_escape_prints_one_line_without_escape_sequences()
    {
        using TempDirectory dir = new();
        string path = dir.File("d.npz");
        using (FileStream fs = File.Create(path))
        using (ZipArchive zip = new(fs, ZipArchiveMode.Create))
        {
            WriteEntry(zip, "inputs.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), 'a\nb\u001b[31mRED\u0085x': 1, }", 5 * 3 * 8);
            WriteEntry(zip, "targets.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }", 5 * 2 * 8);
        }

        var r = CliRunner.Run("train", "--data", "npz:" + path, "--arch", "3,4,2");

        Assert.True(r.Code == 2, $"exit code {r.Code}; stderr: {r.Err}");
        string line = r.Err.TrimEnd('\n', '\r');
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.DoesNotContain('\u0085', line);
        Assert.Contains("d.npz", line);
        Assert.Contains("\\x1b[31mRED", line);
    }

    [Fact]
    public void Divergence_advice_names_sigma_and_gamma_only_when_they_are_set()
    {
        var plain = CliRunner.Run("train", "--algo", "zil", "--lr", "1e6", "--act", "identity", "--arch", "20,16,10", "--data", "synthetic-classification");
        Assert.Equal(3, plain.Code);
        Assert.Contains("--lr 1000000", plain.Err);
        Assert.DoesNotContain("--sigma", plain.Err);
        Assert.DoesNotContain("--gamma", plain.Err);

        var relaxed = CliRunner.Run("train", "--algo", "zil", "--lr", "1e6", "--act", "identity", "--arch", "20,16,10", "--sigma", "0.5", "--gamma", "2", "--data", "synthetic-classification");
        Assert.Equal(3, relaxed.Code);
        Assert.Contains("--sigma 0.5", relaxed.Err);
        Assert.Contains("--gamma 2", relaxed.Err);
        Assert.DoesNotContain('\n', relaxed.Err.TrimEnd());
    }

    [Theory]
    [InlineData("--lr", "1e200", "α")]
    [InlineData("--lr", "1e-50", "α")]
    [InlineData("--gamma", "1e39", "γ")]
    [InlineData("--sigma", "1e300", "σ")]
    public void A_rate_that_float32_cannot_hold_is_refused_before_training(string option, string value, string name)
    {
        var r = CliRunner.Run("train", "--dtype", "float32", option, value);
        Assert.True(r.Code == 2, $"exit code {r.Code}; stderr: {r.Err}");
        Assert.Contains(option, r.Err);
        Assert.Contains(name, r.Err);
        Assert.Contains("float32", r.Err);
        Assert.DoesNotContain("epoch", r.Out);
    }

    [Fact]
    public void The_same_rate_is_accepted_in_float64() =>
        Assert.Equal(0, CliRunner.Run("train", "--dtype", "float64", "--lr", "1e-50", "--steps", "1").Code);

    [Fact]
    public void A_directory_given_as_an_input_file_says_it_is_a_directory()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("train", "--init", dir.Path);
        Assert.True(r.Code == 2, $"exit code {r.Code}; stderr: {r.Err}");
        Assert.Contains($"'{dir.Path}': is a directory, expected a file", r.Err);
    }

    [Fact]
    public void An_input_under_a_parent_that_is_a_file_names_that_file()
    {
        using TempDirectory dir = new();
        File.WriteAllText(dir.File("f"), "x");
        var r = CliRunner.Run("train", "--data", "npz:" + Path.Combine(dir.File("f"), "d.npz"));
        Assert.True(r.Code == 2, $"exit code {r.Code}; stderr: {r.Err}");
        Assert.Contains($"'{dir.File("f")}' is a file, not a directory", r.Err);
    }

    [Fact]
    public void A_file_given_as_a_data_directory_says_it_is_a_file()
    {
        using TempDirectory dir = new();
        File.WriteAllText(dir.File("f"), "x");
        var r = CliRunner.Run("train", "--data", "mnist:" + dir.File("f"));
        Assert.True(r.Code == 2, $"exit code {r.Code}; stderr: {r.Err}");
        Assert.Contains($"'{dir.File("f")}': is a file, expected a directory", r.Err);
    }

    private static void WriteEntry(ZipArchive zip, string name, string header, int bodyBytes)
    {
        // NPY 1.0: magic, version, little-endian header length, latin-1 header padded with spaces to a multiple of
        // 64 bytes and ending in '\n', then the body.
        int total = 10 + header.Length + 1;
        string padded = header + new string(' ', (64 - (total % 64)) % 64) + "\n";
        using Stream s = zip.CreateEntry(name).Open();
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(padded.Length & 0xff), (byte)(padded.Length >> 8)]);
        s.Write(Encoding.Latin1.GetBytes(padded));
        s.Write(new byte[bodyBytes]);
    }
}
