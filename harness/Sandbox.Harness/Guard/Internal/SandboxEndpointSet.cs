using System.Globalization;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// The endpoints a sandbox runs itself (its PostgreSQL, its TokenReview stand-in or cluster API, its
/// issuer), the only ones its Vault may be pointed at. Hosts are compared in their canonical form
/// (an address literal in any spelling is its address; a name is its UTS #46 form), ports exactly:
/// <c>localhost</c> is not <c>127.0.0.1</c> here, since the sandbox Vault resolves a name itself.
/// </summary>
internal sealed class SandboxEndpointSet
{
    private readonly List<(string Host, int Port, string Shown)> _endpoints = [];
    private readonly List<string> _clusterServices = [];

    /// <summary>No endpoint at all: every value is refused as not the sandbox's.</summary>
    public static SandboxEndpointSet Empty { get; } = new();

    /// <summary>The number of endpoints and in-cluster service names.</summary>
    public int Count => _endpoints.Count + _clusterServices.Count;

    /// <summary>Adds an endpoint by host and port; a host that cannot be read is left out (and so refused).</summary>
    public SandboxEndpointSet Add(string host, int port, string what)
    {
        if (Canonical(host) is { } canonical)
        {
            _endpoints.Add((canonical, port, $"{host}:{port.ToString(CultureInfo.InvariantCulture)} ({what})"));
        }

        return this;
    }

    /// <summary>Adds an endpoint by URL (its default port when none is written).</summary>
    public SandboxEndpointSet Add(Uri url, string what)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.Host.Length > 0 ? Add(url.Host, url.Port, what) : this;
    }

    /// <summary>Adds a service name of the sandbox's own cluster (resolved by that cluster's DNS, any port).</summary>
    public SandboxEndpointSet AddClusterService(string name)
    {
        _clusterServices.Add(name.TrimEnd('.'));
        return this;
    }

    /// <summary>True when <paramref name="host"/>:<paramref name="port"/> is one of the sandbox's endpoints.</summary>
    public bool Contains(string host, int port) =>
        Canonical(host) is { } canonical && _endpoints.Exists(e => e.Port == port && string.Equals(e.Host, canonical, StringComparison.Ordinal));

    /// <summary>True when <paramref name="host"/> is one of the sandbox cluster's own service names.</summary>
    public bool IsClusterService(string host) =>
        _clusterServices.Exists(s => string.Equals(s, host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));

    /// <summary>The endpoints for a message, e.g. <c>127.0.0.1:54321 (PostgreSQL), kubernetes.default.svc (cluster service)</c>.</summary>
    public string Describe() =>
        Count == 0
            ? "none was given"
            : string.Join(", ", _endpoints.Select(e => e.Shown).Concat(_clusterServices.Select(s => $"{s} (cluster service)")));

    private static string? Canonical(string host)
    {
        if (host.StartsWith('/'))
        {
            // A unix socket directory: compared as written, without a trailing slash.
            return host.TrimEnd('/');
        }

        if (!HostCanonicalizer.TryCanonicalize(host, out var canonical, out var address))
        {
            return null;
        }

        return address is null ? canonical : HostCanonicalizer.Normalize(address).ToString();
    }
}
