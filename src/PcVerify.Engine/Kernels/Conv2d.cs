using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// 2-D convolution over an NCHW batch as PyTorch and ONNX compute it (cross-correlation):
/// <c>y[b,o,oh,ow] = Σ_{c,i,j} θ[o,c,i,j] · x[b,c,oh·s_h−p_h+i, ow·s_w−p_w+j] + β[o]</c>, padding cells 0;
/// weight (out, in, kh, kw). The fast path lowers each image to a column matrix (im2col: row <c>p = (oh, ow)</c>,
/// column <c>j = (c, i, j)</c> in the weight's order) and uses the <see cref="Gemm"/> kernels; the naive twin is
/// <see cref="ReferenceConv"/>.
/// </summary>
/// <remarks>
/// Summation orders: the forward dot over <c>(c, i, j)</c> is <see cref="Dot"/>'s order (padding cells contribute
/// exact zeros), then <c>+ β</c>; the input gradient sums over <c>o</c> in <see cref="Gemm.MultiplyNN{T}"/>'s order and
/// then scatters the columns back in ascending <c>(p, j)</c>; the weight gradient sums over <c>(b, p)</c> ascending
/// (<see cref="Gemm.AccumulateTN{T}"/>'s order, carried from image to image in a buffer of running sums). Results differ from the naive twin's left-to-right sums in the last bits only.
/// </remarks>
public static class Conv2d
{
    /// <summary>Scratch elements <see cref="Forward"/> and <see cref="InputGradient"/> need: <c>P·K + P·out</c>.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (checked before its sizes are computed).</exception>
    public static int Scratch(in Window2d g, int outChannels)
    {
        g.Validate();
        return (g.Positions * g.FieldSize) + (g.Positions * outChannels);
    }

    /// <summary>
    /// Scratch elements <see cref="WeightGradient"/> needs for <paramref name="batch"/> images: <c>P·K</c> (one image's
    /// columns) <c>+ B·P·out</c> (the transposed errors) <c>+ out·K</c> (the running sums).
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (checked before its sizes are computed).</exception>
    public static int GradientScratch(in Window2d g, int outChannels, int batch)
    {
        g.Validate();
        return (g.Positions * g.FieldSize) + (batch * g.Positions * outChannels) + (outChannels * g.FieldSize);
    }

    /// <summary>
    /// Forward. Shapes: <c>x</c> B×C×H×W, <c>weight</c> out×C×kh×kw, <c>bias</c> out or empty, <c>y</c> B×out×OH×OW
    /// (overwritten), <c>scratch</c> ≥ <see cref="Scratch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void Forward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, ReadOnlySpan<T> bias, Span<T> y, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, batch, g, weight.Length, outChannels, bias.Length, y.Length, scratch.Length, Scratch(g, outChannels));
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
        for (int b = 0; b < batch; b++)
        {
            Im2Col(x.Slice(b * n, n), g, col);
            Span<T> yb = y.Slice(b * m, m);
            // Rows of the weight are the "batch" of the product: yb[o, p] = Σ_j θ[o, j] col[p, j].
            Gemm.MultiplyNT<T>(weight, outChannels, k, col, p, yb);
            if (bias.Length > 0)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    Span<T> row = yb.Slice(o * p, p);
                    T beta = bias[o];
                    for (int q = 0; q < row.Length; q++)
                    {
                        row[q] += beta;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Input gradient: <c>dx = (∂y/∂x)ᵀ e</c>, i.e. <c>dx[b,c,h,w] = Σ θ[o,c,i,j] · e[b,o,oh,ow]</c> over the windows that
    /// cover (h, w). Shapes: <c>e</c> B×out×OH×OW, <c>dx</c> B×C×H×W (overwritten), <c>scratch</c> ≥ <see cref="Scratch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void InputGradient<T>(ReadOnlySpan<T> e, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, Span<T> dx, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(dx.Length, batch, g, weight.Length, outChannels, 0, e.Length, scratch.Length, Scratch(g, outChannels));
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
        Span<T> et = scratch.Slice(p * k, p * outChannels);
        for (int b = 0; b < batch; b++)
        {
            Transpose(e.Slice(b * m, m), outChannels, p, et);
            // col[p, j] = Σ_o eᵀ[p, o] θ[o, j].
            Gemm.MultiplyNN<T>(et, p, outChannels, weight, k, col);
            Col2Im(col, g, dx.Slice(b * n, n));
        }
    }

    /// <summary>
    /// The parameter rule: <c>weight[o,c,i,j] += s · Σ_{b,oh,ow} e[b,o,oh,ow] · x[b,c,…]</c> and
    /// <c>bias[o] += s · Σ_{b,oh,ow} e[b,o,oh,ow]</c> (bias may be empty). <c>scratch</c> ≥ <see cref="GradientScratch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static void WeightGradient<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> e, int outChannels, T s, Span<T> weight, Span<T> bias, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, batch, g, weight.Length, outChannels, bias.Length, e.Length, scratch.Length, GradientScratch(g, outChannels, batch));
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
        Span<T> et = scratch.Slice(p * k, batch * p * outChannels);
        for (int b = 0; b < batch; b++)
        {
            Transpose(e.Slice(b * m, m), outChannels, p, et.Slice(b * p * outChannels, p * outChannels));
        }

        if (batch * p == 1)
        {
            // One row in all: the batch-mean rule is the rank-1 update, with its own rounding (Gemm.AccumulateTN).
            Im2Col(x[..n], g, col);
            Gemm.AccumulateTN<T>(weight, outChannels, k, s, et, col, 1, col);
        }
        else
        {
            // Every (b, p) is one row of the batch-mean rule: θ[o, j] += s · r[o, j], r = Σ_{b,p} eᵀ[(b,p), o] col[(b,p), j]
            // from +0 in ascending (b, p) — Gemm.AccumulateTN's order. The sums run image by image through r, so only
            // one image's columns exist at a time (they stay in cache), and each element's sequence of additions is
            // the one AccumulateTN would perform on all B·P rows at once.
            Span<T> r = scratch.Slice((p * k) + (batch * p * outChannels), outChannels * k);
            r.Clear();
            for (int b = 0; b < batch; b++)
            {
                Im2Col(x.Slice(b * n, n), g, col);
                Gemm.AccumulateProducts<T>(r, outChannels, k, et.Slice(b * p * outChannels, p * outChannels), col, p);
            }

            for (int i = 0; i < weight.Length; i++)
            {
                weight[i] += s * r[i];
            }
        }

        if (bias.Length > 0)
        {
            BiasUpdate.Apply<T>(bias, s, et, batch * p);
        }
    }

    /// <summary>col[p, (c,i,j)] = x[c, oh·s_h − p_h + i, ow·s_w − p_w + j], 0 outside the image.</summary>
    /// <remarks>Lengths were checked by the caller (x: C·H·W, col: P·K); the loops use references without bounds checks.</remarks>
    private static void Im2Col<T>(ReadOnlySpan<T> x, in Window2d g, Span<T> col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kh = g.KernelH, kw = g.KernelW, height = g.Height, width = g.Width, plane = height * width;
        ref T src = ref MemoryMarshal.GetReference(x);
        ref T dst = ref MemoryMarshal.GetReference(col);
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int h0 = (oh * g.StrideH) - g.PadH;
            for (int ow = 0; ow < g.OutW; ow++)
            {
                int w0 = (ow * g.StrideW) - g.PadW;
                bool columnsInside = w0 >= 0 && w0 + kw <= width;
                for (int c = 0; c < g.Channels; c++)
                {
                    ref T xc = ref Unsafe.Add(ref src, c * plane);
                    for (int i = 0; i < kh; i++, dst = ref Unsafe.Add(ref dst, kw))
                    {
                        int h = h0 + i;
                        if ((uint)h >= (uint)height)
                        {
                            MemoryMarshal.CreateSpan(ref dst, kw).Clear();
                            continue;
                        }

                        ref T xrow = ref Unsafe.Add(ref xc, h * width);
                        if (columnsInside && kw == 3)
                        {
                            // The common 3×3 kernel, unrolled: the generic loop costs more than the three copies.
                            dst = Unsafe.Add(ref xrow, w0);
                            Unsafe.Add(ref dst, 1) = Unsafe.Add(ref xrow, w0 + 1);
                            Unsafe.Add(ref dst, 2) = Unsafe.Add(ref xrow, w0 + 2);
                        }
                        else if (columnsInside)
                        {
                            for (int j = 0; j < kw; j++)
                            {
                                Unsafe.Add(ref dst, j) = Unsafe.Add(ref xrow, w0 + j);
                            }
                        }
                        else
                        {
                            for (int j = 0; j < kw; j++)
                            {
                                int w = w0 + j;
                                Unsafe.Add(ref dst, j) = (uint)w < (uint)width ? Unsafe.Add(ref xrow, w) : T.Zero;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>dx = 0, then dx[c, h, w] += col[p, (c,i,j)] for every cell inside the image, in ascending (p, j).</summary>
    private static void Col2Im<T>(ReadOnlySpan<T> col, in Window2d g, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dx.Clear();
        int kh = g.KernelH, kw = g.KernelW, height = g.Height, width = g.Width, plane = height * width;
        ref T src = ref MemoryMarshal.GetReference(col);
        ref T dst = ref MemoryMarshal.GetReference(dx);
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int h0 = (oh * g.StrideH) - g.PadH;
            for (int ow = 0; ow < g.OutW; ow++)
            {
                int w0 = (ow * g.StrideW) - g.PadW;
                bool columnsInside = w0 >= 0 && w0 + kw <= width;
                for (int c = 0; c < g.Channels; c++)
                {
                    ref T dc = ref Unsafe.Add(ref dst, c * plane);
                    for (int i = 0; i < kh; i++, src = ref Unsafe.Add(ref src, kw))
                    {
                        int h = h0 + i;
                        if ((uint)h >= (uint)height)
                        {
                            continue;
                        }

                        ref T drow = ref Unsafe.Add(ref dc, h * width);
                        if (columnsInside && kw == 3)
                        {
                            Unsafe.Add(ref drow, w0) += src;
                            Unsafe.Add(ref drow, w0 + 1) += Unsafe.Add(ref src, 1);
                            Unsafe.Add(ref drow, w0 + 2) += Unsafe.Add(ref src, 2);
                            continue;
                        }

                        for (int j = 0; j < kw; j++)
                        {
                            int w = w0 + j;
                            if (columnsInside || (uint)w < (uint)width)
                            {
                                Unsafe.Add(ref drow, w) += Unsafe.Add(ref src, j);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>t[p, o] = a[o, p] for an <c>rows × cols</c> matrix a.</summary>
    private static void Transpose<T>(ReadOnlySpan<T> a, int rows, int cols, Span<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T src = ref MemoryMarshal.GetReference(a);
        ref T dst = ref MemoryMarshal.GetReference(t);
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref src, r * cols);
            for (int c = 0; c < cols; c++)
            {
                Unsafe.Add(ref dst, (c * rows) + r) = Unsafe.Add(ref row, c);
            }
        }
    }

    private static void Check(int xLength, int batch, in Window2d g, int weightLength, int outChannels, int biasLength, int yLength, int scratchLength, int scratchNeeded)
    {
        g.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        Shapes.CheckLength(xLength, batch * g.InputSize, "x");
        Shapes.CheckLength(weightLength, outChannels * g.FieldSize, "weight");
        if (biasLength != 0)
        {
            Shapes.CheckLength(biasLength, outChannels, "bias");
        }

        Shapes.CheckLength(yLength, batch * outChannels * g.Positions, "y");
        if (scratchLength < scratchNeeded)
        {
            throw new ArgumentException($"scratch: expected at least {scratchNeeded} elements, found {scratchLength}", "scratch");
        }
    }
}
