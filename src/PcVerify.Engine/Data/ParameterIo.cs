using System.Globalization;
using System.Numerics;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Data;

/// <summary>
/// Parameters as NPZ, the layout a numpy or PyTorch user can read and write: keys <c>theta1..thetaL</c>, where
/// <c>theta{l+1}</c> has shape <c>(n^l, n^{l+1})</c> (rows = the lower layer, layer 0 = output), and
/// <c>beta1..betaL</c> of shape <c>(n^l,)</c> when the network has biases. In PyTorch terms <c>theta{l+1}</c> is the
/// <c>weight</c> of the <c>nn.Linear</c> whose output is layer <c>l</c>, so <c>theta1</c> is the last linear layer.
/// </summary>
public static class ParameterIo
{
    /// <summary>Writes <paramref name="parameters"/> atomically to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The path cannot be written.</exception>
    public static void Save<T>(string path, Parameters<T> parameters, NpyDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T> => Save(path, parameters, dtype, null);

    /// <summary>
    /// Writes <paramref name="parameters"/> and, when given, the feedback matrices <c>B^l</c> of a feedback kind that
    /// holds matrices of its own (random, kp, direct) as <c>feedback{l}</c>, atomically. <paramref name="feedback"/> is
    /// laid out as <see cref="Load{T}(string, NetworkSpec, FeedbackKind, out double[][])"/> returns it: index
    /// <c>l = 1..L−1</c>, <c>B^l</c> row-major of shape <c>(θ^l)ᵀ = (n^l, n^{l−1})</c> (direct: <c>(n^l, n^0)</c>).
    /// </summary>
    /// <exception cref="InvalidInputException">The path cannot be written.</exception>
    /// <exception cref="ArgumentException">A feedback matrix is missing or not a whole number of rows of <c>n^l</c>.</exception>
    public static void Save<T>(string path, Parameters<T> parameters, NpyDType dtype, IReadOnlyList<double[]?>? feedback)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Dictionary<string, NpyArray> arrays = [];
        NetworkSpec spec = parameters.Spec;
        for (int l = 0; l < spec.L; l++)
        {
            Matrix<T> theta = parameters.Theta[l + 1];
            arrays[ThetaKey(l + 1)] = new NpyArray([theta.Rows, theta.Cols], ToDouble(theta.Data), dtype);
            if (spec.Bias)
            {
                arrays[BetaKey(l + 1)] = new NpyArray([spec.Widths[l]], ToDouble(parameters.Beta[l + 1]), dtype);
            }
        }

        if (feedback is not null)
        {
            for (int l = 1; l < spec.L; l++)
            {
                double[] b = (l < feedback.Count ? feedback[l] : null) ?? throw new ArgumentException($"feedback matrix B^{l} is missing", nameof(feedback));
                int rows = spec.Widths[l];
                if (b.Length == 0 || b.Length % rows != 0)
                {
                    throw new ArgumentException($"feedback matrix B^{l}: {b.Length} elements is not a whole number of rows of {rows}", nameof(feedback));
                }

                arrays[FeedbackKey(l)] = new NpyArray([rows, b.Length / rows], b, dtype);
            }
        }

        Npz.Write(path, arrays, dtype);
    }


    /// <summary>
    /// The widths <c>n^0..n^L</c> (output first) and whether biases are present, read from the shapes of an NPZ
    /// parameter file (its entries' headers only), for when the user gives <c>--init</c> without <c>--arch</c>.
    /// </summary>
    /// <exception cref="InvalidInputException">The file lacks <c>theta1</c>, a shape is not a matrix or has a
    /// zero dimension, or consecutive shapes do not chain.</exception>
    public static (int[] Widths, bool Bias) InferArchitecture(string path)
    {
        using NpzReader npz = NpzReader.Open(path);
        List<int> widths = [];
        int l = 1;
        while (npz.Contains(ThetaKey(l)))
        {
            NpyHeader theta = npz.Header(ThetaKey(l));
            if (theta.Shape.Length != 2)
            {
                throw new InvalidInputException($"{path}: key '{ThetaKey(l)}' has shape {NpyArray.FormatShape(theta.Shape)}, expected a matrix");
            }

            if (theta.Shape[0] == 0 || theta.Shape[1] == 0)
            {
                throw new InvalidInputException(
                    $"{path}: key '{ThetaKey(l)}' has shape {NpyArray.FormatShape(theta.Shape)}; every layer width must be positive");
            }

            if (l == 1)
            {
                widths.Add(theta.Shape[0]);
            }
            else if (theta.Shape[0] != widths[^1])
            {
                throw new InvalidInputException(
                    $"{path}: key '{ThetaKey(l)}' has {theta.Shape[0]} rows but '{ThetaKey(l - 1)}' has {widths[^1]} columns; theta{{l+1}} must be (n^l, n^(l+1))");
            }

            widths.Add(theta.Shape[1]);
            l++;
        }

        if (widths.Count == 0)
        {
            throw new InvalidInputException($"{path}: key 'theta1' not found; found keys: {npz.KeyList}");
        }

        return ([.. widths], npz.Contains(BetaKey(1)));
    }

    /// <summary>
    /// Reads parameters for <paramref name="spec"/> from <paramref name="path"/>, exactly as stored. The file
    /// must hold exactly the keys the network has (<c>theta1..thetaL</c>, and <c>beta1..betaL</c> with biases);
    /// every key and shape is checked from the entries' headers before any data is read.
    /// </summary>
    /// <exception cref="InvalidInputException">A key is missing or unexpected (the expected keys are listed),
    /// a shape or type is wrong, an entry is corrupt, or a value is not finite.</exception>
    public static Parameters<T> Load<T>(string path, NetworkSpec spec)
        where T : unmanaged, IFloatingPointIeee754<T> => Load<T>(path, spec, FeedbackKind.Symmetric, out _);

    /// <summary>
    /// As <see cref="Load{T}(string, NetworkSpec)"/>, and the file may also hold <c>feedback1..feedback{L−1}</c> (all
    /// or none) when <paramref name="feedback"/> keeps matrices of its own (random, kp, direct): <c>feedback{l}</c> has
    /// shape <c>(θ^l)ᵀ = (n^l, n^{l−1})</c>, or <c>(n^l, n^0)</c> for direct. They are returned in
    /// <paramref name="matrices"/> (index l, row-major), or null when absent. Feedback keys with another kind are refused.
    /// </summary>
    /// <exception cref="InvalidInputException">As the plain overload; or a feedback key is unused, missing, misshapen or not finite.</exception>
    public static Parameters<T> Load<T>(string path, NetworkSpec spec, FeedbackKind feedback, out double[]?[]? matrices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        using NpzReader npz = NpzReader.Open(path);
        matrices = null;
        bool anyFeedback = Enumerable.Range(1, Math.Max(0, spec.L - 1)).Any(l => npz.Contains(FeedbackKey(l)));
        if (anyFeedback && !FeedbackKinds.HoldsMatrices(feedback))
        {
            throw new InvalidInputException($"{path}: has key '{FeedbackKey(1)}', which only --feedback random, kp or direct uses (found --feedback {FeedbackKinds.Name(feedback)})");
        }

        List<string> expected = [];
        for (int l = 0; l < spec.L; l++)
        {
            expected.Add(ThetaKey(l + 1));
        }

        if (spec.Bias)
        {
            for (int l = 0; l < spec.L; l++)
            {
                expected.Add(BetaKey(l + 1));
            }
        }

        for (int l = 0; l < spec.L; l++)
        {
            if (!spec.Bias && npz.Contains(BetaKey(l + 1)))
            {
                throw new InvalidInputException($"{path}: has key '{BetaKey(l + 1)}' but the network has no biases (add --bias)");
            }
        }

        if (npz.Contains(ThetaKey(spec.L + 1)))
        {
            throw new InvalidInputException($"{path}: has key '{ThetaKey(spec.L + 1)}' but the network has {spec.L} weight matrices");
        }

        int[][] feedbackShapes = new int[spec.L][];
        if (anyFeedback)
        {
            for (int l = 1; l < spec.L; l++)
            {
                expected.Add(FeedbackKey(l));
                feedbackShapes[l] = [spec.Widths[l], feedback == FeedbackKind.Direct ? spec.Widths[0] : spec.Widths[l - 1]];
            }
        }

        foreach (string key in npz.Keys)
        {
            if (!expected.Contains(key))
            {
                throw new InvalidInputException($"{path}: unexpected key '{key}'; expected exactly the keys {string.Join(", ", expected)}");
            }
        }

        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (int l = 0; l < spec.L; l++)
        {
            shapes[ThetaKey(l + 1)] = [spec.Widths[l], spec.Widths[l + 1]];
            if (spec.Bias)
            {
                shapes[BetaKey(l + 1)] = [spec.Widths[l]];
            }

            if (anyFeedback && l >= 1)
            {
                shapes[FeedbackKey(l)] = feedbackShapes[l];
            }
        }

        foreach (string key in expected)
        {
            if (!npz.Contains(key))
            {
                throw new InvalidInputException($"{path}: key '{key}' not found; found keys: {npz.KeyList}");
            }

            CheckShape(path, key, npz.Header(key), shapes[key]);
        }

        Parameters<T> p = new(spec);
        for (int l = 0; l < spec.L; l++)
        {
            Fill(path, ThetaKey(l + 1), npz.Read(ThetaKey(l + 1)), p.Theta[l + 1].Data);
            if (spec.Bias)
            {
                Fill(path, BetaKey(l + 1), npz.Read(BetaKey(l + 1)), p.Beta[l + 1]);
            }
        }

        if (anyFeedback)
        {
            matrices = new double[]?[spec.L];
            for (int l = 1; l < spec.L; l++)
            {
                double[] b = new double[feedbackShapes[l][0] * feedbackShapes[l][1]];
                Fill(path, FeedbackKey(l), npz.Read(FeedbackKey(l)), b);
                matrices[l] = b;
            }
        }

        return p;
    }

    private static string ThetaKey(int lPlus1) => "theta" + lPlus1.ToString(CultureInfo.InvariantCulture);

    private static string FeedbackKey(int l) => "feedback" + l.ToString(CultureInfo.InvariantCulture);

    private static string BetaKey(int lPlus1) => "beta" + lPlus1.ToString(CultureInfo.InvariantCulture);

    private static void CheckShape(string path, string key, NpyHeader a, int[] expected)
    {
        if (!a.Shape.SequenceEqual(expected))
        {
            throw new InvalidInputException(
                $"{path}: key '{key}' has shape {NpyArray.FormatShape(a.Shape)}, expected {NpyArray.FormatShape(expected)}");
        }

        if (a.DType is not (NpyDType.Float32 or NpyDType.Float64))
        {
            throw new InvalidInputException($"{path}: key '{key}' has dtype {a.DType}, expected float32 or float64");
        }
    }

    private static void Fill<T>(string path, string key, NpyArray a, T[] target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < target.Length; k++)
        {
            double v = a.Data[k];
            if (!double.IsFinite(v))
            {
                throw new InvalidInputException($"{path}: key '{key}' element {k} is {v.ToString(CultureInfo.InvariantCulture)}; parameters must be finite");
            }

            target[k] = T.CreateTruncating(v);
        }
    }

    private static double[] ToDouble<T>(T[] data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] d = new double[data.Length];
        for (int k = 0; k < d.Length; k++)
        {
            d[k] = double.CreateTruncating(data[k]);
        }

        return d;
    }
}
