namespace PcVerify.Cli.Reproduce;

/// <summary>The paper's reference numbers (supplementary Tables 1–2; docs/math.md §9), indexed like <see cref="Sigmas"/>.</summary>
internal static class PaperValues
{
    public static readonly double[] Sigmas = [0, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100];

    /// <summary>Table 1, divergence of test error (percentage points).</summary>
    public static readonly double[] TestErrorDivergence = [0, 4.23e-3, 1.77e-2, 6.05e-2, 6.15e-1, 3.73e1, 4.17e1, 4.26e1];

    /// <summary>Table 1, divergence of final weights.</summary>
    public static readonly double[] WeightDivergence = [2.37e-13, 2.40e-2, 9.94e-1, 3.36, 1.43e1, 1.08e2, 1.12e3, 1.22e4];

    /// <summary>Table 2, test error (fraction).</summary>
    public static readonly double[] TestError = [0.10546, 0.10548, 0.10557, 0.10596, 0.11507, 0.68915, 0.75753, 0.77116];

    /// <summary>The paper's value for σ as the paper prints it (all its digits, never re-rounded), or "—".</summary>
    public static string Verbatim(double[] values, double sigma)
    {
        double v = Lookup(values, sigma);
        return double.IsNaN(v) ? "—" : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The paper's value for σ, or NaN when the paper has none.</summary>
    public static double Lookup(double[] values, double sigma)
    {
        int i = Array.IndexOf(Sigmas, sigma);
        return i < 0 ? double.NaN : values[i];
    }
}
