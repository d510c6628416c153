using System.CommandLine;
using PcVerify.Cli.Download;
using PcVerify.Engine;

namespace PcVerify.Cli.Commands;

/// <summary>
/// <c>pcverify download mnist|fashion-mnist --dir DIR [--mirror URL] [--only train|t10k]</c>: fetches the
/// data set's IDX .gz files, checks them against the published MD5 sums, and writes them into DIR.
/// </summary>
public static class DownloadCommand
{
    /// <summary>
    /// Builds the <c>download</c> command. Its action returns 0 when every requested file is in DIR with its
    /// published checksum; otherwise it prints a one-line error to the invocation's error writer and returns
    /// the input-error exit code (2), like every <c>pcverify</c> command (<see cref="Cli.Guard"/>).
    /// </summary>
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset")
        {
            Description = "The data set to fetch.",
        };
        dataset.AcceptOnlyFromAmong([.. DatasetCatalog.All.Select(d => d.Name)]);

        var dir = new Option<string>("--dir")
        {
            Description = "Directory to write the files into (created if missing).",
            Required = true,
        };
        var mirror = new Option<string?>("--mirror")
        {
            Description = "Base URL to fetch from instead of the data set's default mirror.",
        };
        var only = new Option<string?>("--only")
        {
            Description = "Fetch only the training files (train) or only the test files (t10k).",
        };
        only.AcceptOnlyFromAmong([.. DatasetCatalog.Splits]);

        var command = new Command("download", "Download MNIST or Fashion-MNIST and verify the published MD5 checksums.")
        {
            dataset,
            dir,
            mirror,
            only,
        };

        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            return Cli.Guard(output, error, () =>
            {
                Dataset set = DatasetCatalog.Get(parseResult.GetRequiredValue(dataset));
                string? split = parseResult.GetValue(only);
                string? mirrorText = parseResult.GetValue(mirror);
                Uri? baseUri = set.DefaultMirror;
                if (mirrorText is not null && !Uri.TryCreate(mirrorText, UriKind.Absolute, out baseUri))
                {
                    throw new InvalidInputException($"--mirror '{mirrorText}' is not an absolute URL");
                }

                DatasetFile[] files = [.. set.Files.Where(f => split is null || f.Split == split)];
                using HttpClient http = DatasetDownloader.CreateHttpClient();

                // The CLI's commands are synchronous (Cli.Run invokes synchronously); a console app has no
                // synchronisation context, so waiting on the download here cannot deadlock.
                new DatasetDownloader(http, output, Reporting.StatusLine.ForTerminal(error))
                    .DownloadAsync(baseUri, parseResult.GetRequiredValue(dir), files)
                    .GetAwaiter().GetResult();
                return ExitCodes.Ok;
            });
        });

        return command;
    }
}
