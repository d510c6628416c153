using System.Net;
using System.Security.Cryptography;
using PcVerify.Cli.Reporting;
using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Cli.Download;

/// <summary>
/// Fetches data set files over HTTP, checks each against its published MD5, and writes it atomically into a
/// directory. A file is written only after its checksum matched, so a failed or corrupted download leaves
/// nothing behind; a file already present with the right checksum is not fetched again.
/// </summary>
/// <remarks>
/// MD5 is used because it is what the data sets' authors published; it guards against corruption in
/// transit or on a mirror, not against an adversary.
/// </remarks>
public sealed class DatasetDownloader
{
    /// <summary>Largest response accepted (the biggest file, Fashion-MNIST's training images, is about 26 MB).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TextWriter _log;
    private readonly StatusLine? _status;

    /// <summary>Creates a downloader.</summary>
    /// <param name="http">The client to fetch with; its timeout bounds every request, body included.</param>
    /// <param name="log">Receives one line per file: fetched, already present, or fetched again.</param>
    /// <param name="status">Shows the bytes received while a file downloads (on a terminal); <see langword="null"/> shows nothing.</param>
    public DatasetDownloader(HttpClient http, TextWriter log, StatusLine? status = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(log);
        _http = http;
        _log = log;
        _status = status;
    }

    /// <summary>A client suited to <see cref="DownloadAsync"/>: a 5-minute timeout (for the whole transfer) and a <see cref="MaxFileBytes"/> response limit.</summary>
    public static HttpClient CreateHttpClient() => new()
    {
        Timeout = TimeSpan.FromMinutes(5),
        MaxResponseContentBufferSize = MaxFileBytes,
    };

    /// <summary>
    /// Makes sure each of <paramref name="files"/> is in <paramref name="directory"/> with its published MD5,
    /// fetching from <c>mirror + name</c> what is missing or wrong. Stops at the first failure; files completed
    /// before it stay (each was verified).
    /// </summary>
    /// <param name="mirror">Base URL (http or https); a missing trailing slash is added.</param>
    /// <param name="directory">Target directory, created if missing.</param>
    /// <param name="files">The files to fetch.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <exception cref="InvalidInputException">A file cannot be fetched (HTTP status, network error, time-out), its MD5
    /// differs from the published one, or the directory or file cannot be written. The message is one line naming
    /// the file and, for a mismatch, the expected and the found MD5.</exception>
    public async Task DownloadAsync(Uri mirror, string directory, IEnumerable<DatasetFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(files);
        Uri baseUri = NormaliseMirror(mirror);
        AtomicFile.EnsureDirectory(directory);

        foreach (DatasetFile file in files)
        {
            string path = Path.Combine(directory, file.Name);
            if (File.Exists(path))
            {
                string present = Md5OfFile(path);
                if (present == file.Md5)
                {
                    _log.WriteLine($"{file.Name}: already present with md5 {present}, not downloaded again");
                    continue;
                }

                _log.WriteLine($"{file.Name}: present but md5 {present} differs from the published {file.Md5}; downloading again");
            }

            var url = new Uri(baseUri, file.Name);
            byte[] bytes = await FetchAsync(url, file, cancellationToken).ConfigureAwait(false);
            string found = Md5Hex(MD5.HashData(bytes));
            if (found != file.Md5)
            {
                throw new InvalidInputException(
                    $"download failed: {file.Name} from {url} has md5 {found}, expected {file.Md5}; nothing was written");
            }

            AtomicFile.Write(path, stream => stream.Write(bytes));
            _log.WriteLine($"{file.Name}: downloaded {bytes.Length} bytes from {url}, md5 {found} verified");
        }
    }

    private async Task<byte[]> FetchAsync(Uri url, DatasetFile file, CancellationToken cancellationToken)
    {
        // The body is streamed (to show progress), which HttpClient's Timeout and MaxResponseContentBufferSize do
        // not cover, so both bounds are applied here: one deadline for the whole transfer, and a size cap.
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_http.Timeout);
        try
        {
            _status?.Show($"{file.Name}: connecting to {url.Authority}");
            using HttpResponseMessage response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidInputException(
                    $"download failed: {file.Name} from {url}: HTTP {(int)response.StatusCode} ({response.ReasonPhrase})");
            }

            long? length = response.Content.Headers.ContentLength;
            if (length > MaxFileBytes)
            {
                throw TooLarge(url, file);
            }

            Stream body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using MemoryStream buffer = new();
                byte[] chunk = new byte[81920];
                int n;
                while ((n = await body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + n > MaxFileBytes)
                    {
                        throw TooLarge(url, file);
                    }

                    buffer.Write(chunk, 0, n);
                    _status?.Report(file.Name, buffer.Length, length ?? 0, "bytes");
                }

                return buffer.ToArray();
            }
        }
        catch (HttpRequestException e)
        {
            throw new InvalidInputException($"download failed: {file.Name} from {url}: {OneLine(e.Message)}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidInputException(
                $"download failed: {file.Name} from {url}: no complete response within {_http.Timeout.TotalSeconds:F0} s", e);
        }
        finally
        {
            _status?.Clear();
        }
    }

    private static InvalidInputException TooLarge(Uri url, DatasetFile file) =>
        new($"download failed: {file.Name} from {url}: the response is larger than {MaxFileBytes} bytes, far more than the data set's file; nothing was written");

    private static Uri NormaliseMirror(Uri mirror)
    {
        if (!mirror.IsAbsoluteUri || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidInputException($"mirror '{mirror}' is not an http or https URL");
        }

        // Without the trailing slash, new Uri(base, name) would replace the last path segment instead of appending.
        return mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
    }

    private static string Md5OfFile(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return Md5Hex(MD5.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read existing file '{path}': {OneLine(e.Message)}", e);
        }
    }

    private static string Md5Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
