using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PcVerify.Engine.Resources;

namespace PcVerify.Engine.Data;

/// <summary>
/// Reads and writes numpy's <c>.npy</c> format (NEP 1, "A simple file format for NumPy arrays").
/// </summary>
/// <remarks>
/// <para>Layout: the magic string <c>\x93NUMPY</c>; a major and a minor version byte; the header length as a
/// little-endian uint16 (version 1.0) or uint32 (2.0, 3.0); the header, a Python dict literal such as
/// <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (3, 4), }</c> padded with spaces and ending in
/// <c>\n</c> so that the whole preamble is a multiple of 64 bytes; then the raw elements.</para>
/// <para>Supported: C order, little-endian <c>'&lt;f4'</c>, <c>'&lt;f8'</c>, <c>'&lt;i4'</c>, <c>'&lt;i8'</c>,
/// <c>'|u1'</c>/<c>'&lt;u1'</c>, in C or Fortran order (numpy writes <c>fortran_order: True</c> for an array that is
/// Fortran-contiguous but not C-contiguous, e.g. <c>np.save(f, w.T)</c>): a Fortran-ordered array is returned in C
/// order with the same shape, so element <c>[i, j]</c> is the same number numpy shows. Big-endian types are rejected with
/// a message saying so.
/// The writer uses version 1.0 (2.0 only when the header would not fit) and the shortest padding the format
/// allows; numpy itself adds extra spaces for appending along the first axis, which readers ignore.</para>
/// </remarks>
public static class Npy
{
    /// <summary>The six bytes every <c>.npy</c> file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The preamble (magic, version, length, header) is padded to a multiple of this many bytes.</summary>
    public const int Alignment = 64;

    /// <summary>The longest header of a version 2.0 or 3.0 file that is read (numpy's own headers are a few hundred bytes).</summary>
    internal const int MaxHeaderLength = 1 << 20;

    // Elements are read and decoded this many bytes at a time (a multiple of every item size).
    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// Reads one array from <paramref name="stream"/> (which need not be seekable), consuming exactly the
    /// preamble and the elements.
    /// </summary>
    /// <remarks>
    /// Nothing is allocated from the header's shape before it is known to be affordable: a seekable stream must
    /// hold at least the announced data, and the elements of a non-seekable stream are read into an array that
    /// grows with the data actually received. Either way the announced size must fit the
    /// <see cref="MemoryBudget"/>.
    /// </remarks>
    /// <param name="stream">The stream positioned at the magic string.</param>
    /// <param name="sourceName">The file (or archive entry) name used in error messages.</param>
    /// <exception cref="InvalidInputException">The magic, version or header is malformed; the type is not
    /// supported or big-endian; the data is truncated; or the array exceeds the memory
    /// limit. The message names <paramref name="sourceName"/>.</exception>
    public static NpyArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        NpyHeader header = ReadHeader(stream, sourceName, long.MaxValue);
        bool lengthKnown = stream.CanSeek;
        if (lengthKnown)
        {
            long available = Math.Max(0, stream.Length - stream.Position);
            if (available < header.DataBytes)
            {
                throw new InvalidInputException(
                    $"'{sourceName}': truncated {header.Describe()}: expected {header.DataBytes} bytes, found {available}");
            }
        }

        return new NpyArray(header.Shape, ReadData(stream, header, sourceName, lengthKnown), header.DType);
    }

    /// <summary>
    /// Reads the preamble (magic, version, header length, header) and nothing else.
    /// </summary>
    /// <param name="stream">The stream positioned at the magic string.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="limit">The bytes the source holds in all; a header length beyond it is refused before it is read.</param>
    /// <exception cref="InvalidInputException">The preamble is malformed or truncated, or the shape's byte size exceeds 2^63.</exception>
    internal static NpyHeader ReadHeader(Stream stream, string sourceName, long limit)
    {
        Span<byte> start = stackalloc byte[8];
        ReadExactly(stream, start, sourceName, "magic string and version");
        if (!start[..6].SequenceEqual(Magic))
        {
            throw new InvalidInputException(
                $"'{sourceName}': not a .npy file: expected magic 93 4E 55 4D 50 59 (\\x93NUMPY), found {Convert.ToHexString(start[..6])}");
        }

        byte major = start[6];
        byte minor = start[7];
        int headerLength;
        int fixedLength;
        Encoding encoding;
        if (major == 1 && minor == 0)
        {
            Span<byte> len = stackalloc byte[2];
            ReadExactly(stream, len, sourceName, "header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
            fixedLength = 10;
            encoding = Encoding.Latin1;
        }
        else if ((major == 2 || major == 3) && minor == 0)
        {
            Span<byte> len = stackalloc byte[4];
            ReadExactly(stream, len, sourceName, "header length");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (length > MaxHeaderLength)
            {
                throw new InvalidInputException(
                    $"'{sourceName}': header length: expected at most {MaxHeaderLength} bytes, found {length}");
            }

            headerLength = (int)length;
            fixedLength = 12;
            encoding = major == 2 ? Encoding.Latin1 : Encoding.UTF8;
        }
        else
        {
            throw new InvalidInputException(
                $"'{sourceName}': .npy version: expected 1.0, 2.0 or 3.0, found {major}.{minor}");
        }

        if (fixedLength + (long)headerLength > limit)
        {
            throw new InvalidInputException(
                $"'{sourceName}': truncated header: expected {headerLength} bytes, found {Math.Max(0, limit - fixedLength)}");
        }

        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, sourceName, "header");
        string text = encoding.GetString(headerBytes);
        var (dtype, shape, fortranOrder) = ParseHeader(text, sourceName);
        var header = new NpyHeader(dtype, shape, fixedLength + headerLength, fortranOrder);
        if (header.DataBytes < 0)
        {
            throw new InvalidInputException(
                $"'{sourceName}': shape {NpyArray.FormatShape(shape)} of type {Descr(dtype)} is too large: its size exceeds 2^63 bytes");
        }

        return header;
    }

    /// <summary>
    /// Reads and decodes the elements that <paramref name="header"/> announces, in chunks, after checking the
    /// decoded array against the <see cref="MemoryBudget"/>.
    /// </summary>
    /// <param name="stream">The stream positioned after the preamble.</param>
    /// <param name="header">The header just read.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <param name="lengthKnown">True when the caller has checked that the stream holds the announced bytes, so
    /// the array is allocated at once; otherwise it grows as data arrives, so a lying header costs no more
    /// memory than the data actually present.</param>
    /// <exception cref="InvalidInputException">The data is truncated, an int64 is beyond ±2^53, or the array
    /// exceeds the memory limit or the largest .NET array.</exception>
    internal static double[] ReadData(Stream stream, NpyHeader header, string sourceName, bool lengthKnown)
    {
        if (header.Count > Array.MaxLength)
        {
            throw new InvalidInputException(
                $"'{sourceName}': {header.Describe()} is too large: expected at most {Array.MaxLength} elements, found {header.Count}");
        }

        // A Fortran-ordered array is decoded, then copied into C order: two arrays of the decoded size at once.
        int copies = header.FortranOrder ? 2 : 1;
        MemoryBudget.Require(checked(header.Count * sizeof(double) * copies), $"'{sourceName}': {header.Describe()} (read as float64)");
        int itemSize = ItemSize(header.DType);
        int count = (int)header.Count;
        double[] data = new double[lengthKnown ? count : Math.Min(count, ChunkBytes)];
        byte[] chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int done = 0;
            while (done < count)
            {
                int n = Math.Min(count - done, ChunkBytes / itemSize);
                if (done + n > data.Length)
                {
                    Array.Resize(ref data, (int)Math.Min(count, Math.Max((long)done + n, 2L * data.Length)));
                }

                Span<byte> bytes = chunk.AsSpan(0, n * itemSize);
                int got = ReadAtMost(stream, bytes);
                if (got < bytes.Length)
                {
                    throw new InvalidInputException(
                        $"'{sourceName}': truncated {header.Describe()}: expected {header.DataBytes} bytes, found {((long)done * itemSize) + got}");
                }

                Decode(bytes, header.DType, data.AsSpan(done, n), done, sourceName);
                done += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return header.FortranOrder ? ToCOrder(data, header.Shape) : data;
    }

    /// <summary>
    /// The elements of a Fortran-ordered array (first index fastest) in C order (last index fastest), same shape.
    /// </summary>
    internal static double[] ToCOrder(double[] fortran, int[] shape)
    {
        if (shape.Length < 2 || fortran.Length == 0)
        {
            return fortran;
        }

        // Walk the C-order multi-index like an odometer (last index fastest) and track the Fortran offset,
        // whose stride for axis k is the product of the dimensions before k.
        int rank = shape.Length;
        var stride = new long[rank];
        stride[0] = 1;
        for (int k = 1; k < rank; k++)
        {
            stride[k] = stride[k - 1] * shape[k - 1];
        }

        var index = new int[rank];
        var c = new double[fortran.Length];
        long offset = 0;
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = fortran[offset];
            int k = rank - 1;
            while (k >= 0)
            {
                index[k]++;
                offset += stride[k];
                if (index[k] < shape[k])
                {
                    break;
                }

                offset -= stride[k] * shape[k];
                index[k] = 0;
                k--;
            }
        }

        return c;
    }

    /// <summary>
    /// Writes <paramref name="array"/> as a version 1.0 <c>.npy</c> (2.0 if the header needs more than
    /// 65535 bytes) with elements of type <paramref name="dtype"/>, which may differ from
    /// <see cref="NpyArray.DType"/>.
    /// </summary>
    /// <remarks>Float32 rounds each double to the nearest float. Integer types require every value to be an
    /// integer within the type's range; nothing is clamped or truncated silently.</remarks>
    /// <exception cref="InvalidInputException">A value cannot be represented in <paramref name="dtype"/>
    /// (NaN or ±∞ for an integer type, a non-integer, out of range, or a finite double that overflows float32).</exception>
    public static void Write(Stream stream, NpyArray array, NpyDType dtype)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        byte[] body = Encode(array.Data, dtype);
        stream.Write(Preamble(array.Shape, dtype));
        stream.Write(body);
    }

    /// <summary>
    /// The preamble for an array of <paramref name="shape"/> and <paramref name="dtype"/>: magic, version,
    /// header length, and the header padded with spaces and ending in <c>\n</c> to a multiple of
    /// <see cref="Alignment"/> bytes.
    /// </summary>
    internal static byte[] Preamble(IReadOnlyList<int> shape, NpyDType dtype)
    {
        string dict = $"{{'descr': '{Descr(dtype)}', 'fortran_order': False, 'shape': {NpyArray.FormatShape(shape)}, }}";
        bool version2 = false;
        int fixedLength = 10;
        int total = Pad(fixedLength + dict.Length + 1);
        if (total - fixedLength > ushort.MaxValue)
        {
            version2 = true;
            fixedLength = 12;
            total = Pad(fixedLength + dict.Length + 1);
        }

        string header = dict + new string(' ', total - fixedLength - dict.Length - 1) + "\n";
        var result = new byte[total];
        Magic.CopyTo(result);
        result[6] = version2 ? (byte)2 : (byte)1;
        result[7] = 0;
        if (version2)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)header.Length);
        }

        Encoding.Latin1.GetBytes(header, result.AsSpan(fixedLength));
        return result;

        static int Pad(int length) => (length + Alignment - 1) / Alignment * Alignment;
    }

    /// <summary>The numpy type string of <paramref name="dtype"/>.</summary>
    internal static string Descr(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Int32 => "<i4",
        NpyDType.Int64 => "<i8",
        NpyDType.UInt8 => "|u1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown NpyDType"),
    };

    internal static int ItemSize(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 or NpyDType.Int32 => 4,
        NpyDType.Float64 or NpyDType.Int64 => 8,
        NpyDType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown NpyDType"),
    };

    private static void ReadExactly(Stream stream, Span<byte> buffer, string sourceName, string what)
    {
        int total = ReadAtMost(stream, buffer);
        if (total < buffer.Length)
        {
            throw new InvalidInputException(
                $"'{sourceName}': truncated {what}: expected {buffer.Length} bytes, found {total}");
        }
    }

    /// <summary>Fills <paramref name="buffer"/> unless the stream ends first; returns the bytes read.</summary>
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

    /// <summary>Decodes <c>data.Length</c> elements from <paramref name="b"/>; <paramref name="first"/> is the index of the first (for messages).</summary>
    private static void Decode(ReadOnlySpan<byte> b, NpyDType dtype, Span<double> data, int first, string sourceName)
    {
        int count = data.Length;
        switch (dtype)
        {
            case NpyDType.Float32:
                for (int k = 0; k < count; k++)
                {
                    data[k] = BinaryPrimitives.ReadSingleLittleEndian(b[(4 * k)..]);
                }

                break;
            case NpyDType.Float64:
                for (int k = 0; k < count; k++)
                {
                    data[k] = BinaryPrimitives.ReadDoubleLittleEndian(b[(8 * k)..]);
                }

                break;
            case NpyDType.Int32:
                for (int k = 0; k < count; k++)
                {
                    data[k] = BinaryPrimitives.ReadInt32LittleEndian(b[(4 * k)..]);
                }

                break;
            case NpyDType.Int64:
                const long exact = 1L << 53;
                for (int k = 0; k < count; k++)
                {
                    long v = BinaryPrimitives.ReadInt64LittleEndian(b[(8 * k)..]);
                    if (v > exact || v < -exact)
                    {
                        throw new InvalidInputException(
                            $"'{sourceName}': element {first + k}: expected an int64 within ±2^53 (exact as a double), found {v}");
                    }

                    data[k] = v;
                }

                break;
            case NpyDType.UInt8:
                for (int k = 0; k < count; k++)
                {
                    data[k] = b[k];
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown NpyDType");
        }
    }

    private static byte[] Encode(double[] data, NpyDType dtype)
    {
        var body = new byte[(long)data.Length * ItemSize(dtype)];
        Span<byte> b = body;
        for (int k = 0; k < data.Length; k++)
        {
            double v = data[k];
            switch (dtype)
            {
                case NpyDType.Float32:
                    float f = (float)v;
                    if (double.IsFinite(v) && !float.IsFinite(f))
                    {
                        throw new InvalidInputException(string.Create(
                            CultureInfo.InvariantCulture,
                            $"cannot write element {k} as float32: {v:G17} is outside the float32 range (±{float.MaxValue:G9})"));
                    }

                    BinaryPrimitives.WriteSingleLittleEndian(b[(4 * k)..], f);
                    break;
                case NpyDType.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(b[(8 * k)..], v);
                    break;
                case NpyDType.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(b[(4 * k)..], (int)CheckInteger(v, k, int.MinValue, int.MaxValue, "int32"));
                    break;
                case NpyDType.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(b[(8 * k)..], (long)CheckInteger(v, k, -(1L << 53), 1L << 53, "int64"));
                    break;
                case NpyDType.UInt8:
                    body[k] = (byte)CheckInteger(v, k, 0, 255, "uint8");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown NpyDType");
            }
        }

        return body;
    }

    private static double CheckInteger(double v, int k, double lo, double hi, string type)
    {
        if (!(v >= lo && v <= hi && Math.Floor(v) == v))
        {
            throw new InvalidInputException(string.Create(
                CultureInfo.InvariantCulture,
                $"cannot write element {k} as {type}: expected an integer in [{lo:R}, {hi:R}], found {v:G17}"));
        }

        return v;
    }

    /// <summary>
    /// Parses the header dict. It must have exactly the keys <c>descr</c>, <c>fortran_order</c> and
    /// <c>shape</c>, in any order, with any spacing and an optional trailing comma.
    /// </summary>
    internal static (NpyDType DType, int[] Shape, bool FortranOrder) ParseHeader(string header, string sourceName)
    {
        var parser = new HeaderParser(header, sourceName);
        Dictionary<string, object> dict = parser.ParseDict();

        foreach (string key in dict.Keys)
        {
            if (key is not ("descr" or "fortran_order" or "shape"))
            {
                throw parser.Error($"unexpected key '{key}'; expected only 'descr', 'fortran_order', 'shape'");
            }
        }

        object descr = Required(dict, "descr", parser);
        object fortran = Required(dict, "fortran_order", parser);
        object shape = Required(dict, "shape", parser);

        if (descr is not string typeString)
        {
            throw parser.Error("'descr': expected a type string such as '<f8'");
        }

        if (fortran is not bool isFortran)
        {
            throw parser.Error("'fortran_order': expected True or False");
        }

        if (shape is not int[] dims)
        {
            throw parser.Error("'shape': expected a tuple of integers such as (3, 4)");
        }

        return (ParseDescr(typeString, sourceName), dims, isFortran);
    }

    private static object Required(Dictionary<string, object> dict, string key, HeaderParser parser) =>
        dict.TryGetValue(key, out object? value) ? value : throw parser.Error($"missing key '{key}'");

    private static NpyDType ParseDescr(string descr, string sourceName)
    {
        switch (descr)
        {
            case "<f4":
                return NpyDType.Float32;
            case "<f8":
                return NpyDType.Float64;
            case "<i4":
                return NpyDType.Int32;
            case "<i8":
                return NpyDType.Int64;
            case "|u1" or "<u1" or ">u1":
                return NpyDType.UInt8;
        }

        if (descr.Length > 1 && descr[0] == '>')
        {
            throw new InvalidInputException(
                $"'{sourceName}': descr '{descr}' is big-endian; only little-endian arrays are supported (save with arr.astype('<{descr[1..]}'))");
        }

        throw new InvalidInputException(
            $"'{sourceName}': descr: expected one of '<f4', '<f8', '<i4', '<i8', '|u1', found '{descr}'");
    }

    /// <summary>A recursive-descent parser for the small subset of Python literals numpy writes in headers.</summary>
    private sealed class HeaderParser(string text, string sourceName)
    {
        private int _pos;

        public InvalidInputException Error(string problem) =>
            new($"'{sourceName}': malformed .npy header ({problem}): {text.TrimEnd().ReplaceLineEndings(" ")}");

        public Dictionary<string, object> ParseDict()
        {
            var dict = new Dictionary<string, object>(StringComparer.Ordinal);
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (Peek() == '}')
                {
                    _pos++;
                    break;
                }

                string key = ParseString();
                Expect(':');
                object value = ParseValue();
                if (!dict.TryAdd(key, value))
                {
                    throw Error($"duplicate key '{key}'");
                }

                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    continue;
                }

                Expect('}');
                break;
            }

            SkipSpace();
            if (_pos != text.Length)
            {
                throw Error($"unexpected text after the closing brace at offset {_pos}");
            }

            return dict;
        }

        private object ParseValue()
        {
            SkipSpace();
            char c = Peek();
            if (c is '\'' or '"')
            {
                return ParseString();
            }

            if (c == '(')
            {
                return ParseTuple();
            }

            if (Word("True"))
            {
                return true;
            }

            if (Word("False"))
            {
                return false;
            }

            throw Error($"unexpected value at offset {_pos}");
        }

        private int[] ParseTuple()
        {
            Expect('(');
            var items = new List<int>();
            bool sawComma = false;
            while (true)
            {
                SkipSpace();
                if (Peek() == ')')
                {
                    _pos++;
                    break;
                }

                items.Add(ParseInt());
                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    sawComma = true;
                    continue;
                }

                Expect(')');
                break;
            }

            // In Python "(5)" is the integer 5, not a tuple; numpy always writes "(5,)".
            if (items.Count == 1 && !sawComma)
            {
                throw Error("a one-element shape must be written with a trailing comma, e.g. (5,)");
            }

            return [.. items];
        }

        private int ParseInt()
        {
            SkipSpace();
            int begin = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
            {
                _pos++;
            }

            // Python 2 numpy wrote long integers with an 'L' suffix.
            string digits = text[begin.._pos];
            if (_pos < text.Length && text[_pos] == 'L')
            {
                _pos++;
            }

            if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                throw Error($"expected a dimension (a non-negative integer below 2^31) at offset {begin}");
            }

            return value;
        }

        private string ParseString()
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Error($"expected a quoted string at offset {_pos}");
            }

            int end = text.IndexOf(quote, _pos + 1);
            if (end < 0)
            {
                throw Error("unterminated string");
            }

            string s = text[(_pos + 1)..end];
            _pos = end + 1;
            return s;
        }

        private bool Word(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) == 0)
            {
                _pos += word.Length;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (Peek() != c)
            {
                throw Error($"expected '{c}' at offset {_pos}");
            }

            _pos++;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }
    }
}

/// <summary>The preamble of a <c>.npy</c> file: element type, shape, the preamble's length in bytes, and the element order.</summary>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="PreambleBytes">Magic, version, header length and header, in bytes.</param>
/// <param name="FortranOrder">True when the file stores the elements in Fortran order (first index fastest).</param>
internal sealed record NpyHeader(NpyDType DType, int[] Shape, long PreambleBytes, bool FortranOrder = false)
{
    /// <summary>The number of elements (product of the shape; the dimensions are int, so at most 2^31 per factor).</summary>
    public long Count { get; } = CountOf(Shape);

    /// <summary>The data's size in bytes, or −1 when it exceeds 2^63.</summary>
    public long DataBytes => Count < 0 || Count > long.MaxValue / Npy.ItemSize(DType) ? -1 : Count * Npy.ItemSize(DType);

    /// <summary>"data of shape (3, 4) and type &lt;f8", for messages.</summary>
    public string Describe() => $"data of shape {NpyArray.FormatShape(Shape)} and type {Npy.Descr(DType)}";

    private static long CountOf(int[] shape)
    {
        if (shape.Contains(0))
        {
            return 0;
        }

        long n = 1;
        foreach (int d in shape)
        {
            if (n > long.MaxValue / d)
            {
                return -1;
            }

            n *= d;
        }

        return n;
    }
}
