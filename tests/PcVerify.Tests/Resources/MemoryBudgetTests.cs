using PcVerify.Engine;
using PcVerify.Engine.Network;
using PcVerify.Engine.Resources;
using PcVerify.Tests.Cli;

namespace PcVerify.Tests.Resources;

/// <summary>
/// The memory limit and the network's up-front memory check (issue 14, items 2 and 3). Oracles: sizes
/// computed by hand from the documented formulas, and the limit in force at the time.
/// </summary>
public sealed class MemoryBudgetTests
{
    [Theory]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("2147483648", 2147483648L)]
    [InlineData("16 GiB", 16L << 30)]
    [InlineData("1k", 1024L)]
    public void Sizes_are_parsed_in_powers_of_1024(string text, long bytes)
    {
        Assert.Equal(bytes, MemoryBudget.ParseSize(text, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1G")]
    [InlineData("1X")]
    [InlineData("")]
    [InlineData("99999999999T")]
    public void Non_sizes_are_refused_with_a_reason(string text)
    {
        Assert.Null(MemoryBudget.ParseSize(text, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_scope_sets_the_limit_and_restores_the_previous_one()
    {
        long outer = MemoryBudget.LimitBytes;
        using (MemoryBudget.Use(1000))
        {
            Assert.Equal(1000, MemoryBudget.LimitBytes);
            using (MemoryBudget.Use(2000))
            {
                Assert.Equal(2000, MemoryBudget.LimitBytes);
            }

            Assert.Equal(1000, MemoryBudget.LimitBytes);
            MemoryBudget.Require(1000, "exactly the limit");
            var e = Assert.Throws<InvalidInputException>(() => MemoryBudget.Require(1001, "one byte more"));
            Assert.Equal("one byte more needs 1001 bytes of memory, more than the limit of 1000 bytes (set by --memory-limit); raise it with --memory-limit SIZE", e.Message);
        }

        Assert.Equal(outer, MemoryBudget.LimitBytes);
    }

    [Fact]
    public void The_default_limit_is_what_the_runtime_reports_as_available()
    {
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, MemoryBudget.DefaultLimitBytes);
    }

    [Fact]
    public void A_weight_matrix_larger_than_one_array_is_refused_when_the_spec_is_built()
    {
        var e = Assert.Throws<InvalidInputException>(() => TestNets.Spec("20,100000,100000,10", "tanh", false));
        Assert.Contains("θ^2", e.Message);
        Assert.Contains("10000000000 elements", e.Message);
    }

    [Fact]
    public void The_training_memory_is_the_documented_sum()
    {
        // Widths input→output 3,5,2 with biases: θ^1 2×5 + β^1 2, θ^2 5×3 + β^2 5 = 32 parameters, each once in
        // float64 and once in float32 (12 bytes); the workspace is 12 vectors of (3 + 5 + 2)·4 float32 elements.
        NetworkSpec spec = TestNets.Spec("3,5,2", "tanh", true);
        Assert.Equal(32, spec.ParameterCount);
        Assert.Equal((32 * 12) + (12 * 10 * 4 * 4), spec.TrainingMemoryBytes(sizeof(float), 4));
    }

    [Fact]
    public void Parameters_beyond_the_limit_are_refused_before_they_are_allocated()
    {
        NetworkSpec spec = TestNets.Spec("30,30,10", "tanh", false); // 1200 weights = 9600 bytes in float64
        using (MemoryBudget.Use(9599))
        {
            Assert.Throws<InvalidInputException>(() => new Parameters<double>(spec));
        }

        using (MemoryBudget.Use(9600))
        {
            Assert.Equal(900, new Parameters<double>(spec).Theta[2].Data.Length);
        }
    }

    [Fact]
    public void Train_refuses_a_network_beyond_the_limit_up_front_and_a_raised_limit_accepts_it()
    {
        // 20,2000,10: 60000 weights; (8 + 8)·60000 + 12·2030·8 = 1154880 bytes with batch 1.
        var refused = CliRunner.Run("train", "--memory-limit", "1M", "--data", "synthetic-classification", "--arch", "20,2000,10", "--steps", "1");
        Assert.Equal(2, refused.Code);
        Assert.Contains("needs 1.10 MiB (1154880 bytes) of memory, more than the limit of 1.00 MiB (1048576 bytes)", refused.Err);
        Assert.Contains("--memory-limit", refused.Err);

        var accepted = CliRunner.Run("train", "--memory-limit", "2M", "--data", "synthetic-classification", "--arch", "20,2000,10", "--steps", "1");
        Assert.True(accepted.Code == 0, accepted.Err);
    }

    [Fact]
    public void Train_refuses_widths_whose_matrix_overflows_with_exit_code_2()
    {
        var r = CliRunner.Run("train", "--arch", "20,100000,100000,10", "--steps", "1");
        Assert.Equal(2, r.Code);
        Assert.Contains("θ^2", r.Err);
    }

    [Fact]
    public void A_malformed_memory_limit_is_a_command_line_error()
    {
        var r = CliRunner.Run("train", "--memory-limit", "lots", "--steps", "1");
        Assert.Equal(1, r.Code);
        Assert.Contains("--memory-limit", r.Err);
    }
}
