using System.Globalization;
using Xunit.Sdk;

namespace PcVerify.Tests.Data;

/// <summary>
/// NaN-strict numeric assertions for the data tests: a value passes only when <c>|expected − actual| ≤ bound</c>
/// is true, which is false for NaN; failures give the index, expected and actual (G17) and the bound.
/// </summary>
internal static class DataAssert
{
    /// <summary>Asserts <c>|e − a| ≤ abs + rel·|e|</c> for every element; <paramref name="reason"/> says why the bound is what it is.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double abs, double rel, string reason)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Close(expected[k], actual[k], abs, rel, reason, k);
        }
    }

    /// <summary>Asserts one value (see the array overload); <paramref name="index"/> is reported on failure.</summary>
    public static void Close(double expected, double actual, double abs, double rel, string reason, int index = 0)
    {
        // The engine's one NaN-strict bound; only the message format (index first) is this helper's own.
        PcVerify.Engine.Verification.Tolerance tolerance = new(abs, rel, reason);
        double bound = tolerance.Bound(expected);
        if (!tolerance.Holds(expected, actual))
        {
            throw new XunitException(string.Create(
                CultureInfo.InvariantCulture,
                $"index {index}: expected {expected:G17}, actual {actual:G17}, |diff| {Math.Abs(expected - actual):G17} > bound {bound:G17} ({reason})"));
        }
    }

    /// <summary>Asserts the two arrays hold the same IEEE 754 bit patterns (the engine's <see cref="PcVerify.Engine.Verification.Tolerance.Exact"/>: −0 ≠ +0).</summary>
    public static void BitIdentical(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            if (!PcVerify.Engine.Verification.Tolerance.Exact.Holds(expected[k], actual[k]))
            {
                throw new XunitException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"index {k}: expected {expected[k]:G17}, actual {actual[k]:G17} (bit-identical required)"));
            }
        }
    }
}

public class DataAssertTests
{
    [Fact]
    public void Close_fails_on_NaN()
    {
        var e = Assert.Throws<XunitException>(() => DataAssert.Close([1.0, double.NaN], [1.0, double.NaN], 1.0, 1.0, "NaN must never pass"));
        Assert.Contains("index 1", e.Message);
    }

    [Fact]
    public void Close_fails_outside_the_bound_and_reports_G17()
    {
        var e = Assert.Throws<XunitException>(() => DataAssert.Close(0.1, 0.2, 0.05, 0.0, "test"));
        Assert.Contains("0.10000000000000001", e.Message);
        Assert.Contains("0.20000000000000001", e.Message);
    }

    [Fact]
    public void Close_passes_inside_the_bound() => DataAssert.Close(1.0, 1.0 + 1e-13, 0.0, 1e-12, "relative bound");
}
