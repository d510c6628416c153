using PcVerify.Cli.Reproduce;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Tests.Reproduce;

/// <summary>
/// The rules of docs/reproduction.md for the architectures claims, on rows whose divergences are set by hand: each
/// exactness claim holds at rounding level and fails (as an exactness claim, so exit code 4) one step above its bound;
/// the negative control holds only when every seed and loss leaves BP.
/// </summary>
public class ArchitectureClaimsTests
{
    private static readonly IReadOnlyList<ArchitectureNet> Nets = ArchitecturesSection.DefaultNets(seed: 1);

    private static ArchitectureNet Net(string id) => Nets.Single(n => n.Id == id);

    private static ArchitectureRow Row(ArchitectureNet net, OutputLoss loss, Algorithm a, params double[] divergences) =>
        new(net, loss, a, [.. divergences.Select((d, k) => new ArchitectureCellResult(
            new ArchitectureCell(net.Id, loss.Name, k, a), a.ToString().ToLowerInvariant(), d, 0, d, 0, 0.1, 0.1, 1e-5, double.IsNaN(d) ? "diverged" : null))]);

    private static List<ArchitectureRow> AllExact(double zil = 1e-13, double fazil = 1e-13, double unlevelled = 10)
    {
        List<ArchitectureRow> rows = [];
        foreach (ArchitectureNet net in Nets)
        {
            foreach (OutputLoss loss in net.Losses)
            {
                rows.Add(Row(net, loss, Algorithm.BP, 0, 0));
                rows.Add(Row(net, loss, Algorithm.ZIL, net.Levelled ? zil : unlevelled, net.Levelled ? zil : unlevelled));
                double f = net.WithinFaZilBoundary ? fazil : 5;
                rows.Add(Row(net, loss, Algorithm.FaZIL, f, f));
                rows.Add(Row(net, loss, Algorithm.IL, 30, 40));
            }
        }

        return rows;
    }

    [Fact]
    public void Every_claim_holds_when_levelled_nets_are_exact_and_the_unlevelled_one_diverges()
    {
        IReadOnlyList<Claim> claims = ArchitectureClaims.Evaluate(AllExact());
        Assert.All(claims, c => Assert.True(c.Holds, c.Statement + ": " + c.Evidence));

        // One Z-IL claim per levelled net and loss, one Fa-Z-IL claim per loss where the boundary allows (MLP, CNN),
        // one negative control for the ResNet block as written.
        Assert.Equal((3 * 2) + (2 * 2) + 1, claims.Count);
        Assert.Single(claims, c => !c.Exactness);
    }

    [Fact]
    public void A_levelled_net_above_the_rounding_bound_fails_an_exactness_claim()
    {
        List<ArchitectureRow> rows = AllExact();
        int i = rows.FindIndex(r => r.Net.Id == "resnet-levelled" && r.Loss == OutputLoss.SoftmaxCrossEntropy && r.Algorithm == Algorithm.ZIL);
        rows[i] = Row(rows[i].Net, rows[i].Loss, Algorithm.ZIL, 1e-13, 2 * Claims.ExactWeightBound);

        Claim failed = Assert.Single(ArchitectureClaims.Evaluate(rows), c => !c.Holds);
        Assert.True(failed.Exactness);
        Assert.Contains("cross-entropy", failed.Statement, StringComparison.Ordinal);
    }

    [Fact]
    public void A_diverged_run_on_a_levelled_net_fails_its_claim()
    {
        List<ArchitectureRow> rows = AllExact();
        int i = rows.FindIndex(r => r.Net.Id == "mlp" && r.Algorithm == Algorithm.FaZIL);
        rows[i] = Row(rows[i].Net, rows[i].Loss, Algorithm.FaZIL, double.NaN, 1e-13);

        Claim failed = Assert.Single(ArchitectureClaims.Evaluate(rows), c => !c.Holds);
        Assert.True(failed.Exactness);
    }

    [Fact]
    public void The_negative_control_fails_when_one_seed_of_the_unlevelled_net_matches_BP()
    {
        List<ArchitectureRow> rows = AllExact();
        int i = rows.FindIndex(r => r.Net.Id == "resnet" && r.Algorithm == Algorithm.ZIL);
        rows[i] = Row(rows[i].Net, rows[i].Loss, Algorithm.ZIL, 10, 1e-7);

        Claim failed = Assert.Single(ArchitectureClaims.Evaluate(rows), c => !c.Holds);
        Assert.False(failed.Exactness); // a shape claim: reported, the exit code stays 0
        Assert.Contains("not levelled", failed.Statement, StringComparison.Ordinal);
    }

    [Fact]
    public void The_FaZIL_boundary_follows_the_zero_derivatives_below_the_largest_depth()
    {
        Assert.True(Net("mlp").WithinFaZilBoundary); // tanh everywhere
        Assert.True(Net("cnn").WithinFaZilBoundary); // ReLU and max pooling only behind conv1, which is at the largest depth
        Assert.False(Net("resnet").WithinFaZilBoundary); // not levelled
        Assert.False(Net("resnet-levelled").WithinFaZilBoundary); // conv2 (depth 3 of 4) is behind a ReLU

        // A chain 8-6-4-2: ReLU on the edge from the last hidden layer x1 to the output puts x1's θ² (depth 1 of 2) behind a zero derivative.
        CompiledGraph relu = CompiledGraph.Compile(GraphSpec.Chain(NetworkSpec.FromInputToOutput([8, 6, 4, 2], [Activation.Tanh, Activation.Tanh, Activation.Relu], bias: true)));
        CompiledGraph tanh = CompiledGraph.Compile(GraphSpec.Chain(NetworkSpec.FromInputToOutput([8, 6, 4, 2], [Activation.Relu, Activation.Tanh, Activation.Tanh], bias: true)));
        Assert.False(Boundary(relu));
        Assert.True(Boundary(tanh)); // ReLU only on the input edge, into θ³ at the largest depth
    }

    private static bool Boundary(CompiledGraph g) =>
        new ArchitectureNet("t", "t", g, [], _ => GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 1), false, [OutputLoss.SquaredError]).WithinFaZilBoundary;
}
