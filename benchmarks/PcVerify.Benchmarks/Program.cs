using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Running;
using PcVerify.Engine.Kernels;

// STYLE.md §4: print the engine's environment at the start of every benchmark run.
Console.WriteLine(
    $"PcVerify benchmarks: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}, " +
    $"Vector<float>.Count = {Vector<float>.Count}, Vector<double>.Count = {Vector<double>.Count}, " +
    $"hardware accelerated = {Vector.IsHardwareAccelerated}, processors = {Environment.ProcessorCount}, " +
    $"Parallelism.MaxThreads = {Parallelism.MaxThreads}");
IEnumerable<BenchmarkDotNet.Reports.Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(PcVerify.Benchmarks.Data).Assembly).Run(args);

// Exit non-zero when a benchmark failed or did not validate, so a CI dry run fails loudly.
bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
return failed ? 1 : 0;
