using PcVerify.Engine;
using PcVerify.Engine.Experiments;

namespace PcVerify.Tests.Sharding;

public class ShardTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/8", 3, 8)]
    [InlineData(" 8/8 ", 8, 8)]
    public void A_shard_is_written_i_of_n(string text, int i, int n) => Assert.Equal(new Shard(i, n), Shard.Parse("--shard", text));

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("3")]
    [InlineData("1/0")]
    [InlineData("-1/2")]
    [InlineData("+1/2")]
    [InlineData("1/2/3")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Anything_else_is_refused_naming_the_option_the_form_and_the_text(string text)
    {
        InvalidInputException e = Assert.Throws<InvalidInputException>(() => Shard.Parse("--shard", text));
        Assert.Equal($"--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/8), found '{text}'", e.Message);
    }

    [Fact]
    public void The_shards_of_a_sweep_are_disjoint_cover_every_cell_once_and_keep_sweep_order()
    {
        for (int cells = 0; cells <= 40; cells++)
        {
            int[] sweep = [.. Enumerable.Range(0, cells)];
            for (int n = 1; n <= 9; n++)
            {
                List<int> all = [];
                for (int i = 1; i <= n; i++)
                {
                    IReadOnlyList<int> mine = new Shard(i, n).Select(sweep);
                    Assert.Equal(mine.Order(), mine); // sweep order
                    Assert.All(mine, p => Assert.Equal(i - 1, p % n)); // round-robin: p ≡ i − 1 (mod n)
                    Assert.InRange(mine.Count, cells / n, (cells + n - 1) / n); // balanced
                    all.AddRange(mine);
                }

                Assert.Equal(sweep, all.Order());
            }
        }
    }
}
