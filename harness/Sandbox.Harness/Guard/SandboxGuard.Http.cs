using System.Net;
using System.Net.Sockets;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// The default request timeout of <see cref="CreateHttpClient"/>: 100 seconds (HttpClient's own default).
    /// </summary>
    public static readonly TimeSpan DefaultHttpTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// A <see cref="SocketsHttpHandler"/> whose connect callback resolves the name itself, checks the
    /// host name and every address before dialling, and dials only checked addresses. It uses no
    /// proxy and follows no redirects (use <see cref="CreateHttpClient"/> for guarded redirects and
    /// URL-prefix checks). A refused connection fails with an <see cref="HttpRequestException"/>
    /// whose inner exception is the <see cref="GuardBlockedException"/>; no byte is sent.
    /// </summary>
    /// <param name="caller">Who the connections are for, for the audit log.</param>
    public SocketsHttpHandler CreateHttpHandler(string caller)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(caller);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            Proxy = null,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, caller, cancellationToken),
        };
    }

    /// <summary>
    /// An <see cref="HttpClient"/> over <see cref="CreateHttpHandler"/> that checks every request
    /// URL (including URL prefixes) before it is sent and follows redirects itself (at most 5),
    /// checking each <c>Location</c> before requesting it and dropping credentials
    /// (<c>Authorization</c>, <c>X-Vault-Token</c>, cookies) when a redirect changes host or port.
    /// HTTP/3 is never used (it would bypass the connect callback). A refused target raises
    /// <see cref="GuardBlockedException"/>.
    /// </summary>
    /// <param name="caller">Who the client is for, for the audit log.</param>
    /// <param name="timeout">The request timeout. The default value is <see cref="DefaultHttpTimeout"/>.</param>
    public HttpClient CreateHttpClient(string caller, TimeSpan? timeout = null)
    {
        var handler = new GuardedRedirectHandler(this, caller) { InnerHandler = CreateHttpHandler(caller) };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout ?? DefaultHttpTimeout };
    }

    /// <summary>
    /// How names are resolved before their addresses are checked. Only tests replace it, to make a
    /// name resolve to a production address without touching the machine's DNS.
    /// </summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> Resolver { get; set; } = Dns.GetHostAddressesAsync;

    /// <summary>
    /// The addresses to dial for a name the guard has already allowed: a literal is itself; <c>localhost</c>
    /// and <c>*.localhost</c> are loopback by definition (RFC 6761 §6.3: "The domain localhost. and any names
    /// falling within .localhost. ... SHOULD always return the IP loopback address") and are never handed to
    /// a resolver — glibc would send a <c>*.localhost</c> query to the configured DNS server, whose answer
    /// nobody controls; any other name goes to <see cref="Resolver"/>. A name the guard refuses never gets
    /// here: it is refused before any lookup.
    /// </summary>
    internal async ValueTask<IPAddress[]> AddressesOfCheckedAsync(string host, IPAddress? literal, CancellationToken cancellationToken)
    {
        if (literal is not null)
        {
            return [literal];
        }

        if (HostCanonicalizer.TryCanonicalize(host, out var canonical, out _) && (canonical == "localhost" || canonical.EndsWith(".localhost", StringComparison.Ordinal)))
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }

        return await Resolver(host, cancellationToken).ConfigureAwait(false);
    }

    internal async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string caller, CancellationToken cancellationToken)
    {
        var host = endPoint.Host;
        var byName = CheckHostCore(host, host, out var literal);
        if (!byName.Allowed)
        {
            throw GuardBlockedException.Blocked(Record(caller, byName), caller);
        }

        var addresses = await AddressesOfCheckedAsync(host, literal, cancellationToken).ConfigureAwait(false);

        // Every resolved address is checked before any is dialled: a name that resolves to a
        // production address anywhere in its answer is refused outright.
        foreach (var address in addresses)
        {
            var decision = Record(caller, CheckEndPointCore(host, address));
            if (!decision.Allowed)
            {
                throw GuardBlockedException.Blocked(decision, caller);
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var dial = HostCanonicalizer.Normalize(address);
            var socket = new Socket(dial.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(dial, endPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
