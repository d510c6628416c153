using System.Globalization;
using System.IO.Compression;

namespace PcVerify.Engine.Data;

/// <summary>
/// The embedded default data set: the UCI "Optical Recognition of Handwritten Digits" test part (E. Alpaydin and
/// C. Kaynak, 1998; UCI Machine Learning Repository; licence CC BY 4.0), 1,797 images of 8 × 8 pixel counts in
/// 0..16 with their digit, in the layout scikit-learn ships (<c>digits.csv.gz</c>, one image a line: 64 pixels
/// row by row, then the label).
/// </summary>
/// <remarks>
/// <para>Input row r is the image scaled by 1/16 (exact: 16 is a power of two), flattened row-major: pixel
/// (i, j) of the 8 × 8 image, i the row from the top and j the column from the left, is input <c>8·i + j</c>.
/// A convolutional network reads the same 64 values as a 1 × 8 × 8 tensor (channel, height, width). Targets are
/// one-hot at the label, and the labels are kept.</para>
/// <para><see cref="Default"/> splits deterministically and without randomness (docs/decisions.md says why):
/// <see cref="TestPerClass"/> images of each digit, evenly spread over the file, form the test set, everything else
/// the training set; both keep file order.</para>
/// </remarks>
public static class Digits
{
    /// <summary>The <c>--data</c> name, and the name of the data sets (<c>digits</c>, <c>digits-train</c>, <c>digits-test</c>).</summary>
    public const string Name = "digits";

    /// <summary>Number of images in the file.</summary>
    public const int Count = 1797;

    /// <summary>Side of the square image in pixels.</summary>
    public const int Side = 8;

    /// <summary>Input width: <see cref="Side"/>² pixels.</summary>
    public const int InputWidth = Side * Side;

    /// <summary>Number of classes (the digits 0..9).</summary>
    public const int Classes = 10;

    /// <summary>The largest pixel count; inputs are the counts divided by it.</summary>
    public const int MaxPixel = 16;

    /// <summary>Test images per digit in <see cref="Default"/> (every digit has at least 174 images).</summary>
    public const int TestPerClass = 36;

    /// <summary>Size of the test set of <see cref="Default"/>.</summary>
    public const int TestCount = TestPerClass * Classes;

    /// <summary>Size of the training set of <see cref="Default"/>.</summary>
    public const int TrainCount = Count - TestCount;

    /// <summary>MD5 of the embedded <c>digits.csv.gz</c>, as published with the shared copy.</summary>
    public const string Md5 = "ca09b38354112f159cd554f69e213828";

    /// <summary>The source and licence, for reports and help texts.</summary>
    public const string Credit = "UCI Optical Recognition of Handwritten Digits (Alpaydin and Kaynak, 1998), licence CC BY 4.0";

    private const string ResourceName = "PcVerify.Engine.Data.digits.csv.gz";

    /// <summary>All <see cref="Count"/> images in file order, named <see cref="Name"/>.</summary>
    public static DataSet LoadAll()
    {
        using Stream gz = OpenResource();
        using GZipStream csv = new(gz, CompressionMode.Decompress);
        using StreamReader reader = new(csv);
        DataSet all = Parse(reader, "embedded digits.csv.gz");
        if (all.Count != Count)
        {
            throw new InvalidInputException($"embedded digits.csv.gz: expected {Count} images, found {all.Count}");
        }

        return all;
    }

    /// <summary>
    /// The default split: <see cref="TrainCount"/> training and <see cref="TestCount"/> test images, stratified and
    /// spread over the file. Digit c has n_c images (ranks 0 .. n_c − 1 in file order); its test images are the ranks
    /// <c>⌊(2j + 1)·n_c / (2·TestPerClass)⌋</c>, j = 0 .. <see cref="TestPerClass"/> − 1 — the middle image of each of
    /// <see cref="TestPerClass"/> equal stretches of that digit's images. Both parts keep file order and are named
    /// <c>digits-train</c> and <c>digits-test</c>.
    /// </summary>
    public static (DataSet Train, DataSet Test) Default()
    {
        DataSet all = LoadAll();
        int[] labels = all.Labels!;
        var isTest = new bool[all.Count];
        for (int c = 0; c < Classes; c++)
        {
            int[] rows = [.. Enumerable.Range(0, all.Count).Where(r => labels[r] == c)];
            for (int j = 0; j < TestPerClass; j++)
            {
                isTest[rows[((2 * j) + 1) * rows.Length / (2 * TestPerClass)]] = true;
            }
        }

        int[] trainRows = [.. Enumerable.Range(0, all.Count).Where(r => !isTest[r])];
        int[] testRows = [.. Enumerable.Range(0, all.Count).Where(r => isTest[r])];
        int[] order = [.. trainRows, .. testRows];
        (DataSet train, DataSet test) = all.Permute(order).Split(trainRows.Length);
        return (train, test);
    }

    /// <summary>The embedded file's bytes (gzip), for checking them against <see cref="Md5"/>.</summary>
    internal static byte[] ResourceBytes()
    {
        using Stream s = OpenResource();
        using MemoryStream copy = new();
        s.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Parses the CSV text: every line exactly <see cref="InputWidth"/> + 1 unsigned decimal integers separated by
    /// commas, the pixels in 0..<see cref="MaxPixel"/>, the label in 0..9. Nothing else is accepted (no header,
    /// no blank line, no sign or space).
    /// </summary>
    /// <exception cref="InvalidInputException">A line breaks the format; the message names <paramref name="source"/>,
    /// the line and the field.</exception>
    internal static DataSet Parse(TextReader reader, string source)
    {
        List<double> inputs = [];
        List<int> labels = [];
        int line = 0;
        while (reader.ReadLine() is string text)
        {
            line++;
            if (line > Count)
            {
                // The embedded file has exactly Count lines; refusing more bounds what a wrong resource can allocate.
                throw new InvalidInputException($"{source}: more than {Count} lines");
            }

            string[] fields = text.Split(',');
            if (fields.Length != InputWidth + 1)
            {
                throw new InvalidInputException($"{source} line {line}: expected {InputWidth + 1} comma-separated fields, found {fields.Length}");
            }

            for (int k = 0; k <= InputWidth; k++)
            {
                int max = k < InputWidth ? MaxPixel : Classes - 1;
                string what = k < InputWidth ? $"pixel {k}" : "label";
                if (!int.TryParse(fields[k], NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v > max)
                {
                    throw new InvalidInputException($"{source} line {line} {what}: expected an integer in 0..{max}, found '{fields[k]}'");
                }

                if (k < InputWidth)
                {
                    inputs.Add(v / (double)MaxPixel);
                }
                else
                {
                    labels.Add(v);
                }
            }
        }

        var targets = new double[labels.Count * Classes];
        for (int r = 0; r < labels.Count; r++)
        {
            targets[(r * Classes) + labels[r]] = 1.0;
        }

        return new DataSet(Name, labels.Count, InputWidth, Classes, [.. inputs], targets, [.. labels]);
    }

    private static Stream OpenResource() =>
        typeof(Digits).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"the engine was built without its embedded resource {ResourceName}");
}
