using System.Globalization;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;
using Snapshooter.Xunit;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Reproduce;

/// <summary>
/// Pins the numbers of a small fixed synthetic reproduction (seconds): the σ table, the Fig. 3 grid and the
/// training summary. Numbers are written with 4 significant digits so they hold across SIMD widths; values below
/// 1e-9 are pure rounding noise (the σ = 0 and Z-IL divergences, ~1e-13, which differ in their digits between
/// machines) and are pinned as the class "&lt;1e-9" instead. In CI (SNAPSHOOTER_STRICT_MODE=true) a missing snapshot
/// fails; a drifting number fails everywhere. The exactness facts are also asserted from their oracle (docs/math.md §7).
/// </summary>
public class ReproductionSnapshotTests
{
    private static readonly Lazy<ReproductionSetup> Setup = new(() =>
    {
        (DataSet train, DataSet test) = Synthetic.Classification(400, 8, 4, 3).Split(300);
        return new ReproductionSetup
        {
            Spec = NetworkSpec.FromInputToOutput([8, 12, 6, 4], [Activation.Tanh], bias: false),
            Data = new DataSplit(train, test, "snapshot fixture"),
            Alpha = 0.05, Epochs = 1, GridEpochs = 1, EvaluationsPerEpoch = 2, Seed = 5, Seeds = 2,
            Gammas = [0.5, 1.0],
        };
    });

    internal static string Sig(double v) =>
        double.IsNaN(v) ? "NaN" : Math.Abs(v) < 1e-9 ? (v == 0 ? "0" : "<1e-9") : v.ToString("G4", CultureInfo.InvariantCulture);

    [Fact]
    public void Sigma_table_of_the_fixed_run_is_pinned()
    {
        IReadOnlyList<SigmaRow> rows = Reproduction.SigmaStudy(Setup.Value);

        SigmaRow zero = rows.Single(r => r.Sigma == 0);
        Assert.All(zero.Runs, r => Assert.InRange(r.WeightDivergence, 0, 1e-10));
        Assert.All(zero.Runs, r => Assert.Equal(0, r.TestErrorDivergencePp));
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
    public void Fig3_grid_of_the_fixed_run_is_pinned()
    {
        IReadOnlyList<GridCell> cells = Reproduction.ScheduleGammaGrid(Setup.Value);

        Assert.InRange(cells.Single(c => c.Gamma == 1.0 && c.Column.Tc is null).Run.WeightDivergence, 0, 1e-10);
        // Written !(d <= 1e-6) on purpose: an IL run that diverged to NaN is as far from BP as a run can be.
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
    public void Training_summary_of_the_fixed_run_is_pinned()
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
