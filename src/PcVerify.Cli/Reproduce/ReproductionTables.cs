using System.Globalization;
using PcVerify.Cli.Reporting;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli.Reproduce;

/// <summary>Turns the experiments' results into the tables of the report (and of the snapshot tests).</summary>
internal static class ReproductionTables
{
    public static ResultTable Sigma(IReadOnlyList<SigmaRow> rows)
    {
        ResultTable t = new("Tables 1–2: Z-IL with noisy C1 initialisation (σ) vs BP",
        [
            "σ", "test-error divergence (pp)", "± std", "paper", "final-weight divergence", "± std", "paper",
            "final-bias divergence", "test error", "± std", "paper test error", "seeds", "diverged runs",
        ]);
        foreach (SigmaRow r in rows)
        {
            t.AddRow(
                r.Sigma, r.TestErrorDivergencePp.Mean, r.TestErrorDivergencePp.Std, PaperValues.Verbatim(PaperValues.TestErrorDivergence, r.Sigma),
                r.WeightDivergence.Mean, r.WeightDivergence.Std, PaperValues.Verbatim(PaperValues.WeightDivergence, r.Sigma),
                r.BiasDivergence.Mean, r.TestError.Mean, r.TestError.Std, PaperValues.Verbatim(PaperValues.TestError, r.Sigma),
                r.Runs.Count, r.Runs.Count(x => x.Diverged is not null));
        }

        return t;
    }

    public static ResultTable Grid(IReadOnlyList<GridCell> cells)
    {
        ResultTable t = new("Fig. 3: IL updating every layer at one moment t (and Z-IL, t = l) for each γ, vs BP",
            ["γ", "schedule", "test error", "BP test error", "test-error divergence (pp)", "final-weight divergence", "diverged"]);
        foreach (GridCell c in cells)
        {
            t.AddRow(c.Gamma, c.Column.Label, c.Run.TestError, c.Run.BpTestError, c.Run.TestErrorDivergencePp, c.Run.WeightDivergence, c.Run.Diverged ?? "");
        }

        return t;
    }

    public static ResultTable Curves(IReadOnlyList<Curve> curves)
    {
        ResultTable t = new("Training curves: test error and loss at every checkpoint", ["algorithm", "epoch", "step", "test loss", "test error"]);
        foreach (Curve c in curves)
        {
            foreach (var p in c.Checkpoints)
            {
                t.AddRow(c.Algorithm, p.Epoch, p.Step, p.TestLoss, p.TestError);
            }
        }

        return t;
    }

    public static ResultTable Runtime(string title, IReadOnlyList<RuntimeRow> rows)
    {
        ResultTable t = new(title, ["algorithm", "seconds per pair", "ratio to BP", "pairs timed per repeat"]);
        foreach (RuntimeRow r in rows)
        {
            t.AddRow(r.Algorithm, r.SecondsPerPair, r.RatioToBp, r.Pairs);
        }

        return t;
    }

    public static ResultTable ClaimsTable(IReadOnlyList<Claim> claims)
    {
        ResultTable t = new("The paper's claims in this run", ["claim", "holds", "evidence"]);
        foreach (Claim c in claims)
        {
            t.AddRow(c.Statement, c.Holds ? "yes" : "NO", c.Evidence);
        }

        return t;
    }

    /// <summary>The grid as a matrix (rows = γ, columns = schedules) of one measure.</summary>
    public static (double[,] Values, string[] X, string[] Y) GridMatrix(IReadOnlyList<GridCell> cells, Func<PairedRun, double> measure) =>
        Matrix(cells, measure);

    /// <summary>The grid as a matrix of texts, laid out as <see cref="GridMatrix"/>; a run that diverged reads "diverged".</summary>
    public static (string[,] Values, string[] X, string[] Y) GridLabels(IReadOnlyList<GridCell> cells, Func<PairedRun, string> text) =>
        Matrix(cells, r => r.Diverged is null ? text(r) : "diverged");

    private static (T[,] Values, string[] X, string[] Y) Matrix<T>(IReadOnlyList<GridCell> cells, Func<PairedRun, T> measure)
    {
        string[] x = [.. cells.Select(c => c.Column.Label).Distinct()];
        double[] gammas = [.. cells.Select(c => c.Gamma).Distinct().OrderDescending()];
        T[,] v = new T[gammas.Length, x.Length];
        foreach (GridCell c in cells)
        {
            v[Array.IndexOf(gammas, c.Gamma), Array.IndexOf(x, c.Column.Label)] = measure(c.Run);
        }

        return (v, x, [.. gammas.Select(g => "γ = " + g.ToString("G", CultureInfo.InvariantCulture))]);
    }
}
