using System.Numerics;
using System.Runtime.InteropServices;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// <see cref="Vector{T}"/> maps for the activations. The piecewise-linear ones are exact (a select or a product by a
/// constant); the smooth ones (tanh, logistic, softplus and their derivatives) are the engine's own lane-wise kernels
/// (<see cref="TanhKernel"/>, <see cref="LogisticKernel"/>, <see cref="SoftplusKernel"/>), which define those
/// functions: <see cref="Activation.Value{T}"/> calls the same kernels, so the vector and scalar paths agree bit for bit.
/// </summary>
public static class ActivationMaps
{
    /// <summary><c>y_i = x_i &lt; 0 ? 0 : x_i</c> (NaN propagates; <c>−0</c> stays <c>−0</c>).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(ReluOp<T>), Elementwise.CheapBlock);

    /// <summary><c>y_i = x_i &lt; 0 ? a · x_i : x_i</c> (NaN propagates).</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, new LeakyReluOp<T>(a), Elementwise.CheapBlock);

    /// <summary><c>y_i = x_i &gt; 0 ? 1 : a</c> (the derivative of ReLU with <c>a = 0</c> and of leaky ReLU).</summary>
    public static void Step<T>(ReadOnlySpan<T> x, Span<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, new StepOp<T>(a), Elementwise.CheapBlock);

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

    /// <summary><c>y_i = tanh x_i</c> (see <see cref="TanhKernel"/>).</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(TanhOp<T>));

    /// <summary><c>y_i = 1 − tanh² x_i</c>, with <c>tanh</c> rounded to <typeparamref name="T"/> first.</summary>
    public static void TanhDerivative<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(TanhDerivativeOp<T>));

    /// <summary><c>y_i = σ(x_i) = 1/(1 + e^{−x_i})</c> (see <see cref="LogisticKernel"/>); also softplus'.</summary>
    public static void Logistic<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(LogisticOp<T>));

    /// <summary><c>y_i = σ(x_i)(1 − σ(x_i))</c>, with <c>σ</c> rounded to <typeparamref name="T"/> first.</summary>
    public static void LogisticDerivative<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(LogisticDerivativeOp<T>));

    /// <summary><c>y_i = ln(1 + e^{x_i})</c> (see <see cref="SoftplusKernel"/>).</summary>
    public static void Softplus<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, default(SoftplusOp<T>));

    /// <summary><c>y_i = f(x_i)</c> (or <c>f'(x_i)</c>) of a custom activation, element by element in double.</summary>
    internal static void Custom<T>(Activation f, bool derivative, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> => Map(x, y, new CustomOp<T>(f, derivative));

    /// <summary>Elements per block of <see cref="Map{T, TOp}"/>: ≈ 10–100 µs of transcendental work.</summary>
    internal const int MapBlock = 4096;

    /// <summary>
    /// <c>y_i = op(x_i)</c> by <see cref="Elementwise.Unary{T, TOp}"/>, split into blocks of <see cref="MapBlock"/>
    /// elements (<see cref="Elementwise.CheapBlock"/> for the piecewise-linear maps, whose elements cost a compare) across <see cref="Parallelism.MaxThreads"/> threads for long spans (the smooth activations of a whole
    /// batch). Each element's bits depend on its value only (the operators' scalar and vector forms agree), so
    /// neither the split nor the thread that runs a block changes the result.
    /// </summary>
    private static unsafe void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y, TOp op, int block = MapBlock)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        Shapes.CheckLength(y.Length, x.Length, nameof(y));
        int n = x.Length;
        int blocks = Math.Min(Parallelism.MaxBlocks, n / block);
        if (blocks <= 1)
        {
            Elementwise.Unary(x, y, op);
            return;
        }

        int per = (n + blocks - 1) / blocks;
        fixed (T* px = &MemoryMarshal.GetReference(x), py = &MemoryMarshal.GetReference(y))
        {
            MapJob<T, TOp> job = new() { Op = op, X = px, Y = py, N = n, Per = per };
            WorkerPool.Run(job, (n + per - 1) / per);
        }
    }

    private unsafe struct MapJob<T, TOp> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        public TOp Op;
        public T* X, Y;
        public int N, Per;

        public readonly void Run(int block)
        {
            int from = block * Per, length = Math.Min(N, from + Per) - from;
            Elementwise.Unary(new ReadOnlySpan<T>(X + from, length), new Span<T>(Y + from, length), Op);
        }
    }

    /// <summary>A custom pair: the scalar form calls the user's double function; the vector form, lane by lane.</summary>
    private readonly struct CustomOp<T>(Activation f, bool derivative) : IUnaryOp<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Invoke(T x) => derivative ? f.Derivative(x) : f.Value(x);

        public Vector<T> Invoke(Vector<T> x)
        {
            Span<T> lanes = stackalloc T[Vector<T>.Count];
            for (int i = 0; i < lanes.Length; i++)
            {
                lanes[i] = Invoke(x[i]);
            }

            return new Vector<T>(lanes);
        }
    }
}
