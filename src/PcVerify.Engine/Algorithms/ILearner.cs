using System.Numerics;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>A learning algorithm that updates parameters from one batch of training pairs.</summary>
/// <typeparam name="T">float or double.</typeparam>
public interface ILearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A short name (bp, il, zil, zil-sync, fazil).</summary>
    string Name { get; }

    /// <summary>The output loss whose error <c>−∂ℒ/∂y_out</c> drives the learner (docs/math.md §11); evaluation reports it.</summary>
    OutputLoss OutputLoss { get; }

    /// <summary>The largest batch <see cref="Step"/> accepts.</summary>
    int Capacity { get; }

    /// <summary>
    /// Presents <paramref name="batch"/> pairs (rows of <paramref name="inputs"/>, <c>batch × n^L</c>, and
    /// <paramref name="targets"/>, <c>batch × n^0</c>) and updates <paramref name="parameters"/> in place by the
    /// mean of the per-pair updates.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A non-finite error appeared (the message names the layer).</exception>
    void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch);

    /// <summary>The step counter used in divergence messages; the training loop sets it before each step.</summary>
    long StepIndex { get; set; }
}
