using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// Average pooling over an NCHW batch, per channel: <c>y[b,c,oh,ow] = (Σ x[b,c,h,w] over the window's cells inside the
/// image) / n</c>, summed in row-major window order, where <c>n = k_h·k_w</c> when padding counts
/// (<c>countIncludePad</c>, PyTorch's default) and else the number of cells inside the image. The naive twin is
/// <see cref="ReferenceConv"/>.
/// </summary>
/// <remarks>
/// The fast path clips each window to the image once instead of testing every cell; the forward arithmetic is the same
/// as the twin's (bit-identical). The input gradient scatters <c>e / n</c> window by window in output order; the twin
/// gathers per input cell, so the two agree within rounding.
/// </remarks>
public static class AvgPool2d
{
    /// <summary>Forward. Shapes: <c>x</c> B×C×H×W, <c>y</c> B×C×OH×OW (overwritten).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void Forward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, bool countIncludePad, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, batch, g);
        int hw = g.Height * g.Width;
        int q = 0;
        for (int plane = 0; plane < batch * g.Channels; plane++)
        {
            ReadOnlySpan<T> xp = x.Slice(plane * hw, hw);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                (int h0, int h1) = Clip(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
                for (int ow = 0; ow < g.OutW; ow++, q++)
                {
                    (int w0, int w1) = Clip(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                    {
                        ReadOnlySpan<T> row = xp.Slice((h * g.Width) + w0, w1 - w0);
                        for (int w = 0; w < row.Length; w++)
                        {
                            sum += row[w];
                        }
                    }

                    y[q] = sum / Divisor<T>(g, countIncludePad, h1 - h0, w1 - w0);
                }
            }
        }
    }

    /// <summary>
    /// Input gradient: <c>dx[b,c,h,w] = Σ e[b,c,oh,ow] / n(oh,ow)</c> over the windows covering (h, w).
    /// Shapes: <c>e</c> B×C×OH×OW, <c>dx</c> B×C×H×W (overwritten).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void InputGradient<T>(ReadOnlySpan<T> e, int batch, in Window2d g, bool countIncludePad, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(dx.Length, e.Length, batch, g);
        dx.Clear();
        int hw = g.Height * g.Width;
        int q = 0;
        for (int plane = 0; plane < batch * g.Channels; plane++)
        {
            Span<T> dp = dx.Slice(plane * hw, hw);
            for (int oh = 0; oh < g.OutH; oh++)
            {
                (int h0, int h1) = Clip(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
                for (int ow = 0; ow < g.OutW; ow++, q++)
                {
                    (int w0, int w1) = Clip(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                    T share = e[q] / Divisor<T>(g, countIncludePad, h1 - h0, w1 - w0);
                    for (int h = h0; h < h1; h++)
                    {
                        Span<T> row = dp.Slice((h * g.Width) + w0, w1 - w0);
                        for (int w = 0; w < row.Length; w++)
                        {
                            row[w] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The divisor n: <c>k_h·k_w</c> with padding counted, else the cells inside the image.</summary>
    internal static T Divisor<T>(in Window2d g, bool countIncludePad, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(countIncludePad ? g.KernelH * g.KernelW : rows * cols);

    /// <summary>The window's rows (or columns) inside the image, <c>[start, end)</c>.</summary>
    internal static (int Start, int End) Clip(int o, int stride, int pad, int kernel, int size)
    {
        int start = (o * stride) - pad;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    internal static void Check(int xLength, int yLength, int batch, in Window2d g)
    {
        g.Validate();
        if (2 * g.PadH > g.KernelH || 2 * g.PadW > g.KernelW)
        {
            // PyTorch's rule: it keeps at least one cell of the image in every window.
            throw new ArgumentException($"pooling padding ({g.PadH}, {g.PadW}) must be at most half the kernel ({g.KernelH}, {g.KernelW})");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Shapes.CheckLength(xLength, batch * g.InputSize, "x");
        Shapes.CheckLength(yLength, batch * g.Channels * g.Positions, "y");
    }
}
