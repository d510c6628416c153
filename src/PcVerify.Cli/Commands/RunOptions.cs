using System.CommandLine;
using System.Globalization;
using PcVerify.Engine;
using PcVerify.Engine.Algorithms;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.PredictiveCoding;
using PcVerify.Engine.Training;

namespace PcVerify.Cli.Commands;

/// <summary>The options shared by <c>train</c> and <c>compare</c>: network, data, learning rule, run length.</summary>
internal sealed class RunOptions
{
    public Option<string?> Arch { get; } = new("--arch")
    {
        Description = "Layer widths from INPUT to OUTPUT, comma-separated, e.g. 784,128,64,10 (internally the paper's indexing: layer 0 = output). Default: the data's input width, 64, 32, the data's output width (or the shapes in --init).",
    };

    public Option<string> Act { get; } = new("--act")
    {
        Description = "Activation f: one for all layers, or one per layer from the input layer to the last hidden layer (L names). " + Activation.ValidNames,
        DefaultValueFactory = _ => "tanh",
    };

    public Option<bool> Bias { get; } = new("--bias") { Description = "Give every layer a bias β^{l+1}." };

    public Option<string> DType { get; } = new("--dtype") { Description = "float64 or float32.", DefaultValueFactory = _ => "float64" };

    public Option<string?> Init { get; } = new("--init") { Description = "Start from exactly these parameters (NPZ with theta1..thetaL, beta1..betaL; theta{l+1} has shape (n^l, n^{l+1}), layer 0 = output)." };

    public Option<string> InitScheme { get; } = new("--init-scheme")
    {
        Description = "Without --init: he (He/Kaiming normal), xavier (Glorot uniform) or normal:S (N(0, S²)); seeded by --seed.",
        DefaultValueFactory = _ => "he",
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Data: " + DataSources.Forms + ". Pairs are presented in file order unless --shuffle.",
        DefaultValueFactory = _ => Synthetic.ClassificationName,
    };

    public Option<long?> Steps { get; } = new("--steps") { Description = "Number of training steps (batches); overrides --epochs." };

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 1 };

    public Option<int> Batch { get; } = new("--batch") { Description = "Pairs per step B; updates are the batch mean.", DefaultValueFactory = _ => 1 };

    public Option<double> Lr { get; } = new("--lr") { Description = "Learning rate α > 0.", DefaultValueFactory = _ => 0.01 };

    public Option<double> Gamma { get; } = new("--gamma") { Description = "Inference rate γ > 0 (condition C3: γ = 1).", DefaultValueFactory = _ => 1.0 };

    public Option<bool> GammaCorrection { get; } = new("--gamma-correction") { Description = "Scale the rate of θ^{l+1} by γ^-l (supplementary A.5), so Z-IL with γ ≠ 1 matches BP." };

    public Option<double> Sigma { get; } = new("--sigma") { Description = "σ ≥ 0: x^l_0 = μ^l_0 + σ·N(0,1) (relaxes C1; Tables 1–2).", DefaultValueFactory = _ => 0.0 };

    public Option<int?> Tc { get; } = new("--tc") { Description = "IL: the moment t_c at which all layers are updated (default: --T)." };

    public Option<int> T { get; } = new("--T") { Description = "IL: inference moments before the update (t_c = T unless --tc is given).", DefaultValueFactory = _ => 20 };

    public Option<string?> Schedule { get; } = new("--schedule") { Description = "IL: a custom update schedule, one entry per θ^1..θ^L: moments joined by '+', '-' for never (e.g. 0,1,3); or zil, or all:T." };

    public Option<bool> Sync { get; } = new("--sync") { Description = "Z-IL: run the faithful synchronous simulation instead of the (bit-identical) event-driven one." };

    public Option<int?> Moments { get; } = new("--moments") { Description = "Fa-Z-IL: number of inference moments (default L)." };

    public Option<string> Loss { get; } = new("--loss")
    {
        Description = "Output loss (SPEC §11) for BP and every PC algorithm: se (squared error ½‖s − y‖², the paper's) or ce (softmax cross-entropy; targets must be ≥ 0).",
        DefaultValueFactory = _ => "se",
    };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed for initialisation, synthetic data, shuffling and σ noise.", DefaultValueFactory = _ => 1UL };

    public Option<bool> Shuffle { get; } = new("--shuffle") { Description = "Shuffle the training pairs each epoch (seeded)." };

    public Option<long> EvalEvery { get; } = new("--eval-every") { Description = "Evaluate every N steps (0 = at every epoch end).", DefaultValueFactory = _ => 0L };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Arch, Act, Bias, DType, Init, InitScheme, Data, Steps, Epochs, Batch, Lr, Gamma, GammaCorrection, Sigma, Tc, T, Schedule, Sync, Moments, Loss, Seed, Shuffle, EvalEvery })
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

        LearnerOptions.CheckRates(r.GetValue(Lr), r.GetValue(Gamma), r.GetValue(Sigma));
        OutputLoss loss = OutputLoss.Parse(r.GetValue(Loss)!);
        DataSplit data = DataSources.Load(r.GetValue(Data)!, seed);
        string? init = r.GetValue(Init);
        int[] widthsInputFirst;
        string archSource = "--arch";
        bool bias = r.GetValue(Bias);
        string? arch = r.GetValue(Arch);
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

        Parameters<double> initial = init is not null
            ? ParameterIo.Load<double>(init, spec)
            : CreateParameters(spec, r.GetValue(InitScheme)!, seed);
        string? scheduleText = r.GetValue(Schedule);
        LearnerOptions learner = new()
        {
            Alpha = r.GetValue(Lr),
            Gamma = r.GetValue(Gamma),
            Sigma = r.GetValue(Sigma),
            Tc = r.GetValue(Tc),
            T = r.GetValue(T),
            Schedule = scheduleText is null ? null : UpdateSchedule.Parse(scheduleText, spec.L),
            GammaCorrection = r.GetValue(GammaCorrection),
            Synchronous = r.GetValue(Sync),
            Moments = r.GetValue(Moments),
            NoiseSeed = seed,
            Loss = loss,
        };
        loss.CheckTargets(data.Train.Targets, data.Train.OutputWidth, data.Train.Name);
        loss.CheckTargets(data.Test.Targets, data.Test.OutputWidth, data.Test.Name);
        TrainingPlan plan = new(r.GetValue(Batch), r.GetValue(Steps), r.GetValue(Epochs), r.GetValue(Shuffle), seed, r.GetValue(EvalEvery));
        plan.Validate(data.Train.Count);
        return new RunConfig(spec, data, initial, init, learner, plan, dtype == "float32", seed);
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

    private static Parameters<double> CreateParameters(NetworkSpec spec, string scheme, ulong seed)
    {
        string s = scheme.Trim().ToLowerInvariant();
        if (s == "he")
        {
            return Initialisation<double>.Create(spec, Engine.Network.InitScheme.HeNormal, seed);
        }

        if (s == "xavier")
        {
            return Initialisation<double>.Create(spec, Engine.Network.InitScheme.XavierUniform, seed);
        }

        if (s.StartsWith("normal:", StringComparison.Ordinal)
            && double.TryParse(s[7..], NumberStyles.Float, CultureInfo.InvariantCulture, out double sd) && double.IsFinite(sd) && sd >= 0)
        {
            return Initialisation<double>.Create(spec, Engine.Network.InitScheme.ScaledNormal, seed, sd);
        }

        throw new InvalidInputException($"--init-scheme '{scheme}': expected he, xavier or normal:S with S ≥ 0");
    }
}

/// <summary>A fully resolved run: network, data, initial parameters, learner options and plan.</summary>
internal sealed record RunConfig(
    NetworkSpec Spec, DataSplit Data, Parameters<double> Initial, string? InitPath, LearnerOptions Learner, TrainingPlan Plan, bool Float32, ulong Seed);
