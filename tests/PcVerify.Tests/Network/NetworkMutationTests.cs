using PcVerify.Engine;
using PcVerify.Engine.Network;

namespace PcVerify.Tests.Network;

/// <summary>
/// Tests written for the survivors of the mutation runs over Network, Resources and Rng.cs
/// (docs/mutation/data-onnx-network.md).
/// </summary>
public class NetworkMutationTests
{
    // Known answers of Network/rng_reference.py: SplitMix64 and xoshiro256** transcribed from Vigna's C reference
    // in Python integers (it asserts SplitMix64's published first outputs from state 0), with the seeding, Derive,
    // 53-bit double, unbiased integer, Box–Muller and Fisher–Yates steps of Rng's documentation. RngTests checks
    // only reproducibility and moments, which any other well-mixed generator (a wrong shift or constant) passes too.
    [Fact]
    public void Rng_streams_equal_the_reference_xoshiro256_starstar_seeded_by_SplitMix64()
    {
        Rng a = new(0);
        Assert.Equal([0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL, 0x6AA594F1262D2D2CUL], Draw(a, 4));
        Rng b = new(12345);
        Assert.Equal([0xBE6A36374160D49BUL, 0x214AAA0637A688C6UL, 0xF69D16DE9954D388UL], Draw(b, 3));
        Assert.Equal(0xD5E34F03E8E1DF24UL, Rng.Derive(7, 3).NextUInt64());
        Assert.Equal(0x4C64D1765BF82BEDUL, Rng.Derive(7, RngDomain.Data, 3).NextUInt64());
        Assert.Equal(0xD5E34F03E8E1DF24UL, Rng.Derive(7, RngDomain.Initialisation, 3).NextUInt64());
        Assert.Equal(0x5DDEA611E5248543UL, Rng.Derive(7, RngDomain.Shuffle, 3).NextUInt64());
        Assert.Equal(0x5F44AC7EC6B2F8A1UL, Rng.Derive(7, RngDomain.Noise, 3).NextUInt64());
        Assert.Equal(0xE3DF6DD2F912C0F2UL, Rng.Derive(7, RngDomain.Feedback, 3).NextUInt64());

        static ulong[] Draw(Rng r, int n) => [.. Enumerable.Range(0, n).Select(_ => r.NextUInt64())];
    }

    [Fact]
    public void Rng_doubles_integers_normals_and_shuffles_equal_the_reference()
    {
        // Doubles and integers are exact (a 53-bit shift and a product by 2^-53; integer remainders).
        Rng d = new(42);
        Assert.Equal([0.08386297105988216, 0.3789802506626686, 0.6800434110281394], [d.NextDouble(), d.NextDouble(), d.NextDouble()]);
        Rng i = new(42);
        Assert.Equal([2, 2, 9, 3, 6, 4, 4, 7], Enumerable.Range(0, 8).Select(_ => i.NextInt(10)));
        Rng big = new(42);
        Assert.Equal([924769650, 790293900, 370360328], Enumerable.Range(0, 3).Select(_ => big.NextInt(int.MaxValue)));
        Rng s = new(9);
        int[] items = [0, 1, 2, 3, 4, 5];
        s.Shuffle<int>(items);
        Assert.Equal([5, 1, 4, 3, 0, 2], items);

        // Normals go through log, sqrt, sin and cos; Python and .NET both call the platform's libm here, but neither
        // promises correct rounding, so allow 4 ulp (relative 1e-15) instead of bit identity.
        double[] expected = [-1.6132237513849161, 1.5344873235334195, 0.7816920450573489, -0.40019349432348483];
        Rng n = new(42);
        for (int k = 0; k < expected.Length; k++)
        {
            Data.DataAssert.Close(expected[k], n.NextNormal(), 0, 1e-15, "NextNormal against rng_reference.py", k);
        }
    }

    // Survivor: FromInputToOutput's ThrowIfNull(activationsInputFirst) removed (the spread [.. null] then throws a
    // NullReferenceException instead of an ArgumentNullException naming the argument).
    [Fact]
    public void FromInputToOutput_refuses_null_lists_by_name()
    {
        Assert.Equal("widthsInputFirst", Assert.Throws<ArgumentNullException>(() => NetworkSpec.FromInputToOutput(null!, [Activation.Tanh], false)).ParamName);
        Assert.Equal("activationsInputFirst", Assert.Throws<ArgumentNullException>(() => NetworkSpec.FromInputToOutput([2, 1], null!, false)).ParamName);
    }

    // Survivor: FeedbackKinds.Parse's "sign" replaced by "" (only the CLI tests parse names). The names and
    // aliases are the documented values of --feedback.
    [Fact]
    public void Every_feedback_name_and_alias_parses_and_names_round_trip()
    {
        Assert.Equal(FeedbackKind.Sign, FeedbackKinds.Parse("sign"));
        Assert.Equal(FeedbackKind.Random, FeedbackKinds.Parse("fa"));
        Assert.Equal(FeedbackKind.KolenPollack, FeedbackKinds.Parse("kolen-pollack"));
        Assert.Equal(FeedbackKind.Direct, FeedbackKinds.Parse(" DFA "));
        foreach (FeedbackKind kind in Enum.GetValues<FeedbackKind>())
        {
            Assert.Equal(kind, FeedbackKinds.Parse(FeedbackKinds.Name(kind)));
        }

        Assert.Throws<InvalidInputException>(() => FeedbackKinds.Parse(""));
    }

    // Survivors (no coverage under the Network runner): Matrix's wrapping constructor's null check, its length
    // check and its message.
    [Fact]
    public void A_matrix_refuses_null_data_and_a_length_other_than_rows_times_cols()
    {
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => new Matrix<double>(2, 3, null!)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => new Matrix<double>(2, 3, new double[5]));
        Assert.Equal("data", e.ParamName);
        Assert.StartsWith("matrix data: expected 2×3 = 6 elements, found 5", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, new Matrix<double>(2, 3, new double[6]).Data.Length);
    }

    // Survivors: CopyFrom's and CheckSameShape's layer loops "l <= L" turned into "l < L" or "l > L": the tests
    // copied or compared only networks whose last layer the mutants also handled. Every layer, the last included,
    // must be copied, and a last layer of another shape refused.
    [Fact]
    public void CopyFrom_copies_every_layer_and_refuses_another_last_layer_shape()
    {
        NetworkSpec spec = NetworkSpec.FromInputToOutput([3, 4, 2], [Activation.Tanh], true);
        Parameters<double> source = new(spec), target = new(spec);
        double v = 1;
        for (int l = 1; l <= spec.L; l++)
        {
            for (int k = 0; k < source.Theta[l].Data.Length; k++)
            {
                source.Theta[l].Data[k] = v++;
            }

            for (int k = 0; k < source.Beta[l].Length; k++)
            {
                source.Beta[l][k] = v++;
            }
        }

        target.CopyFrom(source);
        for (int l = 1; l <= spec.L; l++)
        {
            Assert.Equal(source.Theta[l].Data, target.Theta[l].Data);
            Assert.Equal(source.Beta[l], target.Beta[l]);
        }

        Parameters<double> wider = new(NetworkSpec.FromInputToOutput([5, 4, 2], [Activation.Tanh], true));
        var e = Assert.Throws<ArgumentException>(() => target.CopyFrom(wider));
        Assert.Equal("other", e.ParamName);
        Assert.Contains($"θ^{spec.L} is 4×5", e.Message, StringComparison.Ordinal);
    }

    // Survivor: LeakyRelu's "x < 0 ? slope·x : x" turned into "x <= 0". With slope ≥ 0 the two agree even on
    // signed zeros, but the slope may be any finite number: with slope −0.5 the mutant gives −0.5·(+0) = −0 for
    // +0 and +0 for −0. The definition keeps x itself for x ≥ 0, bit for bit.
    [Fact]
    public void Leaky_relu_keeps_both_zeros_for_a_negative_slope()
    {
        Activation f = Activation.LeakyRelu(-0.5);
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.0), BitConverter.DoubleToInt64Bits(f.Value(0.0)));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(f.Value(-0.0)));
        Assert.Equal(1.0, f.Value(-2.0));
        Assert.Equal(3.0, f.Value(3.0));
    }

    // Survivors of InvalidInputException.cs (run whole in run D; no coverage under the folder runners): the
    // divergence exception's step and place (its constructor's body removed), its one-line message, the empty
    // place of the generic constructors, and the generic messages.
    [Fact]
    public void The_exceptions_keep_their_step_place_and_messages()
    {
        var e = new TrainingDivergedException(7, "θ^2");
        Assert.Equal(7, e.Step);
        Assert.Equal("θ^2", e.Where);
        Assert.Equal("training diverged: non-finite value at step 7 in θ^2", e.Message);
        Assert.Equal("training diverged", new TrainingDivergedException().Message);
        Assert.Equal("", new TrainingDivergedException().Where);
        Assert.Equal("", new TrainingDivergedException("m").Where);
        var inner = new InvalidOperationException("cause");
        var wrapped = new TrainingDivergedException("m", inner);
        Assert.Equal("", wrapped.Where);
        Assert.Same(inner, wrapped.InnerException);
        Assert.Equal("invalid input", new InvalidInputException().Message);
    }
}
