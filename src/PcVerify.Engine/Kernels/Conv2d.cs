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
/// Threads (docs/determinism.md): on one thread the kernels go image by image and only the products split; on several,
/// the forward pass and the input gradient take whole images per thread (one scratch slot each), and the weight gradient
/// takes strip-aligned column ranges of its running sums through every image — neither changes an element's operations.
/// </remarks>
public static class Conv2d
{
    /// <summary>
    /// Scratch elements <see cref="Forward"/> and <see cref="InputGradient"/> need: <c>P·K + P·out</c> (one image's
    /// columns and errors). A scratch of <c>n</c> times this lets them work on <c>n</c> images at once on
    /// <see cref="Parallelism.MaxThreads"/> threads; the results do not depend on it.
    /// </summary>
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
    public static unsafe void Forward<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, ReadOnlySpan<T> bias, Span<T> y, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int slot = Scratch(g, outChannels);
        Check(x.Length, batch, g, weight.Length, outChannels, bias.Length, y.Length, scratch.Length, slot);
        int slots = ImageSlots(batch, g, outChannels, scratch.Length / slot);
        if (slots <= 1)
        {
            for (int b = 0; b < batch; b++)
            {
                ForwardImage(x, b, g, weight, outChannels, bias, y, scratch[..slot]);
            }

            return;
        }

        int next = 0;
        fixed (T* px = x, pw = weight, pb = bias, py = y, ps = scratch)
        {
            ImageJob<T> job = new()
            {
                Kind = ImageJob<T>.Forward, X = px, XLength = x.Length, W = pw, WLength = weight.Length, Bias = pb, BiasLength = bias.Length,
                Y = py, YLength = y.Length, Scratch = ps, Slot = slot, Batch = batch, G = g, Out = outChannels, Next = &next,
            };
            WorkerPool.Run(job, slots);
        }
    }

    /// <summary>Image <paramref name="b"/> of the forward pass: im2col into <paramref name="scratch"/>, the product, + β.</summary>
    private static void ForwardImage<T>(ReadOnlySpan<T> x, int b, in Window2d g, ReadOnlySpan<T> weight, int outChannels, ReadOnlySpan<T> bias, Span<T> y, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
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

    /// <summary>
    /// Input gradient: <c>dx = (∂y/∂x)ᵀ e</c>, i.e. <c>dx[b,c,h,w] = Σ θ[o,c,i,j] · e[b,o,oh,ow]</c> over the windows that
    /// cover (h, w). Shapes: <c>e</c> B×out×OH×OW, <c>dx</c> B×C×H×W (overwritten), <c>scratch</c> ≥ <see cref="Scratch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static unsafe void InputGradient<T>(ReadOnlySpan<T> e, int batch, in Window2d g, ReadOnlySpan<T> weight, int outChannels, Span<T> dx, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int slot = Scratch(g, outChannels);
        Check(dx.Length, batch, g, weight.Length, outChannels, 0, e.Length, scratch.Length, slot);
        int slots = ImageSlots(batch, g, outChannels, scratch.Length / slot);
        if (slots <= 1)
        {
            for (int b = 0; b < batch; b++)
            {
                InputGradientImage(e, b, g, weight, outChannels, dx, scratch[..slot]);
            }

            return;
        }

        int next = 0;
        fixed (T* pe = e, pw = weight, pdx = dx, ps = scratch)
        {
            ImageJob<T> job = new()
            {
                Kind = ImageJob<T>.InputGradient, X = pdx, XLength = dx.Length, W = pw, WLength = weight.Length,
                Y = pe, YLength = e.Length, Scratch = ps, Slot = slot, Batch = batch, G = g, Out = outChannels, Next = &next,
            };
            WorkerPool.Run(job, slots);
        }
    }

    /// <summary>Image <paramref name="b"/> of the input gradient: transpose its errors, the product, col2im.</summary>
    private static void InputGradientImage<T>(ReadOnlySpan<T> e, int b, in Window2d g, ReadOnlySpan<T> weight, int outChannels, Span<T> dx, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
        Span<T> et = scratch.Slice(p * k, p * outChannels);
        Transpose(e.Slice(b * m, m), outChannels, p, et);
        // col[p, j] = Σ_o eᵀ[p, o] θ[o, j].
        Gemm.MultiplyNN<T>(et, p, outChannels, weight, k, col);
        Col2Im(col, g, dx.Slice(b * n, n));
    }

    /// <summary>
    /// How many images the forward pass and the input gradient work on at once: 1 (images in turn, each product split by
    /// <see cref="Gemm"/>) unless there are two threads, two images, two scratch slots and work for two blocks. Images
    /// are independent and each is computed by the same code whichever slot and thread take it, so this choice — the one
    /// place where the thread count matters — changes no bit.
    /// </summary>
    private static int ImageSlots(int batch, in Window2d g, int outChannels, int slots)
    {
        long work = (long)batch * outChannels * g.Positions * g.FieldSize;
        return Math.Min(Math.Min(batch, slots), Math.Min(Parallelism.MaxThreads, Parallelism.Blocks(work, Parallelism.MaxBlocks)));
    }

    /// <summary>
    /// A block of <see cref="Forward"/> or <see cref="InputGradient"/> on several threads: block <c>s</c> owns scratch
    /// slot <c>s</c> and takes images from the shared counter until none is left (so a descheduled thread leaves its
    /// share to the others). The products inside run serially (the pool is busy), which gives the same bits.
    /// </summary>
    private unsafe struct ImageJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public const int Forward = 0, InputGradient = 1;
        public int Kind;
        public T* X, W, Bias, Y, Scratch;
        public int XLength, WLength, BiasLength, YLength, Slot, Batch, Out;
        public Window2d G;
        public int* Next;

        public readonly void Run(int block)
        {
            Span<T> scratch = new(Scratch + ((nint)block * Slot), Slot);
            ReadOnlySpan<T> w = new(W, WLength);
            int b;
            while ((b = Interlocked.Increment(ref *Next) - 1) < Batch)
            {
                if (Kind == Forward)
                {
                    ForwardImage<T>(new ReadOnlySpan<T>(X, XLength), b, G, w, Out, new ReadOnlySpan<T>(Bias, BiasLength), new Span<T>(Y, YLength), scratch);
                }
                else
                {
                    InputGradientImage<T>(new ReadOnlySpan<T>(Y, YLength), b, G, w, Out, new Span<T>(X, XLength), scratch);
                }
            }
        }
    }

    /// <summary>
    /// The parameter rule: <c>weight[o,c,i,j] += s · Σ_{b,oh,ow} e[b,o,oh,ow] · x[b,c,…]</c> and
    /// <c>bias[o] += s · Σ_{b,oh,ow} e[b,o,oh,ow]</c> (bias may be empty). <c>scratch</c> ≥ <see cref="GradientScratch"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the geometry.</exception>
    public static unsafe void WeightGradient<T>(ReadOnlySpan<T> x, int batch, in Window2d g, ReadOnlySpan<T> e, int outChannels, T s, Span<T> weight, Span<T> bias, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, batch, g, weight.Length, outChannels, bias.Length, e.Length, scratch.Length, GradientScratch(g, outChannels, batch));
        int p = g.Positions, k = g.FieldSize, n = g.InputSize, m = outChannels * p;
        Span<T> col = scratch[..(p * k)];
        Span<T> et = scratch.Slice(p * k, batch * p * outChannels);
        if (batch * p == 1)
        {
            // One row in all: the batch-mean rule is the rank-1 update, with its own rounding (Gemm.AccumulateTN).
            Transpose(e[..m], outChannels, p, et);
            Im2Col(x[..n], g, col);
            Gemm.AccumulateTN<T>(weight, outChannels, k, s, et, col, 1, col);
            if (bias.Length > 0)
            {
                BiasUpdate.Apply<T>(bias, s, et, 1);
            }

            return;
        }

        // Every (b, p) is one row of the batch-mean rule: θ[o, j] += s · r[o, j], r = Σ_{b,p} eᵀ[(b,p), o] col[(b,p), j]
        // from +0 in ascending (b, p) — Gemm.AccumulateTN's order. The sums run image by image through r, so only
        // one image's columns exist at a time (they stay in cache), and each element's sequence of additions is
        // the one AccumulateTN would perform on all B·P rows at once.
        Span<T> r = scratch.Slice((p * k) + (batch * p * outChannels), outChannels * k);
        r.Clear();
        int strip = 3 * Vector<T>.Count, strips = (k + strip - 1) / strip;
        // The column blocks depend on the thread count (one block when there is one thread), which is safe: any
        // strip-aligned partition performs the same additions on every element.
        int blocks = Math.Min(Parallelism.MaxThreads > 1 ? strips : 1, Parallelism.Blocks((long)batch * p * outChannels * k, Parallelism.MaxBlocks));
        int per = strip * ((strips + blocks - 1) / blocks);
        fixed (T* px = x, pe = e, pw = weight, pb = bias, ps = scratch)
        {
            GradientJob<T> job = new()
            {
                X = px, E = pe, W = pw, Bias = pb, Scratch = ps, S = s, Batch = batch, G = g, Out = outChannels, HasBias = bias.Length > 0,
                Per = per, Blocks = (k + per - 1) / per,
            };
            if (job.Blocks <= 1)
            {
                for (int b = 0; b < batch; b++)
                {
                    job.TransposeImage(b);
                }

                for (int b = 0; b < batch; b++)
                {
                    Im2Col(x.Slice(b * n, n), g, col);
                    Gemm.AccumulateProducts<T>(r, outChannels, k, et.Slice(b * p * outChannels, p * outChannels), col, p);
                }

                job.Finish(0, k, 0, outChannels);
                return;
            }

            // Two fork–joins: the images' errors are transposed (independent copies), then block t takes the columns
            // [t·Per, (t+1)·Per) of r through every image — its own columns of each image's im2col, the running sums of
            // those columns (Gemm.ProductsCols: the same additions for any strip-aligned range), their rule — and a share
            // of the bias sums. No two blocks write the same element.
            WorkerPool.Run(new TransposeJob<T> { Gradient = job }, batch);
            WorkerPool.Run(job, job.Blocks);
        }
    }

    /// <summary>The image-by-image transposes of the weight gradient's errors, one block per image.</summary>
    private struct TransposeJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public GradientJob<T> Gradient;

        public readonly void Run(int block) => Gradient.TransposeImage(block);
    }

    /// <summary>The weight gradient's blocks: column ranges of the running sums (see <see cref="WeightGradient"/>).</summary>
    private unsafe struct GradientJob<T> : IBlockJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, E, W, Bias, Scratch;
        public T S;
        public int Batch, Out, Per, Blocks;
        public bool HasBias;
        public Window2d G;

        /// <summary>eᵀ of image <paramref name="b"/>: et[(b, p), o] = e[b, o, p].</summary>
        public readonly void TransposeImage(int b)
        {
            int p = G.Positions, k = G.FieldSize, m = Out * p;
            Transpose(new ReadOnlySpan<T>(E + ((nint)b * m), m), Out, p, new Span<T>(Scratch + (p * k) + ((nint)b * m), m));
        }

        public readonly void Run(int block)
        {
            int p = G.Positions, k = G.FieldSize, n = G.InputSize, m = Out * p;
            int j0 = block * Per, j1 = Math.Min(k, j0 + Per);
            ref T col = ref Unsafe.AsRef<T>(Scratch);
            ref T et = ref Unsafe.AsRef<T>(Scratch + (p * k));
            ref T r = ref Unsafe.AsRef<T>(Scratch + (p * k) + ((nint)Batch * m));
            for (int b = 0; b < Batch; b++)
            {
                Im2ColColumns(new ReadOnlySpan<T>(X + ((nint)b * n), n), G, ref col, j0, j1);
                Gemm.ProductsCols(ref r, Out, k, ref Unsafe.Add(ref et, (nint)b * m), ref col, p, j0, j1);
            }

            Finish(j0, j1, Out * block / Blocks, Out * (block + 1) / Blocks);
        }

        /// <summary>θ[o, j] += s · r[o, j] for the columns [j0, j1), and the bias rule for the channels [o0, o1).</summary>
        public readonly void Finish(int j0, int j1, int o0, int o1)
        {
            int p = G.Positions, k = G.FieldSize;
            T* r = Scratch + (p * k) + ((nint)Batch * Out * p);
            for (int o = 0; o < Out; o++)
            {
                for (int j = j0; j < j1; j++)
                {
                    W[(o * k) + j] += S * r[(o * k) + j];
                }
            }

            if (!HasBias)
            {
                return;
            }

            // β[o] += s · Σ_{b,p} e[b, o, p] from +0 in ascending (b, p): BiasUpdate's order over the rows of eᵀ, read
            // from e where each (b, o) is a contiguous run instead of a column of eᵀ.
            for (int o = o0; o < o1; o++)
            {
                T sum = T.Zero;
                for (int b = 0; b < Batch; b++)
                {
                    T* row = E + ((nint)((b * Out) + o) * p);
                    for (int q = 0; q < p; q++)
                    {
                        sum += row[q];
                    }
                }

                Bias[o] += S * sum;
            }
        }
    }

    /// <summary>
    /// Columns [j0, j1) of <see cref="Im2Col{T}"/>: col[p, j] for every position, the other columns untouched. The range
    /// is walked as the kernel rows (c, i) it meets, each a run of up to kw cells clipped to the range, with Im2Col's
    /// unrolled copy for whole interior 3-wide rows; the values are Im2Col's (copies, and +0 outside the image).
    /// </summary>
    private static void Im2ColColumns<T>(ReadOnlySpan<T> x, in Window2d g, ref T col, int j0, int j1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kh = g.KernelH, kw = g.KernelW, height = g.Height, width = g.Width, plane = height * width, k = g.FieldSize;
        int r0 = j0 / kw, r1 = (j1 + kw - 1) / kw;
        ref T src = ref MemoryMarshal.GetReference(x);
        ref T position = ref col;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int h0 = (oh * g.StrideH) - g.PadH;
            for (int ow = 0; ow < g.OutW; ow++, position = ref Unsafe.Add(ref position, k))
            {
                int w0 = (ow * g.StrideW) - g.PadW;
                bool columnsInside = w0 >= 0 && w0 + kw <= width;
                for (int r = r0; r < r1; r++)
                {
                    int c = r / kh, i = r - (c * kh), h = h0 + i;
                    int from = Math.Max(j0, r * kw), to = Math.Min(j1, (r + 1) * kw), first = from - (r * kw);
                    ref T dst = ref Unsafe.Add(ref position, from);
                    if ((uint)h >= (uint)height)
                    {
                        MemoryMarshal.CreateSpan(ref dst, to - from).Clear();
                        continue;
                    }

                    ref T xrow = ref Unsafe.Add(ref src, (c * plane) + (h * width));
                    if (columnsInside && kw == 3 && to - from == 3)
                    {
                        dst = Unsafe.Add(ref xrow, w0);
                        Unsafe.Add(ref dst, 1) = Unsafe.Add(ref xrow, w0 + 1);
                        Unsafe.Add(ref dst, 2) = Unsafe.Add(ref xrow, w0 + 2);
                        continue;
                    }

                    for (int j = 0; j < to - from; j++)
                    {
                        int w = w0 + first + j;
                        Unsafe.Add(ref dst, j) = (uint)w < (uint)width ? Unsafe.Add(ref xrow, w) : T.Zero;
                    }
                }
            }
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
