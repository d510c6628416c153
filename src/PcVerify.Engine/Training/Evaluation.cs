using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;

namespace PcVerify.Engine.Training;

/// <summary>Loss and test error of a network by a forward pass (the PCN's C1 prediction is the same pass).</summary>
public static class Evaluation
{
    /// <summary>
    /// Mean loss per pair (<paramref name="outputLoss"/>, default squared error) and error rate (NaN when
    /// <paramref name="data"/> has no labels), by the graph's forward pass (docs/math.md §10; on a chain from
    /// <c>GraphSpec.Chain</c> the layered Eqs. 1–2, bit for bit). <paramref name="afterStep"/> is the training step the
    /// parameters come from, named if the output is not finite (−1: not during training).
    /// </summary>
    /// <exception cref="InvalidInputException">The data widths do not match the graph's input and output sizes.</exception>
    public static (double Loss, double Error) Run<T>(GraphParameters<T> p, DataSet data, long afterStep = -1, OutputLoss? outputLoss = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(data);
        CompiledGraph graph = p.Graph;
        Trainer.CheckWidths(graph, data);
        // Batches of up to 256 pairs: the forward pass's buffers stay small whatever the data set's size.
        int capacity = Math.Max(1, Math.Min(256, data.Count));
        int nIn = graph.InputSize, n0 = graph.OutputSize;
        GraphForward<T> forward = new(graph, capacity);
        OutputLoss lossFunction = outputLoss ?? OutputLoss.SquaredError;
        T[] x = new T[capacity * nIn];
        T[] y = new T[capacity * n0];
        double loss = 0;
        long wrong = 0;
        for (int start = 0; start < data.Count; start += capacity)
        {
            int b = Math.Min(capacity, data.Count - start);
            Trainer.Convert(data.Inputs.AsSpan(start * nIn, b * nIn), x);
            Trainer.Convert(data.Targets.AsSpan(start * n0, b * n0), y);
            forward.Run(p, x.AsSpan(0, b * nIn), b);
            T[] output = forward.Y[graph.Output];
            loss += lossFunction.Value<T>(y.AsSpan(0, b * n0), output.AsSpan(0, b * n0), b, n0);
            if (data.Labels is null)
            {
                continue;
            }

            for (int r = 0; r < b; r++)
            {
                ReadOnlySpan<T> out0 = output.AsSpan(r * n0, n0);
                int best = 0;
                for (int i = 1; i < n0; i++)
                {
                    if (out0[i] > out0[best])
                    {
                        best = i;
                    }
                }

                if (best != data.Labels[start + r])
                {
                    wrong++;
                }
            }
        }

        if (!double.IsFinite(loss))
        {
            throw new TrainingDivergedException(afterStep, "evaluation: the network's output is not finite");
        }

        double count = Math.Max(1, data.Count);
        return (loss / count, data.Labels is null ? double.NaN : wrong / count);
    }
}
