using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.Verification;
using PcVerify.Tests.Data;

namespace PcVerify.Tests.Cli;

public class TrainCommandTests
{
    // Z-IL and BP differ only by the rounding of ε^l_l = (x_0 + Δx) − x_0 versus δ^l (a few ulps per layer and
    // step); over 300 steps at α = 0.01 these perturbations stay near 1e-15 relative, so every element must agree
    // within 1e-12 absolute + relative — three orders of magnitude of headroom, and far below any real error,
    // which would be of the order of an update (α·|δ|·|f| ≈ 1e-3).
    private static readonly Tolerance ZilVsBp = new(1e-12, 1e-12, "float64 Z-IL vs BP: per-step rounding of ε vs δ accumulated over 300 steps");

    [Theory]
    [InlineData("tanh", false)]
    [InlineData("logistic,relu,tanh", true)]
    public void Train_with_zil_and_bp_from_the_same_init_on_the_same_npz_data_gives_equal_parameters(string act, bool bias)
    {
        using TempDirectory dir = new();
        NetworkSpec spec = TestNets.Spec("6,12,9,3", act, bias);
        Parameters<double> init = Initialisation<double>.Create(spec, InitScheme.HeNormal, 42, biasScale: bias ? 0.2 : 0);
        ParameterIo.Save(dir.File("init.npz"), init, NpyDType.Float64);
        NpzDataSet.Save(dir.File("data.npz"), Synthetic.Regression(150, 6, 3, 7), NpyDType.Float64);
        string[] common = ["--init", dir.File("init.npz"), "--data", "npz:" + dir.File("data.npz"), "--act", act, "--steps", "300", "--lr", "0.01"];
        if (bias)
        {
            common = [.. common, "--bias"];
        }

        var bp = CliRunner.Run(["train", "--algo", "bp", .. common, "--save", dir.File("bp.npz")]);
        var zil = CliRunner.Run(["train", "--algo", "zil", .. common, "--save", dir.File("zil.npz")]);
        Assert.True(bp.Code == 0, bp.Err);
        Assert.True(zil.Code == 0, zil.Err);

        Parameters<double> w = ParameterIo.Load<double>(dir.File("bp.npz"), spec);
        Parameters<double> theta = ParameterIo.Load<double>(dir.File("zil.npz"), spec);
        for (int l = 1; l <= spec.L; l++)
        {
            // Training must have moved the weights, or the comparison would be vacuous.
            Assert.True(Divergence.Compute(init, w)[l - 1].WeightL1 > 1e-3, $"BP did not change θ^{l}");
            ZilVsBp.Assert<double>(w.Theta[l].Data, theta.Theta[l].Data, $"θ^{l}");
            ZilVsBp.Assert<double>(w.Beta[l], theta.Beta[l], $"β^{l}");
        }
    }

    [Fact]
    public void Init_is_used_exactly_and_its_architecture_and_biases_come_from_the_file()
    {
        using TempDirectory dir = new();
        NetworkSpec spec = TestNets.Spec("64,7,10", "tanh", true);
        Parameters<double> init = Initialisation<double>.Create(spec, InitScheme.XavierUniform, 3, biasScale: 0.5);
        ParameterIo.Save(dir.File("init.npz"), init, NpyDType.Float64);
        var r = CliRunner.Run("train", "--algo", "zil", "--init", dir.File("init.npz"), "--steps", "1", "--lr", "1e-300", "--save", dir.File("out.npz"));
        Assert.True(r.Code == 0, r.Err);
        Parameters<double> back = ParameterIo.Load<double>(dir.File("out.npz"), spec);
        for (int l = 1; l <= spec.L; l++)
        {
            // α = 1e-300 makes every update underflow to below half an ulp of the weights, so the saved
            // parameters are the loaded ones bit for bit: any rounding or conversion on load would show here.
            Tolerance.Exact.Assert<double>(init.Theta[l].Data, back.Theta[l].Data, $"θ^{l}");
            Tolerance.Exact.Assert<double>(init.Beta[l], back.Beta[l], $"β^{l}");
        }
    }

    [Fact]
    public void Train_prints_progress_and_the_final_test_error()
    {
        var r = CliRunner.Run("train", "--algo", "bp", "--epochs", "2", "--arch", "64,16,10");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("epoch    1.00", r.Out);
        Assert.Contains("epoch    2.00", r.Out);
        Assert.Contains("final: steps 2874", r.Out); // 2 epochs of the 1,437 digits training images
        Assert.Contains("test error", r.Out);
    }

    [Fact]
    public void Without_a_test_file_progress_and_final_lines_name_the_training_pairs_they_evaluate()
    {
        using TempDirectory dir = new();
        NpzDataSet.Save(dir.File("data.npz"), Synthetic.Classification(40, 4, 2, 3), NpyDType.Float64);
        string data = "npz:" + dir.File("data.npz");
        var train = CliRunner.Run("train", "--data", data, "--arch", "4,8,2", "--steps", "20", "--eval-every", "10");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("evaluated on the same pairs (no test file given)", train.Out, StringComparison.Ordinal);
        Assert.Contains("step       10  train loss", train.Out, StringComparison.Ordinal);
        Assert.Contains("final: steps 20, train loss", train.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("test loss", train.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("test error", train.Out, StringComparison.Ordinal);

        var compare = CliRunner.Run("compare", "--data", data, "--arch", "4,8,2", "--steps", "20", "--algos", "zil");
        Assert.True(compare.Code == 0, compare.Err);
        Assert.Contains("trained zil      steps 20, train loss", compare.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("test loss", compare.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("test error", compare.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_reports_zero_divergence_for_zil_and_a_large_one_for_il()
    {
        var r = CliRunner.Run("compare", "--algos", "zil,il", "--steps", "200", "--arch", "64,16,12,10");
        Assert.True(r.Code == 0, r.Err);
        string zil = r.Out.Split('\n').First(l => l.StartsWith("zil ", StringComparison.Ordinal));
        string il = r.Out.Split('\n').First(l => l.StartsWith("il ", StringComparison.Ordinal));
        double zilDiv = double.Parse(zil.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        double ilDiv = double.Parse(il.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(zilDiv, 0, 1e-10);
        Assert.True(ilDiv > 1e-3, $"IL at t_c = 20 should diverge from BP, found Σ|θ−w| = {ilDiv:G17}");
    }

    [Theory]
    [InlineData("train")]
    [InlineData("compare")]
    public void Help_describes_the_input_to_output_order(string command)
    {
        var r = CliRunner.Run(command, "--help");
        Assert.Equal(0, r.Code);
        Assert.Contains("INPUT to OUTPUT", r.Out);
    }
}
