using System.Numerics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace PcVerify.Tests.Support;

/// <summary>
/// The engine's environment (STYLE.md §4: print the SIMD width and runtime at the start of a test run), so that a
/// failure in a bit-reproducibility test can be read against the machine it ran on (docs/determinism.md).
/// </summary>
internal static class EngineEnvironment
{
    public static string Describe() =>
        $"Vector<double>.Count = {Vector<double>.Count}, Vector<float>.Count = {Vector<float>.Count}, " +
        $"Vector.IsHardwareAccelerated = {Vector.IsHardwareAccelerated}, runtime = {RuntimeInformation.FrameworkDescription}, " +
        $"OS = {RuntimeInformation.OSDescription}, arch = {RuntimeInformation.ProcessArchitecture}";
}

/// <summary>Prints the environment; run with <c>--logger "console;verbosity=detailed"</c> to see it.</summary>
public class EngineEnvironmentTests(ITestOutputHelper output)
{
    [Fact]
    public void The_engine_environment_is_printed_and_the_vector_widths_are_consistent()
    {
        string text = EngineEnvironment.Describe();
        output.WriteLine(text);
        Console.WriteLine("[PcVerify.Tests] " + text);

        // Vector<T> spans one register: float lanes are twice the double lanes on every SIMD width .NET supports.
        Assert.Equal(Vector<byte>.Count, Vector<double>.Count * sizeof(double));
        Assert.Equal(2 * Vector<double>.Count, Vector<float>.Count);
    }
}
