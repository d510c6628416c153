using System.Text;
using Google.Protobuf;
using Onnx;
using PcVerify.Engine;
using PcVerify.Engine.Onnx;
using static PcVerify.Tests.Onnx.OnnxModels;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// Every bad input of the list, and the importer's other refusals: one line naming the file and the problem
/// (node, op type and position where there is a node), an <see cref="InvalidInputException"/>, nothing else. Each
/// case starts from a model the importer accepts (<see cref="Valid_base_model_imports"/>, the control) and breaks one thing.
/// </summary>
public class OnnxBadInputTests
{
    private static string Refused(byte[] bytes, params string[] fragments)
    {
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(bytes, "bad.onnx"));
        Assert.StartsWith("ONNX file 'bad.onnx'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        foreach (string f in fragments)
        {
            Assert.Contains(f, e.Message, StringComparison.Ordinal);
        }

        return e.Message;
    }

    private static OnnxModels Base() => Linear(4, 3);

    [Fact]
    public void Valid_base_model_imports() => Assert.Equal(2, OnnxImporter.Parse(Base().Bytes(), "ok.onnx").Graph.Vertices.Count);

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        Refused(Encoding.UTF8.GetBytes("this is a text file, not a model\n"), "not");
        Refused([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not"); // a PNG signature
        Refused([], "not an ONNX model");
    }

    [Fact]
    public void A_truncated_protobuf_is_refused()
    {
        byte[] bytes = Base().Bytes();
        Refused(bytes[..(bytes.Length / 2)], "truncated");
    }

    [Fact]
    public void An_opset_below_11_is_refused()
    {
        OnnxModels m = Base();
        m.Model.OpsetImport[0].Version = 9;
        Refused(m.Bytes(), "opset 9", "opset 11 or newer");
    }

    [Fact]
    public void A_dynamic_dimension_other_than_the_batch_is_refused()
    {
        OnnxModels m = Base();
        m.Graph.Input[0].Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "features" };
        Refused(m.Bytes(), "graph input 'x'", "dimension 1 is dynamic ('features')");
    }

    [Fact]
    public void An_initializer_whose_shape_contradicts_its_use_is_refused()
    {
        OnnxModels m = Base();
        m.Graph.Initializer[0].Dims[1] = 5; // W (3, 5) for an input of 4 features
        m.Graph.Initializer[0].FloatData.AddRange([0f, 0f, 0f]);
        Refused(m.Bytes(), "node 'y' (Gemm, node 1 of 1)", "weight 'W' has shape (3, 5), expected (out, 4)");

        OnnxModels b = Base();
        b.Graph.Initializer[1].Dims[0] = 2; // bias (2,) for 3 units
        b.Graph.Initializer[1].FloatData.RemoveAt(0);
        Refused(b.Bytes(), "bias 'b' has shape (2), expected (3,)");
    }

    [Fact]
    public void Two_outputs_are_refused()
    {
        OnnxModels m = Base();
        m.Graph.Output.Add(Info("x2", 4));
        Refused(m.Bytes(), "2 graph outputs ('y', 'x2')");
    }

    [Fact]
    public void A_graph_input_that_is_never_used_is_refused()
    {
        OnnxModels m = Base();
        m.Graph.Input.Add(Info("unused", 2));
        Refused(m.Bytes(), "graph input 'unused' is never used");
    }

    [Fact]
    public void A_cycle_is_refused()
    {
        var m = new OnnxModels().Input("x", 3).Output("y", 3);
        m.Node("Add", ["x", "b"], "a");
        m.Node("Relu", ["a"], "b");
        m.Node("Identity", ["a"], "y");
        Refused(m.Bytes(), "cycle", "node 'a' (Add, node 1 of 3)");
    }

    [Fact]
    public void A_tensor_claiming_2_GB_in_a_small_file_is_refused_without_allocating_it()
    {
        OnnxModels m = Base();
        TensorProto w = m.Graph.Initializer[0];
        w.Dims.Clear();
        w.Dims.AddRange([3, 178956971]); // 536,870,913 floats: 2 GB claimed
        w.FloatData.Clear();
        w.RawData = ByteString.CopyFrom(new byte[8]);
        byte[] bytes = m.Bytes();
        Assert.True(bytes.Length < 1024);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Refused(bytes, "initializer 'W'", "claim 536870913 elements (2147483652 bytes), the tensor holds 8 bytes");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"refusing the claim allocated {allocated} bytes");
    }

    [Fact]
    public void An_unsupported_operator_is_named_with_its_op_type_and_position()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "z", Int("transB", 1));
        m.Node("Sin", ["z"], "s");
        m.Node("Identity", ["s"], "y");
        Refused(m.Bytes(), "node 's' (Sin, node 2 of 3): unsupported operator");
    }

    [Fact]
    public void Composed_activations_on_one_edge_are_refused_but_relu_of_relu_is_relu()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Relu", ["x"], "r");
        m.Node("Tanh", ["r"], "t");
        m.Node("Gemm", ["t", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1));
        Refused(m.Bytes(), "node 't' (Tanh, node 2 of 3) applies tanh to relu(vertex 'x')", "composed activations");

        var ok = new OnnxModels().Input("x", 4).Output("y", 3);
        ok.Node("Relu", ["x"], "r");
        ok.Node("Relu", ["r"], "rr");
        ok.Node("Gemm", ["rr", ok.Init("W", 3, 4), ok.Init("b", 3)], "y", Int("transB", 1));
        Assert.Equal("relu", OnnxImporter.Parse(ok.Bytes(), "ok.onnx").Graph.Vertices[1].Parents[0].Activation.Name);
    }

    [Fact]
    public void Gemm_with_alpha_or_beta_other_than_1_is_refused()
    {
        OnnxModels m = Base();
        m.Graph.Node[0].Attribute.Add(Float("alpha", 2f));
        Refused(m.Bytes(), "(Gemm, node 1 of 1): alpha 2, beta 1; only alpha = beta = 1");
    }

    [Fact]
    public void An_initializer_used_by_two_vertices_is_refused_as_tied_parameters()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 4);
        string w = m.Init("W", 4, 4);
        m.Node("Gemm", ["x", w], "h", Int("transB", 1));
        m.Node("Gemm", ["h", w], "y", Int("transB", 1));
        Refused(m.Bytes(), "uses initializer 'W', which vertex 'h' uses too; tied parameters");
    }

    [Fact]
    public void A_model_whose_output_is_its_input_is_refused()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 4);
        m.Node("Identity", ["x"], "y");
        Refused(m.Bytes(), "graph output 'y' is the input itself");
    }

    [Fact]
    public void A_reshape_to_a_non_flat_shape_is_refused()
    {
        var m = new OnnxModels().Input("x", 2, 3, 3).Output("y", 3);
        m.Graph.Initializer.Add(Ints("target", [0, 2, 9], 3));
        m.Node("Reshape", ["x", "target"], "r");
        m.Node("Gemm", ["r", m.Init("W", 3, 18)], "y", Int("transB", 1));
        Refused(m.Bytes(), "(Reshape, node 1 of 2): reshapes to something other than (batch, 18)");
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Load("/nonexistent/model.onnx"));
        Assert.Equal("ONNX file '/nonexistent/model.onnx' not found", e.Message);
    }
}

/// <summary>
/// Corrupted models: a model the importer accepts, with bytes flipped or cut at seeded random places. Whatever the
/// damage, the importer must accept the result or refuse it with <see cref="InvalidInputException"/> — never another
/// exception (a crash with a stack trace in the CLI).
/// </summary>
public class OnnxCorruptionTests
{
    [Theory]
    [InlineData(1ul)]
    [InlineData(2ul)]
    [InlineData(3ul)]
    [InlineData(4ul)]
    public void Any_corruption_is_imported_or_refused_with_one_line_never_a_crash(ulong seed)
    {
        (var spec, var parameters, _) = RandomGraphs.Create(seed);
        byte[] original = PcVerify.Engine.Onnx.OnnxWriter.ToBytes(spec, parameters);
        var rng = new PcVerify.Engine.Rng(seed + 99);
        int refused = 0, imported = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] bytes = trial % 4 == 0 ? original[..rng.NextInt(original.Length)] : (byte[])original.Clone();
            if (trial % 4 != 0)
            {
                for (int flips = 1 + rng.NextInt(3); flips > 0; flips--)
                {
                    bytes[rng.NextInt(bytes.Length)] = (byte)rng.NextInt(256);
                }
            }

            try
            {
                _ = OnnxImporter.Parse(bytes, "corrupt.onnx");
                imported++;
            }
            catch (InvalidInputException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                refused++;
            }
        }

        Assert.True(refused > 0, "no corruption was refused: the corruption did not reach the importer");
    }
}
