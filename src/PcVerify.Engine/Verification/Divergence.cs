using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Verification;

/// <summary>Per-layer distance between two parameter sets (docs/math.md §8).</summary>
/// <param name="Layer">The index <c>l+1</c> of <c>θ^{l+1}</c>; on a graph, the ordinal (from 1) of the vertex with parameters counted from the output side, which on a chain is <c>l+1</c> again.</param>
/// <param name="WeightL1">Σ_ij |θ_ij − w_ij|.</param>
/// <param name="BiasL1">Σ_i |β_i − v_i| (0 without biases).</param>
/// <param name="MaxAbs">The largest element difference over weights and biases.</param>
public sealed record LayerDivergence(int Layer, double WeightL1, double BiasL1, double MaxAbs);

/// <summary>The divergence measures of docs/math.md §8.</summary>
public static class Divergence
{
    /// <summary>Per-layer L1 divergence of weights and biases, and the largest element difference.</summary>
    /// <exception cref="ArgumentException">The parameter shapes differ.</exception>
    public static IReadOnlyList<LayerDivergence> Compute<T>(Parameters<T> a, Parameters<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Spec.L != b.Spec.L)
        {
            throw new ArgumentException("parameter sets of different depth", nameof(b));
        }

        List<LayerDivergence> result = [];
        for (int l = 1; l <= a.Spec.L; l++)
        {
            (double w, double mw) = L1(a.Theta[l].Data, b.Theta[l].Data, $"θ^{l}");
            (double v, double mv) = L1(a.Beta[l], b.Beta[l], $"β^{l}");
            result.Add(new LayerDivergence(l, w, v, Math.Max(mw, mv)));
        }

        return result;
    }

    /// <summary>
    /// As <see cref="Compute{T}(Parameters{T}, Parameters{T})"/> on a computation graph: one entry per vertex with parameters,
    /// counted from the output side (reverse topological order), so that on a chain from <see cref="GraphSpec.Chain"/>
    /// entry l is <c>θ^l</c>/<c>β^l</c> and every sum is formed in the layered order, bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter sets belong to graphs of different shapes.</exception>
    public static IReadOnlyList<LayerDivergence> Compute<T>(GraphParameters<T> a, GraphParameters<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Graph.Vertices.Count != b.Graph.Vertices.Count)
        {
            throw new ArgumentException("parameter sets of different graphs", nameof(b));
        }

        List<LayerDivergence> result = [];
        for (int v = a.Graph.Vertices.Count - 1; v >= 0; v--)
        {
            GraphVertex vertex = a.Graph.Vertices[v];
            if (vertex.WeightShape.Count == 0)
            {
                continue;
            }

            (double w, double mw) = L1(a.Weight(v), b.Weight(v), $"{vertex.Name} weight");
            (double d, double md) = L1(a.Bias(v), b.Bias(v), $"{vertex.Name} bias");
            result.Add(new LayerDivergence(result.Count + 1, w, d, Math.Max(mw, md)));
        }

        return result;
    }

    /// <summary>Σ over layers of the weight L1 divergence (the "divergence of final weights").</summary>
    public static double TotalWeights(IReadOnlyList<LayerDivergence> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return layers.Sum(d => d.WeightL1);
    }

    private static (double Sum, double Max) L1<T>(T[] a, T[] b, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"{name}: {a.Length} vs {b.Length} elements", nameof(b));
        }

        double sum = 0, max = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double d = Math.Abs(double.CreateTruncating(a[k]) - double.CreateTruncating(b[k]));
            sum += d;
            max = double.IsNaN(d) || d > max ? d : max;
        }

        return (sum, max);
    }
}
