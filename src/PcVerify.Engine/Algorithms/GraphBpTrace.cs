using System.Numerics;

namespace PcVerify.Engine.Algorithms;

/// <summary>A record of one graph BP step: <c>y_v</c>, <c>δ_v</c> (null for the input) and the updates exactly as applied.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphBpTrace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary><c>y_v</c> by vertex.</summary>
    public T[]?[] Y { get; private set; } = [];

    /// <summary><c>δ_v</c> by vertex (null for the input).</summary>
    public T[]?[] Delta { get; private set; } = [];

    /// <summary>The update of <c>θ_v</c> by vertex (null where none).</summary>
    public T[]?[] DeltaWeight { get; private set; } = [];

    /// <summary>The update of <c>β_v</c> by vertex (null where none or without a bias).</summary>
    public T[]?[] DeltaBias { get; private set; } = [];

    /// <summary>Sizes the update records for <paramref name="n"/> vertices unless they already are.</summary>
    internal void BeginUpdates(int n)
    {
        if (DeltaWeight.Length != n)
        {
            DeltaWeight = new T[]?[n];
            DeltaBias = new T[]?[n];
        }
    }

    internal void Capture(GraphState<T> state)
    {
        int n = state.Graph.Vertices.Count;
        Y = new T[]?[n];
        Delta = new T[]?[n];
        for (int v = 0; v < n; v++)
        {
            Y[v] = state.Rows(state.X, v).ToArray();
            Delta[v] = v == state.Graph.Input ? null : state.Rows(state.Eps, v).ToArray();
        }
    }
}
