using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Cli.Reporting;

/// <summary>
/// The engine's environment, printed with every result: what a bit-for-bit comparison between two runs
/// depends on (runtime, OS, architecture, SIMD widths) and what the timings depend on (processor count).
/// </summary>
public static class RunEnvironment
{
    /// <summary>
    /// Key–value pairs in a fixed order: <c>.NET</c>, <c>OS</c>, <c>architecture</c>, <c>Vector&lt;double&gt;.Count</c>,
    /// <c>Vector&lt;float&gt;.Count</c>, <c>Vector.IsHardwareAccelerated</c>, <c>processor count</c>.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new(".NET", RuntimeInformation.FrameworkDescription),
        new("OS", RuntimeInformation.OSDescription),
        new("architecture", RuntimeInformation.ProcessArchitecture.ToString()),
        new("Vector<double>.Count", Vector<double>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Vector<float>.Count", Vector<float>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Vector.IsHardwareAccelerated", Vector.IsHardwareAccelerated ? "true" : "false"),
        new("processor count", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
