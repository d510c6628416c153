using PcVerify.Engine;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Network;

/// <summary><see cref="NetworkSpec"/> validation, the paper's indexing and <see cref="Parameters{T}"/> shapes (docs/math.md §1).</summary>
public class NetworkSpecTests
{
    [Theory]
    [InlineData(new int[0], "found 0")]
    [InlineData(new[] { 5 }, "found 1")]
    public void Fewer_than_two_layers_is_rejected_with_a_message_naming_the_problem(int[] widths, string found)
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => new NetworkSpec(widths, [Activation.Tanh], false));
        Assert.Contains("at least two layers", e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 3, 0, 2 }, 1, 0)]
    [InlineData(new[] { 3, 4, -2 }, 2, -2)]
    [InlineData(new[] { 0, 4 }, 0, 0)]
    public void A_non_positive_width_is_rejected_naming_the_layer_and_width(int[] widths, int layer, int width)
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => new NetworkSpec(widths, [Activation.Tanh], false));
        Assert.Contains($"layer {layer}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"width {width}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(0)]
    public void The_wrong_number_of_activations_is_rejected_naming_expected_and_found(int count)
    {
        Activation[] acts = Enumerable.Repeat(Activation.Relu, count).ToArray();
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => new NetworkSpec([2, 3, 4, 5], acts, true));
        Assert.Contains("expected 1 or 3", e.Message, StringComparison.Ordinal);
        Assert.Contains($"found {count}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromInputToOutput_reverses_widths_and_activations_into_the_paper_indexing()
    {
        Activation aIn = Activation.Softplus, aH1 = Activation.Tanh, aH2 = Activation.LeakyRelu(0.2);
        NetworkSpec spec = NetworkSpec.FromInputToOutput([784, 128, 64, 10], [aIn, aH1, aH2], bias: true);
        Assert.Equal([10, 64, 128, 784], spec.Widths);
        Assert.Equal(3, spec.L);
        Assert.Equal(784, spec.InputWidth);
        Assert.Equal(10, spec.OutputWidth);

        // Activations[l] is applied to layer l before θ^l: layer L = 3 is the input, layer 2 the first hidden layer.
        Assert.Same(aIn, spec.Activations[3]);
        Assert.Same(aH1, spec.Activations[2]);
        Assert.Same(aH2, spec.Activations[1]);
        Assert.Same(Activation.Identity, spec.Activations[0]);
        Assert.Equal("784,128,64,10", spec.ArchitectureText);
        Assert.Equal((784 * 128) + 128 + (128 * 64) + 64 + (64 * 10) + 10, spec.ParameterCount);
        Assert.Equal((784 * 128) + (128 * 64) + (64 * 10), NetworkSpec.FromInputToOutput([784, 128, 64, 10], [aIn], false).ParameterCount);
    }

    [Fact]
    public void A_single_activation_applies_to_every_layer_and_the_output_is_linear()
    {
        NetworkSpec spec = new([2, 3, 4, 5], [Activation.Logistic], false);
        Assert.All(spec.Activations.Skip(1), a => Assert.Same(Activation.Logistic, a));
        Assert.Same(Activation.Identity, spec.Activations[0]);
    }

    [Fact]
    public void Parameters_hold_theta_l_plus_1_as_an_n_l_by_n_l_plus_1_matrix_and_beta_of_length_n_l()
    {
        NetworkSpec spec = new([2, 3, 4, 5], [Activation.Tanh], true);
        Parameters<double> p = new(spec);
        Assert.Empty(p.Theta[0].Data);
        Assert.Empty(p.Beta[0]);
        for (int l = 0; l < spec.L; l++)
        {
            Assert.Equal(spec.Widths[l], p.Theta[l + 1].Rows);
            Assert.Equal(spec.Widths[l + 1], p.Theta[l + 1].Cols);
            Assert.Equal(spec.Widths[l], p.Beta[l + 1].Length);
        }

        Parameters<double> noBias = new(new NetworkSpec([2, 3], [Activation.Tanh], false));
        Assert.Empty(noBias.Beta[1]);
    }
}
