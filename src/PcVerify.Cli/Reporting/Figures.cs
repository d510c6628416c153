using System.Globalization;
using PcVerify.Engine.Data;
using ScottPlot;
using ScottPlot.Plottables;
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

    /// <summary>Font size of the numbers written in heatmap cells and beside the points at x = 0.</summary>
    private const float CellFontSize = 13;

    /// <summary>Size of the markers of the points at x = 0, larger than the series' own so they stand out.</summary>
    private const float ZeroMarkerSize = 11;

    /// <summary>At most this many labelled decades on a log axis; beyond, every second (third, …) is labelled.</summary>
    private const int MaxLogLabels = 12;

    /// <summary>
    /// A heatmap (e.g. Fig. 3: divergence over σ × t) with a labelled colour bar and the number of every cell written
    /// in it, so the figure reads without its table. Cell <c>values[r, c]</c> is drawn in column <c>c</c> (labelled
    /// <c>xTicks[c]</c>, left to right) and row <c>r</c> (labelled <c>yTicks[r]</c>, top to bottom, as the array is
    /// printed), coloured by its value and carrying the text <c>cellLabels[r, c]</c> (the caller formats it: the colour
    /// may encode a transform such as log₁₀ while the text gives the measured value), in black or white, whichever
    /// contrasts with the cell. A NaN cell is drawn in the heatmap's NaN colour, not hidden, and keeps its text.
    /// </summary>
    /// <exception cref="ArgumentException">The tick or label arrays do not match the array's dimensions, or the array is empty.</exception>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written.</exception>
    public static void Heatmap(
        string path, string title, string xLabel, string yLabel,
        double[,] values, string[,] cellLabels, string[] xTicks, string[] yTicks, string colorbarLabel)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(cellLabels);
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

        if (cellLabels.GetLength(0) != rows || cellLabels.GetLength(1) != columns)
        {
            throw new ArgumentException(
                $"heatmap '{title}': {rows}×{columns} values need {rows}×{columns} cell labels, " +
                $"got {cellLabels.GetLength(0)}×{cellLabels.GetLength(1)}", nameof(cellLabels));
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);

        // Cell (r, c) is the unit square centred on (c, rows − 1 − r): row 0 at the top, as in the array.
        heatmap.Rectangle = new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = colorbarLabel;
        ScottPlot.Range range = heatmap.GetRange();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                var text = plot.Add.Text(cellLabels[r, c], c, rows - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = CellFontSize;
                text.LabelBold = true;
                text.LabelFontColor = DarkCell(heatmap.Colormap, values[r, c], range) ? Colors.White : Colors.Black;
            }
        }

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
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The title above the plot.</param>
    /// <param name="xLabel">The x axis label.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="series">The series, each with its legend label.</param>
    /// <param name="logX">Whether the x axis is logarithmic.</param>
    /// <param name="logY">Whether the y axis is logarithmic.</param>
    /// <param name="atZeroX">
    /// Only with <paramref name="logX"/>: series i's value at x = 0 (NaN: none), which a log axis cannot place. It is
    /// drawn as a separate point, in the series' colour and marker and unconnected, in a slot two decades left of the
    /// smallest x, which the axis labels <c>0</c> and a dotted line separates from the rest; its value is written
    /// beside it in the series' colour. On a log y axis a value of exactly 0 is drawn on a floor one decade below the
    /// smallest positive y, which the axis labels <c>0</c> and a dotted line separates.
    /// </param>
    /// <exception cref="ArgumentException">There is no series, a series' x and y differ in length, a value is not finite or,
    /// on a log axis, not positive (a zero divergence cannot be drawn on a log scale except through
    /// <paramref name="atZeroX"/>; no point is dropped silently), or <paramref name="atZeroX"/> is given without a
    /// log x axis, with another length than <paramref name="series"/>, or with an infinite or (on a log y axis)
    /// negative value.</exception>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written.</exception>
    public static void Lines(
        string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string label, double[] x, double[] y)> series, bool logX, bool logY,
        IReadOnlyList<double>? atZeroX = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            throw new ArgumentException("a line plot needs at least one series", nameof(series));
        }

        CheckAtZero(series, logX, logY, atZeroX);
        var plot = new Plot();
        List<Scatter> drawn = [];
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
            drawn.Add(scatter);
            index++;
        }

        int? zeroX = null, zeroY = null;
        if (atZeroX is not null && atZeroX.Any(v => !double.IsNaN(v)))
        {
            (zeroX, zeroY) = DrawAtZero(plot, series, drawn, atZeroX, logY);
        }

        if (logX)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks(series.SelectMany(s => s.x), zeroX);
        }

        if (logY)
        {
            IEnumerable<double> ys = series.SelectMany(s => s.y).Concat(atZeroX?.Where(v => v > 0) ?? []);
            plot.Axes.Left.TickGenerator = LogTicks(ys, zeroY);
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

    /// <summary>
    /// Ticks of a log axis over <paramref name="values"/> (positive): a major tick at every power of ten (every
    /// second, third … when they would crowd), labelled by <see cref="LogTickLabel"/>, and minor ticks at 2..9 times
    /// each. With <paramref name="zeroAt"/>, the position that stands for 0 gets a major tick reading <c>0</c>, and the
    /// decades between it and the data get no ticks at all (no value lives there).
    /// </summary>
    private static NumericManual LogTicks(IEnumerable<double> values, int? zeroAt)
    {
        double[] logs = [.. values.Where(v => v > 0).Select(Math.Log10).DefaultIfEmpty(0)];
        int lo = (int)Math.Floor(logs.Min()), hi = (int)Math.Ceiling(logs.Max()) + 1;
        NumericManual ticks = new();
        if (zeroAt is int z)
        {
            ticks.AddMajor(z, "0");
        }
        else
        {
            lo--;
        }

        int step = Math.Max(1, (int)Math.Ceiling((hi - lo) / (double)MaxLogLabels));
        for (int e = lo; e <= hi; e++)
        {
            if (e % step == 0)
            {
                ticks.AddMajor(e, LogTickLabel(e));
            }
            else
            {
                ticks.AddMinor(e);
            }

            for (int m = 2; m <= 9 && e < hi; m++)
            {
                ticks.AddMinor(e + Math.Log10(m));
            }
        }

        return ticks;
    }

    /// <summary>
    /// Draws the values at x = 0 (see <see cref="Lines"/>) and returns the log₁₀ positions of the x slot and, when a
    /// zero had to be drawn on a log y axis, of the y floor. The slot sits two decades left of the smallest x, so the
    /// value written beside a point never reaches the dotted line or the data.
    /// </summary>
    private static (int ZeroX, int? ZeroY) DrawAtZero(
        Plot plot, IReadOnlyList<(string label, double[] x, double[] y)> series, List<Scatter> drawn,
        IReadOnlyList<double> atZeroX, bool logY)
    {
        int slot = (int)Math.Floor(series.SelectMany(s => s.x).Select(Math.Log10).DefaultIfEmpty(0).Min()) - 2;
        plot.Add.VerticalLine(slot + 1.4, 1, Colors.Gray, LinePattern.Dotted);
        int? floor = null;
        if (logY && atZeroX.Any(v => v == 0))
        {
            double smallest = series.SelectMany(s => s.y).Concat(atZeroX.Where(v => v > 0)).Select(Math.Log10).DefaultIfEmpty(0).Min();
            floor = (int)Math.Floor(smallest) - 1;
            plot.Add.HorizontalLine(floor.Value + 0.5, 1, Colors.Gray, LinePattern.Dotted);
        }

        // Plotted height of each value; the highest writes its value above its point, the lowest below, any others
        // level with it, so two values that are close or equal (e.g. two exact zeros) never overprint. The value in
        // the series' colour tells which series it belongs to.
        (int Index, double Y)[] points = [.. Enumerable.Range(0, atZeroX.Count)
            .Where(i => !double.IsNaN(atZeroX[i]))
            .Select(i => (i, !logY ? atZeroX[i] : atZeroX[i] == 0 ? floor!.Value : Math.Log10(atZeroX[i])))
            .OrderByDescending(p => p.Item2).ThenBy(p => p.Item1)];
        for (int k = 0; k < points.Length; k++)
        {
            (int i, double y) = points[k];
            var marker = plot.Add.Marker(slot, y, drawn[i].MarkerShape, ZeroMarkerSize, drawn[i].Color);
            marker.MarkerLineWidth = 2;
            var text = plot.Add.Text(Number(atZeroX[i]), slot, y);
            text.LabelAlignment = points.Length == 1 ? Alignment.MiddleLeft
                : k == 0 ? Alignment.LowerLeft
                : k == points.Length - 1 ? Alignment.UpperLeft
                : Alignment.MiddleLeft;
            text.OffsetX = ZeroMarkerSize * 0.75f;
            text.LabelFontColor = drawn[i].Color;
            text.LabelFontSize = CellFontSize;
            text.LabelBold = true;
        }

        return (slot, floor);
    }

    /// <summary>A number as the figures write it: 0, NaN, or three significant digits (<c>158</c>, <c>7.36e-13</c>).</summary>
    public static string Number(double v) =>
        v == 0 ? "0" : v.ToString("G3", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static void CheckAtZero(IReadOnlyList<(string label, double[] x, double[] y)> series, bool logX, bool logY, IReadOnlyList<double>? atZeroX)
    {
        if (atZeroX is null)
        {
            return;
        }

        if (!logX)
        {
            throw new ArgumentException("values at x = 0 are drawn apart only on a log x axis; on a linear axis put them in the series", nameof(atZeroX));
        }

        if (atZeroX.Count != series.Count)
        {
            throw new ArgumentException($"{series.Count} series but {atZeroX.Count} values at x = 0", nameof(atZeroX));
        }

        for (int i = 0; i < atZeroX.Count; i++)
        {
            double v = atZeroX[i];
            if (double.IsInfinity(v) || (logY && v < 0))
            {
                throw new ArgumentException(
                    $"series '{series[i].label}': the value at x = 0, {v.ToString("G17", CultureInfo.InvariantCulture)}, cannot be drawn" +
                    (logY ? " on a log axis" : ""), nameof(atZeroX));
            }
        }
    }

    /// <summary>Whether the colour of <paramref name="value"/> is dark enough to need white text (a NaN cell is not).</summary>
    private static bool DarkCell(IColormap colormap, double value, ScottPlot.Range range)
    {
        if (double.IsNaN(value))
        {
            return false;
        }

        // Rec. 601 luma, not Color.Luminance (HSL lightness), which calls viridis' bright yellow-green "dark".
        Color cell = range.Max > range.Min ? colormap.GetColor(value, range) : colormap.GetColor(0.5);
        return (0.299 * cell.R) + (0.587 * cell.G) + (0.114 * cell.B) < 128;
    }

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
