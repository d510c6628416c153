using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Tests.Training;

/// <summary>
/// Tests written where Stryker found a mutant of Training/ that the rest of the suite did not notice
/// (docs/mutation/learners.md). The expected checkpoints follow from the plan's definition (an epoch is
/// ⌈count / batch⌉ steps, the last batch of an epoch holds the remainder; a checkpoint after every epoch, or every
/// <c>EvaluateEvery</c> steps, and after the last step).
/// </summary>
public class TrainingMutationTests
{
    private static readonly NetworkSpec Spec = TestNets.Spec("2,2", "identity", bias: true);

    private static DataSet Data(int count) =>
        new("tiny", count, 2, 2, TestNets.Normal(2 * count, 5), TestNets.Normal(2 * count, 6));

    [Fact]
    public void Checkpoints_fall_at_each_epoch_end_and_every_step_is_reported()
    {
        // 5 pairs in batches of 2: steps of 2, 2, 1 pairs per epoch, 2 epochs = 6 steps.
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        GraphParameters<double> p = GraphParameters<double>.Initialise(graph, InitScheme.XavierUniform, 1);
        List<(long, long)> steps = [];
        TrainingResult r = Trainer.Run(
            new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 0.01 }.Create<double>(graph, 2), p, Data(5), null,
            new TrainingPlan(BatchSize: 2, Epochs: 2), onStep: (k, n) => steps.Add((k, n)));
        Assert.Equal(6, r.Steps);
        Assert.Equal(new[] { (1L, 6L), (2L, 6L), (3L, 6L), (4L, 6L), (5L, 6L), (6L, 6L) }, steps);
        Assert.Equal(new[] { (3L, 5L, 1.0), (6L, 10L, 2.0) }, r.Checkpoints.Select(c => (c.Step, c.Pairs, c.Epoch)));
    }

    [Fact]
    public void Checkpoints_fall_every_N_steps_and_after_the_last_one()
    {
        // Steps of 2, 2, 1 | 2, 2 pairs: after steps 2 and 4 (EvaluateEvery = 2) and after the last, step 5.
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        GraphParameters<double> p = GraphParameters<double>.Initialise(graph, InitScheme.XavierUniform, 1);
        TrainingResult r = Trainer.Run(
            new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 0.01 }.Create<double>(graph, 2), p, Data(5), null,
            new TrainingPlan(BatchSize: 2, Steps: 5, EvaluateEvery: 2));
        Assert.Equal(new[] { (2L, 4L), (4L, 7L), (5L, 9L) }, r.Checkpoints.Select(c => (c.Step, c.Pairs)));

        // Every 4 of 7 steps (2, 2, 1 | 2, 2, 1 | 2 pairs): after step 4 and the last, step 7.
        p = GraphParameters<double>.Initialise(graph, InitScheme.XavierUniform, 1);
        r = Trainer.Run(
            new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 0.01 }.Create<double>(graph, 2), p, Data(5), null,
            new TrainingPlan(BatchSize: 2, Steps: 7, EvaluateEvery: 4));
        Assert.Equal(new[] { (4L, 7L), (7L, 12L) }, r.Checkpoints.Select(c => (c.Step, c.Pairs)));
    }

    [Fact]
    public void Evaluating_a_network_whose_output_is_not_finite_names_the_step()
    {
        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(Spec));
        GraphParameters<double> p = GraphParameters<double>.Initialise(graph, InitScheme.XavierUniform, 1);
        p.Weight(graph.Output)[0] = double.PositiveInfinity;
        TrainingDivergedException e = Assert.Throws<TrainingDivergedException>(() => Evaluation.Run(p, Data(3), afterStep: 7));
        Assert.Equal(7, e.Step);
    }

    [Fact]
    public void The_memory_bound_counts_the_convolution_and_pooling_workspaces()
    {
        // The summary of TrainingMemory.Bytes: P·(8 + e) + (units·B·12 + workspace)·e, with workspace = B·P_out·(K + out)
        // + P_out·(K + out) + B·input for a convolution (im2col of one image, the gradient's of the batch, a batch of its
        // input) and B·input for a pooling vertex. Sizes from the nets' definitions (GraphNets), B = 2, e = 8.
        CompiledGraph max = CompiledGraph.Compile(PcVerify.Tests.Algorithms.GraphNets.CnnMaxPool);
        // in 1×6×6 = 36; conv 3×3 pad 1 → 3×6×6 = 108 (P_out 36, K 9, out 3); max pool 2 → 3×3×3 = 27; flatten 27; out 4.
        long units = 36 + 108 + 27 + 27 + 4, workspace = (2 * 36 * (9 + 3)) + (36 * (9 + 3)) + (2 * 36) + (2 * 108);
        Assert.Equal((Parameters(max) * 16) + (((units * 2 * 12) + workspace) * 8), TrainingMemory.Bytes(max, 8, 2));
        CompiledGraph avg = CompiledGraph.Compile(PcVerify.Tests.Algorithms.GraphNets.CnnAvgPool);
        // in 2×7×7 = 98; conv 3×3 stride 2 → 3×3×3 = 27 (P_out 9, K 18, out 3); avg pool 3 stride 2 pad 1 → 3×2×2 = 12; flatten 12; out 3.
        units = 98 + 27 + 12 + 12 + 3;
        workspace = (2 * 9 * (18 + 3)) + (9 * (18 + 3)) + (2 * 98) + (2 * 27);
        Assert.Equal((Parameters(avg) * 16) + (((units * 2 * 12) + workspace) * 8), TrainingMemory.Bytes(avg, 8, 2));
    }

    private static long Parameters(CompiledGraph graph) => graph.ParameterSlots.Sum(s => (long)s.Size);
}
