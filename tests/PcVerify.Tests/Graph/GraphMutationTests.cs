using PcVerify.Engine.Graph;

namespace PcVerify.Tests.Graph;

/// <summary>
/// Tests written to kill surviving Stryker mutants of <c>src/PcVerify.Engine/Graph</c> (docs/findings.md, "Mutation
/// testing — whole engine"). The expected behaviour is the documented contract, not an observed output.
/// </summary>
public class GraphMutationTests
{
    [Fact]
    public void Unlevelled_refuses_a_null_graph_by_name()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => g.Depth.Unlevelled(null!));
        Assert.Equal("graph", e.ParamName);
    }
}
