using System.Buffers.Binary;
using System.Text;
using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>
/// The .npy format. Oracles: the format specification (NEP 1 / numpy.lib.format), bytes built by hand in
/// the test, and the IEEE 754 rounding of double to float.
/// </summary>
public sealed class NpyTests
{
    public static TheoryData<int[]> Shapes => new() { Array.Empty<int>(), new[] { 0 }, new[] { 5 }, new[] { 3, 4 }, new[] { 2, 3, 4 } };

    private static double[] Values(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var v = new double[n];
        for (int k = 0; k < n; k++)
        {
            v[k] = rng.NextNormal() * Math.Pow(10, rng.NextInt(7) - 3);
        }

        return v;
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    private static NpyArray RoundTrip(NpyArray array, NpyDType dtype)
    {
        using var ms = new MemoryStream();
        Npy.Write(ms, array, dtype);
        ms.Position = 0;
        NpyArray read = Npy.Read(ms, "memory.npy");
        Assert.Equal(ms.Length, ms.Position);
        return read;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float64_round_trip_is_bit_identical(int[] shape)
    {
        double[] data = Values(Size(shape), 1);
        NpyArray read = RoundTrip(new NpyArray(shape, data), NpyDType.Float64);

        Assert.Equal(shape, read.Shape);
        Assert.Equal(NpyDType.Float64, read.DType);
        DataAssert.BitIdentical(data, read.Data);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_round_trip_gives_each_double_rounded_to_float(int[] shape)
    {
        double[] data = Values(Size(shape), 2);
        NpyArray read = RoundTrip(new NpyArray(shape, data), NpyDType.Float32);

        Assert.Equal(shape, read.Shape);
        Assert.Equal(NpyDType.Float32, read.DType);
        DataAssert.BitIdentical(data.Select(v => (double)(float)v).ToArray(), read.Data);
    }

    [Theory]
    [InlineData(NpyDType.Int32)]
    [InlineData(NpyDType.Int64)]
    [InlineData(NpyDType.UInt8)]
    public void Integer_round_trip_is_exact(NpyDType dtype)
    {
        double[] data = [0, 1, 9, 200, 255, 7];
        NpyArray read = RoundTrip(new NpyArray([2, 3], data), dtype);
        Assert.Equal(dtype, read.DType);
        DataAssert.BitIdentical(data, read.Data);
    }

    /// <summary>The preamble numpy's format specification prescribes, built from the spec's rules.</summary>
    private static byte[] SpecPreamble(string descr, string shape)
    {
        string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 6 + 2 + 2 + dict.Length + 1;
        int padding = (64 - (unpadded % 64)) % 64;
        string header = dict + new string(' ', padding) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add(1);
        bytes.Add(0);
        bytes.Add((byte)(header.Length & 0xFF));
        bytes.Add((byte)(header.Length >> 8));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        return [.. bytes];
    }

    [Theory]
    [InlineData(NpyDType.Float64, "<f8", new[] { 3, 4 }, "(3, 4)")]
    [InlineData(NpyDType.Float32, "<f4", new[] { 5 }, "(5,)")]
    [InlineData(NpyDType.Float64, "<f8", new int[0], "()")]
    [InlineData(NpyDType.Float32, "<f4", new[] { 2, 3, 4 }, "(2, 3, 4)")]
    [InlineData(NpyDType.UInt8, "|u1", new[] { 0 }, "(0,)")]
    public void Written_preamble_is_byte_exact_per_the_format_spec(NpyDType dtype, string descr, int[] shape, string shapeText)
    {
        using var ms = new MemoryStream();
        Npy.Write(ms, new NpyArray(shape, new double[Size(shape)]), dtype);
        byte[] expected = SpecPreamble(descr, shapeText);

        Assert.Equal(0, expected.Length % 64);
        Assert.Equal(expected, ms.ToArray().AsSpan(0, expected.Length).ToArray());
        int itemSize = descr[2] - '0';
        Assert.Equal(expected.Length + (Size(shape) * itemSize), ms.Length);
    }

    [Fact]
    public void A_3x4_float64_header_is_118_bytes_as_numpy_writes_it()
    {
        using var ms = new MemoryStream();
        Npy.Write(ms, new NpyArray([3, 4], new double[12]), NpyDType.Float64);
        byte[] bytes = ms.ToArray();
        Assert.Equal(118, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.Equal((byte)'\n', bytes[127]);
        Assert.Equal(128 + (12 * 8), bytes.Length);
    }

    private static byte[] HandMade(int major, string header, byte[] body)
    {
        byte[] h = Encoding.Latin1.GetBytes(header);
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add((byte)major);
        bytes.Add(0);
        if (major == 1)
        {
            bytes.Add((byte)(h.Length & 0xFF));
            bytes.Add((byte)(h.Length >> 8));
        }
        else
        {
            var len = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)h.Length);
            bytes.AddRange(len);
        }

        bytes.AddRange(h);
        bytes.AddRange(body);
        return [.. bytes];
    }

    private static byte[] LittleEndianDoubles(params double[] v)
    {
        var b = new byte[v.Length * 8];
        for (int k = 0; k < v.Length; k++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * k), v[k]);
        }

        return b;
    }

    private static NpyArray ReadBytes(byte[] bytes, string name = "hand.npy") => Npy.Read(new MemoryStream(bytes), name);

    [Theory]
    [InlineData(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }          \n")]
    [InlineData(1, "{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}\n")]
    [InlineData(2, "{ \"descr\" : \"<f8\" ,\n 'fortran_order':False,'shape':( 2 , ) }  \n")]
    [InlineData(3, "{'fortran_order': False, 'descr': '<f8', 'shape': (2L,)}\n")]
    public void Headers_with_any_key_order_spacing_and_version_are_read(int major, string header)
    {
        NpyArray a = ReadBytes(HandMade(major, header, LittleEndianDoubles(1.5, -2.25)));
        Assert.Equal([2], a.Shape);
        DataAssert.BitIdentical([1.5, -2.25], a.Data);
    }

    [Fact]
    public void Integer_label_types_are_read()
    {
        NpyArray u1 = ReadBytes(HandMade(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n", [0, 7, 255]));
        Assert.Equal(NpyDType.UInt8, u1.DType);
        Assert.Equal([0.0, 7.0, 255.0], u1.Data);

        var i8 = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(i8, -3);
        BinaryPrimitives.WriteInt64LittleEndian(i8.AsSpan(8), 9);
        NpyArray a = ReadBytes(HandMade(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", i8));
        Assert.Equal(NpyDType.Int64, a.DType);
        Assert.Equal([-3.0, 9.0], a.Data);
    }

    /// <summary>
    /// NEP 1: with <c>fortran_order: True</c> the elements are stored first index fastest. A (2, 3) array [[1, 2, 3],
    /// [4, 5, 6]] is stored 1, 4, 2, 5, 3, 6; a (2, 3, 2) array with element [i, j, k] = 100i + 10j + k is stored with
    /// i fastest, then j, then k. Both are returned in C order with their shape.
    /// </summary>
    [Fact]
    public void Fortran_order_is_returned_in_C_order_with_the_same_shape()
    {
        NpyArray m = ReadBytes(HandMade(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n", LittleEndianDoubles(1, 4, 2, 5, 3, 6)));
        Assert.Equal([2, 3], m.Shape);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], m.Data);

        double[] stored = [.. from k in Enumerable.Range(0, 2) from j in Enumerable.Range(0, 3) from i in Enumerable.Range(0, 2) select (100.0 * i) + (10 * j) + k];
        NpyArray t = ReadBytes(HandMade(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 2), }\n", LittleEndianDoubles(stored)));
        double[] cOrder = [.. from i in Enumerable.Range(0, 2) from j in Enumerable.Range(0, 3) from k in Enumerable.Range(0, 2) select (100.0 * i) + (10 * j) + k];
        Assert.Equal(cOrder, t.Data);

        NpyArray v = ReadBytes(HandMade(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3,), }\n", LittleEndianDoubles(7, 8, 9)));
        Assert.Equal([7.0, 8, 9], v.Data);
    }

    [Fact]
    public void Big_endian_is_rejected_with_a_clear_message()
    {
        byte[] bytes = HandMade(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }\n", LittleEndianDoubles(1));
        var e = Assert.Throws<InvalidInputException>(() => ReadBytes(bytes, "big.npy"));
        Assert.Contains("big.npy", e.Message);
        Assert.Contains("'>f8'", e.Message);
        Assert.Contains("big-endian", e.Message);
    }

    [Fact]
    public void Unsupported_type_lists_the_supported_ones()
    {
        byte[] bytes = HandMade(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", new byte[16]);
        var e = Assert.Throws<InvalidInputException>(() => ReadBytes(bytes));
        Assert.Contains("'<c16'", e.Message);
        Assert.Contains("'<f8'", e.Message);
    }

    [Fact]
    public void Truncated_data_reports_expected_and_found_bytes()
    {
        byte[] bytes = HandMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", LittleEndianDoubles(1, 2));
        var e = Assert.Throws<InvalidInputException>(() => ReadBytes(bytes, "short.npy"));
        Assert.Contains("short.npy", e.Message);
        Assert.Contains("expected 24 bytes", e.Message);
        Assert.Contains("found 16", e.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False}\n", "missing key 'shape'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }\n", "trailing comma")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': (1,)}\n", "unexpected key 'x'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }\n", "dimension")]
    public void Malformed_headers_are_rejected(string header, string expectedFragment)
    {
        var e = Assert.Throws<InvalidInputException>(() => ReadBytes(HandMade(1, header, LittleEndianDoubles(1, 2))));
        Assert.Contains(expectedFragment, e.Message);
    }

    [Fact]
    public void Bad_magic_is_rejected()
    {
        var e = Assert.Throws<InvalidInputException>(() => ReadBytes("PK\u0003\u0004 this is a zip"u8.ToArray(), "x.npy"));
        Assert.Contains("x.npy", e.Message);
        Assert.Contains("NUMPY", e.Message);
    }

    [Fact]
    public void Values_that_do_not_fit_the_requested_type_are_rejected_not_clamped()
    {
        using var ms = new MemoryStream();
        Assert.Throws<InvalidInputException>(() => Npy.Write(ms, new NpyArray([1], [1e300]), NpyDType.Float32));
        Assert.Throws<InvalidInputException>(() => Npy.Write(ms, new NpyArray([1], [0.5]), NpyDType.Int64));
        Assert.Throws<InvalidInputException>(() => Npy.Write(ms, new NpyArray([1], [256]), NpyDType.UInt8));
        Assert.Throws<InvalidInputException>(() => Npy.Write(ms, new NpyArray([1], [double.NaN]), NpyDType.Int32));
    }

    [Fact]
    public void Non_finite_floats_are_written_as_such()
    {
        double[] data = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        using var ms = new MemoryStream();
        Npy.Write(ms, new NpyArray([3], data), NpyDType.Float32);
        ms.Position = 0;
        NpyArray read = Npy.Read(ms, "m");
        Assert.True(double.IsNaN(read.Data[0]));
        Assert.Equal(double.PositiveInfinity, read.Data[1]);
        Assert.Equal(double.NegativeInfinity, read.Data[2]);
    }
}
