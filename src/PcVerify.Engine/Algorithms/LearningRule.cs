using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// The one learning rule shared by BP (Eq. 4, 11) and every predictive-coding rule (Eq. 9, 13), so equal
/// inputs give equal bits: <c>θ^{l+1} += s Σ_b e_b f_bᵀ</c>, <c>β^{l+1} += s Σ_b e_b</c> with <c>s = α/B</c>.
/// </summary>
public static class LearningRule
{
    /// <summary>Checks α &gt; 0, γ &gt; 0, σ ≥ 0, all finite.</summary>
    /// <exception cref="InvalidInputException">A value is out of range; the message names it.</exception>
    public static void CheckRates(double alpha, double gamma, double sigma)
    {
        if (!double.IsFinite(alpha) || alpha <= 0)
        {
            throw new InvalidInputException($"learning rate α must be finite and > 0, found {alpha}");
        }

        if (!double.IsFinite(gamma) || gamma <= 0)
        {
            throw new InvalidInputException($"inference rate γ must be finite and > 0, found {gamma}");
        }

        if (!double.IsFinite(sigma) || sigma < 0)
        {
            throw new InvalidInputException($"σ must be finite and ≥ 0, found {sigma}");
        }
    }

    /// <summary>
    /// The scale <c>s = α / B</c> (times <paramref name="layerFactor"/>, e.g. A.5's <c>γ^{−l}</c>), formed in double
    /// and rounded once to <typeparamref name="T"/>. BP and every PC rule take their rate from here, so in float32 too
    /// they use the very same <c>s</c>.
    /// </summary>
    public static T Rate<T>(double alpha, int batch, double layerFactor = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(alpha / batch * layerFactor);

    /// <summary>
    /// Applies the update of layer <c>l+1</c>. When <paramref name="recordTheta"/> is given, the update is first
    /// computed into a new matrix stored at index <c>l+1</c> and then added — bit-identical to the direct update.
    /// </summary>
    public static void Apply<T>(
        Parameters<T> p, int l, T s, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int batch, Span<T> scratch,
        Matrix<T>?[]? recordTheta = null, T[]?[]? recordBeta = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        Matrix<T> theta = p.Theta[l + 1];
        T[] beta = p.Beta[l + 1];
        if (recordTheta is null)
        {
            Gemm.AccumulateTN<T>(theta.Data, theta.Rows, theta.Cols, s, e, f, batch, scratch);
            if (beta.Length > 0)
            {
                BiasUpdate.Apply<T>(beta, s, e, batch);
            }

            return;
        }

        Matrix<T> d = new(theta.Rows, theta.Cols);
        Gemm.AccumulateTN<T>(d.Data, d.Rows, d.Cols, s, e, f, batch, scratch);
        Axpy.Compute<T>(T.One, d.Data, theta.Data);
        recordTheta[l + 1] = d;
        if (beta.Length > 0)
        {
            T[] db = new T[beta.Length];
            BiasUpdate.Apply<T>(db, s, e, batch);
            Axpy.Compute<T>(T.One, db, beta);
            if (recordBeta is not null)
            {
                recordBeta[l + 1] = db;
            }
        }
    }

    /// <summary>
    /// The update of layer <c>l+1</c> restricted to the rows where some gated error is non-zero, for Fa-Z-IL when
    /// only some neurons fire. Each updated element is computed as <see cref="Apply"/> computes it, except that
    /// terms with a zero error are left out of <c>Σ_b e_b f_b</c> and rows without any are left alone: with finite
    /// <paramref name="f"/> such terms add a signed zero to a sum that is never −0, and such rows would receive
    /// <c>θ + (+0)</c>, which changes nothing unless <c>θ</c> is −0. When some <c>f</c> is not finite this calls
    /// <see cref="Apply"/>. The bias is always updated in full (it is cheap), exactly as <see cref="Apply"/> does.
    /// </summary>
    internal static void ApplyRows<T>(Parameters<T> p, int l, T s, ReadOnlySpan<T> e, ReadOnlySpan<T> f, int batch, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Elementwise.FirstNonFinite(f) >= 0)
        {
            Apply(p, l, s, e, f, batch, scratch);
            return;
        }

        Matrix<T> theta = p.Theta[l + 1];
        int m = theta.Rows, k = theta.Cols;
        Span<T> r = scratch[..k];
        for (int i = 0; i < m; i++)
        {
            if (batch == 1)
            {
                if (e[i] != T.Zero)
                {
                    Axpy.Compute(s * e[i], f, theta.Row(i));
                }

                continue;
            }

            bool any = false;
            for (int b = 0; b < batch; b++)
            {
                T eb = e[(b * m) + i];
                if (eb == T.Zero)
                {
                    continue;
                }

                if (!any)
                {
                    r.Clear();
                    any = true;
                }

                Axpy.Compute(eb, f.Slice(b * k, k), r);
            }

            if (any)
            {
                Axpy.Compute(s, r, theta.Row(i));
            }
        }

        T[] beta = p.Beta[l + 1];
        if (beta.Length > 0)
        {
            BiasUpdate.Apply<T>(beta, s, e, batch);
        }
    }
}
