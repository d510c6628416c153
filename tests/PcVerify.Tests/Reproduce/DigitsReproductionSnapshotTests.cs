using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;
using Snapshooter.Xunit;
using static PcVerify.Tests.Reproduce.ReproductionSnapshotTests;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Reproduce;

/// <summary>
/// Pins the numbers of a small fixed reproduction on the embedded default data (the digits' 1,437/360 split, a
/// 64-32-16-10 tanh network, one epoch, two seeds): the σ table, the Fig. 3 grid and the training summary, written
/// as <see cref="ReproductionSnapshotTests"/> writes them (4 significant digits, values below 1e-9 as a class). The
/// synthetic fixture there keeps its own pins, so a drift in the engine shows on both data sets and a change of the
/// default data shows only here. The exactness facts are asserted from their oracle (docs/math.md §7), not from the pins.
/// </summary>
public class DigitsReproductionSnapshotTests
{
    private static readonly Lazy<ReproductionSetup> Setup = new(() =>
    {
        (DataSet train, DataSet test) = Digits.Default();
        return new ReproductionSetup
        {
            Spec = NetworkSpec.FromInputToOutput([64, 32, 16, 10], [Activation.Tanh], bias: false),
            Data = new DataSplit(train, test, "digits snapshot fixture"),
            Alpha = 0.01, Epochs = 1, GridEpochs = 1, EvaluationsPerEpoch = 2, Seed = 5, Seeds = 2,
            Gammas = [0.5, 1.0],
        };
    });

    [Fact]
    public void Sigma_table_on_digits_is_pinned()
    {
        IReadOnlyList<SigmaRow> rows = Reproduction.SigmaStudy(Setup.Value);

        SigmaRow zero = rows.Single(r => r.Sigma == 0);
        Assert.All(zero.Runs, r => Assert.InRange(r.WeightDivergence, 0, 1e-10));
        Assert.All(zero.Runs, r => Assert.Equal(0, r.TestErrorDivergencePp));
        Assert.All(zero.Runs, r => Assert.Equal(r.BpTestError, r.TestError));
        Assert.True(rows.Single(r => r.Sigma == 1).WeightDivergence.Mean > 1e-3, "σ = 1 must diverge (negative control)");

        Snapshot.Match(rows.Select(r => new
        {
            sigma = Sig(r.Sigma),
            testErrorDivergencePp = Sig(r.TestErrorDivergencePp.Mean),
            weightDivergence = Sig(r.WeightDivergence.Mean),
            weightDivergenceStd = Sig(r.WeightDivergence.Std),
            testError = Sig(r.TestError.Mean),
            diverged = r.Runs.Count(x => x.Diverged is not null),
        }).ToList());
    }

    [Fact]
    public void Fig3_grid_on_digits_is_pinned()
    {
        IReadOnlyList<GridCell> cells = Reproduction.ScheduleGammaGrid(Setup.Value);

        Assert.InRange(cells.Single(c => c.Gamma == 1.0 && c.Column.Tc is null).Run.WeightDivergence, 0, 1e-10);
        Assert.All(cells.Where(c => c.Column.Tc is not null), c => Assert.True(!(c.Run.WeightDivergence <= 1e-6), $"IL at {c.Column.Label}, γ {c.Gamma} matched BP (Σ|θ−w| = {c.Run.WeightDivergence:G17})"));

        Snapshot.Match(cells.Select(c => new
        {
            gamma = Sig(c.Gamma),
            schedule = c.Column.Label,
            testError = Sig(c.Run.TestError),
            testErrorDivergencePp = Sig(c.Run.TestErrorDivergencePp),
            weightDivergence = Sig(c.Run.WeightDivergence),
        }).ToList());
    }

    [Fact]
    public void Training_summary_on_digits_is_pinned()
    {
        IReadOnlyList<Curve> curves = Reproduction.TrainingCurves(Setup.Value);

        Curve bp = curves.Single(c => c.Algorithm == "bp");
        foreach (Curve c in curves.Where(c => c.Algorithm is "zil" or "fazil"))
        {
            Assert.Equal(bp.Checkpoints.Select(p => p.TestError), c.Checkpoints.Select(p => p.TestError));
        }

        Snapshot.Match(curves.Select(c => new
        {
            algorithm = c.Algorithm,
            checkpoints = c.Checkpoints.Select(p => $"step {p.Step}: loss {Sig(p.TestLoss)}, error {Sig(p.TestError)}").ToList(),
        }).ToList());
    }
}
