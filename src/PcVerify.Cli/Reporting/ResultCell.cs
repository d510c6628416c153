using System.Globalization;

namespace PcVerify.Cli.Reporting;

/// <summary>
/// One cell of a <see cref="ResultTable"/>: either a number (<see cref="double"/>, written with full
/// round-trip precision to CSV and JSON) or a piece of text (a row label such as <c>σ = 1e-3</c>).
/// </summary>
public readonly struct ResultCell : IEquatable<ResultCell>
{
    private readonly string? _text;

    private ResultCell(double number, string? text)
    {
        Number = number;
        _text = text;
    }

    /// <summary>A numeric cell.</summary>
    public static ResultCell FromNumber(double number) => new(number, null);

    /// <summary>A text cell.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static ResultCell FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ResultCell(double.NaN, text);
    }

    /// <summary>Converts a number to a numeric cell.</summary>
    public static implicit operator ResultCell(double number) => FromNumber(number);

    /// <summary>Converts a string to a text cell.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static implicit operator ResultCell(string text) => FromText(text);

    /// <summary>True for a numeric cell, false for a text cell.</summary>
    public bool IsNumber => _text is null;

    /// <summary>The value of a numeric cell (NaN for a text cell; check <see cref="IsNumber"/>).</summary>
    public double Number { get; }

    /// <summary>The text of a text cell, or null for a numeric cell.</summary>
    public string? Text => _text;

    /// <summary>
    /// The cell as exact text: a number in the shortest form that parses back to the same
    /// <see cref="double"/> (<c>"R"</c>, invariant culture: <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>
    /// for the non-finite values), or the text unchanged.
    /// </summary>
    public string ToRoundTripString() =>
        _text ?? Number.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The cell for reading: a number rounded to <paramref name="significantDigits"/> significant digits in
    /// .NET's general format (<c>"G" + digits</c>, invariant culture; scientific notation when the exponent is
    /// below −5 or not below the number of digits) with a lower-case exponent marker, e.g. <c>2.37e-13</c>;
    /// or the text unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="significantDigits"/> is not in 1..17.</exception>
    public string Format(int significantDigits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(significantDigits, 17);
        if (_text is not null)
        {
            return _text;
        }

        return Number.ToString("G" + significantDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            .Replace('E', 'e');
    }

    /// <summary>Cells are equal when both are text with the same characters, or both numbers with the same bits.</summary>
    public bool Equals(ResultCell other) =>
        IsNumber == other.IsNumber
        && (IsNumber
            ? BitConverter.DoubleToInt64Bits(Number) == BitConverter.DoubleToInt64Bits(other.Number)
            : string.Equals(_text, other._text, StringComparison.Ordinal));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ResultCell other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        IsNumber ? Number.GetHashCode() : StringComparer.Ordinal.GetHashCode(_text!);

    /// <summary>Same as <see cref="Equals(ResultCell)"/>.</summary>
    public static bool operator ==(ResultCell left, ResultCell right) => left.Equals(right);

    /// <summary>Negation of <see cref="Equals(ResultCell)"/>.</summary>
    public static bool operator !=(ResultCell left, ResultCell right) => !left.Equals(right);

    /// <summary>Same as <see cref="ToRoundTripString"/>.</summary>
    public override string ToString() => ToRoundTripString();
}
