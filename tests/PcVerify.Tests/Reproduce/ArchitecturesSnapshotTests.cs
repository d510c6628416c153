using PcVerify.Cli.Reproduce;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using Snapshooter.Xunit;
using static PcVerify.Tests.Reproduce.ReproductionSnapshotTests;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Reproduce;

/// <summary>
/// The architectures section on a small fixed run (the default nets on the digits' 1,437/360 split, 300 pairs, two
/// seeds): the table without its time columns is pinned at 4 significant digits (values below 1e-9 as a class, as
/// <see cref="ReproductionSnapshotTests"/> writes them), and every fact the section claims is asserted from its oracle
/// — docs/math.md §10's theorem on levelled graphs, the layered engine as an independent implementation of BP, levelling as a
/// function-preserving change — not from the pins.
/// </summary>
public class ArchitecturesSnapshotTests
{
    /// <summary>
    /// Z-IL on a levelled graph is BP up to rounding: ε and δ differ by a few ulps per vertex and step, which sum over
    /// 300 pairs and a few thousand parameters to ~1e-13 (the report's bound, 1e-10, is for runs 5× longer).
    /// </summary>
    private const double Rounding = 1e-12;

    private static readonly Lazy<(ArchitecturesSetup Setup, IReadOnlyList<ArchitectureRow> Rows)> Run = new(() =>
    {
        ArchitecturesSetup setup = Setup();
        return (setup, Architectures.Study(setup));
    });

    internal static ArchitecturesSetup Setup()
    {
        (DataSet train, DataSet test) = Digits.Default();
        return new ArchitecturesSetup
        {
            Nets = ArchitecturesSection.DefaultNets(seed: 7),
            Data = new DataSplit(train, test, "digits architectures fixture"),
            Alpha = 0.01, Steps = 300, Evaluations = 3, Seeds = 2,
        };
    }

    private static IEnumerable<ArchitectureRow> Rows(string net, Algorithm a) => Run.Value.Rows.Where(r => r.Net.Id == net && r.Algorithm == a);

    [Fact]
    public void Architectures_table_without_times_is_pinned()
    {
        var rows = Run.Value.Rows;
        Assert.Equal(4 * 2 * 4, rows.Count); // 4 nets × {se, ce} × {bp, zil, fazil, il}
        Assert.All(rows, r => Assert.Equal(2, r.Runs.Count));

        Snapshot.Match(rows.Select(r => new
        {
            net = r.Net.Id,
            levelled = r.Net.Levelled,
            loss = r.Loss.Name,
            algorithm = r.Learner,
            weightDivergence = Sig(r.WeightDivergence.Mean),
            weightDivergenceStd = Sig(r.WeightDivergence.Std),
            worstDivergence = Sig(r.WorstDivergence),
            biasDivergence = Sig(r.BiasDivergence.Mean),
            testErrorDivergencePp = Sig(r.TestErrorDivergencePp.Mean),
            testError = Sig(r.TestError.Mean),
            diverged = r.Runs.Count(x => x.Diverged is not null),
        }).ToList());
    }

    [Fact]
    public void The_table_written_for_snapshots_has_no_time_columns()
    {
        Assert.DoesNotContain(ArchitecturesSection.Table(Run.Value.Rows, withTimes: false).Columns, c => c.Contains("second", StringComparison.Ordinal) || c.Contains("ratio", StringComparison.Ordinal));
        Assert.Contains("seconds per update", ArchitecturesSection.Table(Run.Value.Rows, withTimes: true).Columns);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("resnet-levelled")]
    public void ZIL_on_a_levelled_graph_equals_BP_with_either_loss(string net)
    {
        ArchitectureRow[] rows = [.. Rows(net, Algorithm.ZIL)];
        Assert.Equal(["ce", "se"], rows.Select(r => r.Loss.Name).Order());
        foreach (ArchitectureCellResult r in rows.SelectMany(r => r.Runs))
        {
            Assert.Equal("zil", r.Learner); // the event-driven Z-IL, valid on levelled graphs only
            Assert.True(r.WeightDivergence + r.BiasDivergence <= Rounding, $"{r.Cell.Id}: Σ|θ−w| + Σ|β−v| = {r.WeightDivergence + r.BiasDivergence:G17}");
            Assert.Equal(0, r.TestErrorDivergencePp);
            Assert.Equal(r.BpTestError, r.TestError);
        }
    }

    [Fact]
    public void ZIL_on_the_ResNet_block_that_is_not_levelled_leaves_BP_with_either_loss()
    {
        // The negative control of the levelled case: the same net, the same start, one identity vertex fewer.
        foreach (ArchitectureCellResult r in Rows("resnet", Algorithm.ZIL).SelectMany(r => r.Runs))
        {
            Assert.Equal("zil-sync", r.Learner);
            Assert.True(r.Diverged is not null || r.WeightDivergence > 1e-6, $"{r.Cell.Id}: Σ|θ−w| = {r.WeightDivergence:G17}");
        }
    }

    [Fact]
    public void FaZIL_equals_BP_within_its_boundary_and_leaves_it_outside()
    {
        foreach (string net in new[] { "mlp", "cnn" })
        {
            Assert.True(Run.Value.Setup.Nets.Single(n => n.Id == net).WithinFaZilBoundary, net);
            Assert.All(Rows(net, Algorithm.FaZIL).SelectMany(r => r.Runs), r => Assert.True(r.WeightDivergence + r.BiasDivergence <= Rounding, $"{r.Cell.Id}: {r.WeightDivergence:G17}"));
        }

        // The levelled ResNet block has conv2 (depth 3 < 4) behind a ReLU: an error exactly 0 at t = 3 fires at t = 4.
        Assert.False(Run.Value.Setup.Nets.Single(n => n.Id == "resnet-levelled").WithinFaZilBoundary);
        Assert.All(Rows("resnet-levelled", Algorithm.FaZIL).SelectMany(r => r.Runs), r => Assert.True(r.WeightDivergence > 1e-6, $"{r.Cell.Id}: {r.WeightDivergence:G17}"));
    }

    [Fact]
    public void IL_approximates_BP_and_is_never_exact()
    {
        Assert.All(Run.Value.Rows.Where(r => r.Algorithm == Algorithm.IL).SelectMany(r => r.Runs), r => Assert.True(r.WeightDivergence > 1e-6, $"{r.Cell.Id}: {r.WeightDivergence:G17}"));
    }

    [Fact]
    public void BP_on_the_MLP_graph_is_the_layered_engines_BP()
    {
        // The layered net --arch 64,32,16,10 with tanh and biases, as the product trains it (its chain from
        // GraphSpec.Chain), from the layered He-normal start (GraphParameters.Initialise numbers a chain's layers as
        // Initialisation.Create does), on the same pairs: the example file's MLP must be that net.
        ArchitecturesSetup setup = Run.Value.Setup;
        NetworkSpec spec = NetworkSpec.FromInputToOutput([64, 32, 16, 10], [Activation.Tanh], bias: true);
        for (int k = 0; k < setup.Seeds; k++)
        {
            CompiledGraph chain = CompiledGraph.Compile(GraphSpec.Chain(spec));
            GraphParameters<double> p = GraphParameters<double>.FromChain(chain, Initialisation<double>.Create(spec, InitScheme.HeNormal, 7 + (ulong)k));
            TrainingResult r = Trainer.Run(new LearnerOptions { Algorithm = Algorithm.BP, Alpha = setup.Alpha }.Create<double>(chain, 1), p, setup.Data.Train, setup.Data.Test, setup.Plan);
            Assert.Equal(r.Final.TestError, Rows("mlp", Algorithm.BP).Single(x => x.Loss.Name == "se").Runs[k].TestError);
        }
    }

    [Fact]
    public void Levelling_leaves_BP_unchanged()
    {
        // docs/math.md §10: the inserted identity vertex passes f_e(x_p) on, so BP's function and gradients are those of the
        // net as written, and both nets start from the same parameters.
        foreach (string loss in new[] { "se", "ce" })
        {
            ArchitectureRow a = Rows("resnet", Algorithm.BP).Single(r => r.Loss.Name == loss), b = Rows("resnet-levelled", Algorithm.BP).Single(r => r.Loss.Name == loss);
            Assert.Equal(a.Runs.Select(r => r.TestError), b.Runs.Select(r => r.TestError));
        }

        Assert.Single(Run.Value.Setup.Nets.Single(n => n.Id == "resnet-levelled").Inserted);
    }

    [Fact]
    public void A_cell_run_alone_computes_what_the_whole_study_computes()
    {
        // The cells are independent units (for sharding): a cell with no BP cache recomputes BP and gets the same numbers.
        ArchitecturesSetup setup = Run.Value.Setup;
        IReadOnlyList<ArchitectureCell> cells = Architectures.Cells(setup);
        Assert.Equal(cells.Count, cells.Select(c => c.Id).Distinct().Count());
        ArchitectureCell cell = cells.Single(c => c.Id == "architectures/resnet/ce/seed1/fazil");
        ArchitectureCellResult alone = Architectures.Run(setup, cell, new Dictionary<string, TrainedRun>());
        ArchitectureCellResult within = Rows("resnet", Algorithm.FaZIL).Single(r => r.Loss.Name == "ce").Runs[1];
        Assert.Equal(within with { SecondsPerUpdate = 0 }, alone with { SecondsPerUpdate = 0 });
    }
}
