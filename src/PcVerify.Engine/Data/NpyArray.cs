namespace PcVerify.Engine.Data;

/// <summary>The element types PcVerify reads from and writes to <c>.npy</c> files (all little-endian).</summary>
public enum NpyDType
{
    /// <summary>IEEE 754 binary32, numpy descr <c>'&lt;f4'</c>.</summary>
    Float32,

    /// <summary>IEEE 754 binary64, numpy descr <c>'&lt;f8'</c>.</summary>
    Float64,

    /// <summary>Signed 32-bit integer, numpy descr <c>'&lt;i4'</c>.</summary>
    Int32,

    /// <summary>Signed 64-bit integer, numpy descr <c>'&lt;i8'</c>.</summary>
    Int64,

    /// <summary>Unsigned byte, numpy descr <c>'|u1'</c> (also read as <c>'&lt;u1'</c>).</summary>
    UInt8,
}

/// <summary>
/// An n-dimensional array as stored in a <c>.npy</c> file: a shape and the elements in C (row-major) order,
/// held as doubles whatever the element type on disk.
/// </summary>
/// <remarks>
/// Every supported type converts to double exactly on reading (int64 values beyond ±2^53 are rejected by
/// the reader rather than rounded).
/// </remarks>
public sealed class NpyArray
{
    /// <summary>Creates an array; <paramref name="data"/> must hold the product of <paramref name="shape"/> elements (1 for shape <c>()</c>).</summary>
    /// <param name="shape">The dimensions, each ≥ 0; empty for a scalar.</param>
    /// <param name="data">The elements in C order. The array takes ownership (no copy).</param>
    /// <param name="dtype">The element type it was read as, or is meant to be written as.</param>
    /// <exception cref="ArgumentException">A dimension is negative or the data length does not match the shape.</exception>
    public NpyArray(int[] shape, double[] data, NpyDType dtype = NpyDType.Float64)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long size = ElementCount(shape);
        if (size != data.Length)
        {
            throw new ArgumentException(
                $"an array of shape {FormatShape(shape)} holds {size} elements, found {data.Length}", nameof(data));
        }

        Shape = shape;
        Data = data;
        DType = dtype;
    }

    /// <summary>The dimensions (empty for a scalar).</summary>
    public int[] Shape { get; }

    /// <summary>The elements in C (row-major) order.</summary>
    public double[] Data { get; }

    /// <summary>The element type on disk.</summary>
    public NpyDType DType { get; }

    /// <summary>The shape as numpy prints it: <c>()</c>, <c>(5,)</c>, <c>(3, 4)</c>.</summary>
    public static string FormatShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
    }

    /// <summary>The number of elements of an array of this shape (1 for <c>()</c>).</summary>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    internal static long ElementCount(IReadOnlyList<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension", nameof(shape));
            }

            size = checked(size * d);
        }

        return size;
    }
}
