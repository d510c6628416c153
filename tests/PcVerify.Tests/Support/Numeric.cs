using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Support;

/// <summary>Seeded test data and the floating-point error bounds the tests derive their tolerances from.</summary>
internal static class Numeric
{
    /// <summary>The unit roundoff u of <typeparamref name="T"/>: 2^-53 for double, 2^-24 for float.</summary>
    public static double UnitRoundoff<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? Math.ScaleB(1.0, -53) : Math.ScaleB(1.0, -24);

    /// <summary>
    /// γ_n = n·u / (1 − n·u) (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): a computed sum of n
    /// products in ANY order satisfies |ŝ − s| ≤ γ_n Σ|a_i b_i|, since each product passes through one multiply
    /// and at most n − 1 additions.
    /// </summary>
    public static double Gamma<T>(int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double nu = n * UnitRoundoff<T>();
        return nu / (1 - nu);
    }

    /// <summary>
    /// The tolerance for comparing two computations of the same dot product in different summation orders: each
    /// is within γ_n Σ|a_i b_i| of the exact value, so they are within 2·γ_n Σ|a_i b_i| of each other.
    /// </summary>
    public static Tolerance DotOrderBound<T>(int n, double sumAbsProducts)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(2 * Gamma<T>(Math.Max(n, 1)) * sumAbsProducts, 0, $"two summation orders of a {n}-term dot product: 2·γ_n·Σ|a_i b_i|");

    /// <summary>Σ_j |a_j b_j| computed in double (exact enough: it only sizes a bound).</summary>
    public static double SumAbsProducts<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++)
        {
            s += Math.Abs(double.CreateTruncating(a[j]) * double.CreateTruncating(b[j]));
        }

        return s;
    }

    /// <summary>n seeded N(0, 1) values in <typeparamref name="T"/> (drawn in double, then rounded).</summary>
    public static T[] Normal<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Rng rng = new(seed);
        T[] v = new T[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = T.CreateTruncating(rng.NextNormal());
        }

        return v;
    }

    /// <summary>n seeded values uniform in [lo, hi).</summary>
    public static double[] Uniform(int n, ulong seed, double lo, double hi)
    {
        Rng rng = new(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = rng.NextUniform(lo, hi);
        }

        return v;
    }

    /// <summary>Largest element-wise |a − b| (NaN if any difference is NaN).</summary>
    public static double MaxAbsDiff<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double m = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = Math.Abs(double.CreateTruncating(a[k]) - double.CreateTruncating(b[k]));
            m = double.IsNaN(d) || d > m ? d : m;
        }

        return m;
    }
}
