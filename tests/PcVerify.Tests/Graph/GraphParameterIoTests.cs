using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>Graph parameters as NPZ keyed <c>&lt;vertex&gt;.weight</c>/<c>.bias</c> in PyTorch layout; wrong files are one line.</summary>
public class GraphParameterIoTests
{
    private static CompiledGraph Cnn() => CompiledGraph.Compile(GraphJson.Read(GraphJsonTests.Example("cnn-digits.json")));

    [Fact]
    public void Saving_and_loading_gives_the_same_bits_under_PyTorch_keys_and_shapes()
    {
        CompiledGraph g = Cnn();
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.HeNormal, 1, 1.0, 0.1);
        using TempDirectory dir = new();
        string path = dir.File("p.npz");
        GraphParameterIo.Save(path, p, NpyDType.Float64);
        IReadOnlyDictionary<string, NpyArray> raw = Npz.Read(path);
        Assert.Equal(["conv1.bias", "conv1.weight", "fc.bias", "fc.weight"], raw.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([4, 1, 3, 3], raw["conv1.weight"].Shape);
        Assert.Equal([10, 64], raw["fc.weight"].Shape);
        GraphParameters<double> q = GraphParameterIo.Load<double>(path, g);
        foreach (ParameterSlot s in g.ParameterSlots)
        {
            Tolerance.Exact.Assert<double>(p[s], q[s], s.Key);
        }
    }

    private static string Bad(Dictionary<string, NpyArray> arrays)
    {
        using TempDirectory dir = new();
        string path = dir.File("p.npz");
        Npz.Write(path, arrays, NpyDType.Float64);
        var e = Assert.Throws<InvalidInputException>(() => GraphParameterIo.Load<double>(path, Cnn()));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    private static Dictionary<string, NpyArray> Good() => GraphParameters<double>.Initialise(Cnn(), InitScheme.HeNormal, 1).ToArrays(NpyDType.Float64);

    [Fact]
    public void A_wrong_shape_names_the_key_the_found_and_the_expected_shape()
    {
        Dictionary<string, NpyArray> a = Good();
        a["conv1.weight"] = new NpyArray([4, 1, 2, 2], new double[16]);
        Assert.Contains("key 'conv1.weight' has shape (4, 1, 2, 2), expected (4, 1, 3, 3) (vertex 'conv1')", Bad(a));
    }

    [Fact]
    public void A_missing_or_extra_key_is_named()
    {
        Dictionary<string, NpyArray> a = Good();
        a.Remove("fc.bias");
        Assert.Contains("key 'fc.bias' (shape (10,)) not found", Bad(a));
        Dictionary<string, NpyArray> b = Good();
        b["conv2.weight"] = new NpyArray([1], [0.0]);
        Assert.Contains("key 'conv2.weight' is not a parameter of the graph", Bad(b));
    }

    [Fact]
    public void A_non_finite_value_is_named()
    {
        Dictionary<string, NpyArray> a = Good();
        a["fc.bias"].Data[3] = double.NaN;
        Assert.Contains("key 'fc.bias' element 3 is NaN", Bad(a));
    }
}
