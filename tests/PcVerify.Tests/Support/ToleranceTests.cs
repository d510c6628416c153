using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Support;

/// <summary>
/// The one meaning of "exact" (identical IEEE 754 bits) and the explicit comparison that ignores the sign of a zero;
/// expected verdicts follow from IEEE 754's definitions of the bit patterns, not from the code.
/// </summary>
public class ToleranceTests
{
    private static readonly double NegativeZero = BitConverter.Int64BitsToDouble(unchecked((long)0x8000_0000_0000_0000UL));

    [Fact]
    public void Exact_is_bitwise_so_the_sign_of_zero_counts()
    {
        Assert.True(Tolerance.Exact.Holds(0.0, 0.0));
        Assert.True(Tolerance.Exact.Holds(NegativeZero, NegativeZero));
        Assert.False(Tolerance.Exact.Holds(0.0, NegativeZero));
        Assert.False(Tolerance.Exact.Holds(NegativeZero, 0.0));
        Assert.False(Tolerance.Exact.Holds(1.0, Math.BitIncrement(1.0)));
    }

    [Fact]
    public void Exact_compares_infinities_and_NaN_by_their_bits()
    {
        Assert.True(Tolerance.Exact.Holds(double.PositiveInfinity, double.PositiveInfinity));
        Assert.False(Tolerance.Exact.Holds(double.PositiveInfinity, double.NegativeInfinity));
        double nan = double.NaN, otherNan = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(double.NaN) ^ 1);
        Assert.True(double.IsNaN(otherNan));
        Assert.True(Tolerance.Exact.Holds(nan, nan));
        Assert.False(Tolerance.Exact.Holds(nan, otherNan));
        Assert.False(Tolerance.Exact.Holds(nan, 0.0));
    }

    [Fact]
    public void EqualValues_ignores_only_the_sign_of_zero()
    {
        Assert.True(Tolerance.EqualValues.Holds(0.0, NegativeZero));
        Assert.True(Tolerance.EqualValues.Holds(NegativeZero, 0.0));
        Assert.True(Tolerance.EqualValues.Holds(double.NegativeInfinity, double.NegativeInfinity));
        Assert.False(Tolerance.EqualValues.Holds(1.0, Math.BitIncrement(1.0)));
        Assert.False(Tolerance.EqualValues.Holds(double.Epsilon, NegativeZero));
        Assert.False(Tolerance.EqualValues.Holds(double.NaN, 0.0));
    }

    [Fact]
    public void Exact_fails_with_both_bit_patterns_in_the_message()
    {
        ToleranceException e = Assert.Throws<ToleranceException>(() => Tolerance.Exact.Assert<double>([1.0, 0.0], [1.0, NegativeZero], "v"));
        Assert.Contains("v[1]", e.Message);
        Assert.Contains("8000000000000000", e.Message);
        Tolerance.EqualValues.Assert<double>([1.0, 0.0], [1.0, NegativeZero], "v");
    }

    [Fact]
    public void Exact_on_float_keeps_the_sign_of_zero()
    {
        Assert.Throws<ToleranceException>(() => Tolerance.Exact.Assert<float>([0f], [-0f], "f"));
        Tolerance.EqualValues.Assert<float>([0f], [-0f], "f");
    }

    [Fact]
    public void A_bound_of_zero_width_fails_on_NaN_and_infinity()
    {
        Tolerance zero = new(0, 0, "zero width");
        Assert.True(zero.Holds(2.0, 2.0));
        Assert.False(zero.Holds(double.PositiveInfinity, double.PositiveInfinity));
        Assert.False(zero.Holds(double.NaN, double.NaN));
        Assert.NotEqual(zero, Tolerance.Exact);
    }
}
