using System.Text.Json;
using PcVerify.Tests.Cli;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Reproduce;

public class ReproduceCommandTests
{
    [Fact]
    public void Quick_reproduce_writes_the_report_tables_and_figures_and_states_every_claim()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("reproduce", "--quick", "--epochs", "1", "--out", dir.Path);
        Assert.True(r.Code == 0, r.Err + r.Out);

        foreach (string name in new[] { "sigma", "fig3-grid", "training-curves", "runtime", "claims" })
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, name + ".csv")), name + ".csv");
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, name + ".json")));
        }

        foreach (string png in new[] { "table1-weights.png", "table1-test-error.png", "table2-test-error.png", "fig3-test-error.png", "fig3-weight-divergence.png", "training-curves.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir.Path, png));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }

        string report = File.ReadAllText(Path.Combine(dir.Path, "report.md"));
        Assert.Contains("pcverify reproduce --quick", report);
        Assert.Contains("digits, embedded (UCI Optical Recognition of Handwritten Digits", report); // the default data, credited
        Assert.Contains("CC BY 4.0", report);
        Assert.Contains("Tables 1–2", report);
        Assert.Contains("2.37", report); // the paper's σ = 0 weight divergence, printed beside ours
        Assert.Contains("Vector<double>.Count", report);
        Assert.Contains("![", report);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Contains("holds  σ = 0", r.Out);
    }

    [Fact]
    public void Reproduce_with_a_network_that_does_not_fit_the_data_is_refused()
    {
        var r = CliRunner.Run("reproduce", "--arch", "5,3,2", "--out", Path.GetTempPath());
        Assert.Equal(2, r.Code);
        Assert.Contains("64 inputs", r.Err);
    }

    [Fact]
    public void Reproduce_refuses_data_without_labels_before_running()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("reproduce", "--data", "synthetic-regression", "--out", dir.Path);
        Assert.Equal(2, r.Code);
        Assert.Contains("labelled classification set", r.Err);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Reproduce_with_a_file_as_output_directory_is_refused()
    {
        using TempDirectory dir = new();
        File.WriteAllText(dir.File("afile"), "x");
        var r = CliRunner.Run("reproduce", "--quick", "--out", dir.File("afile"));
        Assert.Equal(2, r.Code);
        Assert.Contains("afile", r.Err);
        Assert.DoesNotContain("Unhandled", r.Err);
    }
}
