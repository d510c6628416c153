using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;

namespace PcVerify.Engine.Verification;

/// <summary>One hidden layer's alignment: the mean angle over the pairs that count, and how many were left out.</summary>
/// <param name="Layer">The hidden layer l.</param>
/// <param name="MeanDegrees">The mean over counted pairs of the angle between the propagated error and exact <c>δ^l</c> (NaN if none count).</param>
/// <param name="Counted">Pairs whose angle is defined.</param>
/// <param name="LeftOut">Pairs left out because exact <c>δ^l</c> (or the propagated error) is the zero vector.</param>
public readonly record struct LayerAlignment(int Layer, double MeanDegrees, int Counted, int LeftOut);

/// <summary>
/// The measure of docs/math.md §12: per hidden layer, the angle between the error a method propagates and BP's exact
/// <c>δ^l</c> (symmetric feedback) at the same parameters and pair, averaged over pairs; pairs whose exact or propagated
/// error is zero have no angle and are left out and counted.
/// </summary>
public static class ErrorAlignment
{
    /// <summary>BP with <paramref name="feedback"/>: its <c>δ^l</c> against exact <c>δ^l</c>, for <paramref name="batch"/> pairs.</summary>
    /// <remarks>The feedback is cloned, so a trained learner's B (e.g. Kolen–Pollack's) is measured as it is and left unchanged.</remarks>
    public static LayerAlignment[] Backprop<T>(
        NetworkSpec spec, Parameters<T> p, Feedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        Backprop.Backprop<T> exact = Exact(spec, p, loss, inputs, targets, batch);
        Backprop.Backprop<T> bp = new(spec, 1.0, batch, loss, feedback?.Clone());
        bp.Forward(p, inputs, batch);
        bp.Backward(p, targets);
        return Compare(spec, exact.Delta, l => bp.Delta[l], batch);
    }

    /// <summary>
    /// Z-IL with <paramref name="feedback"/>: the error <c>ε^l</c> at moment <c>t = l</c> (the one its update of
    /// <c>θ^{l+1}</c> uses) against exact <c>δ^l</c>. One traced Z-IL step runs on copies of θ and B.
    /// </summary>
    public static LayerAlignment[] ZeroDivergence<T>(
        NetworkSpec spec, Parameters<T> p, Feedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(p);
        Backprop.Backprop<T> exact = Exact(spec, p, loss, inputs, targets, batch);
        PredictiveCodingLearner<T> zil = new(spec, Algorithm.ZIL, 1.0, batch, loss: loss, feedback: feedback?.Clone());
        PcTrace<T> trace = new();
        zil.Step(p.Clone(), inputs, targets, batch, trace);
        return Compare(spec, exact.Delta, l => trace.Moments[l].Eps[l] ?? throw new InvalidOperationException($"Z-IL trace lacks ε^{l} at t = {l}"), batch);
    }

    /// <summary>
    /// IL with every layer updated at <c>t_c</c> and <paramref name="feedback"/>: the error <c>ε^l</c> at <c>t_c</c> (the
    /// one its update uses) against exact <c>δ^l</c>. One traced IL step runs on copies of θ and B.
    /// </summary>
    public static LayerAlignment[] Scheduled<T>(
        NetworkSpec spec, Parameters<T> p, Feedback<T>? feedback, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, double gamma, int tc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(p);
        Backprop.Backprop<T> exact = Exact(spec, p, loss, inputs, targets, batch);
        PredictiveCodingLearner<T> il = new(spec, Algorithm.IL, 1.0, batch, gamma, schedule: UpdateSchedule.AllAt(spec.L, tc), loss: loss, feedback: feedback?.Clone());
        PcTrace<T> trace = new();
        il.Step(p.Clone(), inputs, targets, batch, trace);
        return Compare(spec, exact.Delta, l => trace.Moments[tc].Eps[l] ?? throw new InvalidOperationException($"IL trace lacks ε^{l} at t = {tc}"), batch);
    }

    private static Backprop.Backprop<T> Exact<T>(NetworkSpec spec, Parameters<T> p, OutputLoss loss, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backprop.Backprop<T> exact = new(spec, 1.0, batch, loss);
        exact.Forward(p, inputs, batch);
        exact.Backward(p, targets);
        return exact;
    }

    private static LayerAlignment[] Compare<T>(NetworkSpec spec, T[][] exact, Func<int, T[]> propagated, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LayerAlignment[] result = new LayerAlignment[Math.Max(0, spec.L - 1)];
        for (int l = 1; l < spec.L; l++)
        {
            int n = spec.Widths[l];
            T[] e = propagated(l);
            double sum = 0;
            int counted = 0;
            for (int b = 0; b < batch; b++)
            {
                double angle = Angles.Degrees<T>(e.AsSpan(b * n, n), exact[l].AsSpan(b * n, n));
                if (!double.IsNaN(angle))
                {
                    sum += angle;
                    counted++;
                }
            }

            result[l - 1] = new LayerAlignment(l, counted > 0 ? sum / counted : double.NaN, counted, batch - counted);
        }

        return result;
    }
}
