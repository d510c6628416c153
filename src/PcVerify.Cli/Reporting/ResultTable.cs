using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PcVerify.Engine.Data;

namespace PcVerify.Cli.Reporting;

/// <summary>
/// A named table of results (one of the paper's tables, a runtime table, a training summary): a title,
/// column names, and rows of <see cref="ResultCell"/>s, each row as long as the header.
/// </summary>
/// <remarks>
/// Three renderings: CSV and JSON keep every number exactly (shortest round-trip form), Markdown rounds to a
/// chosen number of significant digits for reading. Files are written atomically with
/// <see cref="AtomicFile"/>: the target's directory must exist.
/// </remarks>
public sealed class ResultTable
{
    private readonly List<ResultCell[]> _rows = [];

    /// <summary>Creates an empty table.</summary>
    /// <param name="title">The table's name, e.g. <c>Table 1: divergence between Z-IL and BP</c>.</param>
    /// <param name="columns">The column names; at least one.</param>
    /// <exception cref="ArgumentNullException">An argument or a column name is null.</exception>
    /// <exception cref="ArgumentException">There are no columns.</exception>
    public ResultTable(string title, IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException("a table needs at least one column", nameof(columns));
        }

        foreach (string column in columns)
        {
            ArgumentNullException.ThrowIfNull(column, nameof(columns));
        }

        Title = title;
        Columns = [.. columns];
    }

    /// <summary>The table's name.</summary>
    public string Title { get; }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows added so far, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ResultCell>> Rows => _rows;

    /// <summary>Appends a row.</summary>
    /// <param name="cells">One cell per column; strings and doubles convert implicitly.</param>
    /// <returns>This table, for chaining.</returns>
    /// <exception cref="ArgumentException">The row's length differs from the number of columns.</exception>
    public ResultTable AddRow(params ResultCell[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException(
                $"table '{Title}': a row has {cells.Length} cells but the table has {Columns.Count} columns", nameof(cells));
        }

        _rows.Add([.. cells]);
        return this;
    }

    /// <summary>
    /// A copy of this table with one more column on the right (e.g. the paper's reference numbers beside ours).
    /// </summary>
    /// <param name="name">The new column's name.</param>
    /// <param name="values">One value per existing row.</param>
    /// <exception cref="ArgumentException">The number of values differs from the number of rows.</exception>
    public ResultTable WithColumn(string name, IReadOnlyList<ResultCell> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != _rows.Count)
        {
            throw new ArgumentException(
                $"table '{Title}': column '{name}' has {values.Count} values but the table has {_rows.Count} rows", nameof(values));
        }

        var result = new ResultTable(Title, [.. Columns, name]);
        for (int r = 0; r < _rows.Count; r++)
        {
            result.AddRow([.. _rows[r], values[r]]);
        }

        return result;
    }

    /// <summary>
    /// The table as CSV (RFC 4180): a header line, then one line per row, lines ended by <c>\n</c>. Numbers are
    /// written by <see cref="ResultCell.ToRoundTripString"/>; a field containing a comma, quote, or line break
    /// is quoted with inner quotes doubled. The title is not part of the CSV.
    /// </summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        AppendCsvLine(sb, Columns);
        foreach (ResultCell[] row in _rows)
        {
            AppendCsvLine(sb, row.Select(c => c.ToRoundTripString()));
        }

        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> atomically (UTF-8, no byte-order mark).</summary>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written (see <see cref="AtomicFile.Write"/>).</exception>
    public void WriteCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>
    /// The table as indented JSON: <c>{"title": …, "columns": [...], "rows": [[...], ...]}</c>. Text cells are JSON
    /// strings; numeric cells are JSON numbers in the shortest form that parses back to the same
    /// <see cref="double"/>. JSON has no NaN or infinity, so a non-finite number is written as <c>null</c>
    /// (the CSV keeps the distinction between NaN and ±∞).
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        WriteJson(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (UTF-8, no byte-order mark).</summary>
    /// <exception cref="PcVerify.Engine.InvalidInputException">The file cannot be written (see <see cref="AtomicFile.Write"/>).</exception>
    public void WriteJson(string path) => AtomicFile.Write(path, WriteJson);

    /// <summary>
    /// The table as a GitHub-flavoured Markdown table (no title): a header row of the column names, an alignment row (numeric
    /// columns — every cell a number, and at least one row — are right-aligned), and one row per table row.
    /// Numbers are shown by <see cref="ResultCell.Format"/> with <paramref name="significantDigits"/>; a
    /// <c>|</c> in text is escaped and a line break becomes <c>&lt;br&gt;</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="significantDigits"/> is not in 1..17.</exception>
    public string ToMarkdown(int significantDigits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(significantDigits, 17);

        var sb = new StringBuilder();
        AppendMarkdownLine(sb, Columns.Select(EscapeMarkdown));
        AppendMarkdownLine(sb, Enumerable.Range(0, Columns.Count).Select(c =>
            _rows.Count > 0 && _rows.All(row => row[c].IsNumber) ? "---:" : "---"));
        foreach (ResultCell[] row in _rows)
        {
            AppendMarkdownLine(sb, row.Select(cell => EscapeMarkdown(cell.Format(significantDigits))));
        }

        return sb.ToString();
    }

    private void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            // The file is data, never embedded in HTML: keep σ, γ and the like readable instead of \u-escaped.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        json.WriteStartObject();
        json.WriteString("title", Title);
        json.WriteStartArray("columns");
        foreach (string column in Columns)
        {
            json.WriteStringValue(column);
        }

        json.WriteEndArray();
        json.WriteStartArray("rows");
        foreach (ResultCell[] row in _rows)
        {
            json.WriteStartArray();
            foreach (ResultCell cell in row)
            {
                if (!cell.IsNumber)
                {
                    json.WriteStringValue(cell.Text);
                }
                else if (double.IsFinite(cell.Number))
                {
                    // Utf8JsonWriter formats doubles in their shortest round-trippable form.
                    json.WriteNumberValue(cell.Number);
                }
                else
                {
                    json.WriteNullValue();
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void AppendCsvLine(StringBuilder sb, IEnumerable<string> fields)
    {
        bool first = true;
        foreach (string field in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(field);
            }
        }

        sb.Append('\n');
    }

    private static void AppendMarkdownLine(StringBuilder sb, IEnumerable<string> cells)
    {
        sb.Append('|');
        foreach (string cell in cells)
        {
            sb.Append(' ').Append(cell).Append(" |");
        }

        sb.Append('\n');
    }

    private static string EscapeMarkdown(string text) =>
        text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings("<br>");
}
