using PcVerify.Engine.Kernels;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Kernels;
using PcVerify.Tests.Support;

namespace PcVerify.Tests.Graph;

/// <summary>
/// The determinism contract (docs/determinism.md) for the conv kernels: one and two threads give the same bits.
/// Shapes are chosen so every product splits into at least two blocks (≥ 2·<see cref="Parallelism.WorkPerBlock"/>
/// multiply–adds); the conv kernels' own splits (images, column ranges) are pinned in more shapes by
/// <see cref="Kernels.ConvSplitTests"/>.
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class ConvThreadingTests
{
    [Fact]
    public void Conv2d_gives_the_same_bits_for_one_and_two_threads()
    {
        Window2d g = new(16, 16, 16, 3, 3, 1, 1, 1, 1);
        const int Cout = 32, B = 3;
        Assert.True((long)Cout * g.Positions * g.FieldSize >= 2 * Parallelism.WorkPerBlock, "the forward product must split");
        float[] x = Numeric.Normal<float>(B * g.InputSize, 1), w = Numeric.Normal<float>(Cout * g.FieldSize, 2);
        float[] bias = Numeric.Normal<float>(Cout, 3), e = Numeric.Normal<float>(B * Cout * g.Positions, 4);

        (float[] Y, float[] Dx, float[] W, float[] Bias) Run(int threads)
        {
            int saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = threads;
                float[] scratch = new float[Math.Max(Conv2d.Scratch(g, Cout), Conv2d.GradientScratch(g, Cout, B))];
                float[] y = new float[e.Length], dx = new float[x.Length], dw = (float[])w.Clone(), db = (float[])bias.Clone();
                Conv2d.Forward<float>(x, B, g, w, Cout, bias, y, scratch);
                Conv2d.InputGradient<float>(e, B, g, w, Cout, dx, scratch);
                Conv2d.WeightGradient<float>(x, B, g, e, Cout, 0.01f, dw, db, scratch);
                return (y, dx, dw, db);
            }
            finally
            {
                Parallelism.MaxThreads = saved;
            }
        }

        var one = Run(1);
        var two = Run(2);
        Tolerance.Exact.Assert<float>(one.Y, two.Y, "forward");
        Tolerance.Exact.Assert<float>(one.Dx, two.Dx, "input gradient");
        Tolerance.Exact.Assert<float>(one.W, two.W, "weight update");
        Tolerance.Exact.Assert<float>(one.Bias, two.Bias, "bias update");
    }
}
