namespace PcVerify.Engine.Network;

/// <summary>What sends errors backwards (docs/math.md §12): the matrix in BP's <c>δ</c> product and PC's Eq. 7 term.</summary>
public enum FeedbackKind
{
    /// <summary><c>B = θᵀ</c>: the forward weights themselves (the paper's networks; the default).</summary>
    Symmetric,

    /// <summary>Feedback alignment (Lillicrap et al. 2016): a fixed, seeded <c>B</c> drawn like θ's initialisation.</summary>
    Random,

    /// <summary>Sign-symmetry (Liao, Leibo &amp; Poggio 2016): <c>B = s · (sign θ)ᵀ</c>, following θ; s is θ's initial standard deviation.</summary>
    Sign,

    /// <summary>Kolen–Pollack (Akrout et al. 2019): <c>B</c> starts random and receives the transposed update of θ each step.</summary>
    KolenPollack,

    /// <summary>Direct feedback alignment (Nøkland 2016), BP only: <c>δ^l = f'(y^l) ⊙ B^l δ^0</c>.</summary>
    Direct,
}

/// <summary>Names, parsing and properties of <see cref="FeedbackKind"/>.</summary>
public static class FeedbackKinds
{
    /// <summary>The CLI name: symmetric, random, sign, kp, direct.</summary>
    public static string Name(FeedbackKind kind) => kind switch
    {
        FeedbackKind.Symmetric => "symmetric",
        FeedbackKind.Random => "random",
        FeedbackKind.Sign => "sign",
        FeedbackKind.KolenPollack => "kp",
        _ => "direct",
    };

    /// <summary>Parses symmetric, random (or fa), sign, kp, direct (or dfa); case-insensitive.</summary>
    /// <exception cref="InvalidInputException">Unknown name.</exception>
    public static FeedbackKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "symmetric" => FeedbackKind.Symmetric,
            "random" or "fa" => FeedbackKind.Random,
            "sign" => FeedbackKind.Sign,
            "kp" or "kolen-pollack" => FeedbackKind.KolenPollack,
            "direct" or "dfa" => FeedbackKind.Direct,
            _ => throw new InvalidInputException($"--feedback '{name}': expected symmetric, random, sign, kp or direct"),
        };
    }

    /// <summary>Whether a feedback kind keeps matrices of its own (random, kp, direct), which parameter files store as <c>feedback{l}</c>.</summary>
    public static bool HoldsMatrices(FeedbackKind kind) => kind is FeedbackKind.Random or FeedbackKind.KolenPollack or FeedbackKind.Direct;
}
