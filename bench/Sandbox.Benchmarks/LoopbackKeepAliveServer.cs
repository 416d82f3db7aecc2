using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbox.Benchmarks;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 for benchmarks: keeps connections alive unless the
/// request says <c>Connection: close</c>, and answers every request with a 2-byte body.
/// </summary>
public sealed class LoopbackKeepAliveServer : IAsyncDisposable
{
    private static readonly byte[] KeepAliveResponse = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    private static readonly byte[] CloseResponse = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] CloseHeader = "Connection: close"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackKeepAliveServer()
    {
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

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
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        using (socket)
        {
            var buffer = new byte[16 * 1024];
            var filled = 0;
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    int end;
                    while ((end = buffer.AsSpan(0, filled).IndexOf(EndOfHead)) >= 0)
                    {
                        var head = buffer.AsSpan(0, end);
                        var close = head.IndexOf(CloseHeader) >= 0;
                        await socket.SendAsync(close ? CloseResponse : KeepAliveResponse, _stop.Token);
                        if (close)
                        {
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        }

                        var consumed = end + EndOfHead.Length;
                        buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                        filled -= consumed;
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
