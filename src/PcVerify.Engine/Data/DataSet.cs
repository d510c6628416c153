using System.Globalization;

namespace PcVerify.Engine.Data;

/// <summary>
/// A supervised data set of <see cref="Count"/> pairs <c>(s_in, s_out)</c> stored row-major in two flat arrays:
/// row r of the inputs is <c>Inputs[r·InputWidth .. (r+1)·InputWidth)</c>, row r of the targets is
/// <c>Targets[r·OutputWidth .. (r+1)·OutputWidth)</c>. In the paper's notation the input row is clamped to
/// the input layer <c>x^L = s_in</c> and the target row to the output layer <c>x^0 = s_out</c> (docs/math.md §3).
/// </summary>
/// <remarks>
/// The constructor validates everything once (lengths, widths, finiteness, label range), so code that
/// consumes a <see cref="DataSet"/> never meets a NaN that came from a file. The data set takes ownership
/// of the arrays it is given and does not copy them; callers must not modify them afterwards.
/// </remarks>
public sealed class DataSet
{
    /// <summary>
    /// Creates a data set and validates it.
    /// </summary>
    /// <param name="name">A human-readable name used in every error message (e.g. "mnist-test").</param>
    /// <param name="count">Number of rows, ≥ 0.</param>
    /// <param name="inputWidth">Input width <c>n^L</c>, &gt; 0.</param>
    /// <param name="outputWidth">Output width <c>n^0</c>, &gt; 0.</param>
    /// <param name="inputs">Row-major inputs, length <c>count·inputWidth</c>; every value finite.</param>
    /// <param name="targets">Row-major targets, length <c>count·outputWidth</c>; every value finite.</param>
    /// <param name="labels">Class index per row in [0, outputWidth), length <c>count</c>; or null for regression.</param>
    /// <exception cref="InvalidInputException">A length, width or label is wrong, or a value is NaN or ±∞;
    /// the message names the data set, the array, and the row and column of the first bad value.</exception>
    public DataSet(string name, int count, int inputWidth, int outputWidth, double[] inputs, double[] targets, int[]? labels = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);

        if (count < 0)
        {
            throw new InvalidInputException($"data set '{name}': count must be >= 0, found {count}");
        }

        if (inputWidth <= 0)
        {
            throw new InvalidInputException($"data set '{name}': input width must be > 0, found {inputWidth}");
        }

        if (outputWidth <= 0)
        {
            throw new InvalidInputException($"data set '{name}': output width must be > 0, found {outputWidth}");
        }

        CheckLength(name, "inputs", inputs.Length, (long)count * inputWidth, count, inputWidth);
        CheckLength(name, "targets", targets.Length, (long)count * outputWidth, count, outputWidth);
        CheckFinite(name, "inputs", inputs, inputWidth);
        CheckFinite(name, "targets", targets, outputWidth);

        if (labels is not null)
        {
            if (labels.Length != count)
            {
                throw new InvalidInputException(
                    $"data set '{name}': labels has length {labels.Length}, expected {count} (one per row)");
            }

            for (int r = 0; r < labels.Length; r++)
            {
                if (labels[r] < 0 || labels[r] >= outputWidth)
                {
                    throw new InvalidInputException(
                        $"data set '{name}': labels row {r}: expected a class index in [0, {outputWidth}), found {labels[r]}");
                }
            }
        }

        Name = name;
        Count = count;
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        Inputs = inputs;
        Targets = targets;
        Labels = labels;
    }

    /// <summary>The name used in messages and reports.</summary>
    public string Name { get; }

    /// <summary>Number of rows (training or test pairs).</summary>
    public int Count { get; }

    /// <summary>Input width <c>n^L</c>.</summary>
    public int InputWidth { get; }

    /// <summary>Output width <c>n^0</c>.</summary>
    public int OutputWidth { get; }

    /// <summary>Inputs, <c>Count × InputWidth</c>, row-major.</summary>
    public double[] Inputs { get; }

    /// <summary>Targets, <c>Count × OutputWidth</c>, row-major.</summary>
    public double[] Targets { get; }

    /// <summary>Class index per row (classification), or null (regression).</summary>
    public int[]? Labels { get; }

    /// <summary>Input row <paramref name="row"/> (<c>s_in</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not in [0, Count).</exception>
    public ReadOnlySpan<double> Input(int row)
    {
        CheckRow(row);
        return new ReadOnlySpan<double>(Inputs, row * InputWidth, InputWidth);
    }

    /// <summary>Target row <paramref name="row"/> (<c>s_out</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not in [0, Count).</exception>
    public ReadOnlySpan<double> Target(int row)
    {
        CheckRow(row);
        return new ReadOnlySpan<double>(Targets, row * OutputWidth, OutputWidth);
    }

    /// <summary>
    /// The rows <c>[start, start + count)</c> as a new data set (the arrays are copied).
    /// </summary>
    /// <param name="start">First row, in [0, Count].</param>
    /// <param name="count">Number of rows, with <c>start + count ≤ Count</c>.</param>
    /// <param name="name">Name of the result; defaults to <c>"{Name}[start..end)"</c>.</param>
    /// <exception cref="InvalidInputException">The range does not fit inside the data set.</exception>
    public DataSet Take(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
        {
            throw new InvalidInputException(
                $"data set '{Name}': cannot take rows [{start}, {(long)start + count}): expected a range inside [0, {Count})");
        }

        double[] inputs = Inputs.AsSpan(start * InputWidth, count * InputWidth).ToArray();
        double[] targets = Targets.AsSpan(start * OutputWidth, count * OutputWidth).ToArray();
        int[]? labels = Labels?.AsSpan(start, count).ToArray();
        string resultName = name ?? string.Create(CultureInfo.InvariantCulture, $"{Name}[{start}..{start + count})");
        return new DataSet(resultName, count, InputWidth, OutputWidth, inputs, targets, labels);
    }

    /// <summary>
    /// Splits deterministically: the first <paramref name="trainCount"/> rows are the training set
    /// (named <c>"{Name}-train"</c>), the remaining rows the test set (<c>"{Name}-test"</c>). No shuffling;
    /// use <see cref="Permute"/> first for a random split.
    /// </summary>
    /// <exception cref="InvalidInputException"><paramref name="trainCount"/> is not in [0, Count].</exception>
    public (DataSet Train, DataSet Test) Split(int trainCount)
    {
        if (trainCount < 0 || trainCount > Count)
        {
            throw new InvalidInputException(
                $"data set '{Name}': train count must be in [0, {Count}], found {trainCount}");
        }

        return (Take(0, trainCount, Name + "-train"), Take(trainCount, Count - trainCount, Name + "-test"));
    }

    /// <summary>
    /// A new data set whose row r is row <c>order[r]</c> of this one (same name).
    /// </summary>
    /// <param name="order">A permutation of <c>0 .. Count−1</c>.</param>
    /// <exception cref="InvalidInputException"><paramref name="order"/> is not a permutation of the rows.</exception>
    public DataSet Permute(int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Length != Count)
        {
            throw new InvalidInputException(
                $"data set '{Name}': permutation has length {order.Length}, expected {Count}");
        }

        var seen = new bool[Count];
        for (int r = 0; r < order.Length; r++)
        {
            int source = order[r];
            if (source < 0 || source >= Count || seen[source])
            {
                throw new InvalidInputException(
                    $"data set '{Name}': permutation entry {r}: expected an unused row index in [0, {Count}), found {source}");
            }

            seen[source] = true;
        }

        var inputs = new double[Inputs.Length];
        var targets = new double[Targets.Length];
        int[]? labels = Labels is null ? null : new int[Count];
        for (int r = 0; r < order.Length; r++)
        {
            int source = order[r];
            Inputs.AsSpan(source * InputWidth, InputWidth).CopyTo(inputs.AsSpan(r * InputWidth));
            Targets.AsSpan(source * OutputWidth, OutputWidth).CopyTo(targets.AsSpan(r * OutputWidth));
            if (labels is not null)
            {
                labels[r] = Labels![source];
            }
        }

        return new DataSet(Name, Count, InputWidth, OutputWidth, inputs, targets, labels);
    }

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in [0, {Count}) for data set '{Name}'");
        }
    }

    private static void CheckLength(string name, string array, int found, long expected, int count, int width)
    {
        if (found != expected)
        {
            throw new InvalidInputException(
                $"data set '{name}': {array} has length {found}, expected {expected} ({count} rows x {width} columns)");
        }
    }

    private static void CheckFinite(string name, string array, double[] values, int width)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (!double.IsFinite(values[k]))
            {
                throw new InvalidInputException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"data set '{name}': {array} row {k / width} column {k % width}: expected a finite value, found {values[k]}"));
            }
        }
    }
}
