using System.Globalization;
using System.Numerics;

namespace PcVerify.Engine.Verification;

/// <summary>
/// A comparison bound <c>|actual − expected| ≤ Absolute + Relative · |expected|</c> with the reason it is that
/// size. NaN-strict: the test is written as <c>!(diff ≤ bound)</c>, so a NaN or ∞ anywhere fails, and two NaNs are
/// not equal. Failure messages give the index, expected, actual and bound in round-trip (G17) form.
/// </summary>
/// <param name="Absolute">The absolute part (≥ 0).</param>
/// <param name="Relative">The relative part (≥ 0).</param>
/// <param name="Reason">Why the bound is this size (printed on failure).</param>
public sealed record Tolerance(double Absolute, double Relative, string Reason)
{
    /// <summary>Bit-for-bit equality (used where the mathematics and the code promise identical operations).</summary>
    public static Tolerance Exact { get; } = new(0, 0, "bit-identical by construction");

    /// <summary>The bound for one element.</summary>
    public double Bound(double expected) => Absolute + (Relative * Math.Abs(expected));

    /// <summary>Whether one element is within the bound (false for any NaN or infinity).</summary>
    public bool Holds(double expected, double actual)
    {
        if (Absolute == 0 && Relative == 0)
        {
            return BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual)
                || (expected == actual && double.IsFinite(expected));
        }

        double diff = Math.Abs(actual - expected);
        return double.IsFinite(expected) && double.IsFinite(actual) && diff <= Bound(expected);
    }

    /// <summary>Returns null when every element holds, else a message naming the first failing element.</summary>
    public string? Check<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (expected.Length != actual.Length)
        {
            return $"{what}: length differs (expected {expected.Length}, actual {actual.Length})";
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            if (!Holds(e, a))
            {
                return Describe(what, i, e, a);
            }
        }

        return null;
    }

    /// <summary>Throws <see cref="ToleranceException"/> with <see cref="Check{T}"/>'s message when it fails.</summary>
    /// <exception cref="ToleranceException">An element is outside the bound.</exception>
    public void Assert<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string? message = Check(expected, actual, what);
        if (message is not null)
        {
            throw new ToleranceException(message);
        }
    }

    /// <summary>Throws when one scalar is outside the bound.</summary>
    /// <exception cref="ToleranceException">The value is outside the bound.</exception>
    public void Assert(double expected, double actual, string what)
    {
        if (!Holds(expected, actual))
        {
            throw new ToleranceException(Describe(what, 0, expected, actual));
        }
    }

    private string Describe(string what, int index, double expected, double actual) => string.Create(
        CultureInfo.InvariantCulture,
        $"{what}[{index}]: expected {expected:G17}, actual {actual:G17}, |diff| {Math.Abs(actual - expected):G17} > bound {Bound(expected):G17} (abs {Absolute:G3} + rel {Relative:G3}·|expected|; {Reason})");
}

/// <summary>A <see cref="Tolerance"/> check failed.</summary>
public sealed class ToleranceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ToleranceException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public ToleranceException() { }

    /// <summary>Creates the exception.</summary>
    public ToleranceException(string message, Exception inner) : base(message, inner) { }
}
