using System.Numerics;
using Xunit.Abstractions;

namespace PcVerify.Tests.Support;

/// <summary>Prints the environment; run with <c>--logger "console;verbosity=detailed"</c> to see it.</summary>
public class EngineEnvironmentTests(ITestOutputHelper output)
{
    [Fact]
    public void The_engine_environment_is_printed_and_the_vector_widths_are_consistent()
    {
        // The engine's own description (STYLE.md §4), the one the CLI, reports and benchmarks print, so a failure in a
        // bit-reproducibility test can be read against the machine it ran on (docs/determinism.md).
        string text = PcVerify.Engine.Verification.EngineEnvironment.Describe();
        output.WriteLine(text);
        Console.WriteLine("[PcVerify.Tests] " + text);

        // Vector<T> spans one register: float lanes are twice the double lanes on every SIMD width .NET supports.
        Assert.Equal(Vector<byte>.Count, Vector<double>.Count * sizeof(double));
        Assert.Equal(2 * Vector<double>.Count, Vector<float>.Count);
    }
}
