using PcVerify.Engine.Graph;
using PcVerify.Engine.Graph.Ops;
using PcVerify.Engine.Kernels;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;

namespace PcVerify.Tests.Graph;

/// <summary>
/// Every vertex kind's Jacobian-transpose product and parameter gradient against central finite differences of
/// <c>φ = Σ_b e_b · F(a_b; θ)</c> in double (∂φ/∂a = Jᵀ e, ∂φ/∂θ = the parameter gradient), and every forward against
/// a naive formula, over a sweep of shapes (odd sizes, strides 1–2, paddings 0–1, 1–3 channels, batch &gt; 1).
/// </summary>
/// <remarks>
/// Step h = 1e-6. Every map here is linear in the perturbed variable (max pooling piecewise linear, and its test
/// inputs are ≥ 0.01 apart so no kink lies within h), so the truncation error is 0 and only rounding remains:
/// ≲ u·Σ|e·μ| / h ≈ 1e-16 · 100 / 1e-6 = 1e-8. The bound is 1e-7 absolute + 1e-7 relative.
/// </remarks>
public class OpGradientTests
{
    private const double H = 1e-6;
    private static readonly Tolerance Fd = new(1e-7, 1e-7, "central difference, h = 1e-6, of a (piecewise) linear map in double: rounding only, ≲ 1e-8");

    /// <summary>Checks vertex <paramref name="name"/>'s op against finite differences; inputs are random (or distinct, for max pooling).</summary>
    internal static void CheckOp(CompiledGraph graph, string name, int batch, ulong seed, bool distinct = false, Func<IVertexOp<double>, IVertexOp<double>>? wrap = null)
    {
        int v = graph.IndexOf(name);
        GraphVertex vertex = graph.Vertices[v];
        IVertexOp<double> op = VertexOps.Create<double>(graph, v, batch);
        op = wrap is null ? op : wrap(op);
        GraphParameters<double> p = GraphParameters<double>.Initialise(graph, InitScheme.ScaledNormal, seed, 1.0, 1.0);
        double[][] inputs = new double[vertex.InDegree][];
        for (int k = 0; k < inputs.Length; k++)
        {
            int n = batch * graph.Vertices[graph.InEdge(v, k).Parent].Size;
            inputs[k] = distinct ? Distinct(n, seed + 10 + (ulong)k) : TestNets.Normal(n, seed + 10 + (ulong)k);
        }

        double[] e = TestNets.Normal(batch * vertex.Size, seed + 5);
        double[] mu = new double[batch * vertex.Size];
        double Phi()
        {
            op.Forward(p, inputs, mu, batch);
            double s = 0;
            for (int i = 0; i < mu.Length; i++)
            {
                s += e[i] * mu[i];
            }

            return s;
        }

        double Fd1(double[] data, int i)
        {
            double a = data[i];
            data[i] = a + H;
            double plus = Phi();
            data[i] = a - H;
            double minus = Phi();
            data[i] = a;
            return (plus - minus) / (2 * H);
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            double[] g = new double[inputs[k].Length];
            op.InputGradient(k, p, inputs, e, g, batch, accumulate: false);
            for (int i = 0; i < g.Length; i++)
            {
                Fd.Assert(Fd1(inputs[k], i), g[i], $"{name} Jᵀe slot {k} element {i}");
            }

            // accumulate: r ← r + Jᵀ e, exactly one addition per element.
            double[] r = TestNets.Normal(g.Length, seed + 99), expected = new double[g.Length];
            for (int i = 0; i < g.Length; i++)
            {
                expected[i] = r[i] + g[i];
            }

            op.InputGradient(k, p, inputs, e, r, batch, accumulate: true);
            Tolerance.Exact.Assert<double>(expected, r, $"{name} accumulated Jᵀe slot {k}");
        }

        double[] dw = new double[p.Weight(v).Length], db = new double[p.Bias(v).Length];
        op.UpdateParameters(inputs, e, batch, 1.0, dw, db);
        for (int i = 0; i < dw.Length; i++)
        {
            Fd.Assert(Fd1(p.Weight(v), i), dw[i], $"{name} weight gradient element {i}");
        }

        for (int i = 0; i < db.Length; i++)
        {
            Fd.Assert(Fd1(p.Bias(v), i), db[i], $"{name} bias gradient element {i}");
        }

        Assert.Equal(vertex.WeightShape.Count > 0, op.HasParameters);
    }

    /// <summary>n values, a shuffle of −n/200 .. n/200 in steps of 0.01: no two within 0.01.</summary>
    private static double[] Distinct(int n, ulong seed)
    {
        double[] v = [.. Enumerable.Range(0, n).Select(i => (i - (n / 2)) * 0.01)];
        new PcVerify.Engine.Rng(seed).Shuffle<double>(v);
        return v;
    }

    [Theory]
    [InlineData(WeightLayout.OutIn, true, 3)]
    [InlineData(WeightLayout.InOut, false, 2)]
    [InlineData(WeightLayout.InOut, true, 1)]
    public void Dense_Jacobian_transpose_and_gradient_equal_finite_differences(WeightLayout layout, bool bias, int batch)
    {
        CompiledGraph g = G.Compile("d", G.Input("x", 5), G.Dense("d", 4, G.E("x"), bias, layout));
        CheckOp(g, "d", batch, 3);
    }

    [Theory]
    [InlineData(WeightLayout.OutIn)]
    [InlineData(WeightLayout.InOut)]
    public void Dense_forward_equals_the_naive_matrix_product(WeightLayout layout)
    {
        CompiledGraph g = G.Compile("d", G.Input("x", 5), G.Dense("d", 3, G.E("x"), true, layout));
        GraphParameters<double> p = GraphParameters<double>.Initialise(g, InitScheme.ScaledNormal, 4, 1.0, 1.0);
        double[] a = TestNets.Normal(2 * 5, 8), mu = new double[2 * 3];
        VertexOps.Create<double>(g, 1, 2).Forward(p, [a], mu, 2);
        double[] w = p.Weight(1), beta = p.Bias(1);
        for (int b = 0; b < 2; b++)
        {
            for (int o = 0; o < 3; o++)
            {
                double s = 0, abs = 0;
                for (int i = 0; i < 5; i++)
                {
                    double t = a[(b * 5) + i] * (layout == WeightLayout.OutIn ? w[(o * 5) + i] : w[(i * 3) + o]);
                    s += t;
                    abs += Math.Abs(t);
                }

                new Tolerance(2 * 7 * Math.ScaleB(1, -53) * (abs + Math.Abs(beta[o])), 0, "two summation orders of 6 terms")
                    .Assert(s + beta[o], mu[(b * 3) + o], $"μ[{b},{o}]");
            }
        }
    }

    public static TheoryData<int, int, int, int, int, int> ConvCases()
    {
        TheoryData<int, int, int, int, int, int> data = [];
        foreach ((int c, int h, int w) in new[] { (1, 5, 4), (3, 4, 4), (2, 5, 5) })
        {
            foreach (int k in new[] { 2, 3 })
            {
                foreach (int s in new[] { 1, 2 })
                {
                    foreach (int p in new[] { 0, 1 })
                    {
                        data.Add(c, h, w, k, s, p);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Jacobian_transpose_and_gradient_equal_finite_differences(int c, int h, int w, int k, int s, int p)
    {
        CompiledGraph g = G.Compile("c", G.Input("x", c, h, w), G.Conv("c", 2, G.E("x"), k, s, p));
        CheckOp(g, "c", 2, (ulong)((c * 1000) + (h * 100) + (k * 10) + s + p));
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Pooling_Jacobian_transposes_equal_finite_differences(int c, int h, int w, int k, int s, int p)
    {
        Assert.True(2 * p <= k, "the sweep keeps PyTorch's pooling rule, padding ≤ kernel/2");
        CompiledGraph avg = G.Compile("p", G.Input("x", c, h, w), G.Pool("p", VertexKind.AvgPool2d, G.E("x"), k, s, p));
        CheckOp(avg, "p", 2, 7);
        CompiledGraph avgExcl = G.Compile("p", G.Input("x", c, h, w), G.Pool("p", VertexKind.AvgPool2d, G.E("x"), k, s, p, countIncludePad: false));
        CheckOp(avgExcl, "p", 2, 8);
        CompiledGraph max = G.Compile("p", G.Input("x", c, h, w), G.Pool("p", VertexKind.MaxPool2d, G.E("x"), k, s, p));
        CheckOp(max, "p", 2, 9, distinct: true);
    }

    [Fact]
    public void Sum_identity_and_flatten_Jacobian_transposes_equal_finite_differences()
    {
        CompiledGraph g = G.Compile("f",
            G.Input("x", 2, 3, 3),
            G.Id("i", G.E("x", "tanh")),
            G.Sum("s", G.E("x"), G.E("i"), G.E("x", "relu")),
            G.Flatten("f", G.E("s")));
        CheckOp(g, "i", 3, 1);
        CheckOp(g, "s", 3, 2);
        CheckOp(g, "f", 3, 3);
    }

    [Fact]
    public void Sum_forward_adds_its_inputs_left_to_right()
    {
        CompiledGraph g = G.Compile("s", G.Input("x", 3), G.Sum("s", G.E("x"), G.E("x"), G.E("x")));
        double[] a = [1e16, 1, 2], b = [1, 1, 2], c = [-1e16, 1, 2], mu = new double[3];
        VertexOps.Create<double>(g, 1, 1).Forward(new GraphParameters<double>(g), [a, b, c], mu, 1);
        // (1e16 + 1) − 1e16 = 0 in double (1e16 + 1 rounds to 1e16): the order is visible.
        Assert.Equal([(1e16 + 1) + -1e16, 3.0, 6.0], mu);
    }

    /// <summary>Negative control: the finite-difference check must catch a Jᵀ that is wrong in one element by 1e-4.</summary>
    [Fact]
    public void The_finite_difference_check_fails_on_a_Jacobian_transpose_perturbed_by_1e_4()
    {
        CompiledGraph g = G.Compile("c", G.Input("x", 1, 4, 4), G.Conv("c", 2, G.E("x"), 3, 1, 1));
        Assert.Throws<ToleranceException>(() => CheckOp(g, "c", 2, 1, wrap: op => new Perturbed(op)));
    }

    private sealed class Perturbed(IVertexOp<double> inner) : IVertexOp<double>
    {
        public int Vertex => inner.Vertex;

        public int Capacity => inner.Capacity;

        public bool HasParameters => inner.HasParameters;

        public void Forward(GraphParameters<double> parameters, ReadOnlySpan<double[]> inputs, Span<double> mu, int batch) =>
            inner.Forward(parameters, inputs, mu, batch);

        public void InputGradient(int slot, GraphParameters<double> parameters, ReadOnlySpan<double[]> inputs, ReadOnlySpan<double> error, Span<double> result, int batch, bool accumulate)
        {
            inner.InputGradient(slot, parameters, inputs, error, result, batch, accumulate);
            result[5] += 1e-4;
        }

        public void UpdateParameters(ReadOnlySpan<double[]> inputs, ReadOnlySpan<double> error, int batch, double s, Span<double> weight, Span<double> bias) =>
            inner.UpdateParameters(inputs, error, batch, s, weight, bias);
    }
}
