using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using PcVerify.Engine.Data;
using DataType = Onnx.TensorProto.Types.DataType;

namespace PcVerify.Engine.Onnx;

/// <summary>
/// Converts ONNX <c>TensorProto</c>s to and from <see cref="NpyArray"/>. Reading checks the element count that the
/// dims claim against the bytes (or typed values) the tensor actually holds <b>before</b> allocating, so a small file
/// that claims a 2 GB tensor is refused instead of allocating 2 GB.
/// </summary>
internal static class OnnxTensors
{
    /// <summary>Reads a float or double tensor; float32 values convert to double exactly.</summary>
    /// <param name="t">The tensor.</param>
    /// <param name="what">How to name it in a message, e.g. <c>ONNX file 'm.onnx': initializer 'fc.weight'</c>.</param>
    /// <exception cref="InvalidInputException">Another element type, external data, a bad dim, or data of the wrong size.</exception>
    public static NpyArray ReadFloating(TensorProto t, string what)
    {
        int[] shape = Shape(t, what);
        int n = checked((int)NpyArray.ElementCount(shape));
        var type = (DataType)t.DataType;
        double[] data;
        switch (type)
        {
            case DataType.Float:
                CheckCount(t, what, n, 4, t.FloatData.Count);
                data = new double[n];
                if (!t.RawData.IsEmpty)
                {
                    ReadOnlySpan<byte> raw = t.RawData.Span;
                    for (int i = 0; i < n; i++)
                    {
                        data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                    }
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        data[i] = t.FloatData[i];
                    }
                }

                return new NpyArray(shape, data, NpyDType.Float32);
            case DataType.Double:
                CheckCount(t, what, n, 8, t.DoubleData.Count);
                data = new double[n];
                if (!t.RawData.IsEmpty)
                {
                    ReadOnlySpan<byte> raw = t.RawData.Span;
                    for (int i = 0; i < n; i++)
                    {
                        data[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                    }
                }
                else
                {
                    t.DoubleData.CopyTo(data, 0);
                }

                return new NpyArray(shape, data, NpyDType.Float64);
            default:
                throw new InvalidInputException($"{what}: element type {type}, expected FLOAT or DOUBLE");
        }
    }

    /// <summary>Reads an integer tensor (INT64, INT32 or BOOL), e.g. a Pad's pads, a Reshape's target shape, Dropout's training_mode.</summary>
    /// <exception cref="InvalidInputException">Another element type, external data, a bad dim, or data of the wrong size.</exception>
    public static long[] ReadIntegers(TensorProto t, string what)
    {
        int[] shape = Shape(t, what);
        int n = checked((int)NpyArray.ElementCount(shape));
        var type = (DataType)t.DataType;
        long[] data = type switch
        {
            DataType.Int64 => ReadInt64(t, what, n),
            DataType.Int32 => ReadInt32(t, what, n),
            DataType.Bool => ReadBool(t, what, n),
            _ => throw new InvalidInputException($"{what}: element type {type}, expected INT64, INT32 or BOOL"),
        };
        return data;
    }

    /// <summary>
    /// A tensor named <paramref name="name"/> holding <paramref name="array"/> as <paramref name="type"/> (FLOAT rounds
    /// to nearest, DOUBLE is exact), in <c>raw_data</c> (little-endian), as exporters write it.
    /// </summary>
    public static TensorProto Write(string name, NpyArray array, DataType type)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        foreach (int d in array.Shape)
        {
            t.Dims.Add(d);
        }

        t.RawData = Encode(array.Data, type);
        return t;
    }

    /// <summary>The little-endian bytes of <paramref name="data"/> as FLOAT or DOUBLE.</summary>
    public static ByteString Encode(double[] data, DataType type)
    {
        int size = type == DataType.Float ? 4 : 8;
        byte[] bytes = new byte[checked(data.Length * size)];
        for (int i = 0; i < data.Length; i++)
        {
            if (type == DataType.Float)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), (float)data[i]);
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), data[i]);
            }
        }

        return ByteString.CopyFrom(bytes);
    }

    /// <summary>The dims as an int shape; refuses external data, negative dims and element counts beyond an array's reach.</summary>
    private static int[] Shape(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
        {
            throw new InvalidInputException($"{what}: the data is stored in an external file, which PcVerify does not read");
        }

        int[] shape = new int[t.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = t.Dims[i];
            if (d < 0 || d > int.MaxValue)
            {
                throw new InvalidInputException($"{what}: dimension {i} is {d}, expected 0 .. {int.MaxValue}");
            }

            shape[i] = (int)d;
            count = count * d;
            if (count > Array.MaxLength)
            {
                throw new InvalidInputException($"{what}: dims ({string.Join(", ", t.Dims)}) claim more than {Array.MaxLength} elements");
            }
        }

        return shape;
    }

    /// <summary>The stored data must hold exactly <paramref name="n"/> elements: raw bytes or typed values, not both.</summary>
    private static void CheckCount(TensorProto t, string what, int n, int size, int typedCount)
    {
        long expectedBytes = (long)n * size;
        if (!t.RawData.IsEmpty)
        {
            if (t.RawData.Length != expectedBytes || typedCount != 0)
            {
                throw new InvalidInputException(
                    $"{what}: dims ({string.Join(", ", t.Dims)}) claim {n} elements ({expectedBytes} bytes), the tensor holds {t.RawData.Length} bytes{(typedCount != 0 ? $" and {typedCount} typed values" : "")}");
            }
        }
        else if (typedCount != n)
        {
            throw new InvalidInputException($"{what}: dims ({string.Join(", ", t.Dims)}) claim {n} elements, the tensor holds {typedCount}");
        }
    }

    private static long[] ReadInt64(TensorProto t, string what, int n)
    {
        CheckCount(t, what, n, 8, t.Int64Data.Count);
        long[] data = new long[n];
        if (!t.RawData.IsEmpty)
        {
            ReadOnlySpan<byte> raw = t.RawData.Span;
            for (int i = 0; i < n; i++)
            {
                data[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
            }
        }
        else
        {
            t.Int64Data.CopyTo(data, 0);
        }

        return data;
    }

    private static long[] ReadBool(TensorProto t, string what, int n)
    {
        // BOOL is one byte per element in raw_data, one int32 per element otherwise.
        CheckCount(t, what, n, 1, t.Int32Data.Count);
        long[] data = new long[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = t.RawData.IsEmpty ? t.Int32Data[i] : t.RawData.Span[i];
        }

        return data;
    }

    private static long[] ReadInt32(TensorProto t, string what, int n)
    {
        CheckCount(t, what, n, 4, t.Int32Data.Count);
        long[] data = new long[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = t.RawData.IsEmpty ? t.Int32Data[i] : BinaryPrimitives.ReadInt32LittleEndian(t.RawData.Span[(4 * i)..]);
        }

        return data;
    }
}
