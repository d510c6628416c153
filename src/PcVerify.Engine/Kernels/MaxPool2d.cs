using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Max pooling over an NCHW batch, per channel: <c>y[b,c,oh,ow] = max x[b,c,h,w]</c> over the window's cells inside
/// the image — padding never wins (PyTorch pads with −∞). Ties: the first maximum in row-major window order wins; a
/// NaN wins over every number (the condition is PyTorch's, <c>v &gt; best || isnan(v)</c>, so among several NaNs the last).
/// The input gradient routes each <c>e[b,c,oh,ow]</c> to that winning cell (the subgradient PyTorch uses). The
/// argmax is found again from <c>x</c> in <see cref="InputGradient"/>; nothing is cached. Naive twin:
/// <see cref="ReferenceConv"/>.
/// </summary>
public static class MaxPool2d
{
    /// <summary>Forward. Shapes: <c>x</c> B×C×H×W, <c>y</c> B×C×OH×OW (overwritten).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void Forward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AvgPool2d.Check(x.Length, y.Length, batch, g);
        int hw = g.Height * g.Width, q = 0;
        for (int plane = 0; plane < batch * g.Channels; plane++)
        {
            ReadOnlySpan<T> xp = x.Slice(plane * hw, hw);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                for (int ow = 0; ow < g.OutW; ow++, q++)
                {
                    y[q] = xp[ArgMax(xp, g, oh, ow)];
                }
            }
        }
    }

    /// <summary>
    /// Input gradient: <c>dx = 0</c>, then <c>dx[b,c,argmax(oh,ow)] += e[b,c,oh,ow]</c> in output order.
    /// Shapes: <c>x</c> and <c>dx</c> B×C×H×W, <c>e</c> B×C×OH×OW.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void InputGradient<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> e, int batch, in Window2d g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AvgPool2d.Check(x.Length, e.Length, batch, g);
        Shapes.CheckLength(dx.Length, x.Length, nameof(dx));
        dx.Clear();
        int hw = g.Height * g.Width, q = 0;
        for (int plane = 0; plane < batch * g.Channels; plane++)
        {
            ReadOnlySpan<T> xp = x.Slice(plane * hw, hw);
            Span<T> dp = dx.Slice(plane * hw, hw);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                for (int ow = 0; ow < g.OutW; ow++, q++)
                {
                    dp[ArgMax(xp, g, oh, ow)] += e[q];
                }
            }
        }
    }

    /// <summary>The index in the plane of the window's winning cell (the window always holds a cell of the image).</summary>
    private static int ArgMax<T>(ReadOnlySpan<T> plane, in Window2d g, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int h0, int h1) = AvgPool2d.Clip(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
        (int w0, int w1) = AvgPool2d.Clip(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
        int best = (h0 * g.Width) + w0;
        T max = plane[best];
        for (int h = h0; h < h1; h++)
        {
            for (int w = w0; w < w1; w++)
            {
                int k = (h * g.Width) + w;
                T v = plane[k];
                if (v > max || T.IsNaN(v))
                {
                    best = k;
                    max = v;
                }
            }
        }

        return best;
    }
}
