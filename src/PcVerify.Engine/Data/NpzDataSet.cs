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
    /// Loads a data set named after the file (without extension). Keys other than the three above are ignored.
    /// Without <c>labels</c>, targets that are all one-hot give each row's class (for the test error).
    /// </summary>
    /// <exception cref="InvalidInputException">The file is not a valid <c>.npz</c>; <c>inputs</c> or
    /// <c>targets</c> is missing (the keys found are listed); an array has the wrong rank (inputs: 2 or more, the
    /// trailing dimensions read row-major as one row) or a row count that
    /// differs from the others (shapes are printed); a label is not an integer class index; or a value is
    /// NaN or ±∞.</exception>
    public static DataSet Load(string path)
        => LoadChecked(path);

    private static void CheckFloat(NpyArray a, string key, string path)
    {
        if (a.DType is not (NpyDType.Float32 or NpyDType.Float64))
        {
            throw new InvalidInputException($"NPZ file '{path}': key '{key}' has dtype {a.DType}, expected float32 or float64");
        }
    }

    private static DataSet LoadChecked(string path)
    {
        IReadOnlyDictionary<string, NpyArray> arrays = Npz.Read(path);
        NpyArray inputs = Get(arrays, InputsKey, path);
        NpyArray targets = Get(arrays, TargetsKey, path);
        arrays.TryGetValue(LabelsKey, out NpyArray? labelArray);

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

        int[]? labels = null;
        if (labelArray is not null)
        {
            CheckRank(labelArray, LabelsKey, 1, path);
            if (labelArray.Shape[0] != count)
            {
                throw new InvalidInputException(
                    $"NPZ file '{path}': row counts differ: inputs has shape {NpyArray.FormatShape(inputs.Shape)}, labels has shape {NpyArray.FormatShape(labelArray.Shape)}");
            }

            labels = new int[count];
            for (int r = 0; r < count; r++)
            {
                double v = labelArray.Data[r];
                if (!(v >= 0 && v <= int.MaxValue && Math.Floor(v) == v))
                {
                    throw new InvalidInputException(
                        $"NPZ file '{path}': labels row {r}: expected a non-negative integer class index, found {v:G17}");
                }

                labels[r] = (int)v;
            }
        }

        // Without labels, one-hot targets name their class (issue 11's data contract): the test error is then the
        // argmax rule of SPEC §8 with those classes. Targets that are not all one-hot leave the set unlabelled.
        labels ??= OneHotClasses(targets);
        return new DataSet(
            Path.GetFileName(path), count, (int)NpyArray.ElementCount(inputs.Shape[1..]), targets.Shape[1], inputs.Data, targets.Data, labels);
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

    private static NpyArray Get(IReadOnlyDictionary<string, NpyArray> arrays, string key, string path)
    {
        if (arrays.TryGetValue(key, out NpyArray? array))
        {
            return array;
        }

        string found = arrays.Count == 0 ? "none" : string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal));
        throw new InvalidInputException($"NPZ file '{path}': missing key '{key}'; keys found: {found}");
    }

    /// <summary>The class of each row when every row of <paramref name="targets"/> is one-hot (one 1, the rest 0); else null.</summary>
    private static int[]? OneHotClasses(NpyArray targets)
    {
        int rows = targets.Shape[0], width = targets.Shape[1];
        int[] classes = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int one = -1;
            for (int c = 0; c < width; c++)
            {
                double v = targets.Data[(r * width) + c];
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

    private static void CheckRank(NpyArray array, string key, int rank, string path)
    {
        if (array.Shape.Length != rank)
        {
            string expected = rank == 1 ? "(N,)" : "(N, width)";
            throw new InvalidInputException(
                $"NPZ file '{path}': '{key}': expected rank {rank} {expected}, found shape {NpyArray.FormatShape(array.Shape)}");
        }
    }
}
