using System.Text.RegularExpressions;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Cli;

/// <summary>
/// A layered net from <c>--arch</c> runs on the graph learners as its chain (docs/decisions.md "One training path"). Two
/// oracles say that nothing a user sees moved: the outputs the layered engine printed before the move (commit 7a5be2f,
/// kept in <c>Cli/Fixtures</c>; only the engine line and the measured times are masked), and the layered learners
/// themselves, trained step by step on the same pairs, whose parameters <c>train --save</c> must reproduce bit for bit.
/// </summary>
public partial class ChainOnGraphTests
{
    [Theory]
    [InlineData("compare_default", "compare --steps 200 --bias --batch 3")]
    [InlineData("compare_sign", "compare --feedback sign --algos zil --steps 150 --bias")]
    [InlineData("compare_ce", "compare --algos zil,fazil,il --loss ce --steps 100 --bias")]
    [InlineData("train_il", "train --algo il --T 5 --gamma 0.3 --steps 100 --bias")]
    [InlineData("compare_random", "compare --feedback random --algos zil,fazil,il --steps 150")]
    [InlineData("compare_kp", "compare --feedback kp --weight-decay 0.1 --algos zil --steps 150")]
    public void A_chain_prints_what_the_layered_engine_printed(string fixture, string args)
    {
        var r = CliRunner.Run(args.Split(' '));
        Assert.True(r.Code == 0, r.Err);
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures", fixture + ".txt"));
        Assert.Equal(expected, Mask(r.Out));
    }

    [Theory]
    [InlineData("bp", "tanh", 1)]
    [InlineData("zil", "tanh", 3)]
    [InlineData("fazil", "relu", 2)]
    [InlineData("il", "logistic", 1)]
    public void Train_save_on_a_chain_is_the_layered_learner_bit_for_bit(string algorithm, string act, int batch)
    {
        using TempDirectory dir = new();
        const int steps = 40;
        var r = CliRunner.Run("train", "--algo", algorithm, "--arch", "64,20,12,10", "--act", act, "--bias", "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--lr", "0.05", "--save", dir.File("p.npz"));
        Assert.True(r.Code == 0, r.Err);

        // The oracle: the layered learner on the same start (--init-scheme he, --seed 1) and the same pairs in file order.
        NetworkSpec spec = NetworkSpec.FromInputToOutput([64, 20, 12, 10], [Activation.Parse(act)], bias: true);
        Parameters<double> p = Initialisation<double>.Create(spec, InitScheme.HeNormal, 1);
        ILearner<double> learner = new LearnerOptions { Algorithm = LearnerOptions.ParseAlgorithm(algorithm), Alpha = 0.05, NoiseSeed = 1 }.Create<double>(spec, batch);
        DataSet train = DataSources.Load("digits", 1).Train;
        int position = 0;
        for (int step = 0; step < steps; step++)
        {
            if (position >= train.Count)
            {
                position = 0;
            }

            int b = Math.Min(batch, train.Count - position);
            learner.Step(p, train.Inputs.AsSpan(position * 64, b * 64), train.Targets.AsSpan(position * 10, b * 10), b);
            position += b;
        }

        Parameters<double> saved = ParameterIo.Load<double>(dir.File("p.npz"), spec);
        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(p.Theta[l].Data, saved.Theta[l].Data, $"{algorithm}: θ^{l} (train --save vs the layered learner)");
            Tolerance.Exact.Assert<double>(p.Beta[l], saved.Beta[l], $"{algorithm}: β^{l} (train --save vs the layered learner)");
        }
    }

    [Fact]
    public void A_negative_control_a_different_run_does_not_match_the_fixture()
    {
        // The comparison above can fail: one more step changes the printed numbers.
        var r = CliRunner.Run("train", "--algo", "il", "--T", "5", "--gamma", "0.3", "--steps", "101", "--bias");
        Assert.True(r.Code == 0, r.Err);
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures", "train_il.txt"));
        Assert.NotEqual(expected, Mask(r.Out));
    }

    /// <summary>The output without the engine line (version, machine) and with measured times as "T s".</summary>
    private static string Mask(string output)
    {
        string[] lines = [.. output.Split('\n').Where(l => !l.StartsWith("engine:", StringComparison.Ordinal))];
        return string.Join('\n', lines.Select(l => TrainedTime().Replace(TrainingTime().Replace(l, "training time T s"), ", T s")));
    }

    [GeneratedRegex(", [0-9]+\\.[0-9]+ s$")]
    private static partial Regex TrainedTime();

    [GeneratedRegex("training time [0-9]+\\.[0-9]+ s")]
    private static partial Regex TrainingTime();
}
