using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Engine.Backprop;

/// <summary>
/// An ANN trained with backpropagation, in the paper's notation (docs/math.md §2, Eqs. 1–4, 10–11):
/// <c>y^L = s_in</c>; <c>y^l = w^{l+1} f(y^{l+1}) + v^{l+1}</c>; <c>E = ½ Σ (s_out − y^0)²</c>;
/// <c>δ^0 = s_out − y^0</c> (or, with another <see cref="OutputLoss"/>, <c>δ^0 = −∂ℒ/∂y^0</c>, docs/math.md §11); <c>δ^l = f'(y^l) ⊙ (w^l)ᵀ δ^{l−1}</c>; <c>Δw^{l+1} = α δ^l f(y^{l+1})ᵀ</c>, <c>Δv^{l+1} = α δ^l</c>.
/// </summary>
/// <remarks>
/// The workspace is allocated once for <see cref="Capacity"/> pairs; a step allocates nothing. A batch of B pairs
/// applies the mean of the per-pair updates. All errors are computed from the pre-update weights, then every
/// layer is updated.
/// </remarks>
public sealed class Backprop<T> : ILearner<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkSpec _spec;
    private readonly T[] _scratch;
    private int _batch;

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
        _spec = spec;
        Alpha = alpha;
        Capacity = capacity;
        OutputLoss = loss ?? OutputLoss.SquaredError;
        Feedback = feedback;
        int L = spec.L;
        Y = new T[L + 1][];
        FY = new T[L + 1][];
        FPrime = new T[L + 1][];
        Delta = new T[L + 1][];
        G = new T[L + 1][];
        for (int l = 0; l <= L; l++)
        {
            int n = spec.Widths[l] * capacity;
            Y[l] = new T[n];
            FY[l] = l >= 1 ? new T[n] : [];
            FPrime[l] = l >= 1 && l < L ? new T[n] : [];
            Delta[l] = l < L ? new T[n] : [];
            G[l] = l >= 1 && l < L ? new T[n] : [];
        }

        _scratch = new T[spec.Widths.Max()];
    }

    /// <inheritdoc />
    public string Name => "bp";

    /// <inheritdoc />
    public int Capacity { get; }

    /// <inheritdoc />
    public long StepIndex { get; set; }

    /// <summary>The learning rate α.</summary>
    public double Alpha { get; }

    /// <summary>The feedback in place of <c>θᵀ</c> (null: <c>θᵀ</c> itself, no weight decay).</summary>
    public Feedback<T>? Feedback { get; }

    /// <inheritdoc />
    public OutputLoss OutputLoss { get; }

    /// <summary><c>y^l</c> for the current batch (rows = pairs), <c>l = 0..L</c>.</summary>
    public T[][] Y { get; }

    /// <summary><c>f(y^l)</c>, <c>l = 1..L</c>.</summary>
    public T[][] FY { get; }

    /// <summary><c>f'(y^l)</c>, <c>l = 1..L−1</c>.</summary>
    public T[][] FPrime { get; }

    /// <summary><c>δ^l</c>, <c>l = 0..L−1</c>.</summary>
    public T[][] Delta { get; }

    /// <summary><c>(w^l)ᵀ δ^{l−1}</c> (with feedback: <c>B^l δ^{l−1}</c>, or <c>B^l δ^0</c> for direct), <c>l = 1..L−1</c>.</summary>
    public T[][] G { get; }

    /// <summary>The number of pairs in the current batch.</summary>
    public int Batch => _batch;

    /// <summary>The forward pass (Eqs. 1–2) for <paramref name="batch"/> inputs; fills <see cref="Y"/> and <see cref="FY"/>.</summary>
    public void Forward(Parameters<T> p, ReadOnlySpan<T> inputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckBatch(batch);
        Shapes.CheckLength(inputs.Length, batch * _spec.InputWidth, nameof(inputs));
        _batch = batch;
        int L = _spec.L;
        inputs.CopyTo(Y[L]);
        for (int l = L - 1; l >= 0; l--)
        {
            Training.Forward.Layer(_spec, p, l, Y[l + 1].AsSpan(0, batch * _spec.Widths[l + 1]), FY[l + 1], Y[l], batch);
        }
    }

    /// <summary>The loss <c>ℒ(s_out, y^0)</c> summed over the batch (<c>E = ½ Σ_i (s_out_i − y^0_i)²</c> for squared error; call after <see cref="Forward"/>).</summary>
    public double Loss(ReadOnlySpan<T> targets)
    {
        Shapes.CheckLength(targets.Length, _batch * _spec.OutputWidth, nameof(targets));
        return OutputLoss.Value(targets, Y[0].AsSpan(0, targets.Length), _batch, _spec.OutputWidth);
    }

    /// <summary>
    /// The errors <c>δ^l</c> (Eqs. 3, 10) from the pre-update weights (call after <see cref="Forward"/>); with
    /// <see cref="Feedback"/>, <c>B^l</c> replaces <c>(w^l)ᵀ</c> and this begins the feedback's step (<see cref="Update"/> ends it).
    /// </summary>
    /// <exception cref="TrainingDivergedException">A non-finite error appeared.</exception>
    public void Backward(Parameters<T> p, ReadOnlySpan<T> targets)
    {
        ArgumentNullException.ThrowIfNull(p);
        int batch = _batch;
        int n0 = _spec.OutputWidth;
        Shapes.CheckLength(targets.Length, batch * n0, nameof(targets));
        Span<T> d0 = Delta[0].AsSpan(0, batch * n0);
        OutputLoss.Error(targets, Y[0].AsSpan(0, d0.Length), d0, batch, n0);

        CheckFinite(d0, 0);
        Feedback?.BeginStep(p);
        for (int l = 1; l < _spec.L; l++)
        {
            int n = _spec.Widths[l];
            Span<T> g = G[l].AsSpan(0, batch * n);
            Span<T> fp = FPrime[l].AsSpan(0, batch * n);
            Span<T> d = Delta[l].AsSpan(0, batch * n);
            int src = Feedback?.Source(l) ?? l - 1;
            T[] m = Feedback is null ? p.Theta[l].Data : Feedback.Matrix(p, l);
            Gemm.MultiplyNN<T>(Delta[src].AsSpan(0, batch * _spec.Widths[src]), batch, _spec.Widths[src], m, n, g);
            _spec.Activations[l].ApplyDerivative<T>(Y[l].AsSpan(0, batch * n), fp);
            Elementwise.Multiply<T>(fp, g, d);

            CheckFinite(d, l);
        }
    }

    /// <summary>
    /// Applies <c>Δw^{l+1} = (α/B) Σ_b δ^l_b f(y^{l+1}_b)ᵀ</c> and <c>Δv^{l+1} = (α/B) Σ_b δ^l_b</c> to every layer
    /// (call after <see cref="Backward"/>). With a <paramref name="trace"/>, the updates are also recorded there.
    /// </summary>
    public void Update(Parameters<T> p, BpTrace<T>? trace = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        T s = LearningRule.Rate<T>(Alpha, _batch);
        for (int l = 0; l < _spec.L; l++)
        {
            ReadOnlySpan<T> e = Delta[l].AsSpan(0, _batch * _spec.Widths[l]);
            ReadOnlySpan<T> f = FY[l + 1].AsSpan(0, _batch * _spec.Widths[l + 1]);
            LearningRule.Apply(p, l, s, e, f, _batch, _scratch, trace?.DeltaW, trace?.DeltaV);
        }

        Feedback?.EndStep(p, Alpha);
    }

    /// <inheritdoc />
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) =>
        Step(parameters, inputs, targets, batch, null);

    /// <summary>One training step; with a <paramref name="trace"/>, records <c>y, δ</c> and the updates.</summary>
    public void Step(Parameters<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, BpTrace<T>? trace)
    {
        Forward(parameters, inputs, batch);
        Backward(parameters, targets);
        trace?.Capture(this, _spec);
        Update(parameters, trace);
    }

    private void CheckBatch(int batch)
    {
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Capacity}");
        }
    }

    private void CheckFinite(ReadOnlySpan<T> v, int layer)
    {
        int k = Elementwise.FirstNonFinite(v);
        if (k >= 0)
        {
            throw new TrainingDivergedException(StepIndex, $"BP error δ^{layer} (pair {k / _spec.Widths[layer]}, neuron {k % _spec.Widths[layer]})");
        }
    }
}
