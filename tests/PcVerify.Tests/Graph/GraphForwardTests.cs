using PcVerify.Engine.Graph;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// The forward pass over non-chain graphs against the same computation written out by hand with the naive twins,
/// and batches smaller than the capacity.
/// </summary>
public class GraphForwardTests
{
    [Fact]
    public void The_example_CNN_equals_the_naive_twins_composed_by_hand()
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("cnn-digits.json")));
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 5, 1.0, 0.3);
        const int B = 3;
        double[] x = TestNets.Normal(B * 64, 6);
        GraphForward<double> f = new(g, B);
        f.Run(p, x, B);

        // conv1: 1×8×8 → 4×8×8 (3×3, padding 1); relu on the edge; max pool 2×2 → 4×4×4; flatten; dense 64 → 10.
        Window2d c = new(1, 8, 8, 3, 3, 1, 1, 1, 1), pool = new(4, 8, 8, 2, 2, 2, 2, 0, 0);
        double[] conv = new double[B * 256], act = new double[B * 256], pooled = new double[B * 64], y = new double[B * 10];
        ReferenceConv.Conv2dForward<double>(x, B, c, p["conv1.weight"], 4, p["conv1.bias"], conv);
        for (int i = 0; i < act.Length; i++)
        {
            act[i] = Math.Max(conv[i], 0);
        }

        ReferenceConv.MaxPool2dForward<double>(act, B, pool, pooled);
        Reference.MultiplyNT<double>(pooled, B, 64, p["fc.weight"], 10, y);
        for (int b = 0; b < B; b++)
        {
            for (int o = 0; o < 10; o++)
            {
                y[(b * 10) + o] += p["fc.bias"][o];
            }
        }

        // Two summation orders per stage (conv: 9 terms + bias; dense: 64 terms + bias), propagated through relu/max
        // (1-Lipschitz) and the dense layer: 1e-13 absolute is > 100× that bound for these O(1) values.
        new Tolerance(1e-13, 0, "conv and dense dot products in two summation orders, O(1) values").Assert<double>(y, f.Output, "CNN output");
    }

    [Theory]
    [InlineData("cnn-digits.json")]
    [InlineData("resnet-skip.json")]
    public void A_batch_smaller_than_the_capacity_gives_the_same_bits(string file)
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example(file)));
        GraphParameters<float> p = GraphParameters<float>.Initialise(g, InitScheme.XavierUniform, 7, 1.0, 0.2);
        float[] x = [.. TestNets.Normal(2 * g.InputSize, 8).Select(v => (float)v)];
        GraphForward<float> exact = new(g, 2), larger = new(g, 7);
        exact.Run(p, x, 2);
        larger.Run(p, x, 2);
        Tolerance.Exact.Assert<float>(exact.Output, larger.Output, "output");
        Assert.Equal(2 * g.OutputSize, larger.Output.Length);
    }

    [Fact]
    public void Identity_edges_share_the_parent_buffer_and_activated_edges_do_not()
    {
        CompiledGraph g = CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("resnet-skip.json")));
        GraphForward<double> f = new(g, 1);
        GraphEdge skip = g.InEdge(g.IndexOf("z"), 1), relu = g.InEdge(g.IndexOf("conv2"), 0);
        Assert.Same(f.Y[skip.Parent], f.A[skip.Index]);
        Assert.NotSame(f.Y[relu.Parent], f.A[relu.Index]);
    }
}
