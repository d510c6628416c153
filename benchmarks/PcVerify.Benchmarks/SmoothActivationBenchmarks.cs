using System.Numerics;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using PcVerify.Engine.Kernels;

namespace PcVerify.Benchmarks;

// The smooth activation maps (issue 15, item 1): the engine's lane-wise kernels against the scalar runtime
// functions they replaced (Baseline: the old per-element T.Tanh / T.Exp / T.Log expressions) and against
// TensorPrimitives (faster or slower, but not the same bits for every span length: docs/decisions.md). Single
// thread, as the other kernel benchmarks. Sizes: 6·512+7 (remainder 7 for Count = 8) and 64·256 (one batch-64
// hidden layer of the 784-256-256-10 step).

/// <summary>Seeded inputs for the activation benchmarks: N(0, 2²), the range a trained tanh/σ layer sees.</summary>
public abstract class SmoothActivationBenchmark<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Inputs and outputs.</summary>
    protected T[] X = [], Y = [];

    /// <summary>Vector length.</summary>
    [Params(6 * 512 + 7, 64 * 256)]
    public int N { get; set; }

    /// <summary>Seeded data, single-threaded engine.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = 1;
        X = Data.Normal<T>(N, 11, 2.0);
        Y = new T[N];
    }
}

/// <summary>y = tanh x.</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class TanhBenchmarks<T> : SmoothActivationBenchmark<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The old scalar path: the runtime's tanh per element.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        for (int i = 0; i < X.Length; i++)
        {
            Y[i] = T.Tanh(X[i]);
        }

        return Y[^1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        ActivationMaps.Tanh<T>(X, Y);
        return Y[^1];
    }

    /// <summary>The engine's derivative map 1 − tanh² (what BP's backward pass calls).</summary>
    [Benchmark]
    public T VectorTDerivative()
    {
        ActivationMaps.TanhDerivative<T>(X, Y);
        return Y[^1];
    }

    /// <summary>TensorPrimitives.Tanh.</summary>
    [Benchmark]
    public T TensorPrimitivesTanh()
    {
        TensorPrimitives.Tanh<T>(X, Y);
        return Y[^1];
    }
}

/// <summary>y = σ(x).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class LogisticBenchmarks<T> : SmoothActivationBenchmark<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The old scalar path: 1/(1 + e^{−x}) or e^x/(1 + e^x) with the runtime's exp.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        for (int i = 0; i < X.Length; i++)
        {
            T x = X[i];
            if (x >= T.Zero)
            {
                Y[i] = T.One / (T.One + T.Exp(-x));
            }
            else
            {
                T e = T.Exp(x);
                Y[i] = e / (T.One + e);
            }
        }

        return Y[^1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        ActivationMaps.Logistic<T>(X, Y);
        return Y[^1];
    }

    /// <summary>TensorPrimitives.Sigmoid.</summary>
    [Benchmark]
    public T TensorPrimitivesSigmoid()
    {
        TensorPrimitives.Sigmoid<T>(X, Y);
        return Y[^1];
    }
}

/// <summary>y = ln(1 + eˣ).</summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class SoftplusBenchmarks<T> : SmoothActivationBenchmark<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The old scalar path: x + ln(1 + e^{−x}) or ln(1 + eˣ) with the runtime's exp and log.</summary>
    [Benchmark(Baseline = true)]
    public T Scalar()
    {
        for (int i = 0; i < X.Length; i++)
        {
            T x = X[i];
            Y[i] = x > T.Zero ? x + T.Log(T.One + T.Exp(-x)) : T.Log(T.One + T.Exp(x));
        }

        return Y[^1];
    }

    /// <summary>The engine's kernel.</summary>
    [Benchmark]
    public T VectorT()
    {
        ActivationMaps.Softplus<T>(X, Y);
        return Y[^1];
    }
}
