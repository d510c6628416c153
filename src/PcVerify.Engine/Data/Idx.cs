using System.Buffers.Binary;
using System.IO.Compression;
using PcVerify.Engine.Resources;

namespace PcVerify.Engine.Data;

/// <summary>
/// Reads IDX files in the layout of MNIST and Fashion-MNIST (LeCun et al.), raw or gzip-compressed.
/// </summary>
/// <remarks>
/// Layout: a big-endian 32-bit magic number <c>0x000008DD</c> where <c>08</c> means unsigned bytes and
/// <c>DD</c> the number of dimensions, then one big-endian 32-bit size per dimension, then the body of
/// unsigned bytes in row-major order. Images use <c>0x00000803</c> (count, rows, columns), labels
/// <c>0x00000801</c> (count). Compression is detected from the gzip magic bytes <c>1F 8B</c>, never from the
/// file name. The body must have exactly the size the header announces.
/// </remarks>
public static class Idx
{
    /// <summary>The magic number of an image file (unsigned bytes, 3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of a label file (unsigned bytes, 1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The number of classes of MNIST and Fashion-MNIST; targets are one-hot of this width.</summary>
    public const int Classes = 10;

    /// <summary>
    /// Reads an image file. Pixels are scaled to [0, 1] as <c>byte / 255.0</c>.
    /// </summary>
    /// <returns>The image count, rows, columns, and <c>Count × Rows × Cols</c> pixels, image-major then row-major.</returns>
    /// <exception cref="InvalidInputException">The file is missing or unreadable, the magic number is wrong,
    /// the body is shorter or longer than the header announces, or the pixels exceed the memory limit.</exception>
    public static (int Count, int Rows, int Cols, double[] Pixels) ReadImages(string path)
    {
        // Each byte becomes a double: the body plus eight bytes per pixel.
        var (dims, body) = Read(path, ImagesMagic, "an image", 3, bytesPerElement: 1 + sizeof(double));
        var pixels = new double[body.Length];
        for (int k = 0; k < body.Length; k++)
        {
            pixels[k] = body[k] / 255.0;
        }

        return (dims[0], dims[1], dims[2], pixels);
    }

    /// <summary>Reads a label file.</summary>
    /// <returns>One byte per label.</returns>
    /// <exception cref="InvalidInputException">The file is missing or unreadable, the magic number is wrong,
    /// the body is shorter or longer than the header announces, or it exceeds the memory limit.</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, "a label", 1, bytesPerElement: 1).Body;

    /// <summary>
    /// Loads an image file and its label file as a data set: inputs are the flattened images
    /// (width <c>rows·cols</c>), targets are one-hot over <see cref="Classes"/> classes, and
    /// <see cref="DataSet.Labels"/> holds the labels.
    /// </summary>
    /// <exception cref="InvalidInputException">Either file is invalid, the image file holds no images, the image and label counts differ,
    /// or a label is not in [0, 10).</exception>
    public static DataSet LoadPair(string imagesPath, string labelsPath, string name)
    {
        var (count, rows, cols, pixels) = ReadImages(imagesPath);
        if (count == 0)
        {
            throw new InvalidInputException($"IDX file '{imagesPath}': holds 0 images; expected at least one");
        }

        byte[] labelBytes = ReadLabels(labelsPath);
        if (labelBytes.Length != count)
        {
            throw new InvalidInputException(
                $"data set '{name}': '{imagesPath}' has {count} images but '{labelsPath}' has {labelBytes.Length} labels; expected equal counts");
        }

        if ((long)rows * cols == 0)
        {
            throw new InvalidInputException(
                $"data set '{name}': '{imagesPath}' has images of {rows}x{cols} pixels; expected at least one pixel");
        }

        var labels = new int[count];
        var targets = new double[(long)count * Classes];
        for (int r = 0; r < count; r++)
        {
            int label = labelBytes[r];
            if (label >= Classes)
            {
                throw new InvalidInputException(
                    $"'{labelsPath}': label {r}: expected a class in [0, {Classes}), found {label}");
            }

            labels[r] = label;
            targets[((long)r * Classes) + label] = 1.0;
        }

        return new DataSet(name, count, rows * cols, Classes, pixels, targets, labels);
    }

    /// <summary>
    /// Loads <c>{prefix}-images-idx3-ubyte</c> and <c>{prefix}-labels-idx1-ubyte</c> from
    /// <paramref name="directory"/>, each either raw or with a <c>.gz</c> suffix (the raw file is preferred
    /// when both exist). The data set is named <c>"{directory name}-train"</c> or <c>"{directory name}-test"</c>.
    /// </summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <param name="prefix"><c>"train"</c> or <c>"t10k"</c>.</param>
    /// <exception cref="InvalidInputException">The prefix is not one of the two, a file is absent (both
    /// candidate names are given), or the files are invalid.</exception>
    public static DataSet LoadDirectory(string directory, string prefix)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix is not ("train" or "t10k"))
        {
            throw new InvalidInputException($"IDX prefix: expected 'train' or 't10k', found '{prefix}'");
        }

        string images = FindFile(directory, $"{prefix}-images-idx3-ubyte")
            ?? throw Missing(directory, $"{prefix}-images-idx3-ubyte");
        string labels = FindFile(directory, $"{prefix}-labels-idx1-ubyte")
            ?? throw Missing(directory, $"{prefix}-labels-idx1-ubyte");
        string set = prefix == "train" ? "train" : "test";
        return LoadPair(images, labels, $"{DirectoryName(directory)}-{set}");
    }

    /// <summary>
    /// Loads an MNIST-layout directory: the test set (<c>t10k-*</c>) is required; the training set
    /// (<c>train-*</c>) is returned as null when neither of its two files is present.
    /// </summary>
    /// <exception cref="InvalidInputException">The directory does not exist, a test file is absent, exactly
    /// one of the two training files is present, or a file is invalid.</exception>
    public static (DataSet? Train, DataSet Test) LoadMnistDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw InputFile.NotADirectory("data directory", directory);
        }

        DataSet test = LoadDirectory(directory, "t10k");
        bool hasTrainImages = FindFile(directory, "train-images-idx3-ubyte") is not null;
        bool hasTrainLabels = FindFile(directory, "train-labels-idx1-ubyte") is not null;
        if (!hasTrainImages && !hasTrainLabels)
        {
            return (null, test);
        }

        return (LoadDirectory(directory, "train"), test);
    }

    private static string? FindFile(string directory, string baseName)
    {
        string raw = Path.Combine(directory, baseName);
        if (File.Exists(raw))
        {
            return raw;
        }

        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    private static InvalidInputException Missing(string directory, string baseName) =>
        new($"data directory '{directory}': file '{baseName}' or '{baseName}.gz' not found");

    private static string DirectoryName(string directory)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return name.Length == 0 ? "idx" : name;
    }

    /// <summary>
    /// Reads the header and the body of an IDX file, raw or gzip-compressed, checking the header before the
    /// body is read: the announced size must match the file (raw) or be producible from it (gzip), and fit
    /// the <see cref="MemoryBudget"/> at <paramref name="bytesPerElement"/> bytes per element. Decompression
    /// is streamed and stops one byte past the announced size.
    /// </summary>
    private static (int[] Dims, byte[] Body) Read(string path, int magic, string kind, int rank, int bytesPerElement)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw InputFile.NotAFile("IDX file", path);
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            long fileLength = file.Length;
            Span<byte> gzipMagic = stackalloc byte[2];
            bool gzip = ReadAtMost(file, gzipMagic) == 2 && gzipMagic[0] == 0x1F && gzipMagic[1] == 0x8B;
            file.Position = 0;
            using Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;

            int headerLength = 4 + (4 * rank);
            byte[] header = new byte[headerLength];
            int got = ReadAtMost(input, header.AsSpan(0, 4));
            if (got < 4)
            {
                throw new InvalidInputException($"IDX file '{path}': expected at least 4 bytes for the magic number, found {got}");
            }

            int found = BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': wrong magic number for {kind} file: expected 0x{magic:X8}, found 0x{found:X8}");
            }

            got = ReadAtMost(input, header.AsSpan(4));
            if (got < headerLength - 4)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': truncated header: expected {headerLength} bytes, found {4 + got}");
            }

            var dims = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++)
            {
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + (4 * d)));
                if (dims[d] < 0)
                {
                    throw new InvalidInputException(
                        $"IDX file '{path}': dimension {d}: expected a size >= 0, found {(uint)dims[d]} (exceeds 2^31 - 1)");
                }

                // Three factors below 2^31 can exceed 2^63; past Array.MaxLength the value no longer matters.
                size = Math.Min(size * dims[d], (long)Array.MaxLength + 1);
            }

            string shape = string.Join(" x ", dims);
            if (size > Array.MaxLength - headerLength)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': header announces {(size > Array.MaxLength ? $"more than {Array.MaxLength}" : size)} body bytes ({shape}), more than this reader supports ({Array.MaxLength - headerLength})");
            }

            if (!gzip && fileLength - headerLength != size)
            {
                long body = fileLength - headerLength;
                string problem = body < size ? "truncated body" : "trailing bytes after the body";
                throw new InvalidInputException(
                    $"IDX file '{path}': {problem}: expected {size} bytes ({shape}), found {body}");
            }

            if (gzip && size + headerLength > MaxDeflateRatio * fileLength)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': header announces {size} body bytes ({shape}), more than {fileLength} bytes of gzip data can hold (deflate expands at most {MaxDeflateRatio}:1)");
            }

            MemoryBudget.Require(checked(size * bytesPerElement), $"IDX file '{path}': {kind} file of {shape}");
            byte[] bodyBytes = new byte[size];
            got = ReadAtMost(input, bodyBytes);
            if (got < size)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': truncated body: expected {size} bytes ({shape}), found {got}");
            }

            Span<byte> probe = stackalloc byte[1];
            if (input.Read(probe) != 0)
            {
                throw new InvalidInputException(
                    $"IDX file '{path}': trailing bytes after the body: expected {size} bytes ({shape}), found more");
            }

            return (dims, bodyBytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException(
                $"IDX file '{path}': corrupt gzip data: the compressed stream is damaged or fails its CRC-32 check", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"IDX file '{path}': cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    // Deflate codes at most 258 bytes in 2 bits, so c bytes of gzip data decompress to at most 1032·c bytes.
    private const long MaxDeflateRatio = 1032;

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
