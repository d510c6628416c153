using System.Security.Cryptography;
using System.Text;

namespace PcVerify.Engine.Data;

/// <summary>
/// Writes output files atomically: the content goes to a temporary file in the target's own directory
/// (<c>.{name}.{random}.tmp</c>), is flushed to disk, and is then renamed over the target. A reader therefore
/// sees either the old file or the complete new one, never a half-written file, and a failed write leaves
/// neither a partial target nor a temporary file behind.
/// </summary>
/// <remarks>
/// The rename is atomic because source and target are in the same directory (same file system). A missing
/// parent directory is an error rather than something created silently: a typo in an output path should
/// not scatter directories around; callers that do want it call <see cref="EnsureDirectory"/> first.
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> atomically with the bytes that <paramref name="write"/> puts into the
    /// stream it is given.
    /// </summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="write">Writes the content. If it throws, the temporary file is deleted and the exception
    /// propagates unchanged; the target is left as it was.</param>
    /// <exception cref="InvalidInputException">The directory does not exist, the path is a directory, or the
    /// file cannot be created, flushed or renamed; the message is
    /// <c>cannot write output file '&lt;path&gt;': &lt;reason&gt;</c>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);

        string full = FullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || Path.GetFileName(full).Length == 0)
        {
            throw Fail(path, "the path does not name a file");
        }

        if (!Directory.Exists(directory))
        {
            throw Fail(path, $"directory '{directory}' does not exist");
        }

        if (Directory.Exists(full))
        {
            throw Fail(path, "the path is an existing directory");
        }

        // The random part only has to make concurrent writers' temporary names distinct; it is not a seeded
        // quantity, so the project's reproducible Rng is not the right tool here.
        string tmp = Path.Combine(
            directory,
            $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");

        FileStream stream;
        try
        {
            stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(path, e.Message, e);
        }

        try
        {
            using (stream)
            {
                write(stream);
                try
                {
                    stream.Flush(flushToDisk: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw Fail(path, e.Message, e);
                }
            }

            try
            {
                File.Move(tmp, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(path, e.Message, e);
            }
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically as UTF-8 without a byte-order mark.</summary>
    /// <exception cref="InvalidInputException">As for <see cref="Write"/>.</exception>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Creates <paramref name="directory"/> and its parents if they do not exist.</summary>
    /// <exception cref="InvalidInputException">The directory cannot be created (the message names it and the reason).</exception>
    public static void EnsureDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException($"cannot create output directory '{directory}': {e.Message}", e);
        }
    }

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Fail(path, e.Message, e);
        }
    }

    private static InvalidInputException Fail(string path, string reason, Exception? inner = null)
    {
        string message = $"cannot write output file '{path}': {OneLine(reason)}";
        return inner is null ? new InvalidInputException(message) : new InvalidInputException(message, inner);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static void TryDelete(string tmp)
    {
        try
        {
            File.Delete(tmp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original exception is the one the caller needs to see; a leftover temporary file is
            // named with a leading dot and a .tmp suffix, so it is recognisable and harmless.
        }
    }
}
