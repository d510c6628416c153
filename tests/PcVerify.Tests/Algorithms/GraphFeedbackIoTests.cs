using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Tests.Cli;
using PcVerify.Tests.Data;
using PcVerify.Tests.Graph;

namespace PcVerify.Tests.Algorithms;

/// <summary>
/// A graph's own feedback B saved beside its parameters and read back by <c>--init</c> (docs/decisions.md "Graph
/// feedback in NPZ"). Oracles: the slots' keys and shapes worked out by hand from examples/cnn-digits.json; B read
/// back bit for bit; and training resumed from a saved file equals the uninterrupted run bit for bit (every step uses
/// the whole data set, so the two runs see the same batches), with a control showing that Kolen–Pollack's B, which
/// moves during training, must come from the file for that to hold.
/// </summary>
public class GraphFeedbackIoTests
{
    private static CompiledGraph Cnn() => CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("cnn-digits.json")));

    [Fact]
    public void Slots_are_the_weights_shapes_for_random_and_kp_and_output_by_vertex_size_for_direct()
    {
        // cnn-digits: x 1×8×8 → conv1 (4 channels, 3×3, padding 1: 4×8×8) → pool1 (4×4×4) → flat (64) → fc (10).
        CompiledGraph g = Cnn();
        foreach (FeedbackKind kind in new[] { FeedbackKind.Random, FeedbackKind.KolenPollack })
        {
            Assert.Equal(
                [("feedback.conv1.weight", "4×1×3×3"), ("feedback.fc.weight", "10×64")],
                GraphFeedback<double>.Slots(g, kind).Select(s => (s.Key, string.Join("×", s.Shape))).Order());
        }

        Assert.Equal(
            [("feedback.conv1", "10×256"), ("feedback.flat", "10×64"), ("feedback.pool1", "10×64")],
            GraphFeedback<double>.Slots(g, FeedbackKind.Direct).Select(s => (s.Key, string.Join("×", s.Shape))).Order());
        Assert.Empty(GraphFeedback<double>.Slots(g, FeedbackKind.Symmetric));
        Assert.Empty(GraphFeedback<double>.Slots(g, FeedbackKind.Sign));
    }

    [Theory]
    [InlineData(FeedbackKind.Random)]
    [InlineData(FeedbackKind.KolenPollack)]
    [InlineData(FeedbackKind.Direct)]
    public void B_saved_beside_the_parameters_reads_back_bit_for_bit(FeedbackKind kind)
    {
        using TempDirectory dir = new();
        CompiledGraph g = Cnn();
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        GraphFeedback<double> b = GraphFeedback<double>.Create(g, kind, 7);
        GraphParameterIo.Save(dir.File("p.npz"), p, NpyDType.Float64, b.ToArrays(NpyDType.Float64));

        GraphParameters<double> q = GraphParameterIo.Load<double>(dir.File("p.npz"), g, out IReadOnlyDictionary<string, NpyArray> arrays);
        GraphFeedback<double> back = GraphFeedback<double>.FromArrays(g, kind, arrays, "p.npz");
        foreach (ParameterSlot slot in g.ParameterSlots)
        {
            DataAssert.BitIdentical(p[slot], q[slot]);
        }

        foreach ((string key, int v, _) in GraphFeedback<double>.Slots(g, kind))
        {
            double[] expected = kind == FeedbackKind.Direct ? b.Direct(v) : b.Weight(p, v);
            double[] actual = kind == FeedbackKind.Direct ? back.Direct(v) : back.Weight(q, v);
            Assert.True(expected.Length > 0, key);
            DataAssert.BitIdentical(expected, actual);
        }

        // The plain overload refuses the feedback keys: they are not parameters.
        var e = Assert.Throws<InvalidInputException>(() => GraphParameterIo.Load<double>(dir.File("p.npz"), g));
        Assert.Contains("'feedback.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kp")]
    [InlineData("direct")]
    [InlineData("random")]
    public void Training_resumed_from_a_saved_file_equals_the_uninterrupted_run_bit_for_bit(string feedback)
    {
        using TempDirectory dir = new();
        string data = Data(dir), graph = GraphJsonTests.Example("cnn-digits.json");
        string algo = feedback == "direct" ? "bp" : "zil";
        string[] common = ["train", "--algo", algo, "--graph", graph, "--data", data, "--batch", "8", "--lr", "0.05", "--feedback", feedback];
        Run([.. common, "--steps", "4", "--save", dir.File("full.npz")]);
        Run([.. common, "--steps", "2", "--save", dir.File("half.npz")]);
        Run([.. common, "--steps", "2", "--init", dir.File("half.npz"), "--save", dir.File("resumed.npz")]);

        IReadOnlyDictionary<string, NpyArray> full = Npz.Read(dir.File("full.npz")), resumed = Npz.Read(dir.File("resumed.npz"));
        Assert.Equal(full.Keys.Order(StringComparer.Ordinal), resumed.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(full.Keys, k => k.StartsWith(GraphParameterIo.FeedbackPrefix, StringComparison.Ordinal));
        foreach (string key in full.Keys)
        {
            DataAssert.BitIdentical(full[key].Data, resumed[key].Data);
        }

        if (feedback == "kp")
        {
            // Control: without the saved B the resumed run starts from the seed's initial B, not the one two steps of
            // Kolen–Pollack moved, and leaves the uninterrupted run.
            Dictionary<string, NpyArray> stripped = Npz.Read(dir.File("half.npz"))
                .Where(kv => !kv.Key.StartsWith(GraphParameterIo.FeedbackPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            Npz.Write(dir.File("stripped.npz"), stripped, NpyDType.Float64);
            Run([.. common, "--steps", "2", "--init", dir.File("stripped.npz"), "--save", dir.File("wrong.npz")]);
            double[] a = full["fc.weight"].Data, w = Npz.Read(dir.File("wrong.npz"))["fc.weight"].Data;
            Assert.True(a.Zip(w, (x, y) => Math.Abs(x - y)).Max() > 1e-9, "resuming without the moved B should leave the uninterrupted run");
        }
    }

    public static TheoryData<string, string, string[]> Refusals => new()
    {
        // A file with kp's B read with feedback that keeps no B of its own, or another kind's.
        { "kp", "symmetric", ["'feedback.conv1.weight' (feedback B)", "only --feedback random, kp or direct", "found --feedback symmetric"] },
        { "kp", "sign", ["only --feedback random, kp or direct", "found --feedback sign"] },
        { "kp", "direct", ["key 'feedback.conv1.weight' is not feedback of the graph for --feedback direct"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_saved_b_that_does_not_fit_the_requested_feedback_is_refused_in_one_line(string saved, string requested, string[] expected)
    {
        using TempDirectory dir = new();
        string data = Data(dir), graph = GraphJsonTests.Example("cnn-digits.json");
        Run(["train", "--algo", "zil", "--graph", graph, "--data", data, "--batch", "8", "--steps", "1", "--feedback", saved, "--save", dir.File("a.npz")]);
        var r = CliRunner.Run("train", "--algo", "bp", "--graph", graph, "--data", data, "--batch", "8", "--steps", "1", "--feedback", requested, "--init", dir.File("a.npz"));
        Assert.Equal(2, r.Code);
        Assert.Single(r.Err.Trim().Split('\n'));
        foreach (string e in expected)
        {
            Assert.Contains(e, r.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_or_misshapen_b_and_init_scheme_beside_a_saved_b_are_refused_in_one_line()
    {
        using TempDirectory dir = new();
        string data = Data(dir), graph = GraphJsonTests.Example("cnn-digits.json");
        Run(["train", "--algo", "zil", "--graph", graph, "--data", data, "--batch", "8", "--steps", "1", "--feedback", "random", "--save", dir.File("a.npz")]);
        Dictionary<string, NpyArray> arrays = new(Npz.Read(dir.File("a.npz")));

        arrays.Remove("feedback.fc.weight");
        Npz.Write(dir.File("missing.npz"), arrays, NpyDType.Float64);
        Refused(["--init", dir.File("missing.npz")], "feedback key 'feedback.fc.weight' (shape (10, 64)) not found; a file holds all of B or none");

        arrays["feedback.fc.weight"] = new NpyArray([64, 10], new double[640], NpyDType.Float64);
        Npz.Write(dir.File("transposed.npz"), arrays, NpyDType.Float64);
        Refused(["--init", dir.File("transposed.npz")], "key 'feedback.fc.weight' has shape (64, 10), expected (10, 64) (vertex 'fc')");

        Refused(["--init", dir.File("a.npz"), "--init-scheme", "xavier"], "--init-scheme would draw feedback B");

        void Refused(string[] extra, string expected)
        {
            var r = CliRunner.Run(["train", "--algo", "zil", "--graph", graph, "--data", data, "--batch", "8", "--steps", "1", "--feedback", "random", .. extra]);
            Assert.Equal(2, r.Code);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.Contains(expected, r.Err, StringComparison.Ordinal);
        }
    }

    /// <summary>Eight pairs of 64 inputs and 10 one-hot targets: with <c>--batch 8</c> every step uses all of them.</summary>
    private static string Data(TempDirectory dir)
    {
        string path = dir.File("data.npz");
        NpzDataSet.Save(path, Synthetic.Classification(8, 64, 10, 5), NpyDType.Float64);
        return "npz:" + path;
    }

    private static void Run(string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.Code == 0, r.Err);
    }
}
