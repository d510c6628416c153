using System.Numerics;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Training;

/// <summary>
/// The one prediction shared by BP and every predictive-coding rule, so equal inputs give equal bits:
/// <c>f(u) = f_{l+1}(u)</c> and <c>μ^l = θ^{l+1} f(u) + β^{l+1}</c> for a batch (rows = pairs).
/// </summary>
public static class Forward
{
    /// <summary>
    /// Computes <c>fUpper = f_{l+1}(upper)</c> and <c>mu = fUpper · (θ^{l+1})ᵀ + β^{l+1}</c> for <paramref name="batch"/> rows.
    /// Shapes: <c>upper</c> B×n^{l+1}, <c>fUpper</c> ≥ B×n^{l+1}, <c>mu</c> ≥ B×n^l.
    /// </summary>
    public static void Layer<T>(NetworkSpec spec, Parameters<T> p, int l, ReadOnlySpan<T> upper, Span<T> fUpper, Span<T> mu, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(p);
        int nUp = spec.Widths[l + 1], n = spec.Widths[l];
        Span<T> f = fUpper[..(batch * nUp)];
        Span<T> m = mu[..(batch * n)];
        spec.Activations[l + 1].Apply(upper, f);
        Predict(p, l, f, m, batch);
    }

    /// <summary>
    /// <c>mu = f · (θ^{l+1})ᵀ + β^{l+1}</c> from already-activated upper values <paramref name="f"/> (B×n^{l+1}).
    /// </summary>
    public static void Predict<T>(Parameters<T> p, int l, ReadOnlySpan<T> f, Span<T> mu, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        Matrix<T> theta = p.Theta[l + 1];
        Gemm.MultiplyNT<T>(f, batch, theta.Cols, theta.Data, theta.Rows, mu);
        T[] beta = p.Beta[l + 1];
        if (beta.Length > 0)
        {
            for (int b = 0; b < batch; b++)
            {
                Axpy.Compute(T.One, beta, mu.Slice(b * beta.Length, beta.Length));
            }
        }
    }
}
