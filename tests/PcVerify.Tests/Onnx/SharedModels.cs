using PcVerify.Engine.Data;
using PcVerify.Engine.Onnx;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// The PyTorch-exported models of <c>shared/models</c> (beside the repository, as <c>../shared/models</c>; see its
/// README): <c>NAME.onnx</c> and PyTorch's float64 numbers in <c>NAME.ref.npz</c>.
/// </summary>
internal static class SharedModels
{
    /// <summary>The three models.</summary>
    public static TheoryData<string> Names => new() { "mlp", "cnn", "resnet" };

    /// <summary>
    /// The models directory found by walking up from the test binary, or null when absent — then a test passes with
    /// a printed message (a clone without <c>../shared</c>); under CI, where <c>../shared</c> is always laid beside
    /// the clone, its absence fails instead.
    /// </summary>
    public static string? Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "models");
            if (File.Exists(Path.Combine(candidate, "mlp.onnx")))
            {
                return candidate;
            }
        }

        Assert.False(TestPaths.IsCi, "shared/models not found beside the repository under CI");
        Console.WriteLine("shared/models not found beside the repository: the shared-model ONNX tests are skipped");
        return null;
    }

    /// <summary>The model file's path, or null (see <see cref="Directory"/>).</summary>
    public static string? Model(string name) => Directory() is { } d ? Path.Combine(d, name + ".onnx") : null;

    /// <summary>The imported model and its reference arrays, or null (see <see cref="Directory"/>).</summary>
    public static (OnnxModel Model, IReadOnlyDictionary<string, NpyArray> Ref)? Load(string name) =>
        Directory() is { } d
            ? (OnnxImporter.Load(Path.Combine(d, name + ".onnx")), Npz.Read(Path.Combine(d, name + ".ref.npz")))
            : null;
}
