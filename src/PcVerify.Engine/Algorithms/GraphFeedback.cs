using System.Numerics;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// Feedback B in place of θ in every vertex's input-Jᵀ (docs/math.md §12) on a computation graph: dense and conv2d
/// vertices send errors back through a tensor B of their weight's shape (conv: the transposed convolution with
/// kernel B), in BP's δ and in the PC inference sum alike; the updates keep using θ. The matrices live in a
/// <see cref="GraphParameters{T}"/> of their own, handed to the ops' InputGradient in place of θ; with
/// <see cref="FeedbackKind.Symmetric"/> θ itself is handed over, so the default is today's arithmetic bit for bit.
/// Random, sign, Kolen–Pollack and the weight decay follow the layered <see cref="Feedback{T}"/> (docs/decisions.md
/// "Weight transport"); the k-th weighted vertex counted from the output side uses stream k of
/// <see cref="RngDomain.Feedback"/>, drawn like its θ (fan-in dense in, conv in·kh·kw). Direct feedback is BP on layered nets only.
/// </summary>
public sealed class GraphFeedback<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GraphParameters<T> _b;
    private readonly GraphParameters<T>? _before;
    private readonly double[] _signScale;

    private GraphFeedback(CompiledGraph graph, FeedbackKind kind, double weightDecay)
    {
        Kind = kind;
        WeightDecay = weightDecay;
        _b = new GraphParameters<T>(graph);
        _before = kind == FeedbackKind.KolenPollack ? new GraphParameters<T>(graph) : null;
        _signScale = new double[graph.Vertices.Count];
    }

    /// <summary>The kind of feedback.</summary>
    public FeedbackKind Kind { get; }

    /// <summary>The weight decay λ ≥ 0.</summary>
    public double WeightDecay { get; }

    /// <summary>Creates the feedback of <paramref name="graph"/>.</summary>
    /// <exception cref="InvalidInputException">Direct feedback (layered BP only), or λ out of range.</exception>
    public static GraphFeedback<T> Create(CompiledGraph graph, FeedbackKind kind, ulong seed, InitScheme scheme = InitScheme.HeNormal, double scale = 1.0, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (kind == FeedbackKind.Direct)
        {
            throw new InvalidInputException("feedback direct (DFA) is defined for BP on layered nets only, not on graphs");
        }

        if (!double.IsFinite(weightDecay) || weightDecay < 0)
        {
            throw new InvalidInputException($"weight decay λ must be finite and ≥ 0, found {weightDecay}");
        }

        GraphFeedback<T> f = new(graph, kind, weightDecay);
        ulong stream = 0;
        for (int v = graph.Vertices.Count - 1; v >= 0; v--)
        {
            GraphVertex vertex = graph.Vertices[v];
            if (vertex.WeightShape.Count == 0)
            {
                continue;
            }

            (int fanIn, int fanOut) = GraphParameters<T>.Fans(vertex);
            f._signScale[v] = Feedback<T>.InitialDeviation(scheme, scale, fanIn, fanOut);
            Rng rng = Rng.Derive(seed, RngDomain.Feedback, ++stream);
            if (kind is FeedbackKind.Random or FeedbackKind.KolenPollack)
            {
                T[] b = f._b.Weight(v);
                for (int k = 0; k < b.Length; k++)
                {
                    double x = scheme switch
                    {
                        InitScheme.HeNormal => scale * Math.Sqrt(2.0 / fanIn) * rng.NextNormal(),
                        InitScheme.XavierUniform => scale * Math.Sqrt(6.0 / (fanIn + fanOut)) * rng.NextUniform(-1.0, 1.0),
                        _ => scale * rng.NextNormal(),
                    };
                    b[k] = T.CreateTruncating(x);
                }
            }
        }

        return f;
    }

    /// <summary>The parameters whose weights the ops' input-Jᵀ uses: θ itself when symmetric, else B (biases unused there).</summary>
    public GraphParameters<T> Backward(GraphParameters<T> p) => Kind == FeedbackKind.Symmetric ? p : _b;

    /// <summary>B of vertex <paramref name="v"/> (θ's own array when symmetric), in the weight's storage order.</summary>
    public T[] Weight(GraphParameters<T> p, int v)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Backward(p).Weight(v);
    }

    /// <summary>Before a step's first backward product: sign feedback follows θ; Kolen–Pollack records θ.</summary>
    public void BeginStep(GraphParameters<T> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int v = 0; v < p.Graph.Vertices.Count; v++)
        {
            T[] theta = p.Weight(v);
            if (Kind == FeedbackKind.Sign)
            {
                T s = T.CreateTruncating(_signScale[v]);
                T[] b = _b.Weight(v);
                for (int k = 0; k < b.Length; k++)
                {
                    b[k] = theta[k] > T.Zero ? s : theta[k] < T.Zero ? -s : T.Zero;
                }
            }
            else if (_before is not null)
            {
                theta.CopyTo(_before.Weight(v), 0);
            }
        }
    }

    /// <summary>After a step's updates: Kolen–Pollack's <c>B += θ − θ_before</c>, then <c>θ ← (1 − αλ)θ</c> (and B for Kolen–Pollack).</summary>
    public void EndStep(GraphParameters<T> p, double alpha)
    {
        ArgumentNullException.ThrowIfNull(p);
        T keep = T.CreateTruncating(1.0 - (alpha * WeightDecay));
        for (int v = 0; v < p.Graph.Vertices.Count; v++)
        {
            T[] theta = p.Weight(v);
            if (_before is not null)
            {
                T[] b = _b.Weight(v), before = _before.Weight(v);
                for (int k = 0; k < b.Length; k++)
                {
                    b[k] += theta[k] - before[k];
                    if (WeightDecay > 0)
                    {
                        b[k] *= keep;
                    }
                }
            }

            if (WeightDecay > 0)
            {
                for (int k = 0; k < theta.Length; k++)
                {
                    theta[k] *= keep;
                }
            }
        }
    }

    /// <summary>A deep copy (for measuring with a trained learner's B without changing it).</summary>
    public GraphFeedback<T> Clone()
    {
        GraphFeedback<T> f = new(_b.Graph, Kind, WeightDecay);
        f._b.CopyFrom(_b);
        f._before?.CopyFrom(_before!);
        _signScale.CopyTo(f._signScale, 0);
        return f;
    }

    /// <summary>
    /// Feedback of a chain (<see cref="GraphSpec.Chain"/>) from given layered matrices <c>B^l</c> (e.g. read from NPZ),
    /// index l = 1..L−1, each of shape <c>(θ^l)ᵀ</c>, row-major; B of the vertex whose weight is <c>theta{l}</c> is its transpose.
    /// </summary>
    /// <exception cref="InvalidInputException">The kind takes no matrices, or a matrix is missing or has the wrong length.</exception>
    public static GraphFeedback<T> FromMatrices(CompiledGraph graph, FeedbackKind kind, IReadOnlyList<double[]?> b, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(b);
        if (kind is not (FeedbackKind.Random or FeedbackKind.KolenPollack))
        {
            throw new InvalidInputException($"feedback {Feedback<T>.Name(kind)} takes no given matrices on a graph; only random and kp do");
        }

        GraphFeedback<T> f = Create(graph, kind, 0, InitScheme.HeNormal, 1.0, weightDecay);
        for (int l = 1; l < b.Count; l++)
        {
            ParameterSlot slot = graph.ParameterSlots.FirstOrDefault(s => s.Key == $"theta{l}") ?? throw new InvalidInputException($"feedback{l}: the graph has no weight theta{l}");
            int rows = slot.Shape[0], cols = slot.Shape[1];
            double[] src = b[l] ?? throw new InvalidInputException($"feedback{l} is missing");
            if (src.Length != rows * cols)
            {
                throw new InvalidInputException($"feedback{l} has {src.Length} elements, expected {cols}×{rows} = {rows * cols}");
            }

            T[] m = f._b.Weight(slot.Vertex);
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
}
