using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Cli.Commands;

/// <summary>
/// The one rule for output paths (<c>train --save</c>, <c>reproduce --out</c>), checked before any work so a long
/// run never ends in an I/O error: the output itself is created, the directory it goes into must already exist
/// (docs/decisions.md, "Missing parent directories of outputs"). Only the default <c>results/</c> directory,
/// which the user did not type, is created with its parent.
/// </summary>
internal static class OutputPath
{
    /// <summary>
    /// Checks that a file of about <paramref name="expectedBytes"/> can be written atomically at <paramref name="path"/>:
    /// creates the temporary file next to it, reserves the space, removes it (<see cref="AtomicFile.CheckWritable"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">The path is empty, a directory, in a missing directory, not writable, or the disk lacks the space.</exception>
    public static void CheckFile(string path, long expectedBytes) => AtomicFile.CheckWritable(path, expectedBytes);

    /// <summary>
    /// Creates the output directory <paramref name="dir"/> if it is missing (its parent must exist unless
    /// <paramref name="createParents"/>) and checks that files can be written in it. Returns whether it was
    /// created, so that a run that fails before writing anything can remove it again (<see cref="RemoveIfEmpty"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">The path is empty or a file, its parent is missing or a file, or it cannot be created or written.</exception>
    public static bool PrepareDirectory(string option, string dir, bool createParents)
    {
        if (dir.Length == 0)
        {
            throw new InvalidInputException($"{option} '': the path is empty");
        }

        string full = Path.GetFullPath(dir);
        if (File.Exists(full))
        {
            throw new InvalidInputException($"{option} '{dir}': is a file, expected a directory");
        }

        bool created = !Directory.Exists(full);
        if (created)
        {
            string? parent = Path.GetDirectoryName(full);
            if (!createParents && parent is not null && !Directory.Exists(parent))
            {
                throw new InvalidInputException($"{option} '{dir}': {AtomicFile.MissingDirectoryReason(parent)} (output directories are created, their parents are not)");
            }

            AtomicFile.EnsureDirectory(full);
        }

        try
        {
            AtomicFile.CheckWritable(Path.Combine(full, "report.md"), 0);
        }
        catch (InvalidInputException)
        {
            if (created)
            {
                RemoveIfEmpty(full);
            }

            throw;
        }

        return created;
    }

    /// <summary>Removes <paramref name="dir"/> if it exists and is empty; a failure to remove it is not an error.</summary>
    public static void RemoveIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run's own error is what the user needs to see; an empty directory is harmless.
        }
    }
}
