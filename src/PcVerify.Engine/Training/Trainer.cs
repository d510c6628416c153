using System.Diagnostics;
using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;

namespace PcVerify.Engine.Training;

/// <summary>How pairs are presented: batch size, length of the run, order, and when to evaluate.</summary>
/// <param name="BatchSize">Pairs per step (B ≥ 1); the last batch of an epoch may be smaller.</param>
/// <param name="Steps">Number of steps (batches); when null, <paramref name="Epochs"/> is used.</param>
/// <param name="Epochs">Number of passes over the training set (used when <paramref name="Steps"/> is null).</param>
/// <param name="Shuffle">Shuffle each epoch (seeded); otherwise pairs come in file order.</param>
/// <param name="Seed">Seed of the shuffle (epoch e uses stream e).</param>
/// <param name="EvaluateEvery">Evaluate every this many steps; 0 = at the end of every epoch (and at the end of the run).</param>
public sealed record TrainingPlan(int BatchSize = 1, long? Steps = null, int Epochs = 1, bool Shuffle = false, ulong Seed = 0, long EvaluateEvery = 0)
{
    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidInputException">A value is out of range.</exception>
    public void Validate(int trainCount)
    {
        if (BatchSize < 1)
        {
            throw new InvalidInputException($"batch size must be ≥ 1, found {BatchSize}");
        }

        if (Steps is < 1)
        {
            throw new InvalidInputException($"steps must be ≥ 1, found {Steps}");
        }

        if (Steps is null && Epochs < 1)
        {
            throw new InvalidInputException($"epochs must be ≥ 1, found {Epochs}");
        }

        if (EvaluateEvery < 0)
        {
            throw new InvalidInputException($"evaluation interval must be ≥ 0, found {EvaluateEvery}");
        }

        if (trainCount < 1)
        {
            throw new InvalidInputException("the training set is empty");
        }
    }
}

/// <summary>One evaluation during a run.</summary>
/// <param name="Step">Steps done so far.</param>
/// <param name="Pairs">Training pairs presented so far.</param>
/// <param name="Epoch">Pairs presented ÷ training-set size.</param>
/// <param name="TestLoss">Mean over test pairs of the learner's output loss <c>ℒ(s_out, y^0)</c> (<c>½ ‖s_out − y^0‖²</c> for squared error).</param>
/// <param name="TestError">Fraction of misclassified test pairs (NaN without labels).</param>
public sealed record Checkpoint(long Step, long Pairs, double Epoch, double TestLoss, double TestError);

/// <summary>The outcome of a run.</summary>
/// <param name="Checkpoints">Every evaluation, in order (the last is the final one).</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Elapsed">Wall time of training (evaluations excluded).</param>
public sealed record TrainingResult(IReadOnlyList<Checkpoint> Checkpoints, long Steps, TimeSpan Elapsed)
{
    /// <summary>The last checkpoint.</summary>
    public Checkpoint Final => Checkpoints[^1];
}

/// <summary>Runs a learner over a data set according to a <see cref="TrainingPlan"/>.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains the parameters of a computation graph in place (a layered net is the chain from <c>GraphSpec.Chain</c>).
    /// Every algorithm given the same plan and data sees the identical sequence of pairs. A data row is the input
    /// vertex's value in storage order (NCHW row-major for an image), so its width must equal the input vertex's size.
    /// <paramref name="onCheckpoint"/> is called after each evaluation; <paramref name="onStep"/> after each step with
    /// (steps done, total steps).
    /// </summary>
    /// <exception cref="InvalidInputException">The data does not fit the graph or the plan is invalid.</exception>
    /// <exception cref="TrainingDivergedException">A non-finite value appeared; names the step and vertex.</exception>
    public static TrainingResult Run<T>(
        IGraphLearner<T> learner, GraphParameters<T> parameters, DataSet train, DataSet? test, TrainingPlan plan,
        Action<Checkpoint>? onCheckpoint = null, Action<long, long>? onStep = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(parameters);
        CompiledGraph graph = parameters.Graph;
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(plan);
        CheckWidths(graph, train);
        if (test is not null)
        {
            CheckWidths(graph, test);
        }

        plan.Validate(train.Count);
        learner.OutputLoss.CheckTargets(train.Targets, train.OutputWidth, train.Name);
        if (test is not null)
        {
            learner.OutputLoss.CheckTargets(test.Targets, test.OutputWidth, test.Name);
        }

        int batch = Math.Min(plan.BatchSize, train.Count);
        if (batch > learner.Capacity)
        {
            throw new InvalidInputException($"batch size {batch} exceeds the learner's capacity {learner.Capacity}");
        }

        int batchesPerEpoch = (train.Count + batch - 1) / batch;
        long totalSteps = plan.Steps ?? ((long)plan.Epochs * batchesPerEpoch);
        int nIn = graph.InputSize, nOut = graph.OutputSize;
        T[] x = new T[batch * nIn], y = new T[batch * nOut];
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        List<Checkpoint> checkpoints = [];
        Stopwatch clock = new();
        long pairs = 0;
        int epoch = -1, position = train.Count;
        for (long step = 0; step < totalSteps; step++)
        {
            if (position >= train.Count)
            {
                epoch++;
                position = 0;
                if (plan.Shuffle)
                {
                    order = Enumerable.Range(0, train.Count).ToArray();
                    Rng.Derive(plan.Seed, RngDomain.Shuffle, (ulong)epoch).Shuffle(order.AsSpan());
                }
            }

            int b = Math.Min(batch, train.Count - position);
            for (int r = 0; r < b; r++)
            {
                int row = order[position + r];
                Convert(train.Input(row), x.AsSpan(r * nIn, nIn));
                Convert(train.Target(row), y.AsSpan(r * nOut, nOut));
            }

            position += b;
            pairs += b;
            clock.Start();
            learner.StepIndex = step;
            learner.Step(parameters, x.AsSpan(0, b * nIn), y.AsSpan(0, b * nOut), b);
            clock.Stop();
            onStep?.Invoke(step + 1, totalSteps);
            bool endOfEpoch = position >= train.Count;
            bool due = plan.EvaluateEvery > 0 ? (step + 1) % plan.EvaluateEvery == 0 : endOfEpoch;
            if (due || step + 1 == totalSteps)
            {
                string? bad = parameters.FindNonFinite();
                if (bad is not null)
                {
                    throw new TrainingDivergedException(step, $"parameters after the update ({bad})");
                }

                (double loss, double error) = Evaluation.Run(parameters, test ?? train, step, learner.OutputLoss);
                Checkpoint c = new(step + 1, pairs, (double)pairs / train.Count, loss, error);
                checkpoints.Add(c);
                onCheckpoint?.Invoke(c);
            }
        }

        return new TrainingResult(checkpoints, totalSteps, clock.Elapsed);
    }

    internal static void CheckWidths(CompiledGraph graph, DataSet data)
    {
        GraphVertex input = graph.Vertices[graph.Input], output = graph.Vertices[graph.Output];
        if (data.InputWidth != input.Size)
        {
            throw new InvalidInputException(
                $"data '{data.Name}' has input width {data.InputWidth} but the graph's input vertex '{input.Name}' has {input.Size} elements (shape {string.Join("×", input.Shape)})");
        }

        if (data.OutputWidth != output.Size)
        {
            throw new InvalidInputException(
                $"data '{data.Name}' has output width {data.OutputWidth} but the graph's output vertex '{output.Name}' has {output.Size} elements (shape {string.Join("×", output.Shape)})");
        }
    }

    internal static void Convert<T>(ReadOnlySpan<double> source, Span<T> target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < source.Length; k++)
        {
            target[k] = T.CreateTruncating(source[k]);
        }
    }
}
