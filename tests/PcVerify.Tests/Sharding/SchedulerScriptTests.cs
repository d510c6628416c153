using System.Diagnostics;

namespace PcVerify.Tests.Sharding;

/// <summary>
/// The scheduler recipes in scale/, run here with the scheduler's variables set by hand and a stub <c>dotnet</c>
/// first on PATH that records its environment and arguments (no Slurm, Kubernetes or container runtime exists here).
/// Oracle: the scheduler's 0-based index k must become shard k+1 of n.
/// </summary>
public class SchedulerScriptTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scale", "run-shard.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scale/run-shard.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs <paramref name="script"/> with bash in the repository root, a stub dotnet and <paramref name="env"/>.</summary>
    private static (int Code, string Out, string Err) Bash(TempDirectory stub, string script, Dictionary<string, string> env, params string[] args)
    {
        string fake = stub.File("dotnet");
        File.WriteAllText(fake, "#!/usr/bin/env bash\necho \"stub: PCVERIFY_PROOF_SHARD=${PCVERIFY_PROOF_SHARD:-} PCVERIFY_PROOF_RESULTS=${PCVERIFY_PROOF_RESULTS:-} PCVERIFY_PROOF_SEED=${PCVERIFY_PROOF_SEED:-} PCVERIFY_PROOF_CASES=${PCVERIFY_PROOF_CASES:-}\"\necho \"stub args: $*\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        ProcessStartInfo psi = new("bash") { WorkingDirectory = Root(), RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (string v in new[] { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX", "PCVERIFY_SHARD_INDEX", "PCVERIFY_SHARD_COUNT", "PCVERIFY_PROOF_SEED", "PCVERIFY_PROOF_CASES", "PCVERIFY_DRY_RUN", "PCVERIFY" })
        {
            psi.Environment.Remove(v);
        }

        psi.Environment["PATH"] = stub.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["PCVERIFY_RESULTS_DIR"] = stub.File("results");
        foreach ((string k, string v) in env)
        {
            psi.Environment[k] = v;
        }

        using Process p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, e);
    }

    [UnixTheory]
    [InlineData(0, 100, "1/100")]
    [InlineData(2, 4, "3/4")]
    [InlineData(99, 100, "100/100")]
    public void A_slurm_array_task_runs_shard_task_plus_one_of_the_array_size(int task, int count, string shard)
    {
        using TempDirectory stub = new();
        var r = Bash(stub, "scale/slurm/proofs.sbatch", new() { ["SLURM_ARRAY_TASK_ID"] = $"{task}", ["SLURM_ARRAY_TASK_COUNT"] = $"{count}", ["PCVERIFY_PROOF_SEED"] = "20261130" });
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains($"stub: PCVERIFY_PROOF_SHARD={shard} PCVERIFY_PROOF_RESULTS={stub.File("results")} PCVERIFY_PROOF_SEED=20261130 PCVERIFY_PROOF_CASES=1000000", r.Out);
        Assert.Contains("stub args: test -c Release --no-build proofs/PcVerify.Proofs", r.Out);
        Assert.True(Directory.Exists(stub.File("results")));
    }

    [UnixFact]
    public void A_kubernetes_indexed_job_pod_runs_shard_index_plus_one()
    {
        using TempDirectory stub = new();
        var r = Bash(stub, "scale/run-shard.sh", new() { ["JOB_COMPLETION_INDEX"] = "6", ["PCVERIFY_SHARD_COUNT"] = "16" }, "reproduce", "--quick");
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.Contains($"stub args: src/PcVerify.Cli/bin/Release/net10.0/pcverify.dll reproduce --shard 7/16 --out {stub.File("results")}/shard-7 --quick", r.Out);
    }

    [UnixFact]
    public void A_ci_matrix_index_and_a_dry_run_print_the_command_without_running_it()
    {
        using TempDirectory stub = new();
        var r = Bash(stub, "scale/run-shard.sh", new() { ["PCVERIFY_SHARD_INDEX"] = "0", ["PCVERIFY_SHARD_COUNT"] = "8", ["PCVERIFY_PROOF_SEED"] = "5" }, "--dry-run", "proofs");
        Assert.True(r.Code == 0, r.Err + r.Out);
        Assert.StartsWith("PCVERIFY_PROOF_SHARD=1/8\n", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("stub", r.Out);
        Assert.False(Directory.Exists(stub.File("results")));
    }

    [UnixTheory]
    [InlineData("4", "4", "shard index 4 (0-based) is not below the shard count 4")]
    [InlineData("-1", "4", "shard index must be a non-negative integer, found '-1'")]
    [InlineData("1", "0", "shard count must be a positive integer, found '0'")]
    public void Bad_indices_are_refused_with_one_line_and_nothing_runs(string index, string count, string message)
    {
        using TempDirectory stub = new();
        var r = Bash(stub, "scale/run-shard.sh", new() { ["PCVERIFY_SHARD_INDEX"] = index, ["PCVERIFY_SHARD_COUNT"] = count, ["PCVERIFY_PROOF_SEED"] = "5" }, "proofs");
        Assert.Equal(2, r.Code);
        Assert.Equal($"run-shard.sh: {message}\n", r.Err);
        Assert.Empty(r.Out);
    }

    [UnixFact]
    public void A_proof_shard_without_a_campaign_seed_is_refused()
    {
        using TempDirectory stub = new();
        var r = Bash(stub, "scale/run-shard.sh", new() { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "4" }, "proofs");
        Assert.Equal(2, r.Code);
        Assert.Contains("PCVERIFY_PROOF_SEED must be set", r.Err);
        Assert.Empty(r.Out);
    }
}

/// <summary>A fact that needs bash (the scheduler recipes are shell scripts): skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "the scheduler recipes are bash scripts";
        }
    }
}

/// <summary>A theory that needs bash: skipped on Windows.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "the scheduler recipes are bash scripts";
        }
    }
}
