using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>
/// Writes zip archives byte by byte from the APPNOTE layout, so a test can state sizes, CRCs and offsets that
/// a real zip writer would never produce (bombs, lies, junk) and build them without allocating what they claim.
/// </summary>
internal static class ZipBuilder
{
    /// <summary>One entry: its name, method (0 stored, 8 deflated), the bytes stored, and the values the headers claim.</summary>
    internal sealed record Entry(string Name, int Method, byte[] Stored, uint Crc32, long ClaimedSize);

    /// <summary>A stored entry with true sizes and CRC.</summary>
    public static Entry Stored(string name, byte[] data) => new(name, 0, data, Crc32.HashToUInt32(data), data.Length);

    /// <summary>A deflated entry with true sizes and CRC.</summary>
    public static Entry Deflated(string name, byte[] data) => new(name, 8, Deflate(data), Crc32.HashToUInt32(data), data.Length);

    /// <summary>The .npy bytes of <paramref name="array"/> as <paramref name="dtype"/>.</summary>
    public static byte[] Npy(NpyArray array, NpyDType dtype = NpyDType.Float64)
    {
        using var ms = new MemoryStream();
        PcVerify.Engine.Data.Npy.Write(ms, array, dtype);
        return ms.ToArray();
    }

    /// <summary>A .npy preamble announcing <paramref name="shape"/> of <paramref name="dtype"/>, without data.</summary>
    public static byte[] Preamble(int[] shape, NpyDType dtype = NpyDType.Float64) => PcVerify.Engine.Data.Npy.Preamble(shape, dtype);

    /// <summary>Raw deflate (no zlib or gzip wrapper) of <paramref name="data"/>.</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream();
        using (var d = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            d.Write(data);
        }

        return ms.ToArray();
    }

    /// <summary>Raw deflate of <paramref name="count"/> zero bytes following <paramref name="prefix"/>, written in pieces.</summary>
    public static byte[] DeflateZeros(ReadOnlySpan<byte> prefix, long count)
    {
        using var ms = new MemoryStream();
        using (var d = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            d.Write(prefix);
            byte[] zeros = new byte[1 << 16];
            for (long left = count; left > 0; left -= zeros.Length)
            {
                d.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
            }
        }

        return ms.ToArray();
    }

    /// <summary>The archive: local headers and data, central directory, end record.</summary>
    public static byte[] Build(params Entry[] entries) => Build(zip64: false, entries);

    /// <summary>
    /// The archive; with <paramref name="zip64"/> every size and offset of the central directory is the escape
    /// 0xFFFFFFFF with the true value in a zip64 extra field, and the end record points to a zip64 end record
    /// through its locator (APPNOTE 4.3.14–4.3.15, 4.5.3), as in archives above 4 GiB.
    /// </summary>
    public static byte[] Build(bool zip64, params Entry[] entries)
    {
        using var ms = new MemoryStream();
        var offsets = new List<long>();
        foreach (Entry e in entries)
        {
            offsets.Add(ms.Position);
            byte[] name = Encoding.ASCII.GetBytes(e.Name);
            byte[] h = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034B50);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), (ushort)e.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(14), e.Crc32);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(18), (uint)e.Stored.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(22), (uint)e.ClaimedSize);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(26), (ushort)name.Length);
            ms.Write(h);
            ms.Write(name);
            ms.Write(e.Stored);
        }

        long directoryStart = ms.Position;
        for (int i = 0; i < entries.Length; i++)
        {
            Entry e = entries[i];
            byte[] name = Encoding.ASCII.GetBytes(e.Name);
            byte[] h = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014B50);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), (ushort)e.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), e.Crc32);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), (uint)e.Stored.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), (uint)e.ClaimedSize);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(42), (uint)offsets[i]);
            byte[] extra = [];
            if (zip64)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 45);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), uint.MaxValue);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), uint.MaxValue);
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(42), uint.MaxValue);
                extra = new byte[4 + 24];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
                BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), 24);
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(4), (ulong)e.ClaimedSize);
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(12), (ulong)e.Stored.Length);
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(20), (ulong)offsets[i]);
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(30), (ushort)extra.Length);
            }

            ms.Write(h);
            ms.Write(name);
            ms.Write(extra);
        }

        long directorySize = ms.Position - directoryStart;
        if (zip64)
        {
            long recordAt = ms.Position;
            byte[] record = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064B50);
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), 44);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(12), 45);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(14), 45);
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), (ulong)entries.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), (ulong)entries.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(40), (ulong)directorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), (ulong)directoryStart);
            ms.Write(record);
            byte[] locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064B50);
            BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)recordAt);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            ms.Write(locator);
        }

        byte[] end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054B50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)entries.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)entries.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryStart);
        if (zip64)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(8), uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), uint.MaxValue);
        }

        ms.Write(end);
        return ms.ToArray();
    }
}
