namespace PcVerify.Engine.Kernels;

/// <summary>Argument validation shared by the kernels: every kernel validates before it takes references.</summary>
internal static class Shapes
{
    public static void CheckMatrix(int length, int m, int n, string name)
    {
        if (m < 0 || n < 0 || (long)m * n != length)
        {
            throw new ArgumentException($"{name}: expected a {m}×{n} matrix ({(long)m * n} elements), found {length} elements", name);
        }
    }

    public static void CheckLength(int length, int expected, string name)
    {
        if (length != expected)
        {
            throw new ArgumentException($"{name}: expected {expected} elements, found {length}", name);
        }
    }
}
