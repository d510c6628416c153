using System.Numerics;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;

namespace PcVerify.Engine.PredictiveCoding;

// Notation (docs/math.md §1, §3; the paper's Eqs. 5–9, 12–13). Layer 0 is the output, layer L the input.
//   X[l]      value nodes x^l_t (X[L] = s_in and X[0] = s_out are clamped)          docs/math.md §3
//   Mu[l]     predictions μ^l_t = θ^{l+1} f(x^{l+1}_t) + β^{l+1}, l = 0..L−1           Eq. 5 / 12
//   Eps[l]    errors ε^l_t = x^l_t − μ^l_t, l = 1..L−1                               Eq. 6
//   Eps[0]    ε^0_t = −∂ℒ/∂μ^0_t with x^0 = s_out: s_out − μ^0_t for squared error      docs/math.md §11
//   DX[l]     Δx^l_t = γ(−ε^l_t + f'(x^l_t) ⊙ (θ^l)ᵀ ε^{l−1}_t), hidden l = 1..L−1   Eq. 7
//   Theta[l+1] += α ε^l_t f(x^{l+1}_t)ᵀ, Beta[l+1] += α ε^l_t                          Eq. 9 / 13
// One moment is synchronous (docs/math.md §3 "Time semantics"): every μ, ε, Δx and scheduled Δθ is computed from the
// same state (x_t, θ_t), then all are applied. Rows of every buffer are the pairs of a batch.

/// <summary>
/// The state of a predictive-coding network for a batch of pairs and the two halves of one synchronous
/// inference moment (docs/math.md §3). Buffers are allocated once for <see cref="Capacity"/> pairs.
/// </summary>
public sealed class PcnState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Allocates the state for batches of up to <paramref name="capacity"/> pairs.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="loss">The output loss whose error is <c>ε^0</c> (default: squared error).</param>
    /// <param name="feedback">The feedback B in place of <c>θᵀ</c> in Eq. 7 (docs/math.md §12); null: <c>θᵀ</c>.</param>
    public PcnState(NetworkSpec spec, int capacity, OutputLoss? loss = null, Feedback<T>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Spec = spec;
        Loss = loss ?? OutputLoss.SquaredError;
        if (feedback is { Kind: FeedbackKind.Direct })
        {
            throw new InvalidInputException("feedback direct (DFA) is defined for BP only: PC's inference has no error to send straight from the output");
        }

        Feedback = feedback;
        Capacity = capacity;
        int L = spec.L;
        X = new T[L + 1][];
        Mu = new T[L][];
        Eps = new T[L][];
        FX = new T[L + 1][];
        FPrime = new T[L + 1][];
        G = new T[L + 1][];
        DX = new T[L + 1][];
        for (int l = 0; l <= L; l++)
        {
            int n = spec.Widths[l] * capacity;
            bool hidden = l >= 1 && l < L;
            X[l] = new T[n];
            if (l < L)
            {
                Mu[l] = new T[n];
                Eps[l] = new T[n];
            }

            FX[l] = l >= 1 ? new T[n] : [];
            FPrime[l] = hidden ? new T[n] : [];
            G[l] = hidden ? new T[n] : [];
            DX[l] = hidden ? new T[n] : [];
        }
    }

    /// <summary>The architecture.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The output loss: <c>ε^0 = −∂ℒ/∂μ^0</c> (docs/math.md §11).</summary>
    public OutputLoss Loss { get; }

    /// <summary>The largest batch.</summary>
    public int Capacity { get; }

    /// <summary>The feedback used in Eq. 7 in place of <c>θᵀ</c> (null: <c>θᵀ</c>). The learning rule (Eq. 9) always uses θ.</summary>
    public Feedback<T>? Feedback { get; }

    /// <summary>The number of pairs currently held.</summary>
    public int Batch { get; private set; }

    /// <summary><c>x^l_t</c>, <c>l = 0..L</c>.</summary>
    public T[][] X { get; }

    /// <summary><c>μ^l_t</c>, <c>l = 0..L−1</c>.</summary>
    public T[][] Mu { get; }

    /// <summary><c>ε^l_t</c>, <c>l = 0..L−1</c> (<c>ε^0</c> from the output loss).</summary>
    public T[][] Eps { get; }

    /// <summary><c>f(x^l_t)</c>, <c>l = 1..L</c>.</summary>
    public T[][] FX { get; }

    /// <summary><c>f'(x^l_t)</c>, hidden <c>l</c>.</summary>
    public T[][] FPrime { get; }

    /// <summary><c>(θ^l)ᵀ ε^{l−1}_t</c> (with feedback: <c>B^l ε^{l−1}_t</c>), hidden <c>l</c>.</summary>
    public T[][] G { get; }

    /// <summary><c>Δx^l_t</c>, hidden <c>l</c>.</summary>
    public T[][] DX { get; }

    /// <summary>The first <c>Batch · n^l</c> elements of a layer buffer.</summary>
    public Span<T> Rows(T[][] buffer, int l)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer[l].AsSpan(0, Batch * Spec.Widths[l]);
    }

    /// <summary>Clamps <c>x^L = s_in</c> and <c>x^0 = s_out</c> for <paramref name="batch"/> pairs.</summary>
    public void Clamp(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch)
    {
        if (batch < 1 || batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Capacity}");
        }

        Shapes.CheckLength(inputs.Length, batch * Spec.InputWidth, nameof(inputs));
        Shapes.CheckLength(targets.Length, batch * Spec.OutputWidth, nameof(targets));
        Batch = batch;
        inputs.CopyTo(X[Spec.L]);
        targets.CopyTo(X[0]);
    }

    /// <summary>
    /// C1 initialisation: a feedforward pass sets every hidden <c>x^l_0 = μ^l_0</c>, plus <c>σ · N(0,1)</c> per
    /// neuron when <paramref name="sigma"/> &gt; 0 (the relaxation of docs/math.md §6). Also leaves <c>μ^l_0</c> in
    /// <see cref="Mu"/> and <c>f(x^l_0)</c> in <see cref="FX"/> for every layer, and <c>ε^0_0</c> in <see cref="Eps"/>.
    /// </summary>
    public void InitialiseFeedforward(Parameters<T> p, double sigma, Rng? noise)
    {
        ArgumentNullException.ThrowIfNull(p);
        int L = Spec.L;
        for (int l = L - 1; l >= 0; l--)
        {
            Forward.Layer(Spec, p, l, Rows(X, l + 1), FX[l + 1], Mu[l], Batch);
            if (l == 0)
            {
                break;
            }

            Span<T> x = Rows(X, l);
            Rows(Mu, l).CopyTo(x);
            if (sigma > 0)
            {
                Rng rng = noise ?? throw new ArgumentNullException(nameof(noise), "σ > 0 needs a noise generator");
                for (int k = 0; k < x.Length; k++)
                {
                    x[k] += T.CreateTruncating(sigma * rng.NextNormal());
                }
            }
        }

        for (int l = 1; l < L; l++)
        {
            Subtract(Rows(X, l), Rows(Mu, l), Rows(Eps, l));
        }

        OutputError();
    }

    /// <summary>First half of a moment: <c>f(x^{l+1}_t)</c>, <c>μ^l_t</c> and <c>ε^l_t</c> for every <c>l = 0..L−1</c>.</summary>
    public void Predict(Parameters<T> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int l = 0; l < Spec.L; l++)
        {
            Forward.Layer(Spec, p, l, Rows(X, l + 1), FX[l + 1], Mu[l], Batch);
            if (l == 0)
            {
                OutputError();
            }
            else
            {
                Subtract(Rows(X, l), Rows(Mu, l), Rows(Eps, l));
            }
        }
    }

    /// <summary><c>ε^0_t = −∂ℒ(s_out, μ^0_t)/∂μ^0_t</c> (docs/math.md §11): <c>x^0 − μ^0</c> for squared error.</summary>
    public void OutputError() => Loss.Error<T>(Rows(X, 0), Rows(Mu, 0), Rows(Eps, 0), Batch, Spec.OutputWidth);

    /// <summary>
    /// Second half of a moment: <c>Δx^l_t = γ(−ε^l_t + f'(x^l_t) ⊙ (θ^l)ᵀ ε^{l−1}_t)</c> for hidden layers (Eq. 7),
    /// from the current (pre-update) <c>θ</c>. Nothing is applied yet.
    /// </summary>
    public void InferenceIncrements(Parameters<T> p, T gamma)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int l = 1; l < Spec.L; l++)
        {
            InferenceIncrement(p, l, gamma);
        }
    }

    /// <summary><c>Δx^l_t</c> for one hidden layer <paramref name="l"/> (see <see cref="InferenceIncrements"/>).</summary>
    public void InferenceIncrement(Parameters<T> p, int l, T gamma)
    {
        ArgumentNullException.ThrowIfNull(p);
        int n = Spec.Widths[l];
        Span<T> g = Rows(G, l), fp = Rows(FPrime, l), dx = Rows(DX, l);
        ReadOnlySpan<T> eps = Rows(Eps, l);
        Gemm.MultiplyNN<T>(Rows(Eps, l - 1), Batch, Spec.Widths[l - 1], Feedback is null ? p.Theta[l].Data : Feedback.Matrix(p, l), n, g);
        Spec.Activations[l].ApplyDerivative<T>(Rows(X, l), fp);
        Elementwise.InferenceIncrement(gamma, eps, fp, g, dx);
    }

    /// <summary>Applies <c>x^l_{t+1} = x^l_t + Δx^l_t</c> to every hidden layer.</summary>
    public void ApplyInference()
    {
        for (int l = 1; l < Spec.L; l++)
        {
            Axpy.Compute<T>(T.One, Rows(DX, l), Rows(X, l));
        }
    }

    /// <summary>
    /// The energy <c>F_t = ℒ(s_out, μ^0_t) + Σ_{l=1}^{L−1} ½ ‖ε^l_t‖²</c>, summed over the batch (valid after
    /// <see cref="Predict"/>); for squared error the first term is <c>½ ‖ε^0_t‖²</c>.
    /// </summary>
    public double Energy()
    {
        double f = Loss.Value<T>(Rows(X, 0), Rows(Mu, 0), Batch, Spec.OutputWidth);
        for (int l = 1; l < Spec.L; l++)
        {
            foreach (T e in Rows(Eps, l))
            {
                double d = double.CreateTruncating(e);
                f += 0.5 * d * d;
            }
        }

        return f;
    }

    internal static void Subtract(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> result) => Elementwise.Subtract(a, b, result);
}
