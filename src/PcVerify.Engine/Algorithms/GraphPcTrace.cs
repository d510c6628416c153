using System.Numerics;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// One inference moment <c>t</c> of a graph PC step: copies of every vertex's value <c>x_v,t</c> and error
/// <c>ε_v,t</c> (null for the input's error), computed from <c>(x_t, θ_t)</c> before anything of moment t is applied,
/// and the energy <c>F_t</c>. Rows are the pairs of the batch.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphPcMoment<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal GraphPcMoment(int t, T[]?[] x, T[]?[] eps, double energy)
    {
        Moment = t;
        X = x;
        Eps = eps;
        Energy = energy;
    }

    /// <summary>The moment <c>t</c>.</summary>
    public int Moment { get; }

    /// <summary><c>x_v,t</c> by vertex (topological index).</summary>
    public T[]?[] X { get; }

    /// <summary><c>ε_v,t</c> by vertex (null for the input).</summary>
    public T[]?[] Eps { get; }

    /// <summary><c>F_t</c> summed over the batch.</summary>
    public double Energy { get; }
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

    internal void Capture(GraphState<T> state, int t)
    {
        int n = state.Graph.Vertices.Count;
        T[]?[] x = new T[]?[n], eps = new T[]?[n];
        for (int v = 0; v < n; v++)
        {
            x[v] = state.Rows(state.X, v).ToArray();
            eps[v] = v == state.Graph.Input ? null : state.Rows(state.Eps, v).ToArray();
        }

        Moments.Add(new GraphPcMoment<T>(t, x, eps, state.Energy()));
    }
}
