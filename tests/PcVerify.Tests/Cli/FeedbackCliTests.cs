using System.Globalization;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Cli;

/// <summary>--feedback and --weight-decay on the command line (docs/math.md §12; issue 13's done-criterion).</summary>
public class FeedbackCliTests
{
    [Fact]
    public void Compare_with_random_feedback_reports_zil_against_exact_bp_and_against_bp_with_the_same_feedback()
    {
        var r = CliRunner.Run("compare", "--feedback", "random", "--algos", "zil", "--steps", "200");
        Assert.True(r.Code == 0, r.Err);
        string[] lines = r.Out.Split('\n');
        Assert.Contains("feedback: random (B seeded by 1), weight decay λ 0", r.Out);

        // The first table is against exact BP, the second against BP with the same B (docs/findings.md "Weight
        // transport"): Z-IL with B equals BP with B to float64 rounding (≤ 1e-9 summed over ~2,400 weights after 200
        // steps), and differs from exact BP by the order of the updates themselves (> 1e-2 summed).
        int second = Array.FindIndex(lines, l => l.StartsWith("Divergence from bp+random", StringComparison.Ordinal));
        Assert.True(second > 0, r.Out);
        double vsExact = WeightsColumn(lines.Take(second).Last(l => l.StartsWith("zil ", StringComparison.Ordinal)));
        double vsSame = WeightsColumn(lines.Skip(second).First(l => l.StartsWith("zil ", StringComparison.Ordinal)));
        Assert.True(vsSame < 1e-9, $"Z-IL vs BP with the same B: {vsSame}");
        Assert.True(vsExact > 1e-2, $"Z-IL vs exact BP: {vsExact}");
        Assert.Contains("Alignment:", r.Out);
    }

    [Fact]
    public void Compare_on_a_graph_with_sign_feedback_reports_zil_on_bp_with_the_same_b_and_off_exact_bp()
    {
        // A graph file takes the one compare path a chain takes: the first table against exact BP, the second against BP
        // with the same B, then the alignment per hidden vertex (named; the MLP example's hidden vertices are h1 and h2).
        var r = CliRunner.Run("compare", "--graph", Graph.GraphJsonTests.Example("mlp.json"), "--feedback", "sign", "--algos", "zil", "--steps", "200");
        Assert.True(r.Code == 0, r.Err);
        string[] lines = r.Out.Split('\n');
        int second = Array.FindIndex(lines, l => l.StartsWith("Divergence from bp+sign", StringComparison.Ordinal));
        Assert.True(second > 0, r.Out);

        // Same bounds as the layered test above: rounding only against BP with B, the order of the updates against exact BP.
        double vsExact = WeightsColumn(lines.Take(second).Last(l => l.StartsWith("zil ", StringComparison.Ordinal)));
        double vsSame = WeightsColumn(lines.Skip(second).First(l => l.StartsWith("zil ", StringComparison.Ordinal)));
        Assert.True(vsSame < 1e-9, $"graph Z-IL vs BP with the same B: {vsSame}");
        Assert.True(vsExact > 1e-2, $"graph Z-IL vs exact BP: {vsExact}");
        string zil = lines.Single(l => l.StartsWith("  zil ", StringComparison.Ordinal));
        string bp = lines.Single(l => l.StartsWith("  bp+sign ", StringComparison.Ordinal));

        // Z-IL's ε_v at t = d(v) is BP-with-B's δ_v (Thm 3.1 with B in place of θᵀ), so their angles to exact δ agree.
        Assert.Equal(bp[14..], zil[14..]);
        Assert.Contains("δ[", zil, StringComparison.Ordinal);
    }

    [Fact]
    public void Direct_feedback_trains_bp_on_a_graph_file_and_saves_it_with_its_b_under_the_vertex_keys()
    {
        using TempDirectory dir = new();
        var r = CliRunner.Run("train", "--algo", "bp", "--graph", Graph.GraphJsonTests.Example("mlp.json"), "--feedback", "direct", "--steps", "20", "--save", dir.File("p.npz"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("feedback: direct (B seeded by 1)", r.Out, StringComparison.Ordinal);
        // B_v of the hidden vertices h1, h2 (docs/decisions.md "Graph feedback in NPZ"), beside the parameters.
        Assert.Equal(
            ["feedback.h1", "feedback.h2", "h1.bias", "h1.weight", "h2.bias", "h2.weight", "out.bias", "out.weight"],
            Npz.Read(dir.File("p.npz")).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Symmetric_runs_print_no_feedback_line()
    {
        var r = CliRunner.Run("train", "--algo", "zil", "--steps", "2");
        Assert.True(r.Code == 0, r.Err);
        Assert.DoesNotContain("feedback:", r.Out);
    }

    [Theory]
    [InlineData("train --algo zil --feedback direct --steps 1", "--feedback direct (DFA) is defined for bp only")]
    [InlineData("compare --algos il --feedback direct --steps 1", "--feedback direct (DFA) is defined for bp only")]
    [InlineData("train --feedback mirror --steps 1", "--feedback 'mirror': expected symmetric, random, sign, kp or direct")]
    [InlineData("train --weight-decay -1 --steps 1", "--weight-decay -1: λ must be finite and ≥ 0")]
    [InlineData("train --algo zil --graph any.json --feedback direct --steps 1", "--feedback direct (DFA) is defined for bp only")]
    public void Bad_feedback_options_get_a_one_line_error(string args, string message)
    {
        var r = CliRunner.Run(args.Split(' '));
        Assert.Equal(2, r.Code);
        Assert.Contains(message, r.Err);
    }

    [Fact]
    public void Saved_feedback_is_read_back_with_init_only_when_the_feedback_uses_it()
    {
        using TempDirectory dir = new();
        var save = CliRunner.Run("train", "--algo", "bp", "--feedback", "kp", "--steps", "3", "--save", dir.File("kp.npz"));
        Assert.True(save.Code == 0, save.Err);
        NetworkSpec spec = TestNets.Spec("64,64,32,10", "tanh", false);
        ParameterIo.Load<double>(dir.File("kp.npz"), spec, FeedbackKind.KolenPollack, out double[]?[]? b);
        Assert.NotNull(b);
        var again = CliRunner.Run("train", "--algo", "zil", "--feedback", "kp", "--init", dir.File("kp.npz"), "--steps", "1");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("(B from --init)", again.Out);
        var refused = CliRunner.Run("train", "--algo", "zil", "--init", dir.File("kp.npz"), "--steps", "1");
        Assert.Equal(2, refused.Code);
        Assert.Contains("'feedback1', which only --feedback random, kp or direct uses", refused.Err);
    }

    private static double WeightsColumn(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
