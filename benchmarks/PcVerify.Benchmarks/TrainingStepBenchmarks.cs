using BenchmarkDotNet.Attributes;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Benchmarks;

/// <summary>
/// One training step (one batch of pairs: forward, errors, updates) on 784-256-256-10 in float32, for every
/// algorithm: BP (Baseline), Z-IL synchronous and event-driven, Fa-Z-IL (skipping and faithful), IL with
/// T = 20 and T = 100. Batch 1 is the paper's setting; batch 64 is where the GEMM kernels and threads matter.
/// The ratio of each algorithm to BP is the paper's claim: Z-IL and Fa-Z-IL learn like BP at BP's cost.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Training)]
public class TrainingStepBenchmarks
{
    private static readonly int[] Widths = [784, 256, 256, 10];
    private Parameters<float> _p = null!;
    private float[] _in = [], _out = [];
    private ILearner<float> _bp = null!, _zilSync = null!, _zil = null!, _faZil = null!, _faZilFaithful = null!, _il20 = null!, _il100 = null!;

    /// <summary>Pairs per step.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary><see cref="Parallelism.MaxThreads"/>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The hidden activation: relu (He initialisation, MNIST-style) or tanh (where Fa-Z-IL ≡ Z-IL).</summary>
    [Params("relu", "tanh")]
    public string Activation { get; set; } = "relu";

    /// <summary>Seeded parameters and a batch of MNIST-like pairs (inputs in [0, 1), one-hot targets).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = Threads;
        NetworkSpec spec = NetworkSpec.FromInputToOutput(Widths, [.. Enumerable.Repeat(Engine.Network.Activation.Parse(Activation), 3)], bias: true);
        _p = Initialisation<float>.Create(spec, InitScheme.HeNormal, 42);
        Rng rng = new(43);
        _in = new float[Batch * 784];
        for (int k = 0; k < _in.Length; k++)
        {
            _in[k] = (float)rng.NextDouble();
        }

        _out = new float[Batch * 10];
        for (int b = 0; b < Batch; b++)
        {
            _out[(b * 10) + rng.NextInt(10)] = 1f;
        }

        ILearner<float> Make(LearnerOptions o) => (o with { Alpha = 1e-3 }).Create<float>(spec, Batch);
        _bp = Make(new() { Algorithm = Algorithm.BP });
        _zilSync = Make(new() { Algorithm = Algorithm.ZIL, Synchronous = true });
        _zil = Make(new() { Algorithm = Algorithm.ZIL });
        _faZil = Make(new() { Algorithm = Algorithm.FaZIL });
        _faZilFaithful = Make(new() { Algorithm = Algorithm.FaZIL, Synchronous = true });
        _il20 = Make(new() { Algorithm = Algorithm.IL, T = 20 });
        _il100 = Make(new() { Algorithm = Algorithm.IL, T = 100 });
    }

    private float Step(ILearner<float> learner)
    {
        learner.Step(_p, _in, _out, Batch);
        return _p.Theta[1].Data[0];
    }

    /// <summary>Backpropagation.</summary>
    [Benchmark(Baseline = true)]
    public float BP() => Step(_bp);

    /// <summary>Z-IL, faithful synchronous simulation (L moments of full inference).</summary>
    [Benchmark]
    public float ZilSynchronous() => Step(_zilSync);

    /// <summary>Z-IL, event-driven (bit-identical to the synchronous simulation).</summary>
    [Benchmark]
    public float ZilEventDriven() => Step(_zil);

    /// <summary>Fa-Z-IL, skipping provably unchanged work (bit-identical to the faithful simulation).</summary>
    [Benchmark]
    public float FaZil() => Step(_faZil);

    /// <summary>Fa-Z-IL, faithful synchronous simulation.</summary>
    [Benchmark]
    public float FaZilFaithful() => Step(_faZilFaithful);

    /// <summary>IL, all layers updated at t = 20.</summary>
    [Benchmark]
    public float IlT20() => Step(_il20);

    /// <summary>IL, all layers updated at t = 100.</summary>
    [Benchmark]
    public float IlT100() => Step(_il100);
}
