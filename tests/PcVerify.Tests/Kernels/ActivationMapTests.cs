using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The piecewise-linear <see cref="Vector{T}"/> maps against their scalar definitions, bit for bit (the maps are a
/// select or a product by a constant, which SIMD and scalar compute identically), over every length of the kernel
/// sweep, with the IEEE special values (−0, NaN, ±∞, subnormals, ±max) mixed into the data at every lane position.
/// </summary>
public class ActivationMapTests
{
    private static T[] Data<T>(int n, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = Numeric.Normal<T>(n, seed);
        T[] specials = [T.NegativeZero, T.Zero, T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Epsilon, -T.Epsilon, T.CreateSaturating(double.MaxValue), T.CreateSaturating(double.MinValue)];
        for (int i = 0; i < n; i += 3)
        {
            x[i] = specials[(i / 3) % specials.Length];
        }

        return x;
    }

    private static void MapsAreExact<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.CreateTruncating(0.07);
        foreach (int n in KernelTests.Lengths<T>())
        {
            T[] x = Data<T>(n, (ulong)n + 17);
            T[] relu = new T[n], leaky = new T[n], step0 = new T[n], stepA = new T[n];
            ActivationMaps.Relu<T>(x, relu);
            ActivationMaps.LeakyRelu<T>(x, leaky, a);
            ActivationMaps.Step<T>(x, step0, T.Zero);
            ActivationMaps.Step<T>(x, stepA, a);

            // The documented definitions, written out in scalar code.
            T[] eRelu = new T[n], eLeaky = new T[n], eStep0 = new T[n], eStepA = new T[n];
            for (int i = 0; i < n; i++)
            {
                eRelu[i] = x[i] < T.Zero ? T.Zero : x[i];
                eLeaky[i] = x[i] < T.Zero ? a * x[i] : x[i];
                eStep0[i] = x[i] > T.Zero ? T.One : T.Zero;
                eStepA[i] = x[i] > T.Zero ? T.One : a;
            }

            string ty = typeof(T).Name;
            Tolerance.Exact.Assert<T>(eRelu, relu, $"{ty} relu n={n}");
            Tolerance.Exact.Assert<T>(eLeaky, leaky, $"{ty} leaky-relu n={n}");
            Tolerance.Exact.Assert<T>(eStep0, step0, $"{ty} step(0) n={n}");
            Tolerance.Exact.Assert<T>(eStepA, stepA, $"{ty} step(a) n={n}");
        }
    }

    [Fact]
    public void Relu_leaky_relu_and_step_maps_are_bit_identical_to_their_scalar_definitions_double() => MapsAreExact<double>();

    [Fact]
    public void Relu_leaky_relu_and_step_maps_are_bit_identical_to_their_scalar_definitions_float() => MapsAreExact<float>();

    [Fact]
    public void Relu_keeps_negative_zero_and_propagates_NaN_on_the_vector_path()
    {
        // A full vector of each special value, so the SIMD lanes (not the scalar tail) decide.
        int n = 4 * Vector<double>.Count;
        double[] x = new double[n], y = new double[n];
        Array.Fill(x, -0.0);
        ActivationMaps.Relu<double>(x, y);
        Assert.All(y, v => Assert.True(double.IsNegative(v) && v == 0, $"relu(−0) should be −0, got {v:G17}"));
        Array.Fill(x, double.NaN);
        ActivationMaps.Relu<double>(x, y);
        Assert.All(y, v => Assert.True(double.IsNaN(v), $"relu(NaN) should be NaN, got {v:G17}"));
        ActivationMaps.LeakyRelu<double>(x, y, 0.1);
        Assert.All(y, v => Assert.True(double.IsNaN(v), $"leaky-relu(NaN) should be NaN, got {v:G17}"));
    }
}
