using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Graph;

/// <summary>The graph forward pass, every op's Jᵀ product and parameter update allocate nothing after warm-up.</summary>
public class GraphAllocationTests
{
    [Theory]
    [InlineData("cnn-digits.json")]
    [InlineData("resnet-skip.json")]
    [InlineData("mlp.json")]
    public void Forward_Jacobian_transposes_and_updates_allocate_nothing_after_warm_up(string file)
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example(file)));
        GraphParameters<float> p = GraphParameters<float>.Initialise(g, InitScheme.HeNormal, 1);
        const int B = 4;
        float[] x = [.. TestNets.Normal(B * g.InputSize, 2).Select(v => (float)v)];
        GraphForward<float> f = new(g, B);
        float[][] e = [.. g.Vertices.Select(v => new float[B * v.Size])];
        float[][] r = [.. g.Vertices.Select(v => new float[B * v.Size])];
        void Step()
        {
            f.Run(p, x, B);
            for (int v = 1; v < g.Vertices.Count; v++)
            {
                GraphVertex vertex = g.Vertices[v];
                IVertexOp<float> op = f.Ops[v]!;
                ReadOnlySpan<float[]> inputs = f.A.AsSpan(vertex.FirstEdge, vertex.InDegree);
                for (int k = 0; k < vertex.InDegree; k++)
                {
                    op.InputGradient(k, p, inputs, e[v], r[g.InEdge(v, k).Parent], B, accumulate: k > 0);
                }

                op.UpdateParameters(inputs, e[v], B, 1e-3f, p.Weight(v), p.Bias(v));
            }
        }

        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Step();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{file}: {allocated} bytes in 5 steps");
    }
}
