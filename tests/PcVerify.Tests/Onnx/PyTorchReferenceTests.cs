using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Onnx;
using PcVerify.Engine.Training;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// Training the imported models against PyTorch autograd's own numbers (shared/models/*.ref.npz): every parameter after
/// 1 and 5 plain SGD steps on the whole batch (mean over pairs, lr 0.05), for squared error and softmax cross-entropy.
/// BP must reproduce them; Z-IL must too on levelled graphs (the chains, and the ResNet after levelling, docs/math.md §10);
/// IL, and Z-IL on the un-levelled ResNet, must not (the negative controls).
/// </summary>
public class PyTorchReferenceTests
{
    /// <summary>
    /// PyTorch and the engine compute the same float64 sums in different orders: each gradient is within γ_n·Σ|terms|
    /// of the exact one (n ≤ 192·4 terms, γ ≈ 1e-13), scaled by α = 0.05 and added to parameters of magnitude ≤ 1,
    /// five times. 1e-12 relative + 1e-14 absolute (for parameters near 0) covers it; one wrong sign, factor or
    /// transposition moves a parameter by O(α·gradient) ≈ 1e-3.
    /// </summary>
    private const double Rel = 1e-12, Abs = 1e-14;

    private const string Reason = "float64 SGD, PyTorch vs engine: two summation orders of every gradient (γ_n·Σ|terms|), ≤ 5 steps";

    public static TheoryData<string, string> ModelsAndLosses()
    {
        var data = new TheoryData<string, string>();
        foreach (string m in new[] { "mlp", "cnn", "resnet" })
        {
            data.Add(m, "se");
            data.Add(m, "ce");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndLosses))]
    public void BP_on_the_imported_model_reproduces_PyTorch_autograd_after_1_and_5_steps(string name, string loss)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        CompiledGraph graph = CompiledGraph.Compile(loaded.Model.Graph, name);
        Train(loaded.Model, loaded.Ref, graph, new LearnerOptions { Algorithm = Algorithm.BP, Alpha = 0.05, Loss = OutputLoss.Parse(loss) }, loss, expectEqual: true);
    }

    [Theory]
    [MemberData(nameof(ModelsAndLosses))]
    public void ZIL_on_the_levelled_model_reproduces_PyTorch_autograd(string name, string loss)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // The chains are levelled as imported; the ResNet is levelled by inserting identity vertices (keys unchanged).
        GraphSpec spec = name == "resnet" ? Levelling.Level(loaded.Model.Graph, name).Spec : loaded.Model.Graph;
        CompiledGraph graph = CompiledGraph.Compile(spec, name);
        Assert.True(graph.Depth.IsLevelled);
        Train(loaded.Model, loaded.Ref, graph, new LearnerOptions { Algorithm = Algorithm.ZIL, Alpha = 0.05, Loss = OutputLoss.Parse(loss) }, loss, expectEqual: true);
    }

    [Theory]
    [InlineData("mlp", "se")]
    [InlineData("mlp", "ce")]
    [InlineData("cnn", "se")]
    [InlineData("cnn", "ce")]
    public void FaZIL_on_the_tanh_models_reproduces_PyTorch_autograd(string name, string loss)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // tanh has f' > 0 everywhere, inside the boundary of our φ (docs/findings.md); the ResNet's ReLU edges are
        // outside it (a dead unit's zero error fires later), so it is not claimed there.
        CompiledGraph graph = CompiledGraph.Compile(loaded.Model.Graph, name);
        Train(loaded.Model, loaded.Ref, graph, new LearnerOptions { Algorithm = Algorithm.FaZIL, Alpha = 0.05, Loss = OutputLoss.Parse(loss) }, loss, expectEqual: true);
    }

    [Theory]
    [InlineData("se")]
    [InlineData("ce")]
    public void Negative_control_ZIL_on_the_unlevelled_resnet_does_not_reproduce_PyTorch(string loss)
    {
        if (SharedModels.Load("resnet") is not { } loaded)
        {
            return;
        }

        CompiledGraph graph = CompiledGraph.Compile(loaded.Model.Graph, "resnet");
        Assert.False(graph.Depth.IsLevelled);
        Train(loaded.Model, loaded.Ref, graph, new LearnerOptions { Algorithm = Algorithm.ZIL, Alpha = 0.05, Loss = OutputLoss.Parse(loss) }, loss, expectEqual: false);
    }

    [Theory]
    [MemberData(nameof(ModelsAndLosses))]
    public void Negative_control_IL_does_not_reproduce_PyTorch(string name, string loss)
    {
        if (SharedModels.Load(name) is not { } loaded)
        {
            return;
        }

        // IL as the paper runs it (γ = 0.1, every vertex updated at t_c = T = 20, the options' default) on the levelled graph.
        GraphSpec spec = name == "resnet" ? Levelling.Level(loaded.Model.Graph, name).Spec : loaded.Model.Graph;
        CompiledGraph graph = CompiledGraph.Compile(spec, name);
        Train(loaded.Model, loaded.Ref, graph, new LearnerOptions { Algorithm = Algorithm.IL, Alpha = 0.05, Gamma = 0.1, Loss = OutputLoss.Parse(loss) }, loss, expectEqual: false);
    }

    /// <summary>
    /// Five steps on the reference batch from the model's initial parameters; after steps 1 and 5 every parameter is
    /// compared with PyTorch's. With <paramref name="expectEqual"/> false, some parameter after step 1 must be outside
    /// the bound (the control must be able to see a difference of the size the bound would hide).
    /// </summary>
    private static void Train(OnnxModel model, IReadOnlyDictionary<string, NpyArray> reference, CompiledGraph graph, LearnerOptions options, string loss, bool expectEqual)
    {
        NpyArray x = reference["inputs"], s = reference["targets"];
        int batch = x.Shape[0];
        var p = GraphParameters<double>.FromArrays(graph, model.Initializers, model.Source);
        IGraphLearner<double> learner = options.Create<double>(graph, batch);
        bool anyOutside = false;
        for (int step = 1; step <= 5; step++)
        {
            learner.StepIndex = step - 1;
            learner.Step(p, x.Data, s.Data, batch);
            if (step is not (1 or 5))
            {
                continue;
            }

            foreach (string key in model.Initializers.Keys)
            {
                double[] expected = reference[$"after_{loss}_{step}.{key}"].Data;
                if (expectEqual)
                {
                    DataAssert.Close(expected, p[key], Abs, Rel, $"{learner.Name} step {step} '{key}': {Reason}");
                }
                else
                {
                    anyOutside |= Enumerable.Range(0, expected.Length).Any(i => !(Math.Abs(p[key][i] - expected[i]) <= Abs + (Rel * Math.Abs(expected[i]))));
                }
            }

            if (!expectEqual)
            {
                Assert.True(anyOutside, $"{learner.Name} reproduced PyTorch's BP after step {step}; the control expects a divergence");
                return;
            }
        }
    }
}
