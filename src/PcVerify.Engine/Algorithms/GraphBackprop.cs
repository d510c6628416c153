using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// Backpropagation on a computation graph (docs/math.md §10): <c>y_v = F_v(f_e(y_p) …; θ_v)</c> in topological order;
/// <c>δ_out = −∂ℒ/∂y_out</c> (docs/math.md §11); <c>δ_v = Σ_{e = (v → c)} f'_e(y_v) ⊙ J_eᵀ δ_c</c> in reverse topological order;
/// <c>Δθ_v = (α/B) Σ_b (∂F_v/∂θ_v)ᵀ δ_v</c>. All errors come from the pre-update parameters; then every vertex is
/// updated. The layered <c>Backprop.Backprop</c> is this learner on the chain graph.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GraphBackprop<T> : IGraphLearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a workspace for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="alpha">The learning rate α &gt; 0.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="loss">The output loss (default squared error).</param>
    /// <param name="feedback">Feedback B in place of θ in the input-Jᵀ, and the weight decay (docs/math.md §12); null: θ, no decay.</param>
    /// <exception cref="InvalidInputException">α is out of range.</exception>
    public GraphBackprop(CompiledGraph graph, double alpha, int capacity = 1, OutputLoss? loss = null, GraphFeedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        LearningRule.CheckRates(alpha, 1.0, 0.0);
        Alpha = alpha;
        State = new GraphState<T>(graph, capacity, loss) { Feedback = feedback };
    }

    /// <inheritdoc />
    public string Name => "bp";

    /// <inheritdoc />
    public CompiledGraph Graph => State.Graph;

    /// <inheritdoc />
    public OutputLoss OutputLoss => State.Loss;

    /// <inheritdoc />
    public int Capacity => State.Capacity;

    /// <inheritdoc />
    public long StepIndex { get; set; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>The buffers: <c>X</c> holds <c>y</c>, <c>Eps</c> holds <c>δ</c>.</summary>
    public GraphState<T> State { get; }

    /// <summary>The forward pass for <paramref name="batch"/> inputs; the output <c>y_out</c> is <c>State.X[Graph.Output]</c>.</summary>
    public void Forward(GraphParameters<T> p, ReadOnlySpan<T> inputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(p);
        State.ClampInput(inputs, batch);
        State.Feedforward(p, pcn: false);
    }

    /// <summary>The loss <c>ℒ(s_out, y_out)</c> summed over the batch (after <see cref="Forward"/>).</summary>
    public double Loss(ReadOnlySpan<T> targets)
    {
        int o = Graph.Output;
        Shapes.CheckLength(targets.Length, State.Batch * Graph.OutputSize, nameof(targets));
        return OutputLoss.Value(targets, State.Rows(State.X, o), State.Batch, Graph.OutputSize);
    }

    /// <summary>Every <c>δ_v</c> from the pre-update parameters (after <see cref="Forward"/>).</summary>
    /// <exception cref="TrainingDivergedException">A non-finite error appeared.</exception>
    public void Backward(GraphParameters<T> p, ReadOnlySpan<T> targets)
    {
        ArgumentNullException.ThrowIfNull(p);
        int o = Graph.Output;
        Shapes.CheckLength(targets.Length, State.Batch * Graph.OutputSize, nameof(targets));
        OutputLoss.Error(targets, State.Rows(State.X, o), State.Rows(State.Eps, o), State.Batch, Graph.OutputSize);
        CheckFinite(o);
        State.Feedback?.BeginStep(p);
        for (int v = Graph.Vertices.Count - 1; v >= 0; v--)
        {
            if (State.IsHidden(v))
            {
                State.BackwardSum(p, v, State.Eps, State.Eps[v]);
                CheckFinite(v);
            }
        }
    }

    /// <summary>
    /// Applies <c>Δθ_v = (α/B) Σ_b (∂F_v/∂θ_v)ᵀ δ_v</c> to every vertex with parameters (after <see cref="Backward"/>);
    /// with a <paramref name="trace"/>, the updates are also recorded there.
    /// </summary>
    public void Update(GraphParameters<T> p, GraphBpTrace<T>? trace = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        T s = LearningRule.Rate<T>(Alpha, State.Batch);
        trace?.BeginUpdates(Graph.Vertices.Count);
        for (int v = 0; v < Graph.Vertices.Count; v++)
        {
            if (State.HasParameters(v))
            {
                State.Update(p, v, State.Rows(State.Eps, v), s, trace?.DeltaWeight, trace?.DeltaBias);
            }
        }

        State.Feedback?.EndStep(p, Alpha);
    }

    /// <inheritdoc />
    public void Step(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, records <c>y, δ</c> and the updates.</summary>
    /// <exception cref="TrainingDivergedException">A non-finite error appeared.</exception>
    public void Step(GraphParameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, GraphBpTrace<T>? trace)
    {
        Forward(parameters, inputs, batch);
        Backward(parameters, targets);
        trace?.Capture(State);
        Update(parameters, trace);
    }

    private void CheckFinite(int v)
    {
        ReadOnlySpan<T> d = State.Rows(State.Eps, v);
        int k = Elementwise.FirstNonFinite(d);
        if (k >= 0)
        {
            throw new TrainingDivergedException(StepIndex, $"BP error {State.Label("δ", v)} {State.Position(v, k)}");
        }
    }
}
