using PcVerify.Engine;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Verification;

/// <summary>
/// The measures of Verification/ against their definitions (docs/math.md §8, §12), written where Stryker found a
/// mutant the rest of the suite did not notice (docs/mutation/learners.md). Every expected value is a closed form:
/// a bound's arithmetic, an angle between vectors whose cosine is known, an L1 sum of chosen differences.
/// </summary>
public class VerificationMutationTests
{
    [Fact]
    public void A_bound_is_absolute_plus_relative_times_the_expected_magnitude_and_its_edge_holds()
    {
        // |a − e| ≤ 0.5 + 0.25·|e|: at e = −8 the bound is 2.5 exactly (all terms are binary fractions, no rounding).
        Tolerance t = new(0.5, 0.25, "test");
        Assert.Equal(2.5, t.Bound(-8.0));
        Assert.True(t.Holds(-8.0, -5.5));
        Assert.True(t.Holds(-8.0, -10.5));
        Assert.False(t.Holds(-8.0, Math.BitIncrement(-5.5)));
        Assert.False(t.Holds(-8.0, Math.BitDecrement(-10.5)));
        Assert.False(t.Holds(double.NaN, -8.0));
        Assert.False(t.Holds(-8.0, double.NaN));
        Assert.False(t.Holds(double.NegativeInfinity, -8.0));
    }

    [Fact]
    public void Check_names_the_first_failing_index_and_a_length_difference()
    {
        Tolerance t = new(0.5, 0, "half");
        Assert.Null(t.Check<double>([1.0, 2.0, 3.0], [1.5, 1.5, 3.0], "v"));
        string? first = t.Check<double>([1.0, 2.0, 3.0], [1.0, 9.0, 9.0], "v");
        Assert.NotNull(first);
        Assert.StartsWith("v[1]:", first);
        string? length = t.Check<double>([1.0, 2.0], [1.0], "w");
        Assert.NotNull(length);
        Assert.Contains("length differs (expected 2, actual 1)", length);
        Assert.Throws<ToleranceException>(() => t.Assert<double>([1.0], [2.0], "x"));
        t.Assert<double>([1.0], [1.5], "x");
    }

    [Fact]
    public void The_scalar_assert_throws_exactly_when_the_element_is_outside_the_bound()
    {
        Tolerance t = new(1.0, 0, "one");
        t.Assert(3.0, 4.0, "s");
        ToleranceException e = Assert.Throws<ToleranceException>(() => t.Assert(3.0, 4.5, "s"));
        Assert.StartsWith("s[0]: expected 3, actual 4.5, |diff| 1.5 > bound 1", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 0.0 }, new[] { 0.0, 2.0 }, 90.0)]
    [InlineData(new[] { 1.0, 0.0 }, new[] { 3.0, 3.0 }, 45.0)]
    [InlineData(new[] { 1.0, 2.0 }, new[] { -2.0, -4.0 }, 180.0)]
    [InlineData(new[] { 2.0, 0.0, 0.0 }, new[] { 1.0, 0.0, 1.7320508075688772 }, 60.0)]
    public void The_angle_is_acos_of_the_cosine_in_degrees(double[] a, double[] b, double degrees)
    {
        // A few ulps of acos and of the cosine; the mutants change the angle by degrees, not ulps.
        Assert.Equal(degrees, Angles.Degrees<double>(a, b), 1e-9);
        Assert.Equal(degrees, Angles.Degrees<double>(b, a), 1e-9);
    }

    [Fact]
    public void Parallel_vectors_are_at_zero_degrees_even_when_rounding_pushes_the_cosine_past_one()
    {
        // For these a and b = 1.1·a (found by search; Python's float is the same IEEE 754 double), the rounded
        // (a·b)/√(a·a · b·b) is 1 + 2^-52, where acos is NaN; the true cosine is 1, so the angle is 0.
        double[] a = [-0.13446586418989326, 0.524560164915884, -0.9957878932977786];
        double[] b = [.. a.Select(x => x * 1.1)];
        double ab = 0, aa = 0, bb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            ab += a[k] * b[k];
            aa += a[k] * a[k];
            bb += b[k] * b[k];
        }

        Assert.True(ab / Math.Sqrt(aa * bb) > 1.0);
        Assert.Equal(0.0, Angles.Degrees<double>(a, b));
        Assert.Equal(180.0, Angles.Degrees<double>(a, [.. b.Select(x => -x)]), 1e-12);
    }

    [Fact]
    public void An_angle_with_a_zero_vector_is_NaN_and_lengths_must_match()
    {
        Assert.True(double.IsNaN(Angles.Degrees<double>([0.0, 0.0], [1.0, 2.0])));
        Assert.True(double.IsNaN(Angles.Degrees<double>([1.0, 2.0], [0.0, 0.0])));
        Assert.Throws<ArgumentException>(() => Angles.Degrees<double>([1.0, 2.0], [1.0]));
    }

    [Fact]
    public void Layered_divergence_is_the_L1_sum_and_the_largest_difference_per_layer()
    {
        NetworkSpec spec = TestNets.Spec("2,3,1", "tanh,identity", bias: true);
        Parameters<double> a = TestNets.Params(spec, 7), b = a.Clone();
        // θ^1 (1×3): differences 0.5 and −0.25; β^2 (3): a difference of 2 (the layer's largest); θ^2 unchanged.
        b.Theta[1].Data[0] += 0.5;
        b.Theta[1].Data[2] -= 0.25;
        b.Beta[2][1] += 2.0;
        IReadOnlyList<LayerDivergence> d = Divergence.Compute(a, b);
        Assert.Equal(2, d.Count);
        Assert.Equal(1, d[0].Layer);
        Assert.Equal(0.75, d[0].WeightL1, 1e-15);
        Assert.Equal(0.0, d[0].BiasL1);
        Assert.Equal(0.5, d[0].MaxAbs, 1e-15);
        Assert.Equal(2, d[1].Layer);
        Assert.Equal(0.0, d[1].WeightL1);
        Assert.Equal(2.0, d[1].BiasL1, 1e-15);
        Assert.Equal(2.0, d[1].MaxAbs, 1e-15);
        Assert.Equal(0.75, Divergence.TotalWeights(d), 1e-15);
    }

    [Fact]
    public void A_NaN_difference_is_the_largest_and_bad_arguments_are_refused()
    {
        NetworkSpec spec = TestNets.Spec("2,2", "identity", bias: false);
        Parameters<double> a = TestNets.Params(spec, 3), b = a.Clone();
        b.Theta[1].Data[1] = double.NaN;
        b.Theta[1].Data[2] += 5.0;
        Assert.True(double.IsNaN(Divergence.Compute(a, b)[0].MaxAbs));
        Assert.Throws<ArgumentNullException>(() => Divergence.Compute(null!, a));
        Assert.Throws<ArgumentNullException>(() => Divergence.Compute(a, null!));
        Parameters<double> deeper = TestNets.Params(TestNets.Spec("2,2,2", "identity,identity", bias: false), 3);
        Assert.Throws<ArgumentException>(() => Divergence.Compute(a, deeper));
        Parameters<double> wider = TestNets.Params(TestNets.Spec("3,2", "identity", bias: false), 3);
        Assert.Throws<ArgumentException>(() => Divergence.Compute(a, wider));
        Assert.Throws<ArgumentNullException>(() => Divergence.TotalWeights(null!));
    }

    [Fact]
    public void Graph_divergence_counts_the_vertices_with_parameters_from_the_output_side()
    {
        NetworkSpec spec = TestNets.Spec("2,3,2", "tanh,identity", bias: true);
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        Parameters<double> a = TestNets.Params(spec, 11), b = a.Clone();
        b.Theta[2].Data[4] -= 1.5;
        b.Beta[1][0] += 0.125;
        IReadOnlyList<LayerDivergence> layered = Divergence.Compute(a, b);
        IReadOnlyList<LayerDivergence> onGraph = Divergence.Compute(GraphParameters<double>.FromChain(graph, a), GraphParameters<double>.FromChain(graph, b));
        Assert.Equal(layered, onGraph);
        Assert.Equal(1.5, onGraph[1].WeightL1, 1e-15);
        Assert.Equal(0.125, onGraph[0].BiasL1, 1e-15);
        CompiledGraph other = CompiledGraph.Compile(GraphSpec.Chain(TestNets.Spec("2,3,3,2", "tanh,tanh,identity", bias: true)));
        Assert.Throws<ArgumentException>(() => Divergence.Compute(GraphParameters<double>.FromChain(graph, a), GraphParameters<double>.Initialise(other, InitScheme.HeNormal, 1)));
        Assert.Throws<ArgumentNullException>(() => Divergence.Compute<double>(null!, GraphParameters<double>.FromChain(graph, a)));
        Assert.Throws<ArgumentNullException>(() => Divergence.Compute(GraphParameters<double>.FromChain(graph, a), null!));
    }

    [Fact]
    public void The_environment_facts_are_the_runtimes_own_values_under_their_documented_names()
    {
        // docs/determinism.md: the facts that decide bit-reproducibility, under the names reports print them with;
        // each value is read here from the runtime directly.
        IReadOnlyList<(string Name, string Value)> facts = EngineEnvironment.Facts();
        Assert.Equal(
            new[] { "pcverify", "runtime", "os", "architecture", "processors", "simd", "Vector<float>.Count", "Vector<double>.Count" },
            facts.Select(f => f.Name));
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, facts[1].Value);
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.OSDescription, facts[2].Value);
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), facts[3].Value);
        Assert.Equal(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), facts[4].Value);
        Assert.Equal(System.Numerics.Vector.IsHardwareAccelerated ? "hardware-accelerated" : "software", facts[5].Value);
        Assert.Equal(System.Numerics.Vector<float>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), facts[6].Value);
        Assert.Equal(System.Numerics.Vector<double>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), facts[7].Value);
        Assert.Equal(string.Join("; ", facts.Select(f => f.Name + " " + f.Value)), EngineEnvironment.Describe());
    }
}
