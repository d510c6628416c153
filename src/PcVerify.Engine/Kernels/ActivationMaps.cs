using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <see cref="Vector{T}"/> maps for the piecewise-linear activations. Each is exact (a select or a product by a
/// constant), so the vector and scalar paths agree bit for bit.
/// </summary>
public static class ActivationMaps
{
    /// <summary><c>y_i = x_i &lt; 0 ? 0 : x_i</c> (NaN propagates; <c>−0</c> stays <c>−0</c>).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Unary(x, y, default(ReluOp<T>));

    /// <summary><c>y_i = x_i &lt; 0 ? a · x_i : x_i</c> (NaN propagates).</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Unary(x, y, new LeakyReluOp<T>(a));

    /// <summary><c>y_i = x_i &gt; 0 ? 1 : a</c> (the derivative of ReLU with <c>a = 0</c> and of leaky ReLU).</summary>
    public static void Step<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Unary(x, y, new StepOp<T>(a));

    private readonly struct ReluOp<T> : IUnaryOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T x) => x < T.Zero ? T.Zero : x;

        public Vector<T> Invoke(Vector<T> x) => Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), Vector<T>.Zero, x);
    }

    private readonly struct LeakyReluOp<T>(T a) : IUnaryOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T _a = a;
        private readonly Vector<T> _va = new(a);

        public T Invoke(T x) => x < T.Zero ? _a * x : x;

        public Vector<T> Invoke(Vector<T> x) => Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), _va * x, x);
    }

    private readonly struct StepOp<T>(T a) : IUnaryOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T _a = a;
        private readonly Vector<T> _va = new(a);

        public T Invoke(T x) => x > T.Zero ? T.One : _a;

        public Vector<T> Invoke(Vector<T> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One, _va);
    }

    /// <summary>Elements per block of <see cref="Map{T}"/>: ≈ 50–100 µs of transcendental work.</summary>
    internal const int MapBlock = 4096;

    /// <summary>
    /// <c>y_i = f(x_i)</c> (or <c>f'(x_i)</c> when <paramref name="derivative"/>) with <see cref="Activation.Value{T}"/>'s
    /// scalar formula, split into blocks of <see cref="MapBlock"/> elements across <see cref="Parallelism.MaxThreads"/>
    /// threads for long spans (tanh, logistic, softplus and custom maps of a whole batch). Each element is
    /// computed by the same scalar expression whichever thread runs it.
    /// </summary>
    internal static unsafe void Map<T>(Activation f, bool derivative, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        int n = x.Length;
        int blocks = Math.Min(Parallelism.MaxBlocks, n / MapBlock);
        if (blocks <= 1)
        {
            MapRange(f, derivative, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), 0, n);
            return;
        }

        int per = (n + blocks - 1) / blocks;
        fixed (T* px = &MemoryMarshal.GetReference(x), py = &MemoryMarshal.GetReference(y))
        {
            MapJob<T> job = new() { F = f, Derivative = derivative, X = px, Y = py, N = n, Per = per };
            WorkerPool.Run(job, (n + per - 1) / per);
        }
    }

    private static void MapRange<T>(Activation f, bool derivative, ref T x, ref T y, int from, int to)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (derivative)
        {
            for (int i = from; i < to; i++)
            {
                Unsafe.Add(ref y, i) = f.Derivative(Unsafe.Add(ref x, i));
            }
        }
        else
        {
            for (int i = from; i < to; i++)
            {
                Unsafe.Add(ref y, i) = f.Value(Unsafe.Add(ref x, i));
            }
        }
    }

    private unsafe struct MapJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Activation F;
        public bool Derivative;
        public T* X, Y;
        public int N, Per;

        public readonly void Run(int block) =>
            MapRange(F, Derivative, ref *X, ref *Y, block * Per, Math.Min(N, (block + 1) * Per));
    }
}
