using PcVerify.Engine.Resources;

namespace PcVerify.Engine.Data;

/// <summary>
/// An open <c>.npz</c> archive whose arrays are read one at a time and only on request, so that a caller
/// checks keys and shapes (from the few header bytes of each entry) before any data is decompressed, and
/// never decompresses an entry it ignores.
/// </summary>
/// <remarks>
/// Every entry read is checked as numpy's reader would and more: its uncompressed size must be exactly the
/// <c>.npy</c> preamble plus the data the header announces (before anything is allocated from the shape), the
/// decompressed output is capped at that size, and its CRC-32 must match. Entries are read one at a time.
/// </remarks>
internal sealed class NpzReader : IDisposable
{
    private readonly ZipReader _zip;
    private readonly Dictionary<string, ZipEntryInfo> _entries;

    private NpzReader(string path, ZipReader zip, Dictionary<string, ZipEntryInfo> entries)
    {
        Path = path;
        _zip = zip;
        _entries = entries;
        Keys = [.. entries.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The archive's path, as given.</summary>
    public string Path { get; }

    /// <summary>The array keys (entry names without <c>.npy</c>) in ordinal order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The keys as a message lists them: <c>a, b</c>, or <c>none</c>.</summary>
    public string KeyList => Keys.Count == 0 ? "none" : string.Join(", ", Keys);

    /// <summary>Opens the archive and reads its central directory (no entry data).</summary>
    /// <exception cref="InvalidInputException">The file is missing or is not a zip archive, an entry's name
    /// does not end in <c>.npy</c>, or two entries have the same key.</exception>
    public static NpzReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw InputFile.NotAFile("NPZ file", path);
        }

        ZipReader zip = ZipReader.Open(path, $"NPZ file '{path}'");
        try
        {
            var entries = new Dictionary<string, ZipEntryInfo>(StringComparer.Ordinal);
            foreach (ZipEntryInfo entry in zip.Entries)
            {
                if (!entry.Name.EndsWith(".npy", StringComparison.Ordinal))
                {
                    throw new InvalidInputException(
                        $"NPZ file '{path}': entry '{entry.Name}': expected a name ending in .npy");
                }

                string key = entry.Name[..^4];
                if (!entries.TryAdd(key, entry))
                {
                    throw new InvalidInputException($"NPZ file '{path}': key '{key}' appears twice");
                }
            }

            return new NpzReader(path, zip, entries);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>Whether the archive has an array named <paramref name="key"/>.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>
    /// The element type and shape of <paramref name="key"/>, read from its preamble only, after checking that
    /// the entry holds exactly the data the shape announces.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such key (callers check <see cref="Contains"/>).</exception>
    /// <exception cref="InvalidInputException">The preamble is malformed or the entry's size does not match the shape.</exception>
    public NpyHeader Header(string key)
    {
        using Stream stream = Open(key, out ZipEntryInfo entry, out string source);
        return ReadCheckedHeader(stream, entry, source);
    }

    /// <summary>Reads the array <paramref name="key"/>: header, size check, memory check, data, CRC-32.</summary>
    /// <exception cref="KeyNotFoundException">There is no such key.</exception>
    /// <exception cref="InvalidInputException">The entry is corrupt, its sizes are inconsistent, or the array
    /// exceeds the memory limit.</exception>
    public NpyArray Read(string key)
    {
        using Stream stream = Open(key, out ZipEntryInfo entry, out string source);
        NpyHeader header = ReadCheckedHeader(stream, entry, source);
        // A stored entry's bytes are in the file (checked), so its array is allocated at once; a deflated one
        // may stop short of the size it announces, so its array grows with the data actually decompressed.
        double[] data = Npy.ReadData(stream, header, source, lengthKnown: entry.Method == 0);
        return new NpyArray(header.Shape, data, header.DType);
    }

    /// <summary>Refuses, before reading, arrays whose decoded size together exceeds the memory limit.</summary>
    /// <exception cref="InvalidInputException">The sum of 8 bytes per element exceeds <see cref="MemoryBudget.LimitBytes"/>.</exception>
    public void RequireMemory(IEnumerable<(string Key, NpyHeader Header)> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        long total = 0;
        List<string> parts = [];
        foreach (var (key, header) in arrays)
        {
            total = checked(total + (header.Count * sizeof(double)));
            parts.Add($"'{key}' {NpyArray.FormatShape(header.Shape)}");
        }

        MemoryBudget.Require(total, $"NPZ file '{Path}': {string.Join(", ", parts)} (read as float64)");
    }

    /// <inheritdoc />
    public void Dispose() => _zip.Dispose();

    private Stream Open(string key, out ZipEntryInfo entry, out string source)
    {
        entry = _entries[key];
        source = $"{Path}:{entry.Name}";
        return _zip.OpenEntry(entry);
    }

    private static NpyHeader ReadCheckedHeader(Stream stream, ZipEntryInfo entry, string source)
    {
        NpyHeader header = Npy.ReadHeader(stream, source, entry.Size);
        long holds = entry.Size - header.PreambleBytes;
        if (header.DataBytes != holds)
        {
            string problem = header.DataBytes > holds ? "truncated" : "trailing bytes after the data";
            throw new InvalidInputException(
                $"'{source}': {problem}: {header.Describe()} needs {header.DataBytes} bytes, the entry holds {holds} after its {header.PreambleBytes}-byte preamble");
        }

        return header;
    }
}
