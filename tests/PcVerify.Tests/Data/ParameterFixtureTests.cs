using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Data;

/// <summary>
/// Parameter files written by numpy, read element by element (issue 10 item 7). Oracles: the closed form every
/// element was written from (Data/Fixtures/make_parameter_fixtures.py, restated here), and numpy's own forward pass
/// over the same file (the <c>.expected.npz</c> beside it). Every weight is square, so a matrix read transposed, a
/// kernel read flipped or its channels swapped keeps every shape; some arrays are Fortran-ordered, as numpy saves
/// <c>w.T</c>. Each file has a control showing that such a wrong reading moves numpy's forward by far more than the
/// tolerance, so the comparison can fail.
/// </summary>
public class ParameterFixtureTests
{
    /// <summary>
    /// Float64 on both sides, dot products of at most 18 terms with |w x| ≤ 25 and tanh (numpy and .NET each within an
    /// ulp or two of it): the two forwards differ by a few ulps of values below 40, far below 1e-12.
    /// </summary>
    private const double Abs = 1e-12;
    private const double Rel = 1e-12;
    private const string Reason = "float64 forwards in two summation orders, n ≤ 18 terms";

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);

    /// <summary>make_parameter_fixtures.py's <c>value(k, i)</c>: <c>±(k + 1 + i + 8·(i² mod 5))·scale</c>, minus for odd C-order index i.</summary>
    private static double Value(int k, int i, double scale) => (i % 2 == 1 ? -1 : 1) * (k + 1 + i + (8 * (i * i % 5))) * scale;

    private static readonly NetworkSpec Layered = new([3, 3, 3], [Activation.Tanh], bias: true);

    [Fact]
    public void A_numpy_layered_file_with_a_Fortran_ordered_square_matrix_is_read_element_by_element()
    {
        Parameters<double> p = ParameterIo.Load<double>(Fixture("params-layered-3-3-3.npz"), Layered);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(Value(0, i, 1.0 / 16), p.Theta[1].Data[i]);
            Assert.Equal(Value(9, i, 1.0 / 16), p.Theta[2].Data[i]);
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Value(18, i, 1.0 / 64), p.Beta[1][i]);
            Assert.Equal(Value(21, i, 1.0 / 64), p.Beta[2][i]);
        }

        // Every value is exact in float32 too.
        Parameters<float> f = ParameterIo.Load<float>(Fixture("params-layered-3-3-3.npz"), Layered);
        Assert.Equal(p.Theta[2].Data.Select(v => (float)v), f.Theta[2].Data);
    }

    [Fact]
    public void The_engines_forward_from_the_numpy_layered_file_is_numpys_forward()
    {
        Parameters<double> p = ParameterIo.Load<double>(Fixture("params-layered-3-3-3.npz"), Layered);
        IReadOnlyDictionary<string, NpyArray> expected = Npz.Read(Fixture("params-layered-3-3-3.expected.npz"));
        DataAssert.Close(expected["forward"].Data, LayeredForward(p, expected["inputs"].Data), Abs, Rel, Reason);

        // Control: theta2 read transposed (what a reader ignoring fortran_order would return) misses numpy's forward.
        Parameters<double> wrong = p.Clone();
        Transpose(wrong.Theta[2].Data, 3);
        Assert.True(MaxDifference(expected["forward"].Data, LayeredForward(wrong, expected["inputs"].Data)) > 1e-3);
    }

    [Fact]
    public void A_numpy_graph_file_with_a_Fortran_ordered_square_conv_kernel_is_read_element_by_element()
    {
        GraphParameters<double> p = LoadGraph(out _);
        double[] w = p["conv.weight"];
        Assert.Equal(36, w.Length);
        for (int i = 0; i < 36; i++)
        {
            Assert.Equal(Value(0, i, 1.0 / 256), w[i]);
        }

        Assert.Equal([Value(36, 0, 1.0 / 256), Value(36, 1, 1.0 / 256)], p["conv.bias"]);
        double[] fc = p["fc.weight"];
        for (int i = 0; i < 18 * 18; i++)
        {
            Assert.Equal(Value(38, i, 1.0 / 16), fc[i]);
        }

        Assert.Equal(Enumerable.Range(0, 18).Select(i => Value(362, i, 1.0 / 16)), p["fc.bias"]);
    }

    [Fact]
    public void The_engines_forward_from_the_numpy_graph_file_is_numpys_forward()
    {
        GraphParameters<double> p = LoadGraph(out CompiledGraph graph);
        IReadOnlyDictionary<string, NpyArray> expected = Npz.Read(Fixture("params-conv-square.expected.npz"));
        double[] inputs = expected["inputs"].Data;
        DataAssert.Close(expected["forward"].Data, GraphOutput(graph, p, inputs), Abs, Rel, Reason);

        // Controls: the kernel with its out and in channels swapped, or each 3×3 kernel transposed, misses numpy's forward.
        GraphParameters<double> swapped = p.Clone();
        double[] w = swapped["conv.weight"];
        double[] original = p["conv.weight"];
        for (int o = 0; o < 2; o++)
        {
            for (int c = 0; c < 2; c++)
            {
                Array.Copy(original, ((c * 2) + o) * 9, w, ((o * 2) + c) * 9, 9);
            }
        }

        Assert.True(MaxDifference(expected["forward"].Data, GraphOutput(graph, swapped, inputs)) > 1e-3);

        GraphParameters<double> flipped = p.Clone();
        for (int k = 0; k < 4; k++)
        {
            Transpose(flipped["conv.weight"].AsSpan(k * 9, 9), 3);
        }

        Assert.True(MaxDifference(expected["forward"].Data, GraphOutput(graph, flipped, inputs)) > 1e-3);
    }

    private static GraphParameters<double> LoadGraph(out CompiledGraph graph)
    {
        graph = CompiledGraph.Compile(GraphJson.Read(Fixture("params-conv-square.json")), "params-conv-square.json");
        return GraphParameterIo.Load<double>(Fixture("params-conv-square.npz"), graph);
    }

    private static double[] LayeredForward(Parameters<double> p, double[] inputs)
    {
        var chain = new Chain<double>(Layered);
        return GraphOutput(chain.Graph, chain.Wrap(p), inputs);
    }

    private static double[] GraphOutput(CompiledGraph graph, GraphParameters<double> p, double[] inputs)
    {
        int batch = inputs.Length / graph.InputSize;
        var forward = new GraphForward<double>(graph, batch);
        forward.Run(p, inputs, batch);
        return forward.Output.ToArray();
    }

    private static void Transpose(Span<double> square, int n)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                (square[(i * n) + j], square[(j * n) + i]) = (square[(j * n) + i], square[(i * n) + j]);
            }
        }
    }

    private static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
