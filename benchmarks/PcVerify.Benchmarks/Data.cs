using System.Numerics;
using PcVerify.Engine;

namespace PcVerify.Benchmarks;

/// <summary>Seeded benchmark data (never random without a seed, so every run measures the same numbers).</summary>
public static class Data
{
    /// <summary>Benchmark categories; <c>Paper</c> is the 1 GB network, excludable from quick runs.</summary>
    public const string Kernels = "Kernels", Training = "Training", Machine = "Machine", Paper = "Paper";

    /// <summary><paramref name="n"/> standard-normal values from seed <paramref name="seed"/>.</summary>
    public static T[] Normal<T>(int n, ulong seed, double scale = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Rng rng = new(seed);
        T[] v = new T[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = T.CreateTruncating(scale * rng.NextNormal());
        }

        return v;
    }
}
