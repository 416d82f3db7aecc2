namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// A URL reduced to what decides where it goes: lower-case scheme, canonical host, explicit port
/// (default ports filled in), and a path with dot segments removed, percent-encoding decoded and
/// case folded (fail-closed: a case-insensitive server must not slip past a prefix).
/// </summary>
internal readonly record struct UrlKey(string Scheme, string Host, int Port, string Path)
{
    public static readonly string[] NetworkSchemes = ["http", "https", "ws", "wss", "tcp", "postgres", "postgresql"];

    public static bool TryCreate(string text, out UrlKey key, out string why)
    {
        key = default;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
        {
            why = "it does not parse as an absolute URL";
            return false;
        }

        return TryCreate(uri, out key, out why);
    }

    public static bool TryCreate(Uri uri, out UrlKey key, out string why)
    {
        key = default;
        var scheme = uri.Scheme.ToLowerInvariant();
        if (Array.IndexOf(NetworkSchemes, scheme) < 0)
        {
            why = $"scheme '{scheme}' is not one of {string.Join(", ", NetworkSchemes)}";
            return false;
        }

        if (!HostCanonicalizer.TryCanonicalize(uri.Host, out var host, out _))
        {
            why = $"host '{uri.Host}' is not a valid host";
            return false;
        }

        var port = uri.IsDefaultPort ? DefaultPort(scheme) : uri.Port;
        key = new UrlKey(scheme, AddressKey(host), port, CanonicalPath(uri.AbsolutePath));
        why = string.Empty;
        return true;
    }

    /// <summary>
    /// The host as URL prefixes compare it: the names and literals of this machine's loopback
    /// (<c>localhost</c>, <c>*.localhost</c>, <c>::1</c>, <c>127.0.0.1</c>) are one address, so a prefix
    /// written with any of them matches a request written with another. Other hosts compare as canonicalised.
    /// </summary>
    public static string AddressKey(string canonicalHost) =>
        canonicalHost is "localhost" or "::1" or "127.0.0.1" || canonicalHost.EndsWith(".localhost", StringComparison.Ordinal) ? "127.0.0.1" : canonicalHost;

    public static int DefaultPort(string scheme) => scheme switch
    {
        "http" or "ws" => 80,
        "https" or "wss" => 443,
        "postgres" or "postgresql" => 5432,
        _ => -1,
    };

    public bool StartsWith(in UrlKey prefix) =>
        Scheme == prefix.Scheme && Host == prefix.Host && Port == prefix.Port && Path.StartsWith(prefix.Path, StringComparison.Ordinal);

    private static string CanonicalPath(string path)
    {
        var p = path;
        for (var i = 0; i < 4 && p.Contains('%', StringComparison.Ordinal); i++)
        {
            var decoded = Uri.UnescapeDataString(p);
            if (decoded == p)
            {
                break;
            }

            p = decoded;
        }

        p = p.Replace('\\', '/');
        while (p.Contains("//", StringComparison.Ordinal))
        {
            p = p.Replace("//", "/", StringComparison.Ordinal);
        }

        // Dot segments that decoding revealed (/%2e%2e/) are removed again.
        var segments = new List<string>();
        foreach (var segment in p.Split('/'))
        {
            if (segment == "..")
            {
                if (segments.Count > 1)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment != ".")
            {
                segments.Add(segment);
            }
        }

        p = string.Join('/', segments);
        if (p.Length == 0 || p[0] != '/')
        {
            p = "/" + p;
        }

        return p.ToLowerInvariant();
    }
}
