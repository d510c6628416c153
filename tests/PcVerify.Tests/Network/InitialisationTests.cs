using PcVerify.Engine;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Network;

/// <summary>
/// Seeded initialisation: reproducibility, the schemes' distributions (within 5 standard errors of the estimator,
/// a false-alarm probability below 1e-6 per check), bounds, float = rounded double, layer independence.
/// </summary>
public class InitialisationTests
{
    private static readonly NetworkSpec Spec = NetworkSpec.FromInputToOutput([400, 300, 10], [Activation.Tanh], bias: true);

    private static IEnumerable<(int Layer, double[] Data, int FanIn, int FanOut)> Layers(Parameters<double> p) =>
        Enumerable.Range(1, p.Spec.L).Select(l => (l, p.Theta[l].Data, p.Spec.Widths[l], p.Spec.Widths[l - 1]));

    [Theory]
    [InlineData(InitScheme.HeNormal)]
    [InlineData(InitScheme.XavierUniform)]
    [InlineData(InitScheme.ScaledNormal)]
    public void The_same_seed_gives_bit_identical_parameters_and_another_seed_different_ones(InitScheme scheme)
    {
        Parameters<double> a = Initialisation<double>.Create(Spec, scheme, 42, biasScale: 0.1);
        Parameters<double> b = Initialisation<double>.Create(Spec, scheme, 42, biasScale: 0.1);
        Parameters<double> c = Initialisation<double>.Create(Spec, scheme, 43, biasScale: 0.1);
        for (int l = 1; l <= Spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(a.Theta[l].Data, b.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<double>(a.Beta[l], b.Beta[l], $"β^{l}");

            // Two independent continuous draws coincide with probability 0: every element differs.
            int equal = a.Theta[l].Data.Zip(c.Theta[l].Data).Count(z => z.First == z.Second);
            Assert.True(equal == 0, $"θ^{l}: {equal} elements equal across seeds 42 and 43");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.5)]
    public void He_normal_has_mean_zero_and_variance_two_over_fan_in_within_five_standard_errors(double scale)
    {
        Parameters<double> p = Initialisation<double>.Create(Spec, InitScheme.HeNormal, 7, scale);
        foreach ((int l, double[] w, int fanIn, _) in Layers(p))
        {
            // With known mean 0, s² = Σw²/N is unbiased for σ² with standard error σ²·√(2/N) (normal 4th moment 3σ⁴).
            double variance = scale * scale * 2.0 / fanIn, n = w.Length;
            double mean = w.Average(), s2 = w.Sum(x => x * x) / n;
            Assert.True(Math.Abs(mean) <= 5 * Math.Sqrt(variance / n), $"θ^{l}: mean {mean:G6}, 5 SE = {5 * Math.Sqrt(variance / n):G6}");
            Assert.True(Math.Abs(s2 - variance) <= 5 * variance * Math.Sqrt(2 / n), $"θ^{l}: variance {s2:G6} vs {variance:G6} (N = {n})");
        }
    }

    [Fact]
    public void Xavier_uniform_lies_within_plus_minus_sqrt_six_over_fan_in_plus_fan_out_with_variance_b_squared_over_three()
    {
        Parameters<double> p = Initialisation<double>.Create(Spec, InitScheme.XavierUniform, 8);
        foreach ((int l, double[] w, int fanIn, int fanOut) in Layers(p))
        {
            double b = Math.Sqrt(6.0 / (fanIn + fanOut)), n = w.Length;
            Assert.All(w, x => Assert.True(Math.Abs(x) <= b, $"θ^{l}: {x:G17} outside ±{b:G17}"));

            // U(−b, b): σ² = b²/3, E[w⁴] = b⁴/5, so s² = Σw²/N has standard error b²·√((1/5 − 1/9)/N).
            double s2 = w.Sum(x => x * x) / n;
            Assert.True(Math.Abs(s2 - (b * b / 3)) <= 5 * b * b * Math.Sqrt(((1.0 / 5) - (1.0 / 9)) / n), $"θ^{l}: variance {s2:G6} vs {b * b / 3:G6}");

            // The draws fill the interval: the extremes are within 1% of ±b (P(miss) = (0.995)^N, negligible here).
            Assert.True(w.Max() > 0.99 * b && w.Min() < -0.99 * b, $"θ^{l}: range [{w.Min():G6}, {w.Max():G6}] vs ±{b:G6}");
        }
    }

    [Fact]
    public void Scaled_normal_has_variance_scale_squared_and_biases_have_variance_bias_scale_squared()
    {
        NetworkSpec wide = NetworkSpec.FromInputToOutput([200, 20000], [Activation.Tanh], bias: true);
        Parameters<double> p = Initialisation<double>.Create(wide, InitScheme.ScaledNormal, 9, scale: 0.3, biasScale: 0.7);
        double[] w = p.Theta[1].Data, beta = p.Beta[1];
        Assert.True(Math.Abs((w.Sum(x => x * x) / w.Length) - 0.09) <= 5 * 0.09 * Math.Sqrt(2.0 / w.Length), "weight variance");
        Assert.True(Math.Abs((beta.Sum(x => x * x) / beta.Length) - 0.49) <= 5 * 0.49 * Math.Sqrt(2.0 / beta.Length), "bias variance");
        Parameters<double> zero = Initialisation<double>.Create(wide, InitScheme.ScaledNormal, 9, scale: 0.3);
        Assert.All(zero.Beta[1], v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(InitScheme.HeNormal)]
    [InlineData(InitScheme.XavierUniform)]
    public void Float_parameters_are_the_double_parameters_rounded_to_nearest(InitScheme scheme)
    {
        Parameters<double> d = Initialisation<double>.Create(Spec, scheme, 10, biasScale: 0.2);
        Parameters<float> f = Initialisation<float>.Create(Spec, scheme, 10, biasScale: 0.2);
        for (int l = 1; l <= Spec.L; l++)
        {
            float[] rounded = d.Theta[l].Data.Select(x => (float)x).ToArray();
            Tolerance.Exact.Assert<float>(rounded, f.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<float>(d.Beta[l].Select(x => (float)x).ToArray(), f.Beta[l], $"β^{l}");
            Tolerance.Exact.Assert<float>(d.Convert<float>().Theta[l].Data, f.Theta[l].Data, $"Convert θ^{l}");
        }
    }

    [Fact]
    public void A_layer_does_not_depend_on_the_layers_added_below_the_input()
    {
        // Stream l+1 of the seed belongs to θ^{l+1}: adding an input layer adds θ^{L+1} and leaves θ^1..θ^L unchanged.
        Parameters<double> small = Initialisation<double>.Create(new NetworkSpec([10, 20, 30], [Activation.Tanh], true), InitScheme.HeNormal, 11, biasScale: 0.1);
        Parameters<double> large = Initialisation<double>.Create(new NetworkSpec([10, 20, 30, 5], [Activation.Tanh], true), InitScheme.HeNormal, 11, biasScale: 0.1);
        for (int l = 1; l <= 2; l++)
        {
            Tolerance.Exact.Assert<double>(small.Theta[l].Data, large.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<double>(small.Beta[l], large.Beta[l], $"β^{l}");
        }
    }

    [Theory]
    [InlineData(-1.0, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(1.0, -0.5)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void A_negative_or_non_finite_scale_is_rejected(double scale, double biasScale)
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => Initialisation<double>.Create(Spec, InitScheme.HeNormal, 1, scale, biasScale));
        Assert.Contains("scale", e.Message, StringComparison.Ordinal);
    }
}
