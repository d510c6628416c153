using System.Globalization;

namespace PcVerify.Engine.Graph;

/// <summary>
/// The shape of each vertex's value from its parents' shapes and its attributes (docs/math.md §10), and the shapes of its
/// parameters in PyTorch layout. Every error is one line that names the vertex, its kind, the parent concerned and
/// both shapes.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Shapes as numpy prints them: <c>(64,)</c>, <c>(1, 8, 8)</c>.</summary>
    public static string Format(IReadOnlyList<int> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    /// <summary>The product of the dimensions.</summary>
    public static int ElementCount(IReadOnlyList<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > int.MaxValue)
            {
                throw new InvalidInputException($"shape {Format(shape)} has more than {int.MaxValue} elements");
            }
        }

        return (int)n;
    }

    /// <summary>
    /// The output size of a sliding window: <c>⌊(n + 2p − k) / s⌋ + 1</c>, the size PyTorch and ONNX compute (no
    /// ceil mode). May be ≤ 0; the caller rejects that.
    /// </summary>
    public static int WindowOutput(int n, int kernel, int stride, int padding) =>
        n + (2 * padding) - kernel < 0 ? 0 : ((n + (2 * padding) - kernel) / stride) + 1;

    /// <summary>The value shape, weight shape and bias shape of <paramref name="v"/> given its parents' names and shapes.</summary>
    /// <exception cref="InvalidInputException">Wrong number of parents, a parent of the wrong rank or shape, a bad attribute, or an empty output.</exception>
    public static (int[] Shape, int[] Weight, int[] Bias) Infer(string source, VertexSpec v, IReadOnlyList<(string Name, int[] Shape)> parents)
    {
        string what = $"{source}: {Kind(v.Kind)} '{v.Name}'";
        switch (v.Kind)
        {
            case VertexKind.Input:
                if (v.Shape.Count == 0 || v.Shape.Any(d => d <= 0))
                {
                    throw new InvalidInputException($"{what}: shape {Format(v.Shape)} must have at least one dimension and every dimension ≥ 1");
                }

                return ([.. v.Shape], [], []);

            case VertexKind.Dense:
            {
                (string pn, int[] ps) = Single(what, parents);
                if (ps.Length != 1)
                {
                    throw new InvalidInputException($"{what}: needs a flat parent, but parent '{pn}' has shape {Format(ps)}; put a flatten vertex between them");
                }

                Positive(what, "units", v.Units);
                int[] weight = v.WeightLayout == WeightLayout.OutIn ? [v.Units, ps[0]] : [ps[0], v.Units];
                return ([v.Units], weight, v.Bias ? [v.Units] : []);
            }

            case VertexKind.Conv2d or VertexKind.AvgPool2d or VertexKind.MaxPool2d:
            {
                (string pn, int[] ps) = Single(what, parents);
                if (ps.Length != 3)
                {
                    throw new InvalidInputException($"{what}: needs a (C, H, W) parent, but parent '{pn}' has shape {Format(ps)}");
                }

                Positive(what, "kernel height", v.Kernel.H);
                Positive(what, "kernel width", v.Kernel.W);
                Positive(what, "stride height", v.Stride.H);
                Positive(what, "stride width", v.Stride.W);
                if (v.Padding.H < 0 || v.Padding.W < 0)
                {
                    throw new InvalidInputException($"{what}: padding ({v.Padding.H}, {v.Padding.W}) must be ≥ 0");
                }

                if (v.Kind != VertexKind.Conv2d && (2 * v.Padding.H > v.Kernel.H || 2 * v.Padding.W > v.Kernel.W))
                {
                    // PyTorch's rule; it guarantees every window holds at least one cell of the image.
                    throw new InvalidInputException(
                        $"{what}: padding ({v.Padding.H}, {v.Padding.W}) must be at most half the kernel ({v.Kernel.H}, {v.Kernel.W})");
                }

                int oh = WindowOutput(ps[1], v.Kernel.H, v.Stride.H, v.Padding.H);
                int ow = WindowOutput(ps[2], v.Kernel.W, v.Stride.W, v.Padding.W);
                if (oh <= 0 || ow <= 0)
                {
                    throw new InvalidInputException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{what}: output size {oh}×{ow} ≤ 0: parent '{pn}' has shape {Format(ps)}, kernel ({v.Kernel.H}, {v.Kernel.W}), stride ({v.Stride.H}, {v.Stride.W}), padding ({v.Padding.H}, {v.Padding.W})"));
                }

                if (v.Kind != VertexKind.Conv2d)
                {
                    return ([ps[0], oh, ow], [], []);
                }

                Positive(what, "units (output channels)", v.Units);
                return ([v.Units, oh, ow], [v.Units, ps[0], v.Kernel.H, v.Kernel.W], v.Bias ? [v.Units] : []);
            }

            case VertexKind.Sum:
            {
                if (parents.Count < 2)
                {
                    throw new InvalidInputException($"{what}: needs at least two parents, found {parents.Count}");
                }

                for (int k = 1; k < parents.Count; k++)
                {
                    if (!parents[k].Shape.SequenceEqual(parents[0].Shape))
                    {
                        throw new InvalidInputException(
                            $"{what}: parent '{parents[k].Name}' has shape {Format(parents[k].Shape)} but parent '{parents[0].Name}' has shape {Format(parents[0].Shape)}; a sum needs one shape");
                    }
                }

                return ([.. parents[0].Shape], [], []);
            }

            case VertexKind.Flatten:
            {
                (_, int[] ps) = Single(what, parents);
                return ([ElementCount(ps)], [], []);
            }

            case VertexKind.Identity:
            {
                (_, int[] ps) = Single(what, parents);
                return ([.. ps], [], []);
            }

            default:
                throw new InvalidInputException($"{source}: vertex '{v.Name}' has unknown kind {(int)v.Kind}");
        }
    }

    /// <summary>The lower-case kind name the graph format uses (<c>conv2d</c>, <c>maxpool2d</c>).</summary>
    public static string Kind(VertexKind kind) => kind.ToString().ToLowerInvariant();

    private static (string Name, int[] Shape) Single(string what, IReadOnlyList<(string Name, int[] Shape)> parents) =>
        parents.Count == 1
            ? parents[0]
            : throw new InvalidInputException($"{what}: needs exactly one parent, found {parents.Count}");

    private static void Positive(string what, string attribute, int value)
    {
        if (value <= 0)
        {
            throw new InvalidInputException($"{what}: {attribute} must be ≥ 1, found {value}");
        }
    }
}
