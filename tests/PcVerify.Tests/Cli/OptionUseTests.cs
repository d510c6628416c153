namespace PcVerify.Tests.Cli;

/// <summary>
/// Issue 9, item 6: an option that nothing in the run uses is refused with one line and exit code 2, never ignored —
/// each option against each algorithm of train and compare (BP always runs in compare, so an option is valid there when
/// any compared algorithm uses it), options that replace another's value, and the same on a graph file. Every refusal
/// has a negative control: the same option where something uses it runs.
/// </summary>
public class OptionUseTests
{
    /// <summary>Options used only by some algorithms: (option, value or "" for a flag, the algorithms that use it).</summary>
    public static TheoryData<string, string, string> ByAlgorithm => new()
    {
        { "--sigma", "0.01", "il,zil,fazil" },
        { "--gamma", "0.5", "il,zil,fazil" },
        { "--gamma-correction", "", "il,zil,fazil" },
        { "--tc", "2", "il" },
        { "--T", "3", "il" },
        { "--schedule", "0,1,2", "il" },
        { "--sync", "", "zil" },
        { "--moments", "2", "fazil" },
    };

    [Theory]
    [MemberData(nameof(ByAlgorithm))]
    public void Train_refuses_an_option_its_algorithm_does_not_use_and_runs_it_with_one_that_does(string option, string value, string users)
    {
        foreach (string algorithm in new[] { "bp", "il", "zil", "fazil" })
        {
            var r = CliRunner.Run(Args(["train", "--algo", algorithm], option, value));
            if (users.Split(',').Contains(algorithm))
            {
                Assert.True(r.Code == 0, $"train --algo {algorithm} {option}: {r.Err}");
                continue;
            }

            AssertOneLine(r, 2, $"{option} is used only by");
        }
    }

    [Theory]
    [MemberData(nameof(ByAlgorithm))]
    public void Compare_refuses_an_option_no_compared_algorithm_uses(string option, string value, string users)
    {
        foreach (string algorithm in new[] { "il", "zil", "fazil" })
        {
            var r = CliRunner.Run(Args(["compare", "--algos", algorithm], option, value));
            if (users.Split(',').Contains(algorithm))
            {
                Assert.True(r.Code == 0, $"compare --algos {algorithm} {option}: {r.Err}");
                continue;
            }

            AssertOneLine(r, 2, $"{option} is used only by");
        }
    }

    [Theory]
    [InlineData("--steps 2 --epochs 1", "--steps and --epochs were both given")]
    [InlineData("--algo il --schedule 0,1,2 --tc 1", "--schedule and --tc were both given")]
    [InlineData("--algo il --schedule 0,1,2 --T 3", "--schedule and --T were both given")]
    [InlineData("--algo il --tc 1 --T 3", "--tc and --T were both given")]
    public void Train_refuses_an_option_whose_value_another_replaces(string args, string message)
    {
        var r = CliRunner.Run(["train", .. args.Split(' ')]);
        AssertOneLine(r, 2, message);
    }

    [Fact]
    public void Init_scheme_with_init_is_refused_unless_it_draws_feedback()
    {
        using TempDirectory dir = new();
        var save = CliRunner.Run("train", "--algo", "bp", "--steps", "1", "--save", dir.File("p.npz"));
        Assert.True(save.Code == 0, save.Err);
        AssertOneLine(CliRunner.Run("train", "--init", dir.File("p.npz"), "--init-scheme", "xavier", "--steps", "1"), 2, "--init-scheme draws the initial parameters, which --init gives");

        // Negative control: with random feedback and no feedback{l} in the file, --init-scheme draws B.
        var used = CliRunner.Run("train", "--init", dir.File("p.npz"), "--init-scheme", "xavier", "--feedback", "random", "--steps", "1");
        Assert.True(used.Code == 0, used.Err);

        // With feedback{l} in the file, B comes from there and --init-scheme would draw nothing.
        var kp = CliRunner.Run("train", "--feedback", "kp", "--steps", "1", "--save", dir.File("kp.npz"));
        Assert.True(kp.Code == 0, kp.Err);
        AssertOneLine(CliRunner.Run("train", "--init", dir.File("kp.npz"), "--feedback", "kp", "--init-scheme", "xavier", "--steps", "1"), 2, "holds feedback1..feedback2, which are used instead");
    }

    [Theory]
    [InlineData("--sync", "", "--sync is used only by")]
    [InlineData("--moments", "2", "--moments is used only by")]
    [InlineData("--epochs", "1", "--steps and --epochs were both given")]
    public void A_graph_file_takes_the_same_checks(string option, string value, string message)
    {
        var r = CliRunner.Run(Args(["train", "--algo", "il", "--graph", Graph.GraphJsonTests.Example("mlp.json")], option, value));
        AssertOneLine(r, 2, message);
    }

    private static string[] Args(string[] head, string option, string value) =>
        value.Length == 0 ? [.. head, option, "--steps", "2"] : [.. head, option, value, "--steps", "2"];

    private static void AssertOneLine((int Code, string Out, string Err) r, int code, string message)
    {
        Assert.True(r.Code == code, $"exit {r.Code}, expected {code}\n{r.Out}\n{r.Err}");
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
    }
}
