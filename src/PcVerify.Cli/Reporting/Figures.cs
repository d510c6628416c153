using System.Globalization;
using PcVerify.Engine.Data;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace PcVerify.Cli.Reporting;

/// <summary>
/// The report's figures, drawn with ScottPlot 5 and written as PNG files of <see cref="Width"/> ×
/// <see cref="Height"/> pixels, atomically (the image is rendered to bytes first, then written with
/// <see cref="AtomicFile"/>; the directory must exist).
/// </summary>
public static class Figures
{
    /// <summary>Width of every figure in pixels.</summary>
    public const int Width = 900;

    /// <summary>Height of every figure in pixels.</summary>
    public const int Height = 600;

    /// <summary>
    /// A heatmap (e.g. Fig. 3: divergence over σ × t) with a labelled colour bar. Cell
    /// <c>values[r, c]</c> is drawn in column <c>c</c> (labelled <c>xTicks[c]</c>, left to right) and row
    /// <c>r</c> (labelled <c>yTicks[r]</c>, top to bottom, as the array is printed). A NaN cell is drawn
    /// in the heatmap's NaN colour, not hidden.
    /// </summary>
    /// <exception cref="ArgumentException">The tick arrays do not match the array's dimensions, or the array is empty.</exception>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written.</exception>
    public static void Heatmap(
        string path, string title, string xLabel, string yLabel,
        double[,] values, string[] xTicks, string[] yTicks, string colorbarLabel)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(xTicks);
        ArgumentNullException.ThrowIfNull(yTicks);
        int rows = values.GetLength(0);
        int columns = values.GetLength(1);
        if (rows == 0 || columns == 0)
        {
            throw new ArgumentException("a heatmap needs at least one cell", nameof(values));
        }

        if (xTicks.Length != columns || yTicks.Length != rows)
        {
            throw new ArgumentException(
                $"heatmap '{title}': {rows}×{columns} values need {columns} x ticks and {rows} y ticks, " +
                $"got {xTicks.Length} and {yTicks.Length}", nameof(values));
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);

        // Cell (r, c) is the unit square centred on (c, rows − 1 − r): row 0 at the top, as in the array.
        heatmap.Rectangle = new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = colorbarLabel;

        plot.Axes.Bottom.SetTicks(
            [.. Enumerable.Range(0, columns).Select(c => (double)c)], xTicks);
        plot.Axes.Left.SetTicks(
            [.. Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r))], yTicks);
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        Label(plot, title, xLabel, yLabel);
        Save(plot, path);
    }

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    private static readonly MarkerShape[] Markers = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.Cross, MarkerShape.OpenDiamond];

    /// <summary>
    /// A line plot of one or more series (e.g. training curves, divergence against σ) with a legend.
    /// With <paramref name="logX"/> or <paramref name="logY"/>, that axis is logarithmic: ScottPlot 5 has no
    /// log axis, so the data are plotted as log₁₀ values with major ticks at whole powers of ten labelled
    /// with the original values and log-spaced minor ticks between them.
    /// </summary>
    /// <exception cref="ArgumentException">There is no series, a series' x and y differ in length, or a value is not finite or,
    /// on a log axis, not positive (a zero divergence cannot be drawn on a log scale; no point is dropped silently).</exception>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written.</exception>
    public static void Lines(
        string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string label, double[] x, double[] y)> series, bool logX, bool logY)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            throw new ArgumentException("a line plot needs at least one series", nameof(series));
        }

        var plot = new Plot();
        int index = 0;
        foreach ((string label, double[] x, double[] y) in series)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            if (x.Length != y.Length)
            {
                throw new ArgumentException(
                    $"series '{label}': {x.Length} x values but {y.Length} y values", nameof(series));
            }

            var scatter = plot.Add.Scatter(Coordinates(x, logX, label, "x"), Coordinates(y, logY, label, "y"));
            scatter.LegendText = label;
            scatter.MarkerSize = 5;

            // Curves that coincide (BP, Z-IL and Fa-Z-IL do, by the theorem) must stay distinguishable: each series
            // gets its own dash pattern, marker and a decreasing width, so the one drawn last never hides the others.
            scatter.LinePattern = Patterns[index % Patterns.Length];
            scatter.MarkerShape = Markers[index % Markers.Length];
            scatter.LineWidth = Math.Max(1, 5 - (1.5f * (index % 3)));
            index++;
        }

        if (logX)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks();
        }

        if (logY)
        {
            plot.Axes.Left.TickGenerator = LogTicks();
        }

        if (logX || logY)
        {
            plot.Grid.MajorLineColor = Colors.Black.WithOpacity(.15);
            plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
            plot.Grid.MinorLineWidth = 1;
        }

        // Outside the data area, so the legend never hides a curve.
        plot.ShowLegend(Edge.Right);
        Label(plot, title, xLabel, yLabel);
        Save(plot, path);
    }

    /// <summary>
    /// The label of the major tick at log₁₀ position <paramref name="exponent"/>: the power of ten itself,
    /// plainly for 10⁻³ … 10³ (<c>0.001</c>, <c>1</c>, <c>1000</c>) and as <c>1e-13</c>, <c>1e4</c> beyond.
    /// </summary>
    internal static string LogTickLabel(double exponent)
    {
        double k = Math.Round(exponent);
        return Math.Abs(k) <= 3
            ? Math.Pow(10, k).ToString("G", CultureInfo.InvariantCulture)
            : "1e" + k.ToString("F0", CultureInfo.InvariantCulture);
    }

    private static NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = LogTickLabel,
    };

    /// <summary>The plotted coordinates: the values themselves, or their log₁₀ on a log axis.</summary>
    private static double[] Coordinates(double[] values, bool log, string label, string axis)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || (log && v <= 0))
            {
                throw new ArgumentException(
                    $"series '{label}': {axis}[{i}] = {v.ToString("G17", CultureInfo.InvariantCulture)} cannot be drawn" +
                    (log ? " on a log axis" : ""));
            }

            result[i] = log ? Math.Log10(v) : v;
        }

        return result;
    }

    private static void Label(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
    }

    private static void Save(Plot plot, string path)
    {
        using Image image = plot.GetImage(Width, Height);
        byte[] png = image.GetImageBytes(ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
