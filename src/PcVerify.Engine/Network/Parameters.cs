using System.Numerics;

namespace PcVerify.Engine.Network;

/// <summary>
/// The parameters of a network in the paper's indexing: <c>Theta[l+1]</c> is the <c>n^l × n^{l+1}</c> matrix from
/// layer <c>l+1</c> to layer <c>l</c> and <c>Beta[l+1]</c> its bias of length <c>n^l</c>, for <c>l = 0..L−1</c>.
/// Index 0 of both arrays is unused (an empty matrix / empty vector) so the code reads like the paper.
/// </summary>
/// <remarks>The same type holds a PCN's <c>θ, β</c> and an ANN's <c>w, v</c>.</remarks>
public sealed class Parameters<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Zero parameters shaped for <paramref name="spec"/>.</summary>
    /// <exception cref="InvalidInputException">They would exceed the <see cref="Resources.MemoryBudget"/>.</exception>
    public Parameters(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Resources.MemoryBudget.Require(
            checked(spec.ParameterCount * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()),
            $"the parameters of the network {spec.ArchitectureText} ({spec.ParameterCount} × {typeof(T).Name})");
        Spec = spec;
        Theta = new Matrix<T>[spec.L + 1];
        Beta = new T[spec.L + 1][];
        Theta[0] = new Matrix<T>(0, 0);
        Beta[0] = [];
        for (int l = 0; l < spec.L; l++)
        {
            Theta[l + 1] = new Matrix<T>(spec.Widths[l], spec.Widths[l + 1]);
            Beta[l + 1] = spec.Bias ? new T[spec.Widths[l]] : [];
        }
    }

    /// <summary>The architecture these parameters belong to.</summary>
    public NetworkSpec Spec { get; }

    /// <summary><c>θ^{l+1}</c> at index <c>l+1</c>, <c>l = 0..L−1</c>.</summary>
    public Matrix<T>[] Theta { get; }

    /// <summary><c>β^{l+1}</c> at index <c>l+1</c> (empty arrays when the network has no biases).</summary>
    public T[][] Beta { get; }

    /// <summary>A deep copy.</summary>
    public Parameters<T> Clone()
    {
        Parameters<T> p = new(Spec);
        p.CopyFrom(this);
        return p;
    }

    /// <summary>Copies every element from <paramref name="other"/> (same spec shape).</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void CopyFrom(Parameters<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckSameShape(other);
        for (int l = 1; l <= Spec.L; l++)
        {
            other.Theta[l].Data.CopyTo(Theta[l].Data, 0);
            other.Beta[l].CopyTo(Beta[l], 0);
        }
    }

    /// <summary>Converts to another element type (rounding to nearest when narrowing).</summary>
    public Parameters<TOut> Convert<TOut>()
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        Parameters<TOut> p = new(Spec);
        for (int l = 1; l <= Spec.L; l++)
        {
            T[] src = Theta[l].Data;
            TOut[] dst = p.Theta[l].Data;
            for (int i = 0; i < src.Length; i++)
            {
                dst[i] = TOut.CreateTruncating(src[i]);
            }

            for (int i = 0; i < Beta[l].Length; i++)
            {
                p.Beta[l][i] = TOut.CreateTruncating(Beta[l][i]);
            }
        }

        return p;
    }

    /// <summary>
    /// Returns a description of the first non-finite element (<c>"θ^2[3,4]"</c>), or null when all are finite.
    /// </summary>
    public string? FindNonFinite()
    {
        for (int l = 1; l <= Spec.L; l++)
        {
            Matrix<T> m = Theta[l];
            int k = Kernels.Elementwise.FirstNonFinite<T>(m.Data);
            if (k >= 0)
            {
                return $"θ^{l}[{k / m.Cols},{k % m.Cols}] = {m.Data[k]}";
            }

            int i = Kernels.Elementwise.FirstNonFinite<T>(Beta[l]);
            if (i >= 0)
            {
                return $"β^{l}[{i}] = {Beta[l][i]}";
            }
        }

        return null;
    }

    private void CheckSameShape(Parameters<T> other)
    {
        if (other.Spec.L != Spec.L)
        {
            throw new ArgumentException($"parameters: depth {other.Spec.L} does not match {Spec.L}", nameof(other));
        }

        for (int l = 1; l <= Spec.L; l++)
        {
            if (other.Theta[l].Rows != Theta[l].Rows || other.Theta[l].Cols != Theta[l].Cols || other.Beta[l].Length != Beta[l].Length)
            {
                throw new ArgumentException(
                    $"parameters: θ^{l} is {other.Theta[l].Rows}×{other.Theta[l].Cols} (bias {other.Beta[l].Length}), expected {Theta[l].Rows}×{Theta[l].Cols} (bias {Beta[l].Length})",
                    nameof(other));
            }
        }
    }
}
