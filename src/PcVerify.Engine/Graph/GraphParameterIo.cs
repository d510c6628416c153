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
    /// <summary>
    /// The prefix of the keys that hold feedback B beside the parameters (<c>feedback.&lt;weight key&gt;</c> for random and
    /// Kolen–Pollack B, <c>feedback.&lt;vertex&gt;</c> for direct feedback): a run with B of its own saves it, so that
    /// <c>--init</c> resumes it. A key is feedback when it starts with this prefix and is not one of the graph's parameters.
    /// </summary>
    public const string FeedbackPrefix = "feedback.";

    /// <summary>Writes <paramref name="parameters"/> atomically to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The path cannot be written.</exception>
    public static void Save<T>(string path, GraphParameters<T> parameters, NpyDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T> => Save(path, parameters, dtype, null);

    /// <summary>
    /// Writes <paramref name="parameters"/> and, when given, <paramref name="feedback"/> (keys starting with
    /// <see cref="FeedbackPrefix"/>) atomically to <paramref name="path"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">The path cannot be written.</exception>
    /// <exception cref="ArgumentException">A feedback key lacks the prefix or is also a parameter's key.</exception>
    public static void Save<T>(string path, GraphParameters<T> parameters, NpyDType dtype, IReadOnlyDictionary<string, NpyArray>? feedback)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Dictionary<string, NpyArray> arrays = parameters.ToArrays(dtype);
        foreach ((string key, NpyArray array) in feedback ?? new Dictionary<string, NpyArray>())
        {
            if (!key.StartsWith(FeedbackPrefix, StringComparison.Ordinal) || !arrays.TryAdd(key, array))
            {
                throw new ArgumentException($"feedback key '{key}' must start with '{FeedbackPrefix}' and differ from every parameter key", nameof(feedback));
            }
        }

        Npz.Write(path, arrays, dtype);
    }

    /// <summary>Reads the parameters of <paramref name="graph"/> from <paramref name="path"/>, exactly as stored.</summary>
    /// <exception cref="InvalidInputException">
    /// The file is not a valid NPZ, a key is missing or not a parameter of the graph (feedback keys included), a shape or
    /// dtype is wrong, or a value is not finite; one line naming the file, the key, and the expected and found shape.
    /// </exception>
    public static GraphParameters<T> Load<T>(string path, CompiledGraph graph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(graph);
        return GraphParameters<T>.FromArrays(graph, Npz.Read(path), path);
    }

    /// <summary>
    /// As <see cref="Load{T}(string, CompiledGraph)"/>, and the file may also hold feedback B: the arrays whose keys start
    /// with <see cref="FeedbackPrefix"/> and are not parameters of the graph are returned in <paramref name="feedback"/>
    /// (empty when there are none), unchecked — their shapes depend on the feedback kind, which the caller knows.
    /// </summary>
    /// <exception cref="InvalidInputException">As the plain overload, for the parameters.</exception>
    public static GraphParameters<T> Load<T>(string path, CompiledGraph graph, out IReadOnlyDictionary<string, NpyArray> feedback)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(graph);
        HashSet<string> parameterKeys = [.. graph.ParameterSlots.Select(s => s.Key)];
        Dictionary<string, NpyArray> parameters = new(StringComparer.Ordinal), b = new(StringComparer.Ordinal);
        foreach ((string key, NpyArray array) in Npz.Read(path))
        {
            (parameterKeys.Contains(key) || !key.StartsWith(FeedbackPrefix, StringComparison.Ordinal) ? parameters : b)[key] = array;
        }

        feedback = b;
        return GraphParameters<T>.FromArrays(graph, parameters, path);
    }
}
