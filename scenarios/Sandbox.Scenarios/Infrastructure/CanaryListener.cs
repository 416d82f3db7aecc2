using System.Net;
using System.Net.Sockets;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// A "production" listener on 127.0.0.2 that the run's denylist names. It accepts and counts
/// every connection; the guard must keep that count at zero for the whole run.
/// </summary>
public sealed class CanaryListener : IAsyncDisposable
{
    /// <summary>The canary's address. Loopback, so no byte ever leaves the machine, but denylisted for the run.</summary>
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public CanaryListener()
    {
        _listener = new TcpListener(Address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync(_stop.Token);
    }

    /// <summary>The random port it listens on.</summary>
    public int Port { get; }

    /// <summary>How many connections it accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The canary as an HTTP URL.</summary>
    public Uri Url => new($"http://{Address}:{Port}/v1/sys/health");

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                Interlocked.Increment(ref _connections);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
