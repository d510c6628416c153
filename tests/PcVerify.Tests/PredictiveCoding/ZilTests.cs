using PcVerify.Engine.Backprop;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.PredictiveCoding;

public class ZilTests
{
    // Z-IL's ε^l_l equals δ^l in exact arithmetic (Thm 3.1); in float64 it is computed as (x_0 + Δx) − x_0, which
    // loses at most a few ulps of |x_0| per layer, so updates agree to ~1e-15 relative; 1e-12 absolute + relative
    // leaves three orders of magnitude of headroom without hiding a real error (a real error is O(|δ|)).
    private static readonly Tolerance Float64Exactness = new(1e-12, 1e-12, "float64 rounding of (x0+Δx)−x0 per layer");

    [Theory]
    [InlineData("5,7,6,4", "tanh", false)]
    [InlineData("5,7,6,4", "logistic", true)]
    [InlineData("3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", true)]
    [InlineData("4,3", "relu", true)]
    [InlineData("6,9,2", "identity", false)]
    public void Z_IL_update_of_every_layer_equals_the_BP_update(string arch, string act, bool bias)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> theta = TestNets.Params(spec, 11);
        Parameters<double> w = theta.Clone();
        double[] sIn = TestNets.Normal(spec.InputWidth, 1), sOut = TestNets.Normal(spec.OutputWidth, 2);

        BpTrace<double> bpTrace = new();
        new Backprop<double>(spec, 0.1).Step(w, sIn, sOut, 1, bpTrace);
        PcTrace<double> pcTrace = new();
        new PredictiveCodingLearner<double>(spec, Algorithm.ZIL, 0.1, synchronous: true).Step(theta, sIn, sOut, 1, pcTrace);

        for (int l = 0; l < spec.L; l++)
        {
            Float64Exactness.Assert<double>(bpTrace.Delta[l], pcTrace.Moments[l].Eps[l], $"ε^{l}_{l} vs δ^{l}");
            Float64Exactness.Assert<double>(bpTrace.DeltaW[l + 1]!.Data, pcTrace.TotalDeltaTheta(l + 1)!.Data, $"Δθ^{l + 1} vs Δw^{l + 1}");
            if (bias)
            {
                Float64Exactness.Assert<double>(bpTrace.DeltaV[l + 1]!, pcTrace.TotalDeltaBeta(l + 1)!, $"Δβ^{l + 1} vs Δv^{l + 1}");
            }
        }
    }

    [Theory]
    [InlineData("5,7,6,4", "tanh", false, 1.0)]
    [InlineData("3,8,8,8,2", "softplus,tanh,relu,leaky-relu:0.1", true, 1.0)]
    [InlineData("3,8,8,8,2", "logistic", true, 0.3)]
    public void Event_driven_Z_IL_is_bit_identical_to_the_synchronous_simulation(string arch, string act, bool bias, double gamma)
    {
        NetworkSpec spec = TestNets.Spec(arch, act, bias);
        Parameters<double> a = TestNets.Params(spec, 5), b = a.Clone();
        PredictiveCodingLearner<double> sync = new(spec, Algorithm.ZIL, 0.05, capacity: 3, gamma: gamma, synchronous: true);
        PredictiveCodingLearner<double> fast = new(spec, Algorithm.ZIL, 0.05, capacity: 3, gamma: gamma);
        Assert.True(fast.EventDriven);
        for (int step = 0; step < 20; step++)
        {
            int batch = 1 + (step % 3);
            double[] sIn = TestNets.Normal(batch * spec.InputWidth, (ulong)(100 + step));
            double[] sOut = TestNets.Normal(batch * spec.OutputWidth, (ulong)(200 + step));
            sync.Step(a, sIn, sOut, batch);
            fast.Step(b, sIn, sOut, batch);
        }

        for (int l = 1; l <= spec.L; l++)
        {
            Tolerance.Exact.Assert<double>(a.Theta[l].Data, b.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<double>(a.Beta[l], b.Beta[l], $"β^{l}");
        }
    }
}
