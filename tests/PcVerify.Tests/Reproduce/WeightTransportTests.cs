using PcVerify.Cli.Reporting;
using PcVerify.Cli.Reproduce;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Reproduce;

/// <summary>The weight-transport study and its report section (issue 13 item 4).</summary>
public class WeightTransportTests
{
    [Fact]
    public void One_epoch_on_the_digits_runs_every_method_and_the_section_holds_every_claim_with_its_files()
    {
        DataSplit data = DataSources.Load("digits", 1);
        ReproductionSetup setup = new() { Spec = NetworkSpec.FromInputToOutput([64, 32, 16, 10], [Activation.Tanh], false), Data = data, Epochs = 1 };
        IReadOnlyList<TransportRun> runs = WeightTransport.Run(setup);
        Assert.Equal(WeightTransport.Methods.Count + 1, runs.Count);
        Assert.Equal(0, runs[0].FromExact); // exact BP against itself
        Assert.All(runs.Where(r => r.Algorithm == Algorithm.ZIL), r => Assert.True(r.FromSameFeedback <= 1e-10, $"{r.Label}: {r.FromSameFeedback}"));
        Assert.All(runs.Where(r => r.Feedback != FeedbackKind.Symmetric && r.Algorithm == Algorithm.BP), r => Assert.True(r.FromExact > 1e-3, $"{r.Label}: {r.FromExact}"));

        using TempDirectory dir = new();
        Report report = new("t");
        IReadOnlyList<Claim> claims = WeightTransportSection.Write(report, dir.Path, runs, 10, 1);
        Assert.All(claims, c => Assert.True(c.Holds, c.Statement + ": " + c.Evidence));
        foreach (string f in new[] { "weight-transport.csv", "weight-transport.json", "weight-transport-alignment.png", "weight-transport-test-error.png" })
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, f)), f);
        }

        Assert.Contains("Weight transport: errors sent back without θᵀ", report.ToMarkdown());
    }

    [Fact]
    public void Each_verdict_fails_when_its_condition_is_broken()
    {
        static TransportPoint P(double err, double angle) => new(1, err, [new LayerAlignment(1, angle, 100, 0)]);
        List<TransportRun> Runs(double zilFromBpB, double kpLast, double faError) =>
        [
            new(FeedbackKind.Symmetric, Algorithm.BP, 0, [P(0.1, 0)], 0, double.NaN),
            new(FeedbackKind.Random, Algorithm.BP, 0, [P(0.5, 90), P(faError, 80)], 300, double.NaN),
            new(FeedbackKind.Random, Algorithm.ZIL, 0, [P(faError, 80)], 300, zilFromBpB),
            new(FeedbackKind.KolenPollack, Algorithm.BP, 0.1, [P(0.5, 90), P(0.2, kpLast)], 100, double.NaN),
        ];
        Assert.All(WeightTransportSection.Evaluate(Runs(1e-13, 60, 0.25), 10), c => Assert.True(c.Holds, c.Statement));
        Assert.False(WeightTransportSection.Evaluate(Runs(1e-6, 60, 0.25), 10)[0].Holds);
        Assert.False(WeightTransportSection.Evaluate(Runs(1e-13, 91, 0.25), 10)[1].Holds);
        Assert.False(WeightTransportSection.Evaluate(Runs(1e-13, 60, 0.85), 10)[2].Holds);
    }
}
