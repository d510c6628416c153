using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Network;

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

    [Fact]
    public void GraphForward_refuses_a_null_graph_a_negative_capacity_and_null_parameters()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => new GraphForward<double>(null!, 2)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new GraphForward<double>(g, -1)).ParamName);
        GraphForward<double> f = new(g, 2);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => f.Run(null!, new double[g.InputSize], 1)).ParamName);
    }

    [Fact]
    public void GraphForward_refuses_a_batch_outside_1_to_capacity_and_a_wrong_input_length()
    {
        // Capacity 2: batches 1 and 2 run; 0 and 3 are refused before anything is written, as is an input whose
        // length is not batch × input size.
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        GraphForward<double> f = new(g, 2);
        f.Run(p, new double[2 * g.InputSize], 2);
        f.Run(p, new double[g.InputSize], 1);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => f.Run(p, [], 0)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => f.Run(p, new double[3 * g.InputSize], 3)).ParamName);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => f.Run(p, new double[g.InputSize + 1], 1)).ParamName);
        Assert.Equal(1, f.Batch);
    }

    [Fact]
    public void VertexOps_refuse_a_null_graph_a_capacity_below_one_and_the_input_vertex()
    {
        CompiledGraph g = CompiledGraph.Compile(DepthAndLevellingTests.ResNet());
        int dense = g.IndexOf("out");
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => VertexOps.Create<double>(null!, dense, 1)).ParamName);
        Assert.Equal("graph", Assert.Throws<ArgumentNullException>(() => VertexOps.CreateAll<double>(null!, 1)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => VertexOps.Create<double>(g, dense, 0)).ParamName);
        ArgumentException e = Assert.Throws<ArgumentException>(() => VertexOps.Create<double>(g, g.Input, 1));
        Assert.Equal("vertex", e.ParamName);
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }
}
