using PcVerify.Engine;
using PcVerify.Engine.Network;

namespace PcVerify.Tests;

/// <summary>Small seeded networks and data for example tests.</summary>
internal static class TestNets
{
    public static NetworkSpec Spec(string archInputFirst, string act, bool bias) =>
        NetworkSpec.FromInputToOutput(
            archInputFirst.Split(',').Select(int.Parse).ToArray(),
            act.Split(',').Select(Activation.Parse).ToArray(),
            bias);

    public static Parameters<double> Params(NetworkSpec spec, ulong seed, double biasScale = 0.3) =>
        Initialisation<double>.Create(spec, InitScheme.XavierUniform, seed, scale: 1.5, biasScale: spec.Bias ? biasScale : 0);

    public static double[] Normal(int n, ulong seed, double scale = 1.0)
    {
        Rng rng = new(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = scale * rng.NextNormal();
        }

        return v;
    }
}
