using PcVerify.Engine;
using PcVerify.Engine.Data;
using Xunit.Abstractions;

namespace PcVerify.Tests.Data;

/// <summary>
/// Synthetic data. Oracles: the recipe in the XML docs of <see cref="Synthetic"/>, recomputed here
/// independently; counting arguments (balance, one-hot); and sampling bounds for the input statistics.
/// </summary>
public sealed class SyntheticTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Synthetic.ClassificationName)]
    [InlineData(Synthetic.RegressionName)]
    public void The_same_seed_gives_bit_identical_data(string name)
    {
        var (train1, test1) = Synthetic.Default(name, 42);
        var (train2, test2) = Synthetic.Default(name, 42);
        DataAssert.BitIdentical(train1.Inputs, train2.Inputs);
        DataAssert.BitIdentical(train1.Targets, train2.Targets);
        DataAssert.BitIdentical(test1.Inputs, test2.Inputs);
        DataAssert.BitIdentical(test1.Targets, test2.Targets);
    }

    [Theory]
    [InlineData(Synthetic.ClassificationName)]
    [InlineData(Synthetic.RegressionName)]
    public void Different_seeds_give_different_data(string name)
    {
        var (a, _) = Synthetic.Default(name, 1);
        var (b, _) = Synthetic.Default(name, 2);
        int same = a.Inputs.Zip(b.Inputs).Count(p => p.First == p.Second);
        Assert.True(same < a.Inputs.Length / 100, $"{same} of {a.Inputs.Length} inputs coincide across seeds");
    }

    [Fact]
    public void Defaults_have_the_documented_shapes_and_names()
    {
        var (ctrain, ctest) = Synthetic.Default(Synthetic.ClassificationName, 0);
        Assert.Equal(("synthetic-classification-train", 2000, 20, 10), (ctrain.Name, ctrain.Count, ctrain.InputWidth, ctrain.OutputWidth));
        Assert.Equal(("synthetic-classification-test", 500, 20, 10), (ctest.Name, ctest.Count, ctest.InputWidth, ctest.OutputWidth));
        Assert.NotNull(ctrain.Labels);

        var (rtrain, rtest) = Synthetic.Default(Synthetic.RegressionName, 0);
        Assert.Equal(("synthetic-regression-train", 2000, 20, 4), (rtrain.Name, rtrain.Count, rtrain.InputWidth, rtrain.OutputWidth));
        Assert.Equal(("synthetic-regression-test", 500, 20, 4), (rtest.Name, rtest.Count, rtest.InputWidth, rtest.OutputWidth));
        Assert.Null(rtrain.Labels);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_names()
    {
        var e = Assert.Throws<InvalidInputException>(() => Synthetic.Default("synthetic-xor", 0));
        Assert.Contains("'synthetic-xor'", e.Message);
        Assert.Contains(Synthetic.ClassificationName, e.Message);
        Assert.Contains(Synthetic.RegressionName, e.Message);
    }

    [Theory]
    [InlineData(1003, 10)]
    [InlineData(7, 3)]
    [InlineData(2500, 10)]
    public void Classes_are_balanced_within_one_and_targets_are_one_hot_at_the_label(int count, int classes)
    {
        DataSet d = Synthetic.Classification(count, 4, classes, 9);
        int[] labels = d.Labels!;
        var perClass = new int[classes];
        foreach (int l in labels)
        {
            perClass[l]++;
        }

        Assert.True(perClass.Max() - perClass.Min() <= 1, $"class counts {string.Join(", ", perClass)}");
        Assert.Equal(count, perClass.Sum());
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<double> t = d.Target(r);
            for (int c = 0; c < classes; c++)
            {
                Assert.Equal(c == labels[r] ? 1.0 : 0.0, t[c]);
            }
        }
    }

    [Fact]
    public void Labels_are_shuffled_not_round_robin()
    {
        int[] labels = Synthetic.Classification(100, 2, 10, 3).Labels!;
        Assert.NotEqual(Enumerable.Range(0, 100).Select(r => r % 10).ToArray(), labels);
    }

    /// <summary>The teacher recomputed from the recipe in <see cref="Synthetic.Regression"/>'s documentation.</summary>
    [Theory]
    [InlineData(50, 20, 4, 123UL)]
    [InlineData(5, 1, 1, 0UL)]
    [InlineData(13, 7, 3, ulong.MaxValue)]
    public void Regression_targets_are_the_documented_teacher_plus_noise(int count, int inputWidth, int outputWidth, ulong seed)
    {
        DataSet d = Synthetic.Regression(count, inputWidth, outputWidth, seed);

        const int hidden = 16;
        Rng teacher = Rng.Derive(seed, RngDomain.Data, 0);
        double[,] w1 = new double[hidden, inputWidth];
        for (int j = 0; j < hidden; j++)
        {
            for (int i = 0; i < inputWidth; i++)
            {
                w1[j, i] = teacher.NextNormal() * Math.Sqrt(2.0 / inputWidth);
            }
        }

        double[,] w2 = new double[outputWidth, hidden];
        for (int k = 0; k < outputWidth; k++)
        {
            for (int j = 0; j < hidden; j++)
            {
                w2[k, j] = teacher.NextNormal() * Math.Sqrt(2.0 / hidden);
            }
        }

        Rng inputs = Rng.Derive(seed, RngDomain.Data, 1);
        Rng noise = Rng.Derive(seed, RngDomain.Data, 2);
        var x = new double[count * inputWidth];
        for (int k = 0; k < x.Length; k++)
        {
            x[k] = inputs.NextNormal();
        }

        var y = new double[count * outputWidth];
        for (int r = 0; r < count; r++)
        {
            var h = new double[hidden];
            for (int j = 0; j < hidden; j++)
            {
                double a = 0;
                for (int i = 0; i < inputWidth; i++)
                {
                    a += w1[j, i] * x[(r * inputWidth) + i];
                }

                h[j] = Math.Tanh(a);
            }

            for (int k = 0; k < outputWidth; k++)
            {
                double s = 0;
                for (int j = 0; j < hidden; j++)
                {
                    s += w2[k, j] * h[j];
                }

                y[(r * outputWidth) + k] = s + (0.01 * noise.NextNormal());
            }
        }

        DataAssert.BitIdentical(x, d.Inputs);
        // Same operations in the same order, so equal bits are expected; the bound only allows for a
        // different but equally valid evaluation order should the generator ever vectorise its sums.
        DataAssert.Close(y, d.Targets, 1e-12, 1e-12, "same recipe, summation order may differ");
    }

    [Fact]
    public void Regression_inputs_have_mean_0_and_variance_1_within_sampling_bounds()
    {
        DataSet d = Synthetic.Regression(5000, 20, 4, 77);
        int n = d.Inputs.Length;
        double mean = d.Inputs.Average();
        double variance = d.Inputs.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1);

        // Standard error of the mean is 1/√n; of the sample variance of N(0,1) it is √(2/(n−1)). Six of them
        // make a false failure practically impossible (< 1e-8) while still catching a wrong scale.
        DataAssert.Close(0.0, mean, 6.0 / Math.Sqrt(n), 0.0, "6 standard errors of the mean");
        DataAssert.Close(1.0, variance, 6.0 * Math.Sqrt(2.0 / (n - 1)), 0.0, "6 standard errors of the variance");
    }

    [Fact]
    public void Regression_noise_is_small_compared_with_the_signal()
    {
        DataSet d = Synthetic.Regression(2000, 20, 4, 5);
        double variance = d.Targets.Select(v => v * v).Average();
        Assert.True(variance > 100 * 0.01 * 0.01, $"target second moment {variance:G17} is not well above the noise variance 1e-4");
    }

    /// <summary>
    /// The task must be learnable but not trivial (Synthetic.ClassSeparation). The nearest-class-mean rule
    /// fitted on the default training set is a linear classifier; its test accuracy must be far above chance
    /// (0.1) and clearly below 1.
    /// </summary>
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Classification_is_learnable_by_a_linear_rule_but_not_trivially(ulong seed)
    {
        var (train, test) = Synthetic.Default(Synthetic.ClassificationName, seed);
        int w = train.InputWidth;
        int classes = train.OutputWidth;
        var means = new double[classes, w];
        var counts = new int[classes];
        for (int r = 0; r < train.Count; r++)
        {
            int l = train.Labels![r];
            counts[l]++;
            ReadOnlySpan<double> x = train.Input(r);
            for (int i = 0; i < w; i++)
            {
                means[l, i] += x[i];
            }
        }

        int correct = 0;
        for (int r = 0; r < test.Count; r++)
        {
            ReadOnlySpan<double> x = test.Input(r);
            int best = -1;
            double bestDistance = double.PositiveInfinity;
            for (int c = 0; c < classes; c++)
            {
                double distance = 0;
                for (int i = 0; i < w; i++)
                {
                    double diff = x[i] - (means[c, i] / counts[c]);
                    distance += diff * diff;
                }

                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    best = c;
                }
            }

            correct += best == test.Labels![r] ? 1 : 0;
        }

        double accuracy = (double)correct / test.Count;
        output.WriteLine($"seed {seed}: nearest-class-mean test accuracy {accuracy:G4}");
        Assert.True(accuracy >= 0.5 && accuracy <= 0.97, $"seed {seed}: accuracy {accuracy:G17} outside [0.5, 0.97]");
    }
}
