namespace PcVerify.Cli.Commands;

/// <summary>The process exit codes of <c>pcverify</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command line did not parse (System.CommandLine's own code).</summary>
    public const int Usage = 1;

    /// <summary>Bad input: a file, a value or a shape; the message names it.</summary>
    public const int InvalidInput = 2;

    /// <summary>Training produced NaN or ∞; the message names the step and layer.</summary>
    public const int Diverged = 3;

    /// <summary>A claim checked by the command did not hold (e.g. reproduce's σ = 0 exactness).</summary>
    public const int ClaimFailed = 4;
}
