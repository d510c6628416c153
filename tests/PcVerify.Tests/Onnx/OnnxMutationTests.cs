using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PcVerify.Engine;
using PcVerify.Engine.Onnx;
using static PcVerify.Tests.Onnx.OnnxModels;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// Tests written for the survivors of the mutation runs over the Onnx folder (docs/mutation/data-onnx-network.md).
/// </summary>
public class OnnxMutationTests
{
    // Survivor: the writer's ProducerName "pcverify" replaced by "". ONNX tools show a model's producer; ONNX
    // Runtime, which parses the bytes itself, is the reader here.
    [Fact]
    public void Exported_models_name_pcverify_as_their_producer()
    {
        var (spec, parameters, _) = RandomGraphs.Create(3);
        using var session = new InferenceSession(OnnxWriter.ToBytes(spec, parameters));
        Assert.Equal("pcverify", session.ModelMetadata.ProducerName);
    }

    // Survivor: Flatten's attribute name "axis" replaced by "" (the default 1 is then always read): every test
    // flattened at axis 1. Flatten at axis 2 keeps (batch, C) apart from H·W, which the dense vertex cannot take.
    [Fact]
    public void Flatten_at_an_axis_other_than_1_is_refused_naming_the_axis()
    {
        var m = new OnnxModels().Input("x", 2, 3, 3).Output("y", 4);
        m.Node("Flatten", ["x"], "flat", Int("axis", 2));
        m.Node("Gemm", ["flat", m.Init("W", 4, 18), m.Init("b", 4)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "f.onnx"));
        Assert.Contains("axis 2; only axis = 1", e.Message, StringComparison.Ordinal);
    }

    // Survivors: the pooling/convolution output-size check "h < 0 || w < 0" with "||" turned into "&&", and
    // "w < 0" into "w <= 0": the tests had kernels too large in both dimensions or in the height only, and none
    // whose width equals the input's. Output size ⌊(W + 2p − k)/s⌋ + 1 (ONNX's AveragePool, floor mode): a
    // 2×3 kernel on a 4×3 input gives 3×1; a 2×4 kernel does not fit.
    [Fact]
    public void A_kernel_as_wide_as_the_input_gives_width_1_and_a_wider_one_is_refused()
    {
        var fits = new OnnxModels().Input("x", 1, 4, 3).Output("y", 2);
        fits.Node("AveragePool", ["x"], "pool", IntList("kernel_shape", 2, 3));
        fits.Node("Flatten", ["pool"], "flat", Int("axis", 1));
        fits.Node("Gemm", ["flat", fits.Init("W", 2, 3), fits.Init("b", 2)], "y", Int("transB", 1));
        Assert.Equal(4, OnnxImporter.Parse(fits.Bytes(), "fits.onnx").Graph.Vertices.Count);

        var wide = new OnnxModels().Input("x", 1, 4, 3).Output("y", 2);
        wide.Node("AveragePool", ["x"], "pool", IntList("kernel_shape", 2, 4));
        wide.Node("Flatten", ["pool"], "flat", Int("axis", 1));
        wide.Node("Gemm", ["flat", wide.Init("W", 2, 3), wide.Init("b", 2)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(wide.Bytes(), "wide.onnx"));
        Assert.Contains("kernel 2×4 is larger than the padded input 4×3", e.Message, StringComparison.Ordinal);
    }

    // Survivor: CheckEveryVertexReachesOutput removed: no test gave the importer a node whose value is never used.
    // A dead vertex would still be trained (its parameters get no gradient) and exported; the importer refuses it.
    [Fact]
    public void A_node_whose_value_never_reaches_the_output_is_refused_by_name()
    {
        OnnxModels m = Linear(4, 3);
        m.Node("Gemm", ["x", m.Init("W2", 2, 4), m.Init("b2", 2)], "dead", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "dead.onnx"));
        Assert.Contains("does not reach the graph output; its value is never used", e.Message, StringComparison.Ordinal);
        Assert.Contains("dead", e.Message, StringComparison.Ordinal);
    }

    // Survivor: Gemm's attribute name "beta" replaced by "" (so beta was never read): the tests refused alpha ≠ 1
    // only. Gemm computes alpha·A·B' + beta·C; a beta other than 1 scales the bias, which a dense vertex cannot.
    [Fact]
    public void A_gemm_with_beta_other_than_1_is_refused()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1), Float("beta", 0.5f));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "beta.onnx"));
        Assert.Contains("beta 0.5; only alpha = beta = 1 is supported", e.Message, StringComparison.Ordinal);
    }

    // Survivor: RemoveTrailingSoftmax's "index < 0" (no node produces the output) turned into "index <= 0". The
    // importer takes nodes in any order (it sorts them topologically), so the trailing Softmax may be node 0; it
    // must be removed exactly as when it is listed last.
    [Fact]
    public void A_trailing_softmax_listed_as_the_first_node_is_removed_too()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Softmax", ["logits"], "y", Int("axis", 1));
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "logits", Int("transB", 1));
        OnnxModel model = OnnxImporter.Parse(m.Bytes(), "first.onnx");
        Assert.Equal("Softmax", model.RemovedOutputOp);
        Assert.Equal(2, model.Graph.Vertices.Count);
    }

    // Survivor: the context of a bias's data check ("ONNX file '…': initializer 'b'") replaced by "". The house
    // rule is one line naming the file and the field. A Gemm's bias is read (and named) as a parameter first; the
    // bias of a MatMul → Add pair is read only by this check, so a short one there must still be named.
    [Fact]
    public void A_folded_bias_holding_fewer_values_than_its_dims_is_refused_naming_file_and_initializer()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("MatMul", ["x", m.Init("W", 4, 3)], "mm");
        m.Node("Add", ["mm", m.Init("b", 3)], "y");
        m.Graph.Initializer.Single(t => t.Name == "b").FloatData.RemoveAt(2);
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "short.onnx"));
        Assert.StartsWith("ONNX file 'short.onnx': initializer 'b': dims (3) claim 3 elements, the tensor holds 2", e.Message, StringComparison.Ordinal);
    }

    // Survivor: Parse's ThrowIfNull(bytes) removed; protobuf's parser then throws for its own parameter "data".
    [Fact]
    public void Parse_refuses_null_bytes_by_name()
    {
        Assert.Equal("bytes", Assert.Throws<ArgumentNullException>(() => OnnxImporter.Parse(null!, "n.onnx")).ParamName);
    }

    // Survivor: the parse-error classifier's "ended unexpectedly" replaced by "" (every protobuf error then counts as
    // a truncation). 08 01 is ir_version = 1; tag 0F is field 1 with wire type 7, which does not exist: a bad file
    // that starts like ONNX but is not cut short, so it must not be called truncated.
    [Fact]
    public void A_protobuf_error_other_than_an_early_end_is_not_called_a_truncation()
    {
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse([0x08, 0x01, 0x0F, 0x00, 0x00], "wire.onnx"));
        Assert.Contains("not an ONNX model", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("truncated", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("runs past the end", e.Message, StringComparison.Ordinal);
    }

    // Survivor: the refusal of a node input that nothing provides removed (statement and message).
    [Fact]
    public void A_node_reading_a_value_nothing_provides_is_refused_naming_it()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("Gemm", ["nowhere", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "nowhere.onnx"));
        Assert.Contains("reads 'nowhere', which no node, graph input or initializer provides", e.Message, StringComparison.Ordinal);
    }

    // Survivors: MatMul → Add folding's "Add && default domain && two inputs" with either "&&" turned into "||".
    // An Add of another operator domain is not ONNX's Add: it must not be folded into the dense vertex.
    [Fact]
    public void A_matmul_followed_by_an_add_of_another_domain_is_not_folded()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 3);
        m.Node("MatMul", ["x", m.Init("W", 4, 3)], "mm");
        m.Node("Add", ["mm", m.Init("b", 3)], "y");
        m.Graph.Node[^1].Domain = "com.example";
        Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "domain.onnx"));
    }

    // Survivor: a Conv's CheckBias removed: every test's conv bias had the right length.
    [Fact]
    public void A_conv_bias_of_the_wrong_length_is_refused()
    {
        var m = new OnnxModels().Input("x", 1, 5, 5).Output("y", 2);
        m.Node("Conv", ["x", m.Init("W", 4, 1, 3, 3), m.Init("b", 5)], "c", IntList("kernel_shape", 3, 3));
        m.Node("Flatten", ["c"], "flat", Int("axis", 1));
        m.Node("Gemm", ["flat", m.Init("W2", 2, 36), m.Init("b2", 2)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "convbias.onnx"));
        Assert.Contains("bias 'b' has shape", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected (4,)", e.Message, StringComparison.Ordinal);
    }

    // Survivors: MaxPool's "storage_order != 0 || indices used" with "||" turned into "&&", and the attribute name
    // "storage_order" replaced by "": no test set storage_order (column-major indices, which PcVerify cannot give).
    [Fact]
    public void A_max_pool_with_storage_order_1_is_refused()
    {
        var m = new OnnxModels().Input("x", 1, 4, 4).Output("y", 3);
        m.Node("MaxPool", ["x"], "pool", IntList("kernel_shape", 2, 2), IntList("strides", 2, 2), Int("storage_order", 1));
        m.Node("Flatten", ["pool"], "flat", Int("axis", 1));
        m.Node("Gemm", ["flat", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "order.onnx"));
        Assert.Contains("MaxPool's indices output (or storage_order) is not supported", e.Message, StringComparison.Ordinal);
    }

    // PyTorch's view(x.size(0), rest) pattern with the gathered index and the second Concat entry chosen by the test.
    private static byte[] View(long gathered, long rest)
    {
        var m = new OnnxModels().Input("x", 2, 3, 3).Output("y", 4);
        m.Node("Relu", ["x"], "r");
        m.Node("Shape", ["r"], "shape");
        m.Constant("index", gathered);
        m.Graph.Node[^1].Attribute[0].T.Dims.Clear();
        m.Node("Gather", ["shape", "index"], "batch", Int("axis", 0));
        m.Constant("axes", 0);
        m.Node("Unsqueeze", ["batch", "axes"], "batch1");
        m.Constant("rest", rest);
        m.Node("Concat", ["batch1", "rest"], "target", Int("axis", 0));
        m.Node("Reshape", ["r", "target"], "flat");
        m.Node("Gemm", ["flat", m.Init("W", 4, 18), m.Init("b", 4)], "y", Int("transB", 1));
        return m.Bytes();
    }

    // Survivor (no coverage): view(B, 18) with the feature count explicit (2·3·3 = 18) rather than −1 must fold like
    // view(B, −1); "t.Rest == size" turned into "!=" refused it.
    [Fact]
    public void A_view_with_an_explicit_feature_count_folds_into_a_flatten()
    {
        OnnxModel explicitRest = OnnxImporter.Parse(View(0, 18), "v18.onnx");
        OnnxModel inferred = OnnxImporter.Parse(View(0, -1), "v-1.onnx");
        Assert.Equal(inferred.Graph.Vertices.Select(v => v.Kind), explicitRest.Graph.Vertices.Select(v => v.Kind));
    }

    // Survivor (no coverage): the refusal of a Gather of a dimension other than the batch removed.
    [Fact]
    public void Gathering_a_dimension_other_than_the_batch_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(View(1, -1), "g1.onnx"));
        Assert.Contains("gathers a dimension other than the batch (0) from a shape", e.Message, StringComparison.Ordinal);
    }

    // Survivors: the refusal of a declared output shape that differs from the computed one removed (statement and
    // message parts). Linear(4, 3) computes (batch, 3); declaring (batch, 5) must be refused.
    [Fact]
    public void A_declared_output_shape_other_than_the_computed_one_is_refused()
    {
        var m = new OnnxModels().Input("x", 4).Output("y", 5);
        m.Node("Gemm", ["x", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "declared.onnx"));
        Assert.Contains("graph output 'y' is declared (batch, 5) but computes (batch, 3)", e.Message, StringComparison.Ordinal);
    }

    // Survivor (no coverage): a tensor whose dims multiply past the largest .NET array is refused before any
    // allocation: here the Concat's constant in the view pattern claims 2^20 · 2^20 · 4 = 2^42 elements.
    [Fact]
    public void A_tensor_claiming_more_than_an_array_can_hold_is_refused()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(View(0, -1));
        TensorProto rest = model.Graph.Node.Single(n => n.Output[0] == "rest").Attribute[0].T;
        rest.Dims.Clear();
        rest.Dims.AddRange([1L << 20, 1L << 20, 4]);
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(model.ToByteArray(), "huge.onnx"));
        Assert.Contains($"dims (1048576, 1048576, 4) claim more than {Array.MaxLength} elements", e.Message, StringComparison.Ordinal);
    }

    // Survivor (no coverage): MaxPool's "indices output is used" test with "Output[1].Length > 0" turned into
    // "< 0" (never). A graph that adds the indices to the pooled values must be refused at the MaxPool.
    [Fact]
    public void A_max_pool_whose_indices_are_used_is_refused()
    {
        var m = new OnnxModels().Input("x", 1, 4, 4).Output("y", 3);
        m.Node("MaxPool", ["x"], "pool", IntList("kernel_shape", 2, 2), IntList("strides", 2, 2));
        m.Graph.Node[^1].Output.Add("idx");
        m.Node("Add", ["pool", "idx"], "sum");
        m.Node("Flatten", ["sum"], "flat", Int("axis", 1));
        m.Node("Gemm", ["flat", m.Init("W", 3, 4), m.Init("b", 3)], "y", Int("transB", 1));
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(m.Bytes(), "indices.onnx"));
        Assert.Contains("MaxPool's indices output (or storage_order) is not supported", e.Message, StringComparison.Ordinal);
    }

    // Survivor (no coverage): ReadInt32's element-count check removed. An INT32 constant whose dims claim one
    // element but that holds none must be refused, not read past its data.
    [Fact]
    public void An_int32_constant_holding_fewer_values_than_its_dims_is_refused()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(View(0, -1));
        TensorProto rest = model.Graph.Node.Single(n => n.Output[0] == "rest").Attribute[0].T;
        rest.Int64Data.Clear();
        rest.DataType = (int)TensorProto.Types.DataType.Int32;
        var e = Assert.Throws<InvalidInputException>(() => OnnxImporter.Parse(model.ToByteArray(), "int32.onnx"));
        Assert.Contains("dims (1) claim 1 elements, the tensor holds 0", e.Message, StringComparison.Ordinal);
    }

    // Survivors of run E: OnnxModel.Producer emptied; WriteTo's ThrowIfNull(parameters) removed; and WriteTo's
    // FloatData.Clear() removed, which left a float_data initializer holding its old typed values beside the new
    // raw bytes (ONNX allows one or the other). The hand-built model stores its initializers as float_data.
    [Fact]
    public void A_model_names_its_producer_and_rewrites_float_data_initializers_as_raw_data_only()
    {
        OnnxModels m = Linear(4, 3);
        m.Model.ProducerVersion = "1.2";
        OnnxModel model = OnnxImporter.Parse(m.Bytes(), "p.onnx");
        Assert.Equal("tests 1.2", model.Producer);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => model.WriteTo(null!, new MemoryStream())).ParamName);

        var values = model.Initializers.ToDictionary(kv => kv.Key, kv => new PcVerify.Engine.Data.NpyArray(kv.Value.Shape, [.. kv.Value.Data.Select((_, k) => k + 0.5)]));
        var written = new MemoryStream();
        model.WriteTo(values, written);
        ModelProto proto = ModelProto.Parser.ParseFrom(written.ToArray());
        Assert.All(proto.Graph.Initializer, t => Assert.Empty(t.FloatData));
        OnnxModel back = OnnxImporter.Parse(written.ToArray(), "back.onnx");
        foreach (var (key, value) in values)
        {
            Assert.Equal(value.Data, back.Initializers[key].Data);
        }
    }
}
