using System.Globalization;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

/// <summary>What kind of value a sandbox Vault dials itself.</summary>
internal enum VaultDialledValue
{
    /// <summary>An HTTP(S) URL: Kubernetes auth's <c>kubernetes_host</c>, JWT auth's <c>jwks_url</c> and <c>oidc_discovery_url</c>.</summary>
    Url,

    /// <summary>The database engine's <c>connection_url</c>: a libpq/pgx URI or <c>key=value</c> string.</summary>
    PostgresConnection,
}

internal sealed partial class SandboxGuard
{
    private const int PostgresDefaultPort = 5432;

    /// <summary>
    /// The config guard: may the sandbox Vault be pointed at <paramref name="value"/>? Vault dials such a
    /// value itself — with its own resolver, following redirects, reading the files a connection string
    /// names — so the harness's connect-time checks never see those connections. Allowed only: an
    /// endpoint the sandbox runs itself (<paramref name="sandbox"/>), after the denylist (which always
    /// wins and is reported first, naming the production host) and the egress policy. Refused: any
    /// other host or loopback port, a <c>*.localhost</c> name, a connection string with several hosts,
    /// no host, a file parameter (<c>sslrootcert=</c>, <c>sslcert=</c>, <c>sslkey=</c>, <c>passfile=</c>,
    /// <c>servicefile=</c>, ...) or a <c>service=</c>, in <c>key=value</c> and URI query spellings alike.
    /// No name is resolved. The decision's target is the host (or parameter) that decided; its detail
    /// says why and how to fix it.
    /// </summary>
    /// <param name="value">The value as it would be written to Vault (<c>{{username}}</c>/<c>{{password}}</c> placeholders allowed).</param>
    /// <param name="kind">What the value is.</param>
    /// <param name="sandbox">The endpoints the sandbox runs; null checks only what holds without knowing them (denylist, egress policy, names, parameters).</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    internal GuardDecision CheckVaultDialled(string value, VaultDialledValue kind, SandboxEndpointSet? sandbox, string caller)
    {
        ArgumentNullException.ThrowIfNull(value);
        var probe = value.Replace("{{username}}", "user", StringComparison.Ordinal).Replace("{{password}}", "password", StringComparison.Ordinal).Trim();
        var decision = kind == VaultDialledValue.PostgresConnection && !IsHttpUrl(probe)
            ? CheckConnectionValue(probe, sandbox)
            : CheckUrlValue(probe, sandbox);
        if (decision.Allowed && sandbox is not null)
        {
            _checkedForSandbox.TryAdd(value, 0);
        }

        return Record(caller, decision);
    }

    private static bool IsHttpUrl(string value) =>
        value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private GuardDecision CheckUrlValue(string value, SandboxEndpointSet? sandbox)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return GuardDecision.Block(value, GuardRules.ConfigNotAUrl, "It is not an absolute URL (scheme://host[:port]/...), so where the sandbox Vault would connect cannot be checked. Give a full URL such as http://127.0.0.1:6443.");
        }

        var shownHost = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost.Trim('[', ']')}]" : uri.Host;
        var port = uri.Port;
        var where = $"{shownHost}:{port.ToString(CultureInfo.InvariantCulture)}";
        return CheckDialledHost(uri.Host, port, where, CheckUrlCore(uri, value), "the URL's host", sandbox);
    }

    /// <summary>
    /// One host (and port) of a dialled value: the denylist first (naming the production host), then a
    /// <c>*.localhost</c> name, then the sandbox's own cluster services, then the egress policy, then
    /// ownership of the exact endpoint.
    /// </summary>
    private static GuardDecision CheckDialledHost(string host, int port, string where, GuardDecision egress, string what, SandboxEndpointSet? sandbox)
    {
        var owned = sandbox is null ? string.Empty : $" The endpoints this sandbox runs: {sandbox.Describe()}.";
        if (!egress.Allowed && egress.Rule != GuardRules.DefaultDeny)
        {
            // A denylist match (or an unreadable host): production, named with its rule.
            return egress with { Target = where, Detail = $"{what} '{host}': {egress.Detail} Point the value at an endpoint the sandbox runs itself.{owned}" };
        }

        if (HostCanonicalizer.TryCanonicalize(host, out var canonical, out var address) && address is null && canonical.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return GuardDecision.Block(where, GuardRules.ConfigLocalhostName,
                $"{what} '{host}' is a *.localhost name. The sandbox Vault would resolve it with its own resolver, which may ask DNS (RFC 6761 only says resolvers SHOULD answer loopback), so where it leads cannot be known; it was not resolved here either. Use the address of an endpoint the sandbox runs.{owned}");
        }

        if (sandbox is null)
        {
            return egress.Allowed ? egress with { Target = where } : egress with { Target = where, Detail = $"{what} '{host}': {egress.Detail}" };
        }

        if (sandbox.IsClusterService(host))
        {
            // One of the sandbox cluster's own services, resolved by that cluster's DNS from inside it (the
            // denylist did not match: it would have refused first). Any other cluster name stays refused.
            return GuardDecision.Allow(where, GuardRules.ConfigSandboxEndpoint, $"'{host}' is a service of the sandbox's own cluster.");
        }

        if (!egress.Allowed)
        {
            return egress with { Target = where, Detail = $"{what} '{host}': {egress.Detail} Point the value at an endpoint the sandbox runs itself.{owned}" };
        }

        if (sandbox.Contains(host, port))
        {
            return GuardDecision.Allow(where, GuardRules.ConfigSandboxEndpoint, $"{where} is an endpoint the sandbox runs.");
        }

        return GuardDecision.Block(where, GuardRules.ConfigNotSandboxEndpoint,
            $"{what} names {where}, which is not an endpoint this sandbox runs. The sandbox Vault dials it itself: whatever listens there — another program, or one that redirects to production, which Vault follows — is beyond the guard's reach.{owned} Point the value at one of them.");
    }

    private GuardDecision CheckConnectionValue(string value, SandboxEndpointSet? sandbox)
    {
        if (!LibpqConnInfo.TryParse(value, out var parameters, out var error))
        {
            // Name the production host it holds, if any, rather than only "does not parse".
            if (FirstDenylistedHost(value) is { } named)
            {
                return named with { Detail = $"The connection string does not parse ({error}), and it names the production host '{named.Target}': {named.Detail} Point it at the sandbox's PostgreSQL.{(sandbox is null ? string.Empty : $" The endpoints this sandbox runs: {sandbox.Describe()}.")}" };
            }

            return GuardDecision.Block(ShownConnection(value), GuardRules.ConfigNotAUrl,
                $"The connection string does not parse ({error}), so where the sandbox Vault would connect cannot be known. Give postgresql://{{{{username}}}}:{{{{password}}}}@HOST:PORT/DB?sslmode=disable with the sandbox's PostgreSQL as HOST:PORT.");
        }

        var hosts = new List<(string Key, string Entry)>();
        var ports = new List<string>();
        foreach (var (key, v) in parameters)
        {
            if (Array.IndexOf(LibpqConnInfo.HostKeys, key) >= 0)
            {
                hosts.AddRange(v.Split(',', StringSplitOptions.TrimEntries).Select(e => (key, e)));
            }
            else if (key == "port")
            {
                ports.AddRange(v.Split(',', StringSplitOptions.TrimEntries));
            }
        }

        // The denylist first: a production host is named with its rule whatever else is wrong.
        foreach (var (key, entry) in hosts)
        {
            var found = entry.StartsWith('/') || entry.StartsWith('@') ? CheckFileCore(entry) : CheckHostCore(entry, entry, out _);
            if (!found.Allowed && found.Rule != GuardRules.DefaultDeny && found.Rule != GuardRules.InvalidTarget)
            {
                return found with { Target = entry, Detail = $"The connection string's {key}= names '{entry}': {found.Detail} Point it at the sandbox's PostgreSQL." };
            }
        }

        foreach (var (key, v) in parameters)
        {
            if (key == "service")
            {
                return GuardDecision.Block($"{key}={v}", GuardRules.ConfigServiceParameter,
                    $"The connection string's service= takes host, port and credentials from a service file (pg_service.conf) that the sandbox Vault reads and the guard cannot judge. Remove service= and give host= and port= of the sandbox's PostgreSQL.");
            }

            if (Array.IndexOf(LibpqConnInfo.FileKeys, key) >= 0)
            {
                return GuardDecision.Block($"{key}={v}", GuardRules.ConfigFileParameter,
                    $"The connection string's {key}= names the file '{v}', which the sandbox Vault would read (a certificate, key, password or service file of this machine's). Remove {key}=: the sandbox's PostgreSQL needs none (sslmode=disable on loopback).");
            }
        }

        // The same host written twice (the URI's authority and ?host=) is one host; two different ones are a list.
        var lists = hosts.GroupBy(h => h.Key, StringComparer.Ordinal)
            .Where(g => g.Select(h => h.Entry).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
            .Select(g => $"{g.Key}={string.Join(',', g.Select(h => h.Entry))}")
            .ToList();
        var distinctPorts = ports.Distinct(StringComparer.Ordinal).ToArray();
        if (distinctPorts.Length > 1)
        {
            lists.Add($"port={string.Join(',', ports)}");
        }

        if (lists.Count > 0)
        {
            var list = string.Join(", ", lists);
            return GuardDecision.Block(list, GuardRules.ConfigMultiHost,
                $"The connection string names several hosts, addresses or ports ({list}); libpq and pgx try each in turn, so the connection may end anywhere in the list. Give one host and one port: the sandbox's PostgreSQL.");
        }

        if (hosts.Count == 0)
        {
            return GuardDecision.Block(ShownConnection(value), GuardRules.ConfigNoHost,
                "The connection string names no host, so the driver would take one from its environment (PGHOST) or a default socket. Give the sandbox's PostgreSQL as host and port.");
        }

        var portText = distinctPorts.Length == 1 && distinctPorts[0].Length > 0 ? distinctPorts[0] : PostgresDefaultPort.ToString(CultureInfo.InvariantCulture);
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return GuardDecision.Block($"port={portText}", GuardRules.ConfigNotAUrl, $"The connection string's port '{portText}' is not a port number (1-65535).");
        }

        GuardDecision last = GuardDecision.Allow(ShownConnection(value), GuardRules.ConfigSandboxEndpoint, "The connection string names the sandbox's PostgreSQL.");
        foreach (var (key, entry) in hosts)
        {
            var where = entry.StartsWith('/') ? $"{entry} (port {portText})" : (entry.Contains(':', StringComparison.Ordinal) ? $"[{entry}]:{portText}" : $"{entry}:{portText}");
            var egress = entry.StartsWith('/') || entry.StartsWith('@')
                ? (CheckFileCore(entry) is { Allowed: false } f ? f : GuardDecision.Allow(entry, GuardRules.UnixSocket, "A unix socket directory stays on this machine."))
                : CheckHostCore(entry, entry, out _);
            var decision = CheckDialledHost(entry, port, where, egress, $"The connection string's {key}=", sandbox);
            if (!decision.Allowed)
            {
                return decision;
            }

            last = decision;
        }

        return last;
    }

    /// <summary>A connection string for a message: no userinfo, no password value.</summary>
    internal static string ShownConnection(string value)
    {
        var t = value.Trim();
        var scheme = t.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            var rest = t[(scheme + 3)..];
            var end = rest.IndexOfAny(['/', '?']);
            var authority = end >= 0 ? rest[..end] : rest;
            var at = authority.LastIndexOf('@');
            var shown = at >= 0 ? t[..(scheme + 3)] + authority[(at + 1)..] + (end >= 0 ? rest[end..] : string.Empty) : t;
            var q = shown.IndexOf('?', StringComparison.Ordinal);
            return q < 0 ? shown : shown[..q] + "?" + string.Join('&', shown[(q + 1)..].Split('&').Select(p => p.StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : p));
        }

        return LibpqConnInfo.TryParse(t, out var parameters, out _)
            ? string.Join(' ', parameters.Select(p => p.Key == "password" ? "password=***" : $"{p.Key}={p.Value}"))
            : "(a connection string that does not parse)";
    }
}
