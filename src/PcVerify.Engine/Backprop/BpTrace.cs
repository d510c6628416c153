using System.Numerics;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Backprop;

/// <summary>
/// A record of one BP step for tests and proofs: <c>y^l</c>, <c>δ^l</c> and the updates <c>Δw^{l+1}</c>,
/// <c>Δv^{l+1}</c> exactly as applied. Recording is off unless a trace is passed, and costs nothing then.
/// </summary>
public sealed class BpTrace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>y^l</c> (copies), <c>l = 0..L</c>, rows = pairs.</summary>
    public T[][] Y { get; private set; } = [];

    /// <summary><c>δ^l</c> (copies), <c>l = 0..L−1</c>.</summary>
    public T[][] Delta { get; private set; } = [];

    /// <summary><c>Δw^{l+1}</c> at index <c>l+1</c> (index 0 unused).</summary>
    public Matrix<T>?[] DeltaW { get; private set; } = [];

    /// <summary><c>Δv^{l+1}</c> at index <c>l+1</c> (null without biases).</summary>
    public T[]?[] DeltaV { get; private set; } = [];

    internal void Capture(Backprop<T> bp, NetworkSpec spec)
    {
        int L = spec.L;
        Y = new T[L + 1][];
        Delta = new T[L][];
        DeltaW = new Matrix<T>?[L + 1];
        DeltaV = new T[]?[L + 1];
        for (int l = 0; l <= L; l++)
        {
            Y[l] = bp.Y[l].AsSpan(0, bp.Batch * spec.Widths[l]).ToArray();
            if (l < L)
            {
                Delta[l] = bp.Delta[l].AsSpan(0, bp.Batch * spec.Widths[l]).ToArray();
            }
        }
    }
}
