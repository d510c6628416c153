using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Tests.Cli;

/// <summary>
/// The up-front memory check of <c>train</c> holds for a graph file as for a chain (docs/resources.md): the bound is
/// computed before any parameter or workspace is allocated and a run beyond <c>--memory-limit</c> is refused with one
/// line and exit code 2.
/// </summary>
public class GraphMemoryTests
{
    [Fact]
    public void Train_on_a_graph_refuses_a_batch_beyond_the_limit_up_front_and_a_raised_limit_accepts_it()
    {
        // examples/cnn-digits.json at batch 512, float64, by hand: parameters 36 + 4 + 640 + 10 = 690, twice (8 + 8 bytes);
        // values 64 + 256 + 64 + 64 + 10 = 458 per pair, 12 vectors each; conv1 (1×8×8 → 4×8×8, 3×3): 64 positions ×
        // (9 + 4) for one image and for the batch, and the batch's input (512·64); pool1: the batch's input (512·256).
        long elements = (458L * 512 * 12) + (512L * 64 * 13) + (64 * 13) + (512 * 64) + (512 * 256);
        long bytes = (690 * 16) + (elements * 8);
        string graph = Graph.GraphJsonTests.Example("cnn-digits.json");
        var refused = CliRunner.Run("train", "--graph", graph, "--batch", "512", "--steps", "1", "--memory-limit", "16M");
        Assert.Equal(2, refused.Code);
        Assert.Contains($"training the network of {graph} (batch 512, float64) needs", refused.Err, StringComparison.Ordinal);
        Assert.Contains($"({bytes} bytes)", refused.Err, StringComparison.Ordinal);
        Assert.Single(refused.Err.TrimEnd('\n').Split('\n'));
        Assert.Empty(refused.Out);

        var accepted = CliRunner.Run("train", "--graph", graph, "--batch", "512", "--steps", "1", "--memory-limit", "64M");
        Assert.True(accepted.Code == 0, accepted.Err);
    }

    [Theory]
    [InlineData("64,64,32,10", false, 8, 1)]
    [InlineData("20,2000,10", true, 4, 7)]
    public void On_a_chain_the_bound_is_the_layered_nets(string arch, bool bias, int elementBytes, int batch)
    {
        NetworkSpec spec = TestNets.Spec(arch, "tanh", bias);
        Assert.Equal(spec.TrainingMemoryBytes(elementBytes, batch), TrainingMemory.Bytes(CompiledGraph.Compile(GraphSpec.Chain(spec)), elementBytes, batch));
    }
}
