using System.Globalization;
using System.Numerics;
using PcVerify.Engine.Kernels;

namespace PcVerify.Engine.Algorithms;

/// <summary>The output losses of docs/math.md §11.</summary>
public enum LossKind
{
    /// <summary><c>ℒ = ½‖s − y‖²</c>, <c>δ = s − y</c> (the paper's; the default).</summary>
    SquaredError,

    /// <summary><c>ℒ = −Σ_i s_i log softmax(y)_i</c>, <c>δ = s − (Σ_i s_i) softmax(y)</c>.</summary>
    SoftmaxCrossEntropy,
}

/// <summary>
/// The output loss <c>ℒ(s, y)</c> of docs/math.md §11, the one place every learner (BP and every PC rule, layered and
/// graph) takes its output error from: BP's <c>δ_out = −∂ℒ/∂y_out</c>, and the PCN's <c>ε_out = −∂ℒ/∂μ_out</c>
/// with <c>x_out</c> clamped to <c>s</c>. Rows of every buffer are the pairs of a batch.
/// </summary>
/// <remarks>
/// Squared error computes <c>s − y</c> with the very kernel the learners used before losses were a concept, so
/// its results are unchanged bit for bit. Softmax cross-entropy subtracts the row maximum before exponentiating
/// (the standard stable form; softmax is invariant to it), so no finite output overflows.
/// </remarks>
public sealed class OutputLoss
{
    private OutputLoss(LossKind kind, string name)
    {
        Kind = kind;
        Name = name;
    }

    /// <summary>Squared error (docs/math.md §2, §11).</summary>
    public static OutputLoss SquaredError { get; } = new(LossKind.SquaredError, "se");

    /// <summary>Softmax cross-entropy (docs/math.md §11).</summary>
    public static OutputLoss SoftmaxCrossEntropy { get; } = new(LossKind.SoftmaxCrossEntropy, "ce");

    /// <summary>Which loss.</summary>
    public LossKind Kind { get; }

    /// <summary>The CLI's short name: <c>se</c> or <c>ce</c>.</summary>
    public string Name { get; }

    /// <summary>A readable description for run headers.</summary>
    public string Description => Kind == LossKind.SquaredError
        ? "squared error ½‖s − y‖²"
        : "softmax cross-entropy −Σ s log softmax(y)";

    /// <summary>Parses <c>se</c> (also <c>mse</c>, <c>squared</c>) or <c>ce</c> (also <c>cross-entropy</c>, <c>softmax-ce</c>).</summary>
    /// <exception cref="InvalidInputException">Unknown name.</exception>
    public static OutputLoss Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "se" or "mse" or "squared" => SquaredError,
            "ce" or "cross-entropy" or "softmax-ce" => SoftmaxCrossEntropy,
            _ => throw new InvalidInputException($"--loss '{text}': expected se (squared error) or ce (softmax cross-entropy)"),
        };
    }

    /// <summary>
    /// <c>delta = −∂ℒ/∂y</c> for <paramref name="batch"/> rows of <paramref name="width"/> outputs: <c>s − y</c>, or
    /// <c>s − (Σ_i s_i) softmax(y)</c> per row. <paramref name="delta"/> may not alias <paramref name="y"/>.
    /// </summary>
    public void Error<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> y, Span<T> delta, int batch, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(target.Length, batch * width, nameof(target));
        Shapes.CheckLength(y.Length, batch * width, nameof(y));
        Shapes.CheckLength(delta.Length, batch * width, nameof(delta));
        if (Kind == LossKind.SquaredError)
        {
            Elementwise.Subtract(target, y, delta);
            return;
        }

        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> s = target.Slice(b * width, width), yb = y.Slice(b * width, width);
            Span<T> d = delta.Slice(b * width, width);
            T max = RowMax(yb);
            T sum = T.Zero, mass = T.Zero;
            for (int i = 0; i < width; i++)
            {
                d[i] = T.Exp(yb[i] - max);
                sum += d[i];
                mass += s[i];
            }

            for (int i = 0; i < width; i++)
            {
                d[i] = s[i] - (mass * (d[i] / sum));
            }
        }
    }

    /// <summary>
    /// <c>ℒ</c> summed over <paramref name="batch"/> rows, in double: <c>Σ ½ (s − y)²</c> (each difference formed in
    /// <typeparamref name="T"/>, as the learners form it), or <c>Σ_i s_i (m + log Σ_j e^{y_j − m} − y_i)</c> with <c>m</c> the
    /// row maximum.
    /// </summary>
    public double Value<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> y, int batch, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckLength(target.Length, batch * width, nameof(target));
        Shapes.CheckLength(y.Length, batch * width, nameof(y));
        double e = 0;
        if (Kind == LossKind.SquaredError)
        {
            for (int k = 0; k < target.Length; k++)
            {
                double d = double.CreateTruncating(target[k] - y[k]);
                e += 0.5 * d * d;
            }

            return e;
        }

        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> s = target.Slice(b * width, width), yb = y.Slice(b * width, width);
            double max = double.CreateTruncating(RowMax(yb));
            double sum = 0;
            for (int i = 0; i < width; i++)
            {
                sum += Math.Exp(double.CreateTruncating(yb[i]) - max);
            }

            double logZ = max + Math.Log(sum);
            for (int i = 0; i < width; i++)
            {
                double si = double.CreateTruncating(s[i]);
                if (si != 0)
                {
                    e += si * (logZ - double.CreateTruncating(yb[i]));
                }
            }
        }

        return e;
    }

    /// <summary>
    /// Refuses targets this loss is not defined for: cross-entropy needs every target entry ≥ 0 (a distribution, or
    /// a one-hot label; docs/math.md §11). Squared error accepts any finite target.
    /// </summary>
    /// <param name="targets">Rows of <paramref name="width"/> targets.</param>
    /// <param name="width">The output width.</param>
    /// <param name="source">The data set's name, for the message.</param>
    /// <exception cref="InvalidInputException">A target entry is negative (names the row, column and value).</exception>
    public void CheckTargets(ReadOnlySpan<double> targets, int width, string source)
    {
        if (Kind == LossKind.SquaredError)
        {
            return;
        }

        for (int k = 0; k < targets.Length; k++)
        {
            if (!(targets[k] >= 0))
            {
                throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                    $"data '{source}': target row {k / width}, column {k % width} is {targets[k]:G17}; softmax cross-entropy (--loss ce) needs targets ≥ 0 (a distribution or one-hot labels)"));
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static T RowMax<T>(ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = y[0];
        for (int i = 1; i < y.Length; i++)
        {
            // A NaN output is carried into δ (and reported as divergence there), never skipped by the comparison.
            if (y[i] > max || T.IsNaN(y[i]))
            {
                max = y[i];
            }
        }

        return max;
    }
}
