using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// Seeded random computation graphs of every kind ONNX export writes: an image or flat input with odd sizes, conv
/// (kernel 1–3, stride 1–2, padding), average and max pooling (with padding), residual blocks (a same-shape conv summed
/// with its input), flatten, dense layers in both weight layouts with and without bias, and a random activation on
/// every edge. Parameters are N(0, 1/fan-in), float32-representable so an export to float32 is exact.
/// </summary>
internal static class RandomGraphs
{
    private static readonly Activation[] Activations =
        [Activation.Identity, Activation.Relu, Activation.Tanh, Activation.Logistic, Activation.Softplus, Activation.LeakyRelu(0.125)];

    public static (GraphSpec Spec, Dictionary<string, NpyArray> Parameters, int[] InputShape) Create(ulong seed)
    {
        var rng = new Rng(seed);
        var vertices = new List<VertexSpec>();
        var parameters = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        Activation Act() => Activations[rng.NextInt(Activations.Length)];
        NpyArray Normal(int fanIn, params int[] shape)
        {
            double[] data = new double[shape.Aggregate(1, (p, d) => p * d)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (float)(rng.NextNormal() / Math.Sqrt(fanIn));
            }

            return new NpyArray(shape, data, NpyDType.Float32);
        }

        string current = "in";
        int[] shape;
        if (rng.NextInt(3) > 0)
        {
            shape = [1 + rng.NextInt(3), 3 + rng.NextInt(6), 3 + rng.NextInt(6)];
        }
        else
        {
            shape = [1 + rng.NextInt(9)];
        }

        int[] inputShape = shape;
        vertices.Add(new VertexSpec { Name = current, Kind = VertexKind.Input, Shape = shape });
        int n = 0;
        string Next(string kind) => $"{kind}{++n}";

        if (shape.Length == 3)
        {
            for (int layers = 1 + rng.NextInt(3); layers > 0; layers--)
            {
                (int c, int h, int w) = (shape[0], shape[1], shape[2]);
                int choice = rng.NextInt(4);
                if (choice == 0 || Math.Min(h, w) < 2)
                {
                    int k = 1 + rng.NextInt(Math.Min(3, Math.Min(h, w))), s = 1 + rng.NextInt(2), p = rng.NextInt((k / 2) + 1);
                    int units = 1 + rng.NextInt(4);
                    string name = Next("conv");
                    bool bias = rng.NextInt(2) == 0;
                    vertices.Add(new VertexSpec
                    {
                        Name = name, Kind = VertexKind.Conv2d, Parents = [new EdgeSpec(current, Act())], Units = units,
                        Kernel = (k, k), Stride = (s, s), Padding = (p, p), Bias = bias,
                    });
                    parameters[name + ".weight"] = Normal(c * k * k, units, c, k, k);
                    if (bias)
                    {
                        parameters[name + ".bias"] = Normal(1, units);
                    }

                    shape = [units, ((h + (2 * p) - k) / s) + 1, ((w + (2 * p) - k) / s) + 1];
                    current = name;
                }
                else if (choice == 1 || choice == 2)
                {
                    bool max = choice == 2;
                    int kh = 2, kw = 1 + rng.NextInt(2), s = 1 + rng.NextInt(2), p = rng.NextInt(2);
                    int ph = p, pw = Math.Min(p, kw / 2);
                    string name = Next(max ? "maxpool" : "avgpool");
                    vertices.Add(new VertexSpec
                    {
                        Name = name, Kind = max ? VertexKind.MaxPool2d : VertexKind.AvgPool2d, Parents = [new EdgeSpec(current, Act())],
                        Kernel = (kh, kw), Stride = (s, s), Padding = (ph, pw), CountIncludePad = max || rng.NextInt(2) == 0,
                    });
                    shape = [c, ((h + (2 * ph) - kh) / s) + 1, ((w + (2 * pw) - kw) / s) + 1];
                    current = name;
                }
                else
                {
                    // A residual block: z = conv(f(x)) + g(x), the conv keeping the shape (3×3, padding 1, c channels).
                    string conv = Next("resconv"), sum = Next("sum");
                    vertices.Add(new VertexSpec
                    {
                        Name = conv, Kind = VertexKind.Conv2d, Parents = [new EdgeSpec(current, Act())], Units = c,
                        Kernel = (3, 3), Padding = (1, 1), Bias = true,
                    });
                    parameters[conv + ".weight"] = Normal(c * 9, c, c, 3, 3);
                    parameters[conv + ".bias"] = Normal(1, c);
                    vertices.Add(new VertexSpec { Name = sum, Kind = VertexKind.Sum, Parents = [new EdgeSpec(conv, Act()), new EdgeSpec(current, Act())] });
                    current = sum;
                }
            }

            string flat = Next("flatten");
            vertices.Add(new VertexSpec { Name = flat, Kind = VertexKind.Flatten, Parents = [new EdgeSpec(current, Act())] });
            shape = [shape.Aggregate(1, (p, d) => p * d)];
            current = flat;
        }

        for (int layers = 1 + rng.NextInt(3); layers > 0; layers--)
        {
            int units = 1 + rng.NextInt(12);
            string name = Next("dense");
            bool bias = rng.NextInt(3) > 0;
            WeightLayout layout = rng.NextInt(2) == 0 ? WeightLayout.OutIn : WeightLayout.InOut;
            vertices.Add(new VertexSpec
            {
                Name = name, Kind = VertexKind.Dense, Parents = [new EdgeSpec(current, Act())], Units = units, Bias = bias, WeightLayout = layout,
            });
            parameters[name + ".weight"] = layout == WeightLayout.OutIn ? Normal(shape[0], units, shape[0]) : Normal(shape[0], shape[0], units);
            if (bias)
            {
                parameters[name + ".bias"] = Normal(1, units);
            }

            shape = [units];
            current = name;
        }

        return (new GraphSpec(vertices, current), parameters, inputShape);
    }

    /// <summary><paramref name="batch"/> seeded inputs uniform in [−1, 1), float32-representable.</summary>
    public static double[] Inputs(int[] shape, int batch, ulong seed)
    {
        var rng = new Rng(seed);
        double[] x = new double[batch * shape.Aggregate(1, (p, d) => p * d)];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextUniform(-1, 1);
        }

        return x;
    }
}
