namespace PcVerify.Engine.Data;

/// <summary>
/// A <see cref="DataSet"/> stored as an <c>.npz</c> archive with the keys <c>inputs</c> (shape N × input
/// width), <c>targets</c> (N × output width) and, for classification, <c>labels</c> (N). In numpy:
/// <c>np.savez("d.npz", inputs=X, targets=Y, labels=y)</c>.
/// </summary>
public static class NpzDataSet
{
    /// <summary>The key of the input matrix.</summary>
    public const string InputsKey = "inputs";

    /// <summary>The key of the target matrix.</summary>
    public const string TargetsKey = "targets";

    /// <summary>The key of the optional label vector.</summary>
    public const string LabelsKey = "labels";

    /// <summary>
    /// Loads a data set named after the file (without extension). Keys other than the three above are ignored
    /// and never decompressed. Without <c>labels</c>, targets that are all one-hot give each row's class (for the
    /// test error).
    /// </summary>
    /// <remarks>Keys, ranks, types and row counts are checked from the entries' headers, and the memory the
    /// arrays need from their shapes, before any data is read.</remarks>
    /// <exception cref="InvalidInputException">The file is not a valid <c>.npz</c>; <c>inputs</c> or
    /// <c>targets</c> is missing (the keys found are listed); an array has the wrong rank (inputs: 2 or more, the
    /// trailing dimensions read row-major as one row) or type, no rows, or a row count that differs from the others
    /// (shapes are printed); the arrays exceed the memory limit; a label is not an integer class index; or a value
    /// is NaN or ±∞.</exception>
    public static DataSet Load(string path)
    {
        using NpzReader npz = NpzReader.Open(path);
        NpyHeader inputs = Get(npz, InputsKey);
        NpyHeader targets = Get(npz, TargetsKey);
        NpyHeader? labelHeader = npz.Contains(LabelsKey) ? npz.Header(LabelsKey) : null;

        // An input row may keep the model's shape, e.g. (N, C, H, W) for an image model: a row is read row-major,
        // which is the layout of a graph's input vertex (NCHW).
        if (inputs.Shape.Length < 2)
        {
            throw new InvalidInputException(
                $"NPZ file '{path}': '{InputsKey}': expected rank 2 (N, width) or more (N, the model's input shape), found shape {NpyArray.FormatShape(inputs.Shape)}");
        }

        CheckRank(targets, TargetsKey, 2, path);
        CheckFloat(inputs, InputsKey, path);
        CheckFloat(targets, TargetsKey, path);
        int count = inputs.Shape[0];
        if (targets.Shape[0] != count)
        {
            throw new InvalidInputException(
                $"NPZ file '{path}': row counts differ: inputs has shape {NpyArray.FormatShape(inputs.Shape)}, targets has shape {NpyArray.FormatShape(targets.Shape)}");
        }

        if (count == 0)
        {
            throw new InvalidInputException(
                $"NPZ file '{path}': inputs has shape {NpyArray.FormatShape(inputs.Shape)}: expected at least one row (pair)");
        }

        if (labelHeader is not null)
        {
            CheckRank(labelHeader, LabelsKey, 1, path);
            if (labelHeader.Shape[0] != count)
            {
                throw new InvalidInputException(
                    $"NPZ file '{path}': row counts differ: inputs has shape {NpyArray.FormatShape(inputs.Shape)}, labels has shape {NpyArray.FormatShape(labelHeader.Shape)}");
            }
        }

        List<(string, NpyHeader)> used = [(InputsKey, inputs), (TargetsKey, targets)];
        if (labelHeader is not null)
        {
            used.Add((LabelsKey, labelHeader));
        }

        npz.RequireMemory(used);
        double[] inputData = npz.Read(InputsKey).Data;
        double[] targetData = npz.Read(TargetsKey).Data;
        int[]? labels = null;
        if (labelHeader is not null)
        {
            double[] labelData = npz.Read(LabelsKey).Data;
            labels = new int[count];
            for (int r = 0; r < count; r++)
            {
                double v = labelData[r];
                if (!(v >= 0 && v <= int.MaxValue && Math.Floor(v) == v))
                {
                    throw new InvalidInputException(
                        $"NPZ file '{path}': labels row {r}: expected a non-negative integer class index, found {v:G17}");
                }

                labels[r] = (int)v;
            }
        }

        // Without labels, one-hot targets name their class (issue 11's data contract): the test error is then the
        // argmax rule of docs/math.md §8 with those classes. Targets that are not all one-hot leave the set unlabelled.
        labels ??= OneHotClasses(targetData, count, targets.Shape[1]);
        return new DataSet(
            Path.GetFileName(path), count, (int)NpyArray.ElementCount(inputs.Shape[1..]), targets.Shape[1], inputData, targetData, labels);
    }

    private static void CheckFloat(NpyHeader a, string key, string path)
    {
        if (a.DType is not (NpyDType.Float32 or NpyDType.Float64))
        {
            throw new InvalidInputException($"NPZ file '{path}': key '{key}' has dtype {a.DType}, expected float32 or float64");
        }
    }

    /// <summary>
    /// Saves <paramref name="data"/> atomically: <c>inputs</c> and <c>targets</c> with element type
    /// <paramref name="dtype"/>, <c>labels</c> (when present) as int64, numpy's default integer type.
    /// </summary>
    /// <exception cref="InvalidInputException">The file cannot be written, or a value does not fit
    /// <paramref name="dtype"/>.</exception>
    public static void Save(string path, DataSet data, NpyDType dtype)
    {
        ArgumentNullException.ThrowIfNull(data);
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal)
        {
            [InputsKey] = new NpyArray([data.Count, data.InputWidth], data.Inputs, dtype),
            [TargetsKey] = new NpyArray([data.Count, data.OutputWidth], data.Targets, dtype),
        };
        if (data.Labels is not null)
        {
            arrays[LabelsKey] = new NpyArray([data.Count], Array.ConvertAll(data.Labels, l => (double)l), NpyDType.Int64);
        }

        Npz.Write(path, arrays, key => key == LabelsKey ? NpyDType.Int64 : dtype);
    }

    private static NpyHeader Get(NpzReader npz, string key)
    {
        if (npz.Contains(key))
        {
            return npz.Header(key);
        }

        throw new InvalidInputException($"NPZ file '{npz.Path}': missing key '{key}'; keys found: {npz.KeyList}");
    }

    /// <summary>The class of each row when every row of <paramref name="targets"/> is one-hot (one 1, the rest 0); else null.</summary>
    private static int[]? OneHotClasses(double[] targets, int rows, int width)
    {
        int[] classes = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int one = -1;
            for (int c = 0; c < width; c++)
            {
                double v = targets[(r * width) + c];
                if (v == 1 && one < 0)
                {
                    one = c;
                }
                else if (v != 0)
                {
                    return null;
                }
            }

            if (one < 0)
            {
                return null;
            }

            classes[r] = one;
        }

        return rows > 0 ? classes : null;
    }

    private static void CheckRank(NpyHeader array, string key, int rank, string path)
    {
        if (array.Shape.Length != rank)
        {
            string expected = rank == 1 ? "(N,)" : "(N, width)";
            throw new InvalidInputException(
                $"NPZ file '{path}': '{key}': expected rank {rank} {expected}, found shape {NpyArray.FormatShape(array.Shape)}");
        }
    }
}
