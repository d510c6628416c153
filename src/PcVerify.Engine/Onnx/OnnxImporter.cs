using System.Globalization;
using Google.Protobuf;
using Onnx;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Onnx;

/// <summary>
/// Imports an ONNX model (as <c>torch.onnx.export</c> writes it) as a computation graph (docs/math.md §10). The mapping:
/// <list type="bullet">
/// <item>the one graph input becomes the input vertex (its shape without the batch dimension, which alone may be dynamic);</item>
/// <item>elementwise activations (Relu, Tanh, Sigmoid, LeakyRelu, Softplus) become the activation of every edge that
/// consumes their output — per edge, so a value consumed both raw and activated keeps both;</item>
/// <item>Gemm, MatMul (+ the Add of its bias), Conv, AveragePool, MaxPool, Add/Sum of two computed values, Flatten and
/// Reshape to a flat shape each become one vertex, so depths are predictable;</item>
/// <item>no-ops vanish: Identity, Dropout (inference), a Pad whose pads are all zero, and the shape arithmetic PyTorch
/// emits for <c>view(B, −1)</c> (Shape → Gather → Unsqueeze → Concat → Reshape); a zero-valued Pad of the spatial
/// dimensions folds into the padding of the Conv or AveragePool that consumes it;</item>
/// <item>a trailing Softmax or LogSoftmax is removed, with a note (it belongs to the cross-entropy loss, docs/math.md §11);</item>
/// <item>an activated graph output becomes an identity vertex over an edge with that activation.</item>
/// </list>
/// Anything else is refused with one line naming the node, its op type and its position.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The oldest default-domain opset accepted.</summary>
    public const int MinimumOpset = 11;

    /// <summary>Reads and imports the ONNX file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing, is not a valid ONNX model, or uses something this
    /// importer does not map; the one-line message names the file and the node or field.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"ONNX file '{path}' not found");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"ONNX file '{path}': cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
        }

        return Parse(bytes, path);
    }

    /// <summary>Imports the ONNX model held in <paramref name="bytes"/>; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidInputException">See <see cref="Load"/>.</exception>
    public static OnnxModel Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(source);
        string where = $"ONNX file '{source}'";
        ModelProto model;
        try
        {
            // Parsing a byte array never reads past it: a length prefix that claims more than the file holds is
            // reported as truncation, so a field's claim cannot make the parser allocate beyond the file's size.
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Every ONNX writer puts ir_version (field 1, a varint: tag byte 0x08) first, so data that starts so and
            // then ends mid-field is a truncated model; anything else that fails to parse is not ONNX at all.
            bool truncated = e.Message.Contains("ended unexpectedly", StringComparison.Ordinal);
            string why = truncated && bytes.Length > 0 && bytes[0] == 0x08
                ? "truncated protobuf (the data ends in the middle of a field)"
                : $"not an ONNX model (it does not parse as ONNX protobuf: {(truncated ? "a field runs past the end of the data" : e.Message.ReplaceLineEndings(" "))})";
            throw new InvalidInputException(OneLine($"{where}: {why}"), e);
        }

        if (model.Graph is null || model.IrVersion <= 0 || model.OpsetImport.Count == 0)
        {
            throw new InvalidInputException(OneLine($"{where}: not an ONNX model (no graph, IR version or opset)"));
        }

        OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null)
        {
            throw new InvalidInputException($"{where}: no opset for the default ONNX domain");
        }

        if (opset.Version < MinimumOpset)
        {
            throw new InvalidInputException($"{where}: opset {opset.Version}, PcVerify needs opset {MinimumOpset} or newer (re-export with opset_version ≥ {MinimumOpset})");
        }

        try
        {
            return new Mapper(source, where, model, (int)opset.Version).Map();
        }
        catch (InvalidInputException e) when (e.Message.Any(char.IsControl))
        {
            // Names come from the file and may hold any character (a newline in a corrupted name); the message
            // must stay one printable line.
            throw new InvalidInputException(OneLine(e.Message), e);
        }
    }

    /// <summary>The text with every control character written as <c>\uXXXX</c>.</summary>
    private static string OneLine(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    /// <summary>What a tensor name holds while the graph is walked.</summary>
    private abstract record Value;

    /// <summary>A computed value: vertex <paramref name="Vertex"/>'s value, seen through <paramref name="Activation"/>.</summary>
    private sealed record TensorValue(string Vertex, Activation Activation) : Value;

    /// <summary>A value zero-padded on the spatial dimensions, to be folded into the Conv or AveragePool that consumes it.</summary>
    private sealed record PaddedValue(TensorValue Inner, int PadH, int PadW, string PadNode) : Value;

    /// <summary>A constant: an initializer or a Constant node's tensor.</summary>
    private sealed record ConstValue(TensorProto Tensor, bool IsInitializer) : Value;

    /// <summary>The output of Shape(x): only its batch entry is ever used.</summary>
    private sealed record ShapeValue : Value;

    /// <summary>The batch size as a scalar (<paramref name="Rank"/> 0) or a one-element vector (rank 1).</summary>
    private sealed record BatchValue(int Rank) : Value;

    /// <summary>The target shape (batch, <paramref name="Rest"/>) built by Concat for <c>view(B, −1)</c>.</summary>
    private sealed record FlatTargetValue(long Rest) : Value;

    private sealed class Mapper
    {
        private readonly string _source;
        private readonly string _where;
        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly int _opset;
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);
        private readonly List<VertexSpec> _vertices = [];
        private readonly Dictionary<string, int[]> _shapes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _parameterUser = new(StringComparer.Ordinal);
        private readonly HashSet<int> _absorbed = [];
        private readonly List<string> _notes = [];
        private string? _removedOutputOp;

        public Mapper(string source, string where, ModelProto model, int opset)
        {
            _source = source;
            _where = where;
            _model = model;
            _graph = model.Graph;
            _opset = opset;
        }

        public OnnxModel Map()
        {
            foreach (TensorProto t in _graph.Initializer)
            {
                if (!_initializers.TryAdd(t.Name, t))
                {
                    throw Fail($"initializer '{t.Name}' is defined twice");
                }

                _values[t.Name] = new ConstValue(t, IsInitializer: true);
            }

            if (_graph.Output.Count != 1)
            {
                throw Fail(_graph.Output.Count == 0
                    ? "the graph has no output"
                    : $"{_graph.Output.Count} graph outputs ({string.Join(", ", _graph.Output.Select(o => $"'{o.Name}'"))}); PcVerify trains a model with one output");
            }

            int[] order = TopologicalOrder();
            string inputVertex = AddInput();
            string outputValue = RemoveTrailingSoftmax(_graph.Output[0].Name);

            foreach (int i in order)
            {
                if (!_absorbed.Contains(i))
                {
                    MapNode(i);
                }
            }

            string output = OutputVertex(outputValue, inputVertex);
            CheckDeclaredOutputShape(output);
            CheckEveryVertexReachesOutput(output);

            var parameters = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (TensorProto t in _graph.Initializer)
            {
                if (_parameterUser.ContainsKey(t.Name))
                {
                    parameters[t.Name] = OnnxTensors.ReadFloating(t, $"{_where}: initializer '{t.Name}'");
                }
            }

            // The engine's own validation and shape inference must accept what the mapping built (e.g. its pooling
            // padding rule); its messages are one line prefixed with the file.
            var graph = new GraphSpec(_vertices, output);
            _ = CompiledGraph.Compile(graph, _where);
            return new OnnxModel(_source, _model, graph, parameters, _notes, _removedOutputOp);
        }

        /// <summary>Kahn's algorithm over the nodes; also records each value's consumers.</summary>
        private int[] TopologicalOrder()
        {
            int n = _graph.Node.Count;
            var producer = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                foreach (string o in _graph.Node[i].Output)
                {
                    if (o.Length == 0)
                    {
                        continue;
                    }

                    if (_initializers.ContainsKey(o) || !producer.TryAdd(o, i))
                    {
                        throw Fail($"value '{o}' is produced twice (second time by {Position(i)})");
                    }
                }
            }

            var graphInputs = new HashSet<string>(_graph.Input.Select(v => v.Name), StringComparer.Ordinal);
            int[] pending = new int[n];
            var dependents = new List<int>[n];
            for (int i = 0; i < n; i++)
            {
                dependents[i] = [];
            }

            for (int i = 0; i < n; i++)
            {
                foreach (string input in _graph.Node[i].Input)
                {
                    if (input.Length == 0)
                    {
                        continue;
                    }

                    if (!_consumers.TryGetValue(input, out List<int>? users))
                    {
                        _consumers[input] = users = [];
                    }

                    users.Add(i);
                    if (producer.TryGetValue(input, out int p))
                    {
                        pending[i]++;
                        dependents[p].Add(i);
                    }
                    else if (!graphInputs.Contains(input) && !_initializers.ContainsKey(input))
                    {
                        throw Fail($"{Position(i)} reads '{input}', which no node, graph input or initializer provides");
                    }
                }
            }

            var ready = new Queue<int>(Enumerable.Range(0, n).Where(i => pending[i] == 0));
            var order = new List<int>(n);
            while (ready.Count > 0)
            {
                int i = ready.Dequeue();
                order.Add(i);
                foreach (int d in dependents[i])
                {
                    if (--pending[d] == 0)
                    {
                        ready.Enqueue(d);
                    }
                }
            }

            if (order.Count != n)
            {
                int stuck = Enumerable.Range(0, n).First(i => pending[i] > 0);
                throw Fail($"the graph has a cycle through {Position(stuck)}");
            }

            return [.. order];
        }

        private string AddInput()
        {
            ValueInfoProto[] inputs = [.. _graph.Input.Where(v => !_initializers.ContainsKey(v.Name))];
            if (inputs.Length == 0)
            {
                throw Fail("the graph has no input (every graph input is an initializer)");
            }

            foreach (ValueInfoProto v in inputs)
            {
                if (!_consumers.ContainsKey(v.Name) && _graph.Output[0].Name != v.Name)
                {
                    throw Fail($"graph input '{v.Name}' is never used");
                }
            }

            if (inputs.Length > 1)
            {
                throw Fail($"{inputs.Length} graph inputs ({string.Join(", ", inputs.Select(v => $"'{v.Name}'"))}); PcVerify trains a model with one input");
            }

            ValueInfoProto input = inputs[0];
            int[] shape = DeclaredShape(input, "graph input");
            if (shape.Length == 0)
            {
                throw Fail($"graph input '{input.Name}' has no dimension besides the batch");
            }

            string name = UniqueName(input.Name);
            _vertices.Add(new VertexSpec { Name = name, Kind = VertexKind.Input, Shape = shape });
            _shapes[name] = shape;
            _values[input.Name] = new TensorValue(name, Activation.Identity);
            return name;
        }

        /// <summary>The declared shape without the batch; the batch (first) dimension alone may be dynamic.</summary>
        private int[] DeclaredShape(ValueInfoProto v, string what)
        {
            if (v.Type?.TensorType is not { } tensor)
            {
                throw Fail($"{what} '{v.Name}' is not a tensor");
            }

            if (tensor.ElemType is not ((int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double))
            {
                throw Fail($"{what} '{v.Name}' has element type {(TensorProto.Types.DataType)tensor.ElemType}, expected FLOAT or DOUBLE");
            }

            if (tensor.Shape is null)
            {
                throw Fail($"{what} '{v.Name}' has no declared shape; PcVerify needs every dimension but the batch");
            }

            var dims = tensor.Shape.Dim;
            if (dims.Count < 1)
            {
                throw Fail($"{what} '{v.Name}' is a scalar; expected (batch, ...)");
            }

            int[] shape = new int[dims.Count - 1];
            long size = 1;
            for (int d = 1; d < dims.Count; d++)
            {
                TensorShapeProto.Types.Dimension dim = dims[d];
                if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                {
                    throw Fail($"{what} '{v.Name}': dimension {d} is dynamic ('{dim.DimParam}'); only the batch dimension (0) may be");
                }

                if (dim.DimValue is <= 0 or > int.MaxValue)
                {
                    throw Fail($"{what} '{v.Name}': dimension {d} is {dim.DimValue}, expected a positive size");
                }

                shape[d - 1] = (int)dim.DimValue;
                size *= dim.DimValue;
                if (size > Array.MaxLength)
                {
                    throw Fail($"{what} '{v.Name}': shape (batch, {string.Join(", ", shape[..d])}) holds more than {Array.MaxLength} elements per pair");
                }
            }

            return shape;
        }

        private string RemoveTrailingSoftmax(string outputName)
        {
            int index = -1;
            for (int i = 0; i < _graph.Node.Count; i++)
            {
                if (_graph.Node[i].Output.Contains(outputName))
                {
                    index = i;
                }
            }

            if (index < 0 || _graph.Node[index].OpType is not ("Softmax" or "LogSoftmax") || !IsDefaultDomain(_graph.Node[index]))
            {
                return outputName;
            }

            NodeProto node = _graph.Node[index];
            long axis = Int(node, "axis", _opset >= 13 ? -1 : 1);
            int rank = _graph.Output[0].Type?.TensorType?.Shape?.Dim.Count ?? 2;
            if (rank != 2 || axis is not (1 or -1))
            {
                throw Fail($"{Position(index)} is the output but not over the features of a (batch, outputs) tensor (axis {axis}, rank {rank})");
            }

            _absorbed.Add(index);
            _removedOutputOp = node.OpType;
            _notes.Add($"removed the trailing {node.OpType} ({Position(index)}): the graph's output is its input, the logits; train with --loss ce, whose softmax it is");
            return node.Input[0];
        }

        private void MapNode(int i)
        {
            NodeProto node = _graph.Node[i];
            if (!IsDefaultDomain(node))
            {
                throw Fail($"{Position(i)}: operator domain '{node.Domain}' is not supported");
            }

            int required = MinimumInputs.GetValueOrDefault(node.OpType, 0);
            if (node.Input.Count < required || node.Input.Take(required).Any(n => n.Length == 0) || node.Output.Count == 0 || node.Output[0].Length == 0)
            {
                throw Fail($"{Position(i)}: {node.Input.Count} input(s) and {node.Output.Count} output(s); expected at least {required} input(s) and an output");
            }

            switch (node.OpType)
            {
                case "Identity":
                    _values[node.Output[0]] = In(i, 0);
                    break;
                case "Dropout":
                    MapDropout(i);
                    break;
                case "Relu":
                    Activate(i, Activation.Relu);
                    break;
                case "Tanh":
                    Activate(i, Activation.Tanh);
                    break;
                case "Sigmoid":
                    Activate(i, Activation.Logistic);
                    break;
                case "Softplus":
                    Activate(i, Activation.Softplus);
                    break;
                case "LeakyRelu":
                    Activate(i, Activation.LeakyRelu(Float(node, "alpha", 0.01f)));
                    break;
                case "Gemm":
                    MapGemm(i);
                    break;
                case "MatMul":
                    MapMatMul(i);
                    break;
                case "Conv":
                    MapConv(i);
                    break;
                case "AveragePool":
                case "MaxPool":
                    MapPool(i);
                    break;
                case "Add":
                case "Sum":
                    MapSum(i);
                    break;
                case "Flatten":
                    MapFlatten(i);
                    break;
                case "Reshape":
                    MapReshape(i);
                    break;
                case "Pad":
                    MapPad(i);
                    break;
                case "Constant":
                    MapConstant(i);
                    break;
                case "Shape":
                    MapShape(i);
                    break;
                case "Gather":
                    MapGather(i);
                    break;
                case "Unsqueeze":
                    MapUnsqueeze(i);
                    break;
                case "Concat":
                    MapConcat(i);
                    break;
                default:
                    throw Fail($"{Position(i)}: unsupported operator (supported: {SupportedOperators})");
            }
        }

        /// <summary>The inputs each mapped operator must have (the rest are optional).</summary>
        private static readonly Dictionary<string, int> MinimumInputs = new(StringComparer.Ordinal)
        {
            ["Identity"] = 1, ["Dropout"] = 1, ["Relu"] = 1, ["Tanh"] = 1, ["Sigmoid"] = 1, ["Softplus"] = 1, ["LeakyRelu"] = 1,
            ["Gemm"] = 2, ["MatMul"] = 2, ["Conv"] = 2, ["AveragePool"] = 1, ["MaxPool"] = 1, ["Add"] = 2, ["Sum"] = 1,
            ["Flatten"] = 1, ["Reshape"] = 2, ["Pad"] = 2, ["Constant"] = 0, ["Shape"] = 1, ["Gather"] = 2, ["Unsqueeze"] = 1,
            ["Concat"] = 1,
        };

        /// <summary>The operators the importer maps, for messages and docs.</summary>
        private const string SupportedOperators =
            "Gemm, MatMul(+Add), Conv, AveragePool, MaxPool, Add, Sum, Flatten, Reshape, Relu, Tanh, Sigmoid, LeakyRelu, Softplus, Identity, Dropout, Pad, Constant, Shape, Gather, Unsqueeze, Concat, trailing Softmax/LogSoftmax";

        private void MapDropout(int i)
        {
            NodeProto node = _graph.Node[i];
            if (node.Input.Count > 2 && node.Input[2].Length > 0
                && OnnxTensors.ReadIntegers(Const(i, 2).Tensor, Describe(i, 2)).Any(v => v != 0))
            {
                throw Fail($"{Position(i)}: training_mode is true; export the model in eval mode");
            }

            if (node.Output.Count > 1 && node.Output[1].Length > 0 && _consumers.ContainsKey(node.Output[1]))
            {
                throw Fail($"{Position(i)}: its mask output is used; only inference Dropout (an identity) is supported");
            }

            _values[node.Output[0]] = In(i, 0);
        }

        private void Activate(int i, Activation f)
        {
            NodeProto node = _graph.Node[i];
            TensorValue x = Tensor(i, 0);
            Activation composed;
            if (x.Activation.Kind == ActivationKind.Identity)
            {
                composed = f;
            }
            else if (f.Kind == ActivationKind.Relu && x.Activation.Kind == ActivationKind.Relu)
            {
                composed = f; // relu(relu(x)) = relu(x): idempotent, the one trivial composition.
            }
            else
            {
                throw Fail($"{Position(i)} applies {f.Name} to {x.Activation.Name}(vertex '{x.Vertex}'); an edge carries one activation, and composed activations are not supported");
            }

            _values[node.Output[0]] = x with { Activation = composed };
        }

        private void MapGemm(int i)
        {
            NodeProto node = _graph.Node[i];
            if (Float(node, "alpha", 1f) != 1f || Float(node, "beta", 1f) != 1f)
            {
                throw Fail($"{Position(i)}: alpha {Float(node, "alpha", 1f).ToString("G9", CultureInfo.InvariantCulture)}, beta {Float(node, "beta", 1f).ToString("G9", CultureInfo.InvariantCulture)}; only alpha = beta = 1 is supported");
            }

            if (Int(node, "transA", 0) != 0)
            {
                throw Fail($"{Position(i)}: transA = 1 is not supported (the batch must be the first dimension of A)");
            }

            bool transB = Int(node, "transB", 0) != 0;
            TensorValue x = Tensor(i, 0);
            int inFeatures = FlatFeatures(i, x);
            TensorProto w = Parameter(i, 1, "weight");
            if (w.Dims.Count != 2 || w.Dims[transB ? 1 : 0] != inFeatures)
            {
                throw Fail($"{Position(i)}: weight '{w.Name}' has shape {Dims(w)}, expected {(transB ? $"(out, {inFeatures})" : $"({inFeatures}, out)")} for an input of {inFeatures} features (transB = {(transB ? 1 : 0)})");
            }

            int units = (int)w.Dims[transB ? 0 : 1];
            TensorProto? b = node.Input.Count > 2 && node.Input[2].Length > 0 ? Parameter(i, 2, "bias") : null;
            if (b is not null)
            {
                CheckBias(i, b, units);
            }

            AddVertex(i, node.Output[0], new VertexSpec
            {
                Name = VertexName(i),
                Kind = VertexKind.Dense,
                Parents = [Edge(x)],
                Units = units,
                Bias = b is not null,
                WeightLayout = transB ? WeightLayout.OutIn : WeightLayout.InOut,
                WeightKey = w.Name,
                BiasKey = b?.Name,
            }, [units], w, b);
        }

        private void MapMatMul(int i)
        {
            NodeProto node = _graph.Node[i];
            TensorValue x = Tensor(i, 0);
            int inFeatures = FlatFeatures(i, x);
            TensorProto w = Parameter(i, 1, "weight");
            if (w.Dims.Count != 2 || w.Dims[0] != inFeatures)
            {
                throw Fail($"{Position(i)}: weight '{w.Name}' has shape {Dims(w)}, expected ({inFeatures}, out) for an input of {inFeatures} features");
            }

            int units = (int)w.Dims[1];
            string output = node.Output[0];

            // PyTorch's Linear on a tensor of rank > 2 exports MatMul followed by an Add of the bias: fold the pair
            // into one dense vertex when the Add is the MatMul's only consumer and adds an initializer.
            TensorProto? b = null;
            if (_consumers.TryGetValue(output, out List<int>? users) && users.Count == 1 && output != _graph.Output[0].Name)
            {
                int a = users[0];
                NodeProto add = _graph.Node[a];
                if (add.OpType == "Add" && IsDefaultDomain(add) && add.Input.Count == 2)
                {
                    int other = add.Input[0] == output ? 1 : 0;
                    if (add.Input[1 - other] == output && _initializers.TryGetValue(add.Input[other], out TensorProto? bias))
                    {
                        CheckBias(a, bias, units);
                        b = bias;
                        _absorbed.Add(a);
                        output = add.Output[0];
                    }
                }
            }

            AddVertex(i, output, new VertexSpec
            {
                Name = VertexName(i),
                Kind = VertexKind.Dense,
                Parents = [Edge(x)],
                Units = units,
                Bias = b is not null,
                WeightLayout = WeightLayout.InOut,
                WeightKey = w.Name,
                BiasKey = b?.Name,
            }, [units], w, b);
        }

        private void MapConv(int i)
        {
            NodeProto node = _graph.Node[i];
            (TensorValue x, int extraH, int extraW) = SpatialInput(i, allowPadding: true);
            int[] s = _shapes[x.Vertex];
            if (s.Length != 3)
            {
                throw Fail($"{Position(i)}: input has shape {NpyArray.FormatShape(s)}, expected (channels, height, width)");
            }

            if (Int(node, "group", 1) != 1)
            {
                throw Fail($"{Position(i)}: group {Int(node, "group", 1)}; only group = 1 is supported");
            }

            TensorProto w = Parameter(i, 1, "weight");
            if (w.Dims.Count != 4 || w.Dims[1] != s[0])
            {
                throw Fail($"{Position(i)}: weight '{w.Name}' has shape {Dims(w)}, expected (out, {s[0]}, kh, kw) for an input of {s[0]} channels");
            }

            (int kh, int kw) = ((int)w.Dims[2], (int)w.Dims[3]);
            long[] kernel = Ints(node, "kernel_shape", [kh, kw]);
            if (kernel.Length != 2 || kernel[0] != kh || kernel[1] != kw)
            {
                throw Fail($"{Position(i)}: kernel_shape ({string.Join(", ", kernel)}) contradicts weight '{w.Name}' {Dims(w)}");
            }

            (int H, int W) stride = Stride(i);
            (int H, int W) pad = Pads(i);
            pad = (pad.H + extraH, pad.W + extraW);
            if (extraH + extraW > 0 && (pad.H != extraH || pad.W != extraW))
            {
                throw Fail($"{Position(i)}: pads both in a Pad node and in the Conv; re-export with padding in one place");
            }

            int units = (int)w.Dims[0];
            TensorProto? b = node.Input.Count > 2 && node.Input[2].Length > 0 ? Parameter(i, 2, "bias") : null;
            if (b is not null)
            {
                CheckBias(i, b, units);
            }

            int[] outShape = [units, .. SpatialOut(i, s, (kh, kw), stride, pad)];
            AddVertex(i, node.Output[0], new VertexSpec
            {
                Name = VertexName(i),
                Kind = VertexKind.Conv2d,
                Parents = [Edge(x)],
                Units = units,
                Kernel = (kh, kw),
                Stride = stride,
                Padding = pad,
                Bias = b is not null,
                WeightKey = w.Name,
                BiasKey = b?.Name,
            }, outShape, w, b);
        }

        private void MapPool(int i)
        {
            NodeProto node = _graph.Node[i];
            bool max = node.OpType == "MaxPool";
            (TensorValue x, int extraH, int extraW) = SpatialInput(i, allowPadding: !max);
            int[] s = _shapes[x.Vertex];
            if (s.Length != 3)
            {
                throw Fail($"{Position(i)}: input has shape {NpyArray.FormatShape(s)}, expected (channels, height, width)");
            }

            long[] kernel = Ints(node, "kernel_shape", []);
            if (kernel.Length != 2 || kernel.Any(k => k is <= 0 or > 65536))
            {
                throw Fail($"{Position(i)}: kernel_shape ({string.Join(", ", kernel)}), expected two positive sizes");
            }

            if (Int(node, "ceil_mode", 0) != 0)
            {
                throw Fail($"{Position(i)}: ceil_mode = 1 is not supported");
            }

            if (max && (Int(node, "storage_order", 0) != 0 || (node.Output.Count > 1 && node.Output[1].Length > 0 && _consumers.ContainsKey(node.Output[1]))))
            {
                throw Fail($"{Position(i)}: MaxPool's indices output (or storage_order) is not supported");
            }

            (int H, int W) stride = Stride(i);
            (int H, int W) pad = Pads(i);
            bool countIncludePad = !max && Int(node, "count_include_pad", 0) != 0;
            if (extraH + extraW > 0)
            {
                if (pad != (0, 0))
                {
                    throw Fail($"{Position(i)}: pads both in a Pad node and in the AveragePool; re-export with padding in one place");
                }

                // PyTorch exports AvgPool2d(padding = p, count_include_pad = True) as a zero Pad followed by an
                // unpadded AveragePool: the padded zeros are in every window's divisor, which is count_include_pad.
                pad = (extraH, extraW);
                countIncludePad = true;
            }

            (int kh, int kw) = ((int)kernel[0], (int)kernel[1]);
            int[] outShape = [s[0], .. SpatialOut(i, s, (kh, kw), stride, pad)];
            AddVertex(i, node.Output[0], new VertexSpec
            {
                Name = VertexName(i),
                Kind = max ? VertexKind.MaxPool2d : VertexKind.AvgPool2d,
                Parents = [Edge(x)],
                Kernel = (kh, kw),
                Stride = stride,
                Padding = pad,
                CountIncludePad = max || countIncludePad,
            }, outShape, null, null);
        }

        private void MapSum(int i)
        {
            NodeProto node = _graph.Node[i];
            if (node.Input.Count < 2)
            {
                throw Fail($"{Position(i)}: {node.Input.Count} operand(s), expected two or more");
            }

            var parents = new List<EdgeSpec>(node.Input.Count);
            int[]? shape = null;
            for (int k = 0; k < node.Input.Count; k++)
            {
                if (_values.GetValueOrDefault(node.Input[k]) is ConstValue)
                {
                    throw Fail($"{Position(i)} adds the constant '{node.Input[k]}'; only the bias of a MatMul (MatMul → Add) is supported");
                }

                TensorValue x = Tensor(i, k);
                int[] s = _shapes[x.Vertex];
                if (shape is not null && !shape.SequenceEqual(s))
                {
                    throw Fail($"{Position(i)}: operands of shapes {NpyArray.FormatShape(shape)} and {NpyArray.FormatShape(s)}; broadcasting is not supported");
                }

                shape = s;
                parents.Add(Edge(x));
            }

            AddVertex(i, node.Output[0], new VertexSpec { Name = VertexName(i), Kind = VertexKind.Sum, Parents = parents }, shape!, null, null);
        }

        private void MapFlatten(int i)
        {
            NodeProto node = _graph.Node[i];
            long axis = Int(node, "axis", 1);
            if (axis != 1)
            {
                throw Fail($"{Position(i)}: axis {axis}; only axis = 1 (keep the batch, flatten the rest) is supported");
            }

            AddFlatten(i, Tensor(i, 0));
        }

        private void MapReshape(int i)
        {
            NodeProto node = _graph.Node[i];
            TensorValue x = Tensor(i, 0);
            long size = ElementCount(_shapes[x.Vertex]);
            bool keepsZero = Int(node, "allowzero", 0) == 0;

            // The batch entry of the target is the batch itself (view(B, -1)'s Shape arithmetic), 0 (copy the batch)
            // or −1 (inferred, so the features entry must be explicit); the features entry is the size or −1.
            bool flat = _values.GetValueOrDefault(node.Input[1]) switch
            {
                FlatTargetValue t => t.Rest == -1 || t.Rest == size,
                ConstValue c => OnnxTensors.ReadIntegers(c.Tensor, Describe(i, 1)) switch
                {
                    [0, var rest] => keepsZero && (rest == size || rest == -1),
                    [-1, var rest] => rest == size,
                    _ => false,
                },
                _ => throw Fail($"{Position(i)}: the target shape '{node.Input[1]}' is neither a constant nor PyTorch's view(B, -1) pattern"),
            };
            if (!flat)
            {
                throw Fail($"{Position(i)}: reshapes to something other than (batch, {size}); only a reshape to a flat vector is supported");
            }

            AddFlatten(i, x);
        }

        private void AddFlatten(int i, TensorValue x)
        {
            int[] s = _shapes[x.Vertex];
            AddVertex(i, _graph.Node[i].Output[0], new VertexSpec { Name = VertexName(i), Kind = VertexKind.Flatten, Parents = [Edge(x)] },
                [(int)ElementCount(s)], null, null);
        }

        private void MapPad(int i)
        {
            NodeProto node = _graph.Node[i];
            // From opset 11 on (the oldest accepted) the pads are an input, not an attribute.
            long[] pads = node.Input.Count > 1 && node.Input[1].Length > 0
                ? OnnxTensors.ReadIntegers(Const(i, 1).Tensor, Describe(i, 1))
                : throw Fail($"{Position(i)}: no pads input");
            if (pads.All(p => p == 0))
            {
                _values[node.Output[0]] = In(i, 0);
                return;
            }

            string mode = Str(node, "mode", "constant");
            bool zeroValue = node.Input.Count <= 2 || node.Input[2].Length == 0
                || OnnxTensors.ReadFloating(Const(i, 2).Tensor, Describe(i, 2)).Data.All(v => v == 0);
            TensorValue x = Tensor(i, 0);
            int rank = _shapes[x.Vertex].Length + 1;
            if (mode != "constant" || !zeroValue || rank != 4 || pads.Length != 8
                || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads[2] != pads[6] || pads[3] != pads[7] || pads[2] < 0 || pads[3] < 0)
            {
                throw Fail($"{Position(i)}: pads ({string.Join(", ", pads)}), mode '{mode}'; only a no-op Pad, or zero padding of height and width equal on both sides (folded into the next Conv or AveragePool), is supported");
            }

            _values[node.Output[0]] = new PaddedValue(x, (int)pads[2], (int)pads[3], Position(i));
        }

        private void MapConstant(int i)
        {
            NodeProto node = _graph.Node[i];
            AttributeProto? value = node.Attribute.FirstOrDefault(a => a.Name == "value");
            if (value?.T is null || node.Attribute.Count != 1)
            {
                throw Fail($"{Position(i)}: only a Constant with a 'value' tensor is supported");
            }

            _values[node.Output[0]] = new ConstValue(value.T, IsInitializer: false);
        }

        private void MapShape(int i)
        {
            NodeProto node = _graph.Node[i];
            if (node.Attribute.Any(a => a.Name is "start" or "end"))
            {
                throw Fail($"{Position(i)}: Shape with start/end is not supported");
            }

            _ = Tensor(i, 0); // the shape of a computed value, never of a constant
            _values[node.Output[0]] = new ShapeValue();
        }

        private void MapGather(int i)
        {
            NodeProto node = _graph.Node[i];
            TensorProto indices = _values.GetValueOrDefault(node.Input[0]) is ShapeValue && Int(node, "axis", 0) == 0
                ? Const(i, 1).Tensor
                : throw Fail($"{Position(i)}: only Gather of the batch size from a Shape (PyTorch's x.size(0)) is supported");
            if (OnnxTensors.ReadIntegers(indices, Describe(i, 1)) is not [0])
            {
                throw Fail($"{Position(i)}: gathers a dimension other than the batch (0) from a shape");
            }

            _values[node.Output[0]] = new BatchValue(indices.Dims.Count);
        }

        private void MapUnsqueeze(int i)
        {
            NodeProto node = _graph.Node[i];
            long[] axes = _opset >= 13 && node.Input.Count > 1 ? OnnxTensors.ReadIntegers(Const(i, 1).Tensor, Describe(i, 1)) : Ints(node, "axes", []);
            if (_values.GetValueOrDefault(node.Input[0]) is not BatchValue { Rank: 0 } || axes is not [0])
            {
                throw Fail($"{Position(i)}: only Unsqueeze of the batch size (PyTorch's view(B, -1) pattern) is supported");
            }

            _values[node.Output[0]] = new BatchValue(1);
        }

        private void MapConcat(int i)
        {
            NodeProto node = _graph.Node[i];
            if (Int(node, "axis", 0) != 0 || node.Input.Count != 2
                || _values.GetValueOrDefault(node.Input[0]) is not BatchValue { Rank: 1 }
                || _values.GetValueOrDefault(node.Input[1]) is not ConstValue rest
                || OnnxTensors.ReadIntegers(rest.Tensor, Describe(i, 1)) is not [var r])
            {
                throw Fail($"{Position(i)}: only Concat of the batch size and one constant (PyTorch's view(B, -1) pattern) is supported");
            }

            _values[node.Output[0]] = new FlatTargetValue(r);
        }

        private string OutputVertex(string outputValue, string inputVertex)
        {
            Value v = _values.GetValueOrDefault(outputValue) ?? throw Fail($"graph output '{outputValue}' is not computed by any node");
            if (v is not TensorValue t)
            {
                throw Fail($"graph output '{outputValue}' is not a tensor computed from the input");
            }

            if (t.Activation.Kind == ActivationKind.Identity)
            {
                if (t.Vertex == inputVertex)
                {
                    throw Fail($"graph output '{outputValue}' is the input itself");
                }

                return t.Vertex;
            }

            // An activation has no vertex of its own; an activated output needs one, with the activation on its edge.
            string name = UniqueName(outputValue);
            _vertices.Add(new VertexSpec { Name = name, Kind = VertexKind.Identity, Parents = [Edge(t)] });
            _shapes[name] = _shapes[t.Vertex];
            _notes.Add($"the output '{outputValue}' is {t.Activation.Name} of vertex '{t.Vertex}': added the identity vertex '{name}' with that activation on its edge");
            return name;
        }

        private void CheckDeclaredOutputShape(string output)
        {
            // The output's shape follows from the input's; a declared one must agree, an undeclared one is allowed.
            ValueInfoProto declared = _graph.Output[0];
            if (declared.Type?.TensorType is { Shape: null })
            {
                return;
            }

            int[] shape = DeclaredShape(declared, "graph output");
            int[] computed = _shapes[output];
            if (!shape.SequenceEqual(computed))
            {
                throw Fail($"graph output '{declared.Name}' is declared (batch, {string.Join(", ", shape)}) but computes (batch, {string.Join(", ", computed)})");
            }
        }

        private void CheckEveryVertexReachesOutput(string output)
        {
            var parents = _vertices.SelectMany(v => v.Parents.Select(e => e.Parent)).ToHashSet(StringComparer.Ordinal);
            foreach (VertexSpec v in _vertices)
            {
                if (v.Name != output && !parents.Contains(v.Name))
                {
                    throw Fail(v.Kind == VertexKind.Input
                        ? $"graph input '{v.Name}' does not reach the output"
                        : $"vertex '{v.Name}' ({v.Kind}) does not reach the graph output; its value is never used");
                }
            }
        }

        private void AddVertex(int i, string output, VertexSpec vertex, int[] shape, TensorProto? weight, TensorProto? bias)
        {
            foreach (TensorProto? p in (TensorProto?[])[weight, bias])
            {
                if (p is not null && !_parameterUser.TryAdd(p.Name, vertex.Name))
                {
                    throw Fail($"{Position(i)} uses initializer '{p.Name}', which vertex '{_parameterUser[p.Name]}' uses too; tied parameters are not supported (docs/math.md §10)");
                }
            }

            _vertices.Add(vertex);
            _shapes[vertex.Name] = shape;
            _values[output] = new TensorValue(vertex.Name, Activation.Identity);
        }

        private (TensorValue X, int PadH, int PadW) SpatialInput(int i, bool allowPadding)
        {
            if (_values.GetValueOrDefault(_graph.Node[i].Input[0]) is PaddedValue p)
            {
                if (!allowPadding)
                {
                    throw Fail($"{Position(i)} consumes the zero padding of {p.PadNode}; only a Conv or AveragePool folds it");
                }

                return (p.Inner, p.PadH, p.PadW);
            }

            return (Tensor(i, 0), 0, 0);
        }

        private int[] SpatialOut(int i, int[] s, (int H, int W) kernel, (int H, int W) stride, (int H, int W) pad)
        {
            long h = (long)s[1] + (2L * pad.H) - kernel.H, w = (long)s[2] + (2L * pad.W) - kernel.W;
            if (h < 0 || w < 0)
            {
                throw Fail($"{Position(i)}: kernel {kernel.H}×{kernel.W} is larger than the padded input {s[1] + (2 * pad.H)}×{s[2] + (2 * pad.W)}");
            }

            return [(int)((h / stride.H) + 1), (int)((w / stride.W) + 1)];
        }

        private (int H, int W) Stride(int i)
        {
            NodeProto node = _graph.Node[i];
            long[] strides = Ints(node, "strides", [1, 1]);
            long[] dilations = Ints(node, "dilations", [1, 1]);
            if (strides.Length != 2 || strides.Any(v => v is <= 0 or > 65536) || dilations.Any(d => d != 1))
            {
                throw Fail($"{Position(i)}: strides ({string.Join(", ", strides)}), dilations ({string.Join(", ", dilations)}); expected two positive strides and no dilation");
            }

            return ((int)strides[0], (int)strides[1]);
        }

        private (int H, int W) Pads(int i)
        {
            NodeProto node = _graph.Node[i];
            string autoPad = Str(node, "auto_pad", "NOTSET");
            long[] pads = Ints(node, "pads", [0, 0, 0, 0]);
            if (autoPad != "NOTSET" || pads.Length != 4 || pads[0] != pads[2] || pads[1] != pads[3] || pads.Any(v => v is < 0 or > 65536))
            {
                throw Fail($"{Position(i)}: auto_pad '{autoPad}', pads ({string.Join(", ", pads)}); only explicit padding, equal on both sides, is supported");
            }

            return ((int)pads[0], (int)pads[1]);
        }

        private int FlatFeatures(int i, TensorValue x)
        {
            int[] s = _shapes[x.Vertex];
            if (s.Length != 1)
            {
                throw Fail($"{Position(i)}: input has shape (batch, {string.Join(", ", s)}), expected (batch, features); flatten it first");
            }

            return s[0];
        }

        private void CheckBias(int i, TensorProto b, int units)
        {
            if (b.Dims.Count != 1 || b.Dims[0] != units)
            {
                throw Fail($"{Position(i)}: bias '{b.Name}' has shape {Dims(b)}, expected ({units},)");
            }

            // Reading validates the element type and that the data holds what the dims claim, before the value is used.
            _ = OnnxTensors.ReadFloating(b, $"{_where}: initializer '{b.Name}'");
        }

        /// <summary>Input <paramref name="k"/> of node <paramref name="i"/> as a parameter: an initializer of a floating type.</summary>
        private TensorProto Parameter(int i, int k, string role)
        {
            string name = _graph.Node[i].Input[k];
            if (!_initializers.TryGetValue(name, out TensorProto? t))
            {
                throw Fail($"{Position(i)}: its {role} '{name}' is not an initializer; PcVerify trains initializers only");
            }

            // Reading validates the element type and that the data holds what the dims claim (no allocation beyond the
            // bytes present), so the dims can be trusted in the shape checks that follow.
            _ = OnnxTensors.ReadFloating(t, $"{_where}: initializer '{name}'");
            return t;
        }

        private Value In(int i, int k)
        {
            string name = _graph.Node[i].Input[k];
            return _values.GetValueOrDefault(name) ?? throw Fail($"{Position(i)} reads '{name}', which is not available (a graph input that is not the model's input?)");
        }

        private TensorValue Tensor(int i, int k) => In(i, k) switch
        {
            TensorValue t => t,
            PaddedValue p => throw Fail($"{Position(i)} consumes the zero padding of {p.PadNode}; only a Conv or AveragePool folds it"),
            _ => throw Fail($"{Position(i)}: input {k} '{_graph.Node[i].Input[k]}' is a constant or shape arithmetic, expected a tensor computed from the model's input"),
        };

        private ConstValue Const(int i, int k) => In(i, k) as ConstValue
            ?? throw Fail($"{Position(i)}: input {k} '{_graph.Node[i].Input[k]}' must be a constant");

        private EdgeSpec Edge(TensorValue x) => new(x.Vertex, x.Activation);

        private string VertexName(int i)
        {
            NodeProto node = _graph.Node[i];
            return UniqueName(node.Name.Length > 0 ? node.Name : node.Output[0]);
        }

        private string UniqueName(string name)
        {
            string candidate = name;
            for (int k = 2; _shapes.ContainsKey(candidate) || _vertices.Any(v => v.Name == candidate); k++)
            {
                candidate = $"{name}#{k}";
            }

            return candidate;
        }

        private string Describe(int i, int k) => $"{_where}: {Position(i)} input '{_graph.Node[i].Input[k]}'";

        private string Position(int i)
        {
            NodeProto node = _graph.Node[i];
            string name = node.Name.Length > 0 ? node.Name : (node.Output.Count > 0 ? node.Output[0] : "");
            return $"node '{name}' ({node.OpType}, node {i + 1} of {_graph.Node.Count})";
        }

        private InvalidInputException Fail(string message) => new($"{_where}: {message}");

        private static bool IsDefaultDomain(NodeProto node) => node.Domain is "" or "ai.onnx";

        private static long ElementCount(int[] shape) => shape.Aggregate(1L, (p, d) => p * d);

        private static string Dims(TensorProto t) => $"({string.Join(", ", t.Dims)})";

        private static long Int(NodeProto node, string name, long fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

        private static float Float(NodeProto node, string name, float fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

        private static long[] Ints(NodeProto node, string name, long[] fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : fallback;

        private static string Str(NodeProto node, string name, string fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.S.ToStringUtf8() : fallback;
    }
}
