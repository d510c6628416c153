using System.Globalization;
using System.Numerics;

namespace PcVerify.Engine.Verification;

/// <summary>
/// A comparison bound <c>|actual − expected| ≤ Absolute + Relative · |expected|</c> with the reason it is that
/// size. NaN-strict: the test is written as <c>!(diff ≤ bound)</c>, so a NaN or ∞ anywhere fails, and two NaNs are
/// not equal. Failure messages give the index, expected, actual and bound in round-trip (G17) form.
/// Two comparisons are not bounds: <see cref="Exact"/> (identical bits, the one meaning of "exact" across engine,
/// tests and proofs) and <see cref="EqualValues"/> (identical bits except the sign of a zero), each with its reason.
/// </summary>
/// <param name="Absolute">The absolute part (≥ 0).</param>
/// <param name="Relative">The relative part (≥ 0).</param>
/// <param name="Reason">Why the bound is this size (printed on failure).</param>
public sealed record Tolerance(double Absolute, double Relative, string Reason)
{
    /// <summary>
    /// Bit-for-bit equality: the IEEE 754 bit patterns are identical, so −0 differs from +0 and a NaN equals only
    /// the same NaN bits (an infinity equals itself). Used where the mathematics and the code promise identical
    /// operations on identical operands.
    /// </summary>
    public static Tolerance Exact { get; } = new(0, 0, "bit-identical by construction") { Kind = Comparison.Bitwise };

    /// <summary>
    /// Equal values: identical bit patterns, except that +0 and −0 are equal. Not "exact": for two computations that
    /// promise the same values but may reach a zero by different roads — e.g. one adds a skipped term α·0·f = ±0 that
    /// the other never computes, and (+0) + (−0) = +0 while −0 alone stays −0. Say why where it is used.
    /// </summary>
    public static Tolerance EqualValues { get; } = new(0, 0, "equal values: bit-identical up to the sign of a zero") { Kind = Comparison.ValuesUpToSignOfZero };

    /// <summary>Which test this tolerance applies: a bound, or one of the two equalities above.</summary>
    private Comparison Kind { get; init; } = Comparison.Bound;

    /// <summary>The bound for one element (0 for the two equalities).</summary>
    public double Bound(double expected) => Absolute + (Relative * Math.Abs(expected));

    /// <summary>Whether one element holds: within the bound (false for any NaN or infinity), or equal as
    /// <see cref="Exact"/> or <see cref="EqualValues"/> define it.</summary>
    public bool Holds(double expected, double actual)
    {
        bool sameBits = BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);
        switch (Kind)
        {
            case Comparison.Bitwise:
                return sameBits;
            case Comparison.ValuesUpToSignOfZero:
                return sameBits || (expected == 0 && actual == 0);
            default:
                double diff = Math.Abs(actual - expected);
                return double.IsFinite(expected) && double.IsFinite(actual) && diff <= Bound(expected);
        }
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

    private string Describe(string what, int index, double expected, double actual) => Kind == Comparison.Bound
        ? string.Create(
            CultureInfo.InvariantCulture,
            $"{what}[{index}]: expected {expected:G17}, actual {actual:G17}, |diff| {Math.Abs(actual - expected):G17} > bound {Bound(expected):G17} (abs {Absolute:G3} + rel {Relative:G3}·|expected|; {Reason})")
        : string.Create(
            CultureInfo.InvariantCulture,
            $"{what}[{index}]: expected {expected:G17} (bits {BitConverter.DoubleToInt64Bits(expected):X16}), actual {actual:G17} (bits {BitConverter.DoubleToInt64Bits(actual):X16}); {Reason}");

    private enum Comparison
    {
        Bound,
        Bitwise,
        ValuesUpToSignOfZero,
    }
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
