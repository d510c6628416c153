namespace PcVerify.Engine;

/// <summary>
/// Bad input from a user: a malformed file, a shape that does not fit the network, a value out of range.
/// The message is one line that names the problem (file, field, expected versus found); the CLI prints it
/// and exits with a non-zero code.
/// </summary>
public sealed class InvalidInputException : Exception
{
    /// <summary>Creates the exception with a one-line message naming the problem.</summary>
    public InvalidInputException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public InvalidInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a generic message (for serializers and analyzers).</summary>
    public InvalidInputException() : base("invalid input") { }
}

/// <summary>
/// Training produced a non-finite value. The message names the step and the layer where it was first seen; what
/// to change depends on the run's settings (α, σ, γ), so the caller that knows them adds the advice.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for a non-finite value at <paramref name="step"/> in <paramref name="where"/>.</summary>
    public TrainingDivergedException(long step, string where)
        : base($"training diverged: non-finite value at step {step} in {where}")
    {
        Step = step;
        Where = where;
    }

    /// <summary>Creates the exception with a generic message (for serializers and analyzers).</summary>
    public TrainingDivergedException() : base("training diverged") { Where = ""; }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TrainingDivergedException(string message, Exception inner) : base(message, inner) { Where = ""; }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingDivergedException(string message) : base(message) { Where = ""; }

    /// <summary>The training step (0-based count of pairs or batches presented) at which it diverged.</summary>
    public long Step { get; }

    /// <summary>The quantity and layer in which the non-finite value was first seen.</summary>
    public string Where { get; }
}
