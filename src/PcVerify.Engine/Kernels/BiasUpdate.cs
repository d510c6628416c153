using System.Numerics;

namespace PcVerify.Engine.Kernels;

/// <summary>
/// The bias rule <c>β_i ← β_i + s · Σ_b E[b,i]</c> (Eq. 13 / Eq. 11 with the batch mean, <c>s = α/B</c>).
/// For <c>B = 1</c> each element is <c>β_i + s · E[i]</c>, matching <see cref="Rank1Update"/>'s rounding.
/// </summary>
public static class BiasUpdate
{
    /// <summary>Applies the update. Shapes: <c>beta</c> m, <c>e</c> B×m.</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shapes.</exception>
    public static void Apply<T>(Span<T> beta, T s, ReadOnlySpan<T> e, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = beta.Length;
        Shapes.CheckMatrix(e.Length, batch, m, nameof(e));
        for (int i = 0; i < m; i++)
        {
            if (batch == 1)
            {
                beta[i] += s * e[i];
                continue;
            }

            T r = T.Zero;
            for (int b = 0; b < batch; b++)
            {
                r += e[(b * m) + i];
            }

            beta[i] += s * r;
        }
    }
}
