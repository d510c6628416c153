using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Tests.Kernels;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.PredictiveCoding;

/// <summary>
/// The optimised Fa-Z-IL (which skips the work Lemma A.3 proves cannot change the parameters) against the
/// faithful synchronous simulation of Algorithm 3 (oracle): identical parameter bits, including the signs of zeros.
/// </summary>
public class FaZilSkippingTests
{
    [Theory]
    [InlineData("5,7,6,4", "tanh", false, 1.0, 1, null)]
    [InlineData("3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", true, 1.0, 3, null)]
    [InlineData("6,12,12,12,3", "relu", true, 1.0, 4, null)]
    [InlineData("6,12,12,12,3", "relu", true, 1.0, 1, 7)]
    [InlineData("6,12,12,12,3", "leaky-relu:-0.5", false, 1.0, 2, 2)]
    [InlineData("3,8,8,8,2", "logistic", true, 0.3, 3, 5)]
    [InlineData("4,3", "relu", true, 1.0, 2, null)]
    public void Skipping_Fa_Z_IL_is_bit_identical_to_the_faithful_simulation(string arch, string act, bool bias, double gamma, int capacity, int? moments)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> a = TestNets.Params(spec, 5), b = a.Clone();
        PredictiveCodingLearner<double> faithful = new(spec, Algorithm.FaZIL, 0.05, capacity, gamma, synchronous: true, moments: moments);
        PredictiveCodingLearner<double> fast = new(spec, Algorithm.FaZIL, 0.05, capacity, gamma, moments: moments);
        Assert.False(faithful.FaZilSkipping);
        Assert.True(fast.FaZilSkipping);
        for (int step = 0; step < 20; step++)
        {
            int batch = 1 + (step % capacity);
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(100 + step));
            double[] sOut = TestNets.Normal(batch * spec.OutputWidth, (ulong)(200 + step));
            faithful.Step(a, sIn, sOut, batch);
            fast.Step(b, sIn, sOut, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            ThreadingTests.AssertBits<double>(a.Theta[l].Data, b.Theta[l].Data, $"θ^{l}");
            ThreadingTests.AssertBits<double>(a.Beta[l], b.Beta[l], $"β^{l}");
        }
    }

    [Fact]
    public void Negative_control_skipping_with_noisy_initialisation_would_not_be_exact()
    {
        // With σ > 0 (C1 broken) Lemma A.3 fails: errors above the frontier are not zero, so the skipping path is
        // not used, and skipping would change the result. Demonstrated by comparing σ > 0 Fa-Z-IL with σ = 0.
        NetworkSpec spec = TestNets.Spec("5,7,6,4", "tanh", false);
        Parameters<double> a = TestNets.Params(spec, 5), b = a.Clone();
        PredictiveCodingLearner<double> noisy = new(spec, Algorithm.FaZIL, 0.05, sigma: 1e-3, noiseSeed: 3);
        PredictiveCodingLearner<double> fast = new(spec, Algorithm.FaZIL, 0.05);
        Assert.False(noisy.FaZilSkipping);
        double[] sIn = TestNets.Normal(spec.InputWidth, 1), sOut = TestNets.Normal(spec.OutputWidth, 2);
        noisy.Step(a, sIn, sOut, 1);
        fast.Step(b, sIn, sOut, 1);
        Assert.NotNull(ThreadingTests.FirstBitDifference<double>(a.Theta[1].Data, b.Theta[1].Data, "θ^1"));
    }

    [Fact]
    public void Skipping_Fa_Z_IL_with_late_firings_allocates_nothing_after_warm_up()
    {
        // relu leaves neurons silent at their first moment, so later moments run the liveness, the re-predictions and
        // the partial and row-only paths; none may allocate. Two windows: a one-time runtime allocation shows in at most one.
        NetworkSpec spec = TestNets.Spec("6,12,12,12,3", "relu", true);
        Parameters<double> p = TestNets.Params(spec, 5);
        PredictiveCodingLearner<double> fast = new(spec, Algorithm.FaZIL, 0.05, 4, moments: 7);
        double[] sIn = TestNets.Normal(4 * spec.InputWidth, 100), sOut = TestNets.Normal(4 * spec.OutputWidth, 200);
        fast.Step(p, sIn, sOut, 4);
        long[] windows = new long[2];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int step = 0; step < 5; step++)
            {
                int batch = 1 + (step % 4);
                fast.Step(p, sIn.AsSpan(0, batch * spec.InputWidth), sOut.AsSpan(0, batch * spec.OutputWidth), batch);
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(windows.Min() == 0, $"skipping Fa-Z-IL allocated {windows[0]} and {windows[1]} bytes in two windows of 5 steps");
    }
}
