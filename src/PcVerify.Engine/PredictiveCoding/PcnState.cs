using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.PredictiveCoding;

// Notation (docs/math.md §1, §3; the paper's Eqs. 5–9, 12–13). Layer 0 is the output, layer L the input.
//   X[l]      value nodes x^l_t (X[L] = s_in and X[0] = s_out are clamped)          docs/math.md §3
//   Mu[l]     predictions μ^l_t = θ^{l+1} f(x^{l+1}_t) + β^{l+1}, l = 0..L−1           Eq. 5 / 12
//   Eps[l]    errors ε^l_t = x^l_t − μ^l_t, l = 1..L−1                               Eq. 6
//   Eps[0]    ε^0_t = −∂ℒ/∂μ^0_t with x^0 = s_out: s_out − μ^0_t for squared error      docs/math.md §11
//   DX[l]     Δx^l_t = γ(−ε^l_t + f'(x^l_t) ⊙ (θ^l)ᵀ ε^{l−1}_t), hidden l = 1..L−1   Eq. 7
// One moment is synchronous (docs/math.md §3 "Time semantics"): every μ, ε, Δx and scheduled Δθ is computed from the
// same state (x_t, θ_t), then all are applied. Rows of every buffer are the pairs of a batch.

/// <summary>
/// The state of a predictive-coding network for a batch of pairs and the two halves of one synchronous
/// inference moment (docs/math.md §3), in the paper's layer indexing: a view of <see cref="GraphState{T}"/> on the
/// chain graph, whose buffers (the very arrays) and per-vertex steps it shows. Buffers are allocated once for
/// <see cref="Capacity"/> pairs.
/// </summary>
public sealed class PcnState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Chain<T> _chain;
    private readonly GraphState<T> _state;

    /// <summary>Allocates the state for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="loss">The output loss whose error is <c>ε^0</c> (default: squared error).</param>
    /// <param name="feedback">The feedback B in place of <c>θᵀ</c> in Eq. 7 (docs/math.md §12); null: <c>θᵀ</c>.</param>
    /// <exception cref="InvalidInputException">The feedback is direct (BP only).</exception>
    public PcnState(NetworkSpec spec, int capacity, OutputLoss? loss = null, Feedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (feedback is { Kind: FeedbackKind.Direct })
        {
            throw new InvalidInputException("feedback direct (DFA) is defined for BP only: PC's inference has no error to send straight from the output");
        }

        _chain = new Chain<T>(spec);
        _state = new GraphState<T>(_chain.Graph, capacity, loss) { Feedback = feedback?.Graph };
        Feedback = feedback;
        (X, Mu, Eps, FX, DX) = Views(_chain, _state);
    }

    /// <summary>The view of a learner's graph state.</summary>
    internal PcnState(Chain<T> chain, GraphState<T> state, Feedback<T>? feedback)
    {
        _chain = chain;
        _state = state;
        Feedback = feedback;
        (X, Mu, Eps, FX, DX) = Views(chain, state);
    }

    /// <summary>The architecture.</summary>
    public NetworkSpec Spec => _chain.Spec;

    /// <summary>The output loss: <c>ε^0 = −∂ℒ/∂μ^0</c> (docs/math.md §11).</summary>
    public OutputLoss Loss => _state.Loss;

    /// <summary>The largest batch.</summary>
    public int Capacity => _state.Capacity;

    /// <summary>The feedback used in Eq. 7 in place of <c>θᵀ</c> (null: <c>θᵀ</c>). The learning rule (Eq. 9) always uses θ.</summary>
    public Feedback<T>? Feedback { get; }

    /// <summary>The number of pairs currently held.</summary>
    public int Batch => _state.Batch;

    /// <summary><c>x^l_t</c>, <c>l = 0..L</c>.</summary>
    public T[][] X { get; }

    /// <summary><c>μ^l_t</c>, <c>l = 0..L−1</c>.</summary>
    public T[][] Mu { get; }

    /// <summary><c>ε^l_t</c>, <c>l = 0..L−1</c> (<c>ε^0</c> from the output loss).</summary>
    public T[][] Eps { get; }

    /// <summary><c>f(x^l_t)</c>, <c>l = 1..L</c> (the very array <c>x^l</c> when f is the identity).</summary>
    public T[][] FX { get; }

    /// <summary><c>Δx^l_t</c>, hidden <c>l</c> (empty otherwise).</summary>
    public T[][] DX { get; }

    /// <summary>The first <c>Batch · n^l</c> elements of a layer buffer.</summary>
    public Span<T> Rows(T[][] buffer, int l)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer[l].AsSpan(0, Batch * Spec.Widths[l]);
    }

    /// <summary>Clamps <c>x^L = s_in</c> and <c>x^0 = s_out</c> for <paramref name="batch"/> pairs.</summary>
    public void Clamp(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch) => _state.Clamp(inputs, targets, batch);

    /// <summary>
    /// C1 initialisation: a feedforward pass sets every hidden <c>x^l_0 = μ^l_0</c>, plus <c>σ · N(0,1)</c> per
    /// neuron when <paramref name="sigma"/> &gt; 0 (the relaxation of docs/math.md §6). Also leaves <c>μ^l_0</c> in
    /// <see cref="Mu"/>, <c>f(x^l_0)</c> in <see cref="FX"/> and every <c>ε^l_0</c> in <see cref="Eps"/>.
    /// </summary>
    public void InitialiseFeedforward(Parameters<T> p, double sigma, Rng? noise) => _state.Feedforward(_chain.Wrap(p), pcn: true, sigma, noise);

    /// <summary>First half of a moment: <c>f(x^{l+1}_t)</c>, <c>μ^l_t</c> and <c>ε^l_t</c> for every <c>l = 0..L−1</c>.</summary>
    public void Predict(Parameters<T> p) => _state.PredictAll(_chain.Wrap(p));

    /// <summary><c>ε^0_t = −∂ℒ(s_out, μ^0_t)/∂μ^0_t</c> (docs/math.md §11): <c>x^0 − μ^0</c> for squared error.</summary>
    public void OutputError() => _state.Error(_chain.Vertex(0));

    /// <summary>
    /// Second half of a moment: <c>Δx^l_t = γ(−ε^l_t + f'(x^l_t) ⊙ (θ^l)ᵀ ε^{l−1}_t)</c> for hidden layers (Eq. 7),
    /// from the current (pre-update) <c>θ</c>. Nothing is applied yet.
    /// </summary>
    public void InferenceIncrements(Parameters<T> p, T gamma)
    {
        GraphParameters<T> g = _chain.Wrap(p);
        for (int l = 1; l < Spec.L; l++)
        {
            _state.InferenceIncrement(g, _chain.Vertex(l), gamma);
        }
    }

    /// <summary><c>Δx^l_t</c> for one hidden layer <paramref name="l"/> (see <see cref="InferenceIncrements"/>).</summary>
    public void InferenceIncrement(Parameters<T> p, int l, T gamma) => _state.InferenceIncrement(_chain.Wrap(p), _chain.Vertex(l), gamma);

    /// <summary>Applies <c>x^l_{t+1} = x^l_t + Δx^l_t</c> to every hidden layer.</summary>
    public void ApplyInference()
    {
        for (int l = 1; l < Spec.L; l++)
        {
            _state.ApplyIncrement(_chain.Vertex(l));
        }
    }

    /// <summary>
    /// The energy <c>F_t = ℒ(s_out, μ^0_t) + Σ_{l=1}^{L−1} ½ ‖ε^l_t‖²</c>, summed over the batch (valid after
    /// <see cref="Predict"/>); for squared error the first term is <c>½ ‖ε^0_t‖²</c>.
    /// </summary>
    public double Energy() => _state.Energy();

    private static (T[][] X, T[][] Mu, T[][] Eps, T[][] FX, T[][] DX) Views(Chain<T> chain, GraphState<T> state)
    {
        int L = chain.Spec.L;
        return (chain.Layers(state.X, L + 1), chain.Layers(state.Mu, L), chain.Layers(state.Eps, L), chain.Activated(state), chain.Layers(state.DX, L + 1));
    }
}
