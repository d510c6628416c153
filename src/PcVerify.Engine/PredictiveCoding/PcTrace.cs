using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.PredictiveCoding;

/// <summary>
/// What happened at one inference moment <c>t</c>: the state <c>(x_t, μ_t, ε_t)</c> the moment computed from,
/// the increments <c>Δx_t</c>, and the parameter updates applied at <c>t</c> (null where none). Arrays are
/// copies; rows are the pairs of the batch. A traced step runs the faithful synchronous simulation (event-driven Z-IL
/// and skipping Fa-Z-IL equal it bit for bit in their parameters), so every moment is recorded in full.
/// </summary>
public sealed class PcMoment<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal PcMoment(int t, int depth)
    {
        Moment = t;
        X = new T[]?[depth + 1];
        Mu = new T[]?[depth];
        Eps = new T[]?[depth];
        DeltaX = new T[]?[depth + 1];
        DeltaTheta = new Matrix<T>?[depth + 1];
        DeltaBeta = new T[]?[depth + 1];
    }

    /// <summary>The moment <c>t</c>.</summary>
    public int Moment { get; }

    /// <summary><c>x^l_t</c>, <c>l = 0..L</c>.</summary>
    public T[]?[] X { get; }

    /// <summary><c>μ^l_t</c>, <c>l = 0..L−1</c>.</summary>
    public T[]?[] Mu { get; }

    /// <summary><c>ε^l_t</c>, <c>l = 0..L−1</c>.</summary>
    public T[]?[] Eps { get; }

    /// <summary><c>Δx^l_t</c> for hidden <c>l</c>.</summary>
    public T[]?[] DeltaX { get; }

    /// <summary><c>Δθ^{l+1}_t</c> at index <c>l+1</c>, as applied.</summary>
    public Matrix<T>?[] DeltaTheta { get; }

    /// <summary><c>Δβ^{l+1}_t</c> at index <c>l+1</c>, as applied.</summary>
    public T[]?[] DeltaBeta { get; }

    /// <summary><c>F_t</c> summed over the batch.</summary>
    public double Energy { get; internal set; } = double.NaN;

    /// <summary>The layered view of a graph moment on the chain graph.</summary>
    internal static PcMoment<T> FromGraph(GraphPcMoment<T> g, Chain<T> chain)
    {
        NetworkSpec spec = chain.Spec;
        int L = spec.L;
        PcMoment<T> m = new(g.Moment, L) { Energy = g.Energy };
        for (int l = 0; l <= L; l++)
        {
            int v = chain.Vertex(l);
            m.X[l] = g.X[v];
            m.DeltaX[l] = g.DeltaX[v];
            if (l < L)
            {
                m.Mu[l] = g.Mu[v];
                m.Eps[l] = g.Eps[v];
                m.DeltaTheta[l + 1] = g.DeltaWeight[v] is { } w ? new Matrix<T>(spec.Widths[l], spec.Widths[l + 1], w) : null;
                m.DeltaBeta[l + 1] = g.DeltaBias[v];
            }
        }

        return m;
    }
}

/// <summary>A record of every moment of one predictive-coding step, for tests and proofs. Off unless passed.</summary>
public sealed class PcTrace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The moments in order.</summary>
    public List<PcMoment<T>> Moments { get; } = [];

    /// <summary>The update applied to <c>θ^{l+1}</c> summed over all moments (null if never updated).</summary>
    public Matrix<T>? TotalDeltaTheta(int lPlus1)
    {
        Matrix<T>? sum = null;
        foreach (PcMoment<T> m in Moments)
        {
            Matrix<T>? d = m.DeltaTheta[lPlus1];
            if (d is null)
            {
                continue;
            }

            if (sum is null)
            {
                sum = d.Clone();
                continue;
            }

            for (int k = 0; k < d.Data.Length; k++)
            {
                sum.Data[k] += d.Data[k];
            }
        }

        return sum;
    }

    /// <summary>The update applied to <c>β^{l+1}</c> summed over all moments (null if never updated).</summary>
    public T[]? TotalDeltaBeta(int lPlus1)
    {
        T[]? sum = null;
        foreach (PcMoment<T> m in Moments)
        {
            T[]? d = m.DeltaBeta[lPlus1];
            if (d is null)
            {
                continue;
            }

            if (sum is null)
            {
                sum = (T[])d.Clone();
                continue;
            }

            for (int k = 0; k < d.Length; k++)
            {
                sum[k] += d[k];
            }
        }

        return sum;
    }
}
