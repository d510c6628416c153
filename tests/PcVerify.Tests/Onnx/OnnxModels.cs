using Google.Protobuf;
using Onnx;
using PcVerify.Engine;
using DataType = Onnx.TensorProto.Types.DataType;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// Hand-built ONNX models for the tests (OnnxSharp's protobuf types, node by node as an exporter writes them), so the
/// importer's patterns and refusals are tested independently of <c>OnnxWriter</c> and of the shared models.
/// </summary>
internal sealed class OnnxModels
{
    private readonly Rng _rng;

    public OnnxModels(int opset = 13, ulong seed = 1)
    {
        Model = new ModelProto { IrVersion = 7, ProducerName = "tests", Graph = new GraphProto { Name = "t" } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        _rng = new Rng(seed);
    }

    public ModelProto Model { get; }

    public GraphProto Graph => Model.Graph;

    public byte[] Bytes() => Model.ToByteArray();

    /// <summary>A float graph input/output of shape (batch, dims...), the batch dynamic.</summary>
    public static ValueInfoProto Info(string name, params long[] dims)
    {
        var s = new TensorShapeProto();
        s.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (long d in dims)
        {
            s.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = s } } };
    }

    public OnnxModels Input(string name, params long[] dims)
    {
        Graph.Input.Add(Info(name, dims));
        return this;
    }

    public OnnxModels Output(string name, params long[] dims)
    {
        Graph.Output.Add(Info(name, dims));
        return this;
    }

    /// <summary>A float initializer with seeded N(0, 0.5²) values.</summary>
    public string Init(string name, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        long n = dims.Aggregate(1L, (p, d) => p * d);
        for (long i = 0; i < n; i++)
        {
            t.FloatData.Add((float)(0.5 * _rng.NextNormal()));
        }

        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>An INT64 tensor.</summary>
    public static TensorProto Ints(string name, long[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    /// <summary>A Constant node holding an INT64 vector.</summary>
    public string Constant(string output, params long[] values)
    {
        var n = new NodeProto { OpType = "Constant", Name = output };
        n.Output.Add(output);
        n.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Ints("", values, values.Length) });
        Graph.Node.Add(n);
        return output;
    }

    public OnnxModels Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = output };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        n.Attribute.AddRange(attributes);
        Graph.Node.Add(n);
        return this;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntList(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>x (batch, in) → Gemm(transB = 1) → out (batch, units); returns the builder for more.</summary>
    public static OnnxModels Linear(int inFeatures, int units, string output = "y")
    {
        var m = new OnnxModels().Input("x", inFeatures).Output(output, units);
        m.Node("Gemm", ["x", m.Init("W", units, inFeatures), m.Init("b", units)], output, Int("transB", 1));
        return m;
    }

    /// <summary>x → MatMul(W (in, out)) → Add(b): PyTorch's Linear on inputs of rank &gt; 2.</summary>
    public static byte[] MatMulAdd(int inFeatures, int outFeatures)
    {
        var m = new OnnxModels().Input("x", inFeatures).Output("y", outFeatures);
        m.Node("MatMul", ["x", m.Init("W", inFeatures, outFeatures)], "mm");
        m.Node("Add", ["mm", m.Init("b", outFeatures)], "y");
        return m.Bytes();
    }

    /// <summary>x (2, 3, 3) → Relu → view(x.size(0), −1) as PyTorch exports it → Gemm → y (4).</summary>
    public static byte[] ViewFlatten()
    {
        var m = new OnnxModels().Input("x", 2, 3, 3).Output("y", 4);
        m.Node("Relu", ["x"], "r");
        m.Node("Shape", ["r"], "shape");
        m.Constant("zero", 0);
        m.Graph.Node[^1].Attribute[0].T.Dims.Clear(); // a scalar index, as x.size(0) exports it
        m.Node("Gather", ["shape", "zero"], "batch", Int("axis", 0));
        m.Constant("axes", 0);
        m.Node("Unsqueeze", ["batch", "axes"], "batch1");
        m.Constant("minus1", -1);
        m.Node("Concat", ["batch1", "minus1"], "target", Int("axis", 0));
        m.Node("Reshape", ["r", "target"], "flat");
        m.Node("Gemm", ["flat", m.Init("W", 4, 18), m.Init("b", 4)], "y", Int("transB", 1));
        return m.Bytes();
    }

    /// <summary>x (4) → Gemm → Softmax or LogSoftmax → y (3).</summary>
    public static byte[] WithTrailingSoftmax(string op)
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "logits", Int("transB", 1));
        m.Node(op, ["logits"], "y", Int("axis", 1));
        return m.Bytes();
    }

    /// <summary>x (4) → Gemm → <paramref name="op"/> → y (3).</summary>
    public static byte[] WithTrailingActivation(string op)
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "z", Int("transB", 1));
        m.Node(op, ["z"], "y");
        return m.Bytes();
    }

    /// <summary>x (2, 4, 4) → Pad(zeros, p on H and W) → AveragePool(2, stride 2) → Flatten → Gemm → y (3).</summary>
    public static byte[] PaddedAvgPool(int pad)
    {
        var m = new OnnxModels().Input("x", 2, 4, 4).Output("y", 3);
        string pads = m.Constant("pads", 0, 0, pad, pad, 0, 0, pad, pad);
        m.Node("Pad", ["x", pads], "padded");
        m.Node("AveragePool", ["padded"], "pool", IntList("kernel_shape", 2, 2), IntList("strides", 2, 2));
        m.Node("Flatten", ["pool"], "flat", Int("axis", 1));
        int side = ((4 + (2 * pad) - 2) / 2) + 1;
        m.Node("Gemm", ["flat", m.Init("W", 3, 2 * side * side), m.Init("b", 3)], "y", Int("transB", 1));
        return m.Bytes();
    }
}
