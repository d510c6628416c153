using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The naive twins of <see cref="Conv2d"/>, <see cref="AvgPool2d"/> and <see cref="MaxPool2d"/>: direct loops over
/// every index, testing every cell for padding, in the textbook order — the test oracles kept beside the fast paths.
/// The input gradients are written as gathers (for each input cell, the sum over the outputs that read it), the
/// transpose of the forward loop, rather than as the fast paths' scatters.
/// </summary>
public static class ReferenceConv
{
    /// <summary><c>y[b,o,oh,ow] = (Σ_c Σ_i Σ_j θ[o,c,i,j] x[b,c,h,w]) + β[o]</c>, left to right, padding cells skipped.</summary>
    public static void Conv2dForward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        T s = T.Zero;
                        for (int c = 0; c < g.Channels; c++)
                        {
                            for (int i = 0; i < g.KernelH; i++)
                            {
                                for (int j = 0; j < g.KernelW; j++)
                                {
                                    int h = (oh * g.StrideH) - g.PadH + i, w = (ow * g.StrideW) - g.PadW + j;
                                    if (h >= 0 && h < g.Height && w >= 0 && w < g.Width)
                                    {
                                        s += weight[ConvIndex(g, o, c, i, j)] * x[ImageIndex(g, b, c, h, w)];
                                    }
                                }
                            }
                        }

                        y[OutIndex(g, outChannels, b, o, oh, ow)] = bias.Length > 0 ? s + bias[o] : s;
                    }
                }
            }
        }
    }

    /// <summary><c>dx[b,c,h,w] = Σ_o Σ_{(oh,ow,i,j): window (oh,ow) reads (h,w) at (i,j)} θ[o,c,i,j] e[b,o,oh,ow]</c>.</summary>
    public static void Conv2dInputGradient<T>(ReadOnlySpan<T> e, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int h = 0; h < g.Height; h++)
                {
                    for (int w = 0; w < g.Width; w++)
                    {
                        T s = T.Zero;
                        for (int o = 0; o < outChannels; o++)
                        {
                            for (int i = 0; i < g.KernelH; i++)
                            {
                                for (int j = 0; j < g.KernelW; j++)
                                {
                                    if (Reads(h + g.PadH - i, g.StrideH, g.OutH, out int oh) && Reads(w + g.PadW - j, g.StrideW, g.OutW, out int ow))
                                    {
                                        s += weight[ConvIndex(g, o, c, i, j)] * e[OutIndex(g, outChannels, b, o, oh, ow)];
                                    }
                                }
                            }
                        }

                        dx[ImageIndex(g, b, c, h, w)] = s;
                    }
                }
            }
        }
    }

    /// <summary><c>θ[o,c,i,j] += s · Σ_b Σ_{oh,ow} e[b,o,oh,ow] x[b,c,h,w]</c>; <c>β[o] += s · Σ_b Σ_{oh,ow} e[b,o,oh,ow]</c>.</summary>
    public static void Conv2dWeightGradient<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> e, int outChannels, T s, Span<T> weight, Span<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int i = 0; i < g.KernelH; i++)
                {
                    for (int j = 0; j < g.KernelW; j++)
                    {
                        T r = T.Zero;
                        for (int b = 0; b < batch; b++)
                        {
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                for (int ow = 0; ow < g.OutW; ow++)
                                {
                                    int h = (oh * g.StrideH) - g.PadH + i, w = (ow * g.StrideW) - g.PadW + j;
                                    if (h >= 0 && h < g.Height && w >= 0 && w < g.Width)
                                    {
                                        r += e[OutIndex(g, outChannels, b, o, oh, ow)] * x[ImageIndex(g, b, c, h, w)];
                                    }
                                }
                            }
                        }

                        weight[ConvIndex(g, o, c, i, j)] += s * r;
                    }
                }
            }

            if (bias.Length > 0)
            {
                T r = T.Zero;
                for (int b = 0; b < batch; b++)
                {
                    for (int q = 0; q < g.Positions; q++)
                    {
                        r += e[(((b * outChannels) + o) * g.Positions) + q];
                    }
                }

                bias[o] += s * r;
            }
        }
    }

    /// <summary>Average pooling: the window's cells inside the image summed row-major, divided by n (see <see cref="AvgPool2d"/>).</summary>
    public static void AvgPool2dForward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, bool countIncludePad, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        T s = T.Zero;
                        int inside = 0;
                        for (int i = 0; i < g.KernelH; i++)
                        {
                            for (int j = 0; j < g.KernelW; j++)
                            {
                                int h = (oh * g.StrideH) - g.PadH + i, w = (ow * g.StrideW) - g.PadW + j;
                                if (h >= 0 && h < g.Height && w >= 0 && w < g.Width)
                                {
                                    s += x[ImageIndex(g, b, c, h, w)];
                                    inside++;
                                }
                            }
                        }

                        y[OutIndex(g, g.Channels, b, c, oh, ow)] = s / T.CreateTruncating(countIncludePad ? g.KernelH * g.KernelW : inside);
                    }
                }
            }
        }
    }

    /// <summary>Average pooling's input gradient as a gather: <c>dx[h,w] = Σ e[oh,ow] / n(oh,ow)</c> over the windows reading (h, w).</summary>
    public static void AvgPool2dInputGradient<T>(ReadOnlySpan<T> e, int batch, in Window2d g, bool countIncludePad, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int h = 0; h < g.Height; h++)
                {
                    for (int w = 0; w < g.Width; w++)
                    {
                        T s = T.Zero;
                        for (int i = 0; i < g.KernelH; i++)
                        {
                            for (int j = 0; j < g.KernelW; j++)
                            {
                                if (Reads(h + g.PadH - i, g.StrideH, g.OutH, out int oh) && Reads(w + g.PadW - j, g.StrideW, g.OutW, out int ow))
                                {
                                    int inside = Inside(oh, g.StrideH, g.PadH, g.KernelH, g.Height) * Inside(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                                    s += e[OutIndex(g, g.Channels, b, c, oh, ow)] / T.CreateTruncating(countIncludePad ? g.KernelH * g.KernelW : inside);
                                }
                            }
                        }

                        dx[ImageIndex(g, b, c, h, w)] = s;
                    }
                }
            }
        }
    }

    /// <summary>Max pooling: the first maximum in row-major window order over the cells inside the image (a NaN wins).</summary>
    public static void MaxPool2dForward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        y[OutIndex(g, g.Channels, b, c, oh, ow)] = x[MaxCell(x, g, b, c, oh, ow)];
                    }
                }
            }
        }
    }

    /// <summary>Max pooling's input gradient as a gather: <c>dx[h,w] = Σ e[oh,ow]</c> over the windows whose winner is (h, w).</summary>
    public static void MaxPool2dInputGradient<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> e, int batch, in Window2d g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int h = 0; h < g.Height; h++)
                {
                    for (int w = 0; w < g.Width; w++)
                    {
                        T s = T.Zero;
                        int cell = ImageIndex(g, b, c, h, w);
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            for (int ow = 0; ow < g.OutW; ow++)
                            {
                                if (MaxCell(x, g, b, c, oh, ow) == cell)
                                {
                                    s += e[OutIndex(g, g.Channels, b, c, oh, ow)];
                                }
                            }
                        }

                        dx[cell] = s;
                    }
                }
            }
        }
    }

    private static int MaxCell<T>(ReadOnlySpan<T> x, in Window2d g, int b, int c, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = -1;
        T max = T.NegativeInfinity;
        for (int i = 0; i < g.KernelH; i++)
        {
            for (int j = 0; j < g.KernelW; j++)
            {
                int h = (oh * g.StrideH) - g.PadH + i, w = (ow * g.StrideW) - g.PadW + j;
                if (h >= 0 && h < g.Height && w >= 0 && w < g.Width)
                {
                    int k = ImageIndex(g, b, c, h, w);
                    if (best < 0 || x[k] > max || T.IsNaN(x[k]))
                    {
                        best = k;
                        max = x[k];
                    }
                }
            }
        }

        return best;
    }

    /// <summary>Whether offset <paramref name="t"/> = o·stride for an output index <c>0 ≤ o &lt; count</c>.</summary>
    private static bool Reads(int t, int stride, int count, out int o)
    {
        o = t >= 0 && t % stride == 0 ? t / stride : -1;
        return o >= 0 && o < count;
    }

    private static int Inside(int o, int stride, int pad, int kernel, int size)
    {
        int start = (o * stride) - pad;
        return Math.Min(start + kernel, size) - Math.Max(start, 0);
    }

    private static int ImageIndex(in Window2d g, int b, int c, int h, int w) => (((((b * g.Channels) + c) * g.Height) + h) * g.Width) + w;

    private static int OutIndex(in Window2d g, int channels, int b, int o, int oh, int ow) => (((((b * channels) + o) * g.OutH) + oh) * g.OutW) + ow;

    private static int ConvIndex(in Window2d g, int o, int c, int i, int j) => (((((o * g.Channels) + c) * g.KernelH) + i) * g.KernelW) + j;
}
