using PcVerify.Engine;
using PcVerify.Engine.Resources;

namespace PcVerify.Tests.Resources;

/// <summary>
/// Tests written for the survivors of the mutation run over Resources/MemoryBudget.cs
/// (docs/mutation/data-onnx-network.md).
/// </summary>
public class ResourcesMutationTests
{
    // Survivors: "MB" and "MIB" replaced by "" in ParseSize's unit table; the tests used M, G, GiB and k only.
    [Theory]
    [InlineData("3MB")]
    [InlineData("3 MiB")]
    [InlineData("3m")]
    public void Every_spelling_of_mebibytes_is_a_power_of_1024(string text)
    {
        Assert.Equal(3L << 20, MemoryBudget.ParseSize(text, out string? error));
        Assert.Null(error);
    }

    // Survivors: the refusal's "source" (which limit was exceeded) forced to "set by --memory-limit", and the
    // default's wording emptied (no test exceeded the default limit). The message must say which limit applies.
    [Fact]
    public void A_refusal_names_the_limit_it_exceeded()
    {
        var e = Assert.Throws<InvalidInputException>(() => MemoryBudget.Require(long.MaxValue, "thing"));
        Assert.Contains("(the memory available to this process)", e.Message, StringComparison.Ordinal);
        using (MemoryBudget.Use(1000))
        {
            e = Assert.Throws<InvalidInputException>(() => MemoryBudget.Require(1001, "thing"));
            Assert.Contains("(set by --memory-limit)", e.Message, StringComparison.Ordinal);
            Assert.StartsWith("thing needs 1001 bytes of memory, more than the limit of 1000 bytes", e.Message, StringComparison.Ordinal);
        }
    }
}
