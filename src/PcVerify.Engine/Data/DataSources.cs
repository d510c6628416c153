namespace PcVerify.Engine.Data;

/// <summary>A training and a test set with a sentence saying where they came from.</summary>
/// <param name="Train">The pairs presented to the learner.</param>
/// <param name="Test">The pairs used for test error and loss.</param>
/// <param name="Description">Where the data came from and how it was split (for reports).</param>
public sealed record DataSplit(DataSet Train, DataSet Test, string Description)
{
    /// <summary>What the evaluation set is called in progress lines: "train" when no test set was given and the training pairs are evaluated, else "test".</summary>
    public string EvaluationName => ReferenceEquals(Train, Test) ? "train" : "test";
}

/// <summary>
/// Resolves the CLI's <c>--data</c> values: <c>digits</c> (default, embedded), <c>synthetic-classification</c>, <c>synthetic-regression</c>,
/// <c>mnist:DIR</c>, <c>fashion-mnist:DIR</c>, <c>npz:FILE</c> (optionally <c>npz:TRAIN,TEST</c>).
/// </summary>
public static class DataSources
{
    /// <summary>The test-set size carved from a 10,000-image IDX test file when no training file is present.</summary>
    public const int IdxHeldOut = 2000;

    /// <summary>A sentence listing the accepted forms, for help texts and errors.</summary>
    public const string Forms = "digits, synthetic-classification, synthetic-regression, mnist:DIR, fashion-mnist:DIR, npz:FILE[,TESTFILE]";

    /// <summary>Loads the data named by <paramref name="text"/>; <paramref name="seed"/> seeds synthetic sets.</summary>
    /// <exception cref="InvalidInputException">An unknown form, or a file error from the loaders.</exception>
    public static DataSplit Load(string text, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t == Digits.Name)
        {
            (DataSet train, DataSet test) = Digits.Default();
            return new DataSplit(train, test,
                $"digits, embedded ({Digits.Credit}): {train.Count} training and {test.Count} test 8×8 images, stratified: {Digits.TestPerClass} images of each digit, evenly spread over the file, held out for testing, both parts in file order; pixels scaled by 1/{Digits.MaxPixel}, one-hot targets");
        }

        if (Synthetic.Names.Contains(t))
        {
            (DataSet train, DataSet test) = Synthetic.Default(t, seed);
            return new DataSplit(train, test, $"{t} (seed {seed}): {train.Count} training and {test.Count} test pairs generated in code, {train.InputWidth} inputs, {train.OutputWidth} outputs");
        }

        int colon = t.IndexOf(':', StringComparison.Ordinal);
        string kind = colon > 0 ? t[..colon].ToLowerInvariant() : t.ToLowerInvariant();
        string arg = colon > 0 ? t[(colon + 1)..] : "";
        switch (kind)
        {
            case "mnist" or "fashion-mnist" when arg.Length > 0:
                return LoadIdx(kind, arg);
            case "npz" when arg.Length > 0:
                string[] files = arg.Split(',', 2);
                DataSet data = NpzDataSet.Load(files[0]);
                if (files.Length == 2)
                {
                    DataSet testSet = NpzDataSet.Load(files[1]);
                    if (testSet.InputWidth != data.InputWidth || testSet.OutputWidth != data.OutputWidth)
                    {
                        throw new InvalidInputException(
                            $"{files[1]}: widths {testSet.InputWidth}→{testSet.OutputWidth} do not match the training file's {data.InputWidth}→{data.OutputWidth}");
                    }

                    return new DataSplit(data, testSet, $"npz: {data.Count} training pairs from {files[0]}, {testSet.Count} test pairs from {files[1]}");
                }

                return new DataSplit(data, data, $"npz: {data.Count} pairs from {files[0]}, used for training and evaluated on the same pairs (no test file given)");
            default:
                throw new InvalidInputException($"--data '{text}': expected one of {Forms}");
        }
    }

    private static DataSplit LoadIdx(string kind, string dir)
    {
        (DataSet? train, DataSet test) = Idx.LoadMnistDirectory(dir);
        if (train is not null)
        {
            return new DataSplit(train, test, $"{kind} from {dir}: the standard split, {train.Count} training and {test.Count} test images");
        }

        if (test.Count <= IdxHeldOut)
        {
            throw new InvalidInputException($"{dir}: only {test.Count} test images and no training files; need more than {IdxHeldOut} to split");
        }

        (DataSet a, DataSet b) = test.Split(test.Count - IdxHeldOut);
        return new DataSplit(a, b,
            $"{kind} from {dir}: only the t10k test files are present, so they are split deterministically in file order into the first {a.Count} images for training and the last {b.Count} for testing");
    }
}
