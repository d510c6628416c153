using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace PcVerify.Engine.Data;

/// <summary>
/// Writes output files atomically: the content goes to a temporary file in the target's own directory
/// (<c>.{name}.{pid}.{random}.tmp</c>), is flushed to disk, and is then renamed over the target. A reader therefore
/// sees either the old file or the complete new one, never a half-written file, and a failed write leaves
/// neither a partial target nor a temporary file behind.
/// </summary>
/// <remarks>
/// <para>The rename is atomic because source and target are in the same directory (same file system). A missing
/// parent directory is an error rather than something created silently: a typo in an output path should
/// not scatter directories around; callers that do want it call <see cref="EnsureDirectory"/> first
/// (docs/decisions.md, "Missing parent directories of outputs").</para>
/// <para>Temporary files do not outlive their writer: SIGINT and SIGTERM delete the temporary files being
/// written before the process ends, and a temporary file left by a writer that was killed outright (SIGKILL,
/// power loss) is removed by the next write of the same target once no process with the PID in its name exists.
/// A live writer's temporary file is never touched, so concurrent writers of one target stay safe.</para>
/// </remarks>
public static class AtomicFile
{
    private const string TmpSuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> atomically with the bytes that <paramref name="write"/> puts into the
    /// stream it is given.
    /// </summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="write">Writes the content. If it throws, the temporary file is deleted and the exception
    /// propagates unchanged (an <see cref="IOException"/>, such as a full disk, becomes the
    /// <see cref="InvalidInputException"/> below); the target is left as it was.</param>
    /// <exception cref="InvalidInputException">The directory does not exist, the path is a directory, or the
    /// file cannot be created, written, flushed or renamed; the message is
    /// <c>cannot write output file '&lt;path&gt;': &lt;reason&gt;</c>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        (string full, string tmp) = Prepare(path);
        FileStream stream = Create(path, full, tmp, preallocate: 0);
        try
        {
            using (stream)
            {
                try
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw Fail(path, Reason(e, tmp, full), e);
                }
            }

            try
            {
                File.Move(tmp, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(path, Reason(e, tmp, full), e);
            }
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        finally
        {
            InFlight.Remove(tmp);
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

    /// <summary>
    /// Checks, before any long work, that <see cref="Write"/> of about <paramref name="expectedBytes"/> bytes to
    /// <paramref name="path"/> can succeed: it creates the temporary file <see cref="Write"/> would create, reserves
    /// <paramref name="expectedBytes"/> on the disk for it (so a full disk is found now, not after training), and
    /// removes it again. The target itself is not touched.
    /// </summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="expectedBytes">The size the file will have, or an upper bound; 0 checks only that it can be created.</param>
    /// <exception cref="InvalidInputException">As for <see cref="Write"/>, or the space cannot be reserved.</exception>
    public static void CheckWritable(string path, long expectedBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedBytes);
        (string full, string tmp) = Prepare(path);
        try
        {
            Create(path, full, tmp, expectedBytes).Dispose();
        }
        finally
        {
            TryDelete(tmp);
            InFlight.Remove(tmp);
        }
    }

    /// <summary>Creates <paramref name="directory"/> and its parents if they do not exist.</summary>
    /// <exception cref="InvalidInputException">The directory cannot be created (the message names it and the reason).</exception>
    public static void EnsureDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (directory.Length == 0)
        {
            throw new InvalidInputException("cannot create output directory '': the path is empty");
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException($"cannot create output directory '{directory}': {OneLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// Deletes temporary files of <paramref name="full"/> (<c>.{name}.{pid}.{random}.tmp</c>) whose writer, the
    /// process with that PID, no longer exists. Called by every write.
    /// </summary>
    /// <remarks>
    /// A PID may be reused by an unrelated process; its temporary file is then kept until that process ends too.
    /// Keeping a stale file a while is harmless, deleting a live writer's file would not be.
    /// </remarks>
    private static void RemoveStaleTemporaryFiles(string full)
    {
        string directory = Path.GetDirectoryName(full)!;
        string prefix = "." + Path.GetFileName(full) + ".";
        try
        {
            foreach (string candidate in Directory.EnumerateFiles(directory, prefix + "*" + TmpSuffix))
            {
                if (WriterPid(Path.GetFileName(candidate), prefix) is int pid && !ProcessExists(pid))
                {
                    TryDelete(candidate);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable directory will fail the write itself with a message that names it.
        }
    }

    /// <summary>The name of a new temporary file for <paramref name="fullPath"/>: <c>.{name}.{pid}.{12 hex digits}.tmp</c>.</summary>
    private static string TemporaryPath(string fullPath, int pid) =>
        Path.Combine(
            Path.GetDirectoryName(fullPath)!,
            // The random part only has to make one process's concurrent temporary names distinct; it is not a
            // seeded quantity, so the project's reproducible Rng is not the right tool here.
            $".{Path.GetFileName(fullPath)}.{pid.ToString(CultureInfo.InvariantCulture)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{TmpSuffix}");

    private static int? WriterPid(string fileName, string prefix)
    {
        // Exactly {prefix}{decimal pid}.{12 hex digits}.tmp; anything else is not ours and is left alone.
        string middle = fileName[prefix.Length..^TmpSuffix.Length];
        int dot = middle.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || middle.Length - dot - 1 != 12 || !middle[(dot + 1)..].All(char.IsAsciiHexDigitLower)
            || !middle[..dot].All(char.IsAsciiDigit)
            || !int.TryParse(middle.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
        {
            return null;
        }

        return pid;
    }

    private static bool ProcessExists(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using Process p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true; // cannot tell: keep the file
        }
    }

    private static (string Full, string Tmp) Prepare(string path)
    {
        if (path.Length == 0)
        {
            throw Fail(path, "the path is empty");
        }

        string full = FullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || Path.GetFileName(full).Length == 0)
        {
            throw Fail(path, "the path does not name a file");
        }

        if (!Directory.Exists(directory))
        {
            throw Fail(path, MissingDirectoryReason(directory));
        }

        if (Directory.Exists(full))
        {
            throw Fail(path, "the path is an existing directory");
        }

        RemoveStaleTemporaryFiles(full);
        return (full, TemporaryPath(full, Environment.ProcessId));
    }

    /// <summary>
    /// Why the missing directory <paramref name="directory"/> cannot hold a file, for an error message: it does not
    /// exist, or it or one of its parents is a file.
    /// </summary>
    public static string MissingDirectoryReason(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (File.Exists(directory))
        {
            return $"'{directory}' is a file, not a directory";
        }

        return InputFile.FileAncestor(directory) is string file
            ? $"'{file}' (a parent of '{directory}') is a file, not a directory"
            : $"directory '{directory}' does not exist";
    }

    private static FileStream Create(string path, string full, string tmp, long preallocate)
    {
        InFlight.Add(tmp);
        try
        {
            return new FileStream(tmp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                // Delete lets the signal handler remove the file while it is open (Windows); POSIX allows it anyway.
                Share = FileShare.Delete,
                PreallocationSize = preallocate,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            InFlight.Remove(tmp);
            throw Fail(path, Reason(e, tmp, full), e);
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

    /// <summary>The system's reason, with the temporary file's name replaced by the target's: the user named the target.</summary>
    private static string Reason(Exception e, string tmp, string full) => e.Message.Replace(tmp, full, StringComparison.Ordinal);

    private static InvalidInputException Fail(string path, string reason, Exception? inner = null)
    {
        string message = $"cannot write output file '{path}': {OneLine(reason)}";
        return inner is null ? new InvalidInputException(message) : new InvalidInputException(message, inner);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original exception is the one the caller needs to see; a leftover temporary file carries its
            // writer's PID, so the next write of the same target removes it.
        }
    }

    /// <summary>
    /// The temporary files this process is writing, deleted on SIGINT or SIGTERM before the process ends (the
    /// signal's default action is kept: the handler does not cancel it).
    /// </summary>
    private static class InFlight
    {
        private static readonly ConcurrentDictionary<string, byte> Files = new(StringComparer.Ordinal);

        // Registered on first use and kept for the life of the process (disposing would unregister them).
        private static readonly PosixSignalRegistration[] Registrations = Register();

        public static void Add(string tmp)
        {
            _ = Registrations;
            Files[tmp] = 0;
        }

        public static void Remove(string tmp) => Files.TryRemove(tmp, out _);

        private static PosixSignalRegistration[] Register()
        {
            List<PosixSignalRegistration> list = [];
            foreach (PosixSignal signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            {
                try
                {
                    list.Add(PosixSignalRegistration.Create(signal, _ => DeleteAll()));
                }
                catch (Exception e) when (e is PlatformNotSupportedException or IOException)
                {
                    // Without the handler a signal may leave a temporary file; the next write removes it.
                }
            }

            return [.. list];
        }

        private static void DeleteAll()
        {
            foreach (string tmp in Files.Keys)
            {
                TryDelete(tmp);
            }
        }
    }
}
