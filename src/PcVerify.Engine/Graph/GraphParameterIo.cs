using System.Numerics;
using PcVerify.Engine.Data;

namespace PcVerify.Engine.Graph;

/// <summary>
/// A graph's parameters as NPZ, keyed as PyTorch's <c>state_dict</c> would be: <c>&lt;vertex&gt;.weight</c> /
/// <c>&lt;vertex&gt;.bias</c> (or the vertex's own keys, e.g. <c>theta{l+1}</c>/<c>beta{l+1}</c> for a chain from
/// <c>--arch</c>), in PyTorch layout, so numpy and PyTorch users can load and save them.
/// </summary>
public static class GraphParameterIo
{
    /// <summary>Writes <paramref name="parameters"/> atomically to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The path cannot be written.</exception>
    public static void Save<T>(string path, GraphParameters<T> parameters, NpyDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Npz.Write(path, parameters.ToArrays(dtype), dtype);
    }

    /// <summary>Reads the parameters of <paramref name="graph"/> from <paramref name="path"/>, exactly as stored.</summary>
    /// <exception cref="InvalidInputException">
    /// The file is not a valid NPZ, a key is missing or not a parameter of the graph, a shape or dtype is wrong, or a
    /// value is not finite; one line naming the file, the key, and the expected and found shape.
    /// </exception>
    public static GraphParameters<T> Load<T>(string path, CompiledGraph graph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(graph);
        return GraphParameters<T>.FromArrays(graph, Npz.Read(path), path);
    }
}
