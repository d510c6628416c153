using System.Text.RegularExpressions;
using Xunit;

namespace PcVerify.Tests.Architecture;

/// <summary>
/// The engine's folders form layers that only point down (issue 9, item 6): Network (definitions) → Kernels → Data →
/// Graph → Algorithms → the layered views (Backprop, PredictiveCoding) → Training → Experiments; Verification sits on
/// Algorithms, Onnx on Graph. The check reads the sources: every <c>PcVerify.Engine.X</c> a file names (a using
/// directive or a qualified name) must be a folder its own folder may use.
/// </summary>
public sealed partial class LayeringTests
{
    private static readonly string[] Base = ["Network", "Resources", "Kernels", "Data"];
    private static readonly string[] GraphLevel = [.. Base, "Graph"];
    private static readonly string[] AlgorithmLevel = [.. GraphLevel, "Algorithms"];
    private static readonly string[] Views = [.. AlgorithmLevel, "Backprop", "PredictiveCoding"];

    /// <summary>What each folder may use besides itself and the root namespace (Rng, InvalidInputException).</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Network"] = [],
        ["Resources"] = [],
        ["Kernels"] = ["Network"],
        ["Data"] = ["Network", "Resources"],
        ["Graph"] = Base,
        ["Onnx"] = GraphLevel,
        ["Algorithms"] = GraphLevel,
        ["Backprop"] = AlgorithmLevel,
        ["PredictiveCoding"] = AlgorithmLevel,
        ["Verification"] = AlgorithmLevel,
        ["Training"] = [.. Views, "Verification"],
        ["Experiments"] = [.. Views, "Verification", "Training"],
    };

    [GeneratedRegex(@"PcVerify\.Engine\.([A-Z][A-Za-z]*)")]
    private static partial Regex EngineReference();

    /// <summary>The violations in one file's text: the folders it names that <paramref name="folder"/> may not use.</summary>
    internal static IEnumerable<string> Violations(string folder, string source)
    {
        string[] allowed = Allowed[folder];
        return EngineReference().Matches(source)
            .Select(m => m.Groups[1].Value)
            .Where(used => used != folder && Allowed.ContainsKey(used) && !allowed.Contains(used))
            .Distinct();
    }

    private static string EngineSource()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "PcVerify.Engine");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("src/PcVerify.Engine not found above the test binary");
    }

    [Fact]
    public void Every_engine_folder_uses_only_the_layers_below_it()
    {
        string root = EngineSource();
        string[] folders = [.. Directory.GetDirectories(root).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj"))!];
        Assert.Equal(Allowed.Keys.Order(), folders.Order());
        List<string> found = [];
        foreach (string folder in folders)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                found.AddRange(Violations(folder, File.ReadAllText(file)).Select(v => $"{Path.GetRelativePath(root, file)} uses {v}"));
            }
        }

        Assert.True(found.Count == 0, "upward references:\n" + string.Join('\n', found));
    }

    [Theory]
    [InlineData("Data", "using PcVerify.Engine.Algorithms;", "Algorithms")]
    [InlineData("Kernels", "var s = PcVerify.Engine.Graph.GraphSpec.Chain(spec);", "Graph")]
    [InlineData("Algorithms", "using PcVerify.Engine.Training;", "Training")]
    public void An_upward_reference_is_found(string folder, string source, string expected) =>
        Assert.Equal([expected], Violations(folder, source));

    [Fact]
    public void A_downward_reference_and_the_root_namespace_are_allowed() =>
        Assert.Empty(Violations("Training", "using PcVerify.Engine.Algorithms;\nusing PcVerify.Engine.Graph;\nthrow new PcVerify.Engine.InvalidInputException(\"x\");"));
}
