using System.CommandLine;
using System.Globalization;
using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;
using PcVerify.Engine.Resources;
using PcVerify.Engine.Training;

namespace PcVerify.Cli.Commands;

/// <summary>The options shared by <c>train</c> and <c>compare</c>: network, data, learning rule, run length.</summary>
internal sealed class RunOptions
{
    public Option<string?> Arch { get; } = new("--arch")
    {
        Description = "Layer widths from INPUT to OUTPUT, comma-separated, e.g. 784,128,64,10 (internally the paper's indexing: layer 0 = output). Default: the data's input width, 64, 32, the data's output width (or the shapes in --init).",
    };

    public Option<string?> Graph { get; } = new("--graph")
    {
        Description = "A computation graph (JSON; docs/graph-format.md, examples/) instead of --arch (they exclude each other). With a graph: activations are per edge and biases per vertex in the file (--act and --bias are refused); --init-scheme applies per vertex (fan-in: dense in, conv in·kh·kw); --schedule has one entry per depth d = 0..max d (vertex v follows d_max(v)); --init/--save use <vertex>.weight/<vertex>.bias in PyTorch layout. A data row is the input vertex's value, row-major (NCHW).",
    };

    public Option<string?> Model { get; } = new("--model")
    {
        Description = "An ONNX model (e.g. from torch.onnx.export; docs/onnx.md) instead of --arch or --graph (they exclude each other). Its initializers are the initial parameters (or --init, an NPZ keyed by the ONNX names); --save writes them under those names, as ONNX holds them. A model ending in Softmax/LogSoftmax needs --loss ce. A data row is the model's input without the batch, row-major; NPZ inputs may keep that shape, e.g. (N, 1, 8, 8).",
    };

    public Option<bool> Level { get; } = new("--level")
    {
        Description = "With --graph or --model: level the graph by inserting identity vertices on short edges (docs/math.md §10) and print what was inserted. Without it an unlevelled graph is run as it is (Z-IL then is the negative control).",
    };

    public Option<string> Act { get; } = new("--act")
    {
        Description = "Activation f: one for all layers, or one per layer from the input layer to the last hidden layer (L names); not with --graph (activations are per edge in the file). " + Activation.ValidNames,
        DefaultValueFactory = _ => "tanh",
    };

    public Option<bool> Bias { get; } = new("--bias") { Description = "Give every layer a bias β^{l+1} (not with --graph: biases are per vertex in the file)." };

    public Option<string> DType { get; } = new("--dtype") { Description = "float64 or float32.", DefaultValueFactory = _ => "float64" };

    public Option<string?> Init { get; } = new("--init") { Description = "Start from exactly these parameters (NPZ with theta1..thetaL, beta1..betaL; theta{l+1} has shape (n^l, n^{l+1}), layer 0 = output; with --graph: <vertex>.weight/<vertex>.bias in PyTorch layout, and feedback.* for a B of its own as --save writes it)." };

    public Option<string> InitScheme { get; } = new("--init-scheme")
    {
        Description = "The initial parameters: he (He/Kaiming normal), xavier (Glorot uniform) or normal:S (N(0, S²)); seeded by --seed. With --init it only draws feedback B (--feedback random, sign, kp, direct without feedback{l} in the file), and is refused otherwise.",
        DefaultValueFactory = _ => "he",
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Data: " + DataSources.Forms + ". Default: digits, the embedded UCI handwritten digits (1,437 training and 360 test 8×8 images, 64 inputs, 10 classes). Pairs are presented in file order unless --shuffle.",
        DefaultValueFactory = _ => Digits.Name,
    };

    public Option<long?> Steps { get; } = new("--steps") { Description = "Number of training steps (batches), instead of --epochs (not both)." };

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the training set (not with --steps).", DefaultValueFactory = _ => 1 };

    public Option<int> Batch { get; } = new("--batch") { Description = "Pairs per step B; updates are the batch mean.", DefaultValueFactory = _ => 1 };

    public Option<double> Lr { get; } = new("--lr") { Description = "Learning rate α > 0.", DefaultValueFactory = _ => 0.01 };

    public Option<double> Gamma { get; } = new("--gamma") { Description = "Inference rate γ > 0 (condition C3: γ = 1).", DefaultValueFactory = _ => 1.0 };

    public Option<bool> GammaCorrection { get; } = new("--gamma-correction") { Description = "Scale the rate of θ^{l+1} by γ^-l (supplementary A.5), so Z-IL with γ ≠ 1 matches BP." };

    public Option<double> Sigma { get; } = new("--sigma") { Description = "σ ≥ 0: x^l_0 = μ^l_0 + σ·N(0,1) (relaxes C1; Tables 1–2).", DefaultValueFactory = _ => 0.0 };

    public Option<int?> Tc { get; } = new("--tc") { Description = "IL: the moment t_c at which all layers are updated (default: --T; not with --T or --schedule)." };

    public Option<int> T { get; } = new("--T") { Description = "IL: inference moments before the update, the default t_c (not with --tc or --schedule).", DefaultValueFactory = _ => 20 };

    public Option<string?> Schedule { get; } = new("--schedule") { Description = "IL: a custom update schedule, one entry per θ^1..θ^L (with --graph: one per depth d = 0..max d; vertex v follows d_max(v)): moments joined by '+', '-' for never (e.g. 0,1,3); or zil, or all:T." };

    public Option<bool> Sync { get; } = new("--sync") { Description = "Z-IL: run the faithful synchronous simulation instead of the (bit-identical) event-driven one." };

    public Option<int?> Moments { get; } = new("--moments") { Description = "Fa-Z-IL: number of inference moments (default L; with --graph max d + 1)." };

    public Option<string> Loss { get; } = new("--loss")
    {
        Description = "Output loss (docs/math.md §11) for BP and every PC algorithm: se (squared error ½‖s − y‖², the paper's) or ce (softmax cross-entropy; targets must be ≥ 0).",
        DefaultValueFactory = _ => "se",
    };

    public Option<string> Feedback { get; } = new("--feedback")
    {
        Description = "What sends errors backwards in BP's δ and PC's inference (Eq. 7) in place of θᵀ (docs/math.md §12; on graphs in every dense and conv2d vertex's input-Jᵀ, B of the weight's shape): symmetric (θᵀ, the default), random (feedback alignment: fixed B drawn like θ by --init-scheme from --seed, also with --init), sign (B = s·sign(θ)ᵀ with s θ's initial standard deviation, following θ), kp (Kolen–Pollack: random B that receives θ's transposed update), direct (DFA, bp only: δ^l = f'(y^l) ⊙ B^l δ^0; on a graph every hidden vertex gets its B_v). The learning rule always uses θ. With --init, feedback1..feedback{L-1} of shape (θ^l)ᵀ in the file are the initial B (random, kp, direct).",
        DefaultValueFactory = _ => "symmetric",
    };

    public Option<double?> WeightDecay { get; } = new("--weight-decay")
    {
        Description = "Weight decay λ ≥ 0: θ ← (1 − αλ)θ after every step (weights, not biases), and B alike with --feedback kp; in compare also BP's. Default: 0.03 with --feedback kp, else 0.",
    };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for initialisation, synthetic data, shuffling and σ noise.", DefaultValueFactory = _ => 1UL };

    public Option<bool> Shuffle { get; } = new("--shuffle") { Description = "Shuffle the training pairs each epoch (seeded)." };

    public Option<long> EvalEvery { get; } = new("--eval-every") { Description = "Evaluate every N steps (0 = at every epoch end).", DefaultValueFactory = _ => 0L };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Arch, Graph, Model, Level, Act, Bias, DType, Init, InitScheme, Data, Steps, Epochs, Batch, Lr, Gamma, GammaCorrection, Sigma, Tc, T, Schedule, Sync, Moments, Loss, Feedback, WeightDecay, Seed, Shuffle, EvalEvery })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>Resolves everything the options name, validating as it goes (throws InvalidInputException).</summary>
    public RunConfig Resolve(ParseResult r)
    {
        ulong seed = r.GetValue(Seed);
        string dtype = r.GetValue(DType)!.Trim().ToLowerInvariant();
        if (dtype is not ("float64" or "float32"))
        {
            throw new InvalidInputException($"--dtype: expected float64 or float32, found '{r.GetValue(DType)}'");
        }

        LearningRule.CheckRates(r.GetValue(Lr), r.GetValue(Gamma), r.GetValue(Sigma));
        if (dtype == "float32")
        {
            CheckFloat32("--lr", "α", r.GetValue(Lr));
            CheckFloat32("--gamma", "γ", r.GetValue(Gamma));
            CheckFloat32("--sigma", "σ", r.GetValue(Sigma));
        }

        OutputLoss loss = OutputLoss.Parse(r.GetValue(Loss)!);
        FeedbackKind feedback = FeedbackKinds.Parse(r.GetValue(Feedback)!);
        double weightDecay = r.GetValue(WeightDecay) ?? LearnerOptions.DefaultWeightDecay(feedback);
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
        {
            throw new InvalidInputException($"--weight-decay {weightDecay.ToString(CultureInfo.InvariantCulture)}: λ must be finite and ≥ 0");
        }

        DataSplit data = DataSources.Load(r.GetValue(Data)!, seed);
        string? init = r.GetValue(Init);
        string? arch = r.GetValue(Arch);
        string? graphPath = r.GetValue(Graph);
        string? modelPath = r.GetValue(Model);
        double[]?[]? feedbackMatrices = null;
        NetworkRun net;
        if (graphPath is not null || modelPath is not null)
        {
            net = ResolveGraph(r, graphPath, modelPath, arch, init, data, seed, loss, g => CheckMemory(r, g, $"of {graphPath ?? modelPath}", data, dtype));
            if (net.InitFeedback is { } b)
            {
                // Checked now, so a bad file fails before training starts; the learners build their own copy.
                GraphFeedback<double>.FromArrays(net.Graph, feedback, b, init!, weightDecay);
                if (Given(r, InitScheme))
                {
                    throw new InvalidInputException($"--init-scheme would draw feedback B, but {init} holds it (keys {GraphParameterIo.FeedbackPrefix}*), which is used instead; drop one");
                }
            }
        }
        else
        {
            if (r.GetValue(Level))
            {
                throw new InvalidInputException("--level applies to --graph and --model only (a chain from --arch is always levelled)");
            }

            (net, feedbackMatrices) = ResolveChain(r, arch, init, data, seed, feedback, dtype);
        }

        bool float32 = dtype == "float32";
        int depths = net.Graph.Depth.MaxDepth + 1;
        string? scheduleText = r.GetValue(Schedule);
        LearnerOptions learner = new()
        {
            Alpha = r.GetValue(Lr),
            Gamma = r.GetValue(Gamma),
            Sigma = r.GetValue(Sigma),
            Tc = r.GetValue(Tc),
            T = r.GetValue(T),
            Schedule = scheduleText is null ? null : UpdateSchedule.Parse(scheduleText, depths),
            GammaCorrection = r.GetValue(GammaCorrection),
            Synchronous = r.GetValue(Sync),
            Moments = r.GetValue(Moments),
            NoiseSeed = seed,
            Loss = loss,
            Feedback = feedback,
            FeedbackSeed = seed,
            FeedbackScheme = ParseInitScheme(r.GetValue(InitScheme)!, out double feedbackScale),
            FeedbackScale = feedbackScale,
            FeedbackMatrices = feedbackMatrices,
            FeedbackArrays = net.InitFeedback,
            WeightDecay = weightDecay,
        };
        loss.CheckTargets(data.Train.Targets, data.Train.OutputWidth, data.Train.Name);
        loss.CheckTargets(data.Test.Targets, data.Test.OutputWidth, data.Test.Name);
        TrainingPlan plan = new(r.GetValue(Batch), r.GetValue(Steps), r.GetValue(Epochs), r.GetValue(Shuffle), seed, r.GetValue(EvalEvery));
        plan.Validate(data.Train.Count);
        string? initText = init ?? (modelPath is not null ? $"the initializers of {modelPath}" : null);
        return new RunConfig(net, data, initText, learner, plan, float32, seed);
    }

    /// <summary>The network from <c>--arch</c>, <c>--init</c>'s shapes or the default, and its initial parameters.</summary>
    private (NetworkRun Net, double[]?[]? Feedback) ResolveChain(ParseResult r, string? arch, string? init, DataSplit data, ulong seed, FeedbackKind feedback, string dtype)
    {
        int[] widthsInputFirst;
        string archSource = "--arch";
        bool bias = r.GetValue(Bias);
        if (arch is not null)
        {
            widthsInputFirst = ParseArch(arch);
        }
        else if (init is not null)
        {
            (int[] w, bool b) = ParameterIo.InferArchitecture(init);
            widthsInputFirst = [.. w.Reverse()];
            bias |= b;
            archSource = $"the shapes of theta1..theta{w.Length - 1} in {init}";
        }
        else
        {
            widthsInputFirst = [data.Train.InputWidth, 64, 32, data.Train.OutputWidth];
            archSource = "the default";
        }

        Activation[] acts = r.GetValue(Act)!.Split(',').Select(Activation.Parse).ToArray();
        NetworkSpec spec = NetworkSpec.FromInputToOutput(widthsInputFirst, acts, bias);
        if (data.Train.InputWidth != spec.InputWidth || data.Train.OutputWidth != spec.OutputWidth)
        {
            throw new InvalidInputException(
                $"data '{data.Train.Name}' has {data.Train.InputWidth} inputs and {data.Train.OutputWidth} outputs, but the network {spec.ArchitectureText} (from {archSource}) has {spec.InputWidth} inputs and {spec.OutputWidth} outputs");
        }

        CompiledGraph graph = CompiledGraph.Compile(GraphSpec.Chain(spec));
        CheckMemory(r, graph, spec.ArchitectureText, data, dtype);
        double[]?[]? matrices = null;
        Parameters<double> initial = init is not null
            ? ParameterIo.Load<double>(init, spec, feedback, out matrices)
            : CreateParameters(spec, r.GetValue(InitScheme)!, seed);
        if (matrices is not null && Given(r, InitScheme))
        {
            throw new InvalidInputException($"--init-scheme would draw feedback B, but {init} holds feedback1..feedback{spec.L - 1}, which are used instead; drop one");
        }

        return (NetworkRun.FromChain(spec, graph, initial), matrices);
    }

    /// <summary>The graph of <c>--graph</c> or <c>--model</c> (levelled with <c>--level</c>) and its initial parameters; refuses the chain-only options.</summary>
    private NetworkRun ResolveGraph(ParseResult r, string? graphPath, string? modelPath, string? arch, string? init, DataSplit data, ulong seed, OutputLoss loss, Action<CompiledGraph> checkMemory)
    {
        if (modelPath is not null && (arch is not null || graphPath is not null))
        {
            throw new InvalidInputException($"--model and {(arch is not null ? "--arch" : "--graph")} exclude each other: give the network one way");
        }

        if (arch is not null)
        {
            throw new InvalidInputException("--arch and --graph exclude each other: give the network one way");
        }

        if (modelPath is not null && r.GetResult(InitScheme) is { Implicit: false })
        {
            throw new InvalidInputException("--init-scheme does not apply to --model: the model's initializers are the initial parameters (or --init)");
        }

        if (r.GetResult(Act) is { Implicit: false })
        {
            throw new InvalidInputException("--act does not apply to --graph: each edge's activation is given in the graph file");
        }

        if (r.GetValue(Bias))
        {
            throw new InvalidInputException("--bias does not apply to --graph: each dense or conv2d vertex says \"bias\" in the graph file");
        }

        NetworkRun run = modelPath is not null
            ? NetworkRun.LoadOnnx(modelPath, r.GetValue(Level), init, loss, checkMemory)
            : NetworkRun.Load(graphPath!, r.GetValue(Level), init, r.GetValue(InitScheme)!, seed, checkMemory);
        GraphVertex input = run.Graph.Vertices[run.Graph.Input], output = run.Graph.Vertices[run.Graph.Output];
        if (data.Train.InputWidth != input.Size || data.Train.OutputWidth != output.Size)
        {
            throw new InvalidInputException(
                $"data '{data.Train.Name}' has {data.Train.InputWidth} inputs and {data.Train.OutputWidth} outputs, but the graph {run.Source} has input '{input.Name}' of shape {string.Join("×", input.Shape)} ({input.Size} elements, a data row read row-major) and output '{output.Name}' of {output.Size}");
        }

        return run;
    }

    /// <summary>
    /// The up-front memory check of a run, before any parameter or workspace is allocated: training
    /// <paramref name="graph"/> (a chain or a graph file alike) in batches of up to <c>--batch</c> must fit the limit.
    /// </summary>
    /// <exception cref="InvalidInputException">It would not fit (the message names the network, batch and element type).</exception>
    private void CheckMemory(ParseResult r, CompiledGraph graph, string network, DataSplit data, string dtype)
    {
        int capacity = Math.Max(1, Math.Min(r.GetValue(Batch), data.Train.Count));
        MemoryBudget.Require(TrainingMemory.Bytes(graph, dtype == "float32" ? sizeof(float) : sizeof(double), capacity),
            $"training the network {network} (batch {capacity}, {dtype})");
    }

    /// <summary>
    /// Refuses an option that no algorithm of the run uses (issue 9 item 6): σ, γ and the γ-correction are used by the
    /// PC algorithms, t_c, T and --schedule by IL, --sync by Z-IL, --moments by Fa-Z-IL. BP uses none of them; in
    /// <c>compare</c> BP always runs, so an option is valid when any compared algorithm uses it.
    /// </summary>
    /// <exception cref="InvalidInputException">An option was given that none of <paramref name="algorithms"/> uses.</exception>
    public void CheckUsed(ParseResult r, IReadOnlyCollection<Algorithm> algorithms)
    {
        bool pc = algorithms.Any(a => a != Algorithm.BP);
        (Option Option, bool Used, string Users)[] rules =
        [
            (Sigma, pc, "il, zil and fazil"),
            (Gamma, pc, "il, zil and fazil"),
            (GammaCorrection, pc, "il, zil and fazil"),
            (Tc, algorithms.Contains(Algorithm.IL), "il"),
            (T, algorithms.Contains(Algorithm.IL), "il"),
            (Schedule, algorithms.Contains(Algorithm.IL), "il"),
            (Sync, algorithms.Contains(Algorithm.ZIL), "zil"),
            (Moments, algorithms.Contains(Algorithm.FaZIL), "fazil"),
        ];
        if (FeedbackKinds.Parse(r.GetValue(Feedback)!) == FeedbackKind.Direct && algorithms.Any(a => a != Algorithm.BP))
        {
            throw new InvalidInputException(
                $"--feedback direct (DFA) is defined for bp only, and {string.Join(", ", algorithms.Where(a => a != Algorithm.BP).Select(a => a.ToString().ToLowerInvariant()))} would run here; PC's inference has no error sent straight from the output");
        }

        foreach ((Option option, bool used, string users) in rules)
        {
            if (!used && r.GetResult(option) is { Implicit: false })
            {
                throw new InvalidInputException(
                    $"{option.Name} is used only by {users}, and none of them runs here ({string.Join(", ", algorithms.Select(a => a.ToString().ToLowerInvariant()))}); drop it or add an algorithm that uses it");
            }
        }

        // Options one of which replaces the other's value would leave the other unused: refused as well.
        (Option Kept, Option Replaced, string Why)[] replaced =
        [
            (Steps, Epochs, "--steps sets the length of the run and --epochs would be ignored"),
            (Schedule, Tc, "--schedule gives every update moment and --tc would be ignored"),
            (Schedule, T, "--schedule gives every update moment and --T (the default t_c) would be ignored"),
            (Tc, T, "--tc sets IL's update moment t_c and --T (its default) would be ignored"),
        ];
        foreach ((Option kept, Option other, string why) in replaced)
        {
            if (Given(r, kept) && Given(r, other))
            {
                throw new InvalidInputException($"{kept.Name} and {other.Name} were both given: {why}; give one");
            }
        }

        if (Given(r, InitScheme) && r.GetValue(Init) is not null && FeedbackKinds.Parse(r.GetValue(Feedback)!) == FeedbackKind.Symmetric)
        {
            throw new InvalidInputException("--init-scheme draws the initial parameters, which --init gives (with --init it only draws random feedback B, and --feedback is symmetric); drop one");
        }
    }

    /// <summary>Whether <paramref name="option"/> was given on the command line (not only its default).</summary>
    private static bool Given(ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    /// <summary>
    /// A rate that float32 turns into ∞ (|x| > 3.4·10^38) or 0 (a positive x below 1.4·10^-45) would overflow at the
    /// first step or silently switch the rule off; both are refused here instead of being rounded.
    /// </summary>
    private static void CheckFloat32(string option, string name, double value)
    {
        float rounded = (float)value;
        if (float.IsInfinity(rounded) || (value != 0 && rounded == 0))
        {
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                $"{option} {value:R}: {name} is not representable in float32 (it becomes {rounded}; float32 holds magnitudes from {float.Epsilon:R} to {float.MaxValue:R}); use --dtype float64 or a value in that range"));
        }
    }

    internal static int[] ParseArch(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        int[] w = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out w[i]))
            {
                throw new InvalidInputException($"--arch '{text}': '{parts[i]}' is not an integer width");
            }
        }

        return w;
    }

    private static Parameters<double> CreateParameters(NetworkSpec spec, string scheme, ulong seed) =>
        Initialisation<double>.Create(spec, ParseInitScheme(scheme, out double scale), seed, scale);

    /// <summary>Parses <c>--init-scheme</c>: he, xavier or normal:S (the scale S is returned; 1 otherwise).</summary>
    internal static Engine.Network.InitScheme ParseInitScheme(string scheme, out double scale)
    {
        string s = scheme.Trim().ToLowerInvariant();
        scale = 1.0;
        if (s == "he")
        {
            return Engine.Network.InitScheme.HeNormal;
        }

        if (s == "xavier")
        {
            return Engine.Network.InitScheme.XavierUniform;
        }

        if (s.StartsWith("normal:", StringComparison.Ordinal)
            && double.TryParse(s[7..], NumberStyles.Float, CultureInfo.InvariantCulture, out double sd) && double.IsFinite(sd) && sd >= 0)
        {
            scale = sd;
            return Engine.Network.InitScheme.ScaledNormal;
        }

        throw new InvalidInputException($"--init-scheme '{scheme}': expected he, xavier or normal:S with S ≥ 0");
    }
}

/// <summary>
/// A fully resolved run: network (a graph; a layered net from <c>--arch</c> as its chain), data, learner options and plan.
/// </summary>
internal sealed record RunConfig(NetworkRun Net, DataSplit Data, string? InitPath, LearnerOptions Learner, TrainingPlan Plan, bool Float32, ulong Seed);
