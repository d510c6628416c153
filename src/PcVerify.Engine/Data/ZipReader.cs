using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using PcVerify.Engine.Resources;

namespace PcVerify.Engine.Data;

/// <summary>One entry as the zip file's central directory describes it.</summary>
/// <param name="Name">The entry's name (UTF-8 when flag bit 11 is set, otherwise bytes below 0x80 as ASCII and the rest as Latin-1).</param>
/// <param name="Flags">The general-purpose flag bits.</param>
/// <param name="Method">The compression method (0 stored, 8 deflated).</param>
/// <param name="Crc32">The CRC-32 of the uncompressed data.</param>
/// <param name="CompressedSize">Bytes of compressed data.</param>
/// <param name="Size">Bytes of uncompressed data.</param>
/// <param name="HeaderOffset">Where the entry's local header starts in the file (already shifted by any bytes prepended to the archive).</param>
internal sealed record ZipEntryInfo(string Name, int Flags, int Method, uint Crc32, long CompressedSize, long Size, long HeaderOffset);

/// <summary>
/// A minimal reader of zip archives (PKWARE APPNOTE 6.3) that accepts the archives Python's <c>zipfile</c>
/// accepts, which is how numpy reads <c>.npz</c> files, and checks what <c>zipfile</c> checks when an entry
/// is read: the local header's signature and name, and the CRC-32 of the data.
/// </summary>
/// <remarks>
/// <para>Opening reads only the end-of-central-directory record (searched for as <c>zipfile</c> does: first as
/// the last 22 bytes, then backwards through a comment of up to 64 KiB), the zip64 locator and record when
/// present, and the central directory, walked by its size. The entry count in the end record is ignored, as
/// <c>zipfile</c> ignores it, and bytes prepended to the archive are tolerated by the same offset correction.</para>
/// <para>Reading an entry streams it: the output is capped at the central directory's uncompressed size, the
/// CRC-32 is checked when that size is reached, and an entry whose data is shorter, or longer, than that size
/// is refused. Where <c>zipfile</c> is lenient about such a mismatch (it truncates silently), this reader is
/// not; it supports the two methods numpy writes (stored and deflated) and refuses the others by name.</para>
/// </remarks>
internal sealed class ZipReader : IDisposable
{
    // Deflate codes at most 258 bytes in 2 bits (a 1-bit length code and a 1-bit distance code), so no
    // deflate stream of c bytes produces more than 1032·c bytes; an entry claiming more cannot be genuine.
    private const long MaxDeflateRatio = 1032;

    private const uint LocalHeaderSignature = 0x04034B50;
    private const uint CentralHeaderSignature = 0x02014B50;
    private const uint EndSignature = 0x06054B50;
    private const uint Zip64EndSignature = 0x06064B50;
    private const uint Zip64LocatorSignature = 0x07064B50;
    private const int EndLength = 22;
    private const int Zip64EndLength = 56;
    private const int Zip64LocatorLength = 20;
    private const int CentralHeaderLength = 46;
    private const int LocalHeaderLength = 30;
    private const int MaxExtractVersion = 63;

    private static ReadOnlySpan<byte> EndMagic => [0x50, 0x4B, 0x05, 0x06];

    private readonly FileStream _file;
    private readonly string _what;

    private ZipReader(FileStream file, string what, IReadOnlyList<ZipEntryInfo> entries)
    {
        _file = file;
        _what = what;
        Entries = entries;
    }

    /// <summary>The entries in central-directory order.</summary>
    public IReadOnlyList<ZipEntryInfo> Entries { get; }

    /// <summary>Opens <paramref name="path"/> and reads its central directory.</summary>
    /// <param name="path">The archive.</param>
    /// <param name="what">How messages name the file, e.g. <c>NPZ file 'd.npz'</c>.</param>
    /// <exception cref="InvalidInputException">The file cannot be read or is not a zip archive <c>zipfile</c> would open.</exception>
    public static ZipReader Open(string path, string what)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{what}: cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
        }

        try
        {
            return new ZipReader(file, what, ReadDirectory(file, what));
        }
        catch (IOException e)
        {
            file.Dispose();
            throw new InvalidInputException($"{what}: cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="entry"/> for reading: a stream of exactly <see cref="ZipEntryInfo.Size"/> bytes
    /// that checks the CRC-32 at its end and refuses data that is shorter or longer.
    /// </summary>
    /// <exception cref="InvalidInputException">The local header is wrong, the entry is encrypted or uses an
    /// unsupported method, its data lies outside the file, or its sizes are inconsistent.</exception>
    public Stream OpenEntry(ZipEntryInfo entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string where = $"{_what}: entry '{entry.Name}'";
        if ((entry.Flags & 0x1) != 0)
        {
            throw new InvalidInputException($"{where}: is encrypted; numpy archives are not");
        }

        if ((entry.Flags & 0x60) != 0)
        {
            throw new InvalidInputException($"{where}: uses compressed patched data or strong encryption (flag bits 5, 6), which is not supported");
        }

        if (entry.Method is not (0 or 8))
        {
            throw new InvalidInputException($"{where}: compression method {entry.Method} is not supported; expected 0 (stored) or 8 (deflated), as numpy writes");
        }

        byte[] header = new byte[LocalHeaderLength];
        if (entry.HeaderOffset > _file.Length - LocalHeaderLength)
        {
            throw new InvalidInputException($"{where}: local header at offset {entry.HeaderOffset} lies beyond the end of the file ({_file.Length} bytes)");
        }

        _file.Position = entry.HeaderOffset;
        _file.ReadExactly(header);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeaderSignature)
        {
            throw new InvalidInputException(
                $"{where}: expected a local header (signature 50 4B 03 04) at offset {entry.HeaderOffset}, found {Convert.ToHexString(header, 0, 4)}");
        }

        int localFlags = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(6));
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26));
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
        long dataStart = entry.HeaderOffset + LocalHeaderLength + nameLength + extraLength;
        if (dataStart > _file.Length)
        {
            throw new InvalidInputException($"{where}: local header runs past the end of the file");
        }

        byte[] nameBytes = new byte[nameLength];
        _file.ReadExactly(nameBytes);
        string localName = DecodeName(nameBytes, localFlags);
        if (localName != entry.Name)
        {
            throw new InvalidInputException($"{where}: the local header names it '{localName}'; expected the same name as the central directory");
        }

        if (entry.CompressedSize > _file.Length - dataStart)
        {
            throw new InvalidInputException(
                $"{where}: truncated: expected {entry.CompressedSize} bytes of compressed data at offset {dataStart}, found {_file.Length - dataStart}");
        }

        if (entry.Method == 0 && entry.CompressedSize != entry.Size)
        {
            throw new InvalidInputException(
                $"{where}: a stored entry must have equal sizes; found {entry.CompressedSize} bytes stored and {entry.Size} announced");
        }

        if (entry.Method == 8 && entry.Size > MaxDeflateRatio * (entry.CompressedSize + 1))
        {
            throw new InvalidInputException(
                $"{where}: announces {entry.Size} bytes, more than {entry.CompressedSize} bytes of deflate data can hold (at most {MaxDeflateRatio}:1)");
        }

        _file.Position = dataStart;
        Stream raw = new Window(_file, entry.CompressedSize);
        Stream data = entry.Method == 8 ? new DeflateStream(raw, CompressionMode.Decompress, leaveOpen: false) : raw;
        return new EntryStream(data, entry, where);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static List<ZipEntryInfo> ReadDirectory(FileStream file, string what)
    {
        long length = file.Length;
        if (length < EndLength)
        {
            throw new InvalidInputException($"{what}: not a zip archive: {length} bytes, too short for an end-of-central-directory record ({EndLength} bytes)");
        }

        int tailLength = (int)Math.Min(length, (1 << 16) + EndLength);
        byte[] tail = new byte[tailLength];
        file.Position = length - tailLength;
        file.ReadExactly(tail);
        int end = tailLength - EndLength;
        if (!(BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end)) == EndSignature && tail[^1] == 0 && tail[^2] == 0))
        {
            end = tail.AsSpan().LastIndexOf(EndMagic);
            if (end < 0 || end > tailLength - EndLength)
            {
                throw new InvalidInputException($"{what}: not a zip archive: no end-of-central-directory record (signature 50 4B 05 06) in the last {tailLength} bytes");
            }
        }

        long endLocation = length - tailLength + end;
        ReadOnlySpan<byte> record = tail.AsSpan(end, EndLength);
        ulong directorySize = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        ulong directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        long zip64Bytes = 0;
        if (endLocation >= Zip64LocatorLength)
        {
            byte[] locator = new byte[Zip64LocatorLength];
            file.Position = endLocation - Zip64LocatorLength;
            file.ReadExactly(locator);
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) == Zip64LocatorSignature)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(locator.AsSpan(4)) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(locator.AsSpan(16)) > 1)
                {
                    throw new InvalidInputException($"{what}: spans several disks; multi-disk archives are not supported");
                }

                long recordAt = endLocation - Zip64LocatorLength - Zip64EndLength;
                if (recordAt >= 0)
                {
                    byte[] zip64 = new byte[Zip64EndLength];
                    file.Position = recordAt;
                    file.ReadExactly(zip64);
                    if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) == Zip64EndSignature)
                    {
                        directorySize = BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(40));
                        directoryOffset = BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(48));
                        zip64Bytes = Zip64EndLength + Zip64LocatorLength;
                    }
                }
            }
        }

        // As zipfile: the directory ends where the end records begin, so a difference between the recorded
        // offset and the actual one is a count of bytes prepended to the archive, added to every offset.
        Int128 concat = (Int128)endLocation - zip64Bytes - directorySize - directoryOffset;
        Int128 start = directoryOffset + concat;
        if (start < 0)
        {
            throw new InvalidInputException(
                $"{what}: bad central directory: its recorded size {directorySize} and offset {directoryOffset} do not fit before the end record at offset {endLocation}");
        }

        // The directory lies before the end record, so it is no larger than the file; the parsed entries
        // take a few times its size.
        long size = (long)directorySize;
        if (size > Array.MaxLength)
        {
            throw new InvalidInputException($"{what}: central directory of {size} bytes; at most {Array.MaxLength} are supported");
        }

        MemoryBudget.Require(checked(size * 4), $"{what}: central directory of {size} bytes");
        byte[] directory = new byte[size];
        file.Position = (long)start;
        file.ReadExactly(directory);
        var entries = new List<ZipEntryInfo>();
        int pos = 0;
        while (pos < directory.Length)
        {
            if (directory.Length - pos < CentralHeaderLength)
            {
                throw new InvalidInputException($"{what}: truncated central directory: entry {entries.Count} has {directory.Length - pos} of {CentralHeaderLength} header bytes");
            }

            ReadOnlySpan<byte> h = directory.AsSpan(pos, CentralHeaderLength);
            if (BinaryPrimitives.ReadUInt32LittleEndian(h) != CentralHeaderSignature)
            {
                throw new InvalidInputException(
                    $"{what}: bad central directory: entry {entries.Count}: expected signature 50 4B 01 02, found {Convert.ToHexString(h[..4])}");
            }

            int extractVersion = h[6];
            int flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            ulong compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            ulong uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            ulong offset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            int recordLength = CentralHeaderLength + nameLength + extraLength + commentLength;
            if (directory.Length - pos < recordLength)
            {
                throw new InvalidInputException($"{what}: truncated central directory: entry {entries.Count} needs {recordLength} bytes, {directory.Length - pos} remain");
            }

            string name = DecodeName(directory.AsSpan(pos + CentralHeaderLength, nameLength), flags);
            if (extractVersion > MaxExtractVersion)
            {
                throw new InvalidInputException($"{what}: entry '{name}' needs zip version {extractVersion / 10}.{extractVersion % 10}; at most 6.3 is supported");
            }

            ReadZip64Extra(directory.AsSpan(pos + CentralHeaderLength + nameLength, extraLength), ref uncompressed, ref compressed, ref offset, what, name);
            Int128 headerOffset = offset + concat;
            if (headerOffset < 0)
            {
                throw new InvalidInputException(
                    $"{what}: entry '{name}': local header offset {offset} shifted by {concat} (bytes missing before the central directory) lies before the start of the file");
            }

            if (compressed > long.MaxValue || uncompressed > long.MaxValue || headerOffset > long.MaxValue)
            {
                throw new InvalidInputException($"{what}: entry '{name}': sizes or offset beyond 2^63 (compressed {compressed}, uncompressed {uncompressed}, offset {offset})");
            }

            entries.Add(new ZipEntryInfo(name, flags, method, crc, (long)compressed, (long)uncompressed, (long)headerOffset));
            pos += recordLength;
        }

        return entries;
    }

    // As zipfile's ZipInfo._decodeExtra: in the zip64 extra field (id 1) the 64-bit values appear in a fixed
    // order, each only when its 32-bit field holds the escape 0xFFFFFFFF.
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref ulong size, ref ulong compressed, ref ulong offset, string what, string name)
    {
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (length + 4 > extra.Length)
            {
                throw new InvalidInputException($"{what}: entry '{name}': corrupt extra field {id:X4} (size {length}, {extra.Length - 4} bytes remain)");
            }

            if (id == 1)
            {
                ReadOnlySpan<byte> data = extra.Slice(4, length);
                if (size == uint.MaxValue)
                {
                    size = Take64(ref data, "uncompressed size");
                }

                if (compressed == uint.MaxValue)
                {
                    compressed = Take64(ref data, "compressed size");
                }

                if (offset == uint.MaxValue)
                {
                    offset = Take64(ref data, "header offset");
                }
            }

            extra = extra[(length + 4)..];
        }

        ulong Take64(ref ReadOnlySpan<byte> data, string field)
        {
            if (data.Length < 8)
            {
                throw new InvalidInputException($"{what}: entry '{name}': corrupt zip64 extra field: the {field} is missing");
            }

            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(data);
            data = data[8..];
            return v;
        }
    }

    private static string DecodeName(ReadOnlySpan<byte> bytes, int flags) =>
        (flags & 0x800) != 0 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);

    /// <summary>A read-only view of the next <c>length</c> bytes of a stream positioned at the view's start.</summary>
    private sealed class Window(Stream inner, long length) : Stream
    {
        private long _left = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_left == 0 || buffer.IsEmpty)
            {
                return 0;
            }

            int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= n;
            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// An entry's uncompressed data: exactly <see cref="ZipEntryInfo.Size"/> bytes, never more; at the end the
    /// CRC-32 is compared and the decompressor must have nothing left.
    /// </summary>
    private sealed class EntryStream(Stream inner, ZipEntryInfo entry, string where) : Stream
    {
        private readonly Crc32 _crc = new();
        private long _produced;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => entry.Size;

        public override long Position
        {
            get => _produced;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_produced == entry.Size || buffer.IsEmpty)
            {
                return 0;
            }

            int n;
            try
            {
                n = inner.Read(buffer[..(int)Math.Min(buffer.Length, entry.Size - _produced)]);
                if (n == 0)
                {
                    throw new InvalidInputException($"{where}: truncated data: expected {entry.Size} bytes, found {_produced}");
                }

                _crc.Append(buffer[..n]);
                _produced += n;
                if (_produced == entry.Size)
                {
                    Finish();
                }
            }
            catch (InvalidDataException e)
            {
                throw new InvalidInputException($"{where}: corrupt deflate data after {_produced} bytes ({e.Message.ReplaceLineEndings(" ")})", e);
            }
            catch (IOException e)
            {
                throw new InvalidInputException($"{where}: cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
            }

            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Finish()
        {
            Span<byte> probe = stackalloc byte[1];
            if (inner.Read(probe) != 0)
            {
                throw new InvalidInputException($"{where}: trailing data: the entry decompresses to more than the {entry.Size} bytes the central directory announces");
            }

            uint actual = _crc.GetCurrentHashAsUInt32();
            if (actual != entry.Crc32)
            {
                throw new InvalidInputException($"{where}: CRC-32 mismatch: expected {entry.Crc32:X8} (central directory), computed {actual:X8}; the data is corrupt");
            }
        }
    }
}
