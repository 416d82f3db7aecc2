using System.Text;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// Reads a libpq connection string — <c>key=value</c> pairs (values optionally single-quoted, with
/// backslash escapes) or a <c>postgres://</c>/<c>postgresql://</c> URI — into its parameters, the way
/// libpq does (PostgreSQL docs, "Connection Strings", libpq-connect.html#LIBPQ-CONNSTRING). In a
/// URI, the hosts of the authority (<c>a:5432,b:5433</c>, <c>[::1]</c>) become one <c>host</c> parameter
/// and the query string's pairs are parameters too.
/// </summary>
internal static class LibpqConnInfo
{
    /// <summary>The parameters that name a host or an address (each may be a comma-separated list).</summary>
    public static readonly string[] HostKeys = ["host", "hostaddr"];

    /// <summary>The parameters that name a file libpq would read.</summary>
    public static readonly string[] FileKeys = ["passfile", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "servicefile", "sslkeylogfile"];

    /// <summary>The parameters that make libpq take connection parameters from somewhere the guard cannot see.</summary>
    public static readonly string[] IndirectKeys = ["service", "servicefile"];

    /// <summary>True when <paramref name="text"/> looks like a connection string rather than a database name.</summary>
    public static bool LooksLikeConnInfo(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.Contains('=', StringComparison.Ordinal);

    /// <summary>Parses <paramref name="text"/>; false (with the reason) when it does not parse.</summary>
    public static bool TryParse(string text, out List<(string Key, string Value)> parameters, out string error)
    {
        parameters = [];
        error = string.Empty;
        var t = text.Trim();
        if (t.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseUri(t, parameters, out error);
        }

        var i = 0;
        while (i < t.Length)
        {
            while (i < t.Length && char.IsWhiteSpace(t[i]))
            {
                i++;
            }

            if (i >= t.Length)
            {
                break;
            }

            var keyStart = i;
            while (i < t.Length && t[i] != '=' && !char.IsWhiteSpace(t[i]))
            {
                i++;
            }

            var key = t[keyStart..i];
            while (i < t.Length && char.IsWhiteSpace(t[i]))
            {
                i++;
            }

            if (i >= t.Length || t[i] != '=' || key.Length == 0)
            {
                error = $"'{key}' is not followed by '='";
                return false;
            }

            i++;
            while (i < t.Length && char.IsWhiteSpace(t[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < t.Length && t[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < t.Length)
                {
                    if (t[i] == '\\' && i + 1 < t.Length)
                    {
                        value.Append(t[i + 1]);
                        i += 2;
                    }
                    else if (t[i] == '\'')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    else
                    {
                        value.Append(t[i++]);
                    }
                }

                if (!closed)
                {
                    error = $"the quoted value of '{key}' is not closed";
                    return false;
                }
            }
            else
            {
                while (i < t.Length && !char.IsWhiteSpace(t[i]))
                {
                    if (t[i] == '\\' && i + 1 < t.Length)
                    {
                        value.Append(t[i + 1]);
                        i += 2;
                    }
                    else
                    {
                        value.Append(t[i++]);
                    }
                }
            }

            parameters.Add((key.ToLowerInvariant(), value.ToString()));
        }

        return true;
    }

    private static bool TryParseUri(string t, List<(string, string)> parameters, out string error)
    {
        error = string.Empty;
        var rest = t[(t.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = string.Empty;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        var hosts = new List<string>();
        var ports = new List<string>();
        foreach (var entry in authority.Split(',', StringSplitOptions.TrimEntries))
        {
            string host;
            var port = string.Empty;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    error = $"'{entry}' has no closing ']'";
                    return false;
                }

                host = entry[1..close];
                port = entry[(close + 1)..].StartsWith(':') ? entry[(close + 2)..] : string.Empty;
            }
            else
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                host = colon >= 0 ? entry[..colon] : entry;
                port = colon >= 0 ? entry[(colon + 1)..] : string.Empty;
            }

            host = Uri.UnescapeDataString(host);
            if (host.Length > 0 || port.Length > 0)
            {
                hosts.Add(host);
                ports.Add(Uri.UnescapeDataString(port));
            }
        }

        if (hosts.Any(h => h.Length > 0))
        {
            parameters.Add(("host", string.Join(',', hosts)));
        }

        // The authority's ports, one per host (libpq: "a port for each host, or one for all").
        if (ports.Any(p => p.Length > 0))
        {
            parameters.Add(("port", string.Join(',', ports)));
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"the query parameter '{pair}' has no value";
                return false;
            }

            parameters.Add((Uri.UnescapeDataString(pair[..eq]).ToLowerInvariant(), Uri.UnescapeDataString(pair[(eq + 1)..])));
        }

        return true;
    }
}
