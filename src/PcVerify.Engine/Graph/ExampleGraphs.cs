using System.Reflection;

namespace PcVerify.Engine.Graph;

/// <summary>
/// The example graphs of the repository's <c>examples/</c> folder, embedded in the engine at build time, so that
/// experiments that use them (the architectures section of <c>reproduce</c>) do not depend on the working directory
/// and the files stay their one source of truth.
/// </summary>
public static class ExampleGraphs
{
    /// <summary>The layered 64-32-16-10 tanh net as a graph (<c>examples/mlp.json</c>).</summary>
    public const string Mlp = "mlp";

    /// <summary>A conv–pool–dense net for 1×8×8 images (<c>examples/cnn-digits.json</c>).</summary>
    public const string CnnDigits = "cnn-digits";

    /// <summary>A ResNet-style block whose skip is one edge short, not levelled (<c>examples/resnet-skip.json</c>).</summary>
    public const string ResNetSkip = "resnet-skip";

    /// <summary>Reads the embedded <c>examples/<paramref name="name"/>.json</c>.</summary>
    /// <exception cref="InvalidInputException">No example has that name.</exception>
    public static GraphSpec Read(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using Stream? s = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PcVerify.Engine.Examples.{name}.json");
        if (s is null)
        {
            throw new InvalidInputException($"no embedded example graph '{name}'; expected one of: {Mlp}, {CnnDigits}, {ResNetSkip}");
        }

        using StreamReader reader = new(s);
        return GraphJson.Parse(reader.ReadToEnd(), $"examples/{name}.json");
    }
}
