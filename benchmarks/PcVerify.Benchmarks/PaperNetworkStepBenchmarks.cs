using BenchmarkDotNet.Attributes;
using PcVerify.Engine;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Benchmarks;

/// <summary>
/// One training pair (batch 1) on the paper's runtime network (supplementary A.9): 50176 (224×224 grey) → 4096 →
/// 2048 → 1024 → 27, float32, ReLU, biases: 216,034,304 weights, 864 MB. Memory-bound: compare with
/// <see cref="MemoryBandwidthBenchmarks"/> of the same run (docs/performance.md gives the traffic bound).
/// </summary>
/// <remarks>
/// The network is allocated and filled once per process and shared by every benchmark of this class (and kept
/// across cases when running in process), so a dry run costs one fill (≈ 1 s) rather than one per case.
/// </remarks>
[MemoryDiagnoser]
[BenchmarkCategory(Data.Paper)]
public class PaperNetworkStepBenchmarks
{
    private static readonly Lazy<Net> Shared = new(() => new Net());
    private ILearner<float> _bp = null!, _zil = null!, _faZil = null!;

    /// <summary>Builds the three learners over the shared network; all cores.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxThreads = Environment.ProcessorCount;
        NetworkSpec spec = Shared.Value.Spec;
        _bp = new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 1e-4 }.Create<float>(spec, 1);
        _zil = new LearnerOptions { Algorithm = Algorithm.ZIL, Alpha = 1e-4 }.Create<float>(spec, 1);
        _faZil = new LearnerOptions { Algorithm = Algorithm.FaZIL, Alpha = 1e-4 }.Create<float>(spec, 1);
    }

    private static float Step(ILearner<float> learner)
    {
        Net n = Shared.Value;
        learner.Step(n.P, n.In, n.Out, 1);
        return n.P.Theta[1].Data[0];
    }

    /// <summary>Backpropagation.</summary>
    [Benchmark(Baseline = true)]
    public float BP() => Step(_bp);

    /// <summary>Z-IL, event-driven.</summary>
    [Benchmark]
    public float ZilEventDriven() => Step(_zil);

    /// <summary>Fa-Z-IL, skipping provably unchanged work.</summary>
    [Benchmark]
    public float FaZil() => Step(_faZil);

    private sealed class Net
    {
        public Net()
        {
            Spec = NetworkSpec.FromInputToOutput([50176, 4096, 2048, 1024, 27], [.. Enumerable.Repeat(Activation.Relu, 4)], bias: true);
            P = new Parameters<float>(Spec);
            // He-uniform U(−a, a), a = √(6 / fan-in), filled in parallel from one seeded stream per row block:
            // the engine's Box–Muller initialisation of 216 M weights would dominate a dry run.
            for (int l = 1; l <= Spec.L; l++)
            {
                Matrix<float> m = P.Theta[l];
                float a = (float)Math.Sqrt(6.0 / m.Cols);
                Parallel.For(0, m.Rows, i =>
                {
                    Rng rng = Rng.Derive(7, (ulong)((l << 20) + i));
                    Span<float> row = m.Row(i);
                    for (int j = 0; j < row.Length; j++)
                    {
                        row[j] = a * (float)((2 * rng.NextDouble()) - 1);
                    }
                });
            }

            Rng r = new(8);
            In = new float[Spec.InputWidth];
            for (int k = 0; k < In.Length; k++)
            {
                In[k] = (float)r.NextDouble();
            }

            Out = new float[Spec.OutputWidth];
            Out[3] = 1f;
        }

        public NetworkSpec Spec { get; }

        public Parameters<float> P { get; }

        public float[] In { get; }

        public float[] Out { get; }
    }
}
