using System.Buffers.Binary;
using System.IO.Compression;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;

namespace PcVerify.Tests.Fuzz;

/// <summary>One file reader under fuzzing: its valid seed files and the call that reads a file.</summary>
/// <param name="Name">The target's name (a directory name under <c>Fuzz/Regressions</c> and the harness's argument).</param>
/// <param name="Seeds">Valid files the mutations start from.</param>
/// <param name="Read">Reads the file at a path; it must return or throw <see cref="Engine.InvalidInputException"/>.</param>
internal sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, Action<string> Read);

/// <summary>
/// The readers that take files from users (NPY, NPZ, data NPZ, parameter NPZ, IDX raw and gzip, graph JSON with
/// its compilation, ONNX import) with small valid seeds built by the engine's own writers. Shared by the in-process campaign
/// (<see cref="ReaderFuzzTests"/>) and the SharpFuzz harness in <c>fuzz/</c>, which compiles this file.
/// </summary>
internal static class FuzzTargets
{
    private static readonly Lazy<IReadOnlyList<FuzzTarget>> Targets = new(Build);

    /// <summary>Every target.</summary>
    public static IReadOnlyList<FuzzTarget> All => Targets.Value;

    /// <summary>The targets' names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["npy", "npz", "data-npz", "parameter-npz", "idx-images", "idx-labels", "graph-json", "onnx"];

    /// <summary>
    /// The read call of target <paramref name="name"/>, without building seeds: under SharpFuzz the engine is
    /// instrumented and may run only inside the fuzzer's callback.
    /// </summary>
    public static Action<string> Reader(string name) => name switch
    {
        "npy" => path =>
        {
            using FileStream s = File.OpenRead(path);
            Npy.Read(s, path);
        },
        "npz" => path => Npz.Read(path),
        "data-npz" => path => NpzDataSet.Load(path),
        "parameter-npz" => path =>
        {
            (int[] widths, bool bias) = ParameterIo.InferArchitecture(path);
            ParameterIo.Load<double>(path, new NetworkSpec(widths, [Activation.Parse("tanh")], bias));
        },
        "idx-images" => path => Idx.ReadImages(path),
        "idx-labels" => path => Idx.ReadLabels(path),
        "graph-json" => path => CompiledGraph.Compile(GraphJson.Read(path), path),
        "onnx" => path => OnnxImporter.Load(path),
        _ => throw new ArgumentException($"unknown fuzz target '{name}'; expected one of {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The target called <paramref name="name"/>.</summary>
    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"unknown fuzz target '{name}'; expected one of {string.Join(", ", Names)}", nameof(name));

    private static List<FuzzTarget> Build()
    {
        string dir = Path.Combine(Path.GetTempPath(), "pcverify-fuzz-seeds-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            NetworkSpec spec = NetworkSpec.FromInputToOutput([3, 4, 2], [Activation.Parse("tanh")], bias: true);
            Parameters<double> p = Initialisation<double>.Create(spec, InitScheme.XavierUniform, 7, biasScale: 0.5);
            byte[] Saved(Action<string> save)
            {
                string path = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".npz");
                save(path);
                return File.ReadAllBytes(path);
            }

            DataSet classification = Synthetic.Classification(6, 3, 2, 5);
            DataSet regression = Synthetic.Regression(5, 2, 3, 9);
            byte[] parameters64 = Saved(path => ParameterIo.Save(path, p, NpyDType.Float64));
            byte[] parameters32 = Saved(path => ParameterIo.Save(path, p, NpyDType.Float32));
            byte[] data = Saved(path => NpzDataSet.Save(path, classification, NpyDType.Float64));
            byte[] data32 = Saved(path => NpzDataSet.Save(path, regression, NpyDType.Float32));
            byte[] storedData = StoredZip(
                ("inputs.npy", NpyBytes(new NpyArray([2, 3], [0.5, -1, 2, 0, 0.25, 3]), NpyDType.Float64)),
                ("targets.npy", NpyBytes(new NpyArray([2, 2], [1, 0, 0, 1]), NpyDType.Float32)),
                ("labels.npy", NpyBytes(new NpyArray([2], [0, 1]), NpyDType.Int64)));
            byte[] npz = Saved(path => Npz.Write(path, new Dictionary<string, NpyArray>
            {
                ["a"] = new([2, 2], [1, 2, 3, 4]),
                ["b"] = new([3], [0, 1, 2]),
                ["s"] = new([], [5]),
            }, NpyDType.Int32));

            byte[] images = IdxBytes(Idx.ImagesMagic, [3, 4, 4], [.. Enumerable.Range(0, 48).Select(k => (byte)(k * 37))]);
            byte[] labels = IdxBytes(Idx.LabelsMagic, [5], [0, 3, 9, 1, 2]);
            GraphSpec cnn = SmallCnn();
            CompiledGraph cnnGraph = CompiledGraph.Compile(cnn);
            GraphSpec chain = GraphSpec.Chain(spec);
            Dictionary<string, NpyArray> cnnParameters = GraphParameters<double>.Initialise(cnnGraph, InitScheme.XavierUniform, 3, biasScale: 0.5).ToArrays(NpyDType.Float32);
            Dictionary<string, NpyArray> chainParameters = GraphParameters<double>.FromChain(CompiledGraph.Compile(chain), p).ToArrays(NpyDType.Float32);
            Dictionary<string, IReadOnlyList<byte[]>> seeds = new()
            {
                ["npy"] =
                [
                    NpyBytes(new NpyArray([3, 4], [.. Enumerable.Range(0, 12).Select(k => k * 0.5)]), NpyDType.Float64),
                    NpyBytes(new NpyArray([5], [1, 2, 3, 4, 5]), NpyDType.Float32),
                    NpyBytes(new NpyArray([2, 2], [1, -2, 3, -4]), NpyDType.Int64),
                    NpyBytes(new NpyArray([4], [0, 1, 254, 255]), NpyDType.UInt8),
                ],
                ["npz"] = [npz, storedData, data],
                ["data-npz"] = [data, data32, storedData],
                ["parameter-npz"] = [parameters64, parameters32],
                ["idx-images"] = [images, Gzip(images)],
                ["idx-labels"] = [labels, Gzip(labels)],
                ["graph-json"] = [System.Text.Encoding.UTF8.GetBytes(GraphJson.Write(cnn)), System.Text.Encoding.UTF8.GetBytes(GraphJson.Write(chain))],
                ["onnx"] = [OnnxWriter.ToBytes(cnn, cnnParameters), OnnxWriter.ToBytes(chain, chainParameters)],
            };
            return [.. Names.Select(n => new FuzzTarget(n, seeds[n], Reader(n)))];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A conv whose output is max-pooled (relu) and average-pooled (tanh), summed, flattened and dense: every vertex kind, small enough to fuzz quickly.</summary>
    private static GraphSpec SmallCnn() => new(
        [
            new VertexSpec { Name = "x", Kind = VertexKind.Input, Shape = [1, 4, 4] },
            new VertexSpec { Name = "conv", Kind = VertexKind.Conv2d, Parents = [new EdgeSpec("x", Activation.Identity)], Units = 2, Kernel = (3, 3), Padding = (1, 1), Bias = true },
            new VertexSpec { Name = "pool", Kind = VertexKind.MaxPool2d, Parents = [new EdgeSpec("conv", Activation.Relu)], Kernel = (2, 2), Stride = (2, 2) },
            new VertexSpec { Name = "avg", Kind = VertexKind.AvgPool2d, Parents = [new EdgeSpec("conv", Activation.Tanh)], Kernel = (2, 2), Stride = (2, 2) },
            new VertexSpec { Name = "sum", Kind = VertexKind.Sum, Parents = [new EdgeSpec("pool", Activation.Identity), new EdgeSpec("avg", Activation.Identity)] },
            new VertexSpec { Name = "flat", Kind = VertexKind.Flatten, Parents = [new EdgeSpec("sum", Activation.Identity)] },
            new VertexSpec { Name = "fc", Kind = VertexKind.Dense, Parents = [new EdgeSpec("flat", Activation.Tanh)], Units = 3, Bias = true },
        ],
        "fc");

    private static byte[] NpyBytes(NpyArray array, NpyDType dtype)
    {
        using var ms = new MemoryStream();
        Npy.Write(ms, array, dtype);
        return ms.ToArray();
    }

    private static byte[] StoredZip(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using Stream s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        }

        return ms.ToArray();
    }

    private static byte[] IdxBytes(int magic, int[] dims, byte[] body)
    {
        var bytes = new byte[4 + (4 * dims.Length) + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }

        body.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }
}
