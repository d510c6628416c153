using System.Globalization;
using System.Text;
using PcVerify.Engine.Data;
using PcVerify.Engine.Verification;

namespace PcVerify.Cli.Reporting;

/// <summary>
/// Builds a Markdown report (e.g. <c>report.md</c> of <c>pcverify reproduce</c>): sections, paragraphs,
/// tables, figures, the exact command line, seeds, the engine's environment and the wall time, in the
/// order they are added. Every <c>Add…</c> returns the report for chaining.
/// </summary>
public sealed class Report
{
    private readonly StringBuilder _markdown = new();

    /// <summary>Starts a report whose first line is the level-1 heading <paramref name="title"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="title"/> is empty or spans several lines.</exception>
    public Report(string title)
    {
        CheckOneLine(title, nameof(title));
        _markdown.Append("# ").Append(title).Append('\n');
    }

    /// <summary>Adds a heading of level <paramref name="level"/> (2 = section, 3 = subsection, … up to 6).</summary>
    /// <exception cref="ArgumentException"><paramref name="heading"/> is empty or spans several lines.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not in 2..6.</exception>
    public Report AddSection(string heading, int level = 2)
    {
        CheckOneLine(heading, nameof(heading));
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 6);
        return Block(new string('#', level) + " " + heading + "\n");
    }

    /// <summary>Adds a paragraph of Markdown text, as given.</summary>
    public Report AddParagraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Block(text.TrimEnd() + "\n");
    }

    /// <summary>Adds <paramref name="table"/>'s title in bold, then the table (<see cref="ResultTable.ToMarkdown"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="significantDigits"/> is not in 1..17.</exception>
    public Report AddTable(ResultTable table, int significantDigits)
    {
        ArgumentNullException.ThrowIfNull(table);
        string body = table.ToMarkdown(significantDigits);
        return Block($"**{table.Title}**\n\n{body}");
    }

    /// <summary>
    /// Adds <paramref name="table"/> with one more column, <paramref name="paperColumn"/>, holding the paper's
    /// reference numbers row by row, so our values and the paper's sit side by side.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="paperValues"/> has not one value per row.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="significantDigits"/> is not in 1..17.</exception>
    public Report AddTable(ResultTable table, int significantDigits, IReadOnlyList<double> paperValues, string paperColumn = "paper")
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(paperValues);
        return AddTable(table.WithColumn(paperColumn, [.. paperValues.Select(ResultCell.FromNumber)]), significantDigits);
    }

    /// <summary>Adds an image (a PNG written beside the report) by its path relative to the report's directory.</summary>
    /// <param name="relativePath">E.g. <c>figures/fig3.png</c>; backslashes become slashes.</param>
    /// <param name="altText">Text shown when the image is missing, and read by screen readers.</param>
    /// <exception cref="ArgumentException"><paramref name="relativePath"/> is empty or rooted.</exception>
    public Report AddImage(string relativePath, string altText)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        ArgumentNullException.ThrowIfNull(altText);
        if (Path.IsPathRooted(relativePath))
        {
            throw new ArgumentException($"image path '{relativePath}' must be relative to the report", nameof(relativePath));
        }

        string target = relativePath.Replace('\\', '/');

        // Angle brackets let a path contain spaces or parentheses without breaking the link.
        return Block($"![{altText.ReplaceLineEndings(" ").Replace("]", "\\]", StringComparison.Ordinal)}](<{target}>)\n");
    }

    /// <summary>
    /// Adds a fenced code block (e.g. the exact command line that produced the report). The fence is longer
    /// than any run of backticks in <paramref name="code"/>, so the code is shown verbatim.
    /// </summary>
    public Report AddCodeBlock(string code, string language = "sh")
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(language);
        int longestRun = 0;
        int run = 0;
        foreach (char c in code)
        {
            run = c == '`' ? run + 1 : 0;
            longestRun = Math.Max(longestRun, run);
        }

        string fence = new('`', Math.Max(3, longestRun + 1));
        return Block($"{fence}{language}\n{code.TrimEnd('\n')}\n{fence}\n");
    }

    /// <summary>Adds a bulleted list of <c>key: value</c> lines (seeds, settings), keys in backticks.</summary>
    public Report AddKeyValues(IEnumerable<KeyValuePair<string, string>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sb = new StringBuilder();
        foreach ((string key, string value) in items)
        {
            sb.Append("- `").Append(key).Append("`: ").Append(value.ReplaceLineEndings(" ")).Append('\n');
        }

        return Block(sb.ToString());
    }

    /// <summary>
    /// Adds the engine's environment (<see cref="EngineEnvironment.Facts"/>: runtime, OS, architecture, processor
    /// count, SIMD acceleration, <c>Vector&lt;float&gt;.Count</c>, <c>Vector&lt;double&gt;.Count</c>) as a key–value list.
    /// </summary>
    public Report AddEnvironment() => AddKeyValues(EngineEnvironment.Facts().Select(f => KeyValuePair.Create(f.Name, f.Value)));

    /// <summary>Adds the line <c>Wall time: &lt;seconds&gt; s</c>, seconds with three decimals.</summary>
    public Report AddWallTime(TimeSpan elapsed) =>
        Block($"Wall time: {elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)} s\n");

    /// <summary>The report as Markdown text.</summary>
    public string ToMarkdown() => _markdown.ToString();

    /// <summary>Writes <see cref="ToMarkdown"/> to <paramref name="path"/> atomically; the directory must exist.</summary>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written (see <see cref="AtomicFile.Write"/>).</exception>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToMarkdown());

    private Report Block(string block)
    {
        // Blocks are separated by one blank line, which Markdown needs between a paragraph and a table.
        _markdown.Append('\n').Append(block);
        return this;
    }

    private static void CheckOneLine(string text, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text, name);
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("a heading is one line", name);
        }
    }
}
