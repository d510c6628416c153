using System.CommandLine;
using System.Globalization;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Onnx;

namespace PcVerify.Cli.Commands;

/// <summary>
/// <c>pcverify inspect FILE.onnx</c>: imports an ONNX model and prints the computation graph PcVerify makes of it —
/// each vertex with its kind, attributes, parents (with the activation on each edge), shape and depths
/// <c>d_min</c>/<c>d_max</c> (docs/math.md §10), the parameters (ONNX initializer names and shapes), whether the graph is
/// levelled, and the import's notes (e.g. a removed trailing softmax).
/// </summary>
public static class InspectCommand
{
    /// <summary>Builds the <c>inspect</c> command; exit 0, or 2 with one line for a file it cannot import.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "The ONNX model (e.g. from torch.onnx.export, opset ≥ 11)." };
        var command = new Command("inspect", "Print the computation graph, shapes, depths, parameters and levelling of an ONNX model.") { file };
        command.SetAction(parseResult => Cli.Guard(output, error, () =>
        {
            OnnxModel model = OnnxImporter.Load(parseResult.GetRequiredValue(file));
            Print(output, model);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes the report of <paramref name="model"/>.</summary>
    internal static void Print(TextWriter o, OnnxModel model)
    {
        CompiledGraph g = CompiledGraph.Compile(model.Graph, $"ONNX file '{model.Source}'");
        GraphDepth depth = g.Depth;
        string producer = model.Producer.Length > 0 ? $", {model.Producer}" : "";
        o.WriteLine($"model: {model.Source} (opset {model.Opset}{producer})");
        o.WriteLine($"input: {g.Vertices[g.Input].Name} {NpyArray.FormatShape(g.Vertices[g.Input].Shape)} per pair; output: {g.Vertices[g.Output].Name} {NpyArray.FormatShape(g.Vertices[g.Output].Shape)}");
        o.WriteLine($"vertices ({g.Vertices.Count}, parents first; d = edges on the shortest/longest path to the output):");
        var rows = g.Vertices.Select(v => new[]
        {
            v.Name,
            Describe(v.Spec),
            NpyArray.FormatShape(v.Shape),
            v.Index == g.Input ? "-" : $"{depth.Min[v.Index]}",
            v.Index == g.Input ? "-" : $"{depth.Max[v.Index]}",
            v.Spec.Parents.Count == 0 ? "-" : string.Join(", ", v.Spec.Parents.Select(Edge)),
        }).ToList();
        rows.Insert(0, ["name", "kind", "shape", "d_min", "d_max", "parents (activation on the edge)"]);
        int[] width = [.. Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length))];
        foreach (string[] r in rows)
        {
            o.WriteLine("  " + string.Join("  ", r.Select((cell, c) => c < 5 ? cell.PadRight(width[c]) : cell)).TrimEnd());
        }

        long total = g.ParameterSlots.Sum(s => (long)s.Size);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parameters ({g.ParameterSlots.Count} tensors, {total} values, keyed by ONNX initializer name, stored as ONNX holds them):"));
        int keyWidth = g.ParameterSlots.Select(s => s.Key.Length).DefaultIfEmpty(0).Max();
        int shapeWidth = g.ParameterSlots.Select(s => NpyArray.FormatShape(s.Shape).Length).DefaultIfEmpty(0).Max();
        foreach (ParameterSlot s in g.ParameterSlots)
        {
            o.WriteLine($"  {s.Key.PadRight(keyWidth)}  {NpyArray.FormatShape(s.Shape).PadRight(shapeWidth)}  {model.Initializers[s.Key].DType.ToString().ToLowerInvariant()}");
        }

        if (depth.IsLevelled)
        {
            o.WriteLine($"levelled: yes (every non-input vertex has d_min = d_max; Z-IL's last moment is t = {depth.MaxDepth})");
        }
        else
        {
            IReadOnlyList<int> un = depth.Unlevelled(g);
            o.WriteLine($"levelled: no — {string.Join(", ", un.Select(v => $"{g.Vertices[v].Name} (d_min {depth.Min[v]} < d_max {depth.Max[v]})"))}; "
                + "Z-IL's claim needs a levelled graph");
            IReadOnlyList<InsertedVertex> inserted = Levelling.Level(model.Graph, model.Source).Inserted;
            o.WriteLine($"--level would insert {inserted.Count} identity vertex(es): {string.Join(", ", inserted.Select(v => $"'{v.Name}' on {v.Parent} → {v.Child}"))}");
        }

        foreach (string note in model.Notes)
        {
            o.WriteLine($"note: {note}");
        }
    }

    private static string Edge(EdgeSpec e) => e.Activation.Kind == ActivationKind.Identity ? e.Parent : $"{e.Activation.Name}({e.Parent})";

    private static string Describe(VertexSpec v) => v.Kind switch
    {
        VertexKind.Input => "input",
        VertexKind.Dense => $"dense {v.Units}{(v.Bias ? "+bias" : "")} {(v.WeightLayout == WeightLayout.OutIn ? "(out,in)" : "(in,out)")}",
        VertexKind.Conv2d => $"conv {v.Units}{(v.Bias ? "+bias" : "")} {Window(v)}",
        VertexKind.AvgPool2d => $"avgpool {Window(v)}{(v.Padding != (0, 0) && !v.CountIncludePad ? " excl-pad" : "")}",
        VertexKind.MaxPool2d => $"maxpool {Window(v)}",
        VertexKind.Sum => "sum",
        VertexKind.Flatten => "flatten",
        VertexKind.Identity => "identity",
        _ => v.Kind.ToString(),
    };

    private static string Window(VertexSpec v) => $"{v.Kernel.H}x{v.Kernel.W}/s{v.Stride.H},{v.Stride.W}/p{v.Padding.H},{v.Padding.W}";
}
