using System.Numerics;
using PcVerify.Engine.Algorithms;
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
        for (int l = 0; l <= L; l++)
        {
            Y[l] = bp.Y[l].AsSpan(0, bp.Batch * spec.Widths[l]).ToArray();
            if (l < L)
            {
                Delta[l] = bp.Delta[l].AsSpan(0, bp.Batch * spec.Widths[l]).ToArray();
            }
        }
    }

    /// <summary>The updates recorded by the graph learner, in layer indexing.</summary>
    internal void RecordUpdates(GraphBpTrace<T> updates, Chain<T> chain)
    {
        int L = chain.Spec.L;
        DeltaW = new Matrix<T>?[L + 1];
        DeltaV = new T[]?[L + 1];
        for (int l = 0; l < L; l++)
        {
            int v = chain.Vertex(l);
            DeltaW[l + 1] = updates.DeltaWeight[v] is { } w ? new Matrix<T>(chain.Spec.Widths[l], chain.Spec.Widths[l + 1], w) : null;
            DeltaV[l + 1] = updates.DeltaBias[v];
        }
    }
}
