using System.IO.Compression;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Cli;

/// <summary>Every bad input gets a one-line error naming the problem, a non-zero exit code, and no output file.</summary>
public class BadInputTests
{
    private static void AssertError(string[] args, int code, params string[] fragments)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.Code == code, $"exit code {r.Code}, expected {code}; stderr: {r.Err}; stdout: {r.Out}");
        string line = r.Err.Trim();
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain('\n', line);
        foreach (string f in fragments)
        {
            Assert.Contains(f, line);
        }
    }

    [Fact]
    public void Unknown_algorithm() => AssertError(["train", "--algo", "hebb"], 2, "unknown algorithm 'hebb'", "bp, il, zil, fazil");

    [Fact]
    public void Unknown_algorithm_in_compare() => AssertError(["compare", "--algos", "zil,nope"], 2, "unknown algorithm 'nope'");

    [Fact]
    public void Unknown_activation() => AssertError(["train", "--act", "swish"], 2, "unknown activation 'swish'", "tanh");

    [Fact]
    public void Fewer_than_two_layers() => AssertError(["train", "--arch", "20"], 2, "at least two layers", "found 1");

    [Fact]
    public void A_width_of_zero() => AssertError(["train", "--arch", "20,0,10"], 2, "width 0");

    [Fact]
    public void A_negative_width() => AssertError(["train", "--arch", "20,-3,10"], 2, "width -3");

    [Fact]
    public void A_width_that_is_not_a_number() => AssertError(["train", "--arch", "20,x,10"], 2, "'x' is not an integer");

    [Fact]
    public void Data_input_width_does_not_match_the_network() =>
        AssertError(["train", "--arch", "784,16,10"], 2, "64 inputs", "784 inputs");

    [Fact]
    public void Data_output_width_does_not_match_the_network() =>
        AssertError(["train", "--arch", "20,16,3"], 2, "10 outputs", "3 outputs");

    [Fact]
    public void Wrong_number_of_activations() =>
        AssertError(["train", "--arch", "20,16,10", "--act", "tanh,relu,relu"], 2, "expected 1 or 2", "found 3");

    [Theory]
    [InlineData("--lr", "0", "α")]
    [InlineData("--lr", "-1", "α")]
    [InlineData("--lr", "NaN", "α")]
    [InlineData("--lr", "Infinity", "α")]
    [InlineData("--sigma", "-0.1", "σ")]
    [InlineData("--sigma", "NaN", "σ")]
    [InlineData("--gamma", "0", "γ")]
    [InlineData("--gamma", "-Infinity", "γ")]
    public void Rates_out_of_range(string option, string value, string name) =>
        AssertError(["train", option, value], 2, name, value == "NaN" ? "NaN" : value);

    [Fact]
    public void Unknown_data_source() => AssertError(["train", "--data", "cifar"], 2, "--data 'cifar'", "mnist:DIR");

    [Fact]
    public void Unknown_dtype() => AssertError(["train", "--dtype", "float16"], 2, "float16");

    [Fact]
    public void Nan_in_data()
    {
        using TempDirectory dir = new();
        double[] inputs = new double[5 * 3];
        inputs[7] = double.NaN;
        WriteNpz(dir.File("d.npz"), ("inputs", [5, 3], inputs), ("targets", [5, 2], new double[10]));
        AssertError(["train", "--data", "npz:" + dir.File("d.npz"), "--arch", "3,4,2"], 2, "d.npz", "NaN");
    }

    [Fact]
    public void Infinity_in_parameters()
    {
        using TempDirectory dir = new();
        double[] t1 = new double[2 * 4];
        t1[3] = double.PositiveInfinity;
        WriteNpz(dir.File("p.npz"), ("theta1", [2, 4], t1), ("theta2", [4, 3], new double[12]));
        NpzDataSet.Save(dir.File("d.npz"), Synthetic.Regression(10, 3, 2, 1), NpyDType.Float64);
        AssertError(["train", "--init", dir.File("p.npz"), "--data", "npz:" + dir.File("d.npz")], 2, "p.npz", "theta1", "element 3", "finite");
    }

    [Fact]
    public void Npz_that_is_not_a_zip()
    {
        using TempDirectory dir = new();
        File.WriteAllText(dir.File("p.npz"), "this is not a zip archive");
        AssertError(["train", "--init", dir.File("p.npz")], 2, "p.npz");
    }

    [Fact]
    public void Npz_parameters_lacking_a_key()
    {
        using TempDirectory dir = new();
        WriteNpz(dir.File("p.npz"), ("theta1", [10, 16], new double[160]));
        AssertError(["train", "--init", dir.File("p.npz"), "--arch", "20,16,10", "--data", "synthetic-classification"], 2, "p.npz", "'theta2' not found", "theta1");
    }

    [Fact]
    public void Npz_parameters_with_the_wrong_shape()
    {
        using TempDirectory dir = new();
        WriteNpz(dir.File("p.npz"), ("theta1", [10, 16], new double[160]), ("theta2", [20, 16], new double[320]));
        AssertError(["train", "--init", dir.File("p.npz"), "--arch", "20,16,10", "--data", "synthetic-classification"], 2, "'theta2'", "(20, 16)", "expected (16, 20)");
    }

    [Fact]
    public void Npz_parameters_with_an_integer_dtype()
    {
        using TempDirectory dir = new();
        Dictionary<string, NpyArray> arrays = new()
        {
            ["theta1"] = new NpyArray([10, 16], new double[160], NpyDType.Float64),
            ["theta2"] = new NpyArray([16, 20], new double[320], NpyDType.Int32),
        };
        WriteNpzTyped(dir.File("p.npz"), arrays);
        AssertError(["train", "--init", dir.File("p.npz"), "--arch", "20,16,10", "--data", "synthetic-classification"], 2, "'theta2'", "Int32", "float");
    }

    [Fact]
    public void Npz_data_with_an_integer_dtype()
    {
        using TempDirectory dir = new();
        WriteNpzTyped(dir.File("d.npz"), new Dictionary<string, NpyArray>
        {
            ["inputs"] = new NpyArray([5, 3], new double[15], NpyDType.Int64),
            ["targets"] = new NpyArray([5, 2], new double[10], NpyDType.Float64),
        });
        AssertError(["train", "--data", "npz:" + dir.File("d.npz"), "--arch", "3,4,2"], 2, "d.npz", "'inputs'", "Int64", "float32 or float64");
    }

    [Fact]
    public void Compare_with_nothing_but_bp_is_refused() => AssertError(["compare", "--algos", "bp"], 2, "--algos 'bp'");

    [Fact]
    public void Npz_data_lacking_targets()
    {
        using TempDirectory dir = new();
        WriteNpz(dir.File("d.npz"), ("inputs", [5, 3], new double[15]));
        AssertError(["train", "--data", "npz:" + dir.File("d.npz"), "--arch", "3,4,2"], 2, "targets");
    }

    [Fact]
    public void Idx_with_a_wrong_magic_number()
    {
        using TempDirectory dir = new();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);
        AssertError(["train", "--data", "mnist:" + dir.Path], 2, "t10k-images-idx3-ubyte", "0x00000803", "0x00000801");
    }

    [Fact]
    public void Idx_with_a_truncated_body()
    {
        using TempDirectory dir = new();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]);
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 2, 1, 2]);
        AssertError(["train", "--data", "mnist:" + dir.Path], 2, "t10k-images-idx3-ubyte", "1568", "3");
    }

    [Fact]
    public void Idx_with_an_image_and_label_count_mismatch()
    {
        using TempDirectory dir = new();
        byte[] images = new byte[16 + (2 * 4)];
        images[2] = 8;
        images[3] = 3;
        images[7] = 2;
        images[11] = 2;
        images[15] = 2;
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), images);
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]);
        AssertError(["train", "--data", "mnist:" + dir.Path], 2, "2", "3");
    }

    [Fact]
    public void Missing_data_directory() => AssertError(["train", "--data", "mnist:/no/such/dir"], 2, "/no/such/dir");

    [Fact]
    public void Training_that_diverges_names_the_step_and_layer_and_writes_no_file()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("train", "--algo", "zil", "--lr", "1e6", "--act", "identity", "--arch", "64,16,10", "--save", dir.File("out.npz"));
        Assert.Equal(3, r.Code);
        Assert.Matches("step [0-9]+", r.Err);
        Assert.Matches("(ε|μ)\\^[0-9]", r.Err); // the PC error or, when it overflows first, the prediction
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Bp_training_that_diverges_names_the_layer()
    {
        var r = CliRunner.Run("train", "--algo", "bp", "--lr", "1e6", "--act", "identity", "--arch", "64,16,10");
        Assert.Equal(3, r.Code);
        Assert.Matches("step [0-9]+", r.Err);
        Assert.Contains("δ^", r.Err);
    }

    [Fact]
    public void Output_path_in_a_missing_directory_is_refused_before_training()
    {
        var r = CliRunner.Run("train", "--steps", "1", "--save", "/no/such/dir/out.npz");
        Assert.Equal(2, r.Code);
        Assert.Contains("/no/such/dir", r.Err);
        Assert.DoesNotContain("epoch", r.Out);
    }

    [Fact]
    public void Output_path_that_is_a_directory_is_refused()
    {
        using TempDirectory dir = new();
        AssertError(["train", "--steps", "1", "--save", dir.Path], 2, dir.Path, "directory");
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var r = CliRunner.Run("train", "--no-such-option");
        Assert.NotEqual(0, r.Code);
    }

    private static void WriteNpz(string path, params (string Key, int[] Shape, double[] Data)[] arrays) =>
        WriteNpzTyped(path, arrays.ToDictionary(a => a.Key, a => new NpyArray(a.Shape, a.Data, NpyDType.Float64)));

    private static void WriteNpzTyped(string path, Dictionary<string, NpyArray> arrays)
    {
        // Written entry by entry so that values the engine would refuse to write (NaN, ∞) still reach the file.
        using FileStream fs = File.Create(path);
        using ZipArchive zip = new(fs, ZipArchiveMode.Create);
        foreach ((string key, NpyArray a) in arrays)
        {
            using Stream s = zip.CreateEntry(key + ".npy").Open();
            Npy.Write(s, a, a.DType);
        }
    }
}
