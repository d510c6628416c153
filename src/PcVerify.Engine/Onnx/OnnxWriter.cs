using Google.Protobuf;
using Onnx;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using DataType = Onnx.TensorProto.Types.DataType;

namespace PcVerify.Engine.Onnx;

/// <summary>
/// Writes a <see cref="GraphSpec"/> with its parameters as a fresh ONNX model (opset 13), so ONNX Runtime or any other
/// ONNX tool runs the same function: each edge activation becomes one Relu, Tanh, Sigmoid, LeakyRelu or Softplus node
/// (shared by every edge that applies it to the same parent), each vertex one Gemm, Conv, AveragePool, MaxPool, Flatten
/// or Identity node, a sum of k parents k − 1 Add nodes. Tensor names are the vertex names; initializers are the
/// parameter keys. <see cref="OnnxImporter"/> reads the result back to the same graph.
/// </summary>
public static class OnnxWriter
{
    /// <summary>The opset written.</summary>
    public const int Opset = 13;

    /// <summary>Writes the model to <paramref name="path"/> atomically (see <see cref="ToBytes"/>).</summary>
    /// <exception cref="InvalidInputException">See <see cref="ToBytes"/>; or the file cannot be written.</exception>
    public static void Write(string path, GraphSpec graph, IReadOnlyDictionary<string, NpyArray> parameters, NpyDType dtype = NpyDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = ToBytes(graph, parameters, dtype);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// The ONNX model of <paramref name="graph"/> with <paramref name="parameters"/> (keyed by each vertex's
    /// <see cref="VertexSpec.WeightName"/> and <see cref="VertexSpec.BiasName"/>, in the vertex's layout), every tensor
    /// of element type <paramref name="dtype"/> (float32 rounds to nearest). The batch dimension is dynamic.
    /// </summary>
    /// <exception cref="InvalidInputException">The graph does not compile (<see cref="CompiledGraph.Compile"/>), a
    /// parameter is missing, or an edge carries a custom activation (ONNX has no node for it).</exception>
    public static byte[] ToBytes(GraphSpec graph, IReadOnlyDictionary<string, NpyArray> parameters, NpyDType dtype = NpyDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(parameters);
        DataType type = dtype switch
        {
            NpyDType.Float32 => DataType.Float,
            NpyDType.Float64 => DataType.Double,
            _ => throw new ArgumentException($"ONNX export writes float32 or float64, not {dtype}", nameof(dtype)),
        };

        CompiledGraph compiled = CompiledGraph.Compile(graph, "ONNX export");
        var g = new GraphProto { Name = "pcverify" };
        var activated = new Dictionary<(string, string), string>();
        GraphVertex input = compiled.Vertices[compiled.Input];
        g.Input.Add(Info(input.Name, type, input.Shape));
        foreach (GraphVertex vertex in compiled.Vertices)
        {
            if (vertex.Index == compiled.Input)
            {
                continue;
            }

            VertexSpec v = vertex.Spec;
            string[] xs = [.. v.Parents.Select(e => Activated(g, activated, e))];
            switch (v.Kind)
            {
                case VertexKind.Dense:
                    g.Node.Add(Node("Gemm", v.Name, [xs[0], Param(g, parameters, v.WeightName, type), .. Bias(g, parameters, v, type)], v.Name,
                        IntAttr("transB", v.WeightLayout == WeightLayout.OutIn ? 1 : 0)));
                    break;
                case VertexKind.Conv2d:
                    g.Node.Add(Node("Conv", v.Name, [xs[0], Param(g, parameters, v.WeightName, type), .. Bias(g, parameters, v, type)], v.Name,
                        IntsAttr("kernel_shape", v.Kernel.H, v.Kernel.W), IntsAttr("strides", v.Stride.H, v.Stride.W),
                        IntsAttr("pads", v.Padding.H, v.Padding.W, v.Padding.H, v.Padding.W)));
                    break;
                case VertexKind.AvgPool2d:
                    g.Node.Add(Node("AveragePool", v.Name, [xs[0]], v.Name,
                        IntsAttr("kernel_shape", v.Kernel.H, v.Kernel.W), IntsAttr("strides", v.Stride.H, v.Stride.W),
                        IntsAttr("pads", v.Padding.H, v.Padding.W, v.Padding.H, v.Padding.W), IntAttr("count_include_pad", v.CountIncludePad ? 1 : 0)));
                    break;
                case VertexKind.MaxPool2d:
                    g.Node.Add(Node("MaxPool", v.Name, [xs[0]], v.Name,
                        IntsAttr("kernel_shape", v.Kernel.H, v.Kernel.W), IntsAttr("strides", v.Stride.H, v.Stride.W),
                        IntsAttr("pads", v.Padding.H, v.Padding.W, v.Padding.H, v.Padding.W)));
                    break;
                case VertexKind.Sum:
                    string acc = xs[0];
                    for (int k = 1; k < xs.Length; k++)
                    {
                        string output = k == xs.Length - 1 ? v.Name : $"{v.Name}/partial{k}";
                        g.Node.Add(Node("Add", output, [acc, xs[k]], output));
                        acc = output;
                    }

                    break;
                case VertexKind.Flatten:
                    g.Node.Add(Node("Flatten", v.Name, [xs[0]], v.Name, IntAttr("axis", 1)));
                    break;
                case VertexKind.Identity:
                    g.Node.Add(Node("Identity", v.Name, [xs[0]], v.Name));
                    break;
                default:
                    throw new InvalidInputException($"ONNX export: vertex '{v.Name}' has kind {v.Kind}, which ONNX export does not write");
            }
        }

        g.Output.Add(Info(graph.Output, type, compiled.Vertices[compiled.Output].Shape));
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "pcverify",
            Graph = g,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model.ToByteArray();
    }

    /// <summary>The tensor name of <c>f_e(x_p)</c>: the parent itself for the identity, else one shared activation node.</summary>
    private static string Activated(GraphProto g, Dictionary<(string, string), string> activated, EdgeSpec e)
    {
        Activation f = e.Activation;
        if (f.Kind == ActivationKind.Identity)
        {
            return e.Parent;
        }

        if (activated.TryGetValue((e.Parent, f.Name), out string? name))
        {
            return name;
        }

        name = $"{e.Parent}/{f.Name}";
        g.Node.Add(f.Kind switch
        {
            ActivationKind.Relu => Node("Relu", name, [e.Parent], name),
            ActivationKind.Tanh => Node("Tanh", name, [e.Parent], name),
            ActivationKind.Logistic => Node("Sigmoid", name, [e.Parent], name),
            ActivationKind.Softplus => Node("Softplus", name, [e.Parent], name),
            ActivationKind.LeakyRelu => Node("LeakyRelu", name, [e.Parent], name, FloatAttr("alpha", (float)f.Slope)),
            _ => throw new InvalidInputException($"ONNX export: the edge '{e.Parent}' carries the activation '{f.Name}', which has no ONNX operator"),
        });
        activated[(e.Parent, f.Name)] = name;
        return name;
    }

    private static string Param(GraphProto g, IReadOnlyDictionary<string, NpyArray> parameters, string key, DataType type)
    {
        if (!parameters.TryGetValue(key, out NpyArray? value))
        {
            throw new InvalidInputException($"ONNX export: no value for parameter '{key}'");
        }

        if (g.Initializer.All(t => t.Name != key))
        {
            g.Initializer.Add(OnnxTensors.Write(key, value, type));
        }

        return key;
    }

    private static string[] Bias(GraphProto g, IReadOnlyDictionary<string, NpyArray> parameters, VertexSpec v, DataType type) =>
        v.Bias ? [Param(g, parameters, v.BiasName, type)] : [];

    private static ValueInfoProto Info(string name, DataType type, IReadOnlyList<int> shape)
    {
        var s = new TensorShapeProto();
        s.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in shape)
        {
            s.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = s } } };
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        n.Attribute.AddRange(attributes);
        return n;
    }

    private static AttributeProto IntAttr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto FloatAttr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto IntsAttr(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
