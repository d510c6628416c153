using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// One definition of each smooth activation: the <see cref="Vector{T}"/> maps (<see cref="Activation.Apply{T}"/>,
/// <see cref="Activation.ApplyDerivative{T}"/>, split across threads for long spans) give, element by element, the
/// same bits as the scalar <see cref="Activation.Value{T}"/> / <see cref="Activation.Derivative{T}"/> — for every
/// length of the kernel sweep (0..256, k·Count ± 1, 6·512 + 7, and spans that are split into blocks), with the IEEE
/// special values placed at every lane position. Because the scalar form is the vector kernel on a broadcast value,
/// a value's bits cannot depend on its lane, its block or <see cref="Vector{T}.Count"/> (docs/determinism.md).
/// </summary>
public class SmoothActivationMapTests
{
    private static readonly Activation[] Smooth = [Activation.Tanh, Activation.Logistic, Activation.Softplus];

    private static int[] Lengths<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. KernelTests.Lengths<T>(), (3 * ActivationMaps.MapBlock) + 5, 64 * 256];

    /// <summary>Normal values at scales 1, 10 and 100 (through every saturation point), with specials every third element.</summary>
    private static T[] Data<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Support.Numeric.Normal<T>(n, seed);
        T[] specials =
        [
            T.NegativeZero, T.Zero, T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Epsilon, -T.Epsilon,
            T.CreateSaturating(double.MaxValue), T.CreateSaturating(double.MinValue), T.CreateTruncating(19.1), T.CreateTruncating(-36.8), T.CreateTruncating(-745.5),
        ];
        for (int i = 0; i < n; i++)
        {
            x[i] *= T.CreateTruncating((i % 3) switch { 0 => 1.0, 1 => 10.0, _ => 100.0 });
            if (i % 3 == 0)
            {
                x[i] = specials[(i / 3) % specials.Length];
            }
        }

        return x;
    }

    private static ulong Bits<T>(T v)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? (ulong)BitConverter.DoubleToInt64Bits(double.CreateTruncating(v)) : (uint)BitConverter.SingleToInt32Bits(float.CreateTruncating(v));

    private static void AssertSameBits<T>(T[] expected, T[] actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (Bits(expected[i]) != Bits(actual[i]))
            {
                Assert.Fail($"{what}: index {i}, scalar {double.CreateTruncating(expected[i]):G17} (0x{Bits(expected[i]):X}), map {double.CreateTruncating(actual[i]):G17} (0x{Bits(actual[i]):X})");
            }
        }
    }

    private static void MapsEqualScalarBitForBit<T>(int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            foreach (Activation f in Smooth)
            {
                foreach (int n in Lengths<T>())
                {
                    T[] x = Data<T>(n, (ulong)n + 101);
                    T[] fx = new T[n], d = new T[n], efx = new T[n], ed = new T[n];
                    f.Apply<T>(x, fx);
                    f.ApplyDerivative<T>(x, d);
                    for (int i = 0; i < n; i++)
                    {
                        efx[i] = f.Value(x[i]);
                        ed[i] = f.Derivative(x[i]);
                    }

                    AssertSameBits(efx, fx, $"{typeof(T).Name} {f.Name}.Apply n={n} threads={threads}");
                    AssertSameBits(ed, d, $"{typeof(T).Name} {f.Name}.ApplyDerivative n={n} threads={threads}");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Smooth_maps_equal_the_scalar_functions_bit_for_bit_at_every_length_double() => MapsEqualScalarBitForBit<double>(1);

    [Fact]
    public void Smooth_maps_equal_the_scalar_functions_bit_for_bit_at_every_length_float() => MapsEqualScalarBitForBit<float>(1);

    [Fact]
    public void Smooth_maps_split_across_two_threads_equal_the_scalar_functions_bit_for_bit_double() => MapsEqualScalarBitForBit<double>(2);

    [Fact]
    public void Smooth_maps_split_across_two_threads_equal_the_scalar_functions_bit_for_bit_float() => MapsEqualScalarBitForBit<float>(2);

    [Fact]
    public void The_derivatives_are_their_formulas_applied_to_the_rounded_function()
    {
        // The engine's definition (docs/math.md §1, Activation docs): tanh' = 1 − t², σ' = s(1 − s), softplus' = σ, with
        // t and s the activation's own values in T. Checked in T's arithmetic, bit for bit.
        foreach (double x0 in Data<double>(3000, 7))
        {
            double t = Activation.Tanh.Value(x0), s = Activation.Logistic.Value(x0);
            AssertSameBits([1 - (t * t)], [Activation.Tanh.Derivative(x0)], $"tanh'({x0:G17})");
            AssertSameBits([s * (1 - s)], [Activation.Logistic.Derivative(x0)], $"σ'({x0:G17})");
            AssertSameBits([s], [Activation.Softplus.Derivative(x0)], $"softplus'({x0:G17})");
            float xf = (float)x0, tf = Activation.Tanh.Value(xf), sf = Activation.Logistic.Value(xf);
            AssertSameBits([1 - (tf * tf)], [Activation.Tanh.Derivative(xf)], $"tanh'<float>({xf:G9})");
            AssertSameBits([sf * (1 - sf)], [Activation.Logistic.Derivative(xf)], $"σ'<float>({xf:G9})");
            AssertSameBits([sf], [Activation.Softplus.Derivative(xf)], $"softplus'<float>({xf:G9})");

            // The double overload is the generic function at T = double (one definition, not Math.Tanh).
            AssertSameBits([Activation.Tanh.Value<double>(x0)], [t], $"tanh({x0:G17}) double overload");
        }
    }

    [Fact]
    public void The_bit_comparison_detects_a_scalar_path_with_another_formula()
    {
        // Negative control: had the scalar path kept the runtime's Math.Tanh, the maps would differ from it in the
        // last bits for a good share of inputs (Math.Tanh and the kernel are different approximations).
        double[] x = Support.Numeric.Normal<double>(4096, 5), fx = new double[x.Length];
        Activation.Tanh.Apply<double>(x, fx);
        int differing = x.Where((v, i) => BitConverter.DoubleToInt64Bits(Math.Tanh(v)) != BitConverter.DoubleToInt64Bits(fx[i])).Count();
        Assert.True(differing > 0, "no input distinguishes Math.Tanh from the kernel: the bit comparison would not catch a second definition");
        Assert.Throws<Xunit.Sdk.FailException>(() => AssertSameBits(x.Select(Math.Tanh).ToArray(), fx, "control"));
    }
}
