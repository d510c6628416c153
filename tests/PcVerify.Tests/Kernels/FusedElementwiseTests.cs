using System.Numerics;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The one-pass elementwise kernels of event-driven Z-IL are, element by element, the kernels they replace run
/// one after the other on a prediction μ that is a copy of x (<see cref="Elementwise.Subtract{T}"/>,
/// <see cref="Elementwise.Multiply{T}"/> for the backward sum <c>h = fp ⊙ g</c>, then
/// <see cref="Elementwise.InferenceIncrement{T}"/> with <c>fp = 1</c>; <see cref="Axpy"/> with <c>s = 1</c> then
/// <see cref="Elementwise.Subtract{T}"/> against the old x; all of them in turn).
/// The oracle is that composition, bit for bit, on lengths around the vector width (vector body and scalar tail) and on data with ±0, ±∞,
/// NaN and subnormals as well as normal values. A NaN must meet a NaN, with any sign and payload: the JIT may negate a
/// vector by a sign flip in one tier and a subtraction from zero in another, which differ only there (and a NaN ends
/// the step as a divergence). The bit comparison's own negative control is
/// <see cref="ThreadingTests.The_bit_comparison_detects_one_ulp_and_a_signed_zero"/>.
/// </summary>
public class FusedElementwiseTests
{
    public static TheoryData<int> Lengths => new() { 0, 1, 7, 8, 9, 17, 33, 100 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Error_and_increment_is_subtract_then_increment_float(int n) => ErrorAndIncrementMatches<float>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Error_and_increment_is_subtract_then_increment_double(int n) => ErrorAndIncrementMatches<double>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Apply_and_error_is_axpy_then_subtract_float(int n) => ApplyAndErrorMatches<float>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Apply_and_error_is_axpy_then_subtract_double(int n) => ApplyAndErrorMatches<double>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Increment_and_apply_is_the_four_kernels_in_turn_float(int n) => IncrementAndApplyMatches<float>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Increment_and_apply_is_the_four_kernels_in_turn_double(int n) => IncrementAndApplyMatches<double>(n);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Copy_first_non_finite_is_a_copy_and_the_search(int n)
    {
        double[] a = Values<double>(n, 10), finite = Values<double>(n, 11);
        for (int i = 0; i < n; i++)
        {
            finite[i] = double.IsFinite(finite[i]) ? finite[i] : 1.5;
        }

        foreach (double[] v in new[] { a, finite })
        {
            double[] r = new double[n];
            int k = Elementwise.CopyFirstNonFinite<double>(v, r);
            AssertBits<double>(v, r, $"copy, length {n}");
            Assert.Equal(Elementwise.FirstNonFinite<double>(v), k);
        }

        if (n > 0)
        {
            Assert.Equal(-1, Elementwise.CopyFirstNonFinite<double>(finite, new double[n]));
        }
    }

    private static void IncrementAndApplyMatches<T>(int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Values<T>(n, 7), fp = Values<T>(n, 8), g = Values<T>(n, 9);
        T gamma = T.CreateTruncating(0.1);
        T[] mu = (T[])x.Clone(), expectedX = (T[])x.Clone(), eps = new T[n], h = new T[n], dx = new T[n], ones = new T[n];
        ones.AsSpan().Fill(T.One);
        Elementwise.Subtract<T>(expectedX, mu, eps);
        Elementwise.Multiply<T>(fp, g, h);
        Elementwise.InferenceIncrement<T>(gamma, eps, ones, h, dx);
        Axpy.Compute<T>(T.One, dx, expectedX);
        Elementwise.Subtract<T>(expectedX, mu, eps);

        T[] fusedX = (T[])x.Clone(), fusedEps = new T[n];
        Elementwise.IncrementAndApply<T>(gamma, fp, g, fusedX, fusedEps);
        AssertBits<T>(expectedX, fusedX, $"x, length {n}");
        AssertBits<T>(eps, fusedEps, $"ε, length {n}");
    }

    private static void ErrorAndIncrementMatches<T>(int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Values<T>(n, 1), fp = Values<T>(n, 2), g = Values<T>(n, 3);
        T gamma = T.CreateTruncating(0.1);
        T[] mu = (T[])x.Clone(), eps = new T[n], h = new T[n], dx = new T[n], ones = new T[n];
        ones.AsSpan().Fill(T.One);
        Elementwise.Subtract<T>(x, mu, eps);
        Elementwise.Multiply<T>(fp, g, h);
        Elementwise.InferenceIncrement<T>(gamma, eps, ones, h, dx);

        T[] fusedDx = new T[n];
        Elementwise.ErrorAndIncrement<T>(gamma, x, fp, g, fusedDx);
        AssertBits<T>(dx, fusedDx, $"Δx, length {n}");
    }

    private static void ApplyAndErrorMatches<T>(int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Values<T>(n, 4), dx = Values<T>(n, 6);
        T[] mu = (T[])x.Clone(), expectedX = (T[])x.Clone(), eps = new T[n];
        Axpy.Compute<T>(T.One, dx, expectedX);
        Elementwise.Subtract<T>(expectedX, mu, eps);

        T[] fusedX = (T[])x.Clone(), fusedEps = new T[n];
        Elementwise.ApplyAndError<T>(dx, fusedX, fusedEps);
        AssertBits<T>(expectedX, fusedX, $"x, length {n}");
        AssertBits<T>(eps, fusedEps, $"ε, length {n}");
    }

    private static void AssertBits<T>(T[] expected, T[] actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] e = (T[])expected.Clone(), a = (T[])actual.Clone();
        for (int i = 0; i < e.Length; i++)
        {
            if (T.IsNaN(e[i]) && T.IsNaN(a[i]))
            {
                (e[i], a[i]) = (T.NaN, T.NaN);
            }
        }

        ThreadingTests.AssertBits<T>(e, a, what);
    }

    /// <summary>Normal values with the special ones sprinkled in at seed-dependent places.</summary>
    private static T[] Values<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] specials = [T.Zero, T.NegativeZero, T.PositiveInfinity, T.NegativeInfinity, T.NaN, T.Epsilon, -T.Epsilon, T.CreateTruncating(3e38)];
        Rng rng = new(seed);
        T[] v = new T[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = rng.NextInt(4) == 0 ? specials[rng.NextInt(specials.Length)] : T.CreateTruncating(rng.NextNormal());
        }

        return v;
    }
}
