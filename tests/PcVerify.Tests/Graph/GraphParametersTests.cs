using PcVerify.Engine;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>The parameter container: copies are deep, conversion rounds to nearest, non-finite values are named, and initialisation follows its fans.</summary>
public class GraphParametersTests
{
    private static CompiledGraph ResNet() => CompiledGraph.Compile(DepthAndLevellingTests.ResNet());

    [Fact]
    public void Clone_is_deep_and_CopyFrom_copies_every_tensor()
    {
        CompiledGraph g = ResNet();
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 1, 1.0, 0.5);
        GraphParameters<double> c = p.Clone();
        p.Weight(g.IndexOf("h"))[0] += 1;
        Assert.NotEqual(p.Weight(g.IndexOf("h"))[0], c.Weight(g.IndexOf("h"))[0]);
        GraphParameters<double> z = new(g);
        z.CopyFrom(c);
        foreach (ParameterSlot s in g.ParameterSlots)
        {
            Tolerance.Exact.Assert<double>(c[s], z[s], s.Key);
        }
    }

    [Fact]
    public void CopyFrom_refuses_parameters_of_another_graph()
    {
        GraphParameters<double> a = new(ResNet());
        GraphParameters<double> b = new(CompiledGraph.Compile(GraphSpec.Chain(TestNets.Spec("3,2", "tanh", true))));
        Assert.Throws<ArgumentException>(() => a.CopyFrom(b));
    }

    [Fact]
    public void Convert_rounds_each_element_to_nearest()
    {
        CompiledGraph g = ResNet();
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.XavierUniform, 2);
        GraphParameters<float> f = p.Convert<float>();
        foreach (ParameterSlot s in g.ParameterSlots)
        {
            Assert.Equal(p[s].Select(v => (float)v), f[s]);
        }
    }

    [Fact]
    public void FindNonFinite_names_the_key_and_the_element()
    {
        CompiledGraph g = ResNet();
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 3);
        Assert.Null(p.FindNonFinite());
        p["c2.weight"][7] = double.PositiveInfinity;
        Assert.Equal("c2.weight[7] = Infinity", p.FindNonFinite());
    }

    [Fact]
    public void Conv_initialisation_uses_fan_in_channels_times_kernel_area()
    {
        // conv 8 → 16 channels, 5×5 kernel: He's variance 2 / (8·25). With 3200 weights the sample variance is
        // within ±10% of it with overwhelming probability (its relative standard deviation is √(2/3200) ≈ 2.5%).
        CompiledGraph g = G.Compile("c", G.Input("x", 8, 6, 6), G.Conv("c", 16, G.E("x"), 5, 1, 2));
        double[] w = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 4)["c.weight"];
        double variance = w.Select(v => v * v).Average();
        DataAssertRatio(variance, 2.0 / (8 * 25), 0.1);
    }

    private static void DataAssertRatio(double actual, double expected, double relative) =>
        new Tolerance(0, relative, "sampling error of a variance estimated from 3200 draws (≈ 2.5% s.d.)").Assert(expected, actual, "variance");

    [Fact]
    public void Bad_scales_are_refused()
    {
        Assert.Throws<InvalidInputException>(() => GraphParameters<double>.Initialise(ResNet(), InitScheme.HeNormal, 1, double.NaN));
        Assert.Throws<InvalidInputException>(() => GraphParameters<double>.Initialise(ResNet(), InitScheme.HeNormal, 1, 1.0, -1));
    }

    [Fact]
    public void FromChain_refuses_a_graph_that_is_not_that_chain()
    {
        NetworkSpec spec = TestNets.Spec("4,3,2", "relu", true);
        Parameters<double> chain = TestNets.Params(spec, 5);
        CompiledGraph other = CompiledGraph.Compile(GraphSpec.Chain(TestNets.Spec("4,5,2", "relu", true)));
        Assert.Throws<ArgumentException>(() => GraphParameters<double>.FromChain(other, chain));
        Assert.Throws<ArgumentException>(() => GraphParameters<double>.FromChain(ResNet(), chain));
    }
}
