using PcVerify.Engine;

namespace PcVerify.Tests.Network;

/// <summary>
/// The seeded generator every initialisation and noise stream uses: reproducibility, bounds, and the moments of its
/// distributions within 5 standard errors of the estimator over 100 000 draws (false alarm &lt; 1e-6 per check).
/// </summary>
public class RngTests
{
    private const int N = 100_000;

    [Fact]
    public void The_same_seed_gives_the_same_stream_and_different_seeds_or_streams_differ()
    {
        Rng a = new(123), b = new(123), c = new(124), d = Rng.Derive(123, 1), e = Rng.Derive(123, 1), f = Rng.Derive(123, 2);
        int sameAc = 0, sameDf = 0;
        for (int i = 0; i < 1000; i++)
        {
            ulong x = a.NextUInt64(), dx = d.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            Assert.Equal(dx, e.NextUInt64());
            sameAc += x == c.NextUInt64() ? 1 : 0;
            sameDf += dx == f.NextUInt64() ? 1 : 0;
        }

        Assert.Equal(0, sameAc);
        Assert.Equal(0, sameDf);
    }

    [Fact]
    public void NextDouble_is_in_zero_one_with_mean_one_half()
    {
        Rng r = new(1);
        double sum = 0;
        for (int i = 0; i < N; i++)
        {
            double u = r.NextDouble();
            Assert.True(u >= 0 && u < 1, $"draw {i}: {u:G17}");
            sum += u;
        }

        Assert.True(Math.Abs((sum / N) - 0.5) <= 5 * Math.Sqrt(1.0 / 12 / N), $"mean {sum / N:G6}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void NextInt_stays_in_zero_to_n_and_hits_both_ends_for_small_n(int n)
    {
        Rng r = new((ulong)n);
        int min = int.MaxValue, max = -1;
        for (int i = 0; i < 20_000; i++)
        {
            int k = r.NextInt(n);
            Assert.True(k >= 0 && k < n, $"NextInt({n}) = {k}");
            min = Math.Min(min, k);
            max = Math.Max(max, k);
        }

        if (n <= 1000)
        {
            // P(missing one end in 20 000 draws) ≤ (1 − 1/1000)^20000 ≈ 2e-9.
            Assert.Equal(0, min);
            Assert.Equal(n - 1, max);
        }
    }

    [Fact]
    public void NextInt_is_uniform_by_a_chi_square_test_and_rejects_non_positive_bounds()
    {
        const int k = 7;
        Rng r = new(5);
        int[] counts = new int[k];
        for (int i = 0; i < 70_000; i++)
        {
            counts[r.NextInt(k)]++;
        }

        // χ² with k − 1 = 6 degrees of freedom: mean 6, standard deviation √12; 6 + 5√12 ≈ 23.3.
        double expected = 70_000.0 / k, chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 <= 6 + (5 * Math.Sqrt(12)), $"χ² = {chi2:G6}");
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextInt(-3));
    }

    [Fact]
    public void NextNormal_has_mean_zero_variance_one_and_uncorrelated_successive_draws()
    {
        Rng r = new(99);
        double[] z = new double[N];
        for (int i = 0; i < N; i++)
        {
            z[i] = r.NextNormal();
        }

        double mean = z.Average();
        double s2 = z.Sum(x => x * x) / N;
        double lag1 = 0;
        for (int i = 1; i < N; i++)
        {
            lag1 += z[i] * z[i - 1];
        }

        lag1 /= N - 1;

        // Standard errors: mean 1/√N; Σz²/N: √(2/N); lag-1 product (independent N(0,1)): 1/√N.
        Assert.True(Math.Abs(mean) <= 5 / Math.Sqrt(N), $"mean {mean:G6}");
        Assert.True(Math.Abs(s2 - 1) <= 5 * Math.Sqrt(2.0 / N), $"variance {s2:G6}");
        Assert.True(Math.Abs(lag1) <= 5 / Math.Sqrt(N), $"lag-1 correlation {lag1:G6} (Box–Muller pairs must be independent)");

        // Tails: P(|z| > 3) = 0.0026998; the count is binomial with standard deviation √(Np(1−p)).
        double p3 = 0.0026997960632601866, tail = z.Count(x => Math.Abs(x) > 3);
        Assert.True(Math.Abs(tail - (N * p3)) <= 5 * Math.Sqrt(N * p3 * (1 - p3)), $"{tail} draws beyond ±3σ, expected {N * p3:G6}");
    }

    [Fact]
    public void Shuffle_is_a_permutation_and_reproducible()
    {
        int[] a = Enumerable.Range(0, 100).ToArray(), b = Enumerable.Range(0, 100).ToArray();
        new Rng(3).Shuffle<int>(a);
        new Rng(3).Shuffle<int>(b);
        Assert.Equal(a, b);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), a);
    }
}

public class RngDomainTests
{
    [Fact]
    public void Every_consumer_of_one_seed_draws_different_numbers()
    {
        // One --seed feeds data, initialisation, shuffles and σ noise; none may reuse another's numbers.
        PcVerify.Engine.RngDomain[] domains = Enum.GetValues<PcVerify.Engine.RngDomain>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            HashSet<ulong> firsts = [];
            foreach (PcVerify.Engine.RngDomain d in domains)
            {
                for (ulong stream = 0; stream < 8; stream++)
                {
                    Assert.True(firsts.Add(PcVerify.Engine.Rng.Derive(seed, d, stream).NextUInt64()), $"seed {seed}, {d} stream {stream} repeats another stream");
                }
            }
        }
    }

    [Fact]
    public void Initial_weights_are_not_the_synthetic_inputs_rescaled()
    {
        // The defect this guards against: θ¹ / √(2/fan_in) equalled the synthetic inputs element for element.
        var spec = PcVerify.Engine.Network.NetworkSpec.FromInputToOutput([20, 4], [PcVerify.Engine.Network.Activation.Tanh], false);
        var theta = PcVerify.Engine.Network.Initialisation<double>.Create(spec, PcVerify.Engine.Network.InitScheme.HeNormal, 1);
        var data = PcVerify.Engine.Data.Synthetic.Regression(10, 20, 4, 1);
        double scale = Math.Sqrt(2.0 / 20);
        int equal = Enumerable.Range(0, 40).Count(k => theta.Theta[1].Data[k] / scale == data.Inputs[k]);
        Assert.Equal(0, equal);
    }
}
