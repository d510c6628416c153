using System.Numerics;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PcVerify.Engine.Kernels;
using MnControl = global::MathNet.Numerics.Control;

namespace PcVerify.Benchmarks;

// One concept per class. Every kernel class compares: the naive scalar twin (Baseline), the engine's Vector<T>
// kernel, System.Numerics.Tensors' TensorPrimitives, and MathNet.Numerics with its managed provider. Kernel
// benchmarks run single-threaded (Parallelism.MaxThreads = 1) so that they compare code, not cores; threading is
// measured by the training-step benchmarks. Sizes: 259 (fits in L2, remainder 3 for Count = 8 and 4) and
// 6·512+7 = 3079 (38 MB in float32: memory-bound).

/// <summary>y = A x, A n×n (the forward prediction μ = θ f(x)).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemvBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [], _x = [], _y = [];
    private global::MathNet.Numerics.LinearAlgebra.Matrix<T> _ma = null!;
    private global::MathNet.Numerics.LinearAlgebra.Vector<T> _mx = null!, _my = null!;

    /// <summary>Matrix side.</summary>
    [Params(259, 6 * 512 + 7)]
    public int N { get; set; }

    /// <summary>Seeded data, single-threaded engine, MathNet's managed provider.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        MnControl.UseManaged();
        _a = Data.Normal<T>(N * N, 1);
        _x = Data.Normal<T>(N, 2);
        _y = new T[N];
        _ma = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfRowMajor(N, N, _a);
        _mx = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfArray(_x);
        _my = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(N);
    }

    /// <summary>The naive twin.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        Reference.Gemv<T>(_a, N, N, _x, _y);
        return _y[N - 1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        Gemv.Compute<T>(_a, N, N, _x, _y);
        return _y[N - 1];
    }

    /// <summary>TensorPrimitives.Dot per row.</summary>
    [Benchmark]
    public T TensorPrimitivesDot()
    {
        for (int i = 0; i < N; i++)
        {
            _y[i] = TensorPrimitives.Dot<T>(_a.AsSpan(i * N, N), _x);
        }

        return _y[N - 1];
    }

    /// <summary>MathNet, managed provider.</summary>
    [Benchmark]
    public T MathNet()
    {
        _ma.Multiply(_mx, _my);
        return _my[N - 1];
    }
}

/// <summary>y = Aᵀ x, A n×n (the backward message (θ^l)ᵀ ε^{l−1}).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemvTransposedBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [], _x = [], _y = [];
    private global::MathNet.Numerics.LinearAlgebra.Matrix<T> _ma = null!;
    private global::MathNet.Numerics.LinearAlgebra.Vector<T> _mx = null!, _my = null!;

    /// <summary>Matrix side.</summary>
    [Params(259, 6 * 512 + 7)]
    public int N { get; set; }

    /// <summary>Seeded data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        MnControl.UseManaged();
        _a = Data.Normal<T>(N * N, 3);
        _x = Data.Normal<T>(N, 4);
        _y = new T[N];
        _ma = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfRowMajor(N, N, _a);
        _mx = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfArray(_x);
        _my = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(N);
    }

    /// <summary>The naive twin (column by column).</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        Reference.GemvTransposed<T>(_a, N, N, _x, _y);
        return _y[N - 1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        GemvTransposed.Compute<T>(_a, N, N, _x, _y);
        return _y[N - 1];
    }

    /// <summary>y = 0, then y += x_i A_i with TensorPrimitives.MultiplyAdd.</summary>
    [Benchmark]
    public T TensorPrimitivesAxpy()
    {
        Array.Clear(_y);
        for (int i = 0; i < N; i++)
        {
            TensorPrimitives.MultiplyAdd<T>(_a.AsSpan(i * N, N), _x[i], _y, _y);
        }

        return _y[N - 1];
    }

    /// <summary>MathNet, managed provider.</summary>
    [Benchmark]
    public T MathNet()
    {
        _ma.TransposeThisAndMultiply(_mx, _my);
        return _my[N - 1];
    }
}

/// <summary>A += (α u) vᵀ, A n×n (the learning rules, Eq. 4 and Eq. 9).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class Rank1UpdateBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [], _u = [], _v = [];
    private T _alpha;
    private global::MathNet.Numerics.LinearAlgebra.Matrix<T> _ma = null!;
    private global::MathNet.Numerics.LinearAlgebra.Vector<T> _mu = null!, _mv = null!;

    /// <summary>Matrix side.</summary>
    [Params(259, 6 * 512 + 7)]
    public int N { get; set; }

    /// <summary>Seeded data; a tiny α so that repeated updates stay finite.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        MnControl.UseManaged();
        _a = Data.Normal<T>(N * N, 5);
        _u = Data.Normal<T>(N, 6);
        _v = Data.Normal<T>(N, 7);
        _alpha = T.CreateTruncating(1e-9);
        _ma = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfRowMajor(N, N, _a);
        _mu = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfArray(_u) * _alpha;
        _mv = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfArray(_v);
    }

    /// <summary>The naive twin.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        Reference.Rank1Update<T>(_a, N, N, _alpha, _u, _v);
        return _a[^1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        Rank1Update.Apply<T>(_a, N, N, _alpha, _u, _v);
        return _a[^1];
    }

    /// <summary>A_i = v (α u_i) + A_i with TensorPrimitives.MultiplyAdd.</summary>
    [Benchmark]
    public T TensorPrimitivesAxpy()
    {
        for (int i = 0; i < N; i++)
        {
            Span<T> row = _a.AsSpan(i * N, N);
            TensorPrimitives.MultiplyAdd<T>(_v, _alpha * _u[i], row, row);
        }

        return _a[^1];
    }

    /// <summary>MathNet has no in-place rank-1 update: A ← A + (αu) ⊗ v allocates the outer product.</summary>
    [Benchmark]
    public T MathNet()
    {
        _ma.Add(_mu.OuterProduct(_mv), _ma);
        return _ma[N - 1, N - 1];
    }
}

/// <summary>Batched forward product C = A Wᵀ (B = 64 samples × k, W n×k): μ = f(x) θᵀ for a batch.</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Batch = 64;
    private T[] _a = [], _w = [], _c = [];
    private global::MathNet.Numerics.LinearAlgebra.Matrix<T> _ma = null!, _mw = null!, _mc = null!;

    /// <summary>Rows of W and columns of A (square weights); 784 is the MNIST input layer, 6·128+7 hits remainders.</summary>
    [Params(256, 6 * 128 + 7)]
    public int N { get; set; }

    /// <summary>Seeded data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        MnControl.UseManaged();
        _a = Data.Normal<T>(Batch * N, 8);
        _w = Data.Normal<T>(N * N, 9);
        _c = new T[Batch * N];
        _ma = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfRowMajor(Batch, N, _a);
        _mw = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.DenseOfRowMajor(N, N, _w);
        _mc = global::MathNet.Numerics.LinearAlgebra.Matrix<T>.Build.Dense(Batch, N);
    }

    /// <summary>The naive twin (one naive GEMV per sample).</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        Reference.MultiplyNT<T>(_a, Batch, N, _w, N, _c);
        return _c[^1];
    }

    /// <summary>The engine's register-blocked kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        Gemm.MultiplyNT<T>(_a, Batch, N, _w, N, _c);
        return _c[^1];
    }

    /// <summary>TensorPrimitives.Dot per output element.</summary>
    [Benchmark]
    public T TensorPrimitivesDot()
    {
        for (int b = 0; b < Batch; b++)
        {
            ReadOnlySpan<T> ab = _a.AsSpan(b * N, N);
            for (int i = 0; i < N; i++)
            {
                _c[(b * N) + i] = TensorPrimitives.Dot<T>(ab, _w.AsSpan(i * N, N));
            }
        }

        return _c[^1];
    }

    /// <summary>MathNet, managed provider.</summary>
    [Benchmark]
    public T MathNet()
    {
        _ma.TransposeAndMultiply(_mw, _mc);
        return _mc[Batch - 1, N - 1];
    }
}

/// <summary>The ReLU map y = max(x, 0) (the vectorised activation).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class ActivationBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _x = [], _y = [];
    private global::MathNet.Numerics.LinearAlgebra.Vector<T> _mx = null!, _my = null!;

    /// <summary>Vector length.</summary>
    [Params(6 * 512 + 7, 64 * 256)]
    public int N { get; set; }

    /// <summary>Seeded data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        MnControl.UseManaged();
        _x = Data.Normal<T>(N, 10);
        _y = new T[N];
        _mx = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.DenseOfArray(_x);
        _my = global::MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(N);
    }

    /// <summary>A scalar loop.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        for (int i = 0; i < _x.Length; i++)
        {
            _y[i] = _x[i] < T.Zero ? T.Zero : _x[i];
        }

        return _y[^1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        ActivationMaps.Relu<T>(_x, _y);
        return _y[^1];
    }

    /// <summary>TensorPrimitives.Max with a scalar.</summary>
    [Benchmark]
    public T TensorPrimitivesMax()
    {
        TensorPrimitives.Max<T>(_x, T.Zero, _y);
        return _y[^1];
    }

    /// <summary>MathNet PointwiseMaximum.</summary>
    [Benchmark]
    public T MathNet()
    {
        _mx.PointwiseMaximum(T.Zero, _my);
        return _my[N - 1];
    }
}
