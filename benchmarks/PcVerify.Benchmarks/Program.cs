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
BenchmarkSwitcher.FromAssembly(typeof(PcVerify.Benchmarks.Data).Assembly).Run(args);
