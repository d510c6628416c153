using System.Globalization;
using System.Text;
using System.Text.Json;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Graph;

/// <summary>
/// The graph file format of <c>--graph FILE.json</c> (docs/graph-format.md, schema docs/graph.schema.json): an object
/// with <c>vertices</c> (each with <c>name</c>, <c>kind</c>, its kind's attributes and <c>parents</c>, each parent an
/// object <c>{"from": name, "activation": name}</c>) and <c>output</c>. Reading is strict: an unknown property, a
/// missing required one, a wrong type or a bad value is one line naming the file, the vertex and the property.
/// </summary>
public static class GraphJson
{
    /// <summary>The largest graph file read (a graph is a few kilobytes; this bounds what a bad path can make us allocate).</summary>
    public const long MaxFileBytes = 16 << 20;

    /// <summary>The value of the optional <c>format</c> property.</summary>
    public const string FormatName = "pcverify-graph/1";

    /// <summary>The kinds by their names in the format (the enum's names in lower case).</summary>
    private static readonly Dictionary<string, VertexKind> Kinds = Enum.GetValues<VertexKind>().ToDictionary(ShapeInference.Kind, StringComparer.Ordinal);

    private static readonly Dictionary<VertexKind, string[]> Allowed = new()
    {
        [VertexKind.Input] = ["shape"],
        [VertexKind.Dense] = ["parents", "units", "bias", "weight_layout", "weight_key", "bias_key"],
        [VertexKind.Conv2d] = ["parents", "units", "kernel", "stride", "padding", "bias", "weight_key", "bias_key"],
        [VertexKind.AvgPool2d] = ["parents", "kernel", "stride", "padding", "count_include_pad"],
        [VertexKind.MaxPool2d] = ["parents", "kernel", "stride", "padding"],
        [VertexKind.Sum] = ["parents"],
        [VertexKind.Flatten] = ["parents"],
        [VertexKind.Identity] = ["parents"],
    };

    /// <summary>Reads the graph file at <paramref name="path"/> (not yet compiled: <see cref="CompiledGraph.Compile"/> validates the graph).</summary>
    /// <exception cref="InvalidInputException">The file cannot be read, is too large, is not JSON (line and position given), or does not follow the format.</exception>
    public static GraphSpec Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            FileInfo info = new(path);
            if (!info.Exists)
            {
                throw new InvalidInputException($"graph file '{path}' not found");
            }

            if (info.Length > MaxFileBytes)
            {
                throw new InvalidInputException($"{path}: {info.Length} bytes; a graph file may have at most {MaxFileBytes}");
            }

            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"graph file '{path}': cannot read ({e.Message.ReplaceLineEndings(" ")})", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses graph JSON; <paramref name="source"/> (a file name) prefixes every message.</summary>
    /// <exception cref="InvalidInputException">Not JSON (line and position given), or not the format.</exception>
    public static GraphSpec Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            string reason = e.Message;
            int cut = reason.IndexOf(" Path:", StringComparison.Ordinal) is int i and >= 0 ? i : reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = (cut >= 0 ? reason[..cut] : reason).ReplaceLineEndings(" ").Trim();
            throw new InvalidInputException(string.Create(
                CultureInfo.InvariantCulture,
                $"{source}: malformed JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}: {reason}"), e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException($"{source}: the top level must be an object with 'vertices' and 'output', found {Describe(root)}");
            }

            Only(root, source, "the top level", ["format", "description", "vertices", "output"]);
            if (root.TryGetProperty("format", out JsonElement format) && (format.ValueKind != JsonValueKind.String || format.GetString() != FormatName))
            {
                throw new InvalidInputException($"{source}: 'format' must be \"{FormatName}\", found {Describe(format)}");
            }

            if (root.TryGetProperty("description", out JsonElement description) && description.ValueKind != JsonValueKind.String)
            {
                throw new InvalidInputException($"{source}: 'description' must be a string, found {Describe(description)}");
            }

            JsonElement vertices = Required(root, source, "the top level", "vertices");
            if (vertices.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidInputException($"{source}: 'vertices' must be an array, found {Describe(vertices)}");
            }

            List<VertexSpec> list = [];
            int index = 0;
            foreach (JsonElement v in vertices.EnumerateArray())
            {
                list.Add(Vertex(v, source, index++));
            }

            return new GraphSpec(list, String(Required(root, source, "the top level", "output"), source, "the top level", "output"));
        }
    }

    /// <summary>
    /// Writes <paramref name="spec"/> in the format, indented: every attribute of each vertex's kind explicitly (so the
    /// file does not depend on the defaults), except the weight layout and parameter keys when they are the defaults.
    /// </summary>
    public static string Write(GraphSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteStartArray("vertices");
            foreach (VertexSpec v in spec.Vertices)
            {
                WriteVertex(w, v);
            }

            w.WriteEndArray();
            w.WriteString("output", spec.Output);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteVertex(Utf8JsonWriter w, VertexSpec v)
    {
        w.WriteStartObject();
        w.WriteString("name", v.Name);
        w.WriteString("kind", ShapeInference.Kind(v.Kind));
        if (v.Kind == VertexKind.Input)
        {
            w.WriteStartArray("shape");
            foreach (int d in v.Shape)
            {
                w.WriteNumberValue(d);
            }

            w.WriteEndArray();
        }
        else
        {
            w.WriteStartArray("parents");
            foreach (EdgeSpec e in v.Parents)
            {
                w.WriteStartObject();
                w.WriteString("from", e.Parent);
                w.WriteString("activation", e.Activation.Name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (v.Kind is VertexKind.Dense or VertexKind.Conv2d)
        {
            w.WriteNumber("units", v.Units);
        }

        if (v.Kind is VertexKind.Conv2d or VertexKind.AvgPool2d or VertexKind.MaxPool2d)
        {
            Pair(w, "kernel", v.Kernel);
            Pair(w, "stride", v.Stride);
            Pair(w, "padding", v.Padding);
        }

        if (v.Kind == VertexKind.AvgPool2d)
        {
            w.WriteBoolean("count_include_pad", v.CountIncludePad);
        }

        if (v.Kind is VertexKind.Dense or VertexKind.Conv2d)
        {
            w.WriteBoolean("bias", v.Bias);
            if (v.Kind == VertexKind.Dense && v.WeightLayout == WeightLayout.InOut)
            {
                w.WriteString("weight_layout", "in_out");
            }

            if (v.WeightKey is not null)
            {
                w.WriteString("weight_key", v.WeightKey);
            }

            if (v.BiasKey is not null)
            {
                w.WriteString("bias_key", v.BiasKey);
            }
        }

        w.WriteEndObject();
    }

    private static void Pair(Utf8JsonWriter w, string name, (int H, int W) value)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(value.H);
        w.WriteNumberValue(value.W);
        w.WriteEndArray();
    }

    private static VertexSpec Vertex(JsonElement v, string source, int index)
    {
        string at = string.Create(CultureInfo.InvariantCulture, $"vertices[{index}]");
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException($"{source}: {at} must be an object, found {Describe(v)}");
        }

        string name = String(Required(v, source, at, "name"), source, at, "name");
        at = $"vertex '{name}'";
        string kindText = String(Required(v, source, at, "kind"), source, at, "kind");
        if (!Kinds.TryGetValue(kindText, out VertexKind kind))
        {
            throw new InvalidInputException($"{source}: {at} has unknown kind '{kindText}'; expected one of: {string.Join(", ", Kinds.Keys)}");
        }

        Only(v, source, $"{at} ({kindText})", ["name", "kind", .. Allowed[kind]]);
        if (kind == VertexKind.Input)
        {
            JsonElement shape = Required(v, source, at, "shape");
            if (shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() == 0)
            {
                throw new InvalidInputException($"{source}: {at}: 'shape' must be a non-empty array of integers, found {Describe(shape)}");
            }

            return new VertexSpec { Name = name, Kind = kind, Shape = [.. shape.EnumerateArray().Select(d => Int(d, source, at, "shape"))] };
        }

        JsonElement parents = Required(v, source, at, "parents");
        if (parents.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidInputException($"{source}: {at}: 'parents' must be an array of {{\"from\": name, \"activation\": name}}, found {Describe(parents)}");
        }

        List<EdgeSpec> edges = [];
        foreach (JsonElement p in parents.EnumerateArray())
        {
            edges.Add(Edge(p, source, at));
        }

        bool pool = kind is VertexKind.AvgPool2d or VertexKind.MaxPool2d;
        (int, int) kernel = kind is VertexKind.Conv2d || pool ? PairOf(Required(v, source, at, "kernel"), source, at, "kernel") : default;
        return new VertexSpec
        {
            Name = name,
            Kind = kind,
            Parents = edges,
            Units = kind is VertexKind.Dense or VertexKind.Conv2d ? Int(Required(v, source, at, "units"), source, at, "units") : 0,
            Kernel = kernel,

            // PyTorch's defaults: stride 1 for a convolution, the kernel for pooling; no padding.
            Stride = v.TryGetProperty("stride", out JsonElement stride) ? PairOf(stride, source, at, "stride") : pool ? kernel : (1, 1),
            Padding = v.TryGetProperty("padding", out JsonElement padding) ? PairOf(padding, source, at, "padding") : (0, 0),
            CountIncludePad = !v.TryGetProperty("count_include_pad", out JsonElement cip) || Bool(cip, source, at, "count_include_pad"),
            Bias = !v.TryGetProperty("bias", out JsonElement bias) || Bool(bias, source, at, "bias"),
            WeightLayout = v.TryGetProperty("weight_layout", out JsonElement layout) ? Layout(layout, source, at) : WeightLayout.OutIn,
            WeightKey = v.TryGetProperty("weight_key", out JsonElement wk) ? String(wk, source, at, "weight_key") : null,
            BiasKey = v.TryGetProperty("bias_key", out JsonElement bk) ? String(bk, source, at, "bias_key") : null,
        };
    }

    private static EdgeSpec Edge(JsonElement p, string source, string at)
    {
        if (p.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException($"{source}: {at}: each parent must be an object {{\"from\": name, \"activation\": name}}, found {Describe(p)}");
        }

        Only(p, source, $"{at} parent", ["from", "activation"]);
        string from = String(Required(p, source, $"{at} parent", "from"), source, $"{at} parent", "from");
        string act = p.TryGetProperty("activation", out JsonElement a) ? String(a, source, $"{at} parent '{from}'", "activation") : "identity";
        try
        {
            return new EdgeSpec(from, Activation.Parse(act));
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException($"{source}: {at} parent '{from}': {e.Message}", e);
        }
    }

    private static WeightLayout Layout(JsonElement e, string source, string at) =>
        String(e, source, at, "weight_layout") switch
        {
            "out_in" => WeightLayout.OutIn,
            "in_out" => WeightLayout.InOut,
            string s => throw new InvalidInputException($"{source}: {at}: 'weight_layout' must be \"out_in\" or \"in_out\", found \"{s}\""),
        };

    private static JsonElement Required(JsonElement o, string source, string at, string name) =>
        o.TryGetProperty(name, out JsonElement e) ? e : throw new InvalidInputException($"{source}: {at}: missing required property '{name}'");

    private static void Only(JsonElement o, string source, string at, string[] allowed)
    {
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (JsonProperty p in o.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
            {
                throw new InvalidInputException($"{source}: {at}: unknown property '{p.Name}'; allowed: {string.Join(", ", allowed)}");
            }

            if (!seen.Add(p.Name))
            {
                // JSON leaves duplicates undefined; a reader that kept one of them would ignore the other silently.
                throw new InvalidInputException($"{source}: {at}: property '{p.Name}' appears twice");
            }
        }
    }

    private static string String(JsonElement e, string source, string at, string name)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            throw new InvalidInputException($"{source}: {at}: '{name}' must be a string, found {Describe(e)}");
        }

        string s = e.GetString()!;
        int bad = s.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        if (bad >= 0 || s.Contains('\u007f', StringComparison.Ordinal))
        {
            // Strings end up in one-line messages; a control character would break them.
            throw new InvalidInputException($"{source}: {at}: '{name}' contains a control character");
        }

        return s;
    }

    private static bool Bool(JsonElement e, string source, string at, string name) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidInputException($"{source}: {at}: '{name}' must be true or false, found {Describe(e)}"),
    };

    private static int Int(JsonElement e, string source, string at, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i)
            ? i
            : throw new InvalidInputException($"{source}: {at}: '{name}' must be an integer, found {Describe(e)}");

    private static (int, int) PairOf(JsonElement e, string source, string at, string name)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            int n = Int(e, source, at, name);
            return (n, n);
        }

        if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2)
        {
            return (Int(e[0], source, at, name), Int(e[1], source, at, name));
        }

        throw new InvalidInputException($"{source}: {at}: '{name}' must be an integer or [height, width], found {Describe(e)}");
    }

    private static string Describe(JsonElement e)
    {
        string raw = e.GetRawText().ReplaceLineEndings(" ");
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}
