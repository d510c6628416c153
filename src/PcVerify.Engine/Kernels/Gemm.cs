using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The three matrix–matrix products of a batch of <c>B</c> pairs. Samples are rows: a batch of layer
/// values is a <c>B × n</c> row-major matrix; a weight matrix <c>θ^{l+1}</c> is <c>n^l × n^{l+1}</c> row-major.
/// </summary>
/// <remarks>
/// Every element is accumulated in the same order as the corresponding per-sample kernel
/// (<see cref="Gemv"/>, <see cref="GemvTransposed"/>), so row <c>b</c> of a batched product is bit-identical to
/// the single-sample product of sample <c>b</c>. The loops visit one weight row at a time for all samples, so a
/// weight row is read from memory once per batch.
/// </remarks>
public static class Gemm
{
    /// <summary>
    /// Forward: <c>C[b,i] = Σ_j A[b,j] · W[i,j]</c>, i.e. <c>C = A Wᵀ</c> (<c>μ = f(x) θᵀ</c> for a batch).
    /// Shapes: <c>a</c> B×k, <c>w</c> m×k, <c>c</c> B×m.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void MultiplyNT<T>(ReadOnlySpan<T> a, int batch, int k, ReadOnlySpan<T> w, int m, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, batch, k, nameof(a));
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(c.Length, batch, m, nameof(c));
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rw = ref MemoryMarshal.GetReference(w);
        for (int i = 0; i < m; i++)
        {
            ref T wi = ref Unsafe.Add(ref rw, i * k);
            for (int b = 0; b < batch; b++)
            {
                c[(b * m) + i] = Dot.Unchecked(ref Unsafe.Add(ref ra, b * k), ref wi, k);
            }
        }
    }

    /// <summary>
    /// Backward: <c>G[b,j] = Σ_i E[b,i] · W[i,j]</c>, i.e. <c>G = E W</c> (<c>(θ^l)ᵀ ε^{l-1}</c> for a batch).
    /// Shapes: <c>e</c> B×m, <c>w</c> m×k, <c>g</c> B×k.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void MultiplyNN<T>(ReadOnlySpan<T> e, int batch, int m, ReadOnlySpan<T> w, int k, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(e.Length, batch, m, nameof(e));
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(g.Length, batch, k, nameof(g));
        g.Clear();
        ref T rw = ref MemoryMarshal.GetReference(w);
        ref T rg = ref MemoryMarshal.GetReference(g);
        for (int i = 0; i < m; i++)
        {
            ref T wi = ref Unsafe.Add(ref rw, i * k);
            for (int b = 0; b < batch; b++)
            {
                Axpy.Unchecked(e[(b * m) + i], ref wi, ref Unsafe.Add(ref rg, b * k), k);
            }
        }
    }

    /// <summary>
    /// Update: <c>W[i,j] ← W[i,j] + s · Σ_b E[b,i] · F[b,j]</c> (the batch-mean learning rule with
    /// <c>s = α / B</c>). For <c>B = 1</c> this is exactly <see cref="Rank1Update"/> with <c>α = s</c>.
    /// Shapes: <c>w</c> m×k, <c>e</c> B×m, <c>f</c> B×k, <c>scratch</c> at least k.
    /// </summary>
    /// <remarks>
    /// For <c>B &gt; 1</c> each row first accumulates <c>r_j = Σ_b E[b,i] F[b,j]</c> in ascending <c>b</c>, then
    /// adds <c>s · r_j</c>.
    /// </remarks>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void AccumulateTN<T>(Span<T> w, int m, int k, T s, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int batch, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(w.Length, m, k, nameof(w));
        Shapes.CheckMatrix(e.Length, batch, m, nameof(e));
        Shapes.CheckMatrix(f.Length, batch, k, nameof(f));
        if (batch == 1)
        {
            Rank1Update.Apply(w, m, k, s, e, f);
            return;
        }

        if (scratch.Length < k)
        {
            throw new ArgumentException($"scratch: expected at least {k} elements, found {scratch.Length}", nameof(scratch));
        }

        ref T rw = ref MemoryMarshal.GetReference(w);
        ref T rf = ref MemoryMarshal.GetReference(f);
        ref T rr = ref MemoryMarshal.GetReference(scratch);
        for (int i = 0; i < m; i++)
        {
            scratch[..k].Clear();
            for (int b = 0; b < batch; b++)
            {
                Axpy.Unchecked(e[(b * m) + i], ref Unsafe.Add(ref rf, b * k), ref rr, k);
            }

            Axpy.Unchecked(s, ref rr, ref Unsafe.Add(ref rw, i * k), k);
        }
    }
}
