using System.Globalization;
using System.Numerics;

namespace PcVerify.Engine.Network;

/// <summary>The built-in activation families. <see cref="Custom"/> is a user-supplied value/derivative pair.</summary>
public enum ActivationKind
{
    /// <summary><c>f(x) = x</c>, <c>f'(x) = 1</c>.</summary>
    Identity,

    /// <summary><c>f(x) = tanh x</c>, <c>f'(x) = 1 − tanh² x</c>.</summary>
    Tanh,

    /// <summary><c>f(x) = 1 / (1 + e^{−x})</c>, <c>f'(x) = f(x)(1 − f(x))</c>.</summary>
    Logistic,

    /// <summary><c>f(x) = max(0, x)</c> (NaN propagates), <c>f'(x) = 1</c> for <c>x &gt; 0</c>, else 0 (so <c>f'(0) = 0</c>).</summary>
    Relu,

    /// <summary><c>f(x) = x</c> for <c>x &gt; 0</c>, else <c>a·x</c>; <c>f'(x) = 1</c> for <c>x &gt; 0</c>, else <c>a</c>.</summary>
    LeakyRelu,

    /// <summary><c>f(x) = ln(1 + e^x)</c> (computed stably), <c>f'(x) = 1 / (1 + e^{−x})</c>.</summary>
    Softplus,

    /// <summary>A user-defined pair of functions evaluated in double precision.</summary>
    Custom,
}

/// <summary>
/// An activation function <c>f</c> with its exact derivative <c>f'</c>. In the paper's networks <c>f</c> is
/// applied to the value of the upper layer before the weights (docs/math.md §1); the output layer is linear.
/// </summary>
/// <remarks>
/// Kinks are resolved the way PyTorch resolves them: <c>ReLU'(0) = 0</c>, <c>LeakyReLU'(0) = a</c>. Every built-in
/// kind is a <see cref="Vector{T}"/> map (split across threads for long spans) whose scalar form is the same
/// function bit for bit; custom pairs are evaluated element by element. Both maps are deterministic and identical
/// for BP and every predictive-coding rule.
/// </remarks>
public sealed class Activation
{
    private readonly Func<double, double>? _value;
    private readonly Func<double, double>? _derivative;

    private Activation(ActivationKind kind, string name, double slope, Func<double, double>? value, Func<double, double>? derivative)
    {
        Kind = kind;
        Name = name;
        Slope = slope;
        _value = value;
        _derivative = derivative;
    }

    /// <summary>The family.</summary>
    public ActivationKind Kind { get; }

    /// <summary>A name that <see cref="Parse"/> reads back (for built-ins), e.g. <c>tanh</c>, <c>leaky-relu:0.01</c>.</summary>
    public string Name { get; }

    /// <summary>The negative-side slope <c>a</c> of <see cref="ActivationKind.LeakyRelu"/> (0 for the others).</summary>
    public double Slope { get; }

    /// <summary>The identity.</summary>
    public static Activation Identity { get; } = new(ActivationKind.Identity, "identity", 0, null, null);

    /// <summary>The hyperbolic tangent.</summary>
    public static Activation Tanh { get; } = new(ActivationKind.Tanh, "tanh", 0, null, null);

    /// <summary>The logistic sigmoid.</summary>
    public static Activation Logistic { get; } = new(ActivationKind.Logistic, "logistic", 0, null, null);

    /// <summary>The rectified linear unit.</summary>
    public static Activation Relu { get; } = new(ActivationKind.Relu, "relu", 0, null, null);

    /// <summary>Softplus.</summary>
    public static Activation Softplus { get; } = new(ActivationKind.Softplus, "softplus", 0, null, null);

    /// <summary>The names <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public static string ValidNames => "identity, tanh, logistic (or sigmoid), relu, leaky-relu[:slope], softplus";

    /// <summary>Leaky ReLU with negative-side slope <paramref name="slope"/> (default 0.01).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The slope is not finite.</exception>
    public static Activation LeakyRelu(double slope = 0.01)
    {
        if (!double.IsFinite(slope))
        {
            throw new ArgumentOutOfRangeException(nameof(slope), slope, "leaky-relu slope must be finite");
        }

        return new(ActivationKind.LeakyRelu, "leaky-relu:" + slope.ToString("R", CultureInfo.InvariantCulture), slope, null, null);
    }

    /// <summary>
    /// A user-defined activation: <paramref name="value"/> is <c>f</c> and <paramref name="derivative"/> must be its
    /// exact derivative <c>f'</c>. Both are evaluated in double precision and rounded to the engine's type.
    /// </summary>
    public static Activation Custom(string name, Func<double, double> value, Func<double, double> derivative)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(derivative);
        return new(ActivationKind.Custom, name, 0, value, derivative);
    }

    /// <summary>Parses a built-in name (case-insensitive): see <see cref="ValidNames"/>.</summary>
    /// <exception cref="InvalidInputException">The name is not a known activation.</exception>
    public static Activation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "identity" or "linear":
                return Identity;
            case "tanh":
                return Tanh;
            case "logistic" or "sigmoid":
                return Logistic;
            case "relu":
                return Relu;
            case "softplus":
                return Softplus;
            case "leaky-relu" or "leakyrelu" or "leaky_relu":
                return LeakyRelu();
        }

        int colon = t.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && t[..colon] is "leaky-relu" or "leakyrelu" or "leaky_relu")
        {
            string s = t[(colon + 1)..];
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double slope) || !double.IsFinite(slope))
            {
                throw new InvalidInputException($"activation '{text}': slope '{s}' is not a finite number");
            }

            return LeakyRelu(slope);
        }

        throw new InvalidInputException($"unknown activation '{text}'; expected one of: {ValidNames}");
    }

    /// <summary><c>f(x)</c> in double precision (the same function as <see cref="Value{T}"/> with <c>T = double</c>).</summary>
    public double Value(double x) => Value<double>(x);

    /// <summary><c>f'(x)</c> in double precision (the same function as <see cref="Derivative{T}"/> with <c>T = double</c>).</summary>
    public double Derivative(double x) => Derivative<double>(x);

    /// <summary>
    /// <c>f(x)</c> in the engine's type <typeparamref name="T"/>. tanh, logistic and softplus are the engine's kernels
    /// (<c>Kernels/Tanh.cs</c>, <c>Logistic.cs</c>, <c>Softplus.cs</c>; errors in docs/determinism.md), the very
    /// functions <see cref="Apply{T}"/> maps over a span.
    /// </summary>
    /// <exception cref="NotSupportedException">A smooth kind with <typeparamref name="T"/> other than float or double.</exception>
    public T Value<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => Kind switch
        {
            ActivationKind.Identity => x,
            ActivationKind.Tanh => default(Kernels.TanhOp<T>).Invoke(x),
            ActivationKind.Logistic => default(Kernels.LogisticOp<T>).Invoke(x),
            ActivationKind.Relu => x < T.Zero ? T.Zero : x,
            ActivationKind.LeakyRelu => x < T.Zero ? T.CreateTruncating(Slope) * x : x,
            ActivationKind.Softplus => default(Kernels.SoftplusOp<T>).Invoke(x),
            _ => T.CreateTruncating(_value!(double.CreateTruncating(x))),
        };

    /// <summary>
    /// <c>f'(x)</c> in the engine's type <typeparamref name="T"/>: <c>1 − t²</c> and <c>s(1 − s)</c> from
    /// <c>t = tanh x</c>, <c>s = σ(x)</c> rounded to <typeparamref name="T"/>; softplus' is <c>σ</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A smooth kind with <typeparamref name="T"/> other than float or double.</exception>
    public T Derivative<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T> => Kind switch
        {
            ActivationKind.Identity => T.One,
            ActivationKind.Tanh => default(Kernels.TanhDerivativeOp<T>).Invoke(x),
            ActivationKind.Logistic => default(Kernels.LogisticDerivativeOp<T>).Invoke(x),
            ActivationKind.Softplus => default(Kernels.LogisticOp<T>).Invoke(x),
            ActivationKind.Relu => x > T.Zero ? T.One : T.Zero,
            ActivationKind.LeakyRelu => x > T.Zero ? T.One : T.CreateTruncating(Slope),
            _ => T.CreateTruncating(_derivative!(double.CreateTruncating(x))),
        };

    /// <summary>Elementwise <c>fx_i = f(x_i)</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public void Apply<T>(ReadOnlySpan<T> x, Span<T> fx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (fx.Length != x.Length)
        {
            throw new ArgumentException($"activation map: lengths differ ({x.Length} vs {fx.Length})", nameof(fx));
        }

        switch (Kind)
        {
            case ActivationKind.Identity:
                x.CopyTo(fx);
                return;
            case ActivationKind.Relu:
                Kernels.ActivationMaps.Relu(x, fx);
                return;
            case ActivationKind.LeakyRelu:
                Kernels.ActivationMaps.LeakyRelu(x, fx, T.CreateTruncating(Slope));
                return;
            case ActivationKind.Tanh:
                Kernels.ActivationMaps.Tanh(x, fx);
                return;
            case ActivationKind.Logistic:
                Kernels.ActivationMaps.Logistic(x, fx);
                return;
            case ActivationKind.Softplus:
                Kernels.ActivationMaps.Softplus(x, fx);
                return;
        }

        Kernels.ActivationMaps.Custom(this, derivative: false, x, fx);
    }

    /// <summary>Elementwise <c>d_i = f'(x_i)</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public void ApplyDerivative<T>(ReadOnlySpan<T> x, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (d.Length != x.Length)
        {
            throw new ArgumentException($"activation derivative map: lengths differ ({x.Length} vs {d.Length})", nameof(d));
        }

        switch (Kind)
        {
            case ActivationKind.Identity:
                d.Fill(T.One);
                return;
            case ActivationKind.Relu:
                Kernels.ActivationMaps.Step(x, d, T.Zero);
                return;
            case ActivationKind.LeakyRelu:
                Kernels.ActivationMaps.Step(x, d, T.CreateTruncating(Slope));
                return;
            case ActivationKind.Tanh:
                Kernels.ActivationMaps.TanhDerivative(x, d);
                return;
            case ActivationKind.Logistic:
                Kernels.ActivationMaps.LogisticDerivative(x, d);
                return;
            case ActivationKind.Softplus:
                Kernels.ActivationMaps.Logistic(x, d);
                return;
        }

        Kernels.ActivationMaps.Custom(this, derivative: true, x, d);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
