using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PcVerify.Tests.Download;

/// <summary>
/// A minimal HTTP server on 127.0.0.1 serving fixed byte arrays by file name (anything else is a 404).
/// It records every requested path and stops when disposed: its accept loop ends with the listener.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly IReadOnlyDictionary<string, byte[]> _files;
    private readonly Task _loop;

    public LoopbackFileServer(IReadOnlyDictionary<string, byte[]> files)
    {
        _files = files;

        // A port that was free a moment ago can be taken before HttpListener binds it: try a few, then give up.
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseUrl = $"http://127.0.0.1:{port}/data/";
                break;
            }
            catch (HttpListenerException) when (attempt < 4)
            {
                listener.Close();
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>A loopback port that nothing listened on a moment ago.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // the listener was stopped
            }

            string path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue(path);
            string name = path.StartsWith("/data/", StringComparison.Ordinal) ? path["/data/".Length..] : "";
            using HttpListenerResponse response = context.Response;
            if (_files.TryGetValue(name, out byte[]? bytes))
            {
                response.StatusCode = 200;
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }
}
