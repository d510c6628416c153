using System.Globalization;

namespace PcVerify.Engine.Resources;

/// <summary>
/// The memory limit every large allocation is checked against before it is made: by default the memory the
/// runtime reports as available to this process (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which
/// honours a container limit or <c>DOTNET_GCHeapHardLimit</c>), raised or lowered for a scope with
/// <see cref="Use"/> (the CLI's <c>--memory-limit SIZE</c>).
/// </summary>
/// <remarks>
/// The budget is not an allocator: each reader or network checks the size of what it is about to allocate,
/// computed from sizes it has already checked against the file, and refuses with a one-line
/// <see cref="InvalidInputException"/> instead of running into an <see cref="OutOfMemoryException"/> halfway.
/// The limit is scoped per logical call flow (<see cref="AsyncLocal{T}"/>), so concurrent callers (tests, two
/// commands in one process) each see their own.
/// </remarks>
public static class MemoryBudget
{
    /// <summary>The name of the CLI option that sets the limit, quoted in every refusal.</summary>
    public const string OptionName = "--memory-limit";

    private static readonly AsyncLocal<long?> Override = new();

    /// <summary>The limit without an override: the memory available to this process as the runtime reports it.</summary>
    public static long DefaultLimitBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>The limit in force for the current call flow.</summary>
    public static long LimitBytes => Override.Value ?? DefaultLimitBytes;

    /// <summary>Sets the limit to <paramref name="limitBytes"/> until the returned scope is disposed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limitBytes"/> is not positive.</exception>
    public static IDisposable Use(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        var scope = new Scope(Override.Value);
        Override.Value = limitBytes;
        return scope;
    }

    /// <summary>
    /// Refuses, before anything is allocated, a need of <paramref name="bytes"/> that exceeds the limit.
    /// </summary>
    /// <param name="bytes">The bytes about to be allocated (computed with checked arithmetic by the caller).</param>
    /// <param name="what">What needs them, naming the file and field (e.g. <c>NPZ file 'd.npz': 'inputs' of shape (3, 4)</c>).</param>
    /// <exception cref="InvalidInputException">The need exceeds the limit; the message gives both and the option that raises it.</exception>
    public static void Require(long bytes, string what)
    {
        ArgumentNullException.ThrowIfNull(what);
        long limit = LimitBytes;
        if (bytes > limit)
        {
            string source = Override.Value is null ? "the memory available to this process" : $"set by {OptionName}";
            throw new InvalidInputException(
                $"{what} needs {Format(bytes)} of memory, more than the limit of {Format(limit)} ({source}); raise it with {OptionName} SIZE");
        }
    }

    /// <summary>A byte count as a person reads it, binary units with the exact count: <c>1.50 GiB (1610612736 bytes)</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
        }

        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:F2} {units[unit]} ({bytes} bytes)");
    }

    /// <summary>
    /// Parses a size: a positive number with an optional binary unit <c>K</c>, <c>M</c>, <c>G</c>, <c>T</c>
    /// (also written <c>KiB</c>, <c>KB</c>, ...; all powers of 1024), e.g. <c>512M</c>, <c>1.5G</c>, <c>2147483648</c>.
    /// </summary>
    /// <returns>The size in bytes, or null with <paramref name="error"/> set when the text is not a size.</returns>
    public static long? ParseSize(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        int end = 0;
        while (end < t.Length && (char.IsAsciiDigit(t[end]) || t[end] == '.'))
        {
            end++;
        }

        string unit = t[end..].Trim().ToUpperInvariant();
        int power = unit switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 1,
            "M" or "MB" or "MIB" => 2,
            "G" or "GB" or "GIB" => 3,
            "T" or "TB" or "TIB" => 4,
            _ => -1,
        };
        if (power < 0 || !double.TryParse(t[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
        {
            error = $"expected a size such as 512M, 8G or 2147483648 (units K, M, G, T are powers of 1024), found '{text}'";
            return null;
        }

        double bytes = Math.Floor(number * Math.Pow(1024, power));
        if (!(bytes >= 1 && bytes < long.MaxValue))
        {
            error = $"expected a size of at least 1 byte and below 2^63 bytes, found '{text}'";
            return null;
        }

        error = null;
        return (long)bytes;
    }

    private sealed class Scope(long? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
