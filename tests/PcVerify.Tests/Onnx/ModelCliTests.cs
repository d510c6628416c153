using System.Globalization;
using PcVerify.Engine.Data;
using PcVerify.Engine.Onnx;
using PcVerify.Tests.Cli;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// <c>train</c>/<c>compare --model</c> (issue 11's command-line contract) on the shared PyTorch models, with PyTorch's
/// own SGD numbers (NAME.ref.npz, which also serves as the data file: its inputs keep the image shape) as the oracle.
/// </summary>
public class ModelCliTests
{
    private static double Column(string output, string algorithm, int column) =>
        double.Parse(output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).First(c => c.Length > 3 && c[0] == algorithm)[column], CultureInfo.InvariantCulture);

    [Fact]
    public void Compare_model_resnet_levelled_shows_ZIL_equal_to_BP_and_unlevelled_a_divergence()
    {
        if (SharedModels.Directory() is not { } dir)
        {
            return;
        }

        string[] args = ["compare", "--model", Path.Combine(dir, "resnet.onnx"), "--loss", "ce", "--data", "npz:" + Path.Combine(dir, "resnet.ref.npz"),
            "--algos", "zil", "--batch", "4", "--steps", "5", "--lr", "0.05"];
        (int code, string levelled, string error) = CliRunner.Run([.. args, "--level"]);
        Assert.True(code == 0, error);
        Assert.Contains("levelled: yes", levelled, StringComparison.Ordinal);
        Assert.True(Column(levelled, "zil", 3) <= 1e-12, levelled); // max |θ − w| after 5 steps: float64 rounding only

        (code, string unlevelled, error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        Assert.Contains("levelled: NO", unlevelled, StringComparison.Ordinal);
        Assert.True(Column(unlevelled, "zil-sync", 3) > 1e-3, unlevelled); // the negative control
    }

    [Fact]
    public void Train_model_saves_PyTorchs_parameters_as_npz_and_the_trained_model_as_onnx()
    {
        if (SharedModels.Load("cnn") is not { } loaded)
        {
            return;
        }

        using var tmp = new TempDirectory();
        string dir = SharedModels.Directory()!, npz = tmp.File("trained.npz"), onnx = tmp.File("trained.onnx");
        (int code, string output, string error) = CliRunner.Run("train", "--model", Path.Combine(dir, "cnn.onnx"), "--loss", "se", "--algo", "bp",
            "--data", "npz:" + Path.Combine(dir, "cnn.ref.npz"), "--batch", "4", "--steps", "5", "--lr", "0.05", "--save", npz, "--save-model", onnx);
        Assert.True(code == 0, error);
        Assert.Contains("initial parameters: the initializers of", output, StringComparison.Ordinal);

        // --save: every initializer under its ONNX name, as ONNX holds it, equal to PyTorch's after 5 steps
        // (float64; bound as in PyTorchReferenceTests).
        IReadOnlyDictionary<string, NpyArray> saved = Npz.Read(npz);
        Assert.Equal(loaded.Model.Initializers.Keys.Order(StringComparer.Ordinal), saved.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, NpyArray value) in saved)
        {
            NpyArray expected = loaded.Ref[$"after_se_5.{key}"];
            Assert.Equal(expected.Shape, value.Shape);
            DataAssert.Close(expected.Data, value.Data, 1e-14, 1e-12, $"'{key}' after 5 BP steps vs PyTorch autograd (float64 summation order)");
        }

        // --save-model: the same graph holding those values rounded to float32, which ONNX Runtime runs.
        OnnxModel back = OnnxImporter.Load(onnx);
        Assert.Equal(loaded.Model.Graph.Vertices.Select(OnnxRuntimeOracleTests.Describe), back.Graph.Vertices.Select(OnnxRuntimeOracleTests.Describe));
        foreach ((string key, NpyArray value) in saved)
        {
            DataAssert.BitIdentical(value.Data.Select(v => (double)(float)v).ToArray(), back.Initializers[key].Data);
        }

        NpyArray x = loaded.Ref["inputs"];
        double[] ort = Ort.Run(File.ReadAllBytes(onnx), x);
        double[] engine = OnnxRuntimeOracleTests.EngineForward<double>(back.Graph, back.Initializers, x.Data, x.Shape[0]);
        var bound = OnnxRuntimeOracleTests.Float32Forward;
        DataAssert.Close(engine, ort, bound.Abs, bound.Rel, bound.Reason);
    }

    [Fact]
    public void Init_keyed_by_onnx_names_resumes_training_one_step_then_four_equal_PyTorchs_five()
    {
        if (SharedModels.Load("mlp") is not { } loaded)
        {
            return;
        }

        using var tmp = new TempDirectory();
        string dir = SharedModels.Directory()!, model = Path.Combine(dir, "mlp.onnx"), data = "npz:" + Path.Combine(dir, "mlp.ref.npz");
        string[] common = ["train", "--model", model, "--loss", "ce", "--algo", "zil", "--data", data, "--batch", "4", "--lr", "0.05"];
        var first = CliRunner.Run([.. common, "--steps", "1", "--save", tmp.File("one.npz")]);
        Assert.True(first.Code == 0, first.Err);
        var rest = CliRunner.Run([.. common, "--steps", "4", "--init", tmp.File("one.npz"), "--save", tmp.File("five.npz")]);
        Assert.True(rest.Code == 0, rest.Err);
        foreach ((string key, NpyArray value) in Npz.Read(tmp.File("five.npz")))
        {
            DataAssert.Close(loaded.Ref[$"after_ce_5.{key}"].Data, value.Data, 1e-14, 1e-12, $"'{key}': 1 + 4 Z-IL steps vs PyTorch's 5 BP steps (float64 summation order)");
        }
    }

    [Fact]
    public void A_model_ending_in_softmax_needs_loss_ce()
    {
        using var tmp = new TempDirectory();
        string model = tmp.File("softmax.onnx"), data = tmp.File("data.npz");
        File.WriteAllBytes(model, OnnxModels.WithTrailingSoftmax("Softmax"));
        Npz.Write(data, new Dictionary<string, NpyArray>
        {
            ["inputs"] = new([3, 4], [.. Enumerable.Range(0, 12).Select(i => i / 12.0)]),
            ["targets"] = new([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
        }, NpyDType.Float64);

        var se = CliRunner.Run("train", "--model", model, "--data", "npz:" + data, "--algo", "bp", "--steps", "1");
        Assert.Equal(2, se.Code);
        Assert.Contains("ends in Softmax, which belongs to the loss and was removed: train it with --loss ce (found --loss se)", se.Err, StringComparison.Ordinal);

        var ce = CliRunner.Run("train", "--model", model, "--data", "npz:" + data, "--algo", "zil", "--steps", "1", "--loss", "ce");
        Assert.True(ce.Code == 0, ce.Err);
        Assert.Contains("note: removed the trailing Softmax", ce.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--arch", "4,3", "--model and --arch exclude each other")]
    [InlineData("--init-scheme", "xavier", "--init-scheme does not apply to --model")]
    public void Model_with_a_conflicting_option_is_refused(string option, string value, string expected)
    {
        using var tmp = new TempDirectory();
        string model = tmp.File("m.onnx");
        File.WriteAllBytes(model, OnnxModels.Linear(20, 10).Bytes());
        var r = CliRunner.Run("train", "--model", model, option, value, "--steps", "1");
        Assert.Equal(2, r.Code);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_operator_exits_2_with_one_line_and_writes_nothing()
    {
        using var tmp = new TempDirectory();
        var m = new OnnxModels().Input("x", 20).Output("y", 10);
        m.Node("Gemm", ["x", m.Init("W", 10, 20), m.Init("b", 10)], "z", OnnxModels.Int("transB", 1));
        m.Node("Erf", ["z"], "y");
        string model = tmp.File("erf.onnx");
        File.WriteAllBytes(model, m.Bytes());
        var r = CliRunner.Run("train", "--model", model, "--steps", "1", "--save", tmp.File("out.npz"), "--save-model", tmp.File("out.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Equal($"error: ONNX file '{model}': node 'y' (Erf, node 2 of 2): unsupported operator", r.Err.Split(" (supported:")[0]);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Equal(["erf.onnx"], tmp.Names());
    }

    [Fact]
    public void Save_model_without_model_is_refused()
    {
        using var tmp = new TempDirectory();
        var r = CliRunner.Run("train", "--arch", "64,10", "--steps", "1", "--save-model", tmp.File("x.onnx"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--save-model writes an ONNX model back and needs --model", r.Err, StringComparison.Ordinal);
        Assert.Empty(tmp.Names());
    }
}
