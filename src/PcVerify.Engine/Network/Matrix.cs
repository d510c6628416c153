using System.Numerics;

namespace PcVerify.Engine.Network;

/// <summary>A dense row-major <c>Rows × Cols</c> matrix over <typeparamref name="T"/>; element (i, j) is <c>Data[i·Cols + j]</c>.</summary>
public sealed class Matrix<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a zero matrix.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public Matrix(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        Rows = rows;
        Cols = cols;
        Data = new T[checked(rows * cols)];
    }

    /// <summary>Wraps existing row-major data (not copied).</summary>
    /// <exception cref="ArgumentException">The data length is not <c>rows · cols</c>.</exception>
    public Matrix(int rows, int cols, T[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (rows < 0 || cols < 0 || (long)rows * cols != data.Length)
        {
            throw new ArgumentException($"matrix data: expected {rows}×{cols} = {(long)rows * cols} elements, found {data.Length}", nameof(data));
        }

        Rows = rows;
        Cols = cols;
        Data = data;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>The row-major elements.</summary>
    public T[] Data { get; }

    /// <summary>Element (i, j).</summary>
    public T this[int i, int j]
    {
        get => Data[(i * Cols) + j];
        set => Data[(i * Cols) + j] = value;
    }

    /// <summary>Row <paramref name="i"/> as a span.</summary>
    public Span<T> Row(int i) => Data.AsSpan(i * Cols, Cols);

    /// <summary>A deep copy.</summary>
    public Matrix<T> Clone() => new(Rows, Cols, (T[])Data.Clone());
}
