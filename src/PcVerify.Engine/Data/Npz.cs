using System.IO.Compression;

namespace PcVerify.Engine.Data;

/// <summary>
/// Reads and writes numpy's <c>.npz</c> archives: a zip file with one <c>{key}.npy</c> entry per array, as
/// written by <c>np.savez</c> (stored) and <c>np.savez_compressed</c> (deflated).
/// </summary>
public static class Npz
{
    // Zip entries carry a timestamp; a fixed one makes the same arrays produce the same bytes.
    private static readonly DateTimeOffset FixedTimestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Reads every array of the archive at <paramref name="path"/>, keyed by entry name without the
    /// <c>.npy</c> suffix. Readers that need only some keys use <see cref="NpzReader"/>, which reads nothing else.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is missing, is not a zip archive, holds an entry that
    /// is not a <c>.npy</c> file (or two entries with the same key), an entry is corrupt (CRC-32, sizes) or not
    /// a valid <c>.npy</c>, or the arrays together exceed the memory limit; the message names the file (and
    /// the entry).</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        using NpzReader npz = NpzReader.Open(path);
        npz.RequireMemory(npz.Keys.Select(k => (k, npz.Header(k))));
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (string key in npz.Keys)
        {
            arrays[key] = npz.Read(key);
        }

        return arrays;
    }

    /// <summary>
    /// Writes <paramref name="arrays"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>),
    /// one deflated <c>{key}.npy</c> entry per array in ordinal key order, every array with element type
    /// <paramref name="dtype"/>. Entries carry a fixed timestamp so equal inputs give equal files.
    /// </summary>
    /// <exception cref="InvalidInputException">The file cannot be written, a key is empty, or a value cannot
    /// be represented in <paramref name="dtype"/>.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, NpyArray> arrays, NpyDType dtype) =>
        Write(path, arrays, _ => dtype);

    /// <summary>As <see cref="Write(string, IReadOnlyDictionary{string, NpyArray}, NpyDType)"/> with a type chosen per key.</summary>
    internal static void Write(string path, IReadOnlyDictionary<string, NpyArray> arrays, Func<string, NpyDType> dtypeOf)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arrays);
        foreach (string key in arrays.Keys)
        {
            if (key.Length == 0)
            {
                throw new InvalidInputException($"NPZ file '{path}': array keys must be non-empty");
            }
        }

        string[] keys = [.. arrays.Keys.Order(StringComparer.Ordinal)];
        AtomicFile.Write(path, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (string key in keys)
            {
                ZipArchiveEntry entry = archive.CreateEntry(key + ".npy", CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTimestamp;
                using Stream entryStream = entry.Open();
                Npy.Write(entryStream, arrays[key], dtypeOf(key));
            }
        });
    }
}
