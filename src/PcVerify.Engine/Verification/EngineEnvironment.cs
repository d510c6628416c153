using System.Numerics;
using System.Runtime.InteropServices;

namespace PcVerify.Engine.Verification;

/// <summary>
/// The facts that decide which results are bit-reproducible (docs/determinism.md): SIMD width, runtime, OS,
/// cores. Printed at the start of CLI runs, test runs and benchmark runs, and written into reports.
/// </summary>
public static class EngineEnvironment
{
    /// <summary>The facts as (name, value) pairs, in a fixed order.</summary>
    public static IReadOnlyList<(string Name, string Value)> Facts() =>
    [
        ("pcverify", typeof(EngineEnvironment).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown"),
        ("runtime", RuntimeInformation.FrameworkDescription),
        ("os", RuntimeInformation.OSDescription),
        ("architecture", RuntimeInformation.ProcessArchitecture.ToString()),
        ("processors", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("simd", Vector.IsHardwareAccelerated ? "hardware-accelerated" : "software"),
        ("Vector<float>.Count", Vector<float>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Vector<double>.Count", Vector<double>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>The facts on one line.</summary>
    public static string Describe() => string.Join("; ", Facts().Select(f => $"{f.Name} {f.Value}"));
}
