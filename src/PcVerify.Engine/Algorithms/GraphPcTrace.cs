using System.Numerics;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// One inference moment <c>t</c> of a graph PC step: copies of every vertex's value <c>x_v,t</c>, prediction
/// <c>μ_v,t</c> and error <c>ε_v,t</c> (null for the input), computed from <c>(x_t, θ_t)</c> before anything of moment t
/// is applied, the increments <c>Δx_v,t</c> of the hidden vertices, the parameter updates applied at t (null where
/// none) and the energy <c>F_t</c>. Rows are the pairs of the batch.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphPcMoment<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal GraphPcMoment(int t, int vertices)
    {
        Moment = t;
        X = new T[]?[vertices];
        Mu = new T[]?[vertices];
        Eps = new T[]?[vertices];
        DeltaX = new T[]?[vertices];
        DeltaWeight = new T[]?[vertices];
        DeltaBias = new T[]?[vertices];
    }

    /// <summary>The moment <c>t</c>.</summary>
    public int Moment { get; }

    /// <summary><c>x_v,t</c> by vertex (topological index).</summary>
    public T[]?[] X { get; }

    /// <summary><c>μ_v,t</c> by vertex (null for the input).</summary>
    public T[]?[] Mu { get; }

    /// <summary><c>ε_v,t</c> by vertex (null for the input).</summary>
    public T[]?[] Eps { get; }

    /// <summary><c>Δx_v,t</c> by hidden vertex (null for the input and the output).</summary>
    public T[]?[] DeltaX { get; }

    /// <summary>The update of <c>θ_v</c> applied at <c>t</c>, in the weight's storage order (null where none).</summary>
    public T[]?[] DeltaWeight { get; }

    /// <summary>The update of <c>β_v</c> applied at <c>t</c> (null where none or without a bias).</summary>
    public T[]?[] DeltaBias { get; }

    /// <summary><c>F_t</c> summed over the batch.</summary>
    public double Energy { get; internal set; }
}

/// <summary>
/// A record of every moment of one graph PC step, for tests and inspection. A traced step always runs the faithful
/// synchronous simulation (which the event-driven Z-IL and the skipping Fa-Z-IL equal in their parameters, bit for
/// bit), so every moment's whole state exists to be recorded. Off unless passed to
/// <see cref="GraphPredictiveCoding{T}.Step(Graph.GraphParameters{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int, GraphPcTrace{T})"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphPcTrace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The moments in order.</summary>
    public List<GraphPcMoment<T>> Moments { get; } = [];

    /// <summary>Records moment <paramref name="t"/> after its predictions, errors and increments, before anything is applied.</summary>
    internal GraphPcMoment<T> Capture(GraphState<T> state, int t)
    {
        int n = state.Graph.Vertices.Count;
        GraphPcMoment<T> m = new(t, n);
        for (int v = 0; v < n; v++)
        {
            m.X[v] = state.Rows(state.X, v).ToArray();
            if (v != state.Graph.Input)
            {
                m.Mu[v] = state.Rows(state.Mu, v).ToArray();
                m.Eps[v] = state.Rows(state.Eps, v).ToArray();
            }

            if (state.IsHidden(v))
            {
                m.DeltaX[v] = state.Rows(state.DX, v).ToArray();
            }
        }

        m.Energy = state.Energy();
        Moments.Add(m);
        return m;
    }
}
