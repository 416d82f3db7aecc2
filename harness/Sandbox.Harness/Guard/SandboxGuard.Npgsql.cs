using System.Net;
using Npgsql;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// Builds an <see cref="NpgsqlDataSource"/> whose every host has been checked. Unix-socket
    /// hosts (a directory path) are allowed. Host names are resolved here, every address is
    /// checked, and the data source is given the checked addresses instead of the names, so Npgsql
    /// can only ever dial an address the guard approved (no later DNS answer can change that).
    /// File parameters (passfile, certificates, keys) are checked by the file guard.
    /// </summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="caller">Who the data source is for, for the audit log.</param>
    /// <exception cref="GuardBlockedException">A host, address or file is refused.</exception>
    public NpgsqlDataSource CreateNpgsqlDataSource(string connectionString, string caller)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            var decision = Record(caller, GuardDecision.Block("(no host)", GuardRules.InvalidTarget, "The connection string names no Host; the guard will not let Npgsql pick one from the environment."));
            throw GuardBlockedException.Blocked(decision, caller);
        }

        var checkedHosts = new List<string>();
        foreach (var raw in builder.Host.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = SplitNpgsqlHost(raw);
            if (host.StartsWith('/') || host.StartsWith('@'))
            {
                Ensure(Record(caller, GuardDecision.Allow(host, GuardRules.UnixSocket, "A unix-domain socket directory stays on this machine.")), caller);
                checkedHosts.Add(raw);
                continue;
            }

            var byName = Record(caller, CheckHostCore(host, host, out var literal));
            Ensure(byName, caller);
            var addresses = AddressesOfCheckedAsync(host, literal, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            foreach (var address in addresses)
            {
                Ensure(Record(caller, CheckEndPointCore(host, address)), caller);
                var text = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Guard.Internal.HostCanonicalizer.Normalize(address)}]" : address.ToString();
                checkedHosts.Add(port is null ? text : $"{text}:{port}");
            }
        }

        foreach (var file in new[] { builder.Passfile, builder.SslCertificate, builder.SslKey, builder.RootCertificate })
        {
            if (!string.IsNullOrWhiteSpace(file))
            {
                EnsureFileAllowed(file, caller);
            }
        }

        builder.Host = string.Join(',', checkedHosts);

        // Npgsql takes what the connection string leaves out from PG* variables (PGPASSWORD, PGPASSFILE,
        // PGSSLCERT, PGSSLROOTCERT, PGUSER, PGOPTIONS...) and ~/.pgpass. The guard removes every PG*
        // variable from this process and points Passfile at an empty file of its own, so nothing but the
        // checked connection string decides where and how Npgsql connects.
        RemoveLibpqVariables();
        if (string.IsNullOrWhiteSpace(builder.Passfile))
        {
            builder.Passfile = EmptyPassfile();
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    private static void RemoveLibpqVariables()
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith("PG", StringComparison.Ordinal))
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    private string EmptyPassfile()
    {
        var file = Path.Combine(PrivateFolder(), "pgpass-empty");
        lock (_privateLock)
        {
            if (!File.Exists(file) || new FileInfo(file).Length != 0)
            {
                File.WriteAllBytes(file, []);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return file;
    }

    private static (string Host, string? Port) SplitNpgsqlHost(string raw)
    {
        if (raw.StartsWith('['))
        {
            var close = raw.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                var rest = raw[(close + 1)..];
                return (raw[1..close], rest.StartsWith(':') ? rest[1..] : null);
            }
        }

        var colon = raw.LastIndexOf(':');
        if (colon > 0 && raw.IndexOf(':', StringComparison.Ordinal) == colon && !raw.StartsWith('/'))
        {
            return (raw[..colon], raw[(colon + 1)..]);
        }

        return (raw, null);
    }
}
