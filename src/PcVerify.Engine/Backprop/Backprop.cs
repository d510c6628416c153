using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Backprop;

/// <summary>
/// An ANN trained with backpropagation, in the paper's notation (docs/math.md §2, Eqs. 1–4, 10–11):
/// <c>y^L = s_in</c>; <c>y^l = w^{l+1} f(y^{l+1}) + v^{l+1}</c>; <c>E = ½ Σ (s_out − y^0)²</c>;
/// <c>δ^0 = s_out − y^0</c> (or, with another <see cref="OutputLoss"/>, <c>δ^0 = −∂ℒ/∂y^0</c>, docs/math.md §11); <c>δ^l = f'(y^l) ⊙ (w^l)ᵀ δ^{l−1}</c>; <c>Δw^{l+1} = α δ^l f(y^{l+1})ᵀ</c>, <c>Δv^{l+1} = α δ^l</c>.
/// </summary>
/// <remarks>
/// The layered view of <see cref="GraphBackprop{T}"/> on the chain graph (<see cref="Graph.GraphSpec.Chain"/>), which
/// does all the work; this class only translates the layer index <c>l</c> to the vertex of layer <c>l</c>. The
/// workspace is allocated once for <see cref="Capacity"/> pairs; a step allocates nothing. A batch of B pairs applies
/// the mean of the per-pair updates. All errors are computed from the pre-update weights, then every layer is updated.
/// </remarks>
public sealed class Backprop<T> : ILearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Chain<T> _chain;
    private readonly GraphBackprop<T> _graph;

    /// <summary>Creates a workspace for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="alpha">The learning rate <c>α &gt; 0</c>.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="loss">The output loss (default: squared error).</param>
    /// <param name="feedback">The feedback matrices B in place of <c>θᵀ</c> and the weight decay (docs/math.md §12); null: <c>θᵀ</c>, no decay.</param>
    public Backprop(NetworkSpec spec, double alpha, int capacity = 1, OutputLoss? loss = null, Feedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        LearningRule.CheckRates(alpha, 1.0, 0.0);
        _chain = new Chain<T>(spec);
        _graph = new GraphBackprop<T>(_chain.Graph, alpha, capacity, loss, feedback?.Graph);
        Feedback = feedback;
        GraphState<T> s = _graph.State;
        Y = _chain.Layers(s.X, spec.L + 1);
        FY = _chain.Activated(s);
        Delta = [.. _chain.Layers(s.Eps, spec.L), []];
    }

    /// <inheritdoc />
    public string Name => _graph.Name;

    /// <inheritdoc />
    public int Capacity => _graph.Capacity;

    /// <inheritdoc />
    public long StepIndex
    {
        get => _graph.StepIndex;
        set => _graph.StepIndex = value;
    }

    /// <summary>The learning rate α.</summary>
    public double Alpha => _graph.Alpha;

    /// <summary>The feedback in place of <c>θᵀ</c> (null: <c>θᵀ</c> itself, no weight decay).</summary>
    public Feedback<T>? Feedback { get; }

    /// <inheritdoc />
    public OutputLoss OutputLoss => _graph.OutputLoss;

    /// <summary><c>y^l</c> for the current batch (rows = pairs), <c>l = 0..L</c>.</summary>
    public T[][] Y { get; }

    /// <summary><c>f(y^l)</c>, <c>l = 1..L</c> (the very array <c>y^l</c> when f is the identity).</summary>
    public T[][] FY { get; }

    /// <summary><c>δ^l</c>, <c>l = 0..L−1</c>.</summary>
    public T[][] Delta { get; }

    /// <summary>The number of pairs in the current batch.</summary>
    public int Batch => _graph.State.Batch;

    /// <summary>The forward pass (Eqs. 1–2) for <paramref name="batch"/> inputs; fills <see cref="Y"/> and <see cref="FY"/>.</summary>
    public void Forward(Parameters<T> p, ReadOnlySpan<T> inputs, int batch) => _graph.Forward(_chain.Wrap(p), inputs, batch);

    /// <summary>The loss <c>ℒ(s_out, y^0)</c> summed over the batch (<c>E = ½ Σ_i (s_out_i − y^0_i)²</c> for squared error; call after <see cref="Forward"/>).</summary>
    public double Loss(ReadOnlySpan<T> targets) => _graph.Loss(targets);

    /// <summary>
    /// The errors <c>δ^l</c> (Eqs. 3, 10) from the pre-update weights (call after <see cref="Forward"/>); with
    /// <see cref="Feedback"/>, <c>B^l</c> replaces <c>(w^l)ᵀ</c> and this begins the feedback's step (<see cref="Update"/> ends it).
    /// </summary>
    /// <exception cref="TrainingDivergedException">A non-finite error appeared.</exception>
    public void Backward(Parameters<T> p, ReadOnlySpan<T> targets) => _graph.Backward(_chain.Wrap(p), targets);

    /// <summary>
    /// Applies <c>Δw^{l+1} = (α/B) Σ_b δ^l_b f(y^{l+1}_b)ᵀ</c> and <c>Δv^{l+1} = (α/B) Σ_b δ^l_b</c> to every layer
    /// (call after <see cref="Backward"/>). With a <paramref name="trace"/>, the updates are also recorded there.
    /// </summary>
    public void Update(Parameters<T> p, BpTrace<T>? trace = null)
    {
        GraphParameters<T> g = _chain.Wrap(p);
        if (trace is null)
        {
            _graph.Update(g);
            return;
        }

        GraphBpTrace<T> updates = new();
        _graph.Update(g, updates);
        trace.RecordUpdates(updates, _chain);
    }

    /// <inheritdoc />
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, records <c>y, δ</c> and the updates.</summary>
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, BpTrace<T>? trace)
    {
        Forward(parameters, inputs, batch);
        Backward(parameters, targets);
        trace?.Capture(this, _chain.Spec);
        Update(parameters, trace);
    }
}
