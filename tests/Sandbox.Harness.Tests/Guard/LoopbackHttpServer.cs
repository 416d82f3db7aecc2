using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// A minimal HTTP/1.1 server on a loopback address for guard tests: it counts accepted
/// connections, records request heads, and answers with what the handler returns
/// (one request per connection).
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, (int Status, string? Location)> _handler;
    private readonly Task _loop;
    private int _accepted;

    public LoopbackHttpServer(IPAddress address, Func<string, (int Status, string? Location)>? handler = null)
    {
        _handler = handler ?? (_ => (200, null));
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    public ConcurrentQueue<string> RequestHeads { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                var text = head.ToString();
                RequestHeads.Enqueue(text);
                var path = text.Split(' ', 3)[1];
                var (status, location) = _handler(path);
                var response = new StringBuilder($"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n");
                if (location is not null)
                {
                    response.Append($"Location: {location}\r\n");
                }

                response.Append("\r\nok");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }
}
