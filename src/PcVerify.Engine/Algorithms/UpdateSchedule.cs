using System.Globalization;

namespace PcVerify.Engine.Algorithms;

/// <summary>
/// When each weight matrix is updated during inference: the set of moments <c>t</c> at which <c>θ^{l+1}</c> and
/// <c>β^{l+1}</c> receive Eq. 9/13, for <c>l = 0..L−1</c>. Condition C2 is the schedule <c>{l}</c> for layer l
/// (<see cref="ZeroDivergence"/>); IL updates every layer at one moment <c>t_c</c> (<see cref="AllAt"/>). On a graph
/// the entries are depths: entry d is the schedule of every vertex with <c>d_max(v) = d</c> (on a chain, layer l is depth l).
/// </summary>
public sealed class UpdateSchedule
{
    private readonly int[][] _moments;

    private UpdateSchedule(int[][] moments, string name)
    {
        _moments = moments;
        Name = name;
        LastMoment = moments.Length == 0 ? -1 : moments.Max(m => m.Length == 0 ? -1 : m[^1]);
    }

    /// <summary>A readable description (e.g. <c>t = l</c>, <c>all at t = 3</c>, <c>[0,1,3]</c>).</summary>
    public string Name { get; }

    /// <summary>The number of weight matrices <c>L</c> the schedule covers.</summary>
    public int Depth => _moments.Length;

    /// <summary>The last moment at which anything is updated; inference stops after it.</summary>
    public int LastMoment { get; }

    /// <summary>Whether this is condition C2 (<c>θ^{l+1}</c> exactly once, at <c>t = l</c>).</summary>
    public bool IsZeroDivergence
    {
        get
        {
            for (int l = 0; l < _moments.Length; l++)
            {
                if (_moments[l].Length != 1 || _moments[l][0] != l)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>C2: <c>θ^{l+1}</c> is updated once, at <c>t = l</c> (Z-IL).</summary>
    public static UpdateSchedule ZeroDivergence(int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        return new(Enumerable.Range(0, depth).Select(l => new[] { l }).ToArray(), "t = l");
    }

    /// <summary>IL: every layer at the same moment <paramref name="tc"/>.</summary>
    /// <exception cref="InvalidInputException"><paramref name="tc"/> is negative.</exception>
    public static UpdateSchedule AllAt(int depth, int tc)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        if (tc < 0)
        {
            throw new InvalidInputException($"update moment t_c must be ≥ 0, found {tc}");
        }

        return new(Enumerable.Range(0, depth).Select(_ => new[] { tc }).ToArray(), $"all at t = {tc}");
    }

    /// <summary>An arbitrary schedule: <paramref name="moments"/>[l] lists the moments of <c>θ^{l+1}</c> (may be empty).</summary>
    /// <exception cref="InvalidInputException">A moment is negative.</exception>
    public static UpdateSchedule FromMoments(IReadOnlyList<IReadOnlyList<int>> moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        int[][] m = new int[moments.Count][];
        for (int l = 0; l < moments.Count; l++)
        {
            if (moments[l].Any(t => t < 0))
            {
                throw new InvalidInputException($"schedule: θ^{l + 1} has a negative moment");
            }

            m[l] = moments[l].Distinct().Order().ToArray();
        }

        string name = "[" + string.Join(",", m.Select(x => string.Join("+", x))) + "]";
        return new(m, name);
    }

    /// <summary>
    /// Parses a schedule for a network of depth <paramref name="depth"/>: <c>zil</c> (t = l), <c>all:T</c> (every
    /// layer at T), or one entry per weight matrix <c>θ^1, θ^2, …</c> separated by commas, each a moment or
    /// moments joined by <c>+</c> (e.g. <c>0,1,3</c> or <c>0+2,1,-</c> where <c>-</c> means never).
    /// </summary>
    /// <exception cref="InvalidInputException">The text does not parse or has the wrong number of entries.</exception>
    public static UpdateSchedule Parse(string text, int depth)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t is "zil" or "t=l")
        {
            return ZeroDivergence(depth);
        }

        if (t.StartsWith("all:", StringComparison.Ordinal))
        {
            return AllAt(depth, ParseMoment(t[4..], text));
        }

        string[] parts = t.Split(',');
        if (parts.Length != depth)
        {
            throw new InvalidInputException($"schedule '{text}': expected {depth} entries (one per weight matrix θ^1..θ^{depth}), found {parts.Length}");
        }

        List<IReadOnlyList<int>> moments = [];
        foreach (string part in parts)
        {
            moments.Add(part.Trim() == "-" ? [] : part.Split('+').Select(s => ParseMoment(s, text)).ToArray());
        }

        return FromMoments(moments);
    }

    private static int ParseMoment(string s, string whole)
    {
        if (!int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0)
        {
            throw new InvalidInputException($"schedule '{whole}': '{s}' is not a moment (an integer ≥ 0)");
        }

        return v;
    }

    /// <summary>Whether <c>θ^{l+1}</c> is updated at moment <paramref name="t"/>.</summary>
    public bool Contains(int l, int t) => Array.BinarySearch(_moments[l], t) >= 0;

    /// <summary>The moments of <c>θ^{l+1}</c>.</summary>
    public IReadOnlyList<int> MomentsOf(int l) => _moments[l];

    /// <inheritdoc />
    public override string ToString() => Name;
}
