using System.Globalization;
using PcVerify.Cli.Reporting;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Reproduce;

/// <summary>The report's weight-transport section (issue 13; docs/math.md §12): a table, two figures and one verdict per claim.</summary>
internal static class WeightTransportSection
{
    /// <summary>Z-IL with B equals BP with B when the final weights agree to this Σ|θ − w| (the σ = 0 bound of the paper's claims).</summary>
    public const double SameFeedbackBound = Claims.ExactWeightBound;

    /// <summary>"Diverges from exact BP": Σ|θ − w| above this, ten orders of magnitude over the rounding level.</summary>
    public const double DivergesBound = 1e-3;

    /// <summary>"Learns": final test error at least this many percentage points below chance (1 − 1/classes).</summary>
    public const double LearnsPp = 20.0;

    /// <summary>The verdicts, in the issue's order.</summary>
    public static IReadOnlyList<Claim> Evaluate(IReadOnlyList<TransportRun> runs, int classes)
    {
        ArgumentNullException.ThrowIfNull(runs);
        TransportRun[] zil = [.. runs.Where(r => r.Algorithm == Algorithm.ZIL)];
        double worst = zil.Max(r => r.FromSameFeedback);
        TransportRun kp = runs.First(r => r.Feedback == FeedbackKind.KolenPollack && r.Algorithm == Algorithm.BP);
        double kpFirst = kp.Points[0].Alignment[0].MeanDegrees, kpLast = kp.Points[^1].Alignment[0].MeanDegrees;
        TransportRun fa = runs.First(r => r.Feedback == FeedbackKind.Random && r.Algorithm == Algorithm.BP);
        double chance = 1.0 - (1.0 / classes);
        return
        [
            new Claim(
                $"Z-IL with feedback B equals BP with the same B (Σ|θ − w| ≤ {SameFeedbackBound:G}) for every feedback",
                worst <= SameFeedbackBound,
                F($"largest Σ|θ − w| between Z-IL and BP with the same feedback: {worst:G3} ({string.Join(", ", zil.Select(r => F($"{WeightTransport.Describe(r.Feedback)} {r.FromSameFeedback:G3}")))})"),
                Exactness: false),
            new Claim(
                "Kolen–Pollack aligns: the angle between BP-KP's δ^1 and exact δ^1 falls over training",
                kpLast < kpFirst,
                F($"angle {kpFirst:F1}° at the first evaluation, {kpLast:F1}° at the last (λ = {kp.WeightDecay:G})"),
                Exactness: false),
            new Claim(
                $"Random feedback diverges from exact BP (Σ|θ − w| > {DivergesBound:G}) yet learns (test error ≥ {LearnsPp:G} points below chance)",
                fa.FromExact > DivergesBound && (chance - fa.FinalTestError) * 100 >= LearnsPp,
                F($"Σ|θ − w| from exact BP {fa.FromExact:G3}; test error {fa.FinalTestError * 100:F2} % (chance {chance * 100:F1} %, exact BP {runs[0].FinalTestError * 100:F2} %)"),
                Exactness: false),
        ];
    }

    /// <summary>Writes the table (CSV/JSON), the figures and the section of <paramref name="report"/>; returns the verdicts.</summary>
    public static IReadOnlyList<Claim> Write(Report report, string dir, IReadOnlyList<TransportRun> runs, int classes, int epochs)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(runs);
        int hidden = runs[0].Points[^1].Alignment.Count;
        List<string> columns = ["method", "λ", "test error (%)", "Σ|θ−w| from exact BP", "Σ|θ−w| from BP with the same B"];
        columns.AddRange(Enumerable.Range(1, hidden).Select(l => $"angle δ^{l} (°)"));
        ResultTable table = new("Weight transport: final test error, divergence and alignment of the propagated errors", columns);
        foreach (TransportRun r in runs)
        {
            List<ResultCell> cells = [r.Label, r.WeightDecay, r.FinalTestError * 100, r.FromExact, r.Algorithm == Algorithm.BP ? "—" : r.FromSameFeedback];
            cells.AddRange(r.Points[^1].Alignment.Select(a => (ResultCell)a.MeanDegrees));
            table.AddRow([.. cells]);
        }

        table.WriteCsv(Path.Combine(dir, "weight-transport.csv"));
        table.WriteJson(Path.Combine(dir, "weight-transport.json"));
        Figures.Lines(Path.Combine(dir, "weight-transport-alignment.png"), "Alignment of δ^1 with exact BP's δ^1", "epoch", "mean angle (degrees)",
            [.. runs.Select(r => Series(r, p => p.Alignment[0].MeanDegrees))], logX: false, logY: false);
        Figures.Lines(Path.Combine(dir, "weight-transport-test-error.png"), "Test error with non-symmetric feedback", "epoch", "test error (%)",
            [.. runs.Select(r => Series(r, p => p.TestError * 100))], logX: false, logY: false);

        IReadOnlyList<Claim> claims = Evaluate(runs, classes);
        report.AddSection("Weight transport: errors sent back without θᵀ");
        report.AddParagraph(F($"The thesis asks how far predictive coding approximates BP when errors cannot travel back through the forward weights θᵀ (docs/math.md §12). Every method starts from the first seed's parameters and sees the same pairs for {epochs} epoch(s): exact BP; feedback alignment (a fixed random B drawn like θ); sign-symmetry (B = s·sign θᵀ); Kolen–Pollack (B receives θ's update, weight decay λ = {WeightTransport.KpWeightDecay:G} on θ and B, compared with exact BP at the same λ); and direct feedback alignment (BP only). Each runs as BP, as Z-IL and as IL (all layers at t_c = T, the training curves' γ) with the same B. Angles: per hidden layer, the mean over the first up to 100 test pairs of the angle between the propagated error (Z-IL: ε^l at t = l; IL: ε^l at t_c) and exact BP's δ^l at the same parameters; pairs with a zero error are left out."));
        ResultTable verdicts = new("Weight transport: the issue's claims in this run", ["claim", "holds", "evidence"]);
        foreach (Claim c in claims)
        {
            verdicts.AddRow(c.Statement, c.Holds ? "yes" : "NO", c.Evidence);
        }

        report.AddTable(verdicts, 4);
        report.AddTable(table, 4);
        report.AddImage("weight-transport-alignment.png", "Angle between the propagated δ^1 and exact BP's δ^1 during training");
        report.AddImage("weight-transport-test-error.png", "Test error during training for each feedback, as BP, Z-IL and IL");
        return claims;
    }

    private static (string, double[], double[]) Series(TransportRun r, Func<TransportPoint, double> y)
    {
        // An evaluation with no defined angle (every pair's error zero) has no point; the table says NaN for it.
        TransportPoint[] shown = [.. r.Points.Where(p => double.IsFinite(y(p)))];
        return (r.Label, [.. shown.Select(p => p.Epoch)], [.. shown.Select(y)]);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
