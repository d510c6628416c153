using PcVerify.Engine;
using PcVerify.Engine.Resources;
using PcVerify.Tests.Fuzz;
using SharpFuzz;

// The SharpFuzz harness over the file readers (docs/fuzzing.md gives the full commands):
//   PcVerify.Fuzz seeds DIR              write every target's seed files to DIR/<target>/
//   PcVerify.Fuzz libfuzzer TARGET       run under libfuzzer-dotnet (inputs from libFuzzer); also written
//                                        libfuzzer:TARGET, as libfuzzer-dotnet passes a single argument
//   PcVerify.Fuzz afl TARGET             run under afl-fuzz (inputs on standard input, fork server)
//   PcVerify.Fuzz replay TARGET FILE...  read files once each and report the outcome (for triage)
// The invariant is the in-process campaign's: a read ends in success or InvalidInputException. Any other
// exception escapes, which both fuzzers record as a crash; a hang is their timeout, memory their RSS limit.
if (args.Length == 1 && args[0].Split(':') is [string mode, string name])
{
    args = [mode, name];
}

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: PcVerify.Fuzz seeds DIR | libfuzzer TARGET | afl TARGET | replay TARGET FILE...");
    Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.Names)}");
    return 1;
}

if (args[0] == "seeds")
{
    // Run from an uninstrumented build: the seeds are written by the engine's own writers.
    foreach (FuzzTarget t in FuzzTargets.All)
    {
        string dir = Path.Combine(args[1], t.Name);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < t.Seeds.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, $"seed-{i}"), t.Seeds[i]);
        }
    }

    return 0;
}

// Only the read call: building the seeds would run instrumented engine code outside the fuzzer's callback.
Action<string> read = FuzzTargets.Reader(args[1]);

string scratch = Path.Combine(Path.GetTempPath(), $"pcverify-fuzz-{Environment.ProcessId}");
Directory.CreateDirectory(scratch);
string path = Path.Combine(scratch, "input");

void ReadOne(ReadOnlySpan<byte> input)
{
    File.WriteAllBytes(path, input);

    // A 64 MiB limit, so a claimed size is refused rather than allocated (set per input: engine code may run
    // only inside the fuzzer's callback).
    using IDisposable limit = MemoryBudget.Use(64L << 20);
    try
    {
        read(path);
    }
    catch (InvalidInputException)
    {
        // The documented outcome for bad input.
    }
}

switch (args[0])
{
    case "libfuzzer":
        Fuzzer.LibFuzzer.Run(span => ReadOne(span));
        return 0;
    case "afl":
        Fuzzer.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            ReadOne(ms.ToArray());
        });
        return 0;
    case "replay":
        try
        {
            return Replay(args.Skip(2));
        }
        finally
        {
            // The fuzzers end the process by killing it; only replay can remove its scratch directory.
            Directory.Delete(scratch, recursive: true);
        }

    default:
        Console.Error.WriteLine($"unknown mode '{args[0]}'; expected seeds, libfuzzer, afl or replay");
        return 1;
}

int Replay(IEnumerable<string> files)
{
    int failures = 0;
    foreach (string file in files)
    {
        File.Copy(file, path, overwrite: true);
        try
        {
            read(path);
            Console.WriteLine($"{file}: read");
        }
        catch (InvalidInputException e)
        {
            Console.WriteLine($"{file}: refused: {e.Message}");
        }
        catch (Exception e)
        {
            failures++;
            Console.WriteLine($"{file}: BROKE THE INVARIANT: {e}");
        }
    }

    return failures == 0 ? 0 : 2;
}
