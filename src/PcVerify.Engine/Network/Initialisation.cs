using System.Numerics;

namespace PcVerify.Engine.Network;

/// <summary>The weight initialisation schemes.</summary>
public enum InitScheme
{
    /// <summary>He/Kaiming normal: <c>θ_ij ~ N(0, 2 / n^{l+1})</c> (fan-in is the upper layer) — the thesis' choice.</summary>
    HeNormal,

    /// <summary>Xavier/Glorot uniform: <c>θ_ij ~ U(−b, b)</c>, <c>b = √(6 / (n^l + n^{l+1}))</c>.</summary>
    XavierUniform,

    /// <summary>Scaled normal: <c>θ_ij ~ N(0, scale²)</c>.</summary>
    ScaledNormal,
}

/// <summary>
/// Seeded, reproducible initialisation. Values are drawn in double precision from one <see cref="Rng"/> stream
/// per layer (<c>Rng.Derive(seed, RngDomain.Initialisation, l+1)</c>, so a layer's values do not depend on the other layers) and then rounded
/// to <typeparamref name="T"/>. A BP network and a PCN initialised with the same arguments start from
/// bit-identical parameters; float32 parameters are the float64 ones rounded to nearest.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public static class Initialisation<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates parameters for <paramref name="spec"/>.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="scheme">The weight scheme.</param>
    /// <param name="seed">The seed; layer <c>l+1</c> uses stream <c>l+1</c> of it.</param>
    /// <param name="scale">The standard deviation for <see cref="InitScheme.ScaledNormal"/>; a multiplier of the
    /// scheme's spread for the others (1 = the textbook scheme).</param>
    /// <param name="biasScale">Biases are drawn from <c>N(0, biasScale²)</c>; 0 (the default) gives zero biases.</param>
    /// <exception cref="InvalidInputException">A scale is negative or not finite.</exception>
    public static Parameters<T> Create(NetworkSpec spec, InitScheme scheme, ulong seed, double scale = 1.0, double biasScale = 0.0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!double.IsFinite(scale) || scale < 0)
        {
            throw new InvalidInputException($"initialisation scale must be finite and ≥ 0, found {scale}");
        }

        if (!double.IsFinite(biasScale) || biasScale < 0)
        {
            throw new InvalidInputException($"initialisation bias scale must be finite and ≥ 0, found {biasScale}");
        }

        Parameters<T> p = new(spec);
        for (int l = 0; l < spec.L; l++)
        {
            int fanOut = spec.Widths[l], fanIn = spec.Widths[l + 1];
            Rng rng = Rng.Derive(seed, RngDomain.Initialisation, (ulong)(l + 1));
            T[] data = p.Theta[l + 1].Data;
            for (int k = 0; k < data.Length; k++)
            {
                double v = scheme switch
                {
                    InitScheme.HeNormal => scale * Math.Sqrt(2.0 / fanIn) * rng.NextNormal(),
                    InitScheme.XavierUniform => scale * Math.Sqrt(6.0 / (fanIn + fanOut)) * rng.NextUniform(-1.0, 1.0),
                    _ => scale * rng.NextNormal(),
                };
                data[k] = T.CreateTruncating(v);
            }

            T[] beta = p.Beta[l + 1];
            for (int i = 0; i < beta.Length; i++)
            {
                beta[i] = T.CreateTruncating(biasScale * rng.NextNormal());
            }
        }

        return p;
    }
}
