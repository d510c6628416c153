using Onnx;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;

namespace PcVerify.Engine.Onnx;

/// <summary>
/// An ONNX model imported as a computation graph (<see cref="OnnxImporter"/>): the <see cref="GraphSpec"/>, its
/// parameters keyed by their ONNX initializer names and stored as ONNX holds them, the notes the import made, and the
/// original model, which <see cref="Save"/> writes back with new parameter values.
/// </summary>
public sealed class OnnxModel
{
    internal OnnxModel(string source, ModelProto proto, GraphSpec graph, IReadOnlyDictionary<string, NpyArray> initializers,
        IReadOnlyList<string> notes, string? removedOutputOp)
    {
        Source = source;
        Proto = proto;
        Graph = graph;
        Initializers = initializers;
        Notes = notes;
        RemovedOutputOp = removedOutputOp;
    }

    /// <summary>Where the model came from (the file name in messages).</summary>
    public string Source { get; }

    /// <summary>The computation graph; parameter keys are the ONNX initializer names.</summary>
    public GraphSpec Graph { get; }

    /// <summary>
    /// The parameters: every initializer a vertex uses as its weight or bias, keyed by its ONNX name, with the shape
    /// and orientation ONNX stores (a MatMul weight stays (in, out); a Gemm weight with transB = 1 is (out, in)), in
    /// the order the model lists them. Float32 values are converted to double exactly.
    /// </summary>
    public IReadOnlyDictionary<string, NpyArray> Initializers { get; }

    /// <summary>What the import did that a user must know, one line each (e.g. a removed trailing softmax).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>
    /// <c>Softmax</c> or <c>LogSoftmax</c> when the model's trailing softmax was removed (the graph's output is then
    /// the logits, and only the cross-entropy loss reproduces the model's training objective); otherwise null.
    /// </summary>
    public string? RemovedOutputOp { get; }

    /// <summary>The model's default-domain opset.</summary>
    public long Opset => Proto.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version;

    /// <summary>The producer the file names, e.g. <c>pytorch 1.13.0</c> (empty when it names none).</summary>
    public string Producer => $"{Proto.ProducerName} {Proto.ProducerVersion}".Trim();

    /// <summary>The original model, kept to write it back with new parameters.</summary>
    internal ModelProto Proto { get; }

    /// <summary>
    /// Writes the original model — the same nodes, inputs, outputs and every other initializer — with the parameters
    /// replaced by <paramref name="parameters"/>, each in its original element type (FLOAT rounds to nearest). The file
    /// is written atomically.
    /// </summary>
    /// <param name="path">The output <c>.onnx</c> file.</param>
    /// <param name="parameters">A value for every key of <see cref="Initializers"/>, of the same shape; no other keys.</param>
    /// <exception cref="InvalidInputException">A parameter is missing, unknown, or of another shape; or the file cannot be written.</exception>
    public void Save(string path, IReadOnlyDictionary<string, NpyArray> parameters)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream => WriteTo(parameters, stream));
    }

    /// <summary>Writes the model with <paramref name="parameters"/> to <paramref name="stream"/> (see <see cref="Save"/>).</summary>
    /// <exception cref="InvalidInputException">A parameter is missing, unknown, or of another shape.</exception>
    public void WriteTo(IReadOnlyDictionary<string, NpyArray> parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(stream);
        foreach (string key in parameters.Keys)
        {
            if (!Initializers.ContainsKey(key))
            {
                throw new InvalidInputException($"ONNX export of '{Source}': parameter '{key}' is not an initializer of the model");
            }
        }

        ModelProto copy = Proto.Clone();
        foreach (TensorProto t in copy.Graph.Initializer)
        {
            if (!Initializers.TryGetValue(t.Name, out NpyArray? original))
            {
                continue;
            }

            if (!parameters.TryGetValue(t.Name, out NpyArray? value))
            {
                throw new InvalidInputException($"ONNX export of '{Source}': no value for parameter '{t.Name}'");
            }

            if (!value.Shape.SequenceEqual(original.Shape))
            {
                throw new InvalidInputException(
                    $"ONNX export of '{Source}': parameter '{t.Name}' has shape {NpyArray.FormatShape(value.Shape)}, the model's initializer {NpyArray.FormatShape(original.Shape)}");
            }

            var type = (TensorProto.Types.DataType)t.DataType;
            t.FloatData.Clear();
            t.DoubleData.Clear();
            t.RawData = OnnxTensors.Encode(value.Data, type);
        }

        Google.Protobuf.MessageExtensions.WriteTo(copy, stream);
    }
}
