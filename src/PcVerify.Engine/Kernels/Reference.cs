using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The naive scalar twins of the <see cref="Vector{T}"/> kernels: plain loops in the textbook order, kept next to
/// the fast versions as their test oracle (STYLE.md: "the naive reference kept beside the fast version").
/// </summary>
public static class Reference
{
    /// <summary><c>Σ_j a_j b_j</c>, left to right.</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(b.Length, a.Length, nameof(b));
        T s = T.Zero;
        for (int j = 0; j < a.Length; j++)
        {
            s += a[j] * b[j];
        }

        return s;
    }

    /// <summary><c>y_i = Σ_j A_ij x_j</c>, each row left to right.</summary>
    public static void Gemv<T>(ReadOnlySpan<T> a, int m, int n, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        for (int i = 0; i < m; i++)
        {
            y[i] = Dot(a.Slice(i * n, n), x);
        }
    }

    /// <summary><c>y_j = Σ_i A_ij x_i</c>, summed in ascending <c>i</c>.</summary>
    public static void GemvTransposed<T>(ReadOnlySpan<T> a, int m, int n, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        for (int j = 0; j < n; j++)
        {
            T s = T.Zero;
            for (int i = 0; i < m; i++)
            {
                s += x[i] * a[(i * n) + j];
            }

            y[j] = s;
        }
    }

    /// <summary><c>A_ij += (α u_i) v_j</c>.</summary>
    public static void Rank1Update<T>(Span<T> a, int m, int n, T alpha, ReadOnlySpan<T> u, ReadOnlySpan<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckMatrix(a.Length, m, n, nameof(a));
        for (int i = 0; i < m; i++)
        {
            T s = alpha * u[i];
            for (int j = 0; j < n; j++)
            {
                a[(i * n) + j] += s * v[j];
            }
        }
    }

    /// <summary><c>C[b,i] = Σ_j A[b,j] W[i,j]</c>.</summary>
    public static void MultiplyNT<T>(ReadOnlySpan<T> a, int batch, int k, ReadOnlySpan<T> w, int m, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            Gemv(w, m, k, a.Slice(b * k, k), c.Slice(b * m, m));
        }
    }

    /// <summary><c>G[b,j] = Σ_i E[b,i] W[i,j]</c>.</summary>
    public static void MultiplyNN<T>(ReadOnlySpan<T> e, int batch, int m, ReadOnlySpan<T> w, int k, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            GemvTransposed(w, m, k, e.Slice(b * m, m), g.Slice(b * k, k));
        }
    }

    /// <summary><c>W[i,j] += s · Σ_b E[b,i] F[b,j]</c> (for B = 1: <c>(s E[i]) F[j]</c>, as the rank-1 update).</summary>
    public static void AccumulateTN<T>(Span<T> w, int m, int k, T s, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch == 1)
        {
            Rank1Update(w, m, k, s, e, f);
            return;
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < k; j++)
            {
                T r = T.Zero;
                for (int b = 0; b < batch; b++)
                {
                    r += e[(b * m) + i] * f[(b * k) + j];
                }

                w[(i * k) + j] += s * r;
            }
        }
    }
}
