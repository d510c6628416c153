namespace PcVerify.Tests;

/// <summary>Locates data shared between worktrees, outside the repository.</summary>
internal static class TestPaths
{
    /// <summary>
    /// The MNIST directory <c>shared/data/mnist</c> found by walking up from the test binary's directory
    /// (the repository root's <c>../shared/data/mnist</c> is one of the candidates), or null when absent.
    /// </summary>
    public static string? SharedMnist()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "mnist");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True when running under continuous integration (the CI variable is set and not "false"/"0").</summary>
    public static bool IsCi
    {
        get
        {
            string? ci = Environment.GetEnvironmentVariable("CI");
            return !string.IsNullOrEmpty(ci) && ci != "0" && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);
        }
    }
}
