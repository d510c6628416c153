using System.Numerics;

namespace PcVerify.Engine.Verification;

/// <summary>Angles between vectors, the measure of alignment (docs/math.md §12).</summary>
public static class Angles
{
    /// <summary>The angle in degrees between <paramref name="a"/> and <paramref name="b"/> (accumulated in double); NaN if either is zero.</summary>
    public static double Degrees<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels.Shapes.CheckLength(b.Length, a.Length, nameof(b));
        double ab = 0, aa = 0, bb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double x = double.CreateTruncating(a[k]), y = double.CreateTruncating(b[k]);
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }

        if (aa == 0 || bb == 0)
        {
            return double.NaN;
        }

        // Rounding can push |cos| a few ulps past 1, where acos is NaN; the true value lies within [−1, 1].
        double c = Math.Clamp(ab / Math.Sqrt(aa * bb), -1.0, 1.0);
        return Math.Acos(c) * 180.0 / Math.PI;
    }
}
