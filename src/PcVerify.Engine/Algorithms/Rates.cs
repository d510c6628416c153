using System.Numerics;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// The rates of every learning rule, BP's (Eq. 4, 11) and every predictive-coding rule's (Eq. 9, 13): their checks and
/// the one scale <c>s = α/B</c> of <c>θ_v += s Σ_b (∂F_v/∂θ_v)ᵀ e_b</c>, so equal inputs give equal bits (the update
/// itself is each vertex op's, <see cref="GraphState{T}.Update(Graph.GraphParameters{T}, int, ReadOnlySpan{T}, T)"/>).
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
}
