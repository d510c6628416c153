using System.Globalization;

namespace PcVerify.Engine.Experiments;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a sweep (1 ≤ Index ≤ Count, written <c>i/n</c> as Jest and
/// Playwright write it). A sweep is a list of cells with stable ids in a fixed order; shard i runs the cells whose
/// position p (0-based) has p ≡ i − 1 (mod n). Round-robin rather than contiguous blocks: neighbouring cells of a
/// section cost alike (the seeds of the σ study, the γ rows of Fig. 3), so every shard gets a share of each.
/// </summary>
/// <param name="Index">This shard, 1..Count.</param>
/// <param name="Count">The number of shards, ≥ 1.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole sweep in one shard.</summary>
    public static Shard One => new(1, 1);

    /// <summary>Parses <c>i/n</c>; anything else is refused naming <paramref name="option"/>, the form and the text found.</summary>
    /// <exception cref="InvalidInputException">Not of the form i/n with 1 ≤ i ≤ n.</exception>
    public static Shard Parse(string option, string text)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i >= 1 && i <= n)
        {
            return new Shard(i, n);
        }

        throw new InvalidInputException($"{option} must be i/n with 1 ≤ i ≤ n (e.g. 2/8), found '{text}'");
    }

    /// <summary>Whether the cell at position <paramref name="position"/> (0-based) of the sweep belongs to this shard.</summary>
    public bool Owns(int position) => position % Count == Index - 1;

    /// <summary>The cells of <paramref name="cells"/> this shard runs, in sweep order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        Shard self = this;
        return [.. cells.Where((_, p) => self.Owns(p))];
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
