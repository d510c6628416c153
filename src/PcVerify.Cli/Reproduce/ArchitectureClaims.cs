using System.Globalization;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Reproduce;

/// <summary>
/// The criteria by which <c>reproduce</c> judges the claims of its architectures section (docs/reproduction.md
/// states them): docs/math.md §10 carries Z-IL's exactness to levelled graphs, §11 to softmax cross-entropy.
/// </summary>
internal static class ArchitectureClaims
{
    /// <summary>"Leaves BP" on a graph that is not levelled: every seed and loss above this Σ|θ − w| + Σ|β − v|, 10⁴ × <see cref="Claims.ExactWeightBound"/>.</summary>
    public const double DivergedBound = 1e-6;

    public static IReadOnlyList<Claim> Evaluate(IReadOnlyList<ArchitectureRow> rows)
    {
        List<Claim> claims = [];
        foreach (ArchitectureNet net in rows.Select(r => r.Net).Distinct())
        {
            ArchitectureRow[] zil = [.. rows.Where(r => r.Net == net && r.Algorithm == Algorithm.ZIL)];
            if (net.Levelled)
            {
                foreach (ArchitectureRow r in zil)
                {
                    claims.Add(Exact(r, r.Loss.Name == "ce"
                        ? $"{net.Title}: with softmax cross-entropy Z-IL is as exact as with squared error (levelled graph ⇒ zero divergence)"
                        : $"{net.Title}: levelled graph ⇒ Z-IL equals BP (squared error)"));
                }

                if (net.WithinFaZilBoundary)
                {
                    foreach (ArchitectureRow r in rows.Where(r => r.Net == net && r.Algorithm == Algorithm.FaZIL))
                    {
                        claims.Add(Exact(r, $"{net.Title}: levelled graph within Fa-Z-IL's boundary ⇒ Fa-Z-IL equals BP ({r.Loss.Description})"));
                    }
                }

                continue;
            }

            ArchitectureNet? twin = rows.Select(r => r.Net).FirstOrDefault(n => n.Id == net.Id + "-levelled");
            double least = zil.Length == 0 ? double.NaN : zil.Min(r => r.LeastDivergence);
            double twinWorst = twin is null ? double.NaN : rows.Where(r => r.Net == twin && r.Algorithm == Algorithm.ZIL).Select(r => r.WorstDivergence).DefaultIfEmpty(double.NaN).Max();
            claims.Add(new Claim(
                $"{net.Title}: not levelled ⇒ Z-IL leaves BP (Σ|θ − w| + Σ|β − v| > {DivergedBound:G} for every seed and loss)",
                least > DivergedBound,
                F($"smallest divergence over seeds and losses {least:G3} ({string.Join(", ", zil.Select(r => r.Learner).Distinct())})") +
                    (twin is null ? "" : F($"; the same net levelled: largest {twinWorst:G3}")),
                Exactness: false));
        }

        return claims;
    }

    private static Claim Exact(ArchitectureRow r, string statement)
    {
        double worst = r.WorstDivergence;
        double worstErr = r.Runs.Max(x => x.Diverged is null ? x.TestErrorDivergencePp : double.PositiveInfinity);
        return new Claim(
            $"{statement}: Σ|θ − w| + Σ|β − v| ≤ {Claims.ExactWeightBound:G} and zero test-error divergence, for every seed",
            worst <= Claims.ExactWeightBound && worstErr == 0,
            F($"{r.Learner}: largest weight+bias divergence over {r.Runs.Count} seed(s) {worst:G3}; largest test-error divergence {worstErr:G3} pp"),
            Exactness: true);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
