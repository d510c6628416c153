namespace PcVerify.Engine.Data;

/// <summary>
/// The error for an input path that cannot be opened, saying why: a file path that names a directory, a path whose
/// parent is a file, or a path that does not exist (instead of "not found" for all three).
/// </summary>
public static class InputFile
{
    /// <summary>The error for <paramref name="path"/>, which should be an existing file (<paramref name="kind"/>, e.g. "NPZ file").</summary>
    public static InvalidInputException NotAFile(string kind, string path)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return new InvalidInputException($"{kind} '{path}': is a directory, expected a file");
        }

        return FileAncestor(path) is string file
            ? new InvalidInputException($"{kind} '{path}' not found: '{file}' is a file, not a directory")
            : new InvalidInputException($"{kind} '{path}' not found");
    }

    /// <summary>The error for <paramref name="path"/>, which should be an existing directory (<paramref name="kind"/>, e.g. "data directory").</summary>
    public static InvalidInputException NotADirectory(string kind, string path)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            return new InvalidInputException($"{kind} '{path}': is a file, expected a directory");
        }

        return FileAncestor(path) is string file
            ? new InvalidInputException($"{kind} '{path}' does not exist: '{file}' is a file, not a directory")
            : new InvalidInputException($"{kind} '{path}' does not exist");
    }

    /// <summary>The nearest parent directory of <paramref name="path"/> that is in fact a file, if any.</summary>
    internal static string? FileAncestor(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }

        for (string? d = Path.GetDirectoryName(full); d is not null; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(d))
            {
                return d;
            }
        }

        return null;
    }
}
