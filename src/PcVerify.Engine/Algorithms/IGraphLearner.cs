using System.Numerics;
using PcVerify.Engine.Graph;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// A learning algorithm on a computation graph (docs/math.md §10) that updates <see cref="GraphParameters{T}"/> from one
/// batch of training pairs; the graph counterpart of <see cref="ILearner{T}"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IGraphLearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A short name (bp, il, zil, zil-sync, fazil).</summary>
    string Name { get; }

    /// <summary>The graph.</summary>
    CompiledGraph Graph { get; }

    /// <summary>The output loss whose error <c>−∂ℒ/∂y_out</c> drives the learner (docs/math.md §11).</summary>
    OutputLoss OutputLoss { get; }

    /// <summary>The largest batch <see cref="Step"/> accepts.</summary>
    int Capacity { get; }

    /// <summary>The step counter used in divergence messages; the training loop sets it before each step.</summary>
    long StepIndex { get; set; }

    /// <summary>
    /// Presents <paramref name="batch"/> pairs (rows of <paramref name="inputs"/>, <c>batch × input size</c>, and of
    /// <paramref name="targets"/>, <c>batch × output size</c>) and updates <paramref name="parameters"/> in place by
    /// the mean of the per-pair updates.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A non-finite value appeared (the message names the vertex and the step).</exception>
    void Step(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch);
}
