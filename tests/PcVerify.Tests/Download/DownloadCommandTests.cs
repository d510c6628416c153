using System.CommandLine;
using System.Security.Cryptography;
using PcVerify.Cli.Commands;
using Xunit.Abstractions;

namespace PcVerify.Tests.Download;

/// <summary>
/// <c>pcverify download</c> against a local HTTP server that serves the real MNIST test files from
/// <c>shared/data/mnist</c>. The expected checksums are the published ones (shared/data/mnist/README.md),
/// never values computed by the code under test.
/// </summary>
public class DownloadCommandTests(ITestOutputHelper log)
{
    private const string TestImages = "t10k-images-idx3-ubyte.gz";
    private const string TestLabels = "t10k-labels-idx1-ubyte.gz";
    private const string TestImagesMd5 = "9fb629c4189551a2d022fa330f9573f3";
    private const string TestLabelsMd5 = "ec29112dd5afa0611ce80d1b7f02629c";

    /// <summary>
    /// The shared MNIST folder (<see cref="TestPaths.SharedMnist"/>). Null, and the test passes with a message,
    /// when it is absent outside CI; in CI its absence is a failure.
    /// </summary>
    private string? MnistDirectory()
    {
        if (TestPaths.SharedMnist() is { } mnist)
        {
            return mnist;
        }

        Assert.False(TestPaths.IsCi, $"shared/data/mnist not found above {AppContext.BaseDirectory}; CI must provide it");
        log.WriteLine($"shared/data/mnist not found above {AppContext.BaseDirectory}: download test not run");
        return null;
    }

    private static Dictionary<string, byte[]> Served(string mnist) => new()
    {
        [TestImages] = File.ReadAllBytes(Path.Combine(mnist, TestImages)),
        [TestLabels] = File.ReadAllBytes(Path.Combine(mnist, TestLabels)),
    };

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var root = new RootCommand("test root") { DownloadCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private static string Md5(string path) => Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task The_test_files_are_written_with_their_published_checksums()
    {
        if (MnistDirectory() is not { } mnist)
        {
            return;
        }

        using var server = new LoopbackFileServer(Served(mnist));
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "nested", "mnist");

        var (exit, output, error) = await Run("download", "mnist", "--dir", target, "--mirror", server.BaseUrl, "--only", "t10k");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Equal(TestImagesMd5, Md5(Path.Combine(target, TestImages)));
        Assert.Equal(TestLabelsMd5, Md5(Path.Combine(target, TestLabels)));
        Assert.Equal([TestImages, TestLabels], Directory.GetFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains($"{TestImages}: downloaded", output, StringComparison.Ordinal);
        Assert.Equal(["/data/" + TestImages, "/data/" + TestLabels], server.Requests);
    }

    [Fact]
    public async Task A_file_already_present_with_the_right_checksum_is_not_fetched_again()
    {
        if (MnistDirectory() is not { } mnist)
        {
            return;
        }

        using var server = new LoopbackFileServer(Served(mnist));
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(mnist, TestImages), dir.File(TestImages));

        var (exit, output, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", server.BaseUrl, "--only", "t10k");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Equal(["/data/" + TestLabels], server.Requests);
        Assert.Contains($"{TestImages}: already present", output, StringComparison.Ordinal);
        Assert.Equal(TestLabelsMd5, Md5(dir.File(TestLabels)));
    }

    [Fact]
    public async Task A_present_file_with_a_wrong_checksum_is_replaced()
    {
        if (MnistDirectory() is not { } mnist)
        {
            return;
        }

        using var server = new LoopbackFileServer(Served(mnist));
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(TestLabels), "stale");

        var (exit, output, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", server.BaseUrl, "--only", "t10k");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains($"{TestLabels}: present but md5", output, StringComparison.Ordinal);
        Assert.Equal(TestLabelsMd5, Md5(dir.File(TestLabels)));
    }

    [Fact]
    public async Task A_corrupted_file_is_an_error_naming_the_file_and_both_checksums_and_leaves_nothing()
    {
        if (MnistDirectory() is not { } mnist)
        {
            return;
        }

        Dictionary<string, byte[]> served = Served(mnist);
        byte[] corrupted = [.. served[TestImages]];
        corrupted[corrupted.Length / 2] ^= 0x01;
        served[TestImages] = corrupted;
        string corruptedMd5 = Convert.ToHexStringLower(MD5.HashData(corrupted));
        Assert.NotEqual(TestImagesMd5, corruptedMd5);

        using var server = new LoopbackFileServer(served);
        using var dir = new TempDirectory();

        var (exit, _, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", server.BaseUrl, "--only", "t10k");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(TestImages, line, StringComparison.Ordinal);
        Assert.Contains(TestImagesMd5, line, StringComparison.Ordinal);
        Assert.Contains(corruptedMd5, line, StringComparison.Ordinal);
        Assert.Empty(dir.Names()); // neither the file nor a temporary file
    }

    [Fact]
    public async Task A_missing_file_on_the_mirror_is_a_clear_http_error()
    {
        if (MnistDirectory() is not { } mnist)
        {
            return;
        }

        // The local server has only the t10k files, so the training files are a 404.
        using var server = new LoopbackFileServer(Served(mnist));
        using var dir = new TempDirectory();

        var (exit, _, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", server.BaseUrl, "--only", "train");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("train-images-idx3-ubyte.gz", error, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", error, StringComparison.Ordinal);
        Assert.Empty(dir.Names());
        Assert.Equal(["/data/train-images-idx3-ubyte.gz"], server.Requests);
    }

    [Fact]
    public async Task An_unreachable_mirror_is_an_error_not_a_hang()
    {
        // A port that was just free: nothing listens there, so the connection is refused at once.
        int port = LoopbackFileServer.FreePort();
        using var dir = new TempDirectory();

        var (exit, _, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", $"http://127.0.0.1:{port}/", "--only", "t10k");

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains(TestImages, error, StringComparison.Ordinal);
        Assert.Empty(dir.Names());
    }

    [Fact]
    public async Task A_non_http_mirror_and_an_unknown_data_set_are_rejected()
    {
        using var dir = new TempDirectory();
        var (exit, _, error) = await Run("download", "mnist", "--dir", dir.Path, "--mirror", "ftp://127.0.0.1/");
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("not an http or https URL", error, StringComparison.Ordinal);

        (exit, _, _) = await Run("download", "cifar", "--dir", dir.Path);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Empty(dir.Names());
    }
}
