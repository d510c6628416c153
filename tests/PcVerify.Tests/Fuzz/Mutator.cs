using System.Buffers.Binary;

namespace PcVerify.Tests.Fuzz;

/// <summary>
/// Seeded structure-aware mutations of a file: bit flips, byte insertions and deletions, truncation, junk
/// appended, interesting values written over 2-, 4- and 8-byte fields (little- and big-endian), edits of the
/// fields of zip records (found by their signatures), edits of the digits of a .npy header's shape, and
/// splices of two seeds. Each mutated file applies 1–4 of them.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly long[] Interesting =
        [0, 1, -1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, long.MaxValue, 1L << 30, 1L << 40];

    // Zip record signatures and the offsets of their size, count, length and offset fields (APPNOTE 4.3).
    private static readonly (byte[] Signature, int[] Fields)[] ZipRecords =
    [
        ([0x50, 0x4B, 0x03, 0x04], [6, 8, 14, 18, 22, 26, 28]),
        ([0x50, 0x4B, 0x01, 0x02], [6, 8, 10, 16, 20, 24, 28, 30, 32, 42]),
        ([0x50, 0x4B, 0x05, 0x06], [8, 10, 12, 16, 20]),
    ];

    private readonly Random _rng = new(seed);

    /// <summary>A mutation of <paramref name="input"/> (another seed may be spliced in from <paramref name="seeds"/>).</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> seeds)
    {
        List<byte> b = [.. input];
        int count = 1 + _rng.Next(4);
        for (int i = 0; i < count; i++)
        {
            Apply(b, seeds);
        }

        return [.. b];
    }

    private void Apply(List<byte> b, IReadOnlyList<byte[]> seeds)
    {
        int op = _rng.Next(10);
        if (b.Count == 0)
        {
            b.AddRange(seeds[_rng.Next(seeds.Count)]);
            return;
        }

        int at = _rng.Next(b.Count);
        switch (op)
        {
            case 0:
                b[at] ^= (byte)(1 << _rng.Next(8));
                break;
            case 1:
                b[at] = (byte)Interesting[_rng.Next(9)];
                break;
            case 2:
                b.InsertRange(at, Bytes(1 + _rng.Next(8)));
                break;
            case 3:
                b.RemoveRange(at, Math.Min(b.Count - at, 1 + _rng.Next(8)));
                break;
            case 4:
                b.RemoveRange(at, b.Count - at);
                break;
            case 5:
                b.AddRange(Bytes(1 + _rng.Next(64)));
                break;
            case 6:
                WriteField(b, at);
                break;
            case 7:
                EditZipField(b);
                break;
            case 8:
                EditShape(b);
                break;
            default:
                byte[] other = seeds[_rng.Next(seeds.Count)];
                int from = _rng.Next(other.Length);
                b.RemoveRange(at, b.Count - at);
                b.AddRange(other.AsSpan(from).ToArray());
                break;
        }
    }

    private byte[] Bytes(int n)
    {
        byte[] r = new byte[n];
        _rng.NextBytes(r);
        return r;
    }

    private void WriteField(List<byte> b, int at)
    {
        int width = new[] { 2, 4, 8 }[_rng.Next(3)];
        if (at + width > b.Count)
        {
            return;
        }

        Span<byte> field = stackalloc byte[8];
        long value = Interesting[_rng.Next(Interesting.Length)];
        if (_rng.Next(2) == 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(field, value);
        }
        else
        {
            BinaryPrimitives.WriteInt64BigEndian(field, value << (8 * (8 - width)));
        }

        for (int k = 0; k < width; k++)
        {
            b[at + k] = field[k];
        }
    }

    private void EditZipField(List<byte> b)
    {
        var (signature, fields) = ZipRecords[_rng.Next(ZipRecords.Length)];
        byte[] bytes = [.. b];
        List<int> found = [];
        for (int k = bytes.AsSpan().IndexOf(signature); k >= 0;)
        {
            found.Add(k);
            int next = bytes.AsSpan(k + 1).IndexOf(signature);
            k = next < 0 ? -1 : k + 1 + next;
        }

        if (found.Count == 0)
        {
            return;
        }

        int record = found[_rng.Next(found.Count)];
        int at = record + fields[_rng.Next(fields.Length)];
        int width = at + 4 <= b.Count && _rng.Next(2) == 0 ? 4 : 2;
        if (at + width > b.Count)
        {
            return;
        }

        long value = _rng.Next(3) switch
        {
            0 => Interesting[_rng.Next(Interesting.Length)],
            1 => ReadLittle(b, at, width) + _rng.Next(-3, 4),
            _ => ReadLittle(b, at, width) * (1 + _rng.Next(1000)),
        };
        for (int k = 0; k < width; k++)
        {
            b[at + k] = (byte)(value >> (8 * k));
        }
    }

    private static long ReadLittle(List<byte> b, int at, int width)
    {
        long v = 0;
        for (int k = width - 1; k >= 0; k--)
        {
            v = (v << 8) | b[at + k];
        }

        return v;
    }

    private void EditShape(List<byte> b)
    {
        byte[] bytes = [.. b];
        int shape = bytes.AsSpan().IndexOf("'shape': ("u8);
        if (shape < 0)
        {
            return;
        }

        int digits = shape + 10;
        string[] replacements = ["0", "1", "99999", "2147483647", "2147483648", "3, 80000000", "", "1,", "-1", "4294967296"];
        byte[] text = System.Text.Encoding.ASCII.GetBytes(replacements[_rng.Next(replacements.Length)]);
        int end = digits;
        while (end < bytes.Length && bytes[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        b.RemoveRange(digits, end - digits);
        b.InsertRange(digits, text);
    }
}
