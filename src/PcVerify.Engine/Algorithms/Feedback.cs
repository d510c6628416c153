using System.Numerics;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// The feedback matrices of a layered learner and the weight decay applied with them (docs/math.md §12, docs/decisions.md
/// "Weight transport"), in the paper's layer indexing: a view of <see cref="GraphFeedback{T}"/> on the chain graph,
/// which holds the matrices and does the work. For hidden layer <c>l = 1..L−1</c> the backward product is
/// <c>g^l = B^l e^{src}</c> with <c>src = l−1</c> (or 0 for <see cref="FeedbackKind.Direct"/>); it is stored as
/// <c>M^l = (B^l)ᵀ</c>, the shape of <c>θ^l</c> (or <c>n^0 × n^l</c> for direct), so that the same kernel computes it as
/// for <c>θ^l</c>. With <see cref="FeedbackKind.Symmetric"/>, <c>M^l</c> IS <c>θ^l</c> (no copy).
/// </summary>
/// <remarks>
/// B is refreshed once per step, between steps: <see cref="BeginStep"/> (sign: <c>s · sign θ</c> of the step's
/// initial θ; Kolen–Pollack: a snapshot of θ) and <see cref="EndStep"/> (Kolen–Pollack: <c>M += θ_after − θ_before</c>,
/// then the weight decay <c>θ ← (1 − αλ)θ</c> and, for Kolen–Pollack, <c>M ← (1 − αλ)M</c>). Hence
/// <c>M_{k+1} − θ_{k+1} = (1 − αλ)(M_k − θ_k)</c>: Kolen–Pollack's mismatch shrinks geometrically iff λ &gt; 0.
/// The decay acts on weights only, never on biases.
/// </remarks>
public sealed class Feedback<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Chain<T> _chain;

    private Feedback(Chain<T> chain, GraphFeedback<T> graph)
    {
        _chain = chain;
        Graph = graph;
    }

    /// <summary>The kind of feedback.</summary>
    public FeedbackKind Kind => Graph.Kind;

    /// <summary>The weight decay λ ≥ 0 (per step: <c>θ ← (1 − αλ)θ</c>, and B alike for Kolen–Pollack).</summary>
    public double WeightDecay => Graph.WeightDecay;

    /// <summary>The architecture.</summary>
    public NetworkSpec Spec => _chain.Spec;

    /// <summary>The feedback on the chain graph that this view shows.</summary>
    internal GraphFeedback<T> Graph { get; }

    /// <summary>
    /// Creates the feedback for <paramref name="spec"/>. Random, Kolen–Pollack and direct draw <c>B^l</c> in row-major
    /// order of its shape <c>(θ^l)ᵀ</c> (direct: <c>n^l × n^0</c>) from stream <c>l</c> of <see cref="RngDomain.Feedback"/>,
    /// with the distribution <paramref name="scheme"/> gives <c>θ^l</c> (fan-in <c>n^l</c>, fan-out <c>n^{l−1}</c>; direct:
    /// fan-in <c>n^0</c>, fan-out <c>n^l</c>); sign's scale s is that distribution's standard deviation
    /// (<see cref="GraphFeedback{T}.Create"/> on the chain graph).
    /// </summary>
    /// <exception cref="InvalidInputException">λ is negative or not finite.</exception>
    public static Feedback<T> Create(NetworkSpec spec, FeedbackKind kind, ulong seed, InitScheme scheme = InitScheme.HeNormal, double scale = 1.0, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Chain<T> chain = new(spec);
        return new Feedback<T>(chain, GraphFeedback<T>.Create(chain.Graph, kind, seed, scheme, scale, weightDecay));
    }

    /// <summary>Creates feedback from given matrices <c>B^l</c> (e.g. read from NPZ), each of shape <c>(θ^l)ᵀ</c> (direct: <c>n^l × n^0</c>), row-major.</summary>
    /// <exception cref="InvalidInputException">A matrix is missing or has the wrong length.</exception>
    public static Feedback<T> FromMatrices(NetworkSpec spec, FeedbackKind kind, IReadOnlyList<double[]?> b, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(b);
        if (kind is not (FeedbackKind.Random or FeedbackKind.KolenPollack or FeedbackKind.Direct))
        {
            throw new InvalidInputException($"feedback {FeedbackKinds.Name(kind)} is computed from θ; only random, kp and direct take given matrices");
        }

        Feedback<T> f = Create(spec, kind, 0, InitScheme.HeNormal, 1.0, weightDecay);
        for (int l = 1; l < spec.L; l++)
        {
            int rows = f.Rows(l), cols = spec.Widths[l];
            double[] src = (l < b.Count ? b[l] : null) ?? throw new InvalidInputException($"feedback{l} is missing");
            if (src.Length != rows * cols)
            {
                throw new InvalidInputException($"feedback{l} has {src.Length} elements, expected {cols}×{rows} = {rows * cols}");
            }

            T[] m = f.Own(l);
            for (int j = 0; j < cols; j++)
            {
                for (int i = 0; i < rows; i++)
                {
                    m[(i * cols) + j] = T.CreateTruncating(src[(j * rows) + i]);
                }
            }
        }

        return f;
    }

    /// <summary>A deep copy (for measuring with a trained learner's B without changing it).</summary>
    public Feedback<T> Clone() => new(new Chain<T>(_chain.Spec), Graph.Clone());

    /// <summary>The rows of <c>M^l = (B^l)ᵀ</c>: <c>n^{l−1}</c>, or <c>n^0</c> for direct.</summary>
    public int Rows(int l) => Kind == FeedbackKind.Direct ? Spec.Widths[0] : Spec.Widths[l - 1];

    /// <summary>The layer whose error feeds hidden layer <paramref name="l"/>: <c>l − 1</c>, or 0 for direct.</summary>
    public int Source(int l) => Kind == FeedbackKind.Direct ? 0 : l - 1;

    /// <summary><c>M^l = (B^l)ᵀ</c> (the shape of <c>θ^l</c>, row-major) for hidden layer <paramref name="l"/>; <c>θ^l</c>'s own array when symmetric.</summary>
    public T[] Matrix(Parameters<T> p, int l)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Kind == FeedbackKind.Symmetric ? p.Theta[l].Data : Own(l);
    }

    /// <summary><c>B^l</c> in its own shape <c>(θ^l)ᵀ</c> (direct: <c>n^l × n^0</c>), row-major, as doubles (for NPZ and measures).</summary>
    public double[] Transposed(Parameters<T> p, int l)
    {
        T[] m = Matrix(p, l);
        int rows = Rows(l), cols = Spec.Widths[l];
        double[] b = new double[m.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                b[(j * rows) + i] = double.CreateTruncating(m[(i * cols) + j]);
            }
        }

        return b;
    }

    /// <summary>Before a step's first backward product: sign feedback follows θ; Kolen–Pollack records θ.</summary>
    public void BeginStep(Parameters<T> p) => Graph.BeginStep(_chain.Wrap(p));

    /// <summary>After a step's updates: Kolen–Pollack's <c>M += θ − θ_before</c>, then the weight decay on θ (and M for Kolen–Pollack).</summary>
    public void EndStep(Parameters<T> p, double alpha) => Graph.EndStep(_chain.Wrap(p), alpha);

    /// <summary><c>M^l</c> as the graph feedback holds it: B of the vertex holding <c>θ^l</c>, or direct's <c>B</c> of layer l's vertex.</summary>
    private T[] Own(int l) => Kind == FeedbackKind.Direct ? Graph.Direct(_chain.Vertex(l)) : Graph.Own(_chain.Vertex(l - 1));
}
