using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;

namespace PcVerify.Engine.Verification;

/// <summary>One hidden layer's alignment: the mean angle over the pairs that count, and how many were left out.</summary>
/// <param name="Layer">The hidden layer l; on a graph, the ordinal (from 1) of the hidden vertex in <see cref="ErrorAlignment.HiddenVertices"/>, which on a chain is l again.</param>
/// <param name="MeanDegrees">The mean over counted pairs of the angle between the propagated error and exact <c>δ^l</c> (NaN if none count).</param>
/// <param name="Counted">Pairs whose angle is defined.</param>
/// <param name="LeftOut">Pairs left out because exact <c>δ^l</c> (or the propagated error) is the zero vector.</param>
public readonly record struct LayerAlignment(int Layer, double MeanDegrees, int Counted, int LeftOut);

/// <summary>
/// The measure of docs/math.md §12: per hidden vertex (hidden layer of a layered net), the angle between the error a
/// method propagates and BP's exact <c>δ_v</c> (symmetric feedback) at the same parameters and pair, averaged over pairs;
/// pairs whose exact or propagated error is zero have no angle and are left out and counted. Every method runs on the
/// graph learners (a layered net is its chain, on which they compute the layered errors bit for bit).
/// </summary>
public static class ErrorAlignment
{
    /// <summary>
    /// The hidden vertices, those that are neither the input nor the output, counted from the output side (reverse
    /// topological order): on a chain from <see cref="GraphSpec.Chain"/>, entry l − 1 is layer l's vertex <c>x{l}</c>.
    /// </summary>
    public static IReadOnlyList<int> HiddenVertices(CompiledGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        List<int> hidden = [];
        for (int v = graph.Vertices.Count - 1; v >= 0; v--)
        {
            if (v != graph.Input && v != graph.Output)
            {
                hidden.Add(v);
            }
        }

        return hidden;
    }

    /// <summary>BP with <paramref name="feedback"/>: its <c>δ_v</c> against exact <c>δ_v</c>, for <paramref name="batch"/> pairs.</summary>
    /// <remarks>Only BP's forward and backward pass run (no update), so the feedback is left as it is.</remarks>
    public static LayerAlignment[] Backprop<T>(
        GraphParameters<T> p, GraphFeedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        GraphBackprop<T> exact = Exact(p, loss, inputs, targets, batch);
        GraphBackprop<T> bp = new(p.Graph, 1.0, batch, loss, feedback);
        bp.Forward(p, inputs, batch);
        bp.Backward(p, targets);
        return Compare(p.Graph, exact, v => bp.State.Rows(bp.State.Eps, v).ToArray(), batch);
    }

    /// <summary>
    /// Z-IL with <paramref name="feedback"/>: the error <c>ε_v</c> at moment <c>t = d(v)</c> (the one its update of
    /// <c>θ_v</c> uses; on a chain <c>ε^l</c> at <c>t = l</c>) against exact <c>δ_v</c>. One traced Z-IL step runs on a
    /// copy of θ and a copy of the feedback.
    /// </summary>
    public static LayerAlignment[] ZeroDivergence<T>(
        GraphParameters<T> p, GraphFeedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        CompiledGraph g = p.Graph;
        GraphBackprop<T> exact = Exact(p, loss, inputs, targets, batch);
        GraphPredictiveCoding<T> zil = new(g, Algorithm.ZIL, 1.0, batch, loss: loss, feedback: feedback?.Clone());
        GraphPcTrace<T> trace = new();
        zil.Step(p.Clone(), inputs, targets, batch, trace);
        return Compare(g, exact, v => trace.Moments[g.Depth.Max[v]].Eps[v] ?? throw new InvalidOperationException($"Z-IL trace lacks ε of '{g.Vertices[v].Name}' at t = {g.Depth.Max[v]}"), batch);
    }

    /// <summary>
    /// IL with every vertex updated at <c>t_c</c> and <paramref name="feedback"/>: the error <c>ε_v</c> at <c>t_c</c> (the
    /// one its update uses) against exact <c>δ_v</c>. One traced IL step runs on a copy of θ and a copy of the feedback.
    /// </summary>
    public static LayerAlignment[] Scheduled<T>(
        GraphParameters<T> p, GraphFeedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, double gamma, int tc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        CompiledGraph g = p.Graph;
        GraphBackprop<T> exact = Exact(p, loss, inputs, targets, batch);
        GraphPredictiveCoding<T> il = new(g, Algorithm.IL, 1.0, batch, gamma, schedule: UpdateSchedule.AllAt(g.Depth.MaxDepth + 1, tc), loss: loss, feedback: feedback?.Clone());
        GraphPcTrace<T> trace = new();
        il.Step(p.Clone(), inputs, targets, batch, trace);
        return Compare(g, exact, v => trace.Moments[tc].Eps[v] ?? throw new InvalidOperationException($"IL trace lacks ε of '{g.Vertices[v].Name}' at t = {tc}"), batch);
    }

    private static GraphBackprop<T> Exact<T>(GraphParameters<T> p, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GraphBackprop<T> exact = new(p.Graph, 1.0, batch, loss);
        exact.Forward(p, inputs, batch);
        exact.Backward(p, targets);
        return exact;
    }

    private static LayerAlignment[] Compare<T>(CompiledGraph graph, GraphBackprop<T> exact, Func<int, T[]> propagated, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IReadOnlyList<int> hidden = HiddenVertices(graph);
        LayerAlignment[] result = new LayerAlignment[hidden.Count];
        for (int h = 0; h < hidden.Count; h++)
        {
            int v = hidden[h];
            int n = graph.Vertices[v].Size;
            T[] e = propagated(v);
            ReadOnlySpan<T> delta = exact.State.Rows(exact.State.Eps, v);
            double sum = 0;
            int counted = 0;
            for (int b = 0; b < batch; b++)
            {
                double angle = Angles.Degrees<T>(e.AsSpan(b * n, n), delta.Slice(b * n, n));
                if (!double.IsNaN(angle))
                {
                    sum += angle;
                    counted++;
                }
            }

            result[h] = new LayerAlignment(h + 1, counted > 0 ? sum / counted : double.NaN, counted, batch - counted);
        }

        return result;
    }
}
