using System.Diagnostics;
using System.Globalization;
using PcVerify.Engine;
using PcVerify.Engine.Resources;
using Xunit.Abstractions;

namespace PcVerify.Tests.Fuzz;

/// <summary>
/// The fuzz invariant of every file reader (issue 14, "fuzzing that stays"): whatever the bytes, reading ends
/// in success or <see cref="InvalidInputException"/> — no other exception, no hang, and no allocation beyond
/// the memory limit plus a small multiple of the file. A bounded, seeded campaign runs in CI; every input that
/// ever broke the invariant is kept under <c>Fuzz/Regressions/&lt;target&gt;/</c> and replayed.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output)
{
    // The campaign runs under a 4 MiB limit, so any allocation a reader makes from a claimed size without
    // consulting the budget shows up as an excess; the seeds decode to a few KiB.
    private const long Budget = 4 << 20;

    // Per input: the budget (one checked allocation) twice over (a double array and its source bytes), the
    // 64 KiB file buffer and decompressor state (1 MiB), and 32 bytes per input byte (the file is read in
    // copies and decoded to doubles).
    private static long AllocationBound(long inputLength) => (2 * Budget) + (1 << 20) + (32 * inputLength);

    // A generous bound for one read of a file of a few KiB: seconds mean a hang or a quadratic path.
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(30);

    /// <summary>Mutated files per target; PCVERIFY_FUZZ_CASES raises it for a longer in-process campaign.</summary>
    private static int CasesPerTarget =>
        int.TryParse(Environment.GetEnvironmentVariable("PCVERIFY_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 600;

    public static TheoryData<string> TargetNames => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void Every_seed_is_read_successfully(string target)
    {
        FuzzTarget t = FuzzTargets.Get(target);
        using TempDirectory dir = new();
        foreach (byte[] seed in t.Seeds)
        {
            string path = dir.File("seed");
            File.WriteAllBytes(path, seed);
            t.Read(path);
        }
    }

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void Mutated_files_end_in_success_or_invalid_input_within_time_and_memory(string target)
    {
        FuzzTarget t = FuzzTargets.Get(target);
        using TempDirectory dir = new();
        int seed = target.Aggregate(17, (h, c) => (h * 31) + c) & 0x7FFF_FFFF; // stable across processes, unlike string hashes
        var mutator = new Mutator(seed);
        var rng = new Random(seed);
        int ok = 0, refused = 0;
        List<string> failures = [];
        for (int i = 0; i < CasesPerTarget; i++)
        {
            byte[] input = mutator.Mutate(t.Seeds[rng.Next(t.Seeds.Count)], t.Seeds);
            string path = dir.File($"case-{i}");
            File.WriteAllBytes(path, input);
            string? failure = Check(t, path, input.Length, out bool success);
            if (failure is not null)
            {
                // PCVERIFY_FUZZ_KEEP=DIR keeps failing inputs after the run, to be copied into Fuzz/Regressions/{target}/.
                string keep = Environment.GetEnvironmentVariable("PCVERIFY_FUZZ_KEEP") is { Length: > 0 } k ? Path.Combine(k, target) : dir.Path;
                Directory.CreateDirectory(keep);
                string kept = Path.Combine(keep, $"case-{seed}-{i}.bin");
                File.Copy(path, kept, overwrite: true);
                failures.Add($"case {i} (seed {seed}, kept at {kept}): {failure}");
            }
            else if (success)
            {
                ok++;
            }
            else
            {
                refused++;
            }
        }

        output.WriteLine($"{target}: {CasesPerTarget} mutated files from seed {seed}: {ok} read, {refused} refused with InvalidInputException");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        // The campaign must exercise both outcomes, or the mutations are too weak (or too strong) to test anything.
        Assert.True(ok > 0 && refused > 0, $"{target}: {ok} read, {refused} refused");
    }

    public static TheoryData<string, string> Regressions
    {
        get
        {
            var data = new TheoryData<string, string>();
            string root = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions");
            foreach (FuzzTarget t in FuzzTargets.All)
            {
                string dir = Path.Combine(root, t.Name);
                if (Directory.Exists(dir))
                {
                    foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                    {
                        data.Add(t.Name, Path.GetFileName(file));
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Kept_inputs_that_once_broke_a_reader_end_in_success_or_invalid_input(string target, string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions", target, file);
        string? failure = Check(FuzzTargets.Get(target), path, new FileInfo(path).Length, out _);
        Assert.True(failure is null, failure);
    }

    [Fact]
    public void The_invariant_check_reports_a_foreign_exception_a_hang_and_an_excess_allocation()
    {
        // Negative controls: a reader that breaks each clause of the invariant must be caught.
        using TempDirectory dir = new();
        string path = dir.File("x");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("IndexOutOfRangeException", Check(new FuzzTarget("bad", [], _ => throw new IndexOutOfRangeException()), path, 3, out _));
        Assert.Contains("allocated", Check(new FuzzTarget("greedy", [], _ => GC.KeepAlive(new byte[3 * Budget])), path, 3, out _));
        Assert.Contains("did not finish", Check(new FuzzTarget("slow", [], _ => Thread.Sleep(400)), path, 3, out _, TimeSpan.FromMilliseconds(50)));
        Assert.Null(Check(new FuzzTarget("refuses", [], _ => throw new InvalidInputException("bad file")), path, 3, out bool success));
        Assert.False(success);
    }

    /// <summary>Reads <paramref name="path"/> with <paramref name="t"/> and returns what broke the invariant, or null.</summary>
    private static string? Check(FuzzTarget t, string path, long inputLength, out bool success, TimeSpan? timeout = null)
    {
        Exception? thrown = null;
        long allocated = 0;
        var task = Task.Factory.StartNew(() =>
        {
            using IDisposable limit = MemoryBudget.Use(Budget);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                t.Read(path);
            }
            catch (Exception e)
            {
                thrown = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var clock = Stopwatch.StartNew();
        if (!task.Wait(timeout ?? PerInput))
        {
            success = false;
            return $"did not finish within {(timeout ?? PerInput).TotalSeconds} s";
        }

        success = thrown is null;
        if (thrown is not null and not InvalidInputException)
        {
            return $"{thrown.GetType().FullName}: {thrown.Message.ReplaceLineEndings(" ")} at {thrown.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
        }

        long bound = AllocationBound(inputLength);
        return allocated > bound ? $"allocated {allocated} bytes for a {inputLength}-byte file, above {bound} (took {clock.ElapsedMilliseconds} ms)" : null;
    }
}
