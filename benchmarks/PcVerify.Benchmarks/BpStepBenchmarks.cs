using System.Numerics;
using BenchmarkDotNet.Attributes;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Benchmarks;

/// <summary>
/// One BP step of 784-256-256-10 in float32 and float64: exactly the cells of benchmarks/torch_compare.py (batch 1
/// and 64, 1 and 2 threads, relu and tanh), so the two can run side by side (docs/performance.md). Same setup as
/// <see cref="TrainingStepBenchmarks"/> (He-normal parameters from seed 42, MNIST-like pairs from seed 43, α = 10⁻³).
/// The Min column is what the script compares (its figure is a min over samples too).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[BenchmarkCategory(Data.Training)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class BpStepBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int[] Widths = [784, 256, 256, 10];
    private Parameters<T> _p = null!;
    private T[] _in = [], _out = [];
    private ILearner<T> _bp = null!;

    /// <summary>Pairs per step.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary><see cref="Parallelism.MaxThreads"/>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The activation of the input and hidden layers.</summary>
    [Params("relu", "tanh")]
    public string Activation { get; set; } = "relu";

    /// <summary>Seeded parameters and a batch of MNIST-like pairs (inputs in [0, 1), one-hot targets).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = Threads;
        NetworkSpec spec = NetworkSpec.FromInputToOutput(Widths, [.. Enumerable.Repeat(Engine.Network.Activation.Parse(Activation), 3)], bias: true);
        _p = Initialisation<T>.Create(spec, InitScheme.HeNormal, 42);
        Rng rng = new(43);
        _in = new T[Batch * 784];
        for (int k = 0; k < _in.Length; k++)
        {
            _in[k] = T.CreateTruncating(rng.NextDouble());
        }

        _out = new T[Batch * 10];
        for (int b = 0; b < Batch; b++)
        {
            _out[(b * 10) + rng.NextInt(10)] = T.One;
        }

        _bp = (new LearnerOptions { Algorithm = Algorithm.BP } with { Alpha = 1e-3 }).Create<T>(spec, Batch);
    }

    /// <summary>Backpropagation, one step.</summary>
    [Benchmark]
    public T BP()
    {
        _bp.Step(_p, _in, _out, Batch);
        return _p.Theta[1].Data[0];
    }
}
