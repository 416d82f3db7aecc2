namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// The guarded HTTP client's per-request check on its common path: an <c>http</c>/<c>https</c> URL
    /// written <c>scheme://a.b.c.d[:port]</c> (a plain dotted quad, no userinfo) whose address is loopback,
    /// in no <c>addresses</c> network and named, with its port, by no <c>urls</c> prefix. Such a request is allowed with the
    /// rule <c>loopback</c> and recorded in the audit log exactly as <see cref="CheckUrl(Uri, string)"/>
    /// records it, without allocating: no host string, no <see cref="System.Net.IPAddress"/>, no decision.
    /// Anything else (another spelling, a name, a denylisted or non-loopback address, a URL rule for the
    /// host) returns <see langword="false"/> and nothing is recorded: the caller must then run the full
    /// <see cref="CheckUrl(Uri, string)"/>, which decides and names the rule. This path never refuses and
    /// never allows anything the full check would refuse (<c>GuardFastPathTests</c> compares both on the
    /// attack corpus).
    /// </summary>
    /// <param name="uri">The request URL.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    internal bool TryAllowLoopbackRequest(Uri uri, string caller)
    {
        // Uri has already read the host as an IPv4 address (any inet_aton spelling): only then can the
        // text below be the address it connects to.
        if (!uri.IsAbsoluteUri || uri.HostNameType != UriHostNameType.IPv4)
        {
            return false;
        }

        var scheme = uri.Scheme;
        if (scheme is not ("http" or "https"))
        {
            return false;
        }

        // The host as written must be the canonical dotted quad right after "scheme://", followed by the
        // port, the path, the query, the fragment or the end; any other spelling (userinfo, upper case,
        // backslashes, percent-escapes, octal or hex octets, white space) takes the full check.
        var text = uri.OriginalString.AsSpan();
        if (text.Length <= scheme.Length + 3 || !text.StartsWith(scheme, StringComparison.Ordinal) || !text[scheme.Length..].StartsWith("://", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = text[(scheme.Length + 3)..];
        if (!TryReadPlainDottedQuad(rest, out var address, out var length))
        {
            return false;
        }

        var after = rest[length..];
        if (after.Length > 0 && after[0] is not (':' or '/' or '?' or '#'))
        {
            return false;
        }

        var authorityEnd = after.IndexOfAny('/', '?', '#');
        var authorityRest = authorityEnd < 0 ? after : after[..authorityEnd];
        if (authorityRest.Length > 0 && (authorityRest[0] != ':' || !IsDigits(authorityRest[1..])))
        {
            return false;
        }

        // 127.0.0.0/8, not denylisted, and no URL prefix on this address and port to compare the path with
        // (Uri.Port is the scheme's default port when none is written, as in UrlKey).
        if (address >> 24 != 127 || Denylist.DeniesIPv4(address) || Denylist.HasUrlRuleForIPv4(address, uri.Port))
        {
            return false;
        }

        Audit.Record(_time.GetUtcNow(), caller, uri.OriginalString, allowed: true, GuardRules.Loopback);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads <c>a.b.c.d</c> (decimal octets 0–255, no leading zeros) at the start of <paramref name="s"/>.</summary>
    private static bool TryReadPlainDottedQuad(ReadOnlySpan<char> s, out uint address, out int length)
    {
        address = 0;
        length = 0;
        var i = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= s.Length || s[i] != '.')
                {
                    return false;
                }

                i++;
            }

            var start = i;
            var value = 0;
            while (i < s.Length && s[i] is >= '0' and <= '9' && i - start < 3)
            {
                value = (value * 10) + (s[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | (uint)value;
        }

        // A fourth digit or a fifth part is another spelling: leave it to the full check.
        if (i < s.Length && s[i] is (>= '0' and <= '9') or '.')
        {
            return false;
        }

        length = i;
        return true;
    }
}
